//! Arbitrary bytes as a BTF file: parsing and member lookups must answer or
//! fail, never panic, hang or read out of bounds.
//!
//! Besides a fixed set of lookups (the tools' own tables), the names in the
//! input's own string section are looked up against each other, so a mutated
//! struct is actually walked rather than only failing the name match.

#![no_main]

use bpfbin::kernel::{btf::Btf, layout};
use bpfbin_common::{execsnoop, exitsnoop, vfs};
use libfuzzer_sys::fuzz_target;

/// What the tools and the unit tests ask, plus odd paths.
const LOOKUPS: &[(&str, &str)] = &[
    ("task_struct", "pid"),
    ("task_struct", "comm"),
    ("task_struct", "fs"),
    ("fs_struct", "pwd.dentry"),
    ("dentry", "d_name.name"),
    ("mount", "mnt.mnt_root"),
    ("sock", "__sk_common.skc_dport"),
    ("sock_common", "skc_dport"),
    ("sk_buff", "pkt_type"),
    ("sk_buff", "straddle"),
    ("outer", "in.c"),
    ("Config", "walk.dentry_name"),
    ("PathWalk", "mount_mnt"),
    ("task_struct", ""),
    ("task_struct", "."),
    ("task_struct", "fs..users"),
    ("task_struct", "fs.users."),
    ("", "x"),
];

/// Distinct identifiers (C names: no paths or source lines, which rustc's BTF
/// is full of) of the input's string section, as the header states it (only
/// as far as the input holds it).
fn strings(data: &[u8], max: usize) -> Vec<&str> {
    let word = |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (Some(header_len), Some(str_off), Some(str_len)) = (word(4), word(16), word(20)) else { return Vec::new() };
    let start = header_len.saturating_add(str_off).min(data.len());
    let end = start.saturating_add(str_len).min(data.len());
    let mut out: Vec<&str> = Vec::new();
    for name in data[start..end].split(|&b| b == 0) {
        if out.len() == max {
            break;
        }
        let identifier = name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
        if identifier
            && !name.is_empty()
            && name.len() <= 64
            && let Ok(name) = std::str::from_utf8(name)
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

/// What a found member must satisfy, as `Member` documents it.
fn check(member: Option<bpfbin::kernel::btf::Member>) {
    let Some(member) = member else { return };
    if let Some(bits) = member.bitfield {
        assert!(matches!(member.size, 1 | 2 | 4 | 8), "bitfield load of {} bytes", member.size);
        assert_eq!(member.offset % member.size, 0, "bitfield load not naturally aligned: {member:?}");
        assert!(bits.bits > 0, "bitfield of 0 bits: {member:?}");
        assert!(
            u32::from(bits.bit_offset) + u32::from(bits.bits) <= member.size * 8,
            "bitfield past its load: {member:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut btf) = Btf::parse(data) else { return };

    for &(name, path) in LOOKUPS {
        if let Ok(member) = btf.member(name, path) {
            check(member);
        }
    }
    let _ = btf.first_member("task_struct", &["__state", "state"]);
    let _ = btf.first_member("dentry", &["", "d_iname", "d_name.len"]);
    let _ = btf.require("fs_struct", "pwd.mnt");
    // As the tools do it: whole tables, offsets narrowed to u16.
    let _ = layout::offsets(&mut btf, &vfs::MEMBERS);
    let _ = layout::offsets(&mut btf, &execsnoop::MEMBERS);
    let _ = layout::offsets(&mut btf, &exitsnoop::MEMBERS);
    let _ = btf.function_params("vfs_unlink");

    // The input's own names: each as a struct and, for the first few that
    // are structs, each as a member of it, and two-level dotted paths.
    let names = strings(data, 12);
    let mut structs = 0;
    for &outer in &names {
        if structs == 3 {
            break;
        }
        // No such struct: no member of it will be found either.
        let Ok(member) = btf.member(outer, names[0]) else { continue };
        check(member);
        structs += 1;
        for &inner in &names[1..] {
            if let Ok(member) = btf.member(outer, inner) {
                check(member);
            }
        }
        for &a in names.iter().take(3) {
            for &b in names.iter().take(3) {
                if let Ok(member) = btf.member(outer, &format!("{a}.{b}")) {
                    check(member);
                }
            }
        }
        let paths: Vec<&str> = names.iter().take(3).copied().collect();
        let _ = btf.first_member(outer, &paths);
    }
    for &name in names.iter().take(4) {
        let _ = btf.function_params(name);
    }
});
