//! softirqs attached to this machine's kernel, checked against
//! /proc/softirqs: the kernel counts each vector's runs there as it calls the
//! tracepoints. Timer softirqs run on every tick; a shell writing and
//! fsyncing a file raises block softirqs too.

use bpfbin_tests::{
    columns,
    histogram::{histograms, total},
    run,
    window::{Window, run_in_window},
};

/// The vectors in the kernel's order, as softirqs names them.
const VECTORS: [&str; 10] =
    ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"];

/// /proc/softirqs: each vector's runs per CPU, by its lower-case name.
type SoftirqCounts = Vec<(String, Vec<u64>)>;

fn softirq_counts() -> SoftirqCounts {
    let text = std::fs::read_to_string("/proc/softirqs").unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let (name, counts) = line.split_once(':')?;
            Some((name.trim().to_lowercase(), counts.split_whitespace().map(|c| c.parse().unwrap()).collect()))
        })
        .collect()
}

/// Runs softirqs (give it an interval of 3 s) with /proc/softirqs around it.
fn softirqs(args: &[&str]) -> (Vec<String>, Window<SoftirqCounts>) {
    run_in_window("softirqs", args, softirq_counts)
}

/// How often `vector` ran between `before` and `after` on `cpu` (all CPUs for None).
fn ran(before: &SoftirqCounts, after: &SoftirqCounts, vector: &str, cpu: Option<usize>) -> u64 {
    let sum = |counts: &SoftirqCounts| {
        let counts = &counts.iter().find(|(name, _)| name == vector).unwrap().1;
        cpu.map_or_else(|| counts.iter().sum(), |cpu| counts[cpu])
    };
    sum(after) - sum(before)
}

/// `names` are known vectors, in the kernel's order.
fn assert_kernel_order(names: &[&str]) {
    let at: Vec<usize> = names.iter().map(|n| VECTORS.iter().position(|v| v == n).expect("a known vector")).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{names:?}");
}

#[test]
fn totals_and_counts_per_vector() {
    let (out, window) = softirqs(&["-C", "3", "1"]);
    assert_eq!(out[0], "Tracing soft irq event time... Hit Ctrl-C to end.");
    assert_eq!(out[1], "");
    assert_eq!(out[2], "SOFTIRQ          TOTAL_usecs  TOTAL_count");
    let rows = &out[3..];
    for row in rows {
        let [name, total, count] = columns(row)[..] else { panic!("{row:?}: {out:#?}") };
        let (total, count): (u64, u64) = (total.parse().unwrap(), count.parse().unwrap());
        assert_eq!(*row, format!("{name:<16} {total:>11}  {count:>11}"), "{out:#?}");
        let (most, least) = window.bounds(|before, after| ran(before, after, name, None));
        assert!((least..=most).contains(&count), "{name}: {count} runs, ran {least} to {most} times: {out:#?}");
    }
    let names: Vec<&str> = rows.iter().map(|r| columns(r)[0]).collect();
    assert_kernel_order(&names);
    // Every vector that ran while surely traced has its row.
    for vector in VECTORS {
        if window.bounds(|before, after| ran(before, after, vector, None)).1 > 0 {
            assert!(names.contains(&vector), "no {vector}: {out:#?}");
        }
    }
    assert!(names.contains(&"timer"), "{out:#?}");
}

#[test]
fn without_counts_the_header_keeps_its_padding() {
    let (out, _) = softirqs(&["-N", "-T", "3", "1"]);
    let stamp = out[2].as_bytes();
    assert!(stamp.len() == 8 && stamp[2] == b':' && stamp[5] == b':', "{out:#?}");
    // "%-16s %-6s%-5s  %-11s" with an empty last column.
    assert_eq!(out[3], format!("SOFTIRQ          TOTAL_nsecs  {:11}", ""));
    let timer = out[4..].iter().find(|r| r.starts_with("timer ")).unwrap_or_else(|| panic!("{out:#?}"));
    let [_, total] = columns(timer)[..] else { panic!("{timer:?}") };
    assert_eq!(*timer, format!("{:<16} {total:>11}", "timer"));
    // A timer softirq takes more than a nanosecond.
    assert!(total.parse::<u64>().unwrap() > 0, "{out:#?}");
}

#[test]
fn histograms_on_one_cpu() {
    let (out, window) = softirqs(&["-d", "-c", "0", "3", "1"]);
    let hists = histograms(&out, "usecs");
    assert!(!hists.is_empty(), "{out:#?}");
    let mut names = Vec::new();
    for (above, counts) in &hists {
        let name = above.strip_prefix("softirq = ").unwrap_or_else(|| panic!("{above:?}"));
        let (most, least) = window.bounds(|before, after| ran(before, after, name, Some(0)));
        assert!((least..=most).contains(&total(counts)), "{name}: {counts:?}, ran {least} to {most} times on CPU 0");
        names.push(name);
    }
    assert_kernel_order(&names);
    assert!(names.contains(&"timer"), "{out:#?}");
    // Each histogram is followed by an empty line, as libbpf-tools prints it.
    let rows: usize = hists.iter().map(|(_, c)| c.len()).sum();
    assert_eq!(out.len(), 2 + hists.len() * 3 + rows, "{out:#?}");
    assert!(out.last().unwrap().is_empty(), "{out:#?}");
}

#[test]
fn json_objects() {
    let (out, _) = softirqs(&["--json", "3", "1"]);
    let names: Vec<String> = out
        .iter()
        .map(|line| {
            let object: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
            assert!(object["count"].as_u64().unwrap() > 0 && object["total"].is_u64(), "{line}");
            assert_eq!(object["unit"], "usecs");
            object["softirq"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(names.iter().any(|n| n == "timer"), "{out:#?}");
    let (out, _) = softirqs(&["--json", "-d", "3", "1"]);
    assert!(!out.is_empty());
    for line in &out {
        let object: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        let slots = object["slots"].as_array().unwrap();
        assert_eq!(slots.len(), 20, "{line}");
        let sum: u64 = slots.iter().map(|s| s.as_u64().unwrap()).sum();
        assert_eq!(sum, object["count"].as_u64().unwrap(), "{line}");
    }
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    let cases: [&[&str]; 6] = [&["--bogus"], &["0"], &["1", "2", "3"], &["-c", "x"], &["-c", "-1"], &["-c"]];
    for args in cases {
        let out = run("softirqs", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("softirqs: ") && stderr.contains("Usage: softirqs"), "{args:?}: {stderr}");
    }
}
