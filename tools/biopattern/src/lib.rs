//! biopattern: show block device I/O pattern, the share of random and
//! sequential requests per disk, as libbpf-tools' biopattern does.

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
        text::write_json_str,
        time::{local_hms, unix_micros},
        write_error,
    },
    subsystems::block::{disk_filter, disk_name, disks},
};
use bpfbin_common::biopattern::{Config, Counter};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/biopattern"));

/// Show block device I/O pattern.
#[derive(FromArgs)]
#[argh(example = "biopattern              # show block I/O pattern")]
#[argh(example = "biopattern 1 10         # print 1 second summaries, 10 times")]
#[argh(example = "biopattern -T 1         # 1s summaries with timestamps")]
#[argh(example = "biopattern -d sdc       # trace sdc only")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// trace this disk only
    #[argh(option, short = 'd')]
    disk: Option<String>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per disk and interval
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("biopattern", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("d")?;
    bpfbin::init_logging(args.verbose);
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;
    let disks = disks()?;
    let dev = disk_filter::<Args>(&disks, args.disk.as_deref())?;

    let tracefs = Tracefs::open()?;
    let complete = tracefs.format("block", "block_rq_complete")?;
    let field = |name| complete.require(name, "block:block_rq_complete");
    let config = Config {
        dev: dev.unwrap_or(0),
        filter_dev: dev.is_some().into(),
        _pad: 0,
        dev_field: field("dev")?,
        sector: field("sector")?,
        nr_sector: field("nr_sector")?,
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    attach_tracepoint(&mut ebpf, "block", "block_rq_complete")?;
    let counters = take_hash_map(&mut ebpf, "COUNTERS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing block device I/O requested seeks... Hit Ctrl-C to end.")
            .and_then(|()| if args.timestamp { write!(out, "{:<9} ", "TIME") } else { Ok(()) })
            .and_then(|()| writeln!(out, "{:<7} {:>5} {:>5} {:>8} {:>10}", "DISK", "%RND", "%SEQ", "COUNT", "KBYTES"))
            .map_err(write_error)?;
    }
    out.flush()?;
    // Sorted by disk, where libbpf-tools prints its hash map's order.
    every_interval(&mut out, &counters, interval, count, |out, counters: &[(u32, Counter)]| {
        let ts_us = unix_micros();
        for (dev, c) in counters {
            let total = u64::from(c.sequential) + u64::from(c.random);
            // Only the disk's first request was seen: it has nothing to follow.
            if total == 0 {
                continue;
            }
            let (random, sequential) = (u64::from(c.random) * 100 / total, u64::from(c.sequential) * 100 / total);
            let (name, kbytes) = (disk_name(&disks, *dev), c.bytes / 1024);
            if args.json {
                write!(out, "{{\"ts_us\":{ts_us},\"disk\":")?;
                write_json_str(out, name.as_bytes())?;
                writeln!(
                    out,
                    ",\"random_pct\":{random},\"sequential_pct\":{sequential},\"random\":{},\"sequential\":{},\
                     \"count\":{total},\"kbytes\":{kbytes}}}",
                    c.random, c.sequential
                )?;
                continue;
            }
            if args.timestamp {
                out.write_all(&local_hms())?;
                out.write_all(b"  ")?;
            }
            writeln!(out, "{name:<7} {random:>5} {sequential:>5} {total:>8} {kbytes:>10}")?;
        }
        Ok(())
    })
}
