//! Kernel struct layouts a tool needs, resolved from BTF at load time: the
//! CO-RE relocations Rust cannot emit yet, done in user space. A tool lists
//! the members it reads as a table of `(struct, member path)`; the offsets
//! reach its eBPF program as fields of its `CONFIG` global.

use std::path::Path;

use crate::{
    error::{Error, Result},
    kernel::btf::{Btf, VMLINUX},
};

/// The BTF of `file` (`--btf FILE`), or of the running kernel.
pub fn open_btf(file: Option<&Path>) -> Result<Btf> {
    Btf::open(file.unwrap_or(Path::new(VMLINUX)))
}

/// Byte offsets of `members`, in order; a missing struct or member is an
/// error naming it.
pub fn offsets<const N: usize>(btf: &mut Btf, members: &[(&str, &str); N]) -> Result<[u16; N]> {
    let mut offsets = [0u16; N];
    for ((name, member), offset) in members.iter().zip(&mut offsets) {
        let found = btf.require(name, member)?;
        *offset = u16::try_from(found.offset)
            .map_err(|_| Error::new(format!("{name}.{member} is at offset {}, too far to read", found.offset)))?;
    }
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_come_in_table_order() {
        if !Path::new(VMLINUX).exists() {
            return;
        }
        let mut btf = open_btf(None).unwrap();
        let [pid, tgid] = offsets(&mut btf, &[("task_struct", "pid"), ("task_struct", "tgid")]).unwrap();
        // pid_t pid; pid_t tgid; are neighbours in every kernel since 2.6.
        assert_eq!(tgid, pid + 4);
    }

    #[test]
    fn a_missing_member_is_named() {
        if !Path::new(VMLINUX).exists() {
            return;
        }
        let mut btf = open_btf(None).unwrap();
        let err = offsets(&mut btf, &[("task_struct", "no_such_member")]).unwrap_err();
        assert!(err.message().unwrap().contains("no_such_member"), "{:?}", err.message());
    }
}
