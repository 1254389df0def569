//! syscount: summarize syscall counts and latencies, as libbpf-tools' syscount does.

use std::{
    io::{self, Write},
    path::PathBuf,
    time::{Duration, Instant},
};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::positive,
    bpf::{
        event_loop::{sleep_until, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::{set_cgroup, take_all, take_hash_map},
    },
    kernel::{
        layout::{offsets, open_btf},
        tracefs::Tracefs,
    },
    output::{
        Output,
        decimal::Fixed,
        errno,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
        write_error,
    },
};
use bpfbin_common::syscount::{Config, Counts, LEADER_COMM};

// The syscall numbers of the architecture this binary runs on: the kernel
// reports its own architecture's (a 64-bit kernel running this 32-bit binary
// is not supported by any bpfbin tool).
#[cfg(target_arch = "x86_64")]
#[path = "tables/syscalls_x86_64.rs"]
mod syscalls;
#[cfg(target_arch = "aarch64")]
#[path = "tables/syscalls_aarch64.rs"]
mod syscalls;
#[cfg(target_arch = "arm")]
#[path = "tables/syscalls_arm.rs"]
mod syscalls;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "arm")))]
compile_error!("syscount has syscall tables for x86_64, aarch64 and arm: see scripts/gen-name-tables.sh");

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/syscount"));

/// Summarize syscall counts and latencies.
#[derive(FromArgs)]
#[argh(example = "syscount                 # print top 10 syscalls by count on Ctrl-C")]
#[argh(example = "syscount -i 1            # ... every second")]
#[argh(example = "syscount -p $(pidof dd)  # look only at a particular process")]
#[argh(example = "syscount -L              # measure and sort output by latency")]
#[argh(example = "syscount -P              # group statistics by pid, not by syscall")]
#[argh(example = "syscount -x -i 5         # count only failed syscalls")]
#[argh(example = "syscount -e ENOENT -i 5  # count only syscalls failed with a given errno")]
#[argh(example = "syscount -c CG           # trace processes under cgroup (v2) path CG")]
#[argh(example = "syscount --syscall read  # count only read(2)")]
#[argh(example = "syscount --json -i 1     # one JSON object per row")]
struct Args {
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// process PID to trace
    #[argh(option, short = 'p', from_str_fn(positive_int))]
    pid: Option<u32>,
    /// print summary at this interval (seconds), 0 for infinite wait (default)
    #[argh(option, short = 'i', from_str_fn(int_arg), default = "0")]
    interval: u32,
    /// total tracing duration (seconds)
    #[argh(option, short = 'd', from_str_fn(positive_int))]
    duration: Option<u32>,
    /// print only the top syscalls (default 10)
    #[argh(option, short = 'T', from_str_fn(positive_int), default = "10")]
    top: u32,
    /// trace processes in this cgroup (v2) path, e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// trace only failed syscalls
    #[argh(switch, short = 'x')]
    failures: bool,
    /// collect syscall latency
    #[argh(switch, short = 'L')]
    latency: bool,
    /// display latency in milliseconds (default: microseconds)
    #[argh(switch, short = 'm')]
    milliseconds: bool,
    /// count by process and not by syscall
    #[argh(switch, short = 'P')]
    process: bool,
    /// trace only syscalls that return this error (numeric or EPERM, etc.)
    #[argh(option, short = 'e', from_str_fn(errno_arg))]
    errno: Option<u32>,
    /// print list of recognized syscalls and exit
    #[argh(switch, short = 'l')]
    list: bool,
    /// trace this syscall only (syscount -l lists them)
    #[argh(option, short = 's', from_str_fn(syscall_arg))]
    syscall: Option<u32>,
    /// print one JSON object per row instead of tables
    #[argh(switch)]
    json: bool,
}

/// A whole number from 0 to INT_MAX, as libbpf-tools reads `-i`.
fn int_arg(value: &str) -> std::result::Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n <= i32::MAX as u32 => Ok(n),
        _ => Err("expected a whole number from 0 to 2147483647".into()),
    }
}

/// A whole number from 1 to INT_MAX (`-p`, `-d`, `-T`).
fn positive_int(value: &str) -> std::result::Result<u32, String> {
    positive::<u32>(value).and_then(|n| int_arg(&n.to_string()))
}

/// A number from 1 or a name such as ENOENT, as libbpf-tools' `-e` takes.
fn errno_arg(value: &str) -> std::result::Result<u32, String> {
    positive_int(value)
        .ok()
        .or_else(|| errno::number(value))
        .ok_or_else(|| format!("invalid errno: {value} (a number from 1, or a name such as ENOENT)"))
}

fn syscall_arg(value: &str) -> std::result::Result<u32, String> {
    syscalls::SYSCALLS.number(value).ok_or_else(|| format!("syscall '{value}' not found (syscount -l lists them)"))
}

pub fn main() -> ! {
    bpfbin::main("syscount", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("pidTces")?;
    bpfbin::init_logging(args.verbose);
    let mut out = Output::stdout();
    if args.list {
        for (nr, name) in syscalls::SYSCALLS.iter() {
            writeln!(out, "{nr:3}: {name}").map_err(write_error)?;
        }
        return out.flush();
    }

    let [task_group_leader, task_comm] = if args.process { leader_comm() } else { [0; 2] };
    let tracefs = Tracefs::open()?;
    let enter = tracefs.format("raw_syscalls", "sys_enter")?;
    let exit = tracefs.format("raw_syscalls", "sys_exit")?;
    let config = Config {
        pid: args.pid.unwrap_or(0),
        errno: args.errno.unwrap_or(0),
        syscall: args.syscall.unwrap_or(0),
        one_syscall: args.syscall.is_some().into(),
        failed_only: args.failures.into(),
        latency: args.latency.into(),
        by_process: args.process.into(),
        cgroup: args.cgroup.is_some().into(),
        _pad: 0,
        enter_id: enter.require("id", "raw_syscalls:sys_enter")?,
        exit_id: exit.require("id", "raw_syscalls:sys_exit")?,
        exit_ret: exit.require("ret", "raw_syscalls:sys_exit")?,
        task_group_leader,
        task_comm,
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    attach_tracepoint(&mut ebpf, "raw_syscalls", "sys_exit")?;
    if args.latency {
        attach_tracepoint(&mut ebpf, "raw_syscalls", "sys_enter")?;
    }
    let data = take_hash_map(&mut ebpf, "DATA")?;
    stop_on_signals()?;

    if !args.json {
        match args.syscall.and_then(|nr| syscalls::SYSCALLS.name(nr)) {
            Some(name) => writeln!(out, "Tracing syscall '{name}'... Ctrl+C to quit."),
            None => writeln!(out, "Tracing syscalls, printing top {}... Ctrl+C to quit.", args.top),
        }
        .map_err(write_error)?;
    }
    out.flush()?;

    let interval = (args.interval > 0).then(|| Duration::from_secs(args.interval.into()));
    let start = Instant::now();
    let end = args.duration.map(|d| start + Duration::from_secs(d.into()));
    let mut next = start;
    loop {
        let tick = interval.map(|interval| {
            next += interval;
            next
        });
        let stopped = sleep_until([tick, end].into_iter().flatten().min());
        let finished = stopped || end.is_some_and(|end| Instant::now() >= end);
        // Read and deleted at once, so no count added meanwhile is lost
        // (libbpf-tools' way too).
        let mut rows = take_all::<u32, Counts>(&data)?;
        if !rows.is_empty() {
            sort(&mut rows, args.latency);
            if args.json { print_json(&mut out, &args, &rows) } else { print_table(&mut out, &args, &rows) }
                .map_err(write_error)?;
            out.flush()?;
        }
        if finished {
            return Ok(());
        }
    }
}

/// Most calls first, or with `-L` most time; ties by key, so the order is stable.
/// Where `-P` finds a process's name, `current->group_leader->comm`, from
/// the kernel's BTF; zeros without it, which leave the main thread's comm.
fn leader_comm() -> [u16; 2] {
    open_btf(None).and_then(|mut btf| offsets(&mut btf, &LEADER_COMM)).unwrap_or_else(|err| {
        log::debug!("-P names each process by its main thread: {}", err.message().unwrap_or_default());
        [0; 2]
    })
}

fn sort(rows: &mut [(u32, Counts)], by_time: bool) {
    let weight = |counts: &Counts| if by_time { counts.total_ns } else { counts.count };
    rows.sort_unstable_by(|(a, a_counts), (b, b_counts)| weight(b_counts).cmp(&weight(a_counts)).then(a.cmp(b)));
}

fn top<'a>(rows: &'a [(u32, Counts)], args: &Args) -> impl Iterator<Item = (u32, &'a Counts)> {
    rows.iter().take(args.top as usize).map(|(key, counts)| (*key, counts))
}

fn print_table(out: &mut Output, args: &Args, rows: &[(u32, Counts)]) -> io::Result<()> {
    out.write_all(b"[")?;
    out.write_all(&local_hms())?;
    out.write_all(b"]\n")?;
    let what = if args.process { "PID    COMM" } else { "SYSCALL" };
    write!(out, "{what:<22} {:>8}", "COUNT")?;
    if args.latency {
        write!(out, " {:>16}", if args.milliseconds { "TIME (ms)" } else { "TIME (us)" })?;
    }
    writeln!(out)?;
    for (key, counts) in top(rows, args) {
        // The first column is 22 wide, as printf's %-22s pads it.
        let width = if args.process {
            let comm = c_str(&counts.comm);
            write!(out, "{key:<6} ")?;
            write_text(out, comm)?;
            let pid_width = key.to_string().len().max(6);
            write!(out, "{:pad$}", "", pad = 15usize.saturating_sub(comm.len()))?;
            pid_width + 1 + comm.len().max(15)
        } else {
            let name = match syscalls::SYSCALLS.name(key) {
                Some(name) => name.to_owned(),
                None => format!("[unknown: {key}]"),
            };
            out.write_all(name.as_bytes())?;
            name.len()
        };
        write!(out, "{:pad$} {:>8}", "", counts.count, pad = 22usize.saturating_sub(width))?;
        if args.latency {
            let divisor = if args.milliseconds { 1e6 } else { 1e3 };
            write!(out, " {:>16}", Fixed(counts.total_ns as f64 / divisor, 3))?;
        }
        writeln!(out)?;
    }
    writeln!(out)
}

fn print_json(out: &mut Output, args: &Args, rows: &[(u32, Counts)]) -> io::Result<()> {
    let ts_us = unix_micros();
    for (key, counts) in top(rows, args) {
        write!(out, "{{\"ts_us\":{ts_us},")?;
        if args.process {
            write!(out, "\"pid\":{key},\"comm\":")?;
            write_json_str(out, c_str(&counts.comm))?;
        } else {
            write!(out, "\"id\":{key},\"syscall\":")?;
            match syscalls::SYSCALLS.name(key) {
                Some(name) => write!(out, "\"{name}\"")?,
                None => out.write_all(b"null")?,
            }
        }
        write!(out, ",\"count\":{}", counts.count)?;
        if args.latency {
            write!(out, ",\"total_ns\":{}", counts.total_ns)?;
        }
        writeln!(out, "}}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_table_is_well_formed() {
        assert!(syscalls::SYSCALLS.is_well_formed());
        // One name per number: the kernel reports numbers.
        assert!(syscalls::SYSCALLS.iter().map(|(nr, _)| nr).is_sorted_by(|a, b| a < b));
    }

    #[test]
    fn names_and_numbers_of_this_architecture() {
        #[cfg(target_arch = "x86_64")]
        let (getppid, sched_yield) = (110, 24);
        #[cfg(target_arch = "aarch64")]
        let (getppid, sched_yield) = (173, 124);
        #[cfg(target_arch = "arm")]
        let (getppid, sched_yield) = (64, 158);
        assert_eq!(syscalls::SYSCALLS.name(getppid), Some("getppid"));
        assert_eq!(syscall_arg("sched_yield"), Ok(sched_yield));
        assert_eq!(syscalls::SYSCALLS.name(100_000), None);
        assert!(syscall_arg("no_such_call").is_err());
    }

    #[test]
    fn errnos_are_numbers_from_one_or_names() {
        assert_eq!(errno_arg("13"), Ok(13));
        assert_eq!(errno_arg("ENOENT"), Ok(2));
        assert!(errno_arg("0").is_err());
        assert!(errno_arg("EBOGUS").is_err());
    }

    #[test]
    fn only_the_interval_may_be_zero() {
        assert_eq!(int_arg("0"), Ok(0));
        assert!(positive_int("0").is_err());
        assert!(int_arg("2147483648").is_err());
        assert!(int_arg("-1").is_err());
    }
}
