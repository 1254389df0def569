//! tcpconnlat: trace TCP connects and show their latency, as libbpf-tools'
//! tcpconnlat does, from `sock:inet_sock_set_state` (no kprobes, no BTF):
//! from CLOSE -> SYN_SENT, in the connecting task, to SYN_SENT -> ESTABLISHED.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::load,
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        decimal::{Fixed, parse_float},
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
    },
    subsystems::inet::{addrs, attach_set_state, set_state_fields},
};
use bpfbin_common::tcpconnlat::{Config, Event};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/tcpconnlat"));

/// Trace TCP connects and show connection latency.
#[derive(FromArgs)]
#[argh(example = "tcpconnlat              # trace every connect with its latency")]
#[argh(example = "tcpconnlat 1            # trace connection latency slower than 1 ms")]
#[argh(example = "tcpconnlat 0.1          # trace connection latency slower than 100 us")]
#[argh(example = "tcpconnlat -t           # include timestamps")]
#[argh(example = "tcpconnlat -p 185       # trace PID 185 only")]
#[argh(example = "tcpconnlat -L           # include LPORT while printing outputs")]
#[argh(example = "tcpconnlat --json       # one JSON object per line")]
struct Args {
    /// only connects slower than this many milliseconds (fractions allowed)
    #[argh(positional, from_str_fn(min_latency))]
    min_ms: Option<u64>,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// trace this PID only
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// include LPORT on output
    #[argh(switch, short = 'L')]
    lport: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

/// Milliseconds, possibly fractional, as whole microseconds above 0
/// (libbpf-tools: `strtod(arg) * 1000`, refused when not above 0).
fn min_latency(value: &str) -> std::result::Result<u64, String> {
    match parse_float(value) {
        Some(ms) if ms.is_finite() && ms * 1000.0 >= 1.0 && ms * 1000.0 < u64::MAX as f64 => Ok((ms * 1000.0) as u64),
        _ => Err("expected a latency in milliseconds of at least 0.001".into()),
    }
}

pub fn main() -> ! {
    bpfbin::main("tcpconnlat", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let config = Config {
        fields: set_state_fields(&Tracefs::open()?)?,
        pid: args.pid.unwrap_or(0),
        min_us: args.min_ms.unwrap_or(0),
        ..Config::default()
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    attach_set_state(&mut ebpf)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    let mut first_ts = None;
    events.run(None, &mut out, |out, record| {
        let Some(e) = read_event::<Event>(record) else { return Ok(()) };
        if args.json {
            print_json(out, &e)
        } else {
            let start = *first_ts.get_or_insert(e.ts_us);
            print_columns(out, &args, &e, start)
        }
    })
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<9} ", "TIME(s)")?;
    }
    write!(out, "{:<6} {:<12} {:<2} {:<16} ", "PID", "COMM", "IP", "SADDR")?;
    if args.lport {
        write!(out, "{:<6} ", "LPORT")?;
    }
    writeln!(out, "{:<16} {:<5} LAT(ms)", "DADDR", "DPORT")
}

fn print_columns(out: &mut Output, args: &Args, e: &Event, start_us: u64) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<9} ", Fixed(e.ts_us.saturating_sub(start_us) as f64 / 1e6, 3))?;
    }
    write!(out, "{:<6} ", e.pid)?;
    // %-12.12s
    let comm = c_str(&e.comm);
    let comm = &comm[..comm.len().min(12)];
    write_text(out, comm)?;
    let (saddr, daddr) = addrs(&e.ends);
    write!(out, "{:pad$} {:<2} {saddr:<16} ", "", saddr.version(), pad = 12 - comm.len())?;
    if args.lport {
        write!(out, "{:<6} ", e.ends.sport)?;
    }
    writeln!(out, "{daddr:<16} {:<5} {}", e.ends.dport, Fixed(e.delta_us as f64 / 1000.0, 2))
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (saddr, daddr) = addrs(&e.ends);
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"comm\":", unix_micros(), e.pid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"ip\":{},\"saddr\":\"{saddr}\",\"lport\":{},\"daddr\":\"{daddr}\",\"dport\":{},\"latency_us\":{}}}",
        saddr.version(),
        e.ends.sport,
        e.ends.dport,
        e.delta_us
    )
}
