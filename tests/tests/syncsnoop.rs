//! syncsnoop attached to this machine's kernel, seeing real sync calls.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run, run_workload, unique_path};

/// Runs python3 calling `os.<call>` on a fresh file; returns its PID.
fn python_sync(call: &str) -> u32 {
    let path = unique_path(call);
    let script = format!("import os\nf = open({:?}, 'w')\nf.write('x')\nos.{call}(f.fileno())", path.to_str().unwrap());
    let pid = run_workload("python3", &["-c", &script]);
    std::fs::remove_file(path).unwrap();
    pid
}

#[test]
fn sees_sync_with_its_pid_and_name() {
    let mut snoop = Traced::start("syncsnoop", &["--json"]);
    let pid = run_workload("sync", &[]);
    let line = snoop.expect_line("sync's sync", |l| l.contains(&format!("\"pid\":{pid},")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["tid"], pid);
    assert_eq!(event["comm"], "sync");
    assert_eq!(event["call"], "sync");
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    assert!(event["boot_ns"].as_u64().unwrap() > 0);
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

#[test]
fn columns_are_seconds_since_boot_comm_and_call() {
    let mut snoop = Traced::start("syncsnoop", &[]);
    assert_eq!(snoop.settle(Duration::ZERO)[0], "TIME(s)            COMM             CALL");
    python_sync("fsync");
    python_sync("fdatasync");
    for call in ["fsync", "fdatasync"] {
        let line = snoop.expect_line(call, |l| columns(l)[1..] == ["python3", call]);
        let seconds: f64 = columns(&line)[0].parse().unwrap();
        let uptime: f64 = std::fs::read_to_string("/proc/uptime").unwrap().split(' ').next().unwrap().parse().unwrap();
        // /proc/uptime has centiseconds: it may lag the event by up to 0.01 s.
        assert!(seconds > 0.0 && seconds <= uptime + 0.01, "{line} vs uptime {uptime}");
        assert_eq!(line.find("python3"), Some(19), "TIME(s) is 18 wide: {line}");
    }
}

#[test]
fn pid_filter_keeps_only_that_process() {
    // The shell execs sync once told to, so the PID is known before the call.
    let mut target = Command::new("sh").args(["-c", "read go; exec sync"]).stdin(Stdio::piped()).spawn().unwrap();
    let pid = target.id();
    let mut snoop = Traced::start("syncsnoop", &["--json", "-p", &pid.to_string()]);
    run_workload("sync", &[]);
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    snoop.expect_line("the traced process", |l| l.contains(&format!("\"pid\":{pid},")));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(seen.iter().all(|l| l.contains(&format!("\"pid\":{pid},"))), "other processes shown: {seen:?}");
}

#[test]
fn unknown_flags_print_usage_and_exit_64() {
    for args in [&["--bogus"][..], &["-x"], &["-p", "0"], &["-p", "abc"]] {
        let out = run("syncsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("syncsnoop: ") && stderr.contains("Usage: syncsnoop"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("syncsnoop", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    // Detaching each syscall tracepoint waits out an RCU grace period: slow
    // on a loaded machine, hence more room than the poll tick needs.
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
