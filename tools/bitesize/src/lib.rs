//! bitesize: summarize block device I/O size as a histogram per command
//! name, as libbpf-tools' bitesize does.

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
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
        write_error,
    },
    subsystems::block::{disk_filter, disks},
};
use bpfbin_common::{
    TASK_COMM_LEN,
    bitesize::{Config, Hist, HistKey},
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/bitesize"));

/// Summarize block device I/O size as a histogram.
#[derive(FromArgs)]
#[argh(example = "bitesize              # summarize block I/O size as a histogram")]
#[argh(example = "bitesize 1 10         # print 1 second summaries, 10 times")]
#[argh(example = "bitesize -T 1         # 1s summaries with timestamps")]
#[argh(example = "bitesize -c fio       # trace fio only")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// trace this comm only
    #[argh(option, short = 'c')]
    comm: Option<String>,
    /// trace this disk only
    #[argh(option, short = 'd')]
    disk: Option<String>,
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
    bpfbin::main("bitesize", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("cd")?;
    bpfbin::init_logging(args.verbose);
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;
    let dev = disk_filter::<Args>(&disks()?, args.disk.as_deref())?;
    // The kernel keeps a command name's first 15 bytes: a longer -c matches
    // the tasks whose name it was cut to.
    let mut comm = [0u8; TASK_COMM_LEN];
    if let Some(name) = &args.comm {
        let name = &name.as_bytes()[..name.len().min(TASK_COMM_LEN - 1)];
        comm[..name.len()].copy_from_slice(name);
    }

    let tracefs = Tracefs::open()?;
    let issue = tracefs.format("block", "block_rq_issue")?;
    let config = Config {
        comm,
        dev: dev.unwrap_or(0),
        filter_dev: dev.is_some().into(),
        filter_comm: args.comm.is_some().into(),
        issue_dev: issue.require("dev", "block:block_rq_issue")?,
        issue_bytes: issue.require("bytes", "block:block_rq_issue")?,
        _pad: [0; 6],
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    attach_tracepoint(&mut ebpf, "block", "block_rq_issue")?;
    let hists = take_hash_map(&mut ebpf, "HISTS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing block device I/O... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    // Sorted by command name, where libbpf-tools prints its hash map's order.
    every_interval(&mut out, &hists, interval, count, |out, hists: &[(HistKey, Hist)]| {
        if args.json {
            let ts_us = unix_micros();
            for (key, hist) in hists {
                write!(out, "{{\"ts_us\":{ts_us},\"comm\":")?;
                write_json_str(out, c_str(&key.comm))?;
                out.write_all(b",")?;
                write_json_hist(out, &hist.slots, "Kbytes")?;
                writeln!(out, "}}")?;
            }
            return Ok(());
        }
        write_interval_header(out, args.timestamp)?;
        for (key, hist) in hists {
            out.write_all(b"\nProcess Name = ")?;
            write_text(out, c_str(&key.comm))?;
            writeln!(out)?;
            write_log2_hist(out, &hist.slots, "Kbytes")?;
        }
        Ok(())
    })
}
