//! runqlat: summarize run queue (scheduler) latency as a histogram, as
//! libbpf-tools' runqlat does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::{interval_count, positive, usage_error},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::{set_cgroup, take_hash_map},
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::{Tracefs, sleeping_states},
    },
    output::{
        Output,
        histogram::{write_task_hists, write_task_hists_json},
        write_error,
    },
};
use bpfbin_common::runqlat::{Config, Hist, MEMBERS, PER_ALL, PER_PIDNS, PER_PROCESS, PER_THREAD, PidnsWalk};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/runqlat"));

/// Summarize run queue (scheduler) latency as a histogram.
#[derive(FromArgs)]
#[argh(example = "runqlat         # summarize run queue latency as a histogram")]
#[argh(example = "runqlat 1 10    # print 1 second summaries, 10 times")]
#[argh(example = "runqlat -mT 1   # 1s summaries, milliseconds, and timestamps")]
#[argh(example = "runqlat -P      # show each PID separately")]
#[argh(example = "runqlat -p 185  # trace PID 185 only")]
#[argh(example = "runqlat -c CG   # Trace process under cgroupsPath CG")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// millisecond histogram
    #[argh(switch, short = 'm')]
    milliseconds: bool,
    /// print a histogram per PID namespace
    #[argh(switch)]
    pidnss: bool,
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
    /// kernel BTF file for --pidnss, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
    /// print one JSON object per histogram, with the raw slot counts
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("runqlat", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pc")?;
    bpfbin::init_logging(args.verbose);
    if [args.pidnss, args.pids, args.tids].iter().filter(|&&on| on).count() > 1 {
        return Err(usage_error::<Args>("--pidnss, -P (pids) and -L (tids) can't be used together"));
    }
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;

    let tracefs = Tracefs::open()?;
    let wakeup = tracefs.format("sched", "sched_wakeup")?;
    let wakeup_new = tracefs.format("sched", "sched_wakeup_new")?;
    let switch = tracefs.format("sched", "sched_switch")?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        sleeping: sleeping_states(&switch),
        per: if args.pids {
            PER_PROCESS
        } else if args.tids {
            PER_THREAD
        } else if args.pidnss {
            PER_PIDNS
        } else {
            PER_ALL
        },
        milliseconds: args.milliseconds.into(),
        cgroup: args.cgroup.is_some().into(),
        _pad: 0,
        wakeup_pid: wakeup.require("pid", "sched:sched_wakeup")?,
        wakeup_new_pid: wakeup_new.require("pid", "sched:sched_wakeup_new")?,
        prev_pid: switch.require("prev_pid", "sched:sched_switch")?,
        prev_state: switch.require("prev_state", "sched:sched_switch")?,
        next_pid: switch.require("next_pid", "sched:sched_switch")?,
        next_comm: switch.require("next_comm", "sched:sched_switch")?,
        pidns: if args.pidnss { pidns_walk(&args)? } else { PidnsWalk::default() },
    };
    log::debug!("prev_state bits of a task that left the run queue: {:#x}", config.sleeping);

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    for tracepoint in ["sched_wakeup", "sched_wakeup_new", "sched_switch"] {
        attach_tracepoint(&mut ebpf, "sched", tracepoint)?;
    }
    let hists = take_hash_map(&mut ebpf, "HISTS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing run queue latency... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    let section = if args.pids {
        Some("pid")
    } else if args.tids {
        Some("tid")
    } else if args.pidnss {
        Some("pidns")
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

/// Where the PID namespace's inode number is, from BTF (or `--btf FILE`).
fn pidns_walk(args: &Args) -> Result<PidnsWalk> {
    let btf = open_btf(args.btf.as_deref()).and_then(|mut btf| offsets(&mut btf, &MEMBERS));
    let [task_thread_pid, pid_level, pid_numbers, upid_ns, pid_namespace_inum] = btf.map_err(|err| {
        Error::new(format!(
            "--pidnss reads the task's PID namespace, which needs the kernel's BTF or --btf FILE: {}",
            err.message().unwrap_or_default()
        ))
    })?;
    // struct upid { int nr; struct pid_namespace *ns; }: no tail padding.
    let upid_size = upid_ns + size_of::<usize>() as u16;
    Ok(PidnsWalk { task_thread_pid, pid_level, pid_numbers, upid_ns, pid_namespace_inum, upid_size })
}
