//! Kernel symbols from `/proc/kallsyms`: the address of one, for tools that
//! read a kernel variable directly (drsnoop's `vm_zone_stat`), and the
//! function at an address, for kernel stack traces (capable -K).

use crate::error::{Error, Result};

/// The address of the kernel symbol `name`.
pub fn address(name: &str) -> Result<u64> {
    let text = std::fs::read_to_string("/proc/kallsyms").map_err(|e| Error::context("reading /proc/kallsyms", e))?;
    match find(&text, name) {
        Some(0) => Err(Error::new(format!(
            "/proc/kallsyms hides addresses (kernel.kptr_restrict), so {name} cannot be read: run as root, \
             or set kernel.kptr_restrict to 0 or 1"
        ))),
        Some(address) => Ok(address),
        None => Err(Error::new(format!(
            "/proc/kallsyms lists no {name}: this kernel lists its variables only with CONFIG_KALLSYMS_ALL"
        ))),
    }
}

/// The kernel's functions sorted by address, to name stack frames.
pub struct Symbols {
    text: String,
    /// (address, start and end of the name in `text`), by address.
    table: Vec<(u64, usize, usize)>,
}

impl Symbols {
    /// Reads `/proc/kallsyms` once; about 100k lines on a distribution
    /// kernel, kept as one string plus 24 bytes a function.
    pub fn load() -> Result<Self> {
        let text =
            std::fs::read_to_string("/proc/kallsyms").map_err(|e| Error::context("reading /proc/kallsyms", e))?;
        let symbols = Self::parse(text);
        log::debug!("read {} kernel functions from /proc/kallsyms", symbols.table.len());
        if symbols.table.last().is_some_and(|&(address, ..)| address == 0) {
            return Err(Error::new(
                "/proc/kallsyms hides addresses (kernel.kptr_restrict), so kernel stacks cannot be named: run as root, \
                 or set kernel.kptr_restrict to 0 or 1",
            ));
        }
        Ok(symbols)
    }

    fn parse(text: String) -> Self {
        let mut table = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let mut words = line.split_ascii_whitespace();
            if let (Some(address), Some(kind), Some(name)) = (words.next(), words.next(), words.next())
                // Functions only (text, weak): data symbols would name no frame.
                && matches!(kind, "t" | "T" | "w" | "W")
                && let Ok(address) = u64::from_str_radix(address, 16)
            {
                let name_start = start + (name.as_ptr() as usize - line.as_ptr() as usize);
                table.push((address, name_start, name_start + name.len()));
            }
            start += line.len();
        }
        table.sort_unstable_by_key(|&(address, ..)| address);
        Self { text, table }
    }

    /// The function containing `address` (the nearest one at or below it, as
    /// libbpf-tools' ksyms__map_addr) and the address's offset in it.
    pub fn find(&self, address: u64) -> Option<(&str, u64)> {
        let index = self.table.partition_point(|&(start, ..)| start <= address).checked_sub(1)?;
        let (start, name_start, name_end) = self.table[index];
        Some((&self.text[name_start..name_end], address - start))
    }
}

/// The address of `name` in kallsyms text (`ffffffff82a5d6c0 D vm_zone_stat`),
/// a symbol of the kernel itself rather than of a module.
fn find(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let mut words = line.split_ascii_whitespace();
        let (address, _kind, symbol) = (words.next()?, words.next()?, words.next()?);
        (symbol == name && words.next().is_none()).then(|| u64::from_str_radix(address, 16).ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ffffffff81000000 T _stext\n\
                        ffffffffc0a01000 d vm_zone_stat\t[some_module]\n\
                        ffffffff82a5d6c0 D vm_zone_stat\n\
                        ffffffff82a5d700 D vm_zone_stat_extra\n";

    #[test]
    fn finds_the_kernels_own_symbol_not_a_modules() {
        assert_eq!(find(TEXT, "vm_zone_stat"), Some(0xffffffff82a5d6c0));
    }

    #[test]
    fn names_an_address_by_the_function_at_or_below_it() {
        let symbols = Symbols::parse(
            "ffffffff81000200 T cap_capable\n\
             ffffffff81000000 T _stext\n\
             ffffffff81000100 D some_data\n\
             ffffffffc0a01000 t mod_func\t[some_module]\n"
                .to_owned(),
        );
        assert_eq!(symbols.find(0xffffffff81000000), Some(("_stext", 0)));
        assert_eq!(symbols.find(0xffffffff81000180), Some(("_stext", 0x180)), "data symbols are skipped");
        assert_eq!(symbols.find(0xffffffff81000234), Some(("cap_capable", 0x34)));
        assert_eq!(symbols.find(0xffffffffc0a01010), Some(("mod_func", 0x10)), "the module's name is dropped");
        assert_eq!(symbols.find(0xffffffff80000000), None);
    }

    #[test]
    fn hidden_addresses_read_as_zero_and_absent_symbols_as_none() {
        assert_eq!(find("0000000000000000 D vm_zone_stat\n", "vm_zone_stat"), Some(0));
        assert_eq!(find(TEXT, "no_such_symbol"), None);
        assert_eq!(find("garbage\n\nffff T\n", "T"), None);
    }
}
