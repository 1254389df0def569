//! bpfbin-offsets: will the tools that read kernel structs work on this
//! kernel? Resolves every tool's table of struct members from BTF (this
//! kernel's, or a file: packagers check their kernel on the build host with
//! scripts/kernel-offsets.sh) and prints each offset, or what is missing.

use std::{
    fs::File,
    io::{Read, Write},
    path::PathBuf,
    time::Instant,
};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    kernel::layout::open_btf,
    output::{Output, write_error},
};
use bpfbin_common::{
    bindsnoop, execsnoop, exitsnoop, filelife, inet, mountsnoop, oomkill, runqlat, solisten, tcplife, tcpretrans, vfs,
};

/// Every tool's table of the struct members it reads: which tool (and mode)
/// reads what.
const TABLES: &[(&str, &[(&str, &str)])] = &[
    ("bindsnoop", &bindsnoop::MEMBERS),
    ("bindsnoop, solisten", &inet::FD_MEMBERS),
    ("bindsnoop, solisten, tcpretrans -l", &inet::SOCK_MEMBERS),
    ("execsnoop", &execsnoop::MEMBERS),
    ("exitsnoop", &exitsnoop::MEMBERS),
    ("filelife", &filelife::MEMBERS),
    ("mountsnoop", &mountsnoop::MEMBERS),
    ("oomkill", &oomkill::MEMBERS),
    ("opensnoop -F", &vfs::MEMBERS),
    ("runqlat --pidnss", &runqlat::MEMBERS),
    ("solisten", &solisten::MEMBERS),
    ("tcplife", &tcplife::MEMBERS),
    ("tcpretrans -s", &tcpretrans::SEQ_MEMBERS),
];

/// Print the kernel struct offsets every bpfbin tool needs.
#[derive(FromArgs)]
#[argh(example = "bpfbin-offsets                    # this kernel's BTF")]
#[argh(example = "bpfbin-offsets --btf vmlinux.btf  # a raw BTF file (scripts/kernel-btf.sh extracts one)")]
#[argh(example = "bpfbin-offsets --stats            # and what resolving cost on this board")]
#[argh(note = "Exit status: 0 when every member is found, 1 when some is missing.")]
struct Args {
    /// raw BTF file to read instead of /sys/kernel/btf/vmlinux
    #[argh(option)]
    btf: Option<PathBuf>,
    /// print on stderr the time and peak memory resolving took
    #[argh(switch)]
    stats: bool,
}

pub fn main() -> ! {
    bpfbin::main("bpfbin-offsets", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("")?;
    let start = Instant::now();
    let mut btf = open_btf(args.btf.as_deref())?;
    let mut out = Output::stdout();
    let mut missing = Vec::new();
    writeln!(out, "{:<14} {:<32} {:>6} {:>5}", "TOOL", "MEMBER", "OFFSET", "SIZE").map_err(write_error)?;
    for (tool, members) in TABLES {
        for (name, path) in members.iter() {
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
    if args.stats {
        let members: usize = TABLES.iter().map(|(_, members)| members.len()).sum();
        // u64 arithmetic: float or u128 (on arm32) formatting would cost
        // more than the rest of this tool.
        let elapsed = start.elapsed();
        let micros = elapsed.as_secs() * 1_000_000 + u64::from(elapsed.subsec_micros());
        eprintln!(
            "bpfbin-offsets: resolved {members} members in {}.{} ms, peak RSS {} kB",
            micros / 1000,
            micros % 1000 / 100,
            peak_rss_kb().unwrap_or(0)
        );
    }
    match missing.as_slice() {
        [] => Ok(()),
        [first, rest @ ..] => Err(Error::new(format!("{} member(s) missing, first {first}", rest.len() + 1))),
    }
}

/// This process's peak resident set size in kB, as /proc/self/status says.
/// One read into a stack buffer: the generic `fs::read` path is large on
/// armv7.
fn peak_rss_kb() -> Option<u64> {
    let mut status = [0u8; 4096];
    let len = File::open("/proc/self/status").and_then(|mut file| file.read(&mut status)).ok()?;
    let status = &status[..len];
    let at = status.windows(6).position(|w| w == b"VmHWM:")? + 6;
    let value = status[at..].iter().skip_while(|&&b| b == b' ' || b == b'\t');
    value.take_while(|b| b.is_ascii_digit()).try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}
