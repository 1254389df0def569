//! capable: trace security capability checks, as libbpf-tools' capable does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use aya::maps::{MapData, StackTraceMap};
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_kprobe, load_resized},
        maps::set_cgroup,
    },
    kernel::version::kernel_version,
    output::{
        Output,
        text::{c_str, quoted, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    symbols::{
        kallsyms,
        usersyms::{Process, UserSymbols},
    },
};
use bpfbin_common::capable::{Config, DEFAULT_STACK_STORAGE_SIZE, Event, UNIQUE_CGROUP, UNIQUE_OFF, UNIQUE_PID};

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
#[derive(FromArgs)]
#[argh(example = "capable                  # trace capability checks")]
#[argh(example = "capable -p 185           # trace this PID only")]
#[argh(example = "capable -c CG            # trace processes under cgroup path CG")]
#[argh(example = "capable -K               # add kernel stacks to trace")]
#[argh(example = "capable -U               # add user-space stacks to trace")]
#[argh(example = "capable -x               # extra fields: show TID and INSETID columns")]
#[argh(example = "capable -u pid           # each capability once per process (or: cgroup)")]
#[argh(example = "capable --json           # one JSON object per line")]
struct Args {
    /// trace this PID only
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// trace processes in this cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// output kernel stack trace
    #[argh(switch, short = 'K')]
    kernel_stack: bool,
    /// output user stack trace
    #[argh(switch, short = 'U')]
    user_stack: bool,
    /// extra fields: show TID and INSETID columns
    #[argh(switch, short = 'x')]
    extra_fields: bool,
    /// print each capability once per: pid | cgroup
    #[argh(option, short = 'u', from_str_fn(unique))]
    unique: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// the limit for both kernel and user stack traces (default 127)
    #[argh(option, from_str_fn(stack_depth), default = "MAX_STACK_DEPTH")]
    perf_max_stack_depth: usize,
    /// the number of unique stack traces that can be stored and displayed (default 1024)
    #[argh(option, from_str_fn(positive), default = "DEFAULT_STACK_STORAGE_SIZE")]
    stack_storage_size: u32,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

/// The frames the kernel keeps of each stack in `STACKS` (its value is 127
/// addresses), and so the deepest stack it can show.
const MAX_STACK_DEPTH: usize = 127;

/// `--perf-max-stack-depth`: libbpf-tools sizes its map's values with it;
/// aya cannot resize a value, so the map keeps 127 frames and only this many
/// are shown, which prints the same stacks.
fn stack_depth(value: &str) -> std::result::Result<usize, String> {
    match value.parse() {
        Ok(n) if (1..=MAX_STACK_DEPTH).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to {MAX_STACK_DEPTH}")),
    }
}

fn unique(value: &str) -> std::result::Result<u32, String> {
    match value {
        "pid" => Ok(UNIQUE_PID),
        "cgroup" => Ok(UNIQUE_CGROUP),
        _ => Err(format!("unknown unique type {}: pid or cgroup", quoted(value.as_bytes()))),
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
        kernel_stack: args.kernel_stack as u32,
        user_stack: args.user_stack as u32,
    };
    let mut ebpf = load_resized(OBJECT, &config, &[("STACKS", args.stack_storage_size)])?;
    if let Some(cgroup) = &args.cgroup {
        set_cgroup(&mut ebpf, cgroup)?;
    }
    // Kernel symbols are read before attaching: once attached, the tool is
    // ready to print stacks.
    let mut stacks = Stacks {
        map: StackTraceMap::try_from(
            ebpf.take_map("STACKS").ok_or_else(|| Error::new("the eBPF object has no map STACKS"))?,
        )
        .map_err(|err| Error::context("STACKS", err))?,
        kernel: args.kernel_stack.then(kallsyms::Symbols::load).transpose()?,
        user: args.user_stack.then(UserSymbols::new),
        depth: args.perf_max_stack_depth,
        verbose: args.verbose,
    };
    // The return probe first: probes on one address run newest first, so the
    // entry probe then takes its stacks before the return probe replaces the
    // return address with its trampoline, where kernels before 5.16 stop
    // unwinding.
    attach_kprobe(&mut ebpf, "cap_capable_return", "cap_capable")?;
    attach_kprobe(&mut ebpf, "cap_capable", "cap_capable")?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        print_header(&mut out, args.extra_fields).map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json {
            print_json(out, &event, &mut stacks)
        } else {
            print_columns(out, &event, args.extra_fields)?;
            stacks.print(out, &event)
        }
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

/// `-K`, `-U`: the stacks events refer to, and what names their frames.
struct Stacks {
    map: StackTraceMap<MapData>,
    kernel: Option<kallsyms::Symbols>,
    user: Option<UserSymbols>,
    /// `--perf-max-stack-depth`: the innermost frames shown of each stack.
    depth: usize,
    verbose: bool,
}

impl Stacks {
    /// Each stack after its event line, as libbpf-tools' capable: one
    /// function a line (`#N ADDRESS name+0xOFFSET` with -v), then a line
    /// naming the process. A missed user stack skips that line, as there.
    fn print(&mut self, out: &mut Output, e: &Event) -> std::io::Result<()> {
        let mut index = 0;
        if let Some(symbols) = &self.kernel {
            match frames(&self.map, e.kernel_stack_id, self.depth) {
                Some(frames) => {
                    for ip in frames {
                        match (symbols.find(ip), self.verbose) {
                            (Some((name, _)), false) => writeln!(out, "    {name}")?,
                            (None, false) => writeln!(out, "    Unknown")?,
                            (Some((name, offset)), true) => {
                                writeln!(out, "    #{index:<2} {ip:#x} {name}+{offset:#x}")?
                            }
                            (None, true) => writeln!(out, "    #{index:<2} {ip:#x} [unknown]")?,
                        }
                        index += 1;
                    }
                }
                None => missed(out, "    [Missed Kernel Stack]")?,
            }
        }
        if let Some(symbols) = &mut self.user {
            let Some(frames) = frames(&self.map, e.user_stack_id, self.depth) else {
                return missed(out, "    [Missed User Stack]");
            };
            let process = Process::read(e.pid);
            for ip in frames {
                let frame = symbols.find(&process, ip);
                if !self.verbose {
                    match frame.and_then(|frame| frame.function) {
                        Some((name, _)) => writeln!(out, "    {name}")?,
                        None => writeln!(out, "    [unknown]")?,
                    }
                    continue;
                }
                write!(out, "    #{index:<2} {ip:#018x}")?;
                if let Some(frame) = frame {
                    if let Some((name, offset)) = frame.function {
                        write!(out, " {name}+{offset:#x}")?;
                    }
                    write!(out, " ({}+{:#x})", frame.file, frame.file_offset)?;
                }
                writeln!(out)?;
                index += 1;
            }
        }
        if self.kernel.is_some() || self.user.is_some() {
            write!(out, "    {:<16} ", "-")?;
            write_text(out, c_str(&e.comm))?;
            writeln!(out, " ({})", e.pid)?;
        }
        Ok(())
    }

    /// `"kernel_stack"`/`"user_stack"` members: the frames as
    /// `{"ip":N,"symbol":"name","offset":N}` (symbol null when unknown), or
    /// null when the stack was missed.
    fn write_json(&mut self, out: &mut Output, e: &Event) -> std::io::Result<()> {
        if let Some(symbols) = &self.kernel {
            write!(out, ",\"kernel_stack\":")?;
            write_json_frames(out, frames(&self.map, e.kernel_stack_id, self.depth), |ip| {
                symbols.find(ip).map(|(name, offset)| (name.to_owned(), offset))
            })?;
        }
        if let Some(symbols) = &mut self.user {
            write!(out, ",\"user_stack\":")?;
            let process = Process::read(e.pid);
            write_json_frames(out, frames(&self.map, e.user_stack_id, self.depth), |ip| {
                let (name, offset) = symbols.find(&process, ip)?.function?;
                Some((name.to_owned(), offset))
            })?;
        }
        Ok(())
    }
}

/// The innermost `depth` frames of stack `id`, innermost first; None when
/// it was not recorded (a negative id: the helper's error) or is gone.
fn frames(map: &StackTraceMap<MapData>, id: i32, depth: usize) -> Option<Vec<u64>> {
    let Ok(id) = u32::try_from(id) else {
        log::debug!("stack not recorded: bpf_get_stackid() returned {id}");
        return None;
    };
    let stack = map.get(&id, 0).ok()?;
    Some(stack.frames().iter().take(depth).map(|frame| frame.ip).collect())
}

/// A missed stack, on stderr as in libbpf-tools: after the event line it
/// belongs to, so that line is flushed first.
fn missed(out: &mut Output, message: &str) -> std::io::Result<()> {
    Write::flush(out)?;
    eprintln!("{message}");
    Ok(())
}

fn write_json_frames(
    out: &mut Output,
    frames: Option<Vec<u64>>,
    mut find: impl FnMut(u64) -> Option<(String, u64)>,
) -> std::io::Result<()> {
    let Some(frames) = frames else { return write!(out, "null") };
    write!(out, "[")?;
    for (i, ip) in frames.into_iter().enumerate() {
        write!(out, "{}{{\"ip\":{ip},\"symbol\":", if i == 0 { "" } else { "," })?;
        match find(ip) {
            Some((name, offset)) => {
                write_json_str(out, name.as_bytes())?;
                write!(out, ",\"offset\":{offset}}}")?;
            }
            None => write!(out, "null}}")?,
        }
    }
    write!(out, "]")
}

fn print_json(out: &mut Output, e: &Event, stacks: &mut Stacks) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"uid\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.uid, e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(
        out,
        ",\"cap\":{},\"name\":\"{}\",\"audit\":{},\"verdict\":\"{}\",\"insetid\":{},\"ret\":{}",
        e.cap,
        name(e),
        e.audit,
        verdict(e),
        e.insetid,
        e.ret
    )?;
    stacks.write_json(out, e)?;
    writeln!(out, "}}")
}
