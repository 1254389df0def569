//! mountsnoop: trace mount family syscalls, as libbpf-tools' mountsnoop does.

mod names;

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
};
use bpfbin_common::{
    mountsnoop::{
        Config, Event, MAX_ARGS, MEMBERS, MntNsWalk, SYS_FSCONFIG, SYS_FSMOUNT, SYS_FSOPEN, SYS_MOUNT, SYS_MOVE_MOUNT,
        SYS_UMOUNT, SYSCALLS,
    },
    tracepoint::ABSENT,
};
use names::Names;

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/mountsnoop"));

/// Trace mount, umount, fsopen, fsconfig, fsmount, move_mount syscalls.
#[derive(FromArgs)]
#[argh(example = "mountsnoop           # trace mount relative syscalls")]
#[argh(example = "mountsnoop -d        # detailed output (one line per column value)")]
#[argh(example = "mountsnoop -p 1216   # only trace PID 1216")]
#[argh(example = "mountsnoop --json    # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// include timestamp on output
    #[argh(switch, short = 't')]
    timestamp: bool,
    /// output result in detail mode
    #[argh(switch, short = 'd')]
    detailed: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
    /// kernel BTF file for MNT_NS, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

/// The tracepoint fields of each syscall's arguments, in order (the names
/// of the kernel's SYSCALL_DEFINE parameters), by index in `SYSCALLS`.
const ARGS: [&[&str]; SYSCALLS.len()] = [
    &["dev_name", "dir_name", "type", "flags", "data"],
    &["name", "flags"],
    &["_fs_name", "flags"],
    &["fd", "cmd", "_key", "_value", "aux"],
    &["fs_fd", "flags", "attr_flags"],
    &["from_dfd", "from_pathname", "to_dfd", "to_pathname", "flags"],
];

const OPS: [&str; SYSCALLS.len()] = ["MOUNT", "UMOUNT", "FSOPEN", "FSCONFIG", "FSMOUNT", "MOVE_MOUNT"];

pub fn main() -> ! {
    bpfbin::main("mountsnoop", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let tracefs = Tracefs::open()?;
    let mut config = Config { pid: args.pid.unwrap_or(0), mnt_ns: mnt_ns_walk(&args)?, ..Config::default() };
    let syscalls = tracefs.syscalls(&SYSCALLS, "{mount,umount,fsopen,fsconfig,fsmount,move_mount}")?;
    for syscall in &syscalls {
        let sys = SYSCALLS.iter().position(|&name| name == syscall.name).expect("a name from SYSCALLS");
        let format = tracefs.format("syscalls", &syscall.enter)?;
        let tracepoint = format!("syscalls:{}", syscall.enter);
        config.args[sys] = [ABSENT; MAX_ARGS];
        for (offset, field) in config.args[sys].iter_mut().zip(ARGS[sys]) {
            *offset = format.require(field, &tracepoint)?;
        }
        config.exit_ret = syscall.exit_ret;
    }
    let known_mnt_ns = config.mnt_ns.known != 0;

    let mut ebpf = load(OBJECT, &config, None)?;
    attach_syscalls(&mut ebpf, &syscalls)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json && !args.detailed {
        if args.timestamp {
            write!(out, "{:<8} ", "TIME").map_err(bpfbin::output::write_error)?;
        }
        writeln!(out, "{:<16} {:<7} {:<7} {:<11} CALL", "COMM", "PID", "TID", "MNT_NS")
            .map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        let Some(call) = Call::of(&event) else { return Ok(()) };
        let mnt_ns = known_mnt_ns.then_some(event.mnt_ns);
        if args.json {
            print_json(out, &event, &call, mnt_ns)
        } else if args.detailed {
            print_detailed(out, &args, &event, &call, mnt_ns)
        } else {
            print_line(out, &args, &event, &call, mnt_ns)
        }
    })
}

/// Where the mount namespace's inode number is, from BTF. Tracing needs no
/// BTF, so without it (and without --btf) only the MNT_NS column is lost.
fn mnt_ns_walk(args: &Args) -> Result<MntNsWalk> {
    let resolved = open_btf(args.btf.as_deref()).and_then(|mut btf| offsets(&mut btf, &MEMBERS));
    match resolved {
        Ok([task_nsproxy, nsproxy_mnt_ns, mnt_ns_inum]) => {
            Ok(MntNsWalk { task_nsproxy, nsproxy_mnt_ns, mnt_ns_inum, known: 1 })
        }
        Err(err) if args.btf.is_none() => {
            eprintln!("mountsnoop: MNT_NS is not shown: {}", err.message().unwrap_or_default());
            Ok(MntNsWalk::default())
        }
        Err(err) => Err(err),
    }
}

/// One event's arguments, decoded by syscall.
enum Call<'e> {
    Mount { source: &'e [u8], target: &'e [u8], fs: &'e [u8], flags: u64, data: &'e [u8] },
    Umount { target: &'e [u8], flags: u32 },
    Fsopen { fs: &'e [u8], flags: u32 },
    Fsconfig { fd: i32, cmd: u32, key: &'e [u8], value: &'e [u8], aux: i32 },
    Fsmount { fs_fd: i32, flags: u32, attr_flags: u32 },
    MoveMount { from_dfd: i32, from_pathname: &'e [u8], to_dfd: i32, to_pathname: &'e [u8], flags: u32 },
}

impl<'e> Call<'e> {
    /// Integer arguments are truncated to their C type: the event holds them
    /// as kernel longs, whose upper half is undefined for an `int`.
    fn of(e: &'e Event) -> Option<Self> {
        let a = &e.args;
        let [path0, path1] = [c_str(&e.path[0]), c_str(&e.path[1])];
        Some(match e.sys as usize {
            // An `unsigned long`, 4 bytes where the tool (and so the kernel) is 32-bit.
            SYS_MOUNT => Call::Mount {
                source: path0,
                target: path1,
                fs: c_str(&e.fs),
                flags: a[3] as usize as u64,
                data: c_str(&e.data[0]),
            },
            SYS_UMOUNT => Call::Umount { target: path0, flags: a[1] as u32 },
            SYS_FSOPEN => Call::Fsopen { fs: c_str(&e.fs), flags: a[1] as u32 },
            SYS_FSCONFIG => Call::Fsconfig {
                fd: a[0] as i32,
                cmd: a[1] as u32,
                key: c_str(&e.data[0]),
                value: c_str(&e.data[1]),
                aux: a[4] as i32,
            },
            SYS_FSMOUNT => Call::Fsmount { fs_fd: a[0] as i32, flags: a[1] as u32, attr_flags: a[2] as u32 },
            SYS_MOVE_MOUNT => Call::MoveMount {
                from_dfd: a[0] as i32,
                from_pathname: path0,
                to_dfd: a[2] as i32,
                to_pathname: path1,
                flags: a[4] as u32,
            },
            _ => return None,
        })
    }
}

/// Flag names as libbpf-tools joins them, with its text for no flags: "0x0"
/// for mount, umount, fsopen and fsmount flags, nothing for the others.
fn write_flags(out: &mut Output, names: &Names, none: &str) -> std::io::Result<()> {
    if names.is_empty() {
        return out.write_all(none.as_bytes());
    }
    out.write_all(names.join(" | ").as_bytes())
}

/// A string argument, quoted and escaped.
fn write_quoted(out: &mut Output, text: &[u8]) -> std::io::Result<()> {
    out.write_all(b"\"")?;
    write_text(out, text)?;
    out.write_all(b"\"")
}

/// A descriptor, or AT_FDCWD by name.
fn fd(fd: i32) -> String {
    if fd == libc::AT_FDCWD { "AT_FDCWD".into() } else { fd.to_string() }
}

/// The CALL column: the call as C would read, and its result.
fn write_call(out: &mut Output, e: &Event, call: &Call) -> std::io::Result<()> {
    match *call {
        Call::Mount { source, target, fs, flags, data } => {
            out.write_all(b"mount(")?;
            for text in [source, target, fs] {
                write_quoted(out, text)?;
                out.write_all(b", ")?;
            }
            write_flags(out, &names::mount_flags(flags), "0x0")?;
            out.write_all(b", ")?;
            write_quoted(out, data)?;
        }
        Call::Umount { target, flags } => {
            out.write_all(b"umount(")?;
            write_quoted(out, target)?;
            out.write_all(b", ")?;
            write_flags(out, &names::umount_flags(flags), "0x0")?;
        }
        Call::Fsopen { fs, flags } => {
            out.write_all(b"fsopen(")?;
            write_quoted(out, fs)?;
            out.write_all(b", ")?;
            write_flags(out, &names::fsopen_flags(flags), "0x0")?;
        }
        Call::Fsconfig { fd, cmd, key, value, aux } => {
            write!(out, "fsconfig({fd}, \"{}\", ", names::fsconfig_cmd(cmd))?;
            write_quoted(out, key)?;
            out.write_all(b", ")?;
            write_quoted(out, value)?;
            write!(out, ", {aux}")?;
        }
        Call::Fsmount { fs_fd, flags, attr_flags } => {
            write!(out, "fsmount({fs_fd}, \"")?;
            write_flags(out, &names::fsmount_flags(flags), "0x0")?;
            out.write_all(b"\", \"")?;
            write_flags(out, &names::mount_attrs(attr_flags), "")?;
            out.write_all(b"\"")?;
        }
        Call::MoveMount { from_dfd, from_pathname, to_dfd, to_pathname, flags } => {
            write!(out, "move_mount({from_dfd}, ")?;
            write_quoted(out, from_pathname)?;
            write!(out, ", {}, ", fd(to_dfd))?;
            write_quoted(out, to_pathname)?;
            out.write_all(b", \"")?;
            write_flags(out, &names::move_mount_flags(flags), "")?;
            out.write_all(b"\"")?;
        }
    }
    write!(out, ") = {}", names::ret(e.ret))
}

fn write_mnt_ns(out: &mut Output, mnt_ns: Option<u32>, width: usize) -> std::io::Result<()> {
    match mnt_ns {
        Some(inum) => write!(out, "{inum:<width$}"),
        None => write!(out, "{:<width$}", "-"),
    }
}

fn print_line(out: &mut Output, args: &Args, e: &Event, call: &Call, mnt_ns: Option<u32>) -> std::io::Result<()> {
    if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b" ")?;
    }
    let comm = c_str(&e.comm);
    write_text(out, comm)?;
    // Pad as %-16s would, on the raw length: escapes only lengthen the line.
    write!(out, "{:width$} {:<7} {:<7} ", "", e.pid, e.tid, width = 16usize.saturating_sub(comm.len()))?;
    write_mnt_ns(out, mnt_ns, 11)?;
    out.write_all(b" ")?;
    write_call(out, e, call)?;
    out.write_all(b"\n")
}

/// One `NAME:  value` line per field, and a blank line after each event.
fn print_detailed(out: &mut Output, args: &Args, e: &Event, call: &Call, mnt_ns: Option<u32>) -> std::io::Result<()> {
    let indent = if args.timestamp {
        out.write_all(&local_hms())?;
        out.write_all(b"\n")?;
        "    "
    } else {
        ""
    };
    let text = |out: &mut Output, label: &str, text: &[u8]| -> std::io::Result<()> {
        write!(out, "{indent}{label}")?;
        write_text(out, text)?;
        out.write_all(b"\n")
    };
    let flags = |out: &mut Output, label: &str, names: &Names, none: &str| -> std::io::Result<()> {
        write!(out, "{indent}{label}")?;
        write_flags(out, names, none)?;
        out.write_all(b"\n")
    };
    writeln!(out, "{indent}PID:    {}", e.pid)?;
    writeln!(out, "{indent}TID:    {}", e.tid)?;
    text(out, "COMM:   ", c_str(&e.comm))?;
    writeln!(out, "{indent}OP:     {}", OPS.get(e.sys as usize).copied().unwrap_or("N/A"))?;
    writeln!(out, "{indent}RET:    {}", names::ret(e.ret))?;
    writeln!(out, "{indent}LAT:    {}us", e.delta_ns / 1000)?;
    write!(out, "{indent}MNT_NS: ")?;
    write_mnt_ns(out, mnt_ns, 0)?;
    out.write_all(b"\n")?;
    match *call {
        Call::Mount { source, target, fs, flags: mount_flags, data } => {
            text(out, "FS:     ", fs)?;
            text(out, "SOURCE: ", source)?;
            text(out, "TARGET: ", target)?;
            text(out, "DATA:   ", data)?;
            flags(out, "FLAGS:  ", &names::mount_flags(mount_flags), "0x0")?;
        }
        Call::Umount { target, flags: umount_flags } => {
            text(out, "TARGET: ", target)?;
            flags(out, "FLAGS:  ", &names::umount_flags(umount_flags), "0x0")?;
        }
        Call::Fsopen { fs, flags: fsopen_flags } => {
            text(out, "FS:     ", fs)?;
            flags(out, "FLAGS:  ", &names::fsopen_flags(fsopen_flags), "0x0")?;
        }
        Call::Fsconfig { fd, cmd, key, value, aux: _ } => {
            writeln!(out, "{indent}FD:     {fd}")?;
            writeln!(out, "{indent}CMD:    {}", names::fsconfig_cmd(cmd))?;
            text(out, "KEY:    ", key)?;
            text(out, "VALUE:  ", value)?;
        }
        Call::Fsmount { fs_fd, flags: fsmount_flags, attr_flags } => {
            writeln!(out, "{indent}FS_FD:       {fs_fd}")?;
            flags(out, "FLAGS:       ", &names::fsmount_flags(fsmount_flags), "0x0")?;
            flags(out, "ATTR_FLAGS:  ", &names::mount_attrs(attr_flags), "")?;
        }
        Call::MoveMount { from_dfd, from_pathname, to_dfd, to_pathname, flags: move_flags } => {
            writeln!(out, "{indent}FROM_DFD:       {from_dfd}")?;
            text(out, "FROM_PATHNAME:  ", from_pathname)?;
            writeln!(out, "{indent}TO_DFD:         {to_dfd}")?;
            text(out, "TO_PATHNAME:    ", to_pathname)?;
            flags(out, "FLAGS:          ", &names::move_mount_flags(move_flags), "")?;
        }
    }
    out.write_all(b"\n")
}

fn write_json_names(out: &mut Output, key: &str, names: &Names) -> std::io::Result<()> {
    write!(out, ",\"{key}\":[")?;
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "\"{name}\"")?;
    }
    out.write_all(b"]")
}

fn write_json_field(out: &mut Output, key: &str, text: &[u8]) -> std::io::Result<()> {
    write!(out, ",\"{key}\":")?;
    write_json_str(out, text)
}

fn print_json(out: &mut Output, e: &Event, call: &Call, mnt_ns: Option<u32>) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"tid\":{},\"comm\":", unix_micros(), e.pid, e.tid)?;
    write_json_str(out, c_str(&e.comm))?;
    match mnt_ns {
        Some(inum) => write!(out, ",\"mnt_ns\":{inum}")?,
        None => out.write_all(b",\"mnt_ns\":null")?,
    }
    let op = OPS.get(e.sys as usize).copied().unwrap_or("N/A");
    write!(out, ",\"op\":\"{op}\",\"ret\":{},\"lat_ns\":{}", e.ret, e.delta_ns)?;
    match *call {
        Call::Mount { source, target, fs, flags, data } => {
            write_json_field(out, "source", source)?;
            write_json_field(out, "target", target)?;
            write_json_field(out, "fs", fs)?;
            write_json_field(out, "data", data)?;
            write!(out, ",\"flags\":{flags}")?;
            write_json_names(out, "flag_names", &names::mount_flags(flags))?;
        }
        Call::Umount { target, flags } => {
            write_json_field(out, "target", target)?;
            write!(out, ",\"flags\":{flags}")?;
            write_json_names(out, "flag_names", &names::umount_flags(flags))?;
        }
        Call::Fsopen { fs, flags } => {
            write_json_field(out, "fs", fs)?;
            write!(out, ",\"flags\":{flags}")?;
            write_json_names(out, "flag_names", &names::fsopen_flags(flags))?;
        }
        Call::Fsconfig { fd, cmd, key, value, aux } => {
            write!(out, ",\"fd\":{fd},\"cmd\":\"{}\"", names::fsconfig_cmd(cmd))?;
            write_json_field(out, "key", key)?;
            write_json_field(out, "value", value)?;
            write!(out, ",\"aux\":{aux}")?;
        }
        Call::Fsmount { fs_fd, flags, attr_flags } => {
            write!(out, ",\"fs_fd\":{fs_fd},\"flags\":{flags}")?;
            write_json_names(out, "flag_names", &names::fsmount_flags(flags))?;
            write!(out, ",\"attr_flags\":{attr_flags}")?;
            write_json_names(out, "attr_names", &names::mount_attrs(attr_flags))?;
        }
        Call::MoveMount { from_dfd, from_pathname, to_dfd, to_pathname, flags } => {
            write!(out, ",\"from_dfd\":{from_dfd}")?;
            write_json_field(out, "from_pathname", from_pathname)?;
            write!(out, ",\"to_dfd\":{to_dfd}")?;
            write_json_field(out, "to_pathname", to_pathname)?;
            write!(out, ",\"flags\":{flags}")?;
            write_json_names(out, "flag_names", &names::move_mount_flags(flags))?;
        }
    }
    out.write_all(b"}\n")
}
