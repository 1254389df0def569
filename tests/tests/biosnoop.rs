//! biosnoop attached to this machine's kernel, seeing the direct I/O (every
//! dd block one request) of dd processes on a file in /tmp, on the disk
//! under /tmp.

mod block;

use block::{MOST, SECONDS, Scratch};
use bpfbin_tests::{Traced, columns, run, workloads::Cgroup};

const HEADER: &str = "TIME(s)     COMM           PID     DISK    T    SECTOR     BYTES   LAT(ms)";

/// Runs biosnoop with `args` (ending in a duration) while `work` runs; its
/// stdout lines.
fn biosnoop<T>(args: &[&str], work: impl FnOnce() -> T) -> (Vec<String>, T) {
    let traced = Traced::start("biosnoop", args);
    let done = work();
    let out = traced.wait();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    (out.stdout, done)
}

/// A latency column: milliseconds with three decimals.
fn is_ms(text: &str) -> bool {
    text.split_once('.').is_some_and(|(_, frac)| frac.len() == 3) && text.parse::<f64>().is_ok_and(|ms| ms >= 0.0)
}

/// Whether a request of dd with flags `rwbs` is one of its direct 4 KiB
/// writes or reads (`W`, `WS`, `R`, `RS`), as `op` says, rather than its
/// own loading: read-ahead (`A`) and metadata (`M`) reads of its program
/// and libraries, from the same disk when they are not cached.
fn scratch_request(rwbs: &str, op: &str) -> bool {
    rwbs.starts_with(op) && !rwbs.contains(['A', 'M'])
}

#[test]
fn one_line_per_request_of_dd() {
    let scratch = Scratch::new();
    let (out, (writer, reader)) = biosnoop(&[SECONDS], || (scratch.dd(true), scratch.dd(false)));
    assert_eq!(out[0], HEADER);
    for (pid, op) in [(writer, "W"), (reader, "R")] {
        let mine: Vec<&String> = out
            .iter()
            .filter(|l| columns(l).get(2) == Some(&pid.to_string().as_str()) && scratch_request(columns(l)[4], op))
            .collect();
        assert!(mine.len() as u64 >= MOST, "{} lines of dd {pid}: {out:#?}", mine.len());
        for line in mine {
            let c = columns(line);
            assert_eq!(c.len(), 8, "{line}");
            // %-11.6f seconds since the first event.
            assert!(c[0].parse::<f64>().is_ok() && c[0].split_once('.').unwrap().1.len() == 6, "{line}");
            assert_eq!((c[1], c[3]), ("dd", scratch.disk.as_str()), "{line}");
            assert!(c[5].parse::<u64>().is_ok(), "{line}");
            assert_eq!(c[6], "4096", "{line}");
            assert!(is_ms(c[7]), "{line}");
            // The columns of "%-11.6f %-14.14s %-7d %-7s %-4s %-10lld %-7d %7.3f".
            let want = format!(
                "{:<11} {:<14} {:<7} {:<7} {:<4} {:<10} {:<7} {:>7}",
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
            );
            assert_eq!(*line, want);
        }
    }
}

#[test]
fn queued_timestamps_and_one_disk() {
    let scratch = Scratch::new();
    let (out, writer) = biosnoop(&["-Q", "-t", "-d", &scratch.disk, SECONDS], || scratch.dd(true));
    assert_eq!(out[0], "TIMESTAMP    COMM           PID     DISK    T    SECTOR     BYTES   QUE(ms) LAT(ms)");
    let mut mine = 0;
    for line in &out[1..] {
        let c = columns(line);
        // Other tasks' comms may hold spaces (rustc's "opt cgu.0" threads):
        // the timestamp is first, PID DISK T SECTOR BYTES QUE(ms) LAT(ms) last.
        assert!(c.len() >= 9, "{line}");
        let (stamp, tail) = (c[0].as_bytes(), &c[c.len() - 7..]);
        assert_eq!(tail[1], scratch.disk, "-d: {line}");
        // HH:MM:SS.mmm
        assert!(stamp.len() == 12 && stamp[2] == b':' && stamp[5] == b':' && stamp[8] == b'.', "{line}");
        // Queued time: ms, or -1.000 where the scheduler's insertion was not seen.
        assert!(is_ms(tail[5]) || tail[5] == "-1.000", "{line}");
        assert!(is_ms(tail[6]), "{line}");
        mine += usize::from(tail[0] == writer.to_string());
    }
    assert!(mine as u64 >= MOST, "{mine} lines of dd {writer}: {out:#?}");
}

#[test]
fn min_latency_leaves_out_faster_requests() {
    let scratch = Scratch::new();
    // No request of a healthy disk takes 10 s.
    let (out, _) = biosnoop(&["-m", "10000", SECONDS], || scratch.write_and_read());
    assert_eq!(out, [HEADER]);
}

#[test]
fn json_objects() {
    let scratch = Scratch::new();
    let (out, writer) = biosnoop(&["--json", "-Q", SECONDS], || scratch.dd(true));
    let objects: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).expect("valid JSON")).collect();
    let mine: Vec<_> =
        objects.iter().filter(|o| o["pid"] == writer && scratch_request(o["rwbs"].as_str().unwrap(), "W")).collect();
    assert!(mine.len() as u64 >= MOST, "{} lines of dd {writer}: {out:#?}", mine.len());
    for object in mine {
        assert_eq!(object["comm"], "dd");
        assert_eq!(object["disk"], scratch.disk.as_str());
        assert_eq!(object["bytes"], 4096);
        assert!(
            object["sector"].is_u64() && object["queued_ms"].is_f64() && object["latency_ms"].as_f64().unwrap() >= 0.0,
            "{object}"
        );
    }
}

#[test]
fn unknown_and_overlong_disk_names() {
    let out = run("biosnoop", &["-d", "nosuchdisk0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "biosnoop: invalid disk name: no nosuchdisk0 in /sys/block\n");
    let out = run("biosnoop", &["-d", &"x".repeat(32)]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("biosnoop: invalid disk name: too long\n"));
}

#[test]
fn cgroup_filter_leaves_out_other_tasks() {
    let scratch = Scratch::new();
    // No task is in the new cgroup: no request of dd, or of anyone, is shown.
    let cgroup = Cgroup::new("biosnoop");
    let (out, _) = biosnoop(&["-c", cgroup.path().to_str().unwrap(), SECONDS], || scratch.write_and_read());
    assert_eq!(out, [HEADER]);
}
