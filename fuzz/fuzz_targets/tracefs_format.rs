//! Arbitrary text as a tracepoint's `format` file: offset lookups answer
//! `Some` or `None`, never panic.

#![no_main]

use bpfbin::kernel::tracefs::Format;
use libfuzzer_sys::fuzz_target;

/// The fields the tools look up, and names a parser could trip on.
const FIELDS: &[&str] = &[
    "filename", "flags", "mode", "dfd", "how", "ret", "argv", "__syscall_nr", "common_pid", "common_type", "comm", "",
    "*", "[", "offset:", "field:", ";",
];

fuzz_target!(|text: &str| {
    let format = Format::parse(text);
    for field in FIELDS {
        let _ = format.offset(field);
    }
    let _ = format.require("filename", "syscalls:sys_enter_openat");
    // Every name the input declares, as the parser cuts it out of a line, is
    // looked up too, so fields of mutated lines are actually matched.
    for line in text.lines().take(32) {
        let Some(decl) = line.trim_start().strip_prefix("field:") else { continue };
        let decl = decl.split(';').next().unwrap_or_default();
        let name = decl.rsplit([' ', '*']).next().unwrap_or_default();
        let name = name.split('[').next().unwrap_or_default();
        let _ = format.offset(name);
    }
});
