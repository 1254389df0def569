//! runqslower attached to this machine's kernel, with two busy loops pinned
//! to CPU 0: each waits on the run queue while the other runs its slice, and
//! so does a thread of this test that sleeps a millisecond at a time there,
//! when it wakes during a slice.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread::{self, JoinHandle},
    time::Duration,
};

use bpfbin_tests::{Traced, run, workloads::BusyLoops};

/// The threshold the tests trace with, in microseconds: below a busy
/// loop's slice, which the sleeper often waits out once woken.
const MIN_US: &str = "1000";

/// A thread of this process on CPU 0 that sleeps 1 ms at a time until
/// dropped, named `name` (its comm: each test its own, as they run at once).
struct Sleeper {
    tid: u32,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sleeper {
    fn start(name: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (send, tid) = mpsc::channel();
        let flag = stop.clone();
        let thread = thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // SAFETY: a zeroed cpu_set_t with one bit set, for this thread (0).
                unsafe {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    libc::CPU_SET(0, &mut set);
                    assert_eq!(libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set), 0);
                }
                // SAFETY: gettid has no preconditions.
                send.send(unsafe { libc::gettid() } as u32).unwrap();
                while !flag.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(1));
                }
            })
            .unwrap();
        Self { tid: tid.recv().unwrap(), stop, thread: Some(thread) }
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An event line's (COMM, TID, LAT(us)), and with `-P` (PREV COMM, PREV TID).
struct Line {
    comm: String,
    tid: u32,
    lat_us: u64,
    prev: Option<(String, u32)>,
}

/// Parses an event line, "%-8s %-16s %-6d %14llu" and with -P " %-16s %-6d"
/// (a comm may hold spaces: "opt cgu.0"); None for another line.
fn parse(line: &str) -> Option<Line> {
    let hms = line.as_bytes().get(..8)?;
    if !hms.iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }) {
        return None;
    }
    let comm = line.get(9..25)?.trim_end().to_owned();
    let (tid, rest) = line.get(26..)?.split_once(' ')?;
    let rest = rest.trim_start();
    let (lat_us, prev) = rest.split_once(' ').unwrap_or((rest, ""));
    let prev = match prev {
        "" => None,
        _ => Some((prev.get(..16)?.trim_end().to_owned(), prev.get(17..)?.trim_end().parse().ok()?)),
    };
    Some(Line { comm, tid: tid.parse().ok()?, lat_us: lat_us.parse().ok()?, prev })
}

/// The event lines seen after the two header lines, once quiet.
fn events(traced: &mut Traced) -> Vec<Line> {
    traced.settle(Duration::from_millis(300))[2..].iter().map(|l| parse(l).unwrap_or_else(|| panic!("{l:?}"))).collect()
}

#[test]
fn the_sleeper_waits_over_the_threshold() {
    let _loops = BusyLoops::start();
    let mut traced = Traced::start("runqslower", &[MIN_US]);
    let sleeper = Sleeper::start("rqs-threshold");
    let line = traced.expect_line("the sleeper", |l| l.contains("rqs-threshold"));
    let seen = traced.settle(Duration::from_millis(100));
    assert_eq!(seen[0], "Tracing run queue latency higher than 1000 us");
    assert_eq!(seen[1], "TIME     COMM             TID           LAT(us)");
    let event = parse(&line).unwrap();
    assert_eq!((event.comm.as_str(), event.tid), ("rqs-threshold", sleeper.tid), "{line:?}");
    assert!(event.lat_us > 1000, "{line:?}");
    // As libbpf-tools prints it: %-8s %-16s %-6d %14llu.
    assert_eq!(line[9..], format!("{:<16} {:<6} {:>14}", "rqs-threshold", sleeper.tid, event.lat_us), "{line:?}");
    let done = traced.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.stdout[2..].iter().all(|l| parse(l).is_some_and(|e| e.lat_us > 1000)), "{:#?}", done.stdout);
}

#[test]
fn tid_and_comm_filters_keep_the_sleeper_only() {
    let _loops = BusyLoops::start();
    let sleeper = Sleeper::start("rqs-filters");
    let tid = sleeper.tid.to_string();
    for args in [["-t", tid.as_str()], ["-c", "rqs-fil"]] {
        let mut traced = Traced::start("runqslower", &[&args[..], &[MIN_US]].concat());
        traced.expect_line("the sleeper", |l| l.contains("rqs-filters"));
        let events = events(&mut traced);
        assert!(!events.is_empty(), "{args:?}");
        for e in events {
            assert_eq!((e.comm.as_str(), e.tid), ("rqs-filters", sleeper.tid), "{args:?}");
        }
    }
    // A prefix the sleeper's name does not begin with.
    let mut traced = Traced::start("runqslower", &["-c", "filters", MIN_US]);
    thread::sleep(Duration::from_secs(2));
    assert!(events(&mut traced).iter().all(|e| e.comm.starts_with("filters")));
}

#[test]
fn pid_filter_keeps_that_process() {
    let loops = BusyLoops::start();
    let pid = loops.pid(0);
    let mut traced = Traced::start("runqslower", &["-p", &pid.to_string(), MIN_US]);
    traced.expect_line("loop A", |l| parse(l).is_some_and(|e| e.tid == pid));
    let events = events(&mut traced);
    assert!(events.iter().all(|e| e.tid == pid && e.comm == "sh"), "only loop A");

    // This process: its sleeper thread, whose TID is not the PID.
    let sleeper = Sleeper::start("rqs-process");
    let mut traced = Traced::start("runqslower", &["-p", &std::process::id().to_string(), MIN_US]);
    traced.expect_line("the sleeper", |l| parse(l).is_some_and(|e| e.tid == sleeper.tid && e.comm == "rqs-process"));
}

#[test]
fn previous_task_is_the_loop_that_ran() {
    let loops = BusyLoops::start();
    let (a, b) = (loops.pid(0), loops.pid(1));
    let mut traced = Traced::start("runqslower", &["-P", MIN_US]);
    // Loop A waits while loop B runs, and takes the CPU from it.
    let line = traced.expect_line("loop A after loop B", |l| {
        parse(l).is_some_and(|e| e.tid == a && e.prev.is_some_and(|(_, tid)| tid == b))
    });
    let seen = traced.settle(Duration::from_millis(100));
    assert_eq!(seen[1], "TIME     COMM             TID           LAT(us) PREV COMM        PREV TID");
    assert_eq!(parse(&line).unwrap().prev, Some(("sh".to_owned(), b)));
    // As libbpf-tools prints it: ... %-16s %-6d, padding included.
    assert!(line.ends_with(&format!(" sh               {b:<6}")), "{line:?}");
}

#[test]
fn json_has_every_field() {
    let _loops = BusyLoops::start();
    let mut traced = Traced::start("runqslower", &["--json", MIN_US]);
    let sleeper = Sleeper::start("rqs-json");
    // Its first waits may come before it names itself: wait for the named one.
    let tid = format!("\"tid\":{},", sleeper.tid);
    let line = traced.expect_line("the sleeper", |l| l.contains(&tid) && l.contains("\"comm\":\"rqs-json\""));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["comm"], "rqs-json");
    assert!(event["lat_us"].as_u64().unwrap() > 1000, "{line}");
    assert!(event["prev_comm"].is_string() && event["prev_tid"].is_u64() && event["ts_us"].is_u64(), "{line}");
    let keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{line}");
}

#[test]
fn usage_errors_exit_64() {
    for args in [&["-p", "0"][..], &["-t", "-5"], &["abc"], &["0"], &["100", "200"], &["-x"]] {
        let out = run("runqslower", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("runqslower: ") && stderr.contains("\nUsage: runqslower "), "{args:?}: {stderr}");
    }
}

#[test]
fn a_long_comm_is_cut_with_a_warning() {
    let done = Traced::start("runqslower", &["-c", "abcdefghijklmnopq"]).interrupt();
    assert_eq!(done.status.code(), Some(0));
    assert_eq!(
        done.stderr,
        "runqslower: warning: command name \"abcdefghijklmnopq\" is too long (max 15), truncated to \"abcdefghijklmno\"\n"
    );
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("runqslower", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
