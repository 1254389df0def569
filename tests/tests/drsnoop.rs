//! drsnoop attached to this machine's kernel. Direct reclaim needs memory
//! pressure this machine cannot be put under safely, so the events are
//! checked in the QEMU guests (tests/qemu/checks/drsnoop.sh); here, the
//! columns, the duration and what -e needs from /proc/kallsyms.

use std::time::{Duration, Instant};

use bpfbin_tests::run;

#[test]
fn a_duration_prints_libbpf_tools_header_and_ends() {
    let started = Instant::now();
    let out = run("drsnoop", &["-d", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("Tracing direct reclaim events for 1 secs."));
    assert_eq!(lines.next(), Some("TIME     COMM             TID     LAT(ms) PAGES"));
}

#[test]
fn extended_needs_vm_zone_stat_in_kallsyms() {
    let listed = std::fs::read_to_string("/proc/kallsyms").unwrap().lines().any(|l| l.ends_with(" vm_zone_stat"));
    let out = run("drsnoop", &["-e", "-d", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if listed {
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().nth(1), Some("TIME     COMM             TID     LAT(ms) PAGES FREE(KB)"));
    } else {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("drsnoop: ") && stderr.contains("CONFIG_KALLSYMS_ALL"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn json_prints_no_header() {
    let out = run("drsnoop", &["--json", "-p", "1", "-d", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}
