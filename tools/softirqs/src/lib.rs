//! softirqs: summarize the time spent in soft interrupts, per vector, as
//! libbpf-tools' softirqs does.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{interval_count, positive},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::take_hash_map,
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        histogram::{write_interval_header, write_json_hist, write_log2_hist},
        time::unix_micros,
        write_error,
    },
    subsystems::irqs::softirq_vec,
};
use bpfbin_common::irqs::{ANY_CPU, Config, Info, SOFTIRQ_NAMES};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/softirqs"));

/// Summarize soft irq event time as histograms.
#[derive(FromArgs)]
#[argh(example = "softirqs            # sum soft irq event time")]
#[argh(example = "softirqs -d         # show soft irq event time as histograms")]
#[argh(example = "softirqs -c 1       # show soft irq event time on cpu 1")]
#[argh(example = "softirqs 1 10       # print 1 second summaries, 10 times")]
#[argh(example = "softirqs -NT 1      # 1s summaries, nanoseconds, and timestamps")]
struct Args {
    /// show distributions as histograms
    #[argh(switch, short = 'd')]
    distributed: bool,
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// output in nanoseconds
    #[argh(switch, short = 'N')]
    nanoseconds: bool,
    /// show event counts with timing
    #[argh(switch, short = 'C')]
    count: bool,
    /// trace this cpu only
    #[argh(option, short = 'c')]
    cpu: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per softirq vector
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("softirqs", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("c")?;
    bpfbin::init_logging(args.verbose);
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;

    let config = Config {
        cpu: args.cpu.unwrap_or(ANY_CPU),
        distributed: args.distributed.into(),
        nanoseconds: args.nanoseconds.into(),
        per_cpu: 0,
        cgroup: 0,
        name: 0,
        name_base: 0,
        vec: softirq_vec(&Tracefs::open()?)?,
        _pad: 0,
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    for tracepoint in ["softirq_entry", "softirq_exit"] {
        attach_tracepoint(&mut ebpf, "irq", tracepoint)?;
    }
    let infos = take_hash_map(&mut ebpf, "INFOS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing soft irq event time... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    let unit = if args.nanoseconds { "nsecs" } else { "usecs" };
    every_interval(&mut out, &infos, interval, count, |out, infos: &[(u32, Info)]| {
        // The kernel side keeps only the vectors named here.
        let named = infos.iter().filter_map(|(vec, info)| Some((*SOFTIRQ_NAMES.get(*vec as usize)?, info)));
        if args.json {
            let ts_us = unix_micros();
            return named.into_iter().try_for_each(|(name, info)| {
                write!(out, "{{\"ts_us\":{ts_us},\"softirq\":\"{name}\",\"count\":{},", info.count)?;
                if args.distributed {
                    write_json_hist(out, &info.slots, unit)?;
                } else {
                    write!(out, "\"unit\":\"{unit}\",\"total\":{}", info.total_time)?;
                }
                writeln!(out, "}}")
            });
        }
        write_interval_header(out, args.timestamp)?;
        if !args.distributed {
            let counts = if args.count { "TOTAL_count" } else { "" };
            writeln!(out, "{:<16} {:<6}{unit:<5}  {counts:<11}", "SOFTIRQ", "TOTAL_")?;
        }
        for (name, info) in named {
            if args.distributed {
                writeln!(out, "softirq = {name}")?;
                write_log2_hist(out, &info.slots, unit)?;
                writeln!(out)?;
            } else {
                write!(out, "{name:<16} {:>11}", info.total_time)?;
                if args.count {
                    write!(out, "  {:>11}", info.count)?;
                }
                writeln!(out)?;
            }
        }
        Ok(())
    })
}
