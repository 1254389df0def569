//! Kernel symbol addresses from `/proc/kallsyms`, for tools that read a
//! kernel variable directly (drsnoop's `vm_zone_stat`).

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
    fn hidden_addresses_read_as_zero_and_absent_symbols_as_none() {
        assert_eq!(find("0000000000000000 D vm_zone_stat\n", "vm_zone_stat"), Some(0));
        assert_eq!(find(TEXT, "no_such_symbol"), None);
        assert_eq!(find("garbage\n\nffff T\n", "T"), None);
    }
}
