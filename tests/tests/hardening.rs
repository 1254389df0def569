//! Every built tool against bad command lines, missing privileges and a full
//! disk, driven by a table derived from the tool's own usage line, so a new
//! tool is covered the day it is built.

use std::{
    process::{Command, Output, Stdio},
    thread,
    time::{Duration, Instant},
};

use bpfbin_tests::{built_tools, tool};

/// Runs `command` to its end; one that is still running after 10 s (it took
/// a bad value for a good one and started tracing) is killed, and fails.
fn run_bounded(mut command: Command) -> Output {
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{command:?} still running after 10 s: {:?}", child.wait_with_output().unwrap());
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn run(tool_name: &str, args: &[&str]) -> Output {
    let mut command = Command::new(tool(tool_name));
    command.args(args);
    run_bounded(command)
}

/// The tool's usage line, e.g. `Usage: syncsnoop [-p <pid>] [-v] [--json]`.
fn usage(tool_name: &str) -> String {
    let out = run(tool_name, &["--help"]);
    assert_eq!(out.status.code(), Some(0), "{tool_name} --help");
    let help = String::from_utf8(out.stdout).unwrap();
    let line = help.lines().next().unwrap().to_owned();
    assert!(line.starts_with(&format!("Usage: {tool_name}")), "{tool_name}: {line}");
    line
}

/// Options that take a value, with the value's name: `[-p <pid>]` → ("-p", "pid").
fn options_with_values(usage: &str) -> Vec<(String, String)> {
    usage
        .split('[')
        .filter_map(|group| {
            let group = group.trim_end_matches([']', ' ']);
            let (flag, value) = group.split_once(" <")?;
            Some((flag.to_owned(), value.trim_end_matches('>').to_owned()))
        })
        .filter(|(flag, _)| flag.starts_with('-'))
        .collect()
}

/// What a tool cannot run without, as in libbpf-tools: funclatency's FUNCTION.
fn required(tool_name: &str) -> &'static [&'static str] {
    match tool_name {
        "funclatency" => &["vfs_read"],
        _ => &[],
    }
}

/// A short option the tool does not have (`-Q` is biolatency's, for one).
fn unknown_letter(usage: &str) -> String {
    ('A'..='Z').map(|c| format!("-{c}")).find(|flag| !usage.contains(&format!("[{flag}"))).unwrap()
}

/// Values the option must refuse, by the kind of number its name says it is.
fn bad_values(value_name: &str) -> &'static [&'static str] {
    match value_name {
        // Positive counts and IDs: 0 means nothing here.
        "pid" | "tid" | "duration" | "top" | "max-args" => &["0", "-1", "abc", "1x", "99999999999999999999", ""],
        // syscount -i 0: no interval, as in libbpf-tools.
        "interval" | "uid" => &["-1", "abc", "1x", "99999999999999999999", ""],
        "signal" | "errno" | "unique" => &["no-such-name", "-1", ""],
        _ => &[],
    }
}

/// A bad usage: status 64 (EX_USAGE, as argp), and on stderr the tool's
/// name, the reason and the usage line, nothing else (no panic, no log noise).
fn assert_usage_error(tool_name: &str, args: &[&str]) {
    let out = run(tool_name, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{tool_name} {args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 2, "{tool_name} {args:?}: {stderr}");
    assert!(lines[0].starts_with(&format!("{tool_name}: ")), "{tool_name} {args:?}: {stderr}");
    assert!(lines.last().unwrap().starts_with(&format!("Usage: {tool_name}")), "{tool_name} {args:?}: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(out.stdout.is_empty(), "{tool_name} {args:?} printed: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn every_bad_command_line_is_a_usage_error() {
    let mut tried = 0;
    for tool_name in built_tools() {
        let usage = usage(&tool_name);
        let mut cases: Vec<Vec<String>> =
            vec![vec!["--no-such-option".into()], vec![unknown_letter(&usage)], vec!["--json=yes".into()]];
        for (flag, value_name) in options_with_values(&usage) {
            // The value is missing.
            cases.push(vec![flag.clone()]);
            for value in bad_values(&value_name) {
                cases.push(vec![flag.clone(), (*value).into()]);
            }
        }
        if !usage.contains("<interval") {
            // No positional arguments.
            cases.push(vec!["extra".into()]);
        }
        for case in &cases {
            let mut args = required(&tool_name).to_vec();
            args.extend(case.iter().map(String::as_str));
            assert_usage_error(&tool_name, &args);
        }
        tried += cases.len();
    }
    eprintln!("{tried} bad command lines tried");
}

#[test]
fn without_privileges_every_tool_says_so_in_one_line() {
    for tool_name in built_tools() {
        // bpfbin-offsets reads only a BTF file, which needs no privileges;
        // bpfbox without a tool is a usage error (tests/tests/bpfbox.rs).
        if tool_name == "bpfbin-offsets" || tool_name == "bpfbox" {
            continue;
        }
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]).arg(tool(&tool_name));
        command.args(required(&tool_name));
        let out = run_bounded(command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tool_name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{tool_name}: {stderr}");
        assert!(stderr.starts_with(&format!("{tool_name}: ")), "{stderr}");
        assert!(stderr.contains("run as root, or with CAP_BPF and CAP_PERFMON"), "{tool_name}: {stderr}");
        assert!(out.stdout.is_empty(), "{tool_name}: {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn usage_lines_parse_into_options() {
    assert_eq!(
        options_with_values("Usage: syscount [-v] [-p <pid>] [-T <top>] [--max-args <max-args>] [--json]"),
        [("-p", "pid"), ("-T", "top"), ("--max-args", "max-args")].map(|(f, v)| (f.to_owned(), v.to_owned()))
    );
}

#[test]
fn a_full_disk_is_one_line_and_status_1() {
    let mut tried = 0;
    for tool_name in built_tools() {
        if tool_name == "bpfbox" {
            continue;
        }
        // Output redirected to a file on a full disk: /dev/full fails every
        // write with ENOSPC. A tool still running after 3 s printed nothing
        // yet; Ctrl-C makes it print its summary.
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let mut child = Command::new(tool(&tool_name))
            .args(required(&tool_name))
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(3) {
            thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: signalling our own child (a no-op if it has exited).
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{tool_name} > /dev/full still running 10 s after Ctrl-C");
            }
            thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tool_name} > /dev/full: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{tool_name} > /dev/full: {stderr}");
        assert!(stderr.starts_with(&format!("{tool_name}: ")), "{stderr}");
        // Tools that cannot attach here (no kprobes on this host) fail first.
        if !stderr.contains("kprobes") {
            assert!(stderr.contains("No space left on device"), "{tool_name} > /dev/full: {stderr}");
            tried += 1;
        }
    }
    assert!(tried >= 10, "only {tried} tools wrote to /dev/full");
}
