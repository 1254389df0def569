//! cpudist attached to this machine's kernel, timing the time slices of two
//! busy loops pinned to one CPU, and the off-CPU time of a shell that sleeps
//! a known time in a loop.

use std::process::{Child, Command, Stdio};

use bpfbin_tests::{
    histogram::{histograms, total},
    run,
    workloads::BusyLoops,
};

/// Runs cpudist to its end (give it an interval and count); its stdout lines.
fn cpudist(args: &[&str]) -> Vec<String> {
    let out = run("cpudist", args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

/// A shell that runs `sleep 0.2` over and over: off the CPU for 200 ms each
/// time it waits for its child.
fn sleepy_shell() -> Child {
    Command::new("sh").args(["-c", "while :; do sleep 0.2; done"]).stdin(Stdio::null()).spawn().unwrap()
}

#[test]
fn on_cpu_time_slices_of_busy_loops() {
    let loops = BusyLoops::start();
    let out = cpudist(&["-P", "1", "2"]);
    assert_eq!(out[0], "Tracing on-CPU time... Hit Ctrl-C to end.");
    assert_eq!(out[1], "");
    let hists = histograms(&out, "usecs");
    for n in 0..2 {
        let header = format!("pid = {} sh", loops.pid(n));
        let slices: Vec<&Vec<u64>> = hists.iter().filter(|(above, _)| *above == header).map(|(_, c)| c).collect();
        assert_eq!(slices.len(), 2, "one histogram per interval: {out:#?}");
        assert!(slices.iter().all(|c| total(c) > 0), "{out:#?}");
    }
}

#[test]
fn off_cpu_time_of_a_sleeping_shell_lands_in_its_bucket() {
    let mut shell = sleepy_shell();
    let pid = shell.id().to_string();
    let out = cpudist(&["-O", "-p", &pid, "2", "1"]);
    let _ = shell.kill();
    let _ = shell.wait();
    assert_eq!(out[0], "Tracing off-CPU time... Hit Ctrl-C to end.");
    let hists = histograms(&out, "usecs");
    assert_eq!(hists.len(), 1, "{out:#?}");
    // 2 s of 200 ms waits: about 10 in 131072 -> 262143 us (slot 17); fork,
    // exec and a busy machine take a little, so 5 at least.
    let counts = &hists[0].1;
    assert!(counts.len() >= 18 && counts[17] >= 5, "{out:#?}");
    // Nothing of it waited a second or more.
    assert!(counts.len() <= 20, "{out:#?}");

    let mut shell = sleepy_shell();
    let out = cpudist(&["-O", "-m", "-L", "--json", "2", "1"]);
    let tid = shell.id();
    let _ = shell.kill();
    let _ = shell.wait();
    let objects: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).expect("valid JSON")).collect();
    let object = objects.iter().find(|o| o["tid"] == tid).unwrap_or_else(|| panic!("{out:#?}"));
    assert_eq!((&object["comm"], &object["unit"]), (&"sh".into(), &"msecs".into()));
    let slots: Vec<u64> = object["slots"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
    // 200 ms: slot 7, 128 -> 255 ms.
    assert_eq!(slots.len(), 36);
    assert!(slots[7] >= 5, "{out:#?}");
}

#[test]
fn per_thread_sections_and_milliseconds() {
    let loops = BusyLoops::start();
    let out = cpudist(&["-L", "-mT", "1", "1"]);
    let stamp = out[2].as_bytes();
    assert!(stamp.len() == 8 && stamp[2] == b':' && stamp[5] == b':', "{out:#?}");
    let hists = histograms(&out, "msecs");
    let header = format!("tid = {} sh", loops.pid(0));
    assert!(hists.iter().any(|(above, c)| *above == header && total(c) > 0), "{out:#?}");
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    let cases: [&[&str]; 7] =
        [&["--bogus"], &["-p", "0"], &["0"], &["1", "2", "3"], &["-P", "-L"], &["-c"], &["-O", "x"]];
    for args in cases {
        let out = run("cpudist", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("cpudist: ") && stderr.contains("Usage: cpudist"), "{args:?}: {stderr}");
    }
}
