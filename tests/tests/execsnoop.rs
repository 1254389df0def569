//! execsnoop attached to this machine's kernel, seeing real execs.
//!
//! Each workload is `sh -c 'exec PROGRAM ARGS'` spawned by this test: the
//! exec keeps the shell's PID, so the test knows the PID (the child's) and
//! the PPID (its own) before the event arrives.

use std::{process::Command, time::Duration};

use bpfbin_tests::{Traced, columns, run, run_workload, unique_path, workloads::Cgroup};

/// A word no other exec on this machine carries.
fn marker() -> String {
    unique_path("marker").file_name().unwrap().to_str().unwrap().to_owned()
}

/// Runs `script` in `sh -c` and returns the shell's PID, which its `exec` keeps.
fn sh(script: &str) -> u32 {
    run_workload("sh", &["-c", script])
}

/// Whether `line` is the exec whose RET and ARGS start as given. The shell
/// that ran it shows the same words too, but after "-c exec".
fn is_exec(line: &str, ret: i32, args: &str) -> bool {
    line.contains(&format!(" {ret:>3} {args}"))
}

fn ppid() -> String {
    std::process::id().to_string()
}

#[test]
fn sees_an_exec_with_its_parent_and_arguments() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &[]);
    let pid = sh(&format!("exec /bin/echo {marker} a b"));
    let line = snoop.expect_line("echo's exec", |l| is_exec(l, 0, &format!("/bin/echo {marker}")));
    assert_eq!(columns(&line), ["echo", &pid.to_string(), &ppid(), "0", "/bin/echo", &marker, "a", "b"], "{line}");
    // libbpf-tools' layout: %-16s %-6d %-6d %3d, each argument followed by a space.
    assert_eq!(line, format!("{:<16} {:<6} {:<6} {:>3} /bin/echo {marker} a b ", "echo", pid, ppid(), 0));
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

#[test]
fn header_has_the_libbpf_tools_columns() {
    let snoop = Traced::start("execsnoop", &[]);
    assert_eq!(snoop.interrupt().stdout[0], "PCOMM            PID    PPID   RET ARGS");
    let snoop = Traced::start("execsnoop", &["-TtU"]);
    assert_eq!(snoop.interrupt().stdout[0], "TIME     TIME(s)  UID    PCOMM            PID    PPID   RET ARGS");
}

#[test]
fn optional_columns_come_first() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["-T", "-t", "-U"]);
    let pid = sh(&format!("exec /bin/echo {marker}"));
    let line = snoop.expect_line("echo's exec", |l| is_exec(l, 0, &format!("/bin/echo {marker}")));
    let cols = columns(&line);
    assert!(cols[0].len() == 8 && cols[0].as_bytes()[2] == b':', "HH:MM:SS in {line}");
    assert!(cols[1].parse::<f64>().is_ok_and(|s| s >= 0.0), "seconds since start in {line}");
    assert_eq!(cols[2..6], ["0", "echo", &pid.to_string(), &ppid()], "{line}");
}

#[test]
fn failed_execs_are_hidden_by_default() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &[]);
    sh(&format!("exec /nonexistent/{marker}-missing 2>/dev/null"));
    sh(&format!("exec /bin/echo {marker}-present"));
    snoop.expect_line("the successful exec", |l| is_exec(l, 0, &format!("/bin/echo {marker}-present")));
    let seen = snoop.settle(Duration::from_millis(500));
    let failed = format!("/nonexistent/{marker}-missing");
    assert!(!seen.iter().any(|l| is_exec(l, -2, &failed)), "a failed exec was shown: {seen:?}");
}

#[test]
fn x_includes_failed_execs() {
    let marker = marker();
    let missing = format!("/nonexistent/{marker}");
    let mut snoop = Traced::start("execsnoop", &["-x"]);
    let pid = sh(&format!("exec {missing} arg 2>/dev/null"));
    let line = snoop.expect_line("the failed exec", |l| is_exec(l, -2, &missing));
    // A failed exec keeps the caller's name; RET is minus ENOENT.
    assert_eq!(columns(&line), ["sh", &pid.to_string(), &ppid(), "-2", &missing, "arg"], "{line}");
    // libbpf-tools' -x adds failed execs to the successful ones.
    sh(&format!("exec /bin/echo {marker}-ok"));
    snoop.expect_line("the successful exec too", |l| is_exec(l, 0, &format!("/bin/echo {marker}-ok")));
}

#[test]
fn max_args_cuts_the_arguments_and_says_so() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["--max-args", "3"]);
    sh(&format!("exec /bin/echo {marker} a b c"));
    sh(&format!("exec /bin/echo {marker}-fits a"));
    // The file name counts as the first argument.
    let line = snoop.expect_line("the cut exec", |l| is_exec(l, 0, &format!("/bin/echo {marker} ")));
    assert!(line.ends_with(&format!(" /bin/echo {marker} a  ...")), "{line:?}");
    let line = snoop.expect_line("the exec that fits", |l| is_exec(l, 0, &format!("/bin/echo {marker}-fits")));
    assert!(line.ends_with(&format!(" /bin/echo {marker}-fits a ")), "{line:?}");
}

#[test]
fn q_quotes_every_argument() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["-q"]);
    sh(&format!(r#"exec /bin/echo {marker} 'two words' 'say "hi"'"#));
    let line = snoop.expect_line("the quoted exec", |l| is_exec(l, 0, &format!("\"/bin/echo\" \"{marker}")));
    let expected = format!(r#" "/bin/echo" "{marker}" "two words" "say \"hi\"" "#);
    assert!(line.ends_with(&expected), "{line:?} does not end with {expected:?}");
}

#[test]
fn n_matches_part_of_the_process_name() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["-n", "ech"]);
    sh(&format!("exec /bin/true {marker}-true"));
    sh(&format!("exec /bin/echo {marker}-echo"));
    snoop.expect_line("echo's exec", |l| l.contains(&format!("{marker}-echo")));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(seen.iter().skip(1).all(|l| columns(l)[0].contains("ech")), "other names shown: {seen:?}");
}

#[test]
fn l_matches_part_of_an_argument() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["-l", &format!("{marker}-ke")]);
    sh(&format!("exec /bin/echo {marker}-drop"));
    sh(&format!("exec /bin/echo x {marker}-keep y"));
    snoop.expect_line("the matching exec", |l| l.contains(&format!("{marker}-keep")));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.contains(&format!("{marker}-drop"))), "a non-matching exec was shown: {seen:?}");
}

#[test]
fn u_keeps_only_that_user() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["-u", "65534"]);
    sh(&format!("exec /bin/echo {marker}-root"));
    let nobody = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/echo", &format!("{marker}-nobody")])
        .output()
        .expect("setpriv (util-linux)");
    assert!(nobody.status.success());
    snoop.expect_line("nobody's exec", |l| l.contains(&format!("{marker}-nobody")));
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.contains(&format!("{marker}-root"))), "root's exec was shown: {seen:?}");
}

/// The shell in the cgroup moves itself there before its exec.
#[test]
fn c_keeps_only_the_cgroups_processes() {
    let marker = marker();
    let cgroup = Cgroup::new("execsnoop");
    let mut snoop = Traced::start("execsnoop", &["-c", cgroup.path().to_str().unwrap()]);
    sh(&format!("exec /bin/echo {marker}-outside"));
    let inside = sh(&format!("echo $$ > {}/cgroup.procs && exec /bin/echo {marker}-inside", cgroup.path().display()));
    let line = snoop.expect_line("the exec in the cgroup", |l| l.contains(&format!("{marker}-inside")));
    assert_eq!(columns(&line)[1], inside.to_string(), "{line}");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| l.contains(&format!("{marker}-outside"))), "an exec outside was shown: {seen:?}");

    let out = run("execsnoop", &["-c", "/nonexistent/cgroup"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("execsnoop: opening cgroup /nonexistent/cgroup: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn json_lines_carry_every_field() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &["--json", "--max-args", "3"]);
    let pid = sh(&format!("exec /bin/echo {marker} 'a b' c"));
    let line = snoop.expect_line("a JSON event", |l| l.contains(&format!("\"args\":[\"/bin/echo\",\"{marker}")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], pid);
    assert_eq!(event["ppid"], std::process::id());
    assert_eq!(event["uid"], 0);
    assert_eq!(event["comm"], "echo");
    assert_eq!(event["ret"], 0);
    assert_eq!(event["args"], serde_json::json!(["/bin/echo", marker, "a b"]));
    assert_eq!(event["truncated"], true);
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
}

#[test]
fn hostile_arguments_are_escaped() {
    let marker = marker();
    let mut snoop = Traced::start("execsnoop", &[]);
    sh(&format!("exec /bin/echo {marker} \"$(printf 'evil\\n\\033[31mred')\""));
    let line = snoop.expect_line("the escaped argument", |l| is_exec(l, 0, &format!("/bin/echo {marker}")));
    assert!(line.ends_with(&format!("{marker} evil\\n\\x1b[31mred ")), "{line:?}");
}

#[test]
fn a_missing_btf_file_is_named() {
    let out = run("execsnoop", &["--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("execsnoop: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
}

#[test]
fn bad_flags_and_values_exit_64() {
    for args in [&["--bogus"][..], &["--max-args", "0"], &["--max-args", "61"], &["-u", "x"], &["-c"]] {
        let out = run("execsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("execsnoop: ") && stderr.contains("Usage: execsnoop"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let out = run("execsnoop", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("-x, --fails") && help.contains("--max-args"), "{help}");
}
