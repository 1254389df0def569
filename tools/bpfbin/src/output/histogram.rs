//! log2 histograms as libbpf-tools prints them (trace_helpers.c's
//! `print_log2_hist`), and as JSON with the raw slot counts.
//!
//! The layout is libbpf-tools' byte for byte, except where its C arithmetic
//! overflows: large counts print unsigned and bars are computed in 64 bits
//! (see docs/design.md).

use std::io::{self, Write};

use bpfbin_common::histogram::TaskHist;

use crate::output::{
    text::{c_str, write_json_str, write_text},
    time::{local_hms, unix_micros},
};

/// Bar width while the highest used slot is 32 or lower; half beyond, where
/// the range columns are twice as wide.
const STARS: u64 = 40;

/// Writes `slots` (slot `i` holds values from 2^i to 2^(i+1)-1, slot 0 from
/// 0 to 1) up to the highest used one, under a header naming `unit`
/// ("usecs"). Nothing when every slot is 0.
pub fn write_log2_hist(out: &mut impl Write, slots: &[u32], unit: &str) -> io::Result<()> {
    let Some(last) = slots.iter().rposition(|&count| count > 0) else { return Ok(()) };
    let max = u64::from(slots.iter().copied().max().unwrap_or(0));
    let wide = last > 32;
    let (indent, unit_width, range_width, stars) = if wide { (15, 29, 20, STARS / 2) } else { (5, 19, 10, STARS) };
    writeln!(out, "{:indent$}{unit:<unit_width$} : count    distribution", "")?;
    for (i, &count) in slots[..=last].iter().enumerate() {
        // libbpf-tools prints the bounds as signed 64-bit numbers: slot 63's
        // upper bound shows as -1, as there.
        let high = ((2u128 << i) - 1) as u64 as i64;
        let low = if i == 0 { 0 } else { (1u128 << i) as u64 as i64 };
        write!(out, "{low:>range_width$} -> {high:<range_width$} : {count:<8} |")?;
        let filled = (u64::from(count) * stars / max) as usize;
        writeln!(out, "{:*<filled$}{:empty$}|", "", "", empty = stars as usize - filled)?;
    }
    Ok(())
}

/// Writes `"unit":"<unit>","slots":[c0,c1,...]`, every slot, for a tool's
/// JSON object: slot `i` holds the values from 2^i to 2^(i+1)-1 of `unit`.
pub fn write_json_hist(out: &mut impl Write, slots: &[u32], unit: &str) -> io::Result<()> {
    write!(out, "\"unit\":\"{unit}\",\"slots\":[")?;
    for (i, count) in slots.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{count}")?;
    }
    out.write_all(b"]")
}

/// What libbpf-tools' interval tools print before each summary: an empty
/// line, then with `timestamp` (`-T`) the time as `HH:MM:SS`.
pub fn write_interval_header(out: &mut impl Write, timestamp: bool) -> io::Result<()> {
    writeln!(out)?;
    if timestamp {
        out.write_all(&local_hms())?;
        writeln!(out)?;
    }
    Ok(())
}

/// One interval's histograms of a tool that keeps them per task (runqlat,
/// cpudist), as libbpf-tools prints them: an empty line, the time with
/// `timestamp` (`-T`), then each histogram; with `section` ("pid" for `-P`,
/// "tid" for `-L`) under "\n<section> = <key> <comm>".
pub fn write_task_hists<const N: usize>(
    out: &mut impl Write,
    hists: &[(u32, TaskHist<N>)],
    section: Option<&str>,
    unit: &str,
    timestamp: bool,
) -> io::Result<()> {
    write_interval_header(out, timestamp)?;
    for (key, hist) in hists {
        if let Some(section) = section {
            write!(out, "\n{section} = {key} ")?;
            write_text(out, c_str(&hist.comm))?;
            writeln!(out)?;
        }
        write_log2_hist(out, &hist.slots, unit)?;
    }
    Ok(())
}

/// `write_task_hists` as JSON: one object per histogram, with `section`
/// ("pid", "tid") as the key's name and the task's comm.
pub fn write_task_hists_json<const N: usize>(
    out: &mut impl Write,
    hists: &[(u32, TaskHist<N>)],
    section: Option<&str>,
    unit: &str,
) -> io::Result<()> {
    let ts_us = unix_micros();
    for (key, hist) in hists {
        write!(out, "{{\"ts_us\":{ts_us},")?;
        if let Some(section) = section {
            write!(out, "\"{section}\":{key},\"comm\":")?;
            write_json_str(out, c_str(&hist.comm))?;
            out.write_all(b",")?;
        }
        write_json_hist(out, &hist.slots, unit)?;
        writeln!(out, "}}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(slots: &[u32], unit: &str) -> String {
        let mut out = Vec::new();
        write_log2_hist(&mut out, slots, unit).unwrap();
        String::from_utf8(out).unwrap()
    }

    // The expected lines below are written out by hand from the C:
    // "%*s%-*s : count    distribution\n" with 5/19 (15/29 beyond slot 32),
    // then "%*lld -> %-*lld : %-8d |" with width 10 (20), the bar
    // (count * stars / max stars, then spaces, stars = 40 or 20) and "|\n".

    const HEADER: &str = "     usecs               : count    distribution\n";

    #[test]
    fn no_counts_print_nothing() {
        assert_eq!(text(&[], "usecs"), "");
        assert_eq!(text(&[0; 26], "usecs"), "");
    }

    #[test]
    fn one_count_in_slot_zero() {
        let mut slots = [0; 26];
        slots[0] = 1;
        assert_eq!(
            text(&slots, "usecs"),
            format!("{HEADER}         0 -> 1          : 1        |****************************************|\n")
        );
    }

    #[test]
    fn rows_stop_at_the_highest_used_slot() {
        let mut slots = [0; 26];
        slots[1] = 3;
        slots[2] = 10;
        slots[4] = 5;
        let expected = concat!(
            "     msecs               : count    distribution\n",
            "         0 -> 1          : 0        |                                        |\n",
            "         2 -> 3          : 3        |************                            |\n",
            "         4 -> 7          : 10       |****************************************|\n",
            "         8 -> 15         : 0        |                                        |\n",
            "        16 -> 31         : 5        |********************                    |\n",
        );
        assert_eq!(text(&slots, "msecs"), expected);
    }

    #[test]
    fn bars_round_down() {
        // 1 * 40 / 3 = 13, 2 * 40 / 3 = 26.
        let expected = concat!(
            "     usecs               : count    distribution\n",
            "         0 -> 1          : 1        |*************                           |\n",
            "         2 -> 3          : 2        |**************************              |\n",
            "         4 -> 7          : 3        |****************************************|\n",
        );
        assert_eq!(text(&[1, 2, 3, 0, 0], "usecs"), expected);
    }

    #[test]
    fn long_counts_and_units_push_the_columns() {
        // %-8d and %-19s pad but never cut.
        let expected = concat!(
            "     nanoseconds-per-call : count    distribution\n",
            "         0 -> 1          : 123456789 |****************************************|\n",
        );
        assert_eq!(text(&[123_456_789], "nanoseconds-per-call"), expected);
    }

    #[test]
    fn slot_32_is_the_last_narrow_layout() {
        let mut slots = [0; 36];
        slots[31] = 2;
        slots[32] = 1;
        let out = text(&slots, "usecs");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 34);
        assert_eq!(lines[0], HEADER.trim_end());
        assert_eq!(lines[1], "         0 -> 1          : 0        |                                        |");
        assert_eq!(lines[11], "      1024 -> 2047       : 0        |                                        |");
        assert_eq!(lines[32], "2147483648 -> 4294967295 : 2        |****************************************|");
        assert_eq!(lines[33], "4294967296 -> 8589934591 : 1        |********************                    |");
    }

    #[test]
    fn beyond_slot_32_columns_widen_and_bars_halve() {
        let mut slots = [0; 36];
        slots[0] = 4;
        slots[33] = 3;
        let out = text(&slots, "usecs");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 35);
        assert_eq!(lines[0], "               usecs                         : count    distribution");
        assert_eq!(lines[1], "                   0 -> 1                    : 4        |********************|");
        assert_eq!(lines[2], "                   2 -> 3                    : 0        |                    |");
        // 3 * 20 / 4 = 15.
        assert_eq!(lines[34], "          8589934592 -> 17179869183          : 3        |***************     |");
    }

    #[test]
    fn slot_63_bounds_print_as_signed_64_bit() {
        let mut slots = [0; 64];
        slots[63] = 1;
        let out = text(&slots, "usecs");
        assert_eq!(
            out.lines().last().unwrap(),
            "-9223372036854775808 -> -1                   : 1        |********************|"
        );
    }

    #[test]
    fn huge_counts_print_unsigned_with_a_full_bar() {
        // Where C would print -1294967296 and a 1-star bar (wrapped product).
        assert_eq!(
            text(&[3_000_000_000, 1_500_000_000], "usecs"),
            concat!(
                "     usecs               : count    distribution\n",
                "         0 -> 1          : 3000000000 |****************************************|\n",
                "         2 -> 3          : 1500000000 |********************                    |\n",
            )
        );
    }

    #[test]
    fn task_sections_as_libbpf_tools_prints_them() {
        let mut hist = TaskHist::<4> { slots: [0, 2, 0, 0], comm: [0; 16] };
        hist.comm[..4].copy_from_slice(b"a\nb\0");
        let mut out = Vec::new();
        write_task_hists(&mut out, &[(7, hist)], Some("pid"), "usecs", false).unwrap();
        let expected = concat!(
            "\n",
            "\npid = 7 a\\nb\n",
            "     usecs               : count    distribution\n",
            "         0 -> 1          : 0        |                                        |\n",
            "         2 -> 3          : 2        |****************************************|\n",
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut out = Vec::new();
        write_task_hists(&mut out, &[(u32::MAX, hist)], None, "msecs", false).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("\n     msecs "));
        let mut out = Vec::new();
        write_task_hists::<4>(&mut out, &[], None, "msecs", true).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.len() == 10 && out.starts_with('\n') && out.as_bytes()[3] == b':', "{out:?}");

        let mut out = Vec::new();
        write_task_hists_json(&mut out, &[(7, hist)], Some("tid"), "usecs").unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("{\"ts_us\":")
                && out.ends_with(",\"tid\":7,\"comm\":\"a\\nb\",\"unit\":\"usecs\",\"slots\":[0,2,0,0]}\n"),
            "{out}"
        );
    }

    #[test]
    fn json_has_every_slot() {
        let mut out = Vec::new();
        write_json_hist(&mut out, &[0, 3, 0, 1, 0], "usecs").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#""unit":"usecs","slots":[0,3,0,1,0]"#);
        let mut out = Vec::new();
        write_json_hist(&mut out, &[], "msecs").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#""unit":"msecs","slots":[]"#);
    }
}
