//! sigsnoop and killsnoop: trace standard and real-time signals, as
//! libbpf-tools' sigsnoop does (killsnoop is its `-k` mode under another name).

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_tracepoint, load},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        text::{c_str, quoted, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
};
use bpfbin_common::sigsnoop::{Config, Event, GenerateFields, KillFields};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/sigsnoop"));

/// Trace standard and real-time signals.
#[derive(FromArgs)]
#[argh(example = "sigsnoop             # trace signals system-wide")]
#[argh(example = "sigsnoop -k          # trace signals issued by kill syscall only")]
#[argh(example = "sigsnoop -x          # trace failed signals only")]
#[argh(example = "sigsnoop -p 1216     # only trace PID 1216")]
#[argh(example = "sigsnoop -s 1,9,15   # trace signal 1, 9, 15")]
#[argh(example = "sigsnoop --json      # one JSON object per line")]
struct Args {
    /// trace failed signals only
    #[argh(switch, short = 'x')]
    failed: bool,
    /// trace signals issued by kill syscall only
    #[argh(switch, short = 'k')]
    kill: bool,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// signals to trace, as numbers from 1 to 31 separated by commas
    #[argh(option, short = 's', from_str_fn(signal_set))]
    signal: Option<u32>,
    /// output signal name instead of signal number
    #[argh(switch, short = 'n')]
    name: bool,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

/// `-s 1,9,15` as the kernel side's mask: bit `n - 1` for signal `n`.
fn signal_set(value: &str) -> std::result::Result<u32, String> {
    value.split(',').try_fold(0, |mask, sig| match sig.parse::<u32>() {
        Ok(n @ 1..=31) => Ok(mask | 1 << (n - 1)),
        _ => {
            Err(format!("invalid signal {}: expected numbers from 1 to 31 separated by commas", quoted(sig.as_bytes())))
        }
    })
}

const GENERATE: (&str, &str) = ("signal", "signal_generate");
/// The kill syscalls. Each names its target `pid` (tgkill's is the thread)
/// and its signal `sig`.
const SYSCALLS: [&str; 3] = ["kill", "tkill", "tgkill"];

pub fn main() -> ! {
    main_as("sigsnoop", false)
}

/// Runs sigsnoop as `tool`; `kill_only` is killsnoop's fixed `-k`.
pub fn main_as(tool: &str, kill_only: bool) -> ! {
    bpfbin::main(tool, || run(kill_only))
}

fn run(kill_only: bool) -> Result<()> {
    let args: Args = bpfbin::args::parse("ps")?;
    bpfbin::init_logging(args.verbose);
    let kill_mode = kill_only || args.kill;

    let tracefs = Tracefs::open()?;
    let (category, name) = GENERATE;
    let tracepoint = format!("{category}:{name}");
    if !tracefs.has_event(category, name) {
        return Err(Error::new(format!("tracepoint {tracepoint} does not exist on this kernel")));
    }
    // In kill mode signal_generate still runs, to name each kill's target.
    let format = tracefs.format(category, name)?;
    let mut config = Config {
        pid: args.pid.unwrap_or(0),
        signals: args.signal.unwrap_or(0),
        failed_only: args.failed.into(),
        kill_mode: kill_mode.into(),
        generate: GenerateFields {
            sig: format.require("sig", &tracepoint)?,
            errno: format.require("errno", &tracepoint)?,
            comm: format.require("comm", &tracepoint)?,
            pid: format.require("pid", &tracepoint)?,
        },
        ..Config::default()
    };
    if kill_mode {
        for syscall in SYSCALLS {
            let enter = format!("sys_enter_{syscall}");
            if !tracefs.has_event("syscalls", &enter) {
                return Err(Error::new(format!(
                    "no tracepoint syscalls:{enter} on this kernel (it needs CONFIG_FTRACE_SYSCALLS)"
                )));
            }
            let format = tracefs.format("syscalls", &enter)?;
            let tracepoint = format!("syscalls:{enter}");
            let fields =
                KillFields { pid: format.require("pid", &tracepoint)?, sig: format.require("sig", &tracepoint)? };
            match syscall {
                "kill" => config.kill = fields,
                "tkill" => config.tkill = fields,
                _ => config.tgkill = fields,
            }
            let exit = format!("sys_exit_{syscall}");
            config.exit_ret = tracefs.format("syscalls", &exit)?.require("ret", &format!("syscalls:{exit}"))?;
        }
    }

    let mut ebpf = load(OBJECT, &config, None)?;
    attach_tracepoint(&mut ebpf, category, name)?;
    if kill_mode {
        for syscall in SYSCALLS {
            attach_tracepoint(&mut ebpf, "syscalls", &format!("sys_enter_{syscall}"))?;
            attach_tracepoint(&mut ebpf, "syscalls", &format!("sys_exit_{syscall}"))?;
        }
    }
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        // The columns are 8, 7, 16, 12, 7, 16 and 6 wide, as in libbpf-tools.
        writeln!(out, "TIME     PID     COMM             SIG          TPID    TCOMM            RESULT")
            .map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &args, &event) }
    })
}

/// Names of signals 1 to 31, as libbpf-tools prints them with `-n`.
#[rustfmt::skip]
const SIGNAL_NAMES: [&str; 31] = [
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
    "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
    "SIGSYS",
];

/// The SIG column with `-n`: a name, "N/A" for 0 (kill's existence check),
/// "SIGNAL-N" for real-time signals, and the number beyond 64.
fn signal_name(sig: i32) -> String {
    match sig {
        0 => "N/A".into(),
        1..=31 => SIGNAL_NAMES[sig as usize - 1].into(),
        32..=64 => format!("SIGNAL-{sig}"),
        _ => sig.to_string(),
    }
}

/// A kernel string padded as `%-16s` would, on the raw length: escapes only lengthen the line.
fn write_comm(out: &mut Output, comm: &[u8]) -> std::io::Result<()> {
    write_text(out, comm)?;
    write!(out, "{:width$} ", "", width = 16usize.saturating_sub(comm.len()))
}

/// The target's name, or "N/A" as libbpf-tools prints it when unknown.
fn tcomm(e: &Event) -> &[u8] {
    match c_str(&e.tcomm) {
        b"" => b"N/A",
        name => name,
    }
}

fn print_columns(out: &mut Output, args: &Args, e: &Event) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    write!(out, " {:<7} ", e.pid)?;
    write_comm(out, c_str(&e.comm))?;
    let sig = if args.name { signal_name(e.sig) } else { e.sig.to_string() };
    write!(out, "{sig:<12} {:<7} ", e.tpid)?;
    write_comm(out, tcomm(e))?;
    writeln!(out, "{:<6}", e.ret)
}

fn print_json(out: &mut Output, e: &Event) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"comm\":", unix_micros(), e.pid)?;
    write_json_str(out, c_str(&e.comm))?;
    write!(out, ",\"sig\":{},\"tpid\":{},\"tcomm\":", e.sig, e.tpid)?;
    write_json_str(out, c_str(&e.tcomm))?;
    writeln!(out, ",\"result\":{}}}", e.ret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_sets_are_masks_of_1_to_31() {
        assert_eq!(signal_set("1,9,15"), Ok(1 | 1 << 8 | 1 << 14));
        assert_eq!(signal_set("31"), Ok(1 << 30));
        for bad in ["0", "32", "-1", "USR1", "1,,2", ""] {
            assert!(signal_set(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signal_names_read_as_libbpf_tools_prints_them() {
        assert_eq!(signal_name(0), "N/A");
        assert_eq!(signal_name(10), "SIGUSR1");
        assert_eq!(signal_name(31), "SIGSYS");
        assert_eq!(signal_name(34), "SIGNAL-34");
        assert_eq!(signal_name(65), "65");
    }
}
