//! bpfbin-offsets: will the tools that read kernel structs work on this
//! kernel? Resolves every tool's table of struct members from BTF (this
//! kernel's, or a file: packagers check their kernel on the build host with
//! scripts/kernel-offsets.sh) and prints each offset, or what is missing.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    layout::{TABLES, open_btf},
    output::{Output, write_error},
};

/// Print the kernel struct offsets every bpfbin tool needs.
///
/// Exit status: 0 when every member is found, 1 when some is missing.
///
/// Examples:
///   bpfbin-offsets                    # this kernel's BTF
///   bpfbin-offsets --btf vmlinux.btf  # a raw BTF file (scripts/kernel-btf.sh extracts one)
#[derive(FromArgs)]
struct Args {
    /// raw BTF file to read instead of /sys/kernel/btf/vmlinux
    #[argh(option)]
    btf: Option<PathBuf>,
}

fn main() {
    bpfbin::main("bpfbin-offsets", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("")?;
    let mut btf = open_btf(args.btf.as_deref())?;
    let mut out = Output::stdout();
    let mut missing = Vec::new();
    writeln!(out, "{:<14} {:<32} {:>6} {:>5}", "TOOL", "MEMBER", "OFFSET", "SIZE").map_err(write_error)?;
    for (tool, members) in TABLES {
        for (name, path) in members {
            let member = format!("{name}.{path}");
            match btf.member(name, path) {
                Ok(Some(found)) => writeln!(out, "{tool:<14} {member:<32} {:>6} {:>5}", found.offset, found.size),
                Ok(None) => {
                    missing.push(format!("{tool}: {member}"));
                    writeln!(out, "{tool:<14} {member:<32} {:>6}", "MISSING")
                }
                Err(err) => {
                    missing.push(format!("{tool}: {}", err.message().unwrap_or_default()));
                    writeln!(out, "{tool:<14} {member:<32} {:>6}", "MISSING")
                }
            }
            .map_err(write_error)?;
        }
    }
    out.flush()?;
    match missing.as_slice() {
        [] => Ok(()),
        [first, rest @ ..] => Err(Error::new(format!("{} member(s) missing, first {first}", rest.len() + 1))),
    }
}
