//! cpudist: summarize on-CPU (or off-CPU) time per task as a histogram, as
//! libbpf-tools' cpudist does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{interval_count, positive, usage_error},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::{set_cgroup, take_hash_map},
    },
    kernel::tracefs::{Tracefs, sleeping_states},
    output::{
        Output,
        histogram::{write_task_hists, write_task_hists_json},
        write_error,
    },
};
use bpfbin_common::cpudist::{Config, Hist, PER_ALL, PER_PROCESS, PER_THREAD};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/cpudist"));

/// Summarize on-CPU time per task as a histogram.
#[derive(FromArgs)]
#[argh(example = "cpudist              # summarize on-CPU time as a histogram")]
#[argh(example = "cpudist -O           # summarize off-CPU time as a histogram")]
#[argh(example = "cpudist -c CG        # Trace process under cgroupsPath CG")]
#[argh(example = "cpudist 1 10         # print 1 second summaries, 10 times")]
#[argh(example = "cpudist -mT 1        # 1s summaries, milliseconds, and timestamps")]
#[argh(example = "cpudist -P           # show each PID separately")]
#[argh(example = "cpudist -p 185       # trace PID 185 only")]
struct Args {
    /// measure off-CPU time
    #[argh(switch, short = 'O')]
    offcpu: bool,
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// millisecond histogram
    #[argh(switch, short = 'm')]
    milliseconds: bool,
    /// print a histogram per process ID
    #[argh(switch, short = 'P')]
    pids: bool,
    /// print a histogram per thread ID
    #[argh(switch, short = 'L')]
    tids: bool,
    /// trace this PID only
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// trace process in cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per histogram, with the raw slot counts
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("cpudist", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pc")?;
    bpfbin::init_logging(args.verbose);
    if args.pids && args.tids {
        return Err(usage_error::<Args>("-P (pids) and -L (tids) can't be used together"));
    }
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;

    let tracefs = Tracefs::open()?;
    let switch = tracefs.format("sched", "sched_switch")?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        sleeping: sleeping_states(&switch),
        per: if args.pids {
            PER_PROCESS
        } else if args.tids {
            PER_THREAD
        } else {
            PER_ALL
        },
        milliseconds: args.milliseconds.into(),
        cgroup: args.cgroup.is_some().into(),
        offcpu: args.offcpu.into(),
        prev_state: switch.require("prev_state", "sched:sched_switch")?,
        next_pid: switch.require("next_pid", "sched:sched_switch")?,
        next_comm: switch.require("next_comm", "sched:sched_switch")?,
        _pad: 0,
    };
    log::debug!("prev_state bits of a task that left the run queue: {:#x}", config.sleeping);

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    attach_tracepoint(&mut ebpf, "sched", "sched_switch")?;
    let hists = take_hash_map(&mut ebpf, "HISTS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        let what = if args.offcpu { "off" } else { "on" };
        writeln!(out, "Tracing {what}-CPU time... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    let section = if args.pids {
        Some("pid")
    } else if args.tids {
        Some("tid")
    } else {
        None
    };
    let unit = if args.milliseconds { "msecs" } else { "usecs" };
    every_interval(&mut out, &hists, interval, count, |out, hists: &[(u32, Hist)]| {
        if args.json {
            write_task_hists_json(out, hists, section, unit)
        } else {
            write_task_hists(out, hists, section, unit, args.timestamp)
        }
    })
}
