//! hardirqs attached to this machine's kernel while a shell writes and
//! fsyncs a file over and over, raising the disk's interrupts. What it
//! counts is checked against /proc/interrupts, read before the tool starts
//! and after it ends: no handler can have run more often than its IRQ
//! fired in that window, and the busiest one must show up.

use bpfbin_tests::{
    columns,
    histogram::{histograms, total},
    run,
    window::{Window, run_in_window},
};

/// Each numbered IRQ of /proc/interrupts: its count per CPU and the rest of
/// its line, which ends in the names of its handlers.
type Interrupts = Vec<(Vec<u64>, String)>;

fn interrupts() -> Interrupts {
    let text = std::fs::read_to_string("/proc/interrupts").unwrap();
    let mut lines = text.lines();
    let cpus = lines.next().unwrap().split_whitespace().count();
    lines
        .filter_map(|line| {
            let (label, rest) = line.split_once(':')?;
            label.trim().parse::<u32>().ok()?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let counts = fields.get(..cpus)?.iter().map(|c| c.parse().unwrap()).collect();
            Some((counts, fields[cpus..].join(" ")))
        })
        .collect()
}

/// How often the IRQs of handler `name` fired between `before` and `after`
/// on `cpu` (all CPUs for None).
fn fired(before: &Interrupts, after: &Interrupts, name: &str, cpu: Option<usize>) -> u64 {
    let handles = |rest: &str| {
        rest.ends_with(&format!(" {name}"))
            || rest.contains(&format!(" {name},"))
            || rest.contains(&format!(", {name}"))
    };
    let sum = |counts: &[u64]| cpu.map_or_else(|| counts.iter().sum(), |cpu| counts[cpu]);
    after
        .iter()
        .filter(|(_, rest)| handles(rest))
        .map(|(counts, rest)| {
            let old = before.iter().find(|(_, r)| r == rest).map_or(0, |(c, _)| sum(c));
            sum(counts) - old
        })
        .sum()
}

/// The handler whose IRQ fired most between `before` and `after`, and on which CPU mostly.
fn busiest(before: &Interrupts, after: &Interrupts) -> (String, usize) {
    let (counts, rest) = after
        .iter()
        .max_by_key(|(counts, rest)| {
            let old: u64 = before.iter().find(|(_, r)| r == rest).map_or(0, |(c, _)| c.iter().sum());
            counts.iter().sum::<u64>() - old
        })
        .unwrap();
    let old = &before.iter().find(|(_, r)| r == rest).unwrap().0;
    let cpu = (0..counts.len()).max_by_key(|&cpu| counts[cpu] - old[cpu]).unwrap();
    (rest.rsplit([' ', ',']).next().unwrap().to_owned(), cpu)
}

/// Runs hardirqs (give it an interval of 3 s) with /proc/interrupts around it.
fn hardirqs(args: &[&str]) -> (Vec<String>, Window<Interrupts>) {
    run_in_window("hardirqs", args, interrupts)
}

#[test]
fn totals_per_handler_match_proc_interrupts() {
    let (out, window) = hardirqs(&["3", "1"]);
    assert_eq!(out[0], "Tracing hard irq event time... Hit Ctrl-C to end.");
    assert_eq!(out[1], "");
    assert_eq!(out[2], "HARDIRQ                           TOTAL_count TOTAL_usecs MAX_usecs");
    let rows = &out[3..];
    for row in rows {
        let [name, count, total, max] = columns(row)[..] else { panic!("{row:?}: {out:#?}") };
        let (count, total, max): (u64, u64, u64) =
            (count.parse().unwrap(), total.parse().unwrap(), max.parse().unwrap());
        assert_eq!(*row, format!("{name:<33} {count:>11} {total:>11} {max:>9}"), "{out:#?}");
        assert!(count >= 1 && total >= max, "{row}");
        let (most, least) = window.bounds(|before, after| fired(before, after, name, None));
        assert!((least..=most).contains(&count), "{name}: {count} runs, fired {least} to {most} times: {out:#?}");
    }
    let (name, _) = busiest(&window.inner[0], &window.inner[1]);
    assert!(rows.iter().any(|r| columns(r)[0] == name), "no row for the busiest handler {name}: {out:#?}");
}

#[test]
fn histograms_per_cpu_in_nanoseconds() {
    let (out, window) = hardirqs(&["-d", "-C", "-N", "-T", "3", "1"]);
    let stamp = out[2].as_bytes();
    assert!(stamp.len() == 8 && stamp[2] == b':' && stamp[5] == b':', "{out:#?}");
    let hists = histograms(&out, "nsecs");
    assert!(!hists.is_empty(), "{out:#?}");
    for (above, counts) in &hists {
        let [_, _, cpu, _, _, name] = columns(above)[..] else { panic!("{above:?}") };
        assert_eq!(*above, format!("cpu = {cpu} hardirq = {name}"));
        let (most, least) = window.bounds(|before, after| fired(before, after, name, Some(cpu.parse().unwrap())));
        assert!((least..=most).contains(&total(counts)), "{above}: {counts:?}, fired {least} to {most} times");
    }
    // Every line is a histogram, its header, or the time above them.
    assert_eq!(out.len(), 3 + hists.len() * 2 + hists.iter().map(|(_, c)| c.len()).sum::<usize>(), "{out:#?}");
    let (name, cpu) = busiest(&window.inner[0], &window.inner[1]);
    let header = format!("cpu = {cpu} hardirq = {name}");
    assert!(hists.iter().any(|(above, _)| *above == header), "no {header}: {out:#?}");
}

#[test]
fn one_cpu_only() {
    // Which CPU the disk interrupts go to, from a first look.
    let (_, window) = hardirqs(&["3", "1"]);
    let (name, cpu) = busiest(&window.inner[0], &window.inner[1]);
    let (out, window) = hardirqs(&["-C", "-s", &cpu.to_string(), "3", "1"]);
    assert_eq!(out[2], "HARDIRQ                           TOTAL_count TOTAL_usecs MAX_usecs CPU");
    for row in &out[3..] {
        let [handler, count, _, _, on] = columns(row)[..] else { panic!("{row:?}") };
        assert_eq!(on, cpu.to_string(), "{out:#?}");
        assert!(row.ends_with(&format!(" {cpu:>3}")), "{row:?}");
        let (most, least) = window.bounds(|before, after| fired(before, after, handler, Some(cpu)));
        assert!((least..=most).contains(&count.parse().unwrap()), "{handler}: fired {least} to {most}: {out:#?}");
    }
    assert!(out[3..].iter().any(|r| columns(r)[0] == name), "no {name} on CPU {cpu}: {out:#?}");
}

#[test]
fn json_objects() {
    let (out, _) = hardirqs(&["--json", "3", "1"]);
    assert!(!out.is_empty());
    for line in &out {
        let object: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        assert!(object["hardirq"].is_string() && object["count"].as_u64().unwrap() > 0, "{line}");
        assert!(object["total"].as_u64().unwrap() >= object["max"].as_u64().unwrap(), "{line}");
        assert_eq!(object["unit"], "usecs");
    }
    let (out, _) = hardirqs(&["--json", "-d", "-C", "3", "1"]);
    assert!(!out.is_empty());
    for line in &out {
        let object: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        let slots = object["slots"].as_array().unwrap();
        assert_eq!(slots.len(), 20, "{line}");
        let sum: u64 = slots.iter().map(|s| s.as_u64().unwrap()).sum();
        assert!(object["cpu"].is_u64() && sum == object["count"].as_u64().unwrap(), "{line}");
    }
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    let cases: [&[&str]; 6] = [&["--bogus"], &["0"], &["1", "2", "3"], &["-s", "x"], &["-s", "-1"], &["-c"]];
    for args in cases {
        let out = run("hardirqs", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("hardirqs: ") && stderr.contains("Usage: hardirqs"), "{args:?}: {stderr}");
    }
}
