//! tcpstates: trace TCP state changes and the time spent in each state, as
//! libbpf-tools' tcpstates does, from `sock:inet_sock_set_state` (no BTF).

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Result,
    args::usage_error,
    bpf::{
        event_loop::{Events, read_event},
        load::load,
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::inet::{addrs, attach_set_state, family, fill_ports, ports, set_state_fields, state_name},
};
use bpfbin_common::tcpstates::{Config, Event};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/tcpstates"));

/// Trace TCP session state changes and durations.
#[derive(FromArgs)]
#[argh(example = "tcpstates                  # trace all TCP state changes")]
#[argh(example = "tcpstates -T               # include timestamps")]
#[argh(example = "tcpstates -L 80            # only trace local port 80")]
#[argh(example = "tcpstates -D 80            # only trace remote port 80")]
#[argh(example = "tcpstates --json           # one JSON object per line")]
struct Args {
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// trace IPv4 family only
    #[argh(switch, short = '4')]
    ipv4: bool,
    /// trace IPv6 family only
    #[argh(switch, short = '6')]
    ipv6: bool,
    /// wide column output (fits IPv6 addresses)
    #[argh(switch, short = 'w')]
    wide: bool,
    /// comma-separated list of local ports to trace
    #[argh(option, short = 'L', from_str_fn(ports))]
    localport: Option<Vec<u16>>,
    /// comma-separated list of remote ports to trace
    #[argh(option, short = 'D', from_str_fn(ports))]
    remoteport: Option<Vec<u16>>,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

pub fn main() -> ! {
    bpfbin::main("tcpstates", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("LD")?;
    bpfbin::init_logging(args.verbose);
    let family = family(args.ipv4, args.ipv6).ok_or_else(|| usage_error::<Args>("-4 and -6 exclude each other"))?;

    let config = Config {
        fields: set_state_fields(&Tracefs::open()?)?,
        family,
        filter_sports: args.localport.is_some().into(),
        filter_dports: args.remoteport.is_some().into(),
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    fill_ports(&mut ebpf, "SPORTS", args.localport.as_deref().unwrap_or_default())?;
    fill_ports(&mut ebpf, "DPORTS", args.remoteport.as_deref().unwrap_or_default())?;
    attach_set_state(&mut ebpf)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &args, &event) }
    })
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<8} ", "TIME(s)")?;
    }
    let (comm, ip, addr) = if args.wide { (16, "IP ", 39) } else { (10, "", 15) };
    writeln!(
        out,
        "{:<16} {:<7} {:<comm$} {ip}{:<addr$} {:<5} {:<addr$} {:<5} {:<11} -> {:<11} MS",
        "SKADDR", "PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE"
    )
}

fn print_columns(out: &mut Output, args: &Args, e: &Event) -> std::io::Result<()> {
    if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    write!(out, "{:<16x} {:<7} ", e.skaddr, e.pid)?;
    let comm = c_str(&e.comm);
    // %-10.10s cuts the comm; %-16s, wide, never needs to.
    let (comm, width) = if args.wide { (comm, 16) } else { (&comm[..comm.len().min(10)], 10) };
    write_text(out, comm)?;
    write!(out, "{:pad$} ", "", pad = width - comm.len())?;
    let (laddr, raddr) = addrs(&e.ends);
    let addr = if args.wide {
        write!(out, "{:<2} ", laddr.version())?;
        39
    } else {
        15
    };
    writeln!(
        out,
        "{laddr:<addr$} {:<5} {raddr:<addr$} {:<5} {:<11} -> {:<11} {}",
        e.ends.sport,
        e.ends.dport,
        state_name(e.oldstate),
        state_name(e.newstate),
        Fixed(e.delta_us as f64 / 1000.0, 3)
    )
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (laddr, raddr) = addrs(&e.ends);
    write!(out, "{{\"ts_us\":{},\"skaddr\":\"{:x}\",\"pid\":{},\"comm\":", unix_micros(), e.skaddr, e.pid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"ip\":{},\"laddr\":\"{laddr}\",\"lport\":{},\"raddr\":\"{raddr}\",\"rport\":{},\
         \"oldstate\":\"{}\",\"newstate\":\"{}\",\"delta_us\":{}}}",
        laddr.version(),
        e.ends.sport,
        e.ends.dport,
        state_name(e.oldstate),
        state_name(e.newstate),
        e.delta_us
    )
}
