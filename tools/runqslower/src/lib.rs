//! runqslower: trace high run queue latency, one line per wait over a
//! threshold, as libbpf-tools' runqslower does.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
    },
    kernel::tracefs::{Tracefs, sleeping_states},
    output::{
        Output,
        text::{c_str, quoted, write_json_str, write_text},
        time::{local_hms, unix_micros},
        write_error,
    },
};
use bpfbin_common::{
    TASK_COMM_LEN,
    runqslower::{Config, Event},
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/runqslower"));

/// Trace high run queue latency.
#[derive(FromArgs)]
#[argh(example = "runqslower         # trace latency higher than 10000 us (default)")]
#[argh(example = "runqslower 1000    # trace latency higher than 1000 us")]
#[argh(example = "runqslower -p 123  # trace pid 123")]
#[argh(example = "runqslower -t 123  # trace tid 123 (use for threads only)")]
#[argh(example = "runqslower -c ksof # Trace processes with names starting with 'ksof'")]
#[argh(example = "runqslower -P      # also show previous task name and TID")]
#[argh(example = "runqslower --json  # one JSON object per line")]
struct Args {
    /// process PID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// thread TID to trace
    #[argh(option, short = 't', from_str_fn(positive))]
    tid: Option<u32>,
    /// filter processes by command name prefix
    #[argh(option, short = 'c')]
    comm: Option<String>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// also show previous task name and TID
    #[argh(switch, short = 'P')]
    previous: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// trace waits longer than this many microseconds (default 10000)
    #[argh(positional, from_str_fn(positive))]
    min_us: Option<u64>,
}

pub fn main() -> ! {
    bpfbin::main("runqslower", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("ptc")?;
    bpfbin::init_logging(args.verbose);
    let min_us = args.min_us.unwrap_or(10000);

    // The kernel keeps a command name's first 15 bytes: so does -c, as in libbpf-tools.
    let mut comm = [0u8; TASK_COMM_LEN];
    let name = args.comm.as_deref().unwrap_or_default().as_bytes();
    let kept = &name[..name.len().min(TASK_COMM_LEN - 1)];
    if kept.len() < name.len() {
        eprintln!(
            "runqslower: warning: command name {} is too long (max {}), truncated to {}",
            quoted(name),
            TASK_COMM_LEN - 1,
            quoted(kept)
        );
    }
    comm[..kept.len()].copy_from_slice(kept);

    let tracefs = Tracefs::open()?;
    let wakeup = tracefs.format("sched", "sched_wakeup")?;
    let wakeup_new = tracefs.format("sched", "sched_wakeup_new")?;
    let switch = tracefs.format("sched", "sched_switch")?;
    let config = Config {
        min_us,
        pid: args.pid.unwrap_or(0),
        tid: args.tid.unwrap_or(0),
        sleeping: sleeping_states(&switch),
        comm_len: kept.len() as u32,
        comm,
        wakeup_pid: wakeup.require("pid", "sched:sched_wakeup")?,
        wakeup_comm: wakeup.require("comm", "sched:sched_wakeup")?,
        wakeup_new_pid: wakeup_new.require("pid", "sched:sched_wakeup_new")?,
        wakeup_new_comm: wakeup_new.require("comm", "sched:sched_wakeup_new")?,
        prev_pid: switch.require("prev_pid", "sched:sched_switch")?,
        prev_comm: switch.require("prev_comm", "sched:sched_switch")?,
        prev_state: switch.require("prev_state", "sched:sched_switch")?,
        next_pid: switch.require("next_pid", "sched:sched_switch")?,
        next_comm: switch.require("next_comm", "sched:sched_switch")?,
        _pad: [0; 3],
    };
    log::debug!("prev_state bits of a task that left the run queue: {:#x}", config.sleeping);

    let mut ebpf = load(OBJECT, &config, None)?;
    for tracepoint in ["sched_wakeup", "sched_wakeup_new", "sched_switch"] {
        attach_tracepoint(&mut ebpf, "sched", tracepoint)?;
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, min_us, args.previous).map_err(write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &event, args.previous) }
    })
}

fn print_header(out: &mut Output, min_us: u64, previous: bool) -> std::io::Result<()> {
    writeln!(out, "Tracing run queue latency higher than {min_us} us")?;
    write!(out, "{:<8} {:<16} {:<6} {:>14}", "TIME", "COMM", "TID", "LAT(us)")?;
    if previous {
        write!(out, " {:<16} {:<6}", "PREV COMM", "PREV TID")?;
    }
    writeln!(out)
}

/// `comm` padded as %-16s pads it, on the raw length: escapes only lengthen the line.
fn write_comm(out: &mut Output, comm: &[u8; TASK_COMM_LEN]) -> std::io::Result<()> {
    let comm = c_str(comm);
    write_text(out, comm)?;
    write!(out, "{:pad$}", "", pad = 16usize.saturating_sub(comm.len()))
}

fn print_columns(out: &mut Output, e: &Event, previous: bool) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    out.write_all(b" ")?;
    write_comm(out, &e.comm)?;
    write!(out, " {:<6} {:>14}", e.tid, e.delta_us)?;
    if previous {
        out.write_all(b" ")?;
        write_comm(out, &e.prev_comm)?;
        write!(out, " {:<6}", e.prev_tid)?;
    }
    writeln!(out)
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"comm\":", unix_micros())?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"tid\":{},\"lat_us\":{},\"prev_comm\":", e.tid, e.delta_us)?;
    write_json_str(out, c_str(&e.prev_comm))?;
    writeln!(out, ",\"prev_tid\":{}}}", e.prev_tid)
}
