//! filelife: trace the lifespan of short-lived files, as libbpf-tools'
//! filelife does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_kprobe, load},
    },
    kernel::{
        btf::Btf,
        layout::{offsets, open_btf},
        version::kernel_version,
    },
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::vfs::{full_path, path_walk},
};
use bpfbin_common::filelife::{Config, Event, FullPathEvent, MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/filelife"));

/// Trace the lifespan of short-lived files.
#[derive(FromArgs)]
#[argh(example = "filelife           # trace all events")]
#[argh(example = "filelife -p 123    # trace pid 123")]
#[argh(example = "filelife -F        # trace full-path of file")]
#[argh(example = "filelife --json    # one JSON object per line")]
struct Args {
    /// process PID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// show full path
    #[argh(switch, short = 'F')]
    full_path: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// kernel BTF file, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

pub fn main() -> ! {
    bpfbin::main("filelife", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let mut btf = open_btf(args.btf.as_deref())?;
    let [dentry_name, path_dentry, file_mode] = offsets(&mut btf, &MEMBERS)?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        dentry_name,
        path_dentry,
        file_mode,
        full_path: args.full_path.into(),
        _pad: 0,
        walk: if args.full_path { path_walk(args.btf.as_deref())? } else { Default::default() },
    };
    let (create, unlink) = (program(&mut btf, "vfs_create")?, program(&mut btf, "vfs_unlink")?);
    // Done with BTF: its buffers need not live while tracing.
    drop(btf);

    // Full-path events are 17 times larger: keep room for a few hundred.
    let mut ebpf = load(OBJECT, &config, args.full_path.then_some(1 << 20))?;
    attach_kprobe(&mut ebpf, &create, "vfs_create")?;
    attach_kprobe(&mut ebpf, "vfs_open", "vfs_open")?;
    attach_kprobe(&mut ebpf, &unlink, "vfs_unlink")?;
    attach_kprobe(&mut ebpf, "vfs_unlink_return", "vfs_unlink")?;
    // A kernel without LSM hooks (CONFIG_SECURITY) inlines it away; there
    // vfs_open and vfs_create see creations all the same, as libbpf-tools
    // goes on without it too.
    if let Err(err) = attach_kprobe(&mut ebpf, "security_inode_create", "security_inode_create") {
        log::debug!("going on without security_inode_create: {}", err.message().unwrap_or_default());
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some((event, path)) = event_and_path(record) else { return Ok(()) };
        let file = path.as_deref().unwrap_or(c_str(&event.name));
        if args.json { print_json(out, &event, file) } else { print_columns(out, &event, file) }
    })
}

/// The program for `function` (`vfs_create` or `vfs_unlink`) on this kernel:
/// the one named like it reads the dentry as argument 1 (from 0), its
/// `_idmap` twin as argument 2 (5.12+), as the function's BTF prototype says,
/// else the kernel version. The kernel's history: docs/design.md.
fn program(btf: &mut Btf, function: &str) -> Result<String> {
    let arg = match btf.function_params(function)? {
        Some(params) => {
            log::debug!("{function}({})", params.join(", "));
            params.iter().position(|param| param == "dentry").filter(|arg| matches!(arg, 1 | 2)).ok_or_else(|| {
                Error::new(format!(
                    "{function}({}) on this kernel: filelife reads its dentry as the second or third argument only",
                    params.join(", ")
                ))
            })?
        }
        None => {
            log::debug!("{function} is not in the BTF: its arguments go by the kernel version");
            if kernel_version().is_none_or(|version| version >= (5, 12)) { 2 } else { 1 }
        }
    };
    Ok(if arg == 1 { function.to_owned() } else { format!("{function}_idmap") })
}

/// An event, and with `-F` the file's full path.
fn event_and_path(record: &[u8]) -> Option<(Event, Option<Vec<u8>>)> {
    if let Some(full) = read_event::<FullPathEvent>(record) {
        let path = full_path(&full.dir, c_str(&full.event.name));
        return Some((full.event, Some(path)));
    }
    read_event::<Event>(record).map(|event| (event, None))
}

fn print_header(out: &mut Output) -> std::io::Result<()> {
    writeln!(out, "Tracing the lifespan of short-lived files ... Hit Ctrl-C to end.")?;
    writeln!(out, "{:<8} {:<6} {:<16} {:<7} FILE", "TIME", "PID", "COMM", "AGE(s)")
}

fn print_columns(out: &mut Output, e: &Event, file: &[u8]) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    write!(out, " {:<6} ", e.pid)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    write!(out, "{:width$} ", "", width = 16usize.saturating_sub(comm.len()))?;
    write!(out, "{:<7} ", Fixed(e.age_ns as f64 / 1e9, 2))?;
    write_text(out, file)?;
    writeln!(out)
}

fn print_json(out: &mut Output, e: &Event, file: &[u8]) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"age_ns\":{},\"file\":", e.age_ns)?;
    write_json_str(out, file)?;
    out.write_all(b"}\n")
}
