//! softirqslower: soft interrupts that waited for their handler, or ran in
//! it, longer than a threshold, one line each, as libbpf-tools'
//! softirqslower prints them.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{positive, usage_error},
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
        write_error,
    },
    subsystems::irqs::softirq_vec,
};
use bpfbin_common::{
    irqs::{ANY_CPU, SOFTIRQ_NAMES},
    softirqslower::{Config, Event, STAGES},
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/softirqslower"));

/// libbpf-tools' threshold when none is given.
const DEFAULT_MIN_US: u64 = 10000;

/// Trace slow soft IRQ (interrupt).
#[derive(FromArgs)]
#[argh(example = "softirqslower        # trace softirq latency higher than 10000 us (default)")]
#[argh(example = "softirqslower 100000 # trace softirq latency higher than 100000 us")]
#[argh(example = "softirqslower -c 1   # trace softirq latency on CPU 1 only")]
#[argh(example = "softirqslower --json # one JSON object per line")]
struct Args {
    /// trace this CPU only
    #[argh(option, short = 'c')]
    cpu: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// show the softirqs that waited or ran at least this many microseconds
    /// (default 10000)
    #[argh(positional, from_str_fn(positive))]
    min_us: Option<u64>,
}

pub fn main() -> ! {
    bpfbin::main("softirqslower", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("c")?;
    bpfbin::init_logging(args.verbose);
    let min_us = args.min_us.unwrap_or(DEFAULT_MIN_US);
    if let Some(cpu) = args.cpu {
        check_cpu(cpu)?;
    }

    let config = Config {
        min_ns: min_us.saturating_mul(1000),
        cpu: args.cpu.unwrap_or(ANY_CPU),
        vec: softirq_vec(&Tracefs::open()?)?,
        _pad: 0,
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    for tracepoint in ["softirq_raise", "softirq_entry", "softirq_exit"] {
        attach_tracepoint(&mut ebpf, "irq", tracepoint)?;
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, min_us).map_err(write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &event) }
    })
}

/// `-c` names a possible CPU, as libbpf-tools checks; where the kernel does
/// not say how many there are, any number passes, as there.
fn check_cpu(cpu: u32) -> Result<()> {
    match aya::util::nr_cpus() {
        Ok(cpus) if cpu >= cpus.get() => {
            Err(usage_error::<Args>(format!("cpu {cpu} out of range, system has {cpus} CPUs (0-{})", cpus.get() - 1)))
        }
        _ => Ok(()),
    }
}

fn print_header(out: &mut Output, min_us: u64) -> std::io::Result<()> {
    writeln!(out, "Tracing softirq latency higher than {min_us} us... Hit Ctrl-C to end.")?;
    writeln!(out, "{:<8} {:<20} {:<8} {:<14} {:<6} {:<16}", "TIME", "STAGE", "SOFTIRQ", "LAT(us)", "CPU", "COMM")
}

/// The stage's and the vector's names, "unknown" as libbpf-tools prints
/// numbers it has no name for.
fn names(e: &Event) -> (&'static str, &'static str) {
    let name = |names: &[&'static str], n: u32| names.get(n as usize).copied().unwrap_or("unknown");
    (name(&STAGES, e.stage), name(&SOFTIRQ_NAMES, e.vec))
}

fn print_columns(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (stage, softirq) = names(e);
    out.write_all(&local_hms())?;
    write!(out, " {stage:<20} {softirq:<8} {:<14} {:<6} ", e.delta_ns / 1000, e.cpu)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    writeln!(out, "{:width$}", "", width = 16usize.saturating_sub(comm.len()))
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (stage, softirq) = names(e);
    write!(
        out,
        "{{\"ts_us\":{},\"stage\":\"{stage}\",\"softirq\":\"{softirq}\",\"latency_ns\":{},\"cpu\":{},\"comm\":",
        unix_micros(),
        e.delta_ns,
        e.cpu
    )?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(out, "}}")
}
