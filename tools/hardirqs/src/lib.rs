//! hardirqs: summarize the time spent in hard interrupt handlers, as
//! libbpf-tools' hardirqs does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{interval_count, positive},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::{set_cgroup, take_hash_map},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        histogram::{write_interval_header, write_json_hist, write_log2_hist},
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
        write_error,
    },
};
use bpfbin_common::irqs::{ANY_CPU, Config, Info, IrqKey};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/hardirqs"));

/// Summarize hard irq event time as histograms.
#[derive(FromArgs)]
#[argh(example = "hardirqs            # sum hard irq event time")]
#[argh(example = "hardirqs -d         # show hard irq event time as histograms")]
#[argh(example = "hardirqs 1 10       # print 1 second summaries, 10 times")]
#[argh(example = "hardirqs -c CG      # Trace process under cgroupsPath CG")]
#[argh(example = "hardirqs --cpu 1    # only stat irq on cpu 1")]
#[argh(example = "hardirqs -C         # display separately by CPU")]
#[argh(example = "hardirqs -NT 1      # 1s summaries, nanoseconds, and timestamps")]
struct Args {
    /// display separately by CPU
    #[argh(switch, short = 'C')]
    per_cpu: bool,
    /// show distributions as histograms
    #[argh(switch, short = 'd')]
    distributed: bool,
    /// trace process in cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// only stat irq on selected cpu
    #[argh(option, short = 's')]
    cpu: Option<u32>,
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// output in nanoseconds
    #[argh(switch, short = 'N')]
    nanoseconds: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per handler
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("hardirqs", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("cs")?;
    bpfbin::init_logging(args.verbose);
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;

    let tracefs = Tracefs::open()?;
    let entry = tracefs.format("irq", "irq_handler_entry")?;
    let (name, name_base) = entry.require_dynamic("name", "irq:irq_handler_entry")?;
    let config = Config {
        cpu: args.cpu.unwrap_or(ANY_CPU),
        distributed: args.distributed.into(),
        nanoseconds: args.nanoseconds.into(),
        per_cpu: args.per_cpu.into(),
        cgroup: args.cgroup.is_some().into(),
        name,
        name_base,
        vec: 0,
        _pad: 0,
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    for tracepoint in ["irq_handler_entry", "irq_handler_exit"] {
        attach_tracepoint(&mut ebpf, "irq", tracepoint)?;
    }
    let infos = take_hash_map(&mut ebpf, "INFOS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing hard irq event time... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    let unit = if args.nanoseconds { "nsecs" } else { "usecs" };
    every_interval(&mut out, &infos, interval, count, |out, infos: &[(IrqKey, Info)]| {
        if args.json {
            let ts_us = unix_micros();
            return infos.iter().try_for_each(|(key, info)| {
                write!(out, "{{\"ts_us\":{ts_us},\"hardirq\":")?;
                write_json_str(out, c_str(&key.name))?;
                if args.per_cpu {
                    write!(out, ",\"cpu\":{}", key.cpu)?;
                }
                write!(out, ",\"count\":{},", info.count)?;
                if args.distributed {
                    write_json_hist(out, &info.slots, unit)?;
                } else {
                    write!(out, "\"unit\":\"{unit}\",\"total\":{},\"max\":{}", info.total_time, info.max_time)?;
                }
                writeln!(out, "}}")
            });
        }
        write_interval_header(out, args.timestamp)?;
        if !args.distributed {
            write!(out, "{:<33} {:>11} {:>6}{unit:>5} {:>4}{unit:>5}", "HARDIRQ", "TOTAL_count", "TOTAL_", "MAX_")?;
            if args.per_cpu {
                write!(out, " {:>3}", "CPU")?;
            }
            writeln!(out)?;
        }
        for (key, info) in infos {
            let name = c_str(&key.name);
            if args.distributed {
                if args.per_cpu {
                    write!(out, "cpu = {} ", key.cpu)?;
                }
                out.write_all(b"hardirq = ")?;
                write_text(out, name)?;
                writeln!(out)?;
                write_log2_hist(out, &info.slots, unit)?;
                continue;
            }
            write_text(out, name)?;
            // Pad as %-33s would, on the raw length: escapes only lengthen the line.
            let pad = 33usize.saturating_sub(name.len());
            write!(out, "{:pad$} {:>11} {:>11} {:>9}", "", info.count, info.total_time, info.max_time)?;
            if args.per_cpu {
                write!(out, " {:>3}", key.cpu)?;
            }
            writeln!(out)?;
        }
        Ok(())
    })
}
