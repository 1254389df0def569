//! oomkill on this machine's kernel. Its events come from a kprobe on
//! oom_kill_process(); OOM kills themselves are provoked only in the QEMU
//! guests (tests/qemu/checks/oomkill.sh), not on a machine people use.

use std::fs;

use bpfbin_tests::{Traced, kernel_has_kprobes, run, unique_path};

const NO_KPROBES: &str = "oomkill: cannot probe kernel function oom_kill_process: this kernel has no kprobes (it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)\n";

/// Where the kernel has kprobes, the tool attaches, prints libbpf-tools'
/// banner and ends on Ctrl-C; where it has none, one line says so. Also with
/// `--btf` naming the running kernel's BTF, which must be read as such.
#[test]
fn attaches_or_says_there_are_no_kprobes() {
    for args in [&[][..], &["--json"], &["--btf", "/sys/kernel/btf/vmlinux"]] {
        if kernel_has_kprobes() {
            let traced = Traced::start("oomkill", args);
            let done = traced.interrupt();
            assert_eq!(done.status.code(), Some(0), "{args:?}: {}", done.stderr);
            let banner: &[&str] =
                if args.contains(&"--json") { &[] } else { &["Tracing OOM kills... Ctrl-C to stop."] };
            assert_eq!(done.stdout, banner, "{args:?}");
        } else {
            let out = run("oomkill", args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), NO_KPROBES, "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?}: no banner before attaching");
        }
    }
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    // -p and -x are other tools' options; oomkill takes no arguments.
    for args in [&["--bogus"][..], &["-p", "1"], &["-x"], &["1"], &["--btf"]] {
        let out = run("oomkill", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("oomkill: ") && stderr.contains("Usage: oomkill"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let out = run("oomkill", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.starts_with("Usage: oomkill [-h] [-v] [--json] [--btf <btf>]"), "{help}");
    assert!(help.contains("Trace OOM kills."), "{help}");
}

#[test]
fn a_bad_btf_file_is_one_line_naming_it() {
    let not_btf = unique_path("not-btf");
    // Longer than a BTF header, so the magic is what gives it away.
    fs::write(&not_btf, "not a BTF file, but text long enough to hold a BTF header\n".repeat(4)).unwrap();
    let not_btf = not_btf.to_str().unwrap().to_owned();
    for (file, expected) in [
        (
            "/nonexistent/vmlinux",
            "oomkill: opening /nonexistent/vmlinux: No such file or directory (os error 2)\n".to_owned(),
        ),
        (not_btf.as_str(), format!("oomkill: {not_btf}: not BTF (bad magic)\n")),
    ] {
        let out = run("oomkill", &["--btf", file]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
        assert!(out.stdout.is_empty(), "{file}");
    }
    fs::remove_file(&not_btf).unwrap();
}
