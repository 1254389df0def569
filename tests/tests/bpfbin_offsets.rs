//! bpfbin-offsets on this machine's BTF and on a kernel image, against pahole.

use std::{path::Path, process::Command};

use bpfbin_tests::run;

/// Offset of `member` of `name` as pahole prints it (`/* offset size */`).
fn pahole_offset(btf: &Path, name: &str, member: &str) -> u32 {
    let out = Command::new("pahole").args(["-C", name]).arg(btf).output().expect("pahole (dwarves)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.split(';').next().is_some_and(|decl| decl.trim_end().ends_with(&format!(" {member}"))))
        .unwrap_or_else(|| panic!("pahole shows no {name}.{member}:\n{text}"));
    line.split("/*").nth(1).and_then(|c| c.split_whitespace().next()).unwrap().parse().unwrap()
}

fn printed_offset(stdout: &str, member: &str) -> u32 {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == member))
        .unwrap_or_else(|| panic!("{member} in {stdout}"));
    line.split_whitespace().rev().nth(1).unwrap().parse().unwrap()
}

#[test]
fn this_kernels_offsets_match_pahole() {
    let out = run("bpfbin-offsets", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let vmlinux = Path::new("/sys/kernel/btf/vmlinux");
    for (name, member) in [("task_struct", "tgid"), ("task_struct", "real_parent"), ("task_struct", "exit_code")] {
        assert_eq!(printed_offset(&stdout, &format!("{name}.{member}")), pahole_offset(vmlinux, name, member));
    }
    assert!(stdout.lines().any(|l| l.starts_with("opensnoop -F") && l.contains("mount.mnt_mountpoint")), "{stdout}");
}

#[test]
fn a_kernel_image_is_checked_through_its_btf() {
    let cache = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/bpfbin/kernels/x86_64-5.10/vmlinuz"));
    let Some(image) = cache.filter(|p| p.is_file()) else {
        eprintln!("skip: no cached x86_64 5.10 kernel (scripts/qemu-kernels.sh x86_64)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kernel-offsets.sh");
    let out = Command::new(script).arg(&image).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let btf = std::env::temp_dir().join(format!("bpfbin-offsets-test-{}.btf", std::process::id()));
    let extract = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kernel-btf.sh");
    assert!(Command::new(extract).arg(&image).arg(&btf).status().unwrap().success());
    assert_eq!(printed_offset(&stdout, "task_struct.tgid"), pahole_offset(&btf, "task_struct", "tgid"));
    std::fs::remove_file(btf).unwrap();
}

#[test]
fn a_file_that_is_not_btf_is_one_line_and_status_1() {
    let out = run("bpfbin-offsets", &["--btf", "/etc/hostname"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("bpfbin-offsets: /etc/hostname: "), "{stderr}");
}

#[test]
fn stats_say_what_resolving_cost() {
    let out = run("bpfbin-offsets", &["--stats"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let words: Vec<&str> = stderr.split_whitespace().collect();
    // "bpfbin-offsets: resolved N members in T ms, peak RSS K kB"
    assert_eq!(
        (words[1], words[3], words[4], words[6], words[7], words[8], words[10]),
        ("resolved", "members", "in", "ms,", "peak", "RSS", "kB"),
        "{stderr}"
    );
    let members: usize = words[2].parse().unwrap();
    let millis: f64 = words[5].parse().unwrap();
    let peak_kb: u64 = words[9].parse().unwrap();
    // One line per member, after the header.
    assert_eq!(members, String::from_utf8_lossy(&out.stdout).lines().count() - 1);
    assert!(millis > 0.0 && peak_kb > 0, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
