//! solisten: trace listen() on IPv4 and IPv6 sockets, as libbpf-tools'
//! solisten does, from the `syscalls:sys_{enter,exit}_listen` tracepoints
//! (libbpf-tools probes inet_listen(), which needs kprobes or fexit); the
//! socket's type, address and port are read at BTF offsets.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_syscalls, load},
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    subsystems::inet::{addrs, fd_walk, sock_offsets},
};
use bpfbin_common::solisten::{Config, Event, MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/solisten"));

/// Trace IPv4 and IPv6 listen syscalls.
#[derive(FromArgs)]
#[argh(example = "solisten           # trace listen syscalls")]
#[argh(example = "solisten -t        # output with timestamp")]
#[argh(example = "solisten -p 1216   # only trace PID 1216")]
#[argh(example = "solisten --json    # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
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
    bpfbin::main("solisten", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let syscalls = tracefs.syscalls(&["listen"], "listen")?;
    let enter = tracefs.format("syscalls", &syscalls[0].enter)?;
    let mut btf = open_btf(args.btf.as_deref())?;
    let [socket_type] = offsets(&mut btf, &MEMBERS)?;
    let config = Config {
        walk: fd_walk(&mut btf)?,
        sock: sock_offsets(&mut btf)?,
        socket_type,
        enter_fd: enter.require("fd", "syscalls:sys_enter_listen")?,
        enter_backlog: enter.require("backlog", "syscalls:sys_enter_listen")?,
        exit_ret: syscalls[0].exit_ret,
        pid: args.pid.unwrap_or(0),
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    attach_syscalls(&mut ebpf, &syscalls)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        if args.timestamp {
            write!(out, "{:<8} ", "TIME(s)").map_err(bpfbin::output::write_error)?;
        }
        writeln!(
            out,
            "{:<7} {:<16} {:<3} {:<7} {:<5} {:<5} {:<32}",
            "PID", "COMM", "RET", "BACKLOG", "PROTO", "PORT", "ADDR"
        )
        .map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &args, &event) }
    })
}

/// "TCPv4", "UDPv6"... as libbpf-tools names the socket's type and family.
fn proto(e: &Event) -> String {
    let kind = match e.socket_type {
        1 => "TCP",
        2 => "UDP",
        _ => "UNK",
    };
    let (addr, _) = addrs(&e.ends);
    format!("{kind}v{}", addr.version())
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
        "{:pad$} {:<3} {:<7} {:<5} {:<5} {addr:<32}",
        "",
        e.ret,
        e.backlog,
        proto(e),
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
        ",\"ret\":{},\"backlog\":{},\"proto\":\"{}\",\"port\":{},\"addr\":\"{addr}\"}}",
        e.ret,
        e.backlog,
        proto(e),
        e.ends.sport
    )
}
