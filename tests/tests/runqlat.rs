//! runqlat attached to this machine's kernel, timing the run queue waits of
//! two busy loops pinned to one CPU: each waits while the other runs.

use std::{process::Command, time::Duration};

use bpfbin_tests::{
    Traced, columns,
    histogram::{histograms, total},
    run,
    workloads::{BusyLoops, Cgroup},
};

/// Runs runqlat to its end (give it an interval and count); its stdout lines.
fn runqlat(args: &[&str]) -> Vec<String> {
    let out = run("runqlat", args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn one_histogram_per_interval_with_the_waits() {
    let _loops = BusyLoops::start();
    let out = runqlat(&["1", "2"]);
    assert_eq!(out[0], "Tracing run queue latency... Hit Ctrl-C to end.");
    // Each interval: an empty line, then the histogram.
    assert_eq!(out[1], "");
    let hists = histograms(&out, "usecs");
    assert_eq!(hists.len(), 2, "{out:#?}");
    for (above, counts) in &hists {
        assert_eq!(above, "", "no section header without -P or -L: {out:#?}");
        // The two loops alone switch hundreds of times a second.
        assert!(total(counts) >= 100, "{out:#?}");
    }
}

#[test]
fn milliseconds_and_timestamps() {
    let _loops = BusyLoops::start();
    let out = runqlat(&["-mT", "1", "1"]);
    assert_eq!(out[1], "");
    let stamp = out[2].as_bytes();
    assert!(
        stamp.len() == 8
            && stamp.iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }),
        "{out:#?}"
    );
    let hists = histograms(&out, "msecs");
    assert_eq!(hists.len(), 1, "{out:#?}");
    assert!(total(&hists[0].1) > 0);
}

#[test]
fn per_process_and_per_thread_sections() {
    let loops = BusyLoops::start();
    for (flag, what) in [("-P", "pid"), ("-L", "tid")] {
        let out = runqlat(&[flag, "1", "1"]);
        let hists = histograms(&out, "usecs");
        for n in 0..2 {
            let header = format!("{what} = {} sh", loops.pid(n));
            let (_, counts) =
                hists.iter().find(|(above, _)| *above == header).unwrap_or_else(|| panic!("{header}: {out:#?}"));
            assert!(total(counts) > 0, "{out:#?}");
        }
        // "pid = N comm" after an empty line, for every histogram.
        for (above, _) in &hists {
            let words = columns(above);
            assert!(
                words.len() >= 3 && words[0] == what && words[1] == "=" && words[2].parse::<u32>().is_ok(),
                "{above:?}"
            );
        }
        let at = out.iter().position(|l| l.starts_with(what)).unwrap();
        assert_eq!(out[at - 1], "", "{out:#?}");
    }
}

#[test]
fn pid_namespace_sections() {
    let loops = BusyLoops::start();
    let link = std::fs::read_link(format!("/proc/{}/ns/pid", loops.pid(0))).unwrap();
    // "pid:[4026531836]"
    let inum = link.to_str().unwrap().trim_start_matches("pid:[").trim_end_matches(']').to_owned();
    let out = runqlat(&["--pidnss", "1", "1"]);
    let hists = histograms(&out, "usecs");
    let prefix = format!("pidns = {inum} ");
    assert!(hists.iter().any(|(above, c)| above.starts_with(&prefix) && total(c) > 0), "{prefix}: {out:#?}");
    assert!(hists.iter().all(|(above, _)| above.starts_with("pidns = ")), "{out:#?}");

    let out = run("runqlat", &["--pidnss", "--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("runqlat: --pidnss ") && stderr.contains("--btf") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn pid_filter_counts_only_that_process() {
    let loops = BusyLoops::start();
    let pid = loops.pid(0).to_string();
    let out = runqlat(&["-p", &pid, "1", "1"]);
    let hists = histograms(&out, "usecs");
    assert_eq!(hists.len(), 1, "{out:#?}");
    assert!(total(&hists[0].1) > 0, "{out:#?}");

    // A process asleep all along never waits on a run queue.
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    let out = runqlat(&["-p", &sleeper.id().to_string(), "1", "1"]);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(out, ["Tracing run queue latency... Hit Ctrl-C to end.", ""]);
}

#[test]
fn json_has_the_raw_slots() {
    let loops = BusyLoops::start();
    let out = runqlat(&["--json", "-P", "1", "1"]);
    let objects: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).expect("valid JSON")).collect();
    let pid = loops.pid(1);
    let object = objects.iter().find(|o| o["pid"] == pid).unwrap_or_else(|| panic!("{out:#?}"));
    assert_eq!(object["comm"], "sh");
    assert_eq!(object["unit"], "usecs");
    let slots = object["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 26);
    assert!(slots.iter().map(|s| s.as_u64().unwrap()).sum::<u64>() > 0);
    assert!(object["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
}

#[test]
fn cgroup_filter_keeps_only_its_tasks() {
    // Dropped after the loops are killed.
    let cgroup = Cgroup::new("runqlat");
    let loops = BusyLoops::start();
    std::fs::write(cgroup.path().join("cgroup.procs"), loops.pid(0).to_string()).unwrap();
    let out = runqlat(&["-P", "-c", cgroup.path().to_str().unwrap(), "1", "1"]);
    let hists = histograms(&out, "usecs");
    // Its waits are counted, even when the loop outside the cgroup hands it the CPU.
    assert_eq!(hists.len(), 1, "{out:#?}");
    assert_eq!(hists[0].0, format!("pid = {} sh", loops.pid(0)));
    assert!(total(&hists[0].1) > 0);
    // Back to the root, so the directory can go.
    let root = cgroup.path().parent().unwrap().join("cgroup.procs");
    std::fs::write(root, loops.pid(0).to_string()).unwrap();

    let out = run("runqlat", &["-c", "/nonexistent/cgroup"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("runqlat: opening cgroup /nonexistent/cgroup") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn sigint_prints_the_summary_and_exits_0() {
    let _loops = BusyLoops::start();
    let traced = Traced::start("runqlat", &[]);
    std::thread::sleep(Duration::from_millis(500));
    let done = traced.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(3), "took {:?}", done.took);
    let hists = histograms(&done.stdout, "usecs");
    assert_eq!(hists.len(), 1, "{:#?}", done.stdout);
    assert!(total(&hists[0].1) > 0);
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    let cases: [&[&str]; 11] = [
        &["--bogus"],
        &["-p", "0"],
        &["-p", "abc"],
        &["0"],
        &["1", "0"],
        &["x"],
        &["1", "2", "3"],
        &["-P", "-L"],
        &["--pidnss", "-P"],
        &["--pidnss", "-L"],
        &["-c"],
    ];
    for args in cases {
        let out = run("runqlat", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("runqlat: ") && stderr.contains("Usage: runqlat"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
