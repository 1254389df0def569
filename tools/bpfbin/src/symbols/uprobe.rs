//! Finding where a uprobe goes: the ELF file (a program, or a library a
//! process maps) and a function's offset in it.

use std::{
    fs,
    path::{Path, PathBuf},
};

use object::{Architecture, Object, ObjectSection, ObjectSymbol, SymbolKind};

use crate::{
    error::{Error, Result},
    symbols::{
        mapped_file::MappedFile,
        proc_maps::{self, Mapping},
    },
};

/// An ELF file read into memory, to look its functions up.
pub struct Elf {
    path: PathBuf,
    data: MappedFile,
}

impl Elf {
    pub fn open(path: &Path) -> Result<Self> {
        let data =
            MappedFile::open(path).map_err(|err| Error::context(format_args!("reading {}", path.display()), err))?;
        let elf = Self { path: path.to_owned(), data };
        elf.parse()?;
        Ok(elf)
    }

    fn parse(&self) -> Result<object::File<'_>> {
        object::File::parse(&*self.data)
            .map_err(|err| Error::context(format_args!("{} is not an ELF file", self.path.display()), err))
    }

    /// The file offset of the function `name` (uprobes are placed by file
    /// offset, symbols hold virtual addresses), or None if the file does not
    /// define it.
    pub fn function_offset(&self, name: &str) -> Result<Option<u64>> {
        let file = self.parse()?;
        // The dynamic symbols first: programs and libraries export them even when stripped.
        let symbol = file
            .dynamic_symbols()
            .chain(file.symbols())
            .find(|symbol| symbol.is_definition() && symbol.kind() == SymbolKind::Text && symbol.name() == Ok(name));
        let Some(symbol) = symbol else { return Ok(None) };
        // Bit 0 of an Arm function's address marks Thumb code. 32-bit Arm
        // kernels place uprobes only in ARM-mode code: the breakpoint they
        // write would corrupt a Thumb function, so refuse (Debian's armhf
        // binaries are Thumb-2).
        if file.architecture() == Architecture::Arm && symbol.address() & 1 == 1 {
            return Err(Error::new(format!(
                "{name} in {} is Thumb code, which 32-bit Arm kernels cannot uprobe (ARM-mode code only)",
                self.path.display()
            )));
        }
        let offset = file_offset(&file, &symbol)
            .ok_or_else(|| Error::new(format!("{name} in {} is not in a loaded section", self.path.display())))?;
        Ok(Some(offset))
    }
}

fn file_offset(file: &object::File, symbol: &object::Symbol) -> Option<u64> {
    let section = file.section_by_index(symbol.section_index()?).ok()?;
    let (section_offset, _) = section.file_range()?;
    symbol.address().checked_sub(section.address())?.checked_add(section_offset)
}

/// The file libbpf-tools' uprobe tools mean by `binary` in `BINARY:FUNCTION`:
/// a path as it is; empty, the program of process `pid`; a name `NAME`, with
/// `pid` the library `libNAME.` or `libNAME-` that process maps (`c` is
/// libc), without it the program NAME on `$PATH` or else the library in the
/// loader's usual directories.
pub fn resolve_binary(binary: &str, pid: Option<u32>) -> Result<PathBuf> {
    // Said in libbpf-tools' words, before a lookup or the attach fails on it less plainly.
    if let Some(pid) = pid
        && !Path::new(&format!("/proc/{pid}")).exists()
    {
        return Err(Error::new(format!("no such pid {pid}: -p names no running process")));
    }
    if binary.contains('/') {
        return Ok(PathBuf::from(binary));
    }
    match (binary, pid) {
        ("", Some(pid)) => fs::read_link(format!("/proc/{pid}/exe"))
            .map_err(|err| Error::context(format_args!("the program of process {pid}"), err)),
        ("", None) => Err(Error::usage("uprobes need a pid or a binary: give -p PID for :FUNCTION")),
        (name, Some(pid)) => {
            let maps = proc_maps::read(pid)
                .map_err(|err| Error::context(format_args!("reading the mappings of process {pid}"), err))?;
            library_in_maps(&maps, name)
                .ok_or_else(|| Error::new(format!("cannot find library lib{name} in process {pid}")))
        }
        (name, None) => program_on_path(name).or_else(|| library_in_dirs(name)).ok_or_else(|| {
            Error::new(format!(
                "cannot find {name}: no program of that name on $PATH, no lib{name}.so in the library directories"
            ))
        }),
    }
}

/// The first mapped file named `lib<name>.` or `lib<name>-`.
fn library_in_maps(maps: &[Mapping], name: &str) -> Option<PathBuf> {
    maps.iter().find_map(|mapping| {
        let file = mapping.path.rsplit('/').next()?.strip_prefix("lib")?.strip_prefix(name)?;
        (file.starts_with('.') || file.starts_with('-')).then(|| PathBuf::from(&mapping.path))
    })
}

fn program_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|file| file.is_file())
}

/// `lib<name>.so` or `lib<name>.so.N` in the directories glibc's and musl's
/// loaders search by default.
fn library_in_dirs(name: &str) -> Option<PathBuf> {
    let triplet =
        format!("{}-linux-{}", std::env::consts::ARCH, if cfg!(target_arch = "arm") { "gnueabihf" } else { "gnu" });
    let dirs = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"];
    let dirs =
        dirs.iter().map(PathBuf::from).chain([Path::new("/lib").join(&triplet), Path::new("/usr/lib").join(&triplet)]);
    let prefix = format!("lib{name}.so");
    dirs.filter_map(|dir| fs::read_dir(dir).ok()).flatten().flatten().map(|entry| entry.path()).find(|path| {
        path.file_name()
            .and_then(|file| file.to_str())
            .and_then(|file| file.strip_prefix(&prefix))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            && path.is_file()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_are_found_by_name_in_maps() {
        let maps = &proc_maps::parse(
            "55d0-55d1 r--p 00000000 08:01 10 /usr/bin/python3.11\n\
             7f00-7f01 r--p 00000000 08:01 11 /usr/lib/x86_64-linux-gnu/libcrypt.so.1.1.0\n\
             7f02-7f03 r-xp 00028000 08:01 12 /usr/lib/x86_64-linux-gnu/libc.so.6\n\
             7f04-7f05 rw-p 00000000 00:00 0 \n",
        );
        assert_eq!(library_in_maps(maps, "c"), Some(PathBuf::from("/usr/lib/x86_64-linux-gnu/libc.so.6")));
        assert_eq!(library_in_maps(maps, "crypt"), Some(PathBuf::from("/usr/lib/x86_64-linux-gnu/libcrypt.so.1.1.0")));
        assert_eq!(library_in_maps(maps, "m"), None);
        let old_libc = proc_maps::parse("7f00-7f01 r--p 0 08:01 9 /lib/libc-2.31.so\n");
        assert_eq!(library_in_maps(&old_libc, "c"), Some(PathBuf::from("/lib/libc-2.31.so")));
    }
}
