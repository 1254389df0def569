//! biolatency: summarize block device I/O latency as a histogram, as
//! libbpf-tools' biolatency does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Result,
    args::{interval_count, positive},
    bpf::{
        event_loop::{every_interval, stop_on_signals},
        load::{attach_tracepoint, load},
        maps::{set_cgroup, take_hash_map},
    },
    kernel::tracefs::Tracefs,
    output::{
        Output,
        histogram::{write_interval_header, write_json_hist, write_log2_hist},
        text::{c_str, write_json_str},
        time::unix_micros,
        write_error,
    },
    subsystems::block::{disk_filter, disk_name, disks, fields},
};
use bpfbin_common::{
    biolatency::{Config, Hist, HistKey},
    block::Fields,
};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/biolatency"));

/// Summarize block device I/O latency as a histogram.
#[derive(FromArgs)]
#[argh(example = "biolatency              # summarize block I/O latency as a histogram")]
#[argh(example = "biolatency 1 10         # print 1 second summaries, 10 times")]
#[argh(example = "biolatency -mT 1        # 1s summaries, milliseconds, and timestamps")]
#[argh(example = "biolatency -Q           # include OS queued time in I/O time")]
#[argh(example = "biolatency -D           # show each disk device separately")]
#[argh(example = "biolatency -F           # show I/O flags separately")]
#[argh(example = "biolatency -d sdc       # Trace sdc only")]
#[argh(example = "biolatency -c CG        # Trace process under cgroupsPath CG")]
struct Args {
    /// include timestamp on output
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// millisecond histogram
    #[argh(switch, short = 'm')]
    milliseconds: bool,
    /// include OS queued time in I/O time
    #[argh(switch, short = 'Q')]
    queued: bool,
    /// print a histogram per disk device
    // `--disk`, as libbpf-tools' argp binds it: the first of its two options of that name.
    #[argh(switch, short = 'D', long = "disk")]
    per_disk: bool,
    /// print a histogram per set of I/O flags
    #[argh(switch, short = 'F', long = "flag")]
    flags: bool,
    /// trace this disk only
    #[argh(option, short = 'd', long = "disk-name")]
    disk: Option<String>,
    /// trace process in cgroup path (cgroup v2), e.g. /sys/fs/cgroup/unified/CG
    #[argh(option, short = 'c')]
    cgroup: Option<PathBuf>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per histogram, with the raw slot counts
    #[argh(switch)]
    json: bool,
    /// print a summary every interval seconds, count times (default: one
    /// summary, at Ctrl-C)
    #[argh(positional, arg_name = "interval count", from_str_fn(positive))]
    interval_count: Vec<u32>,
}

pub fn main() -> ! {
    bpfbin::main("biolatency", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("dc")?;
    bpfbin::init_logging(args.verbose);
    let (interval, count) = interval_count::<Args>(&args.interval_count)?;
    let disks = disks()?;
    let dev = disk_filter::<Args>(&disks, args.disk.as_deref())?;

    let tracefs = Tracefs::open()?;
    let config = Config {
        dev: dev.unwrap_or(0),
        filter_dev: dev.is_some().into(),
        per_disk: args.per_disk.into(),
        per_flag: args.flags.into(),
        milliseconds: args.milliseconds.into(),
        queued: args.queued.into(),
        cgroup: args.cgroup.is_some().into(),
        insert: if args.queued { fields(&tracefs, "block_rq_insert", false)? } else { Fields::default() },
        issue: fields(&tracefs, "block_rq_issue", false)?,
        complete: fields(&tracefs, "block_rq_complete", true)?,
    };

    let mut ebpf = load(OBJECT, &config, None)?;
    if let Some(path) = &args.cgroup {
        set_cgroup(&mut ebpf, path)?;
    }
    if args.queued {
        attach_tracepoint(&mut ebpf, "block", "block_rq_insert")?;
    }
    attach_tracepoint(&mut ebpf, "block", "block_rq_issue")?;
    attach_tracepoint(&mut ebpf, "block", "block_rq_complete")?;
    let hists = take_hash_map(&mut ebpf, "HISTS")?;
    stop_on_signals()?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing block device I/O... Hit Ctrl-C to end.").map_err(write_error)?;
    }
    out.flush()?;
    let unit = if args.milliseconds { "msecs" } else { "usecs" };
    every_interval(&mut out, &hists, interval, count, |out, hists: &[(HistKey, Hist)]| {
        if args.json {
            let ts_us = unix_micros();
            for (key, hist) in hists {
                write!(out, "{{\"ts_us\":{ts_us},")?;
                if args.per_disk {
                    out.write_all(b"\"disk\":")?;
                    write_json_str(out, disk_name(&disks, key.dev).as_bytes())?;
                    out.write_all(b",")?;
                }
                if args.flags {
                    write!(out, "\"flags\":\"{}\",", flags(&key.rwbs))?;
                }
                write_json_hist(out, &hist.slots, unit)?;
                writeln!(out, "}}")?;
            }
            return Ok(());
        }
        write_interval_header(out, args.timestamp)?;
        for (key, hist) in hists {
            if args.per_disk {
                write!(out, "\ndisk = {}\t", disk_name(&disks, key.dev))?;
            }
            if args.flags {
                write!(out, "flags = {}", flags(&key.rwbs))?;
            }
            writeln!(out)?;
            write_log2_hist(out, &hist.slots, unit)?;
        }
        Ok(())
    })
}

/// libbpf-tools' "flags = " text (`print_cmd_flags`) for a request whose
/// tracepoint wrote `rwbs` (`blk_fill_rwbs()`: "F" for a preflush, the
/// operation's letter, then "F" FUA, "A" readahead, "S" sync, "M" metadata).
/// Flags the string does not carry (NoWait, Background, Integrity, Idle,
/// NoMerge, Priority) are not shown; an operation it writes as "N" (none of
/// read, write, flush, discard) shows as "Unknown".
fn flags(rwbs: &[u8]) -> String {
    let rwbs = c_str(rwbs);
    let is_op = |c: Option<&u8>| matches!(c, Some(b'R' | b'W' | b'D' | b'F' | b'N'));
    let preflush = rwbs.first() == Some(&b'F') && is_op(rwbs.get(1));
    let rest = if preflush { &rwbs[1..] } else { rwbs };
    let (op, rest) = match rest {
        [b'R', rest @ ..] => ("Read", rest),
        [b'W', rest @ ..] => ("Write", rest),
        [b'D', b'E', rest @ ..] => ("SecureErase", rest),
        [b'D', rest @ ..] => ("Discard", rest),
        [b'F', rest @ ..] => ("Flush", rest),
        [_, rest @ ..] => ("Unknown", rest),
        [] => ("Unknown", rest),
    };
    let mut text = String::new();
    for (present, name) in [
        (rest.contains(&b'A'), "ReadAhead-"),
        (preflush, "PreFlush-"),
        (rest.contains(&b'F'), "FUA-"),
        (rest.contains(&b'M'), "Metadata-"),
        (rest.contains(&b'S'), "Sync-"),
    ] {
        if present {
            text.push_str(name);
        }
    }
    text + op
}

#[cfg(test)]
mod tests {
    use super::flags;

    #[test]
    fn flags_from_rwbs() {
        assert_eq!(flags(b"WS\0\0\0\0\0\0"), "Sync-Write");
        assert_eq!(flags(b"R\0\0\0\0\0\0\0"), "Read");
        assert_eq!(flags(b"RA\0\0\0\0\0\0"), "ReadAhead-Read");
        assert_eq!(flags(b"FWFSM\0\0\0"), "PreFlush-FUA-Metadata-Sync-Write");
        assert_eq!(flags(b"FF\0\0\0\0\0\0"), "PreFlush-Flush");
        assert_eq!(flags(b"FS\0\0\0\0\0\0"), "Sync-Flush");
        assert_eq!(flags(b"DE\0\0\0\0\0\0"), "SecureErase");
        assert_eq!(flags(b"D\0\0\0\0\0\0\0"), "Discard");
        assert_eq!(flags(b"N\0\0\0\0\0\0\0"), "Unknown");
        assert_eq!(flags(b"FWFASMXY"), "ReadAhead-PreFlush-FUA-Metadata-Sync-Write");
    }
}
