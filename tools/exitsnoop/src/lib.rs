//! exitsnoop: trace process termination, as libbpf-tools' exitsnoop does.

use std::{ffi::CStr, io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
        maps::set_cgroup,
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
};
use bpfbin_common::exitsnoop::{Config, Event, MEMBERS, TaskLayout};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/exitsnoop"));

/// Trace process termination.
#[derive(FromArgs)]
#[argh(example = "exitsnoop             # trace process exit events")]
#[argh(example = "exitsnoop -t          # include timestamps")]
#[argh(example = "exitsnoop -x          # trace error exits only")]
#[argh(example = "exitsnoop -p 1216     # only trace PID 1216")]
#[argh(example = "exitsnoop -T          # trace by thread")]
#[argh(example = "exitsnoop -c CG       # trace processes under cgroup (v2) path CG")]
#[argh(example = "exitsnoop --json      # one JSON object per line")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// trace error exits only
    #[argh(switch, short = 'x')]
    failed: bool,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// trace by thread
    #[argh(switch, short = 'T')]
    threaded: bool,
    /// trace processes in this cgroup (v2) path, e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
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

const TRACEPOINT: (&str, &str) = ("sched", "sched_process_exit");

pub fn main() -> ! {
    bpfbin::main("exitsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pc")?;
    bpfbin::init_logging(args.verbose);

    let [exit_code, start_time, real_parent, tgid] = offsets(&mut open_btf(args.btf.as_deref())?, &MEMBERS)?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        threads: args.threaded.into(),
        failed_only: args.failed.into(),
        cgroup: args.cgroup.is_some().into(),
        _pad: 0,
        task: TaskLayout { exit_code, start_time, real_parent, tgid },
    };
    let (category, name) = TRACEPOINT;
    if !Tracefs::open()?.has_event(category, name) {
        return Err(Error::new(format!("tracepoint {category}:{name} does not exist on this kernel")));
    }

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    attach_tracepoint(&mut ebpf, category, name)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &args, &event) }
    })
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<8} ", "TIME(s)")?;
    }
    writeln!(out, "{:<16} {:<7} {:<7} {:<7} {:<7} EXIT_CODE", "PCOMM", "PID", "PPID", "TID", "AGE(s)")
}

/// The wait(2) status split as libbpf-tools splits it: the exit code, and
/// the low byte holding the signal (bits 0-6) and the core dump flag (0x80).
struct Status {
    code: i32,
    signal: i32,
    core_dumped: bool,
}

impl Status {
    fn of(exit_code: i32) -> Self {
        Self { code: exit_code >> 8, signal: exit_code & 0x7f, core_dumped: exit_code & 0x80 != 0 }
    }
}

/// Nanoseconds from the task's start to its exit.
fn age_ns(e: &Event) -> u64 {
    e.exit_time.wrapping_sub(e.start_time)
}

fn print_columns(out: &mut Output, args: &Args, e: &Event) -> std::io::Result<()> {
    if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    let pad = 16usize.saturating_sub(comm.len());
    let age = Fixed(age_ns(e) as f64 / 1e9, 2);
    write!(out, "{:pad$} {:<7} {:<7} {:<7} {age:<7} ", "", e.pid, e.ppid, e.tid)?;
    write_exit_code(out, e.exit_code)?;
    out.write_all(b"\n")
}

/// The EXIT_CODE column: "0", "code N", "signal N (NAME)", ", core dumped".
fn write_exit_code(out: &mut impl Write, exit_code: i32) -> std::io::Result<()> {
    let status = Status::of(exit_code);
    if status.signal == 0 && !status.core_dumped {
        return if status.code == 0 { out.write_all(b"0") } else { write!(out, "code {}", status.code) };
    }
    if status.signal != 0 {
        write!(out, "signal {} (", status.signal)?;
        write_signal_name(out, status.signal)?;
        out.write_all(b")")?;
    }
    if status.core_dumped {
        out.write_all(b", core dumped")?;
    }
    Ok(())
}

/// The signal's description, as strsignal(3) gives it to libbpf-tools.
fn write_signal_name(out: &mut impl Write, signal: i32) -> std::io::Result<()> {
    // SAFETY: strsignal returns NULL or a NUL-terminated string, copied out
    // before anything could call it again.
    let name = unsafe { libc::strsignal(signal) };
    if name.is_null() {
        return write!(out, "Unknown signal {signal}");
    }
    // SAFETY: as above.
    out.write_all(unsafe { CStr::from_ptr(name) }.to_bytes())
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let status = Status::of(e.exit_code);
    write!(out, "{{\"ts_us\":{},\"comm\":", unix_micros())?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"pid\":{},\"ppid\":{},\"tid\":{},\"age_ns\":{},\"exit_code\":{},\"code\":{},\"signal\":{},\"core_dumped\":{}}}",
        e.pid,
        e.ppid,
        e.tid,
        age_ns(e),
        e.exit_code,
        status.code,
        status.signal,
        status.core_dumped
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_code(status: i32) -> String {
        let mut out = Vec::new();
        write_exit_code(&mut out, status).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn exit_codes_read_as_libbpf_tools_prints_them() {
        assert_eq!(exit_code(0), "0");
        assert_eq!(exit_code(3 << 8), "code 3");
        assert_eq!(exit_code(255 << 8), "code 255");
        assert_eq!(exit_code(libc::SIGKILL), "signal 9 (Killed)");
        assert_eq!(exit_code(0x80 | libc::SIGSEGV), "signal 11 (Segmentation fault), core dumped");
    }
}
