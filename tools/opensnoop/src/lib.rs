//! opensnoop: trace open family syscalls, as libbpf-tools' opensnoop does.

use std::{io::Write, path::PathBuf, time::Duration};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{positive, uid},
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_syscalls, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        text::{c_str, contains, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::vfs::{full_path, path_walk},
};
use bpfbin_common::{
    opensnoop::{Config, EnterFields, Event, FullPathEvent},
    tracepoint::ABSENT,
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/opensnoop"));

/// Trace open family syscalls.
#[derive(FromArgs)]
#[argh(example = "opensnoop           # trace all open() syscalls")]
#[argh(example = "opensnoop -T        # include timestamps")]
#[argh(example = "opensnoop -U        # include UID")]
#[argh(example = "opensnoop -x        # only show failed opens")]
#[argh(example = "opensnoop -p 181    # only trace PID 181")]
#[argh(example = "opensnoop -t 123    # only trace TID 123")]
#[argh(example = "opensnoop -u 1000   # only trace UID 1000")]
#[argh(example = "opensnoop -d 10     # trace for 10 seconds only")]
#[argh(example = "opensnoop -n main   # only print process names containing \"main\"")]
#[argh(example = "opensnoop -e        # show extended fields")]
#[argh(example = "opensnoop -F        # show full path for an open file")]
#[argh(example = "opensnoop --json    # one JSON object per line")]
struct Args {
    /// duration to trace, in seconds
    #[argh(option, short = 'd', from_str_fn(positive))]
    duration: Option<u64>,
    /// print extended fields (flags and mode)
    #[argh(switch, short = 'e')]
    extended_fields: bool,
    /// trace process names containing this
    #[argh(option, short = 'n')]
    name: Option<String>,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// thread ID to trace
    #[argh(option, short = 't', from_str_fn(positive))]
    tid: Option<u32>,
    /// print timestamp
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// user ID to trace
    #[argh(option, short = 'u', from_str_fn(uid))]
    uid: Option<u32>,
    /// print UID
    #[argh(switch, short = 'U')]
    print_uid: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// failed opens only
    #[argh(switch, short = 'x')]
    failed: bool,
    /// show full path
    #[argh(switch, short = 'F')]
    full_path: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// kernel BTF file for -F, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

/// The open family; `open` is missing on arm64 and `openat2` before 5.6.
const SYSCALLS: [&str; 3] = ["open", "openat", "openat2"];

pub fn main() -> ! {
    bpfbin::main("opensnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("dnptu")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let mut config = Config {
        pid: args.pid.unwrap_or(0),
        tid: args.tid.unwrap_or(0),
        uid: args.uid.unwrap_or(u32::MAX),
        failed_only: args.failed.into(),
        full_path: args.full_path.into(),
        walk: if args.full_path { path_walk(args.btf.as_deref())? } else { Default::default() },
        ..Config::default()
    };
    let syscalls = tracefs.syscalls(&SYSCALLS, "open*")?;
    for syscall in &syscalls {
        let fields = enter_fields(&tracefs, syscall.name, &syscall.enter)?;
        match syscall.name {
            "open" => config.open = fields,
            "openat" => config.openat = fields,
            _ => config.openat2 = fields,
        }
        config.exit_ret = syscall.exit_ret;
    }

    // Full-path events are 17 times larger: keep room for a few hundred.
    let mut ebpf = load(OBJECT, &config, args.full_path.then_some(1 << 20))?;
    attach_syscalls(&mut ebpf, &syscalls)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(args.duration.map(Duration::from_secs), &mut out, |out, record| {
        let Some((event, path)) = event_and_path(record) else { return Ok(()) };
        let comm = c_str(&event.comm);
        if args.name.as_deref().is_some_and(|name| !contains(comm, name.as_bytes())) {
            return Ok(());
        }
        let path = path.as_deref().unwrap_or(c_str(&event.fname));
        if args.json { print_json(out, &event, path) } else { print_columns(out, &args, &event, path) }
    })
}

/// Where this kernel's `sys_enter_<syscall>` keeps the arguments we read.
fn enter_fields(tracefs: &Tracefs, syscall: &str, enter: &str) -> Result<EnterFields> {
    let format = tracefs.format("syscalls", enter)?;
    let tracepoint = format!("syscalls:{enter}");
    let filename = format.require("filename", &tracepoint)?;
    Ok(if syscall == "openat2" {
        EnterFields { filename, flags: format.require("how", &tracepoint)?, mode: ABSENT }
    } else {
        EnterFields {
            filename,
            flags: format.require("flags", &tracepoint)?,
            mode: format.require("mode", &tracepoint)?,
        }
    })
}

/// The event, and with `-F` the full path of a relative name.
fn event_and_path(record: &[u8]) -> Option<(Event, Option<Vec<u8>>)> {
    if let Some(full) = read_event::<FullPathEvent>(record) {
        let path = full_path(&full.cwd, c_str(&full.event.fname));
        return Some((full.event, Some(path)));
    }
    read_event::<Event>(record).map(|event| (event, None))
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<8} ", "TIME")?;
    }
    if args.print_uid {
        write!(out, "{:<7} ", "UID")?;
    }
    write!(out, "{:<6} {:<16} {:>3} {:>3} ", "PID", "COMM", "FD", "ERR")?;
    if args.extended_fields {
        write!(out, "{:<8} {:<5} ", "FLAGS", "MODE")?;
    }
    writeln!(out, "PATH")
}

/// File descriptor and errno, as libbpf-tools splits the return value.
fn fd_err(ret: i32) -> (i32, i32) {
    if ret >= 0 { (ret, 0) } else { (-1, -ret) }
}

fn print_columns(out: &mut Output, args: &Args, e: &Event, path: &[u8]) -> std::io::Result<()> {
    if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    if args.print_uid {
        write!(out, "{:<7} ", e.uid)?;
    }
    let (fd, err) = fd_err(e.ret);
    write!(out, "{:<6} ", e.pid)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    write!(out, "{:width$} {fd:>3} {err:>3} ", "", width = 16usize.saturating_sub(comm.len()))?;
    if args.extended_fields {
        if has_mode(e) {
            write!(out, "{:08o} {:04o} ", e.flags, e.mode)?;
        } else {
            write!(out, "{:08o} n/a  ", e.flags)?;
        }
    }
    write_text(out, path)?;
    out.write_all(b"\n")
}

/// The mode argument only means something when a file may be created.
fn has_mode(e: &Event) -> bool {
    let flags = e.flags as libc::c_int;
    e.mode != 0 || flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE
}

fn print_json(out: &mut Output, e: &Event, path: &[u8]) -> std::io::Result<()> {
    let (fd, err) = fd_err(e.ret);
    write!(out, "{{\"ts_us\":{},\"uid\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.uid, e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"fd\":{fd},\"err\":{err},\"flags\":{},\"mode\":{},\"path\":", e.flags, e.mode)?;
    write_json_str(out, path)?;
    out.write_all(b"}\n")
}
