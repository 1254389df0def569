//! syncsnoop: trace sync syscalls, as libbpf-tools' syncsnoop does.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
    },
};
use bpfbin_common::syncsnoop::{Config, Event, SYSCALLS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/syncsnoop"));

/// Trace sync syscalls.
#[derive(FromArgs)]
#[argh(example = "syncsnoop           # trace sync syscalls")]
#[argh(example = "syncsnoop -p 1216   # only trace PID 1216")]
#[argh(example = "syncsnoop --json    # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

pub fn main() -> ! {
    bpfbin::main("syncsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let present: Vec<String> = SYSCALLS
        .iter()
        .map(|syscall| format!("sys_enter_{syscall}"))
        .filter(|enter| tracefs.has_event("syscalls", enter))
        .collect();
    if present.is_empty() {
        return Err(Error::new(
            "no syscalls:sys_enter_*sync* tracepoints on this kernel (it needs CONFIG_FTRACE_SYSCALLS)",
        ));
    }

    let mut ebpf = load(OBJECT, &Config { pid: args.pid.unwrap_or(0) }, None)?;
    for enter in &present {
        attach_tracepoint(&mut ebpf, "syscalls", enter)?;
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "{:<18} {:<16} CALL", "TIME(s)", "COMM").map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &event) }
    })
}

fn call(e: &Event) -> &'static str {
    SYSCALLS.get(e.sys as usize).copied().unwrap_or("N/A")
}

fn print_columns(out: &mut Output, e: &Event) -> std::io::Result<()> {
    // Seconds since boot, as libbpf-tools prints bpf_ktime_get_ns().
    let time = format!("{}.{:09}", e.ts_ns / 1_000_000_000, e.ts_ns % 1_000_000_000);
    write!(out, "{time:<18} ")?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    writeln!(out, "{:width$} {:<16}", "", call(e), width = 16usize.saturating_sub(comm.len()))
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"boot_ns\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.ts_ns, e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(out, ",\"call\":\"{}\"}}", call(e))
}
