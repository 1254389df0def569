//! funclatency: time a kernel or user function's calls and print their
//! latency as a log2 histogram, as libbpf-tools' funclatency does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::{positive, usage_error},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_kprobe, attach_uprobe, load},
        maps::{set_cgroup, take_hash_map},
    },
    output::{
        Output,
        histogram::{write_interval_header, write_json_hist, write_log2_hist},
        time::unix_micros,
        write_error,
    },
    symbols::uprobe::{Elf, resolve_binary},
};
use bpfbin_common::funclatency::{Config, MAX_SLOTS, MSEC, NSEC, USEC};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/funclatency"));

/// Time functions and print latency as a histogram.
#[derive(FromArgs)]
#[argh(example = "funclatency do_sys_open         # time the do_sys_open() kernel function")]
#[argh(example = "funclatency -m do_nanosleep     # time do_nanosleep(), in milliseconds")]
#[argh(example = "funclatency -c CG               # Trace process under cgroupsPath CG")]
#[argh(example = "funclatency -u vfs_read         # time vfs_read(), in microseconds")]
#[argh(example = "funclatency -p 181 vfs_read     # time process 181 only")]
#[argh(example = "funclatency -p 181 c:read       # time the read() C library function")]
#[argh(example = "funclatency -p 181 :foo         # time foo() from pid 181's userspace")]
#[argh(example = "funclatency -i 2 -d 10 vfs_read # output every 2 seconds, for 10s")]
#[argh(example = "funclatency -mTi 5 vfs_read     # output every 5 seconds, with timestamps")]
#[argh(note = "Choices for FUNCTION: FUNCTION         (kprobe)
                      LIBRARY:FUNCTION (uprobe a library in -p PID)
                      :FUNCTION        (uprobe the binary of -p PID)
                      PROGRAM:FUNCTION (uprobe the binary PROGRAM)")]
struct Args {
    /// output in milliseconds
    #[argh(switch, short = 'm')]
    milliseconds: bool,
    /// output in microseconds
    #[argh(switch, short = 'u')]
    microseconds: bool,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// summary interval in seconds
    #[argh(option, short = 'i', from_str_fn(positive))]
    interval: Option<u32>,
    /// trace process in cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// duration to trace, in seconds
    #[argh(option, short = 'd', from_str_fn(positive))]
    duration: Option<u32>,
    /// print timestamp
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// use kprobes instead of fentry (kernel functions always use kprobes here)
    #[argh(switch, short = 'k')]
    kprobes: bool,
    /// print one JSON object per interval, with the raw slot counts
    #[argh(switch)]
    json: bool,
    /// the function to time (see the notes below)
    #[argh(positional, arg_name = "FUNCTION")]
    function: String,
}

pub fn main() -> ! {
    bpfbin::main("funclatency", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("picd")?;
    bpfbin::init_logging(args.verbose);
    // -k asks libbpf-tools for kprobes over fentry: here they are all there is.
    let _ = args.kprobes;
    if args.milliseconds && args.microseconds {
        return Err(usage_error::<Args>("only set one of -m or -u"));
    }
    let (units, unit) = if args.milliseconds {
        (MSEC, "msec")
    } else if args.microseconds {
        (USEC, "usec")
    } else {
        (NSEC, "nsec")
    };
    // libbpf-tools: -d alone is one summary at its end; -i longer than -d is cut to it.
    let interval = match (args.interval, args.duration) {
        (Some(interval), Some(duration)) => Some(interval.min(duration)),
        (interval, duration) => interval.or(duration),
    };
    let count = args.duration.zip(interval).map(|(duration, interval)| duration / interval);

    // A user function: where its code is, before loading anything.
    let user = match args.function.split_once(':') {
        Some((_, "")) => return Err(usage_error::<Args>(format!("no function name in {}", args.function))),
        Some((binary, function)) => {
            let path = resolve_binary(binary, args.pid)?;
            let offset = Elf::open(&path)?
                .function_offset(function)?
                .ok_or_else(|| Error::new(format!("could not find {function} in {}", path.display())))?;
            log::debug!("probing {function} in {} at offset {offset:#x}", path.display());
            Some((path, offset))
        }
        None => None,
    };

    let config = Config { pid: args.pid.unwrap_or(0), units, cgroup: args.cgroup.is_some().into(), _pad: [0; 2] };
    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    match &user {
        Some((path, offset)) => {
            attach_uprobe(&mut ebpf, "user_entry", path, *offset, args.pid)?;
            attach_uprobe(&mut ebpf, "user_return", path, *offset, args.pid)?;
        }
        None => {
            attach_kprobe(&mut ebpf, "kernel_entry", &args.function)?;
            attach_kprobe(&mut ebpf, "kernel_return", &args.function)?;
        }
    }
    let hists = take_hash_map(&mut ebpf, "HISTS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing {}.  Hit Ctrl-C to exit", args.function).map_err(write_error)?;
    }
    out.flush()?;
    every_interval(&mut out, &hists, interval, count, |out, hists: &[(u32, [u32; MAX_SLOTS])]| {
        let slots = hists.first().map_or([0; MAX_SLOTS], |(_, slots)| *slots);
        if args.json {
            write!(out, "{{\"ts_us\":{},", unix_micros())?;
            write_json_hist(out, &slots, unit)?;
            writeln!(out, "}}")
        } else {
            write_interval_header(out, args.timestamp)?;
            write_log2_hist(out, &slots, unit)
        }
    })?;
    if !args.json {
        writeln!(out, "Exiting trace of {}", args.function).map_err(write_error)?;
    }
    out.flush()
}
