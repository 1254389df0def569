//! biopattern attached to this machine's kernel, on a loop device of its own
//! (bpfbin_tests' LoopDisk) that only dd reads and writes: a dd writing it
//! from start to end is sequential, dd processes reading blocks apart are
//! random.
//!
//! Completions may come in a softirq on a CPU running another BPF program,
//! where the kernel runs no tracepoint program: with tests and tools tracing
//! side by side a few are missed, and the request after each is then counted
//! as random (the guest check, alone on its CPU, asserts the exact counts).

use bpfbin_tests::{Traced, columns, run, workloads::LoopDisk};

/// Direct 4 KiB writes of the sequential dd, and the most of them that may
/// go unseen.
const BLOCKS: u64 = 100;
const MISSED: u64 = BLOCKS / 10;

/// How long biopattern traces: every dd must fall inside, even on a loaded machine.
const SECONDS: &str = "4";

const HEADER: &str = "DISK     %RND  %SEQ    COUNT     KBYTES";

/// Runs biopattern with each of `runs` (each ending in an interval and a
/// count of 1) side by side while `work` runs; their stdout lines.
fn biopattern(runs: &[&[&str]], work: impl FnOnce()) -> Vec<Vec<String>> {
    let traced: Vec<Traced> = runs.iter().map(|args| Traced::start("biopattern", args)).collect();
    work();
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

/// The numbers of a row "DISK %RND %SEQ COUNT KBYTES", checked against
/// libbpf-tools' "%-7s %5ld %5ld %8d %10lld".
fn row(line: &str) -> [u64; 4] {
    let c = columns(line);
    let n: Vec<u64> = c[c.len() - 4..].iter().map(|v| v.parse().unwrap()).collect();
    let disk = c[c.len() - 5];
    assert!(line.ends_with(&format!("{disk:<7} {:>5} {:>5} {:>8} {:>10}", n[0], n[1], n[2], n[3])), "{line}");
    [n[0], n[1], n[2], n[3]]
}

#[test]
fn a_dd_from_start_to_end_is_sequential() {
    let disk = LoopDisk::new("biopattern");
    let outs = biopattern(&[&["-d", &disk.name, SECONDS, "1"], &["--json", "-d", &disk.name, SECONDS, "1"]], || {
        disk.dd(&["if=/dev/zero", &format!("of={}", disk.dev), "bs=4k", &format!("count={BLOCKS}"), "oflag=direct"])
    });
    let out = &outs[0];
    assert_eq!(out[..2], ["Tracing block device I/O requested seeks... Hit Ctrl-C to end.", HEADER], "{out:#?}");
    assert_eq!(out.len(), 3, "one disk: {out:#?}");
    assert!(out[2].starts_with(&format!("{} ", disk.name)), "{out:#?}");
    // The first request only says where the next must start.
    let [random_pct, sequential_pct, count, kbytes] = row(&out[2]);
    assert!((BLOCKS - 1 - MISSED..BLOCKS).contains(&count), "{out:#?}");
    assert!(random_pct <= 100 * MISSED / count && random_pct + sequential_pct >= 99, "{out:#?}");
    assert_eq!(kbytes, 4 * count, "{out:#?}");

    assert_eq!(outs[1].len(), 1, "{outs:#?}");
    let object: serde_json::Value = serde_json::from_str(&outs[1][0]).expect("valid JSON");
    assert_eq!(object["disk"], disk.name.as_str());
    assert!(object["ts_us"].as_u64().unwrap() > 0);
    let (random, sequential) = (object["random"].as_u64().unwrap(), object["sequential"].as_u64().unwrap());
    // Each miss takes one request out of the count and makes the next random.
    assert!(random <= MISSED && sequential + 2 * random >= BLOCKS - 2 - MISSED, "{object}");
    assert_eq!(object["count"], random + sequential, "{object}");
    assert_eq!(object["kbytes"], 4 * (random + sequential), "{object}");
    let pct = |n: u64| n * 100 / (random + sequential);
    assert_eq!(
        (object["random_pct"].as_u64(), object["sequential_pct"].as_u64()),
        (Some(pct(random)), Some(pct(sequential)))
    );
}

#[test]
fn reads_blocks_apart_are_random_with_timestamps() {
    let disk = LoopDisk::new("biopattern-T");
    let reads = 20;
    let outs = biopattern(&[&["-T", "-d", &disk.name, SECONDS, "1"]], || {
        for i in 0..reads {
            let input = format!("if={}", disk.dev);
            disk.dd(&[&input, "of=/dev/null", "bs=4k", "count=1", &format!("skip={}", 3 * i), "iflag=direct"]);
        }
    });
    let out = &outs[0];
    assert_eq!(out[1], format!("TIME      {HEADER}"), "{out:#?}");
    assert_eq!(out.len(), 3, "one disk: {out:#?}");
    // "%-9s " of HH:MM:SS, then the row.
    let stamp = out[2].as_bytes();
    assert!(stamp[..8].iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }));
    assert!(out[2][8..].starts_with(&format!("  {} ", disk.name)), "{out:#?}");
    let [random_pct, sequential_pct, count, kbytes] = row(&out[2]);
    // No read starts where another ended, seen or not.
    assert_eq!((random_pct, sequential_pct), (100, 0), "{out:#?}");
    assert!((reads * 9 / 10 - 1..reads).contains(&count), "{out:#?}");
    assert_eq!(kbytes, 4 * count, "{out:#?}");
}

#[test]
fn unknown_and_overlong_disk_names() {
    let out = run("biopattern", &["-d", "nosuchdisk0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "biopattern: invalid disk name: no nosuchdisk0 in /sys/block\n");
    let out = run("biopattern", &["-d", &"x".repeat(32)]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("biopattern: invalid disk name: too long\n"));
}
