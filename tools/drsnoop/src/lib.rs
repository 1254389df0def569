//! drsnoop: trace direct reclaim latency, as libbpf-tools' drsnoop does.

use std::{io::Write, time::Duration};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
        write_error,
    },
    symbols::kallsyms,
};
use bpfbin_common::drsnoop::{Config, Event};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/drsnoop"));

/// Trace direct reclaim latency.
#[derive(FromArgs)]
#[argh(example = "drsnoop         # trace all direct reclaim events")]
#[argh(example = "drsnoop -p 123  # trace pid 123")]
#[argh(example = "drsnoop -t 123  # trace tid 123 (use for threads only)")]
#[argh(example = "drsnoop -d 10   # trace for 10 seconds only")]
#[argh(example = "drsnoop -e      # trace all direct reclaim events with extended fields")]
struct Args {
    /// total duration of trace in seconds
    #[argh(option, short = 'd', from_str_fn(positive))]
    duration: Option<u64>,
    /// extended fields output (free memory when the reclaim began)
    #[argh(switch, short = 'e')]
    extended: bool,
    /// process PID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// thread TID to trace
    #[argh(option, short = 't', from_str_fn(positive))]
    tid: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

const CATEGORY: &str = "vmscan";
const BEGIN: &str = "mm_vmscan_direct_reclaim_begin";
const END: &str = "mm_vmscan_direct_reclaim_end";

pub fn main() -> ! {
    bpfbin::main("drsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("dpt")?;
    bpfbin::init_logging(args.verbose);

    let end = Tracefs::open()?.format(CATEGORY, END)?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        tid: args.tid.unwrap_or(0),
        nr_reclaimed: end.require("nr_reclaimed", &format!("{CATEGORY}:{END}"))?,
        vm_zone_stat: if args.extended { kallsyms::address("vm_zone_stat")? } else { 0 },
        ..Config::default()
    };
    // SAFETY: sysconf has no preconditions.
    let page_kib = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64 / 1024).max(1);

    let mut ebpf = load(OBJECT, &config, None)?;
    for tracepoint in [BEGIN, END] {
        attach_tracepoint(&mut ebpf, CATEGORY, tracepoint)?;
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(write_error)?;
    }
    out.flush()?;
    events.run(args.duration.map(Duration::from_secs), &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        let free_kib = args.extended.then_some(event.nr_free_pages * page_kib);
        if args.json { print_json(out, &event, free_kib) } else { print_columns(out, &event, free_kib) }
    })
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    match args.duration {
        Some(secs) => writeln!(out, "Tracing direct reclaim events for {secs} secs.")?,
        None => writeln!(out, "Tracing direct reclaim events... Hit Ctrl-C to end.")?,
    }
    write!(out, "{:<8} {:<16} {:<6} {:>8} {:>5}", "TIME", "COMM", "TID", "LAT(ms)", "PAGES")?;
    if args.extended {
        write!(out, " {:>8}", "FREE(KB)")?;
    }
    writeln!(out)
}

fn print_columns(out: &mut Output, e: &Event, free_kib: Option<u64>) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    out.write_all(b" ")?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    let pad = 16usize.saturating_sub(comm.len());
    write!(out, "{:pad$} {:<6} {:>8} {:>5}", "", e.tid, Fixed(e.delta_ns as f64 / 1e6, 3), e.nr_reclaimed)?;
    if let Some(kib) = free_kib {
        write!(out, " {kib:>8}")?;
    }
    writeln!(out)
}

fn print_json(out: &mut Output, e: &Event, free_kib: Option<u64>) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"tid\":{},\"comm\":", unix_micros(), e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"latency_ns\":{},\"pages\":{}", e.delta_ns, e.nr_reclaimed)?;
    if let Some(kib) = free_kib {
        write!(out, ",\"free_kb\":{kib}")?;
    }
    writeln!(out, "}}")
}
