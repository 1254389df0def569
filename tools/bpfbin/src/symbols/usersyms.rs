//! User-space symbolization: naming the addresses of a process's stack
//! (capable -U) by the file each falls in (`/proc/PID/maps`) and that ELF
//! file's function symbols, read once per file.

use std::{collections::HashMap, path::Path};

use object::{Architecture, Endianness, Object, ObjectSegment, ObjectSymbol, SymbolKind, read::elf::ElfFile};

use crate::symbols::{
    mapped_file::MappedFile,
    proc_maps::{self, Mapping},
};

/// The ELF class of this tool's own processes: parsing only it keeps the
/// other class's code out of the binary (a 32-bit process on a 64-bit
/// kernel gets unknown frames).
#[cfg(target_pointer_width = "64")]
type NativeElf<'data> = ElfFile<'data, object::elf::FileHeader64<Endianness>>;
#[cfg(target_pointer_width = "32")]
type NativeElf<'data> = ElfFile<'data, object::elf::FileHeader32<Endianness>>;

/// The mappings of one process, read when its stack is printed.
pub struct Process(Vec<Mapping>);

impl Process {
    /// The file-backed mappings of process `pid`: none if it has exited,
    /// which leaves each of its frames unknown, as in libbpf-tools.
    pub fn read(pid: u32) -> Self {
        Self(proc_maps::read(pid).unwrap_or_default())
    }
}

/// A frame's place: the file, the offset in it, and the function (with the
/// address's offset in it) when the file's symbols name one.
pub struct Frame<'a> {
    pub file: &'a str,
    pub file_offset: u64,
    pub function: Option<(&'a str, u64)>,
}

/// The function symbols of every file met so far, by path.
#[derive(Default)]
pub struct UserSymbols {
    files: HashMap<String, Option<FileSymbols>>,
}

impl UserSymbols {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `address` lies in `process`, or None outside its file mappings.
    pub fn find<'a>(&'a mut self, process: &'a Process, address: u64) -> Option<Frame<'a>> {
        let mapping = process.0.iter().find(|m| (m.start..m.end).contains(&address))?;
        let file_offset = address - mapping.start + mapping.offset;
        let symbols = self.files.entry(mapping.path.clone()).or_insert_with(|| FileSymbols::read(&mapping.path));
        let function = symbols.as_ref().and_then(|symbols| symbols.find(file_offset));
        Some(Frame { file: &mapping.path, file_offset, function })
    }
}

/// One ELF file's functions; None when it cannot be read or parsed.
struct FileSymbols {
    /// (file offset, size in the file, virtual address) of each loaded segment.
    segments: Vec<(u64, u64, u64)>,
    /// (address, size, name) of each function, by address.
    functions: Vec<(u64, u64, String)>,
}

impl FileSymbols {
    fn read(path: &str) -> Option<Self> {
        let data = MappedFile::open(Path::new(path)).ok()?;
        let file = NativeElf::parse(&*data).ok()?;
        let segments = file
            .segments()
            .filter_map(|segment| {
                let (offset, size) = segment.file_range();
                (size > 0).then(|| (offset, size, segment.address()))
            })
            .collect();
        // Bit 0 of an Arm function's address marks Thumb code, not an address.
        let mask = if file.architecture() == Architecture::Arm { !1 } else { !0 };
        let mut functions: Vec<_> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|symbol| symbol.is_definition() && symbol.kind() == SymbolKind::Text)
            .filter_map(|symbol| Some((symbol.address() & mask, symbol.size(), symbol.name().ok()?.to_owned())))
            .filter(|(_, _, name)| !name.is_empty())
            .collect();
        // .symtab and .dynsym repeat names: keep one function per address.
        functions.sort_unstable();
        functions.dedup_by_key(|&mut (address, ..)| address);
        Some(Self { segments, functions })
    }

    /// The function at `file_offset` and the offset in it: the nearest one
    /// at or below its address, unless that one's known size ends before it.
    fn find(&self, file_offset: u64) -> Option<(&str, u64)> {
        let address = self.segments.iter().find_map(|&(offset, size, address)| {
            (offset..offset + size).contains(&file_offset).then(|| file_offset - offset + address)
        })?;
        let index = self.functions.partition_point(|&(start, ..)| start <= address).checked_sub(1)?;
        let (start, size, ref name) = self.functions[index];
        (size == 0 || address < start + size).then_some((name.as_str(), address - start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_function_by_file_offset_through_the_segments() {
        let symbols = FileSymbols {
            segments: vec![(0, 0x1000, 0), (0x1000, 0x3000, 0x401000)],
            functions: vec![(0x401100, 0x40, "main".into()), (0x401200, 0, "_start".into())],
        };
        assert_eq!(symbols.find(0x1110), Some(("main", 0x10)));
        assert_eq!(symbols.find(0x1150), None, "past main's end");
        assert_eq!(symbols.find(0x1234), Some(("_start", 0x34)), "no size: the nearest below");
        assert_eq!(symbols.find(0x0500), None, "no function below");
        assert_eq!(symbols.find(0x9000), None, "in no segment");
    }

    #[test]
    fn resolves_this_test_programs_own_function() {
        let process = Process::read(std::process::id());
        let address = resolves_this_test_programs_own_function as fn() as usize as u64;
        let mut symbols = UserSymbols::new();
        let frame = symbols.find(&process, address).expect("in a file mapping");
        let (name, offset) = frame.function.expect("a test binary has .symtab");
        assert!(name.contains("resolves_this_test_programs_own_function"), "{name}");
        assert_eq!(offset, 0);
    }
}
