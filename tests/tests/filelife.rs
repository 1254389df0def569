//! filelife on this machine's kernel. Its events come from kprobes on
//! vfs_create(), vfs_open(), security_inode_create() and vfs_unlink(): where
//! the kernel has kprobes, a real short-lived file is checked; where it has
//! none (this CI machine), the one-line error that says so.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, kernel_has_kprobes, run, unique_path};

#[test]
fn without_kprobes_says_so_in_one_line() {
    if kernel_has_kprobes() {
        return; // sees_a_short_lived_file covers this kernel
    }
    // With --btf, the layouts and prototypes come from that file: the same way to the kprobes.
    for args in [&[][..], &["--btf", "/sys/kernel/btf/vmlinux"]] {
        let out = run("filelife", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr,
            "filelife: cannot probe kernel function vfs_create: this kernel has no kprobes (it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)\n"
        );
        assert!(out.stdout.is_empty(), "no header before attaching");
    }
}

#[test]
fn sees_a_short_lived_file() {
    if !kernel_has_kprobes() {
        return; // without_kprobes_says_so_in_one_line covers this kernel
    }
    let mut filelife = Traced::start("filelife", &[]);
    let path = unique_path("filelife");
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    // One shell creates the file, waits, and execs rm, which deletes it: the PID is the shell's.
    let script = format!("echo x > {0}; sleep 1; exec rm {0}", path.display());
    let mut shell = Command::new("sh").args(["-c", &script]).stdout(Stdio::null()).spawn().unwrap();
    let pid = shell.id().to_string();
    shell.wait().unwrap();
    let line = filelife.expect_line("the file's deletion", |l| l.ends_with(&format!(" {name}")));
    let c = columns(&line);
    assert_eq!(c[1..3], [pid.as_str(), "rm"], "{line}");
    let age: f64 = c[3].parse().unwrap();
    assert!((0.9..3.0).contains(&age), "{line}");
    let done = filelife.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}

#[test]
fn a_btf_file_that_cannot_be_read_is_an_error() {
    let out = run("filelife", &["--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("filelife: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_file_that_is_not_btf_is_an_error() {
    let out = run("filelife", &["--btf", "/proc/self/exe"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "filelife: /proc/self/exe: not BTF (bad magic)\n");
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    for args in [&["--bogus"][..], &["-p", "0"], &["-p", "abc"], &["-p", "-1"], &["-p"], &["-x"], &["--btf"]] {
        let out = run("filelife", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("filelife: ") && stderr.contains("Usage: filelife"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
