//! tcpretrans: trace or count TCP retransmits and tail loss probes, as BCC's
//! tcpretrans does (libbpf-tools has none): retransmits from the tracepoint
//! `tcp:tcp_retransmit_skb` (no BTF), loss probes (`-l`) from a kprobe on
//! `tcp_send_loss_probe()`, which has no tracepoint on any kernel.

use std::{collections::BTreeMap, io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::usage_error,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_kprobe, attach_tracepoint, load},
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        time::{local_hms, unix_micros},
    },
    subsystems::inet::{Addr, addrs, family, sk_skb_fields, sock_offsets, state_name},
};
use bpfbin_common::tcpretrans::{Config, Event, LOSS_PROBE, SEQ_MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/tcpretrans"));

/// Trace TCP retransmits.
#[derive(FromArgs)]
#[argh(example = "tcpretrans           # trace TCP retransmits")]
#[argh(example = "tcpretrans -l        # include TLP attempts")]
#[argh(example = "tcpretrans -s        # display TCP sequence numbers")]
#[argh(example = "tcpretrans -4        # trace IPv4 family only")]
#[argh(example = "tcpretrans -6        # trace IPv6 family only")]
#[argh(example = "tcpretrans -c        # count retransmits per flow, shown at Ctrl-C")]
#[argh(example = "tcpretrans --json    # one JSON object per line")]
struct Args {
    /// display TCP sequence numbers (needs BTF)
    #[argh(switch, short = 's')]
    sequence: bool,
    /// include tail loss probe attempts (needs kprobes and BTF)
    #[argh(switch, short = 'l')]
    lossprobe: bool,
    /// count occurred retransmits per flow
    #[argh(switch, short = 'c')]
    count: bool,
    /// trace IPv4 family only
    #[argh(switch, short = '4')]
    ipv4: bool,
    /// trace IPv6 family only
    #[argh(switch, short = '6')]
    ipv6: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event (per flow with -c) instead of columns
    #[argh(switch)]
    json: bool,
    /// kernel BTF file for -l and -s, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

const TRACEPOINT: &str = "tcp_retransmit_skb";
const LOSS_PROBE_FUNCTION: &str = "tcp_send_loss_probe";

pub fn main() -> ! {
    bpfbin::main("tcpretrans", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("")?;
    bpfbin::init_logging(args.verbose);
    let family = family(args.ipv4, args.ipv6).ok_or_else(|| usage_error::<Args>("-4 and -6 exclude each other"))?;

    let mut config = Config { fields: sk_skb_fields(&Tracefs::open()?, TRACEPOINT)?, family, ..Config::default() };
    if args.lossprobe || args.sequence {
        let mut btf = open_btf(args.btf.as_deref())?;
        if args.lossprobe {
            config.sock = sock_offsets(&mut btf)?;
        }
        if args.sequence {
            let [cb, seq] = offsets(&mut btf, &SEQ_MEMBERS)?;
            config.skb_seq = cb + seq;
        }
    }
    let mut ebpf = load(OBJECT, &config, None)?;
    attach_tracepoint(&mut ebpf, "tcp", TRACEPOINT)?;
    if args.lossprobe {
        attach_kprobe(&mut ebpf, LOSS_PROBE_FUNCTION, LOSS_PROBE_FUNCTION)?;
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing retransmits ... Hit Ctrl-C to end").map_err(bpfbin::output::write_error)?;
        if !args.count {
            let state = if args.sequence { format!("{:<12} {:<10}", "STATE", "SEQ") } else { "STATE".into() };
            writeln!(
                out,
                "{:<8} {:<7} {:<2} {:<20} T> {:<20} {state}",
                "TIME", "PID", "IP", "LADDR:LPORT", "RADDR:RPORT"
            )
            .map_err(bpfbin::output::write_error)?;
        }
    }
    out.flush()?;
    // -c counts here, not in a kernel map as BCC does: that needs atomic
    // adds, which the 32-bit Arm JIT cannot compile; retransmits are few.
    let mut flows = BTreeMap::new();
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.count {
            *flows.entry(Flow::of(&event)).or_insert(0u64) += 1;
            Ok(())
        } else if args.json {
            print_json(out, &event, args.sequence)
        } else {
            print_columns(out, &event, args.sequence)
        }
    })?;
    if args.count {
        print_counts(&mut out, &flows, args.json).map_err(bpfbin::output::write_error)?;
        out.flush()?;
    }
    Ok(())
}

/// One direction of a connection, as `-c` counts them: by family first, so
/// IPv4 flows print before IPv6 ones, as in BCC.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Flow {
    laddr: Addr,
    lport: u16,
    raddr: Addr,
    rport: u16,
}

impl Flow {
    fn of(e: &Event) -> Self {
        let (laddr, raddr) = addrs(&e.ends);
        Self { laddr, lport: e.ends.sport, raddr, rport: e.ends.dport }
    }
}

fn kind(e: &Event) -> char {
    if e.kind == LOSS_PROBE { 'L' } else { 'R' }
}

fn print_columns(out: &mut Output, e: &Event, sequence: bool) -> std::io::Result<()> {
    let (laddr, raddr) = addrs(&e.ends);
    out.write_all(&local_hms())?;
    write!(
        out,
        " {:<7} {:<2} {:<20} {}> {:<20} ",
        e.pid,
        laddr.version(),
        format!("{laddr}:{}", e.ends.sport),
        kind(e),
        format!("{raddr}:{}", e.ends.dport),
    )?;
    if sequence {
        writeln!(out, "{:<12} {}", state_name(e.state), e.seq)
    } else {
        writeln!(out, "{}", state_name(e.state))
    }
}

fn print_json(out: &mut Output, e: &Event, sequence: bool) -> std::io::Result<()> {
    let (laddr, raddr) = addrs(&e.ends);
    write!(
        out,
        "{{\"ts_us\":{},\"pid\":{},\"ip\":{},\"laddr\":\"{laddr}\",\"lport\":{},\"raddr\":\"{raddr}\",\"rport\":{},\
         \"type\":\"{}\",\"state\":\"{}\"",
        unix_micros(),
        e.pid,
        laddr.version(),
        e.ends.sport,
        e.ends.dport,
        kind(e),
        state_name(e.state)
    )?;
    if sequence {
        write!(out, ",\"seq\":{}", e.seq)?;
    }
    writeln!(out, "}}")
}

/// BCC's summary: flows by ascending count, IPv4 ones first.
fn print_counts(out: &mut Output, flows: &BTreeMap<Flow, u64>, json: bool) -> std::io::Result<()> {
    let mut flows: Vec<(&Flow, &u64)> = flows.iter().collect();
    flows.sort_by_key(|(flow, count)| (flow.laddr.version(), **count));
    if !json {
        writeln!(out, "\n{:<25} {:<25} {:<10}", "LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS")?;
    }
    for (f, count) in flows {
        if json {
            writeln!(
                out,
                "{{\"ip\":{},\"laddr\":\"{}\",\"lport\":{},\"raddr\":\"{}\",\"rport\":{},\"retransmits\":{count}}}",
                f.laddr.version(),
                f.laddr,
                f.lport,
                f.raddr,
                f.rport
            )?;
        } else {
            let (local, remote) = (format!("[{}]#{}", f.laddr, f.lport), format!("[{}]#{}", f.raddr, f.rport));
            writeln!(out, "{local:<20} <-> {remote:<20} {count:>10}")?;
        }
    }
    Ok(())
}
