//! Dropping the line info from an eBPF object's BTF: the `.BTF.ext` records
//! that map instructions to source lines, and the strings they name in
//! `.BTF` (source files by their build-machine path, and each line's text).
//! aya loads the programs without them; only the verifier log of `-v` loses
//! its source lines. The object gets smaller and no longer depends on where
//! it was built.

/// The `.BTF` and `.BTF.ext` sections of the eBPF object `elf` (a 64-bit
/// little-endian ELF), rewritten by `strip`.
pub fn strip_object(elf: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    strip(section(elf, ".BTF")?, section(elf, ".BTF.ext")?)
}

/// The contents of the section `name` of `elf`.
fn section<'a>(elf: &'a [u8], name: &str) -> Result<&'a [u8], String> {
    let u64_at = |at: usize| -> Result<usize, String> {
        let bytes = elf.get(at..at + 8).ok_or("an ELF cut short")?;
        Ok(u64::from_le_bytes(bytes.try_into().unwrap_or_default()) as usize)
    };
    let u16_at = |at: usize| elf.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return Err("not a 64-bit little-endian ELF".into());
    }
    let (table, entry) = (u64_at(0x28)?, u16_at(0x3a).ok_or("an ELF cut short")?);
    let (count, names) = (u16_at(0x3c).unwrap_or(0), u16_at(0x3e).unwrap_or(0));
    // Each header: name offset, type, flags, address, offset, size.
    let header = |i: usize| -> Result<(usize, usize, usize), String> {
        let at = table + i * entry;
        Ok((read_u32(elf, at)? as usize, u64_at(at + 24)?, u64_at(at + 32)?))
    };
    let (_, names_at, _) = header(names)?;
    for i in 0..count {
        let (name_at, at, len) = header(i)?;
        let tail = elf.get(names_at + name_at..).ok_or("a section name out of range")?;
        if tail.strip_prefix(name.as_bytes()).is_some_and(|rest| rest.first() == Some(&0)) {
            return slice(elf, at, len);
        }
    }
    Err(format!("no {name} section"))
}

/// The `.BTF` and `.BTF.ext` of an object: its string table holds only the
/// strings types and function info name, and `.BTF.ext` no line info. An
/// error for anything not laid out as LLVM writes it (little-endian, no
/// CO-RE relocations, which Rust does not emit).
pub fn strip(btf: &[u8], ext: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let header = Header::read(btf, 0xeb9f, 24)?;
    let [type_off, type_len, str_off, str_len] = [0, 1, 2, 3].map(|i| header.field(i));
    let types = slice(btf, header.len + type_off, type_len)?;
    let strings = slice(btf, header.len + str_off, str_len)?;
    if str_off != type_off + type_len {
        return Err("the .BTF strings do not follow its types".into());
    }

    let ext_header = Header::read(ext, 0xeb9f, 32)?;
    let [func_off, func_len, _line_off, _line_len, _core_off, core_len] =
        [0, 1, 2, 3, 4, 5].map(|i| ext_header.field(i));
    if core_len != 0 {
        return Err(".BTF.ext has CO-RE relocations".into());
    }
    let mut func_info = slice(ext, ext_header.len + func_off, func_len)?.to_vec();

    let mut table = Strings { old: strings, new: vec![0], moved: Vec::new() };
    let mut types = types.to_vec();
    for at in type_name_offsets(&types)? {
        table.rename(&mut types, at)?;
    }
    // Per ELF section: its name, a record count, the records (rec_size after
    // the subsection's first word).
    let rec_size = if func_info.is_empty() { 0 } else { read_u32(&func_info, 0)? as usize };
    let mut at = 4;
    while at < func_info.len() {
        table.rename(&mut func_info, at)?;
        at += 8 + read_u32(&func_info, at + 4)? as usize * rec_size;
    }

    let mut new_btf = btf[..header.len].to_vec();
    new_btf[20..24].copy_from_slice(&(table.new.len() as u32).to_le_bytes());
    new_btf.extend_from_slice(&types);
    new_btf.extend_from_slice(&table.new);

    // func_info at offset 0 after the header, then empty line info and CO-RE
    // subsections where it ends.
    let end = func_info.len() as u32;
    let mut new_ext = ext[..ext_header.len].to_vec();
    for (i, value) in [0, end, end, 0, end, 0].into_iter().enumerate() {
        let at = 8 + 4 * i;
        new_ext[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    new_ext.extend_from_slice(&func_info);
    Ok((new_btf, new_ext))
}

/// A BTF or BTF.ext header: magic, version, flags, its length, then u32 fields.
struct Header<'a> {
    data: &'a [u8],
    len: usize,
}

impl<'a> Header<'a> {
    fn read(data: &'a [u8], magic: u16, min_len: usize) -> Result<Self, String> {
        if data.len() < 8 || u16::from_le_bytes([data[0], data[1]]) != magic {
            return Err("not little-endian BTF".into());
        }
        let len = read_u32(data, 4)? as usize;
        if len < min_len || len > data.len() {
            return Err(format!("a BTF header of {len} bytes"));
        }
        Ok(Self { data, len })
    }

    /// The `i`th u32 after the first eight bytes.
    fn field(&self, i: usize) -> usize {
        read_u32(self.data, 8 + 4 * i).unwrap_or_default() as usize
    }
}

/// The string table being rebuilt: each string named keeps one copy.
struct Strings<'a> {
    old: &'a [u8],
    new: Vec<u8>,
    /// (old offset, new offset) of the strings copied so far.
    moved: Vec<(u32, u32)>,
}

impl Strings<'_> {
    /// Points the string offset at `at` in `data` into the new table.
    fn rename(&mut self, data: &mut [u8], at: usize) -> Result<(), String> {
        let old = read_u32(data, at)?;
        let new = match (old, self.moved.iter().find(|&&(from, _)| from == old)) {
            (0, _) => 0,
            (_, Some(&(_, to))) => to,
            (_, None) => {
                let tail = self.old.get(old as usize..).ok_or(format!("string offset {old} out of range"))?;
                let len = tail.iter().position(|&b| b == 0).ok_or("an unterminated BTF string")?;
                let to = self.new.len() as u32;
                self.new.extend_from_slice(&tail[..=len]);
                self.moved.push((old, to));
                to
            }
        };
        data[at..at + 4].copy_from_slice(&new.to_le_bytes());
        Ok(())
    }
}

/// Where each string offset sits in a BTF type section: every type's name,
/// and the names of struct and union members, enum values and function
/// parameters (include/uapi/linux/btf.h).
fn type_name_offsets(types: &[u8]) -> Result<Vec<usize>, String> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while at < types.len() {
        let info = read_u32(types, at + 4)?;
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        offsets.push(at);
        at += 12;
        // The bytes after the 12-byte common part, and the stride of its
        // named entries (0: none named).
        let (extra, named) = match kind {
            // INT, VAR, DECL_TAG: one u32.
            1 | 14 | 17 => (4, 0),
            // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG.
            2 | 7..=12 | 16 | 18 => (0, 0),
            // ARRAY: type, index type, count.
            3 => (12, 0),
            // STRUCT, UNION: name, type, offset.
            4 | 5 => (12 * vlen, 12),
            // ENUM: name, value; FUNC_PROTO: name, type.
            6 | 13 => (8 * vlen, 8),
            // DATASEC: type, offset, size.
            15 => (12 * vlen, 0),
            // ENUM64: name, low and high value.
            19 => (12 * vlen, 12),
            kind => return Err(format!("BTF kind {kind}")),
        };
        if named != 0 {
            offsets.extend((at..at + extra).step_by(named));
        }
        at += extra;
    }
    if at != types.len() {
        return Err("the last BTF type runs past its section".into());
    }
    Ok(offsets)
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, String> {
    let bytes = data.get(at..at + 4).ok_or(format!("BTF cut short at {at}"))?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn slice(data: &[u8], at: usize, len: usize) -> Result<&[u8], String> {
    data.get(at..at + len).ok_or(format!("BTF section of {len} bytes at {at} past the end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF with an INT "int" and a STRUCT "s" of one member "a", plus an
    /// unused string (a line's text); a BTF.ext with one func_info section
    /// ".text" and one line_info record.
    fn object() -> (Vec<u8>, Vec<u8>) {
        let strings = b"\0int\0s\0a\0fn main() {}\0.text\0".to_vec();
        let (int, s, a, line, text): (u32, u32, u32, u32, u32) = (1, 5, 7, 9, 22);
        let mut types = Vec::new();
        for word in [int, 1 << 24, 4, 32] {
            types.extend_from_slice(&word.to_le_bytes());
        }
        for word in [s, 4 << 24 | 1, 4, a, 1, 0] {
            types.extend_from_slice(&word.to_le_bytes());
        }
        let mut btf = Vec::new();
        for word in [0xeb9f_u32 | 1 << 16, 24, 0, types.len() as u32, types.len() as u32, strings.len() as u32] {
            btf.extend_from_slice(&word.to_le_bytes());
        }
        btf.extend_from_slice(&types);
        btf.extend_from_slice(&strings);

        let func_info: Vec<u8> = [8u32, text, 1, 0, 3].iter().flat_map(|w| w.to_le_bytes()).collect();
        let line_info: Vec<u8> =
            [16u32, text, 1, 0, text, line, 1 << 10 | 5].iter().flat_map(|w| w.to_le_bytes()).collect();
        let (func_len, line_len) = (func_info.len() as u32, line_info.len() as u32);
        let mut ext = Vec::new();
        for word in [0xeb9f_u32 | 1 << 16, 32, 0, func_len, func_len, line_len, func_len + line_len, 0] {
            ext.extend_from_slice(&word.to_le_bytes());
        }
        ext.extend_from_slice(&func_info);
        ext.extend_from_slice(&line_info);
        (btf, ext)
    }

    fn string_at(btf: &[u8], offset: u32) -> &str {
        let strings = &btf[24 + read_u32(btf, 16).unwrap() as usize..];
        let tail = &strings[offset as usize..];
        std::str::from_utf8(&tail[..tail.iter().position(|&b| b == 0).unwrap()]).unwrap()
    }

    #[test]
    fn keeps_the_named_strings_and_drops_the_line_info() {
        let (btf, ext) = object();
        let (new_btf, new_ext) = strip(&btf, &ext).unwrap();
        let strings = &new_btf[24 + 40..];
        assert_eq!(strings, b"\0int\0s\0a\0.text\0", "the line's text is gone");
        assert_eq!(read_u32(&new_btf, 20).unwrap(), strings.len() as u32);
        // INT, STRUCT and its member named in the new table.
        let names: Vec<&str> =
            [24, 40, 52].iter().map(|&at| string_at(&new_btf, read_u32(&new_btf, at).unwrap())).collect();
        assert_eq!(names, ["int", "s", "a"]);
        // func_info kept, named ".text"; line info and CO-RE empty.
        assert_eq!(&new_ext[8..32], [0u32, 20, 20, 0, 20, 0].iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<_>>());
        assert_eq!(new_ext.len(), 32 + 20);
        assert_eq!(string_at(&new_btf, read_u32(&new_ext, 36).unwrap()), ".text");
        assert_eq!(&new_ext[40..52], &ext[40..52], "the func_info record itself");
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let (btf, ext) = object();
        let mut bad_kind = btf.clone();
        bad_kind[24 + 7] = 25;
        assert!(strip(&bad_kind, &ext).unwrap_err().starts_with("BTF kind"));
        let mut with_core = ext.clone();
        with_core[28] = 16;
        assert_eq!(strip(&btf, &with_core).unwrap_err(), ".BTF.ext has CO-RE relocations");
        assert_eq!(strip(&btf[..6], &ext).unwrap_err(), "not little-endian BTF");
    }
}
