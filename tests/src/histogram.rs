//! Reading the log2 histograms the tools print, checked line by line against
//! libbpf-tools' print_log2_hist layout.

use crate::columns;

/// The histogram that starts at `lines[at]`: its slot counts.
pub fn histogram_at(lines: &[String], at: usize, unit: &str) -> Vec<u64> {
    assert_eq!(lines[at], format!("     {unit:<19} : count    distribution"), "{lines:#?}");
    let rows: Vec<&String> = lines[at + 1..].iter().take_while(|l| l.contains(" -> ")).collect();
    let counts: Vec<u64> = rows.iter().map(|l| columns(l)[4].parse().unwrap()).collect();
    let max = *counts.iter().max().unwrap_or_else(|| panic!("no rows: {lines:#?}"));
    assert!(*counts.last().unwrap() > 0, "rows end at the highest used slot: {lines:#?}");
    for (i, (row, &count)) in rows.iter().zip(&counts).enumerate() {
        let (low, high) = if i == 0 { (0, 1) } else { (1u64 << i, (2u64 << i) - 1) };
        let stars = (count * 40 / max) as usize;
        let bar = format!("{}{}", "*".repeat(stars), " ".repeat(40 - stars));
        assert_eq!(**row, format!("{low:>10} -> {high:<10} : {count:<8} |{bar}|"), "{lines:#?}");
    }
    counts
}

/// Every histogram in `lines`, with the line above each (its section header).
pub fn histograms(lines: &[String], unit: &str) -> Vec<(String, Vec<u64>)> {
    (1..lines.len())
        .filter(|&at| lines[at].ends_with(" : count    distribution"))
        .map(|at| (lines[at - 1].clone(), histogram_at(lines, at, unit)))
        .collect()
}

pub fn total(counts: &[u64]) -> u64 {
    counts.iter().sum()
}
