//! exitsnoop attached to this machine's kernel, seeing real exits.

use std::{
    fs,
    os::unix::ffi::OsStrExt,
    process::{Command, Stdio},
    thread,
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run, run_workload, unique_path, workloads::Cgroup};

/// This test process: the parent of every workload it starts.
fn me() -> String {
    std::process::id().to_string()
}

/// The EXIT_CODE column, which may hold spaces ("signal 9 (Killed)").
fn exit_column(line: &str) -> String {
    columns(line)[5..].join(" ")
}

/// Starts `program args`, sends it `signal` and reaps it; returns its PID.
fn run_killed(signal: libc::c_int, program: &str, args: &[&str]) -> u32 {
    let mut child = Command::new(program).args(args).stdin(Stdio::null()).spawn().expect("start the workload");
    let pid = child.id();
    // SAFETY: signalling our own child, not yet reaped.
    unsafe { libc::kill(pid as libc::pid_t, signal) };
    child.wait().expect("wait for the workload");
    pid
}

#[test]
fn sees_an_exit_code_with_pid_and_parent() {
    let mut snoop = Traced::start("exitsnoop", &[]);
    let pid = run_workload("sh", &["-c", "exit 3"]).to_string();
    let line = snoop.expect_line("sh exiting", |l| columns(l).get(1) == Some(&pid.as_str()));
    let cols = columns(&line);
    assert_eq!(cols[0], "sh", "{line}");
    assert_eq!(cols[2], me(), "ppid in {line}");
    assert_eq!(cols[3], pid, "tid in {line}");
    assert!(cols[4].parse::<f64>().unwrap() < 5.0, "age in {line}");
    assert_eq!(exit_column(&line), "code 3", "{line}");
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

/// The shell in the cgroup moves itself there before it exits.
#[test]
fn c_keeps_only_the_cgroups_processes() {
    let cgroup = Cgroup::new("exitsnoop");
    let mut snoop = Traced::start("exitsnoop", &["-c", cgroup.path().to_str().unwrap()]);
    let outside = run_workload("sh", &["-c", "exit 5"]).to_string();
    let script = format!("echo $$ > {}/cgroup.procs && exit 4", cgroup.path().display());
    let inside = run_workload("sh", &["-c", &script]).to_string();
    let line = snoop.expect_line("the exit in the cgroup", |l| columns(l).get(1) == Some(&inside.as_str()));
    assert_eq!(exit_column(&line), "code 4", "{line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| columns(l).get(1) == Some(&outside.as_str())), "an exit outside was shown: {seen:?}");

    let out = run("exitsnoop", &["-c", "/nonexistent/cgroup"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("exitsnoop: opening cgroup /nonexistent/cgroup: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn signals_are_shown_with_their_description() {
    let mut snoop = Traced::start("exitsnoop", &[]);
    let usr1 = run_killed(libc::SIGUSR1, "sleep", &["60"]).to_string();
    let kill = run_killed(libc::SIGKILL, "sleep", &["60"]).to_string();
    let line = snoop.expect_line("sleep killed by SIGUSR1", |l| columns(l).get(1) == Some(&usr1.as_str()));
    assert_eq!(exit_column(&line), "signal 10 (User defined signal 1)", "{line}");
    assert_eq!(columns(&line)[2], me(), "{line}");
    let line = snoop.expect_line("sleep killed by SIGKILL", |l| columns(l).get(1) == Some(&kill.as_str()));
    assert_eq!(exit_column(&line), "signal 9 (Killed)", "{line}");
}

#[test]
fn age_is_the_lifetime_in_seconds() {
    let mut snoop = Traced::start("exitsnoop", &[]);
    let pid = run_workload("sleep", &["0.5"]).to_string();
    let line = snoop.expect_line("sleep exiting", |l| columns(l).get(1) == Some(&pid.as_str()));
    let age: f64 = columns(&line)[4].parse().unwrap();
    assert!((0.4..3.0).contains(&age), "age {age} in {line}");
    assert!(columns(&line)[4].split_once('.').unwrap().1.len() == 2, "two decimals in {line}");
    assert_eq!(exit_column(&line), "0", "{line}");
}

#[test]
fn header_has_the_libbpf_tools_columns() {
    let mut snoop = Traced::start("exitsnoop", &["-t"]);
    let pid = run_workload("true", &[]).to_string();
    let line = snoop.expect_line("true exiting", |l| columns(l).get(2) == Some(&pid.as_str()));
    let time = columns(&line)[0];
    assert!(time.len() == 8 && time.as_bytes()[2] == b':' && time.as_bytes()[5] == b':', "{line}");
    let done = snoop.interrupt();
    assert_eq!(done.stdout[0], "TIME(s)  PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE");
}

#[test]
fn failed_only_hides_successful_exits() {
    let mut snoop = Traced::start("exitsnoop", &["-x"]);
    let ok = run_workload("true", &[]).to_string();
    let failed = run_workload("false", &[]).to_string();
    let line = snoop.expect_line("false exiting", |l| columns(l).get(1) == Some(&failed.as_str()));
    assert_eq!(exit_column(&line), "code 1", "{line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| columns(l).get(1) == Some(&ok.as_str())), "true was shown: {seen:?}");
    assert!(seen.iter().skip(1).all(|l| exit_column(l) != "0"), "a successful exit was shown: {seen:?}");
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mut target =
        Command::new("sh").args(["-c", "read go; exit 4"]).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let pid = target.id().to_string();
    let mut snoop = Traced::start("exitsnoop", &["-p", &pid]);
    run_workload("true", &[]);
    drop(target.stdin.take());
    target.wait().unwrap();
    let line = snoop.expect_line("the traced process", |l| columns(l).get(1) == Some(&pid.as_str()));
    assert_eq!(exit_column(&line), "code 4", "{line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert_eq!(seen.len(), 2, "other processes shown: {seen:?}");
}

/// A thread of this process that ends, named so its comm is known; returns its TID.
fn run_thread() -> String {
    thread::Builder::new()
        .name("exit-thread".into())
        // SAFETY: gettid has no preconditions.
        .spawn(|| unsafe { libc::gettid() })
        .unwrap()
        .join()
        .unwrap()
        .to_string()
}

#[test]
fn threads_are_shown_only_with_big_t() {
    let mut snoop = Traced::start("exitsnoop", &["-T", "-p", &me()]);
    let tid = run_thread();
    let line = snoop.expect_line("the thread exiting", |l| columns(l).get(3) == Some(&tid.as_str()));
    let cols = columns(&line);
    assert_eq!((cols[0], cols[1]), ("exit-thread", me().as_str()), "{line}");
    assert_eq!(exit_column(&line), "0", "{line}");

    let mut snoop = Traced::start("exitsnoop", &["-p", &me()]);
    let tid = run_thread();
    let seen = snoop.settle(Duration::from_millis(500));
    assert_eq!(seen.len(), 1, "thread {tid} shown without -T: {seen:?}");
}

#[test]
fn json_lines_carry_every_field() {
    let mut snoop = Traced::start("exitsnoop", &["--json"]);
    let pid = run_workload("sh", &["-c", "exit 3"]);
    let killed = run_killed(libc::SIGKILL, "sleep", &["60"]);
    let mut event = |pid: u32| -> serde_json::Value {
        let line = snoop.expect_line("a JSON event", |l| l.contains(&format!("\"pid\":{pid},")));
        serde_json::from_str(&line).expect("valid JSON")
    };
    let exited = event(pid);
    assert_eq!(exited["comm"], "sh");
    assert_eq!((exited["pid"].as_u64(), exited["tid"].as_u64()), (Some(pid.into()), Some(pid.into())));
    assert_eq!(exited["ppid"], std::process::id());
    assert_eq!((exited["exit_code"].as_i64(), exited["code"].as_i64()), (Some(3 << 8), Some(3)));
    assert_eq!((exited["signal"].as_i64(), exited["core_dumped"].as_bool()), (Some(0), Some(false)));
    assert!(exited["age_ns"].as_u64().unwrap() < 5_000_000_000);
    assert!(exited["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    let killed = event(killed);
    assert_eq!((killed["exit_code"].as_i64(), killed["code"].as_i64()), (Some(9), Some(0)));
    assert_eq!((killed["signal"].as_i64(), killed["core_dumped"].as_bool()), (Some(9), Some(false)));
}

#[test]
fn hostile_comms_are_escaped() {
    let dir = unique_path("comm");
    fs::create_dir(&dir).unwrap();
    let program = dir.join(std::ffi::OsStr::from_bytes(b"ev\nil\x1b[31m"));
    fs::copy("/bin/true", &program).unwrap();
    let mut snoop = Traced::start("exitsnoop", &[]);
    let pid = run_workload(program.to_str().unwrap(), &[]).to_string();
    let line = snoop.expect_line("the escaped comm", |l| columns(l).get(1) == Some(&pid.as_str()));
    assert!(line.starts_with("ev\\nil\\x1b[31m "), "{line:?}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_btf_file_is_named() {
    let out = run("exitsnoop", &["--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("exitsnoop: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_flags_and_values_exit_64() {
    for args in [&["--bogus"][..], &["-p", "abc"], &["-p", "0"], &["-p"], &["-c"]] {
        let out = run("exitsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("exitsnoop: ") && stderr.contains("Usage: exitsnoop"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let out = run("exitsnoop", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("-T, --threaded") && help.contains("-t, --timestamp"), "{help}");
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("exitsnoop", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(2), "took {:?}", done.took);
}
