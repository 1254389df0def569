//! biosnoop: trace block I/O, one line per completed request, as
//! libbpf-tools' biosnoop does.

use std::{io::Write, path::PathBuf, time::Duration};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
        maps::set_cgroup,
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
        write_error,
    },
    subsystems::block::{disk_filter, disk_name, disks, fields},
};
use bpfbin_common::{
    biosnoop::{Config, Event},
    block::Fields,
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/biosnoop"));

/// Trace block I/O.
#[derive(FromArgs)]
#[argh(example = "biosnoop              # trace all block I/O")]
#[argh(example = "biosnoop -Q           # include OS queued time in I/O time")]
#[argh(example = "biosnoop -t           # use timestamps instead")]
#[argh(example = "biosnoop 10           # trace for 10 seconds only")]
#[argh(example = "biosnoop -d sdc       # trace sdc only")]
#[argh(example = "biosnoop -c CG        # Trace process under cgroupsPath CG")]
#[argh(example = "biosnoop -m 1         # trace for slower than 1ms")]
struct Args {
    /// include OS queued time in I/O time
    #[argh(switch, short = 'Q')]
    queued: bool,
    /// trace this disk only
    #[argh(option, short = 'd')]
    disk: Option<String>,
    /// trace process in cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// min latency to trace, in ms
    #[argh(option, short = 'm')]
    min: Option<u64>,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per request
    #[argh(switch)]
    json: bool,
    /// duration to trace, in seconds
    #[argh(positional, from_str_fn(positive))]
    duration: Option<u64>,
}

pub fn main() -> ! {
    bpfbin::main("biosnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("dcm")?;
    bpfbin::init_logging(args.verbose);
    let disks = disks()?;
    let dev = disk_filter::<Args>(&disks, args.disk.as_deref())?;

    let tracefs = Tracefs::open()?;
    // Where the submitting task is current: block_io_start (Linux 6.5) as
    // libbpf-tools, else the request's allocation for a bio.
    let submit = if tracefs.has_event("block", "block_io_start") { "block_io_start" } else { "block_getrq" };
    let config = Config {
        min_ns: args.min.unwrap_or(0).saturating_mul(1_000_000),
        dev: dev.unwrap_or(0),
        filter_dev: dev.is_some().into(),
        queued: args.queued.into(),
        cgroup: args.cgroup.is_some().into(),
        _pad: 0,
        submit: fields(&tracefs, submit, false)?,
        insert: if args.queued { fields(&tracefs, "block_rq_insert", false)? } else { Fields::default() },
        issue: fields(&tracefs, "block_rq_issue", false)?,
        complete: fields(&tracefs, "block_rq_complete", true)?,
        issue_bytes: tracefs.format("block", "block_rq_issue")?.require("bytes", "block:block_rq_issue")?,
        _pad2: [0; 6],
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    attach_tracepoint(&mut ebpf, "block", submit)?;
    if args.queued {
        attach_tracepoint(&mut ebpf, "block", "block_rq_insert")?;
    }
    attach_tracepoint(&mut ebpf, "block", "block_rq_issue")?;
    attach_tracepoint(&mut ebpf, "block", "block_rq_complete")?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        if args.timestamp { write!(out, "{:<12} ", "TIMESTAMP") } else { write!(out, "{:<11} ", "TIME(s)") }
            .and_then(|()| {
                write!(out, "{:<14} {:<7} {:<7} {:<4} {:<10} {:<7} ", "COMM", "PID", "DISK", "T", "SECTOR", "BYTES")
            })
            .and_then(|()| if args.queued { write!(out, "{:>7} ", "QUE(ms)") } else { Ok(()) })
            .and_then(|()| writeln!(out, "{:>7}", "LAT(ms)"))
            .map_err(write_error)?;
    }
    out.flush()?;
    let mut start_ts = None;
    events.run(args.duration.map(Duration::from_secs), &mut out, |out, record| {
        let Some(e) = read_event::<Event>(record) else { return Ok(()) };
        let disk = disks.get(&e.dev);
        let name = disk_name(&disks, e.dev);
        // libbpf-tools: with an I/O scheduler, -1 when the insertion was not
        // seen; without one, 0.
        let queued_ms = match (e.inserted != 0, disk.is_some_and(|disk| disk.elevator)) {
            (true, _) => e.qdelta as f64 / 1e6,
            (false, true) => -1.0,
            (false, false) => 0.0,
        };
        if args.json {
            write!(out, "{{\"ts_us\":{},\"comm\":", unix_micros())?;
            write_json_str(out, c_str(&e.comm))?;
            write!(out, ",\"pid\":{},\"disk\":", e.pid)?;
            write_json_str(out, name.as_bytes())?;
            out.write_all(b",\"rwbs\":")?;
            write_json_str(out, c_str(&e.rwbs))?;
            write!(out, ",\"sector\":{},\"bytes\":{},", e.sector, e.bytes)?;
            if args.queued {
                write!(out, "\"queued_ms\":{},", Fixed(queued_ms, 3))?;
            }
            return writeln!(out, "\"latency_ms\":{}}}", Fixed(e.delta as f64 / 1e6, 3));
        }
        if args.timestamp {
            out.write_all(&local_hms())?;
            write!(out, ".{:03} ", unix_micros() / 1000 % 1000)?;
        } else {
            let first = *start_ts.get_or_insert(e.ts);
            write!(out, "{:<11} ", Fixed(e.ts.wrapping_sub(first) as f64 / 1e9, 6))?;
        }
        // %-14.14s: the comm cut to 14 bytes.
        let comm = c_str(&e.comm);
        let comm = &comm[..comm.len().min(14)];
        write_text(out, comm)?;
        write!(out, "{:width$} ", "", width = 14 - comm.len())?;
        write!(out, "{:<7} {:<7} ", e.pid, name)?;
        write_text(out, c_str(&e.rwbs))?;
        write!(out, "{:width$} ", "", width = 4usize.saturating_sub(c_str(&e.rwbs).len()))?;
        write!(out, "{:<10} {:<7} ", e.sector, e.bytes)?;
        if args.queued {
            write!(out, "{:>7} ", Fixed(queued_ms, 3))?;
        }
        writeln!(out, "{:>7}", Fixed(e.delta as f64 / 1e6, 3))
    })
}
