//! bitesize attached to this machine's kernel, counting the direct reads of
//! dd on a loop device of its own (bpfbin_tests' LoopDisk), where every dd
//! block is one request of that size issued by dd. Reads: a direct write
//! may wait in a plug and be issued by a kblockd worker (on Linux 6.1).

use bpfbin_tests::{Traced, histogram::histograms, run, workloads::LoopDisk};

/// Requests of each dd: 16 KiB reads, 4 KiB reads.
const LARGE: u64 = 50;
const SMALL: u64 = 30;

/// How long bitesize traces: every dd must fall inside, even on a loaded machine.
const SECONDS: &str = "4";

/// The dd reads of `disk`.
fn read(disk: &LoopDisk) {
    let input = format!("if={}", disk.dev);
    for (bs, count) in [("bs=16k", LARGE), ("bs=4k", SMALL)] {
        disk.dd(&[&input, "of=/dev/null", bs, &format!("count={count}"), "iflag=direct"]);
    }
}

/// Runs bitesize with each of `runs` (each ending in an interval and a
/// count of 1) side by side while dd reads `disk`; their
/// stdout lines.
fn bitesize(disk: &LoopDisk, runs: &[&[&str]]) -> Vec<Vec<String>> {
    let traced: Vec<Traced> = runs.iter().map(|args| Traced::start("bitesize", args)).collect();
    read(disk);
    traced
        .into_iter()
        .zip(runs)
        .map(|(traced, args)| {
            let done = traced.wait();
            assert_eq!(done.status.code(), Some(0), "{args:?}: {}", done.stderr);
            assert!(done.stderr.is_empty(), "{}", done.stderr);
            done.stdout
        })
        .collect()
}

/// The slot counts of the histogram under "Process Name = dd".
fn dd_slots(out: &[String]) -> Vec<u64> {
    let hists = histograms(out, "Kbytes");
    for (above, _) in &hists {
        assert!(above.starts_with("Process Name = "), "{above:?}: {out:#?}");
    }
    let dd = hists.iter().find(|(above, _)| above == "Process Name = dd");
    dd.unwrap_or_else(|| panic!("no histogram of dd: {out:#?}")).1.clone()
}

#[test]
fn sizes_of_dd_requests_on_one_disk() {
    let disk = LoopDisk::new("bitesize");
    let out = bitesize(&disk, &[&["-d", &disk.name, SECONDS, "1"]]).remove(0);
    assert_eq!(out[0], "Tracing block device I/O... Hit Ctrl-C to end.");
    // The interval's empty line, then "\nProcess Name = dd".
    assert_eq!(out[1..3], ["", ""], "{out:#?}");
    // Slot 2 is 4 -> 7 Kbytes, slot 4 is 16 -> 31; only dd used the disk.
    assert_eq!(dd_slots(&out), [0, 0, SMALL, 0, LARGE], "{out:#?}");
    assert_eq!(histograms(&out, "Kbytes").len(), 1, "{out:#?}");
}

/// `-c` keeps the tasks of that command name, the whole name: "d" is not "dd".
#[test]
fn comm_filter_and_timestamps() {
    let disk = LoopDisk::new("bitesize-c");
    let outs = bitesize(&disk, &[&["-T", "-c", "dd", SECONDS, "1"], &["--comm", "d", SECONDS, "1"]]);
    let out = &outs[0];
    let stamp = out[2].as_bytes();
    assert!(
        stamp.len() == 8
            && stamp.iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }),
        "{out:#?}"
    );
    let hists = histograms(out, "Kbytes");
    assert!(hists.iter().all(|(above, _)| above == "Process Name = dd"), "{out:#?}");
    // At least dd's own requests: other dd processes may run meanwhile.
    let slots = dd_slots(out);
    assert!(slots.len() >= 5 && slots[2] >= SMALL && slots[4] >= LARGE, "{out:#?}");
    assert_eq!(outs[1], ["Tracing block device I/O... Hit Ctrl-C to end.", ""]);
}

#[test]
fn json_has_the_comm_and_the_raw_slots() {
    let disk = LoopDisk::new("bitesize-json");
    let out = bitesize(&disk, &[&["--json", "-d", &disk.name, SECONDS, "1"]]).remove(0);
    assert_eq!(out.len(), 1, "{out:#?}");
    let object: serde_json::Value = serde_json::from_str(&out[0]).expect("valid JSON");
    assert_eq!(object["comm"], "dd");
    assert_eq!(object["unit"], "Kbytes");
    assert!(object["ts_us"].as_u64().unwrap() > 0);
    let mut slots = vec![0; 20];
    (slots[2], slots[4]) = (SMALL, LARGE);
    assert_eq!(object["slots"], serde_json::json!(slots));
}

#[test]
fn unknown_and_overlong_disk_names() {
    let out = run("bitesize", &["-d", "nosuchdisk0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "bitesize: invalid disk name: no nosuchdisk0 in /sys/block\n");
    let out = run("bitesize", &["-d", &"x".repeat(32)]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("bitesize: invalid disk name: too long\n"));
}
