//! Where kernel struct members sit on this kernel, read from its BTF: Rust
//! cannot emit CO-RE relocations, so a tool resolves the offsets its eBPF
//! program needs here, at load time. The file is read through two small
//! windows, never whole, and every read is checked: it may be truncated or
//! hostile. Why: docs/design.md, "Kernel structs without CO-RE".

use std::{fs::File, io, os::unix::fs::FileExt, path::Path};

use crate::error::{Error, Result};

/// The running kernel's BTF, present when it was built with CONFIG_DEBUG_INFO_BTF.
pub const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

const MAGIC: u16 = 0xeb9f;
const HEADER_LEN: usize = 24;
/// `struct btf_type`: name_off, info, size or type.
const TYPE_LEN: u64 = 12;
/// The most one read of a sysfs binary file returns.
const WINDOW: usize = 4096;
/// Type ids between two kept positions: 8 KiB for vmlinux's ~130k types.
const STRIDE: u32 = 64;
/// Bound on typedef chains, array nesting and anonymous members, against
/// cycles in a hostile file (libbpf's bound too).
const MAX_DEPTH: u32 = 32;
/// Members one lookup may look at, anonymous ones' included. vmlinux's
/// largest structs have a few hundred.
const MAX_MEMBERS: u32 = 1 << 14;

const INT: u32 = 1;
const PTR: u32 = 2;
const ARRAY: u32 = 3;
const STRUCT: u32 = 4;
const UNION: u32 = 5;
const ENUM: u32 = 6;
const FWD: u32 = 7;
const TYPEDEF: u32 = 8;
const VOLATILE: u32 = 9;
const CONST: u32 = 10;
const RESTRICT: u32 = 11;
const FUNC: u32 = 12;
const FUNC_PROTO: u32 = 13;
const VAR: u32 = 14;
const DATASEC: u32 = 15;
const FLOAT: u32 = 16;
const DECL_TAG: u32 = 17;
const TYPE_TAG: u32 = 18;
const ENUM64: u32 = 19;

/// A struct member as laid out on this kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Bytes from the start of the outer struct. For a bitfield, where the
    /// naturally aligned load of `size` bytes that holds it starts.
    pub offset: u32,
    /// Bytes of the member's type (a pointer's is the kernel's `long`).
    pub size: u32,
    pub bitfield: Option<Bitfield>,
}

/// Where a bitfield sits in the `size` bytes loaded at [`Member::offset`]:
/// its value is `(load >> bit_offset) & ((1 << bits) - 1)` (little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bitfield {
    pub bit_offset: u8,
    pub bits: u8,
}

pub struct Btf {
    source: Source,
    types: Window,
    strings: Window,
    types_start: u64,
    types_end: u64,
    strings_start: u64,
    strings_end: u64,
    /// Position in the type section of ids 1, 1 + STRIDE, 1 + 2 * STRIDE...
    marks: Vec<u32>,
    /// The highest type id.
    last_id: u32,
    pointer_size: u32,
    /// Structs already looked up, as tools ask several members of one.
    structs: Vec<(Box<str>, u32)>,
}

impl Btf {
    /// Reads the BTF file at `path`, such as [`VMLINUX`].
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound if path == Path::new(VMLINUX) => {
                Error::new(format!("this kernel has no BTF: {VMLINUX} is missing (build it with CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE)"))
            }
            _ => Error::context(format_args!("opening {}", path.display()), err),
        })?;
        let len = file.metadata().map_err(|err| Error::context(format_args!("reading {}", path.display()), err))?.len();
        Self::new(Source::File(file), len)
            .map_err(|err| Error::new(format!("{}: {}", path.display(), err.message().unwrap_or_default())))
    }

    /// BTF already in memory, as tests and fuzzers have it.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        let len = bytes.len() as u64;
        Self::new(Source::Bytes(bytes), len)
    }

    /// A copy of `bytes`, as [`Btf::from_bytes`] reads it.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(bytes.to_vec())
    }

    fn new(source: Source, len: u64) -> Result<Self> {
        let mut btf = Self {
            source,
            types: Window::new(),
            strings: Window::new(),
            types_start: 0,
            types_end: 0,
            strings_start: 0,
            strings_end: 0,
            marks: Vec::new(),
            last_id: 0,
            pointer_size: 8,
            structs: Vec::new(),
        };
        let header = btf.types.get(&btf.source, 0, HEADER_LEN)?;
        let word = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
        match u16::from_le_bytes([header[0], header[1]]) {
            MAGIC => {}
            magic if magic == MAGIC.swap_bytes() => return Err(Error::new("big-endian BTF is not supported")),
            _ => return Err(Error::new("not BTF (bad magic)")),
        }
        if header[2] != 1 {
            return Err(Error::new(format!("unsupported BTF version {}", header[2])));
        }
        let header_len = u64::from(word(4));
        let (type_off, type_len, str_off, str_len) = (word(8), word(12), word(16), word(20));
        if header_len < HEADER_LEN as u64 {
            return Err(malformed("header too short"));
        }
        btf.types_start = header_len + u64::from(type_off);
        btf.types_end = btf.types_start + u64::from(type_len);
        btf.strings_start = header_len + u64::from(str_off);
        btf.strings_end = btf.strings_start + u64::from(str_len);
        if btf.types_end > len || btf.strings_end > len {
            return Err(malformed("truncated"));
        }
        btf.index()?;
        Ok(btf)
    }

    /// Walks every type once: keeps the marks, counts the ids, and takes the
    /// pointer size from `long`, since BTF does not state it.
    fn index(&mut self) -> Result<()> {
        let mut pos = self.types_start;
        let mut pointer_size = None;
        while pos < self.types_end {
            let id = self.last_id.checked_add(1).ok_or_else(|| malformed("too many types"))?;
            if (id - 1) % STRIDE == 0 {
                // Below 2^32: type_len is a u32.
                self.marks.push((pos - self.types_start) as u32);
            }
            let ty = self.read_type(id, pos)?;
            if ty.kind() == INT && pointer_size.is_none() && matches!(ty.size_or_type, 4 | 8) {
                for name in ["long int", "long unsigned int", "long", "unsigned long"] {
                    if self.name_is(ty.name_off, name)? {
                        pointer_size = Some(ty.size_or_type);
                        break;
                    }
                }
            }
            self.last_id = id;
            pos += ty.len;
        }
        self.pointer_size = pointer_size.unwrap_or(8);
        Ok(())
    }

    /// Member `path` of struct (or union) `struct_name`: `Ok(None)` when this
    /// kernel's struct has no such member, an error when it has no such struct.
    /// `path` is dotted to go into embedded structs ("pwd.dentry"); members
    /// of anonymous structs and unions are found as the compiler finds them.
    pub fn member(&mut self, struct_name: &str, path: &str) -> Result<Option<Member>> {
        let id = self
            .struct_id(struct_name)
            .map_err(|err| {
                Error::new(format!("looking up struct {struct_name}: {}", err.message().unwrap_or_default()))
            })?
            .ok_or_else(|| Error::new(format!("struct {struct_name} is not in the kernel's BTF")))?;
        self.resolve_path(id, path)
            .map_err(|err| Error::new(format!("resolving {struct_name}.{path}: {}", err.message().unwrap_or_default())))
    }

    /// The first of `paths` that struct `struct_name` has on this kernel, for
    /// members renamed across versions (`["__state", "state"]`).
    pub fn first_member<'p>(&mut self, struct_name: &str, paths: &[&'p str]) -> Result<Option<(&'p str, Member)>> {
        for &path in paths {
            if let Some(member) = self.member(struct_name, path)? {
                return Ok(Some((path, member)));
            }
        }
        Ok(None)
    }

    /// Member `path` of `struct_name`, or an error naming both.
    pub fn require(&mut self, struct_name: &str, path: &str) -> Result<Member> {
        self.member(struct_name, path)?
            .ok_or_else(|| Error::new(format!("struct {struct_name} has no member {path} on this kernel")))
    }

    /// The parameter names of kernel function `name`, in order, from its BTF
    /// prototype (an unnamed one, such as `...`, is ""): for functions whose
    /// arguments moved across versions. `Ok(None)` when the BTF has no such
    /// function: pahole leaves some out, and BTF before pahole 1.16 has none.
    pub fn function_params(&mut self, name: &str) -> Result<Option<Vec<String>>> {
        let mut pos = self.types_start;
        for id in 1..=self.last_id {
            let ty = self.read_type(id, pos)?;
            if ty.kind() == FUNC && self.name_is(ty.name_off, name)? {
                let proto = self.type_by_id(ty.size_or_type)?;
                if proto.kind() != FUNC_PROTO {
                    return Err(malformed(format!("function {name} (type {id}) has no prototype")));
                }
                let mut params = Vec::with_capacity(proto.vlen() as usize);
                for index in 0..u64::from(proto.vlen()) {
                    // struct btf_param: name_off, type.
                    let name_off = le32(self.types.get(&self.source, proto.pos + TYPE_LEN + index * 8, 4)?, 0);
                    params.push(self.string(name_off)?);
                }
                return Ok(Some(params));
            }
            pos += ty.len;
        }
        Ok(None)
    }

    /// The id of the first struct or union called `name` (not a forward declaration).
    fn struct_id(&mut self, name: &str) -> Result<Option<u32>> {
        if let Some((_, id)) = self.structs.iter().find(|(known, _)| **known == *name) {
            return Ok(Some(*id));
        }
        let mut pos = self.types_start;
        for id in 1..=self.last_id {
            let ty = self.read_type(id, pos)?;
            if matches!(ty.kind(), STRUCT | UNION) && ty.name_off != 0 && self.name_is(ty.name_off, name)? {
                self.structs.push((name.into(), id));
                return Ok(Some(id));
            }
            pos += ty.len;
        }
        Ok(None)
    }

    fn resolve_path(&mut self, struct_id: u32, path: &str) -> Result<Option<Member>> {
        let mut parent = self.type_by_id(struct_id)?;
        let mut bit_offset = 0;
        let mut walked = 0;
        let mut names = path.split('.').peekable();
        while let Some(name) = names.next() {
            if name.is_empty() {
                break;
            }
            let Some(found) = self.find(&parent, name, 0, &mut { MAX_MEMBERS })? else { return Ok(None) };
            bit_offset += found.bit_offset;
            if names.peek().is_none() {
                return self.layout(bit_offset, &found).map(Some);
            }
            walked += name.len() + 1;
            parent = self.resolve(found.type_id)?;
            if !matches!(parent.kind(), STRUCT | UNION) {
                return Err(Error::new(format!("{} is not a struct or union", &path[..walked - 1])));
            }
        }
        Err(Error::new("empty member name"))
    }

    /// Member `name` of `parent`, looking into its anonymous members.
    /// `budget` is the members left to look at: anonymous members can repeat
    /// a type (even their own in a hostile file), which would take forever.
    fn find(&mut self, parent: &Type, name: &str, depth: u32, budget: &mut u32) -> Result<Option<Found>> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("anonymous members of type {} nest too deep", parent.id)));
        }
        for index in 0..u64::from(parent.vlen()) {
            *budget = budget.checked_sub(1).ok_or_else(|| malformed("too many anonymous members"))?;
            let at = parent.pos + TYPE_LEN + index * 12;
            let bytes = self.types.get(&self.source, at, 12)?;
            let (name_off, type_id, offset) = (le32(bytes, 0), le32(bytes, 4), le32(bytes, 8));
            // With kind_flag, the offset holds bitfield_size << 24 | bit_offset.
            let (bit_offset, bits) = if parent.kind_flag() { (offset & 0xff_ffff, offset >> 24) } else { (offset, 0) };
            let mut found = Found { bit_offset: u64::from(bit_offset), type_id, bits };
            if name_off == 0 {
                let inner = self.resolve(type_id)?;
                if matches!(inner.kind(), STRUCT | UNION)
                    && let Some(mut nested) = self.find(&inner, name, depth + 1, budget)?
                {
                    nested.bit_offset += found.bit_offset;
                    return Ok(Some(nested));
                }
            } else if self.name_is(name_off, name)? {
                if !parent.kind_flag() {
                    self.old_style_bitfield(&mut found)?;
                }
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Before kind_flag (pahole < 1.13), a bitfield was an INT member whose
    /// own encoding gave its width and a further bit offset.
    fn old_style_bitfield(&mut self, found: &mut Found) -> Result<()> {
        let ty = self.resolve(found.type_id)?;
        if ty.kind() == INT {
            let encoding = le32(self.types.get(&self.source, ty.pos + TYPE_LEN, 4)?, 0);
            let (bits, offset) = (encoding & 0xff, (encoding >> 16) & 0xff);
            if offset != 0 || u64::from(bits) != u64::from(ty.size_or_type) * 8 {
                found.bits = bits;
                found.bit_offset += u64::from(offset);
            }
        }
        Ok(())
    }

    fn layout(&mut self, bit_offset: u64, found: &Found) -> Result<Member> {
        let size = self.size_of(found.type_id, 0)?;
        let too_far = || malformed("member offset past 4 GiB");
        if found.bits == 0 {
            if !bit_offset.is_multiple_of(8) {
                return Err(malformed(format!("member of type {} is not byte-aligned", found.type_id)));
            }
            let offset = u32::try_from(bit_offset / 8).map_err(|_| too_far())?;
            return Ok(Member { offset, size, bitfield: None });
        }
        // The smallest naturally aligned load, from the type's size up, that
        // holds every bit of the field: as libbpf reads bitfields.
        let bits = u64::from(found.bits);
        let mut load = u64::from(size);
        if !matches!(load, 1 | 2 | 4 | 8) || bits > 64 {
            return Err(malformed(format!("bitfield of type {} has size {size} and {bits} bits", found.type_id)));
        }
        let mut start = bit_offset / 8 / load * load;
        while bit_offset + bits - start * 8 > load * 8 {
            if load == 8 {
                return Err(malformed("bitfield straddles 8 aligned bytes"));
            }
            load *= 2;
            start = bit_offset / 8 / load * load;
        }
        Ok(Member {
            offset: u32::try_from(start).map_err(|_| too_far())?,
            size: load as u32,
            bitfield: Some(Bitfield { bit_offset: (bit_offset - start * 8) as u8, bits: bits as u8 }),
        })
    }

    /// Bytes of type `id`.
    fn size_of(&mut self, id: u32, depth: u32) -> Result<u32> {
        let ty = self.resolve(id)?;
        match ty.kind() {
            INT | STRUCT | UNION | ENUM | ENUM64 | FLOAT => Ok(ty.size_or_type),
            PTR => Ok(self.pointer_size),
            ARRAY if depth < MAX_DEPTH => {
                let bytes = self.types.get(&self.source, ty.pos + TYPE_LEN, 12)?;
                let (element, count) = (le32(bytes, 0), le32(bytes, 8));
                let element_size = self.size_of(element, depth + 1)?;
                element_size.checked_mul(count).ok_or_else(|| malformed(format!("array type {} is too large", ty.id)))
            }
            _ => Err(malformed(format!("type {} has no size", ty.id))),
        }
    }

    /// The type `id` names, past typedefs, qualifiers and tags.
    fn resolve(&mut self, mut id: u32) -> Result<Type> {
        for _ in 0..MAX_DEPTH {
            let ty = self.type_by_id(id)?;
            match ty.kind() {
                TYPEDEF | VOLATILE | CONST | RESTRICT | TYPE_TAG => id = ty.size_or_type,
                _ => return Ok(ty),
            }
        }
        Err(malformed(format!("typedefs loop at type {id}")))
    }

    fn type_by_id(&mut self, id: u32) -> Result<Type> {
        if id == 0 || id > self.last_id {
            return Err(malformed(format!("type id {id} out of range")));
        }
        let mark = (id - 1) / STRIDE;
        let start = self.marks.get(mark as usize).ok_or_else(|| malformed("lost type index"))?;
        let mut pos = self.types_start + u64::from(*start);
        let mut at = mark * STRIDE + 1;
        loop {
            let ty = self.read_type(at, pos)?;
            if at >= id {
                return Ok(ty);
            }
            pos += ty.len;
            at += 1;
        }
    }

    /// The type record `id`, which starts at `pos`.
    fn read_type(&mut self, id: u32, pos: u64) -> Result<Type> {
        let bytes = self.types.get(&self.source, pos, TYPE_LEN as usize)?;
        let mut ty =
            Type { id, pos, len: 0, name_off: le32(bytes, 0), info: le32(bytes, 4), size_or_type: le32(bytes, 8) };
        let vlen = u64::from(ty.vlen());
        let trailing = match ty.kind() {
            PTR | FWD | TYPEDEF | VOLATILE | CONST | RESTRICT | FUNC | FLOAT | TYPE_TAG => 0,
            INT | VAR | DECL_TAG => 4,
            ARRAY => 12,
            STRUCT | UNION | DATASEC | ENUM64 => vlen * 12,
            ENUM | FUNC_PROTO => vlen * 8,
            kind => return Err(malformed(format!("type {id} has unknown kind {kind}"))),
        };
        ty.len = TYPE_LEN + trailing;
        if pos + ty.len > self.types_end {
            return Err(malformed(format!("type {id} runs past the type section")));
        }
        Ok(ty)
    }

    /// The string at `name_off`; one longer than NAME_MAX is an error, as no
    /// identifier is that long.
    fn string(&mut self, name_off: u32) -> Result<String> {
        const NAME_MAX: u64 = 255;
        let at = self.strings_start + u64::from(name_off);
        if at >= self.strings_end {
            return Err(malformed(format!("string offset {name_off} past the string section")));
        }
        let len = (self.strings_end - at).min(NAME_MAX + 1) as usize;
        let bytes = self.strings.get(&self.source, at, len)?;
        let end = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| malformed(format!("string at {name_off} is unterminated")))?;
        Ok(String::from_utf8_lossy(&bytes[..end]).into_owned())
    }

    /// Whether the string at `name_off` is `name`.
    fn name_is(&mut self, name_off: u32, name: &str) -> Result<bool> {
        let at = self.strings_start + u64::from(name_off);
        let len = name.len() + 1;
        if len > WINDOW || at + len as u64 > self.strings_end {
            return Ok(false);
        }
        let bytes = self.strings.get(&self.source, at, len)?;
        Ok(bytes[..name.len()] == *name.as_bytes() && bytes[name.len()] == 0)
    }
}

/// A type record's fixed part, and where it lies.
struct Type {
    id: u32,
    pos: u64,
    /// Bytes of the record, trailing data included.
    len: u64,
    name_off: u32,
    info: u32,
    size_or_type: u32,
}

impl Type {
    fn kind(&self) -> u32 {
        (self.info >> 24) & 0x1f
    }

    fn vlen(&self) -> u32 {
        self.info & 0xffff
    }

    fn kind_flag(&self) -> bool {
        self.info >> 31 == 1
    }
}

/// A member found in a struct: bits from the struct's start, its type, and
/// its width when a bitfield.
struct Found {
    bit_offset: u64,
    type_id: u32,
    bits: u32,
}

enum Source {
    File(File),
    Bytes(Vec<u8>),
}

impl Source {
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        match self {
            Self::File(file) => file.read_at(buf, at),
            Self::Bytes(bytes) => {
                let start = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
                let len = buf.len().min(bytes.len() - start);
                buf[..len].copy_from_slice(&bytes[start..start + len]);
                Ok(len)
            }
        }
    }
}

/// A few bytes of the file, kept until a read falls outside them.
struct Window {
    start: u64,
    len: usize,
    buf: Box<[u8]>,
}

impl Window {
    fn new() -> Self {
        Self { start: 0, len: 0, buf: vec![0; WINDOW].into_boxed_slice() }
    }

    /// `len` (at most WINDOW) bytes at `at`.
    fn get(&mut self, source: &Source, at: u64, len: usize) -> Result<&[u8]> {
        if at < self.start || at + len as u64 > self.start + self.len as u64 {
            self.start = at;
            self.len = 0;
            while self.len < self.buf.len() {
                match source.read_at(&mut self.buf[self.len..], at + self.len as u64) {
                    Ok(0) => break,
                    Ok(read) => self.len += read,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => {
                        self.len = 0;
                        return Err(Error::context("reading BTF", err));
                    }
                }
            }
            if self.len < len {
                return Err(malformed("truncated"));
            }
        }
        let from = (at - self.start) as usize;
        Ok(&self.buf[from..from + len])
    }
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::new(format!("malformed BTF: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds small BTF blobs; ids are given in order from 1.
    struct Builder {
        types: Vec<u8>,
        strings: Vec<u8>,
        next: u32,
    }

    impl Builder {
        fn new() -> Self {
            Self { types: Vec::new(), strings: vec![0], next: 1 }
        }

        fn name(&mut self, name: &str) -> u32 {
            if name.is_empty() {
                return 0;
            }
            let at = self.strings.len() as u32;
            self.strings.extend(name.as_bytes());
            self.strings.push(0);
            at
        }

        fn add(&mut self, name: &str, kind: u32, flag: bool, vlen: usize, size_or_type: u32, trailing: &[u32]) -> u32 {
            let info = u32::from(flag) << 31 | kind << 24 | vlen as u32;
            let name_off = self.name(name);
            for word in [name_off, info, size_or_type].iter().chain(trailing) {
                self.types.extend(word.to_le_bytes());
            }
            self.next += 1;
            self.next - 1
        }

        fn int(&mut self, name: &str, size: u32) -> u32 {
            self.add(name, INT, false, 0, size, &[size * 8])
        }

        fn refer(&mut self, kind: u32, name: &str, to: u32) -> u32 {
            self.add(name, kind, false, 0, to, &[])
        }

        /// A struct or union of `(name, type, bit offset)` members.
        fn composite(&mut self, kind: u32, name: &str, size: u32, flag: bool, members: &[(&str, u32, u32)]) -> u32 {
            let mut words = Vec::new();
            for &(member, ty, offset) in members {
                words.extend([self.name(member), ty, offset]);
            }
            self.add(name, kind, flag, members.len(), size, &words)
        }

        fn build(&self) -> Vec<u8> {
            let mut blob = Vec::new();
            blob.extend(MAGIC.to_le_bytes());
            blob.extend([1, 0]);
            let types = self.types.len() as u32;
            for word in [HEADER_LEN as u32, 0, types, types, self.strings.len() as u32] {
                blob.extend(word.to_le_bytes());
            }
            blob.extend(&self.types);
            blob.extend(&self.strings);
            blob
        }

        fn btf(&self) -> Btf {
            Btf::from_bytes(self.build()).unwrap()
        }
    }

    fn plain(offset: u32, size: u32) -> Option<Member> {
        Some(Member { offset, size, bitfield: None })
    }

    fn bitfield(offset: u32, size: u32, bit_offset: u8, bits: u8) -> Option<Member> {
        Some(Member { offset, size, bitfield: Some(Bitfield { bit_offset, bits }) })
    }

    /// struct inner { int b; long c; }; typedef const struct inner inner_t;
    /// struct outer { int a; union { struct { int b2; long c2; }; int d; };
    /// inner_t in; struct inner *p; };
    fn nested() -> Builder {
        let mut b = Builder::new();
        let int = b.int("int", 4); // 1
        let long = b.int("long int", 8); // 2
        let inner = b.composite(STRUCT, "inner", 16, false, &[("b", int, 0), ("c", long, 64)]); // 3
        let konst = b.refer(CONST, "", inner); // 4
        let inner_t = b.refer(TYPEDEF, "inner_t", konst); // 5
        let anon_struct = b.composite(STRUCT, "", 16, false, &[("b2", int, 0), ("c2", long, 64)]); // 6
        let anon_union = b.composite(UNION, "", 16, false, &[("", anon_struct, 0), ("d", int, 0)]); // 7
        let pointer = b.refer(PTR, "", inner); // 8
        b.refer(FWD, "outer", 0); // 9: a forward declaration, to be passed over
        b.composite(
            STRUCT,
            "outer",
            48,
            false,
            &[("a", int, 0), ("", anon_union, 64), ("in", inner_t, 192), ("p", pointer, 320)],
        );
        b
    }

    #[test]
    fn anonymous_members_are_transparent() {
        let mut btf = nested().btf();
        assert_eq!(btf.member("outer", "a").unwrap(), plain(0, 4));
        assert_eq!(btf.member("outer", "d").unwrap(), plain(8, 4));
        assert_eq!(btf.member("outer", "b2").unwrap(), plain(8, 4));
        assert_eq!(btf.member("outer", "c2").unwrap(), plain(16, 8));
        assert_eq!(btf.member("outer", "nope").unwrap(), None);
    }

    #[test]
    fn paths_go_through_typedefs_and_qualifiers() {
        let mut btf = nested().btf();
        assert_eq!(btf.member("outer", "in").unwrap(), plain(24, 16));
        assert_eq!(btf.member("outer", "in.c").unwrap(), plain(32, 8));
        assert_eq!(btf.member("outer", "in.nope").unwrap(), None);
        assert_eq!(btf.member("outer", "p").unwrap(), plain(40, 8));
        let err = btf.member("outer", "p.b").unwrap_err();
        assert_eq!(err.message(), Some("resolving outer.p.b: p is not a struct or union"));
        assert!(btf.member("outer", "in..c").is_err());
        assert!(btf.member("outer", "").is_err());
    }

    #[test]
    fn missing_structs_are_errors_and_forward_declarations_do_not_count() {
        let mut btf = nested().btf();
        let err = btf.member("task_struct", "pid").unwrap_err();
        assert_eq!(err.message(), Some("struct task_struct is not in the kernel's BTF"));
        assert_eq!(btf.member("inner", "b").unwrap(), plain(0, 4));
        let err = btf.require("outer", "state").unwrap_err();
        assert_eq!(err.message(), Some("struct outer has no member state on this kernel"));
    }

    #[test]
    fn first_member_finds_the_name_this_kernel_uses() {
        let mut btf = nested().btf();
        assert_eq!(btf.first_member("outer", &["x", "d", "a"]).unwrap(), Some(("d", plain(8, 4).unwrap())));
        assert_eq!(btf.first_member("outer", &["x", "y"]).unwrap(), None);
    }

    #[test]
    fn pointers_are_as_wide_as_long() {
        let mut b = Builder::new();
        let long = b.int("long unsigned int", 4);
        let pointer = b.refer(PTR, "", long);
        b.composite(STRUCT, "s", 8, false, &[("p", pointer, 0), ("n", long, 32)]);
        assert_eq!(b.btf().member("s", "p").unwrap(), plain(0, 4));

        let mut b = Builder::new();
        let char = b.int("char", 1);
        let pointer = b.refer(PTR, "", char);
        let array = b.add("", ARRAY, false, 0, 0, &[pointer, char, 3]);
        b.composite(STRUCT, "s", 24, false, &[("p", array, 0)]);
        assert_eq!(b.btf().member("s", "p").unwrap(), plain(0, 24));
    }

    #[test]
    fn bitfields_give_an_aligned_load_and_a_shift() {
        let mut b = Builder::new();
        let u8 = b.int("u8", 1);
        let u32 = b.int("u32", 4);
        let bits = |width: u32, offset: u32| width << 24 | offset;
        b.composite(
            STRUCT,
            "flags",
            8,
            true,
            &[("x", u8, bits(3, 10)), ("y", u32, bits(12, 36)), ("z", u32, bits(0, 32)), ("w", u32, bits(4, 30))],
        );
        let mut btf = b.btf();
        assert_eq!(btf.member("flags", "x").unwrap(), bitfield(1, 1, 2, 3));
        assert_eq!(btf.member("flags", "y").unwrap(), bitfield(4, 4, 4, 12));
        // Width 0 with kind_flag is a plain member.
        assert_eq!(btf.member("flags", "z").unwrap(), plain(4, 4));
        // Straddling two u32 (packed): one u64 load.
        assert_eq!(btf.member("flags", "w").unwrap(), bitfield(0, 8, 30, 4));
    }

    #[test]
    fn old_style_bitfields_are_read_from_the_int() {
        let mut b = Builder::new();
        let five_bits = b.add("unsigned int", INT, false, 0, 4, &[5]);
        let shifted = b.add("unsigned int", INT, false, 0, 4, &[2 << 16 | 3]);
        b.composite(STRUCT, "old", 4, false, &[("f", five_bits, 8), ("g", shifted, 16)]);
        let mut btf = b.btf();
        assert_eq!(btf.member("old", "f").unwrap(), bitfield(0, 4, 8, 5));
        assert_eq!(btf.member("old", "g").unwrap(), bitfield(0, 4, 18, 3));
    }

    #[test]
    fn every_kinds_trailing_data_is_skipped() {
        let mut b = Builder::new();
        let int = b.int("int", 4); // 1
        b.refer(PTR, "", int);
        b.add("", ARRAY, false, 0, 0, &[int, int, 4]);
        b.add("e", ENUM, false, 2, 4, &[b'a' as u32, 0, 0, 1]);
        b.refer(FWD, "f", 0);
        b.refer(TYPEDEF, "t", int);
        b.refer(VOLATILE, "", int);
        b.refer(CONST, "", int);
        b.refer(RESTRICT, "", int);
        let proto = b.add("", FUNC_PROTO, false, 2, int, &[0, int, 0, int]);
        b.add("func", FUNC, false, 0, proto, &[]);
        b.add("var", VAR, false, 0, int, &[1]);
        b.add(".data", DATASEC, false, 1, 4, &[12, 0, 4]);
        b.add("double", FLOAT, false, 0, 8, &[]);
        b.add("tag", DECL_TAG, false, 0, int, &[u32::MAX]);
        b.refer(TYPE_TAG, "user", int);
        b.add("e64", ENUM64, false, 1, 8, &[0, 1, 2]);
        b.composite(UNION, "last", 4, false, &[("i", int, 0)]);
        let mut btf = b.btf();
        assert_eq!(btf.last_id, 18);
        assert_eq!(btf.member("last", "i").unwrap(), plain(0, 4));
    }

    /// int vfs_unlink(int *idmap, int *dentry, ...); void sync(void);
    /// and a FUNC whose type is not a prototype.
    fn functions() -> Builder {
        let mut b = Builder::new();
        let int = b.int("int", 4); // 1
        let pointer = b.refer(PTR, "", int); // 2
        let (idmap, dentry) = (b.name("idmap"), b.name("dentry"));
        let proto = b.add("", FUNC_PROTO, false, 3, int, &[idmap, pointer, dentry, pointer, 0, 0]); // 3
        b.add("vfs_unlink", FUNC, false, 1, proto, &[]); // 4
        b.add("not_a_function", FUNC, false, 0, int, &[]); // 5
        b.add("vfs", VAR, false, 0, int, &[1]); // a VAR, passed over
        let empty = b.add("", FUNC_PROTO, false, 0, 0, &[]);
        b.add("sync", FUNC, false, 0, empty, &[]);
        b
    }

    #[test]
    fn function_params_come_from_the_prototype() {
        let mut btf = functions().btf();
        let params = btf.function_params("vfs_unlink").unwrap();
        assert_eq!(params, Some(vec!["idmap".into(), "dentry".into(), String::new()]));
        assert_eq!(btf.function_params("sync").unwrap(), Some(vec![]));
        assert_eq!(btf.function_params("vfs").unwrap(), None);
        assert_eq!(btf.function_params("vfs_create").unwrap(), None);
        let err = btf.function_params("not_a_function").unwrap_err();
        assert_eq!(err.message(), Some("malformed BTF: function not_a_function (type 5) has no prototype"));
    }

    #[test]
    fn unterminated_param_names_are_errors() {
        let mut b = Builder::new();
        let int = b.int("int", 4); // 16 bytes of types
        let proto = b.add("", FUNC_PROTO, false, 1, int, &[0, int]);
        b.add("f", FUNC, false, 0, proto, &[]);
        // The parameter takes the last string, whose NUL is then cut off.
        let last = b.name("dentry");
        b.types[16 + 12..16 + 16].copy_from_slice(&last.to_le_bytes());
        let mut blob = b.build();
        blob.pop();
        blob[20..24].copy_from_slice(&(b.strings.len() as u32 - 1).to_le_bytes());
        let err = Btf::from_bytes(blob).unwrap().function_params("f").unwrap_err();
        assert_eq!(err.message(), Some(format!("malformed BTF: string at {last} is unterminated").as_str()));
    }

    #[test]
    fn other_files_are_refused() {
        let err = Btf::parse(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").err().unwrap();
        assert_eq!(err.message(), Some("not BTF (bad magic)"));
        let mut blob = nested().build();
        blob[..2].copy_from_slice(&MAGIC.to_be_bytes());
        let err = Btf::from_bytes(blob).err().unwrap();
        assert_eq!(err.message(), Some("big-endian BTF is not supported"));
        let mut blob = nested().build();
        blob[2] = 2;
        assert!(Btf::from_bytes(blob).is_err());
    }

    #[test]
    fn truncated_files_are_errors() {
        let blob = nested().build();
        for len in 0..blob.len() {
            assert!(Btf::parse(&blob[..len]).is_err(), "{len} bytes");
        }
    }

    /// Every byte set to values a fuzzer would try: errors or answers, never a panic or a hang.
    #[test]
    fn corrupt_files_do_not_panic() {
        let blob = nested().build();
        for at in 0..blob.len() {
            for value in [0, 1, 0x7f, 0x80, 0xff] {
                let mut corrupt = blob.clone();
                corrupt[at] = value;
                if let Ok(mut btf) = Btf::from_bytes(corrupt) {
                    for (name, path) in [("outer", "c2"), ("outer", "in.c"), ("outer", "p"), ("inner", "c")] {
                        let _ = btf.member(name, path);
                    }
                }
            }
        }
        let blob = functions().build();
        for at in 0..blob.len() {
            for value in [0, 1, 0x7f, 0x80, 0xff] {
                let mut corrupt = blob.clone();
                corrupt[at] = value;
                if let Ok(mut btf) = Btf::from_bytes(corrupt) {
                    for name in ["vfs_unlink", "sync", "not_a_function"] {
                        let _ = btf.function_params(name);
                    }
                }
            }
        }
    }

    #[test]
    fn type_loops_are_errors() {
        let mut b = Builder::new();
        let looping = b.refer(TYPEDEF, "loop", 1); // 1: itself
        let anon = b.composite(STRUCT, "", 4, false, &[("", 3, 0)]); // 2 -> 3
        b.composite(STRUCT, "s", 4, false, &[("", anon, 0), ("t", looping, 0)]); // 3 -> 2
        let mut btf = b.btf();
        assert!(btf.member("s", "t").is_err());
        assert!(btf.member("s", "x").is_err());

        // Each struct holding its successor twice: 2^24 paths to look down.
        let mut b = Builder::new();
        for id in 1..=24 {
            b.composite(STRUCT, &format!("s{id}"), 4, false, &[("", id + 1, 0), ("", id + 1, 0)]);
        }
        b.composite(STRUCT, "s25", 4, false, &[("x", 1, 0)]);
        let err = b.btf().member("s1", "y").unwrap_err();
        assert!(err.message().unwrap().ends_with("malformed BTF: too many anonymous members"), "{:?}", err.message());
    }

    // This kernel's BTF, cross-checked against `pahole -C <struct> /sys/kernel/btf/vmlinux` on
    // 6.18 x86_64. Kernels differ, so only what holds on any kernel with BTF is asserted.
    fn vmlinux() -> Option<Btf> {
        Path::new(VMLINUX).exists().then(|| Btf::open(Path::new(VMLINUX)).unwrap())
    }

    #[test]
    fn this_kernels_task_struct() {
        let Some(mut btf) = vmlinux() else { return };
        let pid = btf.require("task_struct", "pid").unwrap();
        let tgid = btf.require("task_struct", "tgid").unwrap();
        assert_eq!((pid.size, tgid.offset), (4, pid.offset + 4));
        assert_eq!(btf.require("task_struct", "comm").unwrap().size, 16);
        assert_eq!(btf.require("task_struct", "fs").unwrap().size, btf.pointer_size);
        // Renamed in 5.14.
        let (name, state) = btf.first_member("task_struct", &["__state", "state"]).unwrap().unwrap();
        assert_eq!(btf.member("task_struct", if name == "__state" { "state" } else { "__state" }).unwrap(), None);
        assert!(state.size == 4 || state.size == 8);
    }

    #[test]
    fn this_kernels_paths_and_dentries() {
        let Some(mut btf) = vmlinux() else { return };
        let long = btf.pointer_size;
        let pwd = btf.require("fs_struct", "pwd").unwrap();
        assert_eq!(pwd.size, 2 * long);
        assert_eq!(btf.require("fs_struct", "pwd.dentry").unwrap(), plain(pwd.offset + long, long).unwrap());
        assert_eq!(btf.require("path", "mnt").unwrap(), plain(0, long).unwrap());
        // Recent kernels (6.18 here) put d_name in an anonymous union; qstr has
        // name after an anonymous union of an anonymous struct and a u64.
        let d_name = btf.require("dentry", "d_name").unwrap();
        assert_eq!(btf.require("dentry", "d_name.name").unwrap(), plain(d_name.offset + 8, long).unwrap());
        let mnt = btf.require("mount", "mnt").unwrap();
        let root = btf.require("vfsmount", "mnt_root").unwrap();
        assert_eq!(btf.require("mount", "mnt.mnt_root").unwrap(), plain(mnt.offset + root.offset, long).unwrap());
    }

    #[test]
    fn this_kernels_functions() {
        let Some(mut btf) = vmlinux() else { return };
        // Unchanged since 4.19; vfs_unlink gained a first argument in 5.12.
        assert_eq!(btf.function_params("vfs_open").unwrap().unwrap(), ["path", "file"]);
        let unlink = btf.function_params("vfs_unlink").unwrap().unwrap();
        assert!(unlink[..3] == ["dir", "dentry", "delegated_inode"] || unlink[2] == "dentry", "{unlink:?}");
        assert_eq!(btf.function_params("no_such_bpfbin_function").unwrap(), None);
    }

    #[test]
    fn this_kernels_sockets() {
        let Some(mut btf) = vmlinux() else { return };
        // skc_dport is in an anonymous struct in an anonymous union of sock_common.
        let dport = btf.require("sock_common", "skc_dport").unwrap();
        assert_eq!(dport.size, 2);
        let common = btf.require("sock", "__sk_common").unwrap();
        assert_eq!(btf.require("sock", "__sk_common.skc_dport").unwrap().offset, common.offset + dport.offset);
        // sock reaches it by a named member, which is not transparent (C uses a #define sk_dport).
        assert_eq!(btf.member("sock", "skc_dport").unwrap(), None);
        let num = btf.require("sock_common", "skc_num").unwrap();
        assert_eq!(num.offset, dport.offset + 2);
    }

    #[test]
    fn this_kernels_bitfields() {
        let Some(mut btf) = vmlinux() else { return };
        let pkt_type = btf.require("sk_buff", "pkt_type").unwrap();
        assert_eq!((pkt_type.size, pkt_type.bitfield), (1, Some(Bitfield { bit_offset: 0, bits: 3 })));
        let ip_summed = btf.require("sk_buff", "ip_summed").unwrap();
        assert_eq!(ip_summed.offset, pkt_type.offset);
        assert_eq!(ip_summed.bitfield.unwrap().bits, 2);
        assert_eq!(btf.require("sk_buff", "len").unwrap().bitfield, None);
    }
}
