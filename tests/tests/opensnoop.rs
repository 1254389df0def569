//! opensnoop attached to this machine's kernel, seeing real opens.

use std::{
    fs,
    io::{BufRead, BufReader, Write},
    os::unix::ffi::OsStrExt,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use bpfbin_tests::{PATIENCE, Traced, columns, run, run_workload, unique_path};

fn touch(label: &str) -> String {
    let path = unique_path(label);
    fs::write(&path, b"bpfbin\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn sees_a_process_open_a_file() {
    let path = touch("plain");
    let mut snoop = Traced::start("opensnoop", &[]);
    let pid = run_workload("cat", &[&path]);
    let line = snoop.expect_line("cat opening the file", |l| l.ends_with(&path));
    let cols = columns(&line);
    assert_eq!(cols[0], pid.to_string(), "{line}");
    assert_eq!(cols[1], "cat", "{line}");
    assert!(cols[2].parse::<i32>().unwrap() >= 0, "fd in {line}");
    assert_eq!(cols[3], "0", "{line}");
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    fs::remove_file(path).unwrap();
}

#[test]
fn header_has_the_libbpf_tools_columns() {
    let snoop = Traced::start("opensnoop", &["-TUe"]);
    let done = snoop.interrupt();
    assert_eq!(done.stdout[0], "TIME     UID     PID    COMM              FD ERR FLAGS    MODE  PATH");
}

#[test]
fn failed_only_shows_errors_and_hides_successes() {
    let missing = unique_path("missing");
    let missing = missing.to_str().unwrap();
    let present = touch("present");
    let mut snoop = Traced::start("opensnoop", &["-x"]);
    run_workload("cat", &[&present]);
    let pid = run_workload("cat", &[missing]);
    let line = snoop.expect_line("the failed open", |l| l.ends_with(missing));
    let cols = columns(&line);
    assert_eq!(cols[0], pid.to_string(), "{line}");
    assert_eq!((cols[2], cols[3]), ("-1", "2"), "fd -1 and ENOENT in {line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.ends_with(&present)), "a successful open was shown: {seen:?}");
    fs::remove_file(present).unwrap();
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mine = touch("mine");
    let other = touch("other");
    // The shell execs cat once told to, so the PID is known before the open.
    let mut target = Command::new("sh")
        .args(["-c", &format!("read go; exec cat {mine}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = target.id().to_string();
    let mut snoop = Traced::start("opensnoop", &["-p", &pid]);
    run_workload("cat", &[&other]);
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    let line = snoop.expect_line("the traced process", |l| l.ends_with(&mine));
    assert_eq!(columns(&line)[0], pid);
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(seen.iter().skip(1).all(|l| columns(l)[0] == pid), "other processes shown: {seen:?}");
}

#[test]
fn name_filter_matches_part_of_the_comm() {
    let by_cat = touch("by-cat");
    let by_head = touch("by-head");
    let mut snoop = Traced::start("opensnoop", &["-n", "ca"]);
    run_workload("head", &["-c0", &by_head]);
    run_workload("cat", &[&by_cat]);
    snoop.expect_line("cat's open", |l| l.ends_with(&by_cat));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.ends_with(&by_head)), "head was shown: {seen:?}");
}

#[test]
fn duration_ends_the_trace() {
    let snoop = Traced::start("opensnoop", &["-d", "1"]);
    let done = snoop.wait();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}

#[test]
fn json_lines_carry_every_field() {
    let path = touch("json");
    let mut snoop = Traced::start("opensnoop", &["--json", "-n", "cat"]);
    let pid = run_workload("cat", &[&path]);
    let line = snoop.expect_line("a JSON event", |l| l.contains(&path));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], pid);
    assert_eq!(event["tid"], pid);
    assert_eq!(event["comm"], "cat");
    assert_eq!(event["path"], path.as_str());
    assert_eq!(event["err"], 0);
    assert_eq!(event["uid"], 0);
    assert!(event["fd"].as_i64().unwrap() >= 0);
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    assert!(event["flags"].is_u64() && event["mode"].is_u64());
}

#[test]
fn hostile_file_names_are_escaped() {
    let dir = unique_path("hostile");
    fs::create_dir(&dir).unwrap();
    let name = dir.join(std::ffi::OsStr::from_bytes(b"evil\n\x1b[31mred\xff"));
    fs::write(&name, b"x").unwrap();
    let mut snoop = Traced::start("opensnoop", &["-n", "cat"]);
    Command::new("cat").arg(&name).stdout(Stdio::null()).status().unwrap();
    let expected = format!("{}/evil\\n\\x1b[31mred\\xff", dir.display());
    let line = snoop.expect_line("the escaped name", |l| l.ends_with(&expected));
    assert!(!line.contains('\x1b'), "raw escape in {line:?}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn full_path_prefixes_relative_names_with_the_working_directory() {
    let dir = unique_path("cwd");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("relative.txt"), b"x").unwrap();
    let mut snoop = Traced::start("opensnoop", &["-F", "-n", "cat"]);
    let mut cat = Command::new("cat").arg("relative.txt").current_dir(&dir).stdout(Stdio::null()).spawn().unwrap();
    let pid = cat.id().to_string();
    let expected = format!("{}/relative.txt", dir.display());
    let line = snoop.expect_line("the full path", |l| l.ends_with(&expected));
    assert_eq!(columns(&line)[0], pid);
    assert!(cat.wait().unwrap().success());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn full_path_without_btf_names_the_flag_to_use() {
    let out = run("opensnoop", &["-F", "--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("opensnoop: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
}

#[test]
fn unknown_flags_print_usage_and_exit_64() {
    let out = run("opensnoop", &["--bogus"]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--bogus") && stderr.contains("Usage: opensnoop"), "{stderr}");
}

#[test]
fn bad_values_are_one_line_errors() {
    for args in [&["-p", "abc"][..], &["-p", "0"], &["-d", "-1"], &["-u", "x"]] {
        let out = run("opensnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("opensnoop: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let out = run("opensnoop", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("-x, --failed"));
}

#[test]
fn unprivileged_users_get_a_clear_message() {
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"])
        .arg(bpfbin_tests::tool("opensnoop"))
        .output()
        .expect("setpriv (util-linux)");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("root"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let path = touch("pipe");
    let mut snoop = Command::new(bpfbin_tests::tool("opensnoop"))
        .args(["-n", "cat"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`: read the header, then hang up.
    let mut header = String::new();
    BufReader::new(snoop.stdout.take().unwrap()).read_line(&mut header).unwrap();
    assert!(header.starts_with("PID"), "{header}");
    let started = Instant::now();
    while snoop.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < PATIENCE, "still running after its reader left");
        run_workload("cat", &[&path]);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = snoop.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("opensnoop", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(2), "took {:?}", done.took);
}
