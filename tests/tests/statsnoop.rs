//! statsnoop attached to this machine's kernel, seeing real stats.

use std::{
    fs,
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use bpfbin_common::statsnoop::SYSCALLS;
use bpfbin_tests::{Traced, columns, run, run_workload, unique_path};

fn touch(label: &str) -> String {
    let path = unique_path(label);
    fs::write(&path, b"bpfbin\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn sees_a_process_stat_a_file() {
    let path = touch("plain");
    let mut snoop = Traced::start("statsnoop", &[]);
    let pid = run_workload("stat", &[&path]);
    let line = snoop.expect_line("stat of the file", |l| l.ends_with(&path));
    assert_eq!(columns(&line)[..4], [pid.to_string().as_str(), "stat", "0", "0"], "{line}");
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    fs::remove_file(path).unwrap();
}

#[test]
fn header_has_the_libbpf_tools_columns() {
    let snoop = Traced::start("statsnoop", &[]);
    assert_eq!(snoop.interrupt().stdout[0], "PID     COMM                 RET  ERR  PATH");
    let snoop = Traced::start("statsnoop", &["-ts"]);
    assert_eq!(snoop.interrupt().stdout[0], "TIME(s)        PID     COMM                 RET  ERR  SYSCALL    PATH");
}

#[test]
fn timestamp_and_syscall_name_columns() {
    let path = touch("named");
    let mut snoop = Traced::start("statsnoop", &["-t", "-s"]);
    let pid = run_workload("stat", &[&path]);
    let line = snoop.expect_line("stat of the file", |l| l.ends_with(&path));
    let cols = columns(&line);
    assert!(cols[0].parse::<f64>().unwrap() >= 0.0, "{line}");
    assert_eq!(cols[1], pid.to_string(), "{line}");
    assert!(SYSCALLS.contains(&cols[5]), "{line}");
    fs::remove_file(path).unwrap();
}

#[test]
fn failed_only_shows_errors_and_hides_successes() {
    let missing = unique_path("missing");
    let missing = missing.to_str().unwrap();
    let present = touch("present");
    let mut snoop = Traced::start("statsnoop", &["-x"]);
    run_workload("stat", &[&present]);
    let pid = run_workload("stat", &[missing]);
    let line = snoop.expect_line("the failed stat", |l| l.ends_with(missing));
    assert_eq!(columns(&line)[..4], [pid.to_string().as_str(), "stat", "-1", "2"], "RET -1, ENOENT in {line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.ends_with(&present)), "a successful stat was shown: {seen:?}");
    fs::remove_file(present).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mine = touch("mine");
    let other = touch("other");
    let mut target = Command::new("sh")
        .args(["-c", &format!("read go; exec stat {mine}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = target.id().to_string();
    let mut snoop = Traced::start("statsnoop", &["-p", &pid]);
    run_workload("stat", &[&other]);
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    snoop.expect_line("the traced process", |l| l.ends_with(&mine));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(seen.iter().skip(1).all(|l| columns(l)[0] == pid), "other processes shown: {seen:?}");
}

#[test]
fn relative_paths_and_descriptors_are_resolved_while_the_process_lives() {
    let dir = unique_path("cwd");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("relative.txt"), b"x").unwrap();
    let opened = touch("opened");
    let mut snoop = Traced::start("statsnoop", &["-s"]);
    // Stays alive, so /proc still shows its working directory and descriptor.
    let script =
        format!("import os, time\nos.stat('relative.txt')\nf = open({opened:?})\nos.fstat(f.fileno())\ntime.sleep(3)");
    let mut python = Command::new("python3").args(["-c", &script]).current_dir(&dir).spawn().unwrap();
    let relative = format!("{}/relative.txt", dir.display());
    snoop.expect_line("the relative path after the working directory", |l| l.ends_with(&relative));
    let line =
        snoop.expect_line("the fstat, named by its descriptor", |l| l.ends_with(&opened) && columns(l)[1] == "python3");
    assert!(columns(&line)[4].contains("fstat"), "{line}");
    python.wait().unwrap();
    fs::remove_dir_all(dir).unwrap();
    fs::remove_file(opened).unwrap();
}

#[test]
fn json_lines_carry_every_field() {
    let missing = unique_path("json");
    let missing = missing.to_str().unwrap();
    let mut snoop = Traced::start("statsnoop", &["--json"]);
    let pid = run_workload("stat", &[missing]);
    let line = snoop.expect_line("a JSON event", |l| l.contains(missing));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], pid);
    assert_eq!(event["tid"], pid);
    assert_eq!(event["comm"], "stat");
    assert_eq!(event["path"], missing);
    assert_eq!((event["ret"].as_i64(), event["err"].as_i64()), (Some(-1), Some(2)));
    assert!(SYSCALLS.contains(&event["syscall"].as_str().unwrap()), "{line}");
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
}

#[test]
fn unknown_flags_print_usage_and_exit_64() {
    for args in [&["--bogus"][..], &["-T"], &["-p", "0"], &["-p", "abc"]] {
        let out = run("statsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("statsnoop: ") && stderr.contains("Usage: statsnoop"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("statsnoop", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    // Detaching each syscall tracepoint waits out an RCU grace period: slow
    // on a loaded machine, hence more room than the poll tick needs.
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
