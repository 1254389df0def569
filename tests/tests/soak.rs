//! A long run under steady load: opensnoop (events), runqlat (a histogram
//! every second) and syscount (a table every second) side by side keep
//! their memory and their file descriptors, print every interval, lose
//! nothing, and exit cleanly on SIGINT.
//!
//! BPFBIN_SOAK_SECONDS sets the length (default 20, so `cargo test` stays
//! short); for a real soak:
//! `BPFBIN_SOAK_SECONDS=600 cargo test -p bpfbin-tests --test soak`.

use std::{
    fs, thread,
    time::{Duration, Instant},
};

use bpfbin_tests::{
    columns,
    gated::{Background, Gated, open_fds, vm_rss_kib},
    histogram::{histogram_at, total},
    unique_path,
};

/// Opens a second by the workload: steady, far below what the tools drain.
const RATE: u32 = 500;
/// When the first sample is taken: after start-up, the first intervals
/// printed.
const WARM: Duration = Duration::from_secs(2);

fn soak_seconds() -> u64 {
    let secs = std::env::var("BPFBIN_SOAK_SECONDS")
        .map_or(20, |s| s.parse().unwrap_or_else(|_| panic!("BPFBIN_SOAK_SECONDS={s:?} is not a number of seconds")));
    assert!(secs >= 5, "BPFBIN_SOAK_SECONDS must be at least 5, to have intervals after the first sample");
    secs
}

/// How far VmRSS may grow from the first sample to the last: 4 %, a few
/// dozen KiB (the tools' resident sets are about a megabyte). Every buffer
/// is sized at start and each interval frees what it read from the maps, so
/// the resident set stays put (a page of growth at most in a 600 s run). Even the default
/// 20 s catch a leak of 16 bytes per event (10,000 events) or of 4 KiB per
/// interval.
fn rss_bound(first_kib: u64) -> u64 {
    first_kib + first_kib * 4 / 100
}

struct Tool {
    name: &'static str,
    gated: Gated,
    started: Instant,
    seen: Seen,
}

#[derive(Default)]
struct Seen {
    /// Summaries printed (their first line: `HH:MM:SS` or `[HH:MM:SS]`).
    intervals: u64,
    /// opensnoop's events; syscount's rows for openat.
    events: u64,
    /// runqlat's summary being read.
    summary: Vec<String>,
}

impl Seen {
    /// Checks the runqlat histogram read since the last time line: byte for
    /// byte libbpf-tools' layout, and not empty (something always waits
    /// for a CPU in a second: the workload, the tools, this test), but for
    /// the last, which covers only the time since the last full interval.
    fn end_summary(&mut self, last: bool) {
        while self.summary.last().is_some_and(|l| l.is_empty()) {
            self.summary.pop();
        }
        if self.intervals > 0 && !(last && self.summary.is_empty()) {
            assert!(total(&histogram_at(&self.summary, 0, "usecs")) > 0, "{:#?}", self.summary);
        }
        self.summary.clear();
    }
}

/// `HH:MM:SS`, as runqlat -T and syscount print the time.
fn is_time(s: &str) -> bool {
    s.len() == 8 && s.bytes().enumerate().all(|(i, b)| if i == 2 || i == 5 { b == b':' } else { b.is_ascii_digit() })
}

/// Checks and counts one line of `tool`; the workload is `pid` opening `path`.
fn take_line(tool: &str, seen: &mut Seen, line: &str, pid: &str, path: &str) {
    let cols = columns(line);
    match tool {
        "opensnoop" => {
            let whole = cols.len() == 5
                && cols[0] == pid
                && cols[1] == "python3"
                && cols[2].parse::<i32>().is_ok_and(|fd| fd >= 0)
                && cols[3] == "0"
                && cols[4] == path;
            assert!(whole, "malformed opensnoop line {line:?}");
            seen.events += 1;
        }
        "runqlat" => {
            if is_time(line) {
                seen.end_summary(false);
                seen.intervals += 1;
            } else if seen.intervals > 0 {
                seen.summary.push(line.to_owned());
            } else {
                assert!(line.is_empty(), "runqlat printed {line:?} before the first time line");
            }
        }
        "syscount" => {
            if line.strip_prefix('[').and_then(|l| l.strip_suffix(']')).is_some_and(is_time) {
                seen.intervals += 1;
            } else {
                let row = line.is_empty()
                    || line == "SYSCALL                   COUNT"
                    || (cols.len() == 2 && cols[1].parse::<u64>().is_ok_and(|n| n > 0));
                assert!(row, "malformed syscount line {line:?}");
                // The workload's own call, in every table.
                if cols.first() == Some(&"openat") {
                    seen.events += 1;
                }
            }
        }
        _ => unreachable!(),
    }
}

#[test]
fn three_tools_keep_memory_and_descriptors_and_print_every_interval() {
    let secs = soak_seconds();
    let path = unique_path("soak");
    fs::write(&path, b"bpfbin\n").unwrap();
    let path = path.to_str().unwrap().to_owned();
    let workload = Background::paced("os.close(os.open(p, os.O_RDONLY))", &path, RATE);
    let pid = workload.pid().to_string();
    let mut tools: Vec<Tool> =
        [("opensnoop", vec!["-p", &pid]), ("runqlat", vec!["-T", "1"]), ("syscount", vec!["-i", "1", "-p", &pid])]
            .into_iter()
            .map(|(name, args)| {
                let gated = Gated::start(name, &args);
                Tool { name, gated, started: Instant::now(), seen: Seen::default() }
            })
            .collect();

    let begin = Instant::now();
    let end = begin + Duration::from_secs(secs);
    let mut first = None;
    // Checked and counted as they come: a long run keeps no lines.
    while Instant::now() < end {
        thread::sleep(Duration::from_millis(200));
        for tool in &mut tools {
            for line in tool.gated.take() {
                take_line(tool.name, &mut tool.seen, &line, &pid, &path);
            }
            assert!(tool.gated.running(), "{} exited; stderr: {}", tool.name, tool.gated.stderr());
        }
        if first.is_none() && begin.elapsed() >= WARM {
            let sample: Vec<(u64, usize)> =
                tools.iter().map(|t| (vm_rss_kib(t.gated.pid()), open_fds(t.gated.pid()))).collect();
            first = Some(sample);
        }
    }
    let first = first.unwrap();

    for (tool, (rss_first, fds_first)) in tools.iter_mut().zip(first) {
        let pid = tool.gated.pid();
        let (rss_last, fds_last) = (vm_rss_kib(pid), open_fds(pid));
        println!(
            "{}: {secs} s, {} intervals, {} events, VmRSS {rss_first} -> {rss_last} KiB, {fds_first} fds",
            tool.name, tool.seen.intervals, tool.seen.events
        );
        assert!(
            rss_last <= rss_bound(rss_first),
            "{}: VmRSS grew from {rss_first} to {rss_last} KiB in {secs} s",
            tool.name
        );
        assert_eq!(fds_last, fds_first, "{}: open descriptors changed in {secs} s", tool.name);
        // A summary each second since the tool started, give or take the
        // one being printed just now.
        let due = tool.started.elapsed().as_secs();
        if tool.name != "opensnoop" {
            assert!(
                tool.seen.intervals + 1 >= due && tool.seen.intervals <= due + 1,
                "{}: {} summaries in {due} s",
                tool.name,
                tool.seen.intervals
            );
        }
    }
    let opensnoop = &tools[0];
    let expected = RATE as u64 * secs;
    let shown = opensnoop.seen.events;
    assert!(shown >= expected / 2, "opensnoop showed {shown} of about {expected} opens");
    let syscount = &tools[2].seen;
    assert!(syscount.events + 1 >= syscount.intervals, "openat missing from syscount's tables");

    drop(workload);
    for Tool { name, gated, mut seen, .. } in tools {
        let done = gated.interrupt();
        assert!(done.status.success(), "{name}: {:?} {}", done.status, done.stderr);
        assert_eq!(done.stderr, "", "{name} reported errors or lost events");
        for line in &done.stdout {
            take_line(name, &mut seen, line, &pid, &path);
        }
        if name == "runqlat" {
            seen.end_summary(true);
        }
    }
    fs::remove_file(path).unwrap();
}
