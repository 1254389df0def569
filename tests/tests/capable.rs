//! capable on this machine's kernel. Its checks come from kprobes on
//! cap_capable(): where the kernel has kprobes, the real events are checked;
//! where it has none (this CI machine), the one-line error that says so.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, kernel_has_kprobes, run};

#[test]
fn without_kprobes_says_so_in_one_line() {
    if kernel_has_kprobes() {
        return; // sees_checks_with_their_verdicts covers this kernel
    }
    let out = run("capable", &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "capable: cannot probe kernel function cap_capable: this kernel has no kprobes (it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)\n"
    );
    assert!(out.stdout.is_empty(), "no header before attaching");
}

#[test]
fn sees_checks_with_their_verdicts() {
    if !kernel_has_kprobes() {
        return; // without_kprobes_says_so_in_one_line covers this kernel
    }
    let mut capable = Traced::start("capable", &["-x"]);
    // As root, raising one's own priority asks for CAP_SYS_NICE and gets it;
    // as uid 65534 it is denied.
    // The shell execs, so its PID ($$) is the checking process's.
    let shell = |script: &str| Command::new("sh").args(["-c", script]).stdout(Stdio::null()).spawn().unwrap();
    let allowed = shell("exec renice -n -1 -p $$");
    let allowed_pid = allowed.id().to_string();
    let denied = shell("exec setpriv --reuid=65534 --regid=65534 --clear-groups renice -n -5 -p $$");
    let denied_pid = denied.id().to_string();
    for mut child in [allowed, denied] {
        child.wait().unwrap();
    }
    capable.expect_line("renice allowed", |l| {
        columns(l)[1..] == ["0", &allowed_pid, &allowed_pid, "renice", "23", "CAP_SYS_NICE", "1", "allow", "0"]
    });
    capable.expect_line("setpriv's CAP_SETUID", |l| {
        let c = columns(l);
        c[2] == denied_pid && c[4] == "setpriv" && c[5] == "7" && c[8] == "allow" && c[9] == "1"
    });
    capable.expect_line("renice denied", |l| {
        columns(l)[1..] == ["65534", &denied_pid, &denied_pid, "renice", "23", "CAP_SYS_NICE", "1", "deny", "0"]
    });
    let done = capable.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    for args in [
        &["--bogus"][..],
        &["-p", "0"],
        &["-p", "abc"],
        &["-u", "thread"],
        &["-u"],
        &["-K", "1"],
        &["-k"],
        &["--perf-max-stack-depth", "0"],
        &["--perf-max-stack-depth", "128"],
        &["--stack-storage-size", "0"],
        &["--stack-storage-size", "-1"],
    ] {
        let out = run("capable", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("capable: ") && stderr.contains("Usage: capable"), "{args:?}: {stderr}");
    }
}

/// -K and -U (stacks) parse, alone and together with the other flags, and
/// reach the attach: on this machine, its one-line error.
#[test]
fn stack_flags_are_accepted() {
    if kernel_has_kprobes() {
        return; // the QEMU check (tests/qemu/checks/capable.sh) shows the stacks
    }
    for args in [
        &["-K"][..],
        &["-U"],
        &["-K", "-U", "-x", "-v", "-u", "pid"],
        &["--kernel-stack", "--user-stack", "--json"],
        &["-K", "--perf-max-stack-depth", "1", "--stack-storage-size", "65536"],
    ] {
        let out = run("capable", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr.lines().filter(|line| !line.contains("DEBUG")).collect::<Vec<_>>();
        assert_eq!(error.len(), 1, "{args:?}: {stderr}");
        assert!(error[0].starts_with("capable: cannot probe kernel function cap_capable: "), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_cgroup_is_one_line_naming_it() {
    let out = run("capable", &["-c", "/sys/fs/cgroup/no-such-bpfbin-group"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("capable: opening cgroup /sys/fs/cgroup/no-such-bpfbin-group: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// `--stack-storage-size` sizes the stack map when it is created, before the
/// attach: this kernel refuses more than 2^31 entries (E2BIG), in one line.
#[test]
fn a_stack_storage_size_the_kernel_refuses_is_one_line() {
    let out = run("capable", &["-K", "--stack-storage-size", "4294967295"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "capable: creating map STACKS with 4294967295 entries: Argument list too long (os error 7): more than this kernel allows or has memory for\n"
    );
}
