//! execsnoop: trace exec syscalls, as libbpf-tools' execsnoop does.

use std::{io::Write, path::PathBuf, time::Instant};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::uid,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_syscalls, load},
        maps::set_cgroup,
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, contains, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
};
use bpfbin_common::execsnoop::{Config, DEFAULT_MAX_ARGS, EnterFields, HEADER_LEN, Header, MAX_ARGS, MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/execsnoop"));

/// Trace exec syscalls.
#[derive(FromArgs)]
#[argh(example = "execsnoop           # trace all exec() syscalls")]
#[argh(example = "execsnoop -x        # include failed exec()s")]
#[argh(example = "execsnoop -T        # include time (HH:MM:SS)")]
#[argh(example = "execsnoop -U        # include UID")]
#[argh(example = "execsnoop -u 1000   # only trace UID 1000")]
#[argh(example = "execsnoop -t        # include timestamps")]
#[argh(example = "execsnoop -q        # add \"quotemarks\" around arguments")]
#[argh(example = "execsnoop -n main   # only print process names containing \"main\"")]
#[argh(example = "execsnoop -l tpkg   # only print commands where an argument contains \"tpkg\"")]
#[argh(example = "execsnoop -c CG     # trace processes under cgroup (v2) path CG")]
#[argh(example = "execsnoop --json    # one JSON object per line")]
struct Args {
    /// include time column on output (HH:MM:SS)
    #[argh(switch, short = 'T')]
    time: bool,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// include failed exec()s
    #[argh(switch, short = 'x')]
    fails: bool,
    /// trace this UID only
    #[argh(option, short = 'u', from_str_fn(uid))]
    uid: Option<u32>,
    /// add quotemarks (") around arguments
    #[argh(switch, short = 'q')]
    quote: bool,
    /// only print processes whose name contains this
    #[argh(option, short = 'n')]
    name: Option<String>,
    /// only print commands where an argument contains this
    #[argh(option, short = 'l')]
    line: Option<String>,
    /// print UID column
    #[argh(switch, short = 'U')]
    print_uid: bool,
    /// trace processes in this cgroup (v2) path, e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// maximum number of arguments parsed and displayed, defaults to 20
    #[argh(option, from_str_fn(max_args), default = "DEFAULT_MAX_ARGS")]
    max_args: u32,
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

/// The exec family; libbpf-tools traces execve only, execveat (fexecve)
/// runs programs just the same.
const SYSCALLS: [&str; 2] = ["execve", "execveat"];

pub fn main() -> ! {
    bpfbin::main("execsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("unlc")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let [task_real_parent, task_tgid] = offsets(&mut open_btf(args.btf.as_deref())?, &MEMBERS)?;
    let mut config = Config {
        uid: args.uid.unwrap_or(u32::MAX),
        max_args: args.max_args,
        include_failed: args.fails.into(),
        cgroup: args.cgroup.is_some().into(),
        task_real_parent,
        task_tgid,
        ..Config::default()
    };
    let syscalls = tracefs.syscalls(&SYSCALLS, "execve")?;
    for syscall in &syscalls {
        let format = tracefs.format("syscalls", &syscall.enter)?;
        let tracepoint = format!("syscalls:{}", syscall.enter);
        let fields = EnterFields {
            filename: format.require("filename", &tracepoint)?,
            argv: format.require("argv", &tracepoint)?,
        };
        match syscall.name {
            "execve" => config.execve = fields,
            _ => config.execveat = fields,
        }
        config.exit_ret = syscall.exit_ret;
    }

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    let start = Instant::now();
    attach_syscalls(&mut ebpf, &syscalls)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some((event, argv)) = event_and_args(record) else { return Ok(()) };
        let comm = c_str(&event.comm);
        if args.name.as_deref().is_some_and(|name| !contains(comm, name.as_bytes())) {
            return Ok(());
        }
        let argv: Vec<&[u8]> = argv.collect();
        if args.line.as_deref().is_some_and(|line| !argv.iter().any(|arg| contains(arg, line.as_bytes()))) {
            return Ok(());
        }
        // The kernel counts one argument more than it kept when some were left out.
        let truncated = event.args_count > args.max_args;
        if args.json {
            print_json(out, &event, &argv, truncated)
        } else {
            print_columns(out, &args, start, &event, &argv, truncated)
        }
    })
}

/// `--max-args`: 1 to 60, the range libbpf-tools accepts.
fn max_args(value: &str) -> std::result::Result<u32, String> {
    match value.parse() {
        Ok(n) if (1..=MAX_ARGS).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to {MAX_ARGS}")),
    }
}

/// The event's header and its arguments: the file name, then `argv[1]`...
fn event_and_args(record: &[u8]) -> Option<(Header, impl Iterator<Item = &[u8]>)> {
    let (header, args) = record.split_at_checked(HEADER_LEN)?;
    let header = read_event::<Header>(header)?;
    let args = &args[..args.len().min(header.args_size as usize)];
    // Each argument ends with a NUL: drop the last so it adds no empty argument.
    let args = args.strip_suffix(&[0]).unwrap_or(args);
    let count = header.args_count as usize;
    Some((header, args.split(|&b| b == 0).take(count)))
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.time {
        write!(out, "{:<9}", "TIME")?;
    }
    if args.timestamp {
        write!(out, "{:<8} ", "TIME(s)")?;
    }
    if args.print_uid {
        write!(out, "{:<6} ", "UID")?;
    }
    writeln!(out, "{:<16} {:<6} {:<6} {:>3} ARGS", "PCOMM", "PID", "PPID", "RET")
}

fn print_columns(
    out: &mut Output,
    args: &Args,
    start: Instant,
    e: &Header,
    argv: &[&[u8]],
    truncated: bool,
) -> std::io::Result<()> {
    if args.time {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    // libbpf-tools prints these two without the space its header has, so a
    // long value runs into the next column; the space keeps them apart.
    if args.timestamp {
        write!(out, "{:<8} ", Fixed(start.elapsed().as_secs_f64(), 3))?;
    }
    if args.print_uid {
        write!(out, "{:<6} ", e.uid)?;
    }
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    let pad = 16usize.saturating_sub(comm.len());
    write!(out, "{:pad$} {:<6} {:<6} {:>3} ", "", e.pid, e.ppid, e.ret)?;
    // Every argument is followed by a space, as libbpf-tools prints them.
    for arg in argv {
        if args.quote {
            out.write_all(b"\"")?;
            write_quoted(out, arg)?;
            out.write_all(b"\" ")?;
        } else {
            write_text(out, arg)?;
            out.write_all(b" ")?;
        }
    }
    if truncated {
        out.write_all(b" ...")?;
    }
    out.write_all(b"\n")
}

/// An argument inside quotes: its own quotes escaped, as libbpf-tools does,
/// the rest as `write_text` escapes it.
fn write_quoted(out: &mut Output, arg: &[u8]) -> std::io::Result<()> {
    for (i, part) in arg.split(|&b| b == b'"').enumerate() {
        if i > 0 {
            out.write_all(b"\\\"")?;
        }
        write_text(out, part)?;
    }
    Ok(())
}

fn print_json(out: &mut Output, e: &Header, argv: &[&[u8]], truncated: bool) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"uid\":{},\"pid\":{},\"ppid\":{},\"comm\":", unix_micros(), e.uid, e.pid, e.ppid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"ret\":{},\"args\":[", e.ret)?;
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_json_str(out, arg)?;
    }
    writeln!(out, "],\"truncated\":{truncated}}}")
}
