//! bindsnoop: trace bind() of IPv4 and IPv6 sockets, as libbpf-tools'
//! bindsnoop does, from the `syscalls:sys_{enter,exit}_bind` tracepoints
//! (libbpf-tools' kprobes on inet_bind()/inet6_bind() need CONFIG_KPROBES);
//! the socket's protocol, options and interface are read at BTF offsets.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_syscalls, load},
        maps::set_cgroup,
    },
    kernel::{
        btf::{Btf, Member},
        layout::open_btf,
        tracefs::Tracefs,
    },
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::inet::{addrs, fd_walk, fill_ports, ports, sock_offsets},
};
use bpfbin_common::bindsnoop::{BitField, Config, Event, MEMBERS, OPTIONS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/bindsnoop"));

/// Trace bind syscalls.
#[derive(FromArgs)]
#[argh(example = "bindsnoop             # trace all bind syscall")]
#[argh(example = "bindsnoop -t          # include timestamps")]
#[argh(example = "bindsnoop -x          # include errors on output")]
#[argh(example = "bindsnoop -p 1216     # only trace PID 1216")]
#[argh(example = "bindsnoop -c CG       # Trace process under cgroupsPath CG")]
#[argh(example = "bindsnoop -P 80,81    # only trace port 80 and 81")]
#[argh(example = "bindsnoop --json      # one JSON object per line")]
#[argh(note = "Socket options are reported as:
  SOL_IP     IP_FREEBIND              F....
  SOL_IP     IP_TRANSPARENT           .T...
  SOL_IP     IP_BIND_ADDRESS_NO_PORT  ..N..
  SOL_SOCKET SO_REUSEADDR             ...R.
  SOL_SOCKET SO_REUSEPORT             ....r")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// trace process in cgroup (v2) path
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// include errors on output
    #[argh(switch, short = 'x')]
    failed: bool,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// comma-separated list of ports to trace
    #[argh(option, short = 'P', from_str_fn(ports))]
    ports: Option<Vec<u16>>,
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

/// The `OPTS` column's letters, in `OPTIONS` order.
const OPTION_LETTERS: [u8; OPTIONS] = *b"FTNRr";

/// The IP options: `inet_sock` bitfields until Linux 6.5, then bits of
/// `inet_sock.inet_flags`, numbered by an anonymous enum BTF cannot name
/// (INET_FLAGS_FREEBIND...), as libbpf-tools numbers them too.
const IP_OPTIONS: [(&str, u8); 3] = [("freebind", 11), ("transparent", 15), ("bind_address_no_port", 18)];

pub fn main() -> ! {
    bpfbin::main("bindsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("cpP")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let syscalls = tracefs.syscalls(&["bind"], "bind")?;
    let enter_fd = tracefs.format("syscalls", &syscalls[0].enter)?.require("fd", "syscalls:sys_enter_bind")?;
    let mut btf = open_btf(args.btf.as_deref())?;
    let mut config = layout(&mut btf)?;
    config.enter_fd = enter_fd;
    config.exit_ret = syscalls[0].exit_ret;
    config.pid = args.pid.unwrap_or(0);
    config.ignore_errors = (!args.failed).into();
    config.filter_ports = args.ports.is_some().into();
    config.cgroup = args.cgroup.is_some().into();

    let mut ebpf = load(OBJECT, &config, None)?;
    fill_ports(&mut ebpf, "PORTS", args.ports.as_deref().unwrap_or_default())?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    attach_syscalls(&mut ebpf, &syscalls)?;
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

/// Where this kernel keeps what the program reads.
fn layout(btf: &mut Btf) -> Result<Config> {
    let [protocol, bound_dev_if, reuse, reuseport] = MEMBERS;
    let mut opts = [BitField::default(); OPTIONS];
    for (opt, (member, bit)) in opts.iter_mut().zip(IP_OPTIONS) {
        *opt = match btf.member("inet_sock", member)? {
            Some(found) => bit_field(found)?,
            None => BitField { offset: field(btf, ("inet_sock", "inet_flags"))?.offset, shift: bit, bits: 1 },
        };
    }
    opts[3] = field(btf, reuse)?;
    opts[4] = field(btf, reuseport)?;
    Ok(Config {
        walk: fd_walk(btf)?,
        sock: sock_offsets(btf)?,
        protocol: field(btf, protocol)?,
        opts,
        bound_dev_if: field(btf, bound_dev_if)?.offset,
        ..Config::default()
    })
}

/// `member` of struct `name`, as the program reads it.
fn field(btf: &mut Btf, (name, member): (&str, &str)) -> Result<BitField> {
    bit_field(btf.require(name, member)?)
}

/// A member as the program reads it: a bitfield's bits, or all of an integer.
fn bit_field(member: Member) -> Result<BitField> {
    let offset = u16::try_from(member.offset)
        .map_err(|_| bpfbin::Error::new(format!("a member at offset {} is too far to read", member.offset)))?;
    Ok(match member.bitfield {
        Some(b) => BitField { offset, shift: b.bit_offset, bits: b.bits },
        None => BitField { offset, shift: 0, bits: (member.size * 8).min(64) as u8 },
    })
}

fn print_header(out: &mut Output, args: &Args) -> std::io::Result<()> {
    if args.timestamp {
        write!(out, "{:<8} ", "TIME(s)")?;
    }
    writeln!(
        out,
        "{:<7} {:<16} {:<3} {:<5} {:<5} {:<4} {:<5} {:<48}",
        "PID", "COMM", "RET", "PROTO", "OPTS", "IF", "PORT", "ADDR"
    )
}

fn proto(e: &Event) -> &'static str {
    match e.proto {
        6 => "TCP",
        17 => "UDP",
        _ => "UNK",
    }
}

fn opts(e: &Event) -> String {
    OPTION_LETTERS
        .iter()
        .enumerate()
        .map(|(i, &letter)| if e.opts & (1 << i) != 0 { letter as char } else { '.' })
        .collect()
}

fn print_columns(out: &mut Output, args: &Args, e: &Event) -> std::io::Result<()> {
    if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    write!(out, "{:<7} ", e.pid)?;
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    let (addr, _) = addrs(&e.ends);
    writeln!(
        out,
        "{:pad$} {:<3} {:<5} {:<5} {:<4} {:<5} {addr:<48}",
        "",
        e.ret,
        proto(e),
        opts(e),
        e.bound_dev_if,
        e.ends.sport,
        pad = 16usize.saturating_sub(comm.len())
    )
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    let (addr, _) = addrs(&e.ends);
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"comm\":", unix_micros(), e.pid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"ret\":{},\"proto\":\"{}\",\"opts\":\"{}\",\"if\":{},\"port\":{},\"ip\":{},\"addr\":\"{addr}\"}}",
        e.ret,
        proto(e),
        opts(e),
        e.bound_dev_if,
        e.ends.sport,
        addr.version()
    )
}
