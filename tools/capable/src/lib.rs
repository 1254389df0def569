//! capable: trace security capability checks, as libbpf-tools' capable does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    event_loop::{Events, read_record},
    load::{attach_kprobe, load},
    maps::set_cgroup,
    output::Output,
    release::kernel_version,
    text::{c_str, write_json_str, write_text},
    time::{local_hms, unix_micros},
};
use bpfbin_common::capable::{Config, Event, UNIQUE_CGROUP, UNIQUE_OFF, UNIQUE_PID};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/capable"));

/// Names of the capabilities, by number (include/uapi/linux/capability.h).
const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Trace security capability checks (cap_capable()).
///
/// Examples:
///   capable                  # trace capability checks
///   capable -p 185           # trace this PID only
///   capable -c CG            # trace processes under cgroup path CG
///   capable -x               # extra fields: show TID and INSETID columns
///   capable -u pid           # each capability once per process (or: cgroup)
///   capable --json           # one JSON object per line
#[derive(FromArgs)]
struct Args {
    /// trace this PID only
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// trace processes in this cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// extra fields: show TID and INSETID columns
    #[argh(switch, short = 'x')]
    extra_fields: bool,
    /// print each capability once per: pid | cgroup
    #[argh(option, short = 'u', from_str_fn(unique))]
    unique: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

fn unique(value: &str) -> std::result::Result<u32, String> {
    match value {
        "pid" => Ok(UNIQUE_PID),
        "cgroup" => Ok(UNIQUE_CGROUP),
        _ => Err(format!("unknown unique type {value:?}: pid or cgroup")),
    }
}

pub fn main() -> ! {
    bpfbin::main("capable", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pcu")?;
    bpfbin::init_logging(args.verbose);

    let config = Config {
        pid: args.pid.unwrap_or(0),
        self_pid: std::process::id(),
        unique: args.unique.unwrap_or(UNIQUE_OFF),
        cgroup: args.cgroup.is_some() as u32,
        opts_bitmask: kernel_version().is_none_or(|version| version >= (5, 1)) as u32,
    };
    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(cgroup) = &args.cgroup {
        set_cgroup(&mut ebpf, cgroup)?;
    }
    attach_kprobe(&mut ebpf, "cap_capable", "cap_capable")?;
    attach_kprobe(&mut ebpf, "cap_capable_return", "cap_capable")?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, args.extra_fields).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_record::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &event, args.extra_fields) }
    })
}

fn print_header(out: &mut Output, extra_fields: bool) -> std::io::Result<()> {
    if extra_fields {
        writeln!(
            out,
            "{:<8} {:<5} {:<7} {:<7} {:<16} {:<7} {:<20} {:<7} {:<7} {:<7}",
            "TIME", "UID", "PID", "TID", "COMM", "CAP", "NAME", "AUDIT", "VERDICT", "INSETID"
        )
    } else {
        writeln!(
            out,
            "{:<8} {:<5} {:<7} {:<16} {:<7} {:<20} {:<7} {:<7}",
            "TIME", "UID", "PID", "COMM", "CAP", "NAME", "AUDIT", "VERDICT"
        )
    }
}

fn name(e: &Event) -> &'static str {
    usize::try_from(e.cap).ok().and_then(|cap| CAP_NAMES.get(cap)).copied().unwrap_or("?")
}

fn verdict(e: &Event) -> &'static str {
    if e.ret == 0 { "allow" } else { "deny" }
}

fn print_columns(out: &mut Output, e: &Event, extra_fields: bool) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    write!(out, " {:<5} {:<7} ", e.uid, e.pid)?;
    if extra_fields {
        write!(out, "{:<7} ", e.tid)?;
    }
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    write!(out, "{:width$} ", "", width = 16usize.saturating_sub(comm.len()))?;
    write!(out, "{:<7} {:<20} {:<7} {:<7}", e.cap, name(e), e.audit, verdict(e))?;
    if extra_fields {
        write!(out, " {:<7}", e.insetid)?;
    }
    writeln!(out)
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"uid\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.uid, e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    writeln!(
        out,
        ",\"cap\":{},\"name\":\"{}\",\"audit\":{},\"verdict\":\"{}\",\"insetid\":{},\"ret\":{}}}",
        e.cap,
        name(e),
        e.audit,
        verdict(e),
        e.insetid,
        e.ret
    )
}
