//! statsnoop: trace stat family syscalls, as libbpf-tools' statsnoop does.

use std::{fs, io::Write, os::unix::ffi::OsStringExt};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_syscalls, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
    },
};
use bpfbin_common::{
    statsnoop::{Config, EnterFields, Event, INVALID_FD, SYSCALLS},
    tracepoint::ABSENT,
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/statsnoop"));

/// Trace stat syscalls.
#[derive(FromArgs)]
#[argh(example = "statsnoop             # trace all stat syscalls")]
#[argh(example = "statsnoop -t          # include timestamps")]
#[argh(example = "statsnoop -s          # include syscall name")]
#[argh(example = "statsnoop -x          # only show failed stats")]
#[argh(example = "statsnoop -p 1216     # only trace PID 1216")]
#[argh(example = "statsnoop --json      # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// only show failed stats
    #[argh(switch, short = 'x')]
    failed: bool,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// include syscall name on output
    #[argh(switch, short = 's')]
    sysname: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

pub fn main() -> ! {
    bpfbin::main("statsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let mut config = Config { pid: args.pid.unwrap_or(0), failed_only: args.failed.into(), ..Config::default() };
    let syscalls = tracefs.syscalls(&SYSCALLS, "*stat*")?;
    for syscall in &syscalls {
        let sys = SYSCALLS.iter().position(|&name| name == syscall.name).expect("a name from SYSCALLS");
        config.enter[sys] = enter_fields(&tracefs, &syscall.enter)?;
        config.exit_ret = syscall.exit_ret;
    }

    let mut ebpf = load(OBJECT, &config, None)?;
    attach_syscalls(&mut ebpf, &syscalls)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    // TIME(s) counts from the first event, as in libbpf-tools.
    let mut first_ns = None;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        let since_first = event.ts_ns.saturating_sub(*first_ns.get_or_insert(event.ts_ns));
        let path = full_path(&event);
        if args.json { print_json(out, &event, &path) } else { print_columns(out, &args, &event, since_first, &path) }
    })
}

/// Where this kernel's `sys_enter_<syscall>` keeps the path and descriptors;
/// the argument names differ between syscalls.
fn enter_fields(tracefs: &Tracefs, enter: &str) -> Result<EnterFields> {
    let format = tracefs.format("syscalls", enter)?;
    let path = format.offset("filename").or_else(|| format.offset("pathname"));
    let fields = EnterFields {
        path: path.unwrap_or(ABSENT),
        dirfd: format.offset("dfd").unwrap_or(ABSENT),
        fd: format.offset("fd").unwrap_or(ABSENT),
    };
    if fields == (EnterFields { path: ABSENT, dirfd: ABSENT, fd: ABSENT }) {
        return Err(Error::new(format!("tracepoint syscalls:{enter} has no field filename, pathname or fd")));
    }
    Ok(fields)
}

/// A relative path prefixed as libbpf-tools does: with the target of `fd`,
/// and with the directory `dirfd` (or the working directory) and a slash,
/// as /proc shows them now; nothing when the process or descriptor is gone.
/// An empty path (`AT_EMPTY_PATH`, how libc's fstat calls fstatat) names
/// `dirfd` itself: no slash, where libbpf-tools prints one after a file.
fn full_path(e: &Event) -> Vec<u8> {
    let name = c_str(&e.path);
    if name.first() == Some(&b'/') {
        return name.to_vec();
    }
    let mut path = fd_target(e.pid, e.fd).unwrap_or_default();
    if let Some(dir) = fd_target(e.pid, e.dirfd) {
        path.extend(dir);
        if !name.is_empty() {
            path.push(b'/');
        }
    }
    path.extend(name);
    path
}

fn fd_target(pid: u32, fd: i32) -> Option<Vec<u8>> {
    let link = match fd {
        INVALID_FD => return None,
        libc::AT_FDCWD => format!("/proc/{pid}/cwd"),
        fd => format!("/proc/{pid}/fd/{fd}"),
    };
    fs::read_link(link).ok().map(|target| target.into_os_string().into_vec())
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<14} ", "TIME(s)")?;
    }
    write!(out, "{:<7} {:<20} {:<4} {:<4}", "PID", "COMM", "RET", "ERR")?;
    if args.sysname {
        write!(out, " {:<10}", "SYSCALL")?;
    }
    writeln!(out, " PATH")
}

/// RET and ERR, as libbpf-tools splits the return value.
fn ret_err(ret: i32) -> (i32, i32) {
    if ret >= 0 { (ret, 0) } else { (-1, -ret) }
}

fn syscall(e: &Event) -> &'static str {
    SYSCALLS.get(e.sys as usize).copied().unwrap_or("N/A")
}

fn print_columns(out: &mut Output, args: &Args, e: &Event, since_first: u64, path: &[u8]) -> std::io::Result<()> {
    if args.timestamp {
        let time = format!("{}.{:09}", since_first / 1_000_000_000, since_first % 1_000_000_000);
        write!(out, "{time:<14} ")?;
    }
    write!(out, "{:<7} ", e.pid)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    let (ret, err) = ret_err(e.ret);
    // Pad as %-20s would, on the raw length: escapes only lengthen the line.
    write!(out, "{:width$} {ret:<4} {err:<4}", "", width = 20usize.saturating_sub(comm.len()))?;
    if args.sysname {
        write!(out, " {:<10}", syscall(e))?;
    }
    out.write_all(b" ")?;
    write_text(out, path)?;
    out.write_all(b"\n")
}

fn print_json(out: &mut Output, e: &Event, path: &[u8]) -> std::io::Result<()> {
    let (ret, err) = ret_err(e.ret);
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"ret\":{ret},\"err\":{err},\"syscall\":\"{}\",\"path\":", syscall(e))?;
    write_json_str(out, path)?;
    out.write_all(b"}\n")
}
