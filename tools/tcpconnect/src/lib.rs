//! tcpconnect: trace or count active TCP connections, as libbpf-tools'
//! tcpconnect does, from `sock:inet_sock_set_state` (no kprobes, no BTF;
//! see docs/design.md for why that change marks the same connects).

use std::{collections::HashMap, io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{positive, uid},
    bpf::{
        event_loop::{Events, read_event},
        load::load,
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        decimal::Fixed,
        text::{c_str, write_json_str, write_text},
        time::unix_micros,
    },
    subsystems::inet::{Addr, addrs, attach_set_state, fill_ports, ports, set_state_fields},
};
use bpfbin_common::tcpconnect::{Config, Event};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/tcpconnect"));

/// Count/Trace active tcp connections.
#[derive(FromArgs)]
#[argh(example = "tcpconnect             # trace all TCP connect()s")]
#[argh(example = "tcpconnect -t          # include timestamps")]
#[argh(example = "tcpconnect -p 181      # only trace PID 181")]
#[argh(example = "tcpconnect -P 80       # only trace port 80")]
#[argh(example = "tcpconnect -P 80,81    # only trace port 80 and 81")]
#[argh(example = "tcpconnect -U          # include UID")]
#[argh(example = "tcpconnect -u 1000     # only trace UID 1000")]
#[argh(example = "tcpconnect -c          # count connects per src, dest, port")]
#[argh(example = "tcpconnect --json      # one JSON object per line")]
struct Args {
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// count connects per src ip and dst ip/port
    #[argh(switch, short = 'c')]
    count: bool,
    /// include UID on output
    #[argh(switch, short = 'U')]
    print_uid: bool,
    /// process PID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// process UID to trace
    #[argh(option, short = 'u', from_str_fn(uid))]
    uid: Option<u32>,
    /// consider source port when counting
    #[argh(switch, short = 's')]
    source_port: bool,
    /// comma-separated list of destination ports to trace
    #[argh(option, short = 'P', from_str_fn(ports))]
    port: Option<Vec<u16>>,
    /// trace cgroups in this map: not implemented, as in libbpf-tools (a
    /// warning, then every cgroup is traced)
    #[argh(option, short = 'C')]
    cgroupmap: Option<PathBuf>,
    /// trace mount namespaces in this map: not implemented, as in
    /// libbpf-tools (a warning, then every mount namespace is traced)
    #[argh(option, short = 'M')]
    mntnsmap: Option<PathBuf>,
    /// print one JSON object per event (with -c, per flow) instead of columns
    #[argh(switch)]
    json: bool,
}

/// One flow of `-c`: source, destination, source port (with `-s`), destination port.
type Flow = (Addr, Addr, u16, u16);

pub fn main() -> ! {
    bpfbin::main("tcpconnect", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("puPCM")?;
    bpfbin::init_logging(args.verbose);
    // Scripts written for libbpf-tools pass them; it warns in these words and traces on.
    for (given, flag) in [(args.cgroupmap.is_some(), "--cgroupmap"), (args.mntnsmap.is_some(), "--mntnsmap")] {
        if given {
            eprintln!("tcpconnect: not implemented: {flag}");
        }
    }

    let config = Config {
        fields: set_state_fields(&Tracefs::open()?)?,
        pid: args.pid.unwrap_or(0),
        uid: args.uid.unwrap_or(u32::MAX),
        source_port: args.source_port.into(),
        filter_ports: args.port.is_some().into(),
        ..Config::default()
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    fill_ports(&mut ebpf, "PORTS", args.port.as_deref().unwrap_or_default())?;
    attach_set_state(&mut ebpf)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    // As in libbpf-tools, counting prints nothing until the end.
    if !args.json && !args.count {
        print_header(&mut out, &args).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    let mut first_ts = None;
    let mut flows: Vec<(Flow, u64)> = Vec::new();
    let mut index: HashMap<Flow, usize> = HashMap::new();
    events.run(None, &mut out, |out, record| {
        let Some(e) = read_event::<Event>(record) else { return Ok(()) };
        let (saddr, daddr) = endpoints(&e);
        if args.count {
            let flow = (saddr, daddr, e.ends.sport, e.ends.dport);
            let at = *index.entry(flow).or_insert_with(|| {
                flows.push((flow, 0));
                flows.len() - 1
            });
            flows[at].1 += 1;
            Ok(())
        } else if args.json {
            print_json(out, &args, &e)
        } else {
            let start = *first_ts.get_or_insert(e.who.ts_us);
            print_columns(out, &args, &e, start)
        }
    })?;
    if args.count {
        print_counts(&mut out, &args, &flows).map_err(bpfbin::output::write_error)?;
        out.flush()?;
    }
    Ok(())
}

/// The connect's addresses. An IPv6 socket connecting to an IPv4-mapped
/// address goes through tcp_v4_connect(), whose kretprobe libbpf-tools
/// reports it by: as IPv4.
fn endpoints(e: &Event) -> (Addr, Addr) {
    let (saddr, daddr) = addrs(&e.ends);
    match daddr.unmapped() {
        Addr::V4(v4) => (saddr.unmapped(), Addr::V4(v4)),
        _ => (saddr, daddr),
    }
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<9}", "TIME(s)")?;
    }
    if args.print_uid {
        write!(out, "{:<6}", "UID")?;
    }
    write!(out, "{:<6} {:<16} {:<2} {:<16} {:<16}", "PID", "COMM", "IP", "SADDR", "DADDR")?;
    if args.source_port {
        write!(out, " {:<5}", "SPORT")?;
    }
    writeln!(out, " {:<5}", "DPORT")
}

fn print_columns(out: &mut Output, args: &Args, e: &Event, start_us: u64) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<9}", Fixed(e.who.ts_us.saturating_sub(start_us) as f64 / 1e6, 3))?;
    }
    if args.print_uid {
        write!(out, "{:<6}", e.who.uid)?;
    }
    write!(out, "{:<6} ", e.who.pid)?;
    let comm = c_str(&e.who.comm);
    write_text(out, comm)?;
    let (saddr, daddr) = endpoints(e);
    write!(
        out,
        "{:pad$} {:<2} {saddr:<16} {daddr:<16}",
        "",
        daddr.version(),
        pad = 16usize.saturating_sub(comm.len())
    )?;
    if args.source_port {
        write!(out, " {:<5}", e.ends.sport)?;
    }
    writeln!(out, " {:<5}", e.ends.dport)
}

fn print_json(out: &mut Output, args: &Args, e: &Event) -> std::io::Result<()> {
    let (saddr, daddr) = endpoints(e);
    write!(out, "{{\"ts_us\":{},\"uid\":{},\"pid\":{},\"comm\":", unix_micros(), e.who.uid, e.who.pid)?;
    write_json_str(out, c_str(&e.who.comm))?;
    write!(out, ",\"ip\":{},\"saddr\":\"{saddr}\",\"daddr\":\"{daddr}\"", daddr.version())?;
    if args.source_port {
        write!(out, ",\"sport\":{}", e.ends.sport)?;
    }
    writeln!(out, ",\"dport\":{}}}", e.ends.dport)
}

/// The table of `-c`, IPv4 flows first, as libbpf-tools prints its two maps.
fn print_counts(out: &mut Output, args: &Args, flows: &[(Flow, u64)]) -> std::io::Result<()> {
    if !args.json {
        write!(out, "\n{:<25} {:<25}", "LADDR", "RADDR")?;
        if args.source_port {
            write!(out, " {:<20}", "LPORT")?;
        }
        writeln!(out, " {:<20} {:<10}", "RPORT", "CONNECTS")?;
    }
    for version in [4, 6] {
        for &((saddr, daddr, sport, dport), count) in flows.iter().filter(|(flow, _)| flow.1.version() == version) {
            if args.json {
                write!(out, "{{\"ip\":{version},\"laddr\":\"{saddr}\",\"raddr\":\"{daddr}\"")?;
                if args.source_port {
                    write!(out, ",\"lport\":{sport}")?;
                }
                writeln!(out, ",\"rport\":{dport},\"connects\":{count}}}")?;
                continue;
            }
            write!(out, "{saddr:<25} {daddr:<25}")?;
            if args.source_port {
                write!(out, " {sport:<20}")?;
            }
            writeln!(out, " {dport:<20} {count:<10}")?;
        }
    }
    Ok(())
}
