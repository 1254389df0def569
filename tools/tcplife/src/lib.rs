//! tcplife: trace the lifespan of TCP sessions, as libbpf-tools' tcplife
//! does, from `sock:inet_sock_set_state`; the byte counts come from
//! `struct tcp_sock` members whose offsets BTF gives.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{positive, usage_error},
    bpf::{
        event_loop::{Events, read_event},
        load::load,
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::inet::{addrs, attach_set_state, family, fill_ports, ports, set_state_fields},
};
use bpfbin_common::tcplife::{Config, Event, MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/tcplife"));

/// Trace the lifespan of TCP sessions and summarize.
#[derive(FromArgs)]
#[argh(example = "tcplife -p 1215             # only trace PID 1215")]
#[argh(example = "tcplife -p 1215 -4          # trace IPv4 only")]
#[argh(example = "tcplife --json              # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// trace IPv4 only
    #[argh(switch, short = '4')]
    ipv4: bool,
    /// trace IPv6 only
    #[argh(switch, short = '6')]
    ipv6: bool,
    /// wide column output (fits IPv6 addresses)
    #[argh(switch, short = 'w')]
    wide: bool,
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    time: bool,
    /// comma-separated list of local ports to trace
    #[argh(option, short = 'L', from_str_fn(ports))]
    localport: Option<Vec<u16>>,
    /// comma-separated list of remote ports to trace
    #[argh(option, short = 'D', from_str_fn(ports))]
    remoteport: Option<Vec<u16>>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// kernel BTF file, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

pub fn main() -> ! {
    bpfbin::main("tcplife", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pLD")?;
    bpfbin::init_logging(args.verbose);
    let family = family(args.ipv4, args.ipv6).ok_or_else(|| usage_error::<Args>("-4 and -6 exclude each other"))?;

    let [bytes_received, bytes_acked] = offsets(&mut open_btf(args.btf.as_deref())?, &MEMBERS)?;
    let config = Config {
        fields: set_state_fields(&Tracefs::open()?)?,
        pid: args.pid.unwrap_or(0),
        family,
        filter_sports: args.localport.is_some().into(),
        filter_dports: args.remoteport.is_some().into(),
        bytes_received,
        bytes_acked,
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    fill_ports(&mut ebpf, "SPORTS", args.localport.as_deref().unwrap_or_default())?;
    fill_ports(&mut ebpf, "DPORTS", args.remoteport.as_deref().unwrap_or_default())?;
    attach_set_state(&mut ebpf)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    let width = if args.wide { 39 } else { 15 };
    if !args.json {
        if args.time {
            write!(out, "{:<8} ", "TIME(s)").map_err(bpfbin::output::write_error)?;
        }
        writeln!(
            out,
            "{:<7} {:<16} {:<width$} {:<5} {:<width$} {:<5} {:<6} {:<6} MS",
            "PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB"
        )
        .map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &args, &event, width) }
    })
}

fn print_columns(out: &mut Output, args: &Args, e: &Event, width: usize) -> std::io::Result<()> {
    if args.time {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    write!(out, "{:<7} ", e.pid)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    let (laddr, raddr) = addrs(&e.ends);
    writeln!(
        out,
        "{:pad$} {laddr:<width$} {:<5} {raddr:<width$} {:<5} {:<6} {:<6} {}",
        "",
        e.ends.sport,
        e.ends.dport,
        Fixed(e.tx_bytes as f64 / 1024.0, 2),
        Fixed(e.rx_bytes as f64 / 1024.0, 2),
        Fixed(e.span_us as f64 / 1000.0, 2),
        pad = 16usize.saturating_sub(comm.len())
    )
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (laddr, raddr) = addrs(&e.ends);
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"comm\":", unix_micros(), e.pid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"ip\":{},\"laddr\":\"{laddr}\",\"lport\":{},\"raddr\":\"{raddr}\",\"rport\":{},\
         \"tx_bytes\":{},\"rx_bytes\":{},\"span_us\":{}}}",
        laddr.version(),
        e.ends.sport,
        e.ends.dport,
        e.tx_bytes,
        e.rx_bytes,
        e.span_us
    )
}
