//! biolatency attached to this machine's kernel, timing direct I/O (no page
//! cache: every dd block is one request) on a file in /tmp, whose disk is
//! found through /sys/dev/block and must be one of /sys/block.

mod block;

use block::{MOST, SECONDS, Scratch};
use bpfbin_tests::{
    Traced,
    histogram::{histograms, total},
    run,
    workloads::Cgroup,
};

/// Runs biolatency with `args` (ending in an interval and a count of 1)
/// while the scratch file is written and read; its stdout lines.
fn biolatency(scratch: &Scratch, args: &[&str]) -> Vec<String> {
    let traced = Traced::start("biolatency", args);
    scratch.write_and_read();
    let done = traced.wait();
    assert_eq!(done.status.code(), Some(0), "{args:?}: {}", done.stderr);
    assert!(done.stderr.is_empty(), "{}", done.stderr);
    done.stdout
}

#[test]
fn per_disk_sections() {
    let scratch = Scratch::new();
    // `--disk` is -D, as libbpf-tools' argp binds it.
    let out = biolatency(&scratch, &["--disk", SECONDS, "1"]);
    assert_eq!(out[0], "Tracing block device I/O... Hit Ctrl-C to end.");
    // The interval's empty line, then per disk "\ndisk = NAME\t".
    assert_eq!(out[1], "");
    let hists = histograms(&out, "usecs");
    for (above, _) in &hists {
        assert!(above.starts_with("disk = ") && above.ends_with('\t'), "{above:?}: {out:#?}");
        let at = out.iter().position(|l| l == above).unwrap();
        assert_eq!(out[at - 1], "", "{out:#?}");
    }
    let header = format!("disk = {}\t", scratch.disk);
    let (_, counts) =
        hists.iter().find(|(above, _)| *above == header).unwrap_or_else(|| panic!("{header:?}: {out:#?}"));
    assert!(total(counts) >= 2 * MOST, "{out:#?}");
}

#[test]
fn one_disk_only_milliseconds_and_timestamps() {
    let scratch = Scratch::new();
    let out = biolatency(&scratch, &["-mTQ", "-d", &scratch.disk, SECONDS, "1"]);
    assert_eq!(out[1], "");
    let stamp = out[2].as_bytes();
    assert!(
        stamp.len() == 8
            && stamp.iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }),
        "{out:#?}"
    );
    let hists = histograms(&out, "msecs");
    assert_eq!(hists.len(), 1, "{out:#?}");
    // Without -D or -F, the histogram follows an empty line.
    assert_eq!(hists[0].0, "", "{out:#?}");
    assert!(total(&hists[0].1) >= 2 * MOST, "{out:#?}");
}

/// `--flag` is `-F`'s long name in libbpf-tools.
#[test]
fn per_flag_sections() {
    let scratch = Scratch::new();
    let out = biolatency(&scratch, &["--flag", "-d", &scratch.disk, SECONDS, "1"]);
    let hists = histograms(&out, "usecs");
    for (above, _) in &hists {
        assert!(above.starts_with("flags = "), "{above:?}: {out:#?}");
    }
    // Direct writes are synchronous: "WS", as libbpf-tools prints REQ_SYNC.
    let writes: u64 = hists.iter().filter(|(above, _)| above == "flags = Sync-Write").map(|(_, c)| total(c)).sum();
    let reads: u64 = hists.iter().filter(|(above, _)| above.ends_with("Read")).map(|(_, c)| total(c)).sum();
    assert!(writes >= MOST && reads >= MOST, "{writes} writes, {reads} reads: {out:#?}");
}

#[test]
fn json_has_the_disk_and_the_raw_slots() {
    let scratch = Scratch::new();
    let out = biolatency(&scratch, &["--json", "-D", "-F", SECONDS, "1"]);
    let objects: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).expect("valid JSON")).collect();
    let mine: Vec<_> = objects.iter().filter(|o| o["disk"] == scratch.disk.as_str()).collect();
    assert!(!mine.is_empty(), "{out:#?}");
    let mut requests = 0;
    for object in mine {
        assert_eq!(object["unit"], "usecs");
        assert!(object["flags"].is_string(), "{object}");
        assert!(object["ts_us"].as_u64().unwrap() > 0);
        let slots = object["slots"].as_array().unwrap();
        assert_eq!(slots.len(), 27);
        requests += slots.iter().map(|s| s.as_u64().unwrap()).sum::<u64>();
    }
    assert!(requests >= 2 * MOST, "{out:#?}");
}

#[test]
fn unknown_and_overlong_disk_names() {
    for flag in ["-d", "--disk-name"] {
        let out = run("biolatency", &[flag, "nosuchdisk0"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, "biolatency: invalid disk name: no nosuchdisk0 in /sys/block\n");
    }

    let out = run("biolatency", &["-d", &"x".repeat(32)]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("biolatency: invalid disk name: too long\n"), "{stderr}");
}

#[test]
fn cgroup_filter_leaves_out_other_tasks() {
    let scratch = Scratch::new();
    // No task is in the new cgroup: dd's requests, and any other, are not counted.
    let cgroup = Cgroup::new("biolatency");
    let out = biolatency(&scratch, &["-c", cgroup.path().to_str().unwrap(), SECONDS, "1"]);
    assert_eq!(out, ["Tracing block device I/O... Hit Ctrl-C to end.", ""]);
}
