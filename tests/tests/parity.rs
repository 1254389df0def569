//! bpfbin's tools beside Debian's libbpf-tools (`apt-get install
//! libbpf-tools`), both tracing the same workload at once: the header and
//! the workload's event lines must be the same bytes, but for the
//! deliberate differences listed once below (README, "libbpf-tools and
//! bpfbin"). Only tools Debian's build runs on a kernel without kprobes are
//! compared; without the package, the test says so and passes.

use std::{
    path::{Path, PathBuf},
    process::Command,
    thread,
    time::{Duration, Instant},
};

use bpfbin_tests::{PATIENCE, Traced, run_workload, unique_path};

/// Where Debian installs libbpf-tools.
const DEBIAN: &str = "/usr/sbin";

/// The workload's name: a copy of a program under a name no other process has.
const COMM: &str = "bpfparity";

/// One comparison: a tool, its flags, and the program the workload copies.
struct Case {
    tool: &'static str,
    args: &'static [&'static str],
    program: &'static str,
    workload: &'static [&'static str],
    /// Columns that hold a measurement, not a fact both tools read alike.
    measured: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        tool: "opensnoop",
        args: &["-n", COMM],
        program: "cat",
        workload: &["/etc/hostname", "/nonexistent"],
        measured: &[],
    },
    Case {
        tool: "opensnoop",
        args: &["-x", "-U", "-n", COMM],
        program: "cat",
        workload: &["/nonexistent"],
        measured: &[],
    },
    Case { tool: "execsnoop", args: &["-x", "-n", COMM], program: "cat", workload: &["/etc/hostname"], measured: &[] },
    Case { tool: "execsnoop", args: &["-U", "-n", COMM], program: "cat", workload: &["/etc/hostname"], measured: &[] },
    // AGE(s) is each tool's own clock reading at the exit.
    Case { tool: "exitsnoop", args: &[], program: "cat", workload: &["/nonexistent"], measured: &["AGE(s)"] },
];

/// Where bpfbin prints another line than libbpf-tools on purpose (README,
/// "libbpf-tools and bpfbin"): a tool and flag, and how libbpf-tools' event
/// line becomes bpfbin's.
struct Deliberate {
    tool: &'static str,
    flag: &'static str,
    fix: fn(&str) -> String,
}

const DELIBERATE: &[Deliberate] = &[
    // A space after UID's six columns, as the header has it.
    Deliberate { tool: "execsnoop", flag: "-U", fix: |line| format!("{} {}", &line[..6], &line[6..]) },
];

/// Libbpf-tools' `lines` as bpfbin prints them on purpose: its header, then
/// its event lines with each deliberate difference of `case` made.
fn as_bpfbin_prints(case: &Case, lines: Vec<String>) -> Vec<String> {
    let fixes: Vec<&Deliberate> =
        DELIBERATE.iter().filter(|d| d.tool == case.tool && case.args.contains(&d.flag)).collect();
    let mut lines = lines.into_iter();
    let header = lines.next();
    header.into_iter().chain(lines.map(|line| fixes.iter().fold(line, |line, d| (d.fix)(&line)))).collect()
}

/// Waits until `pid` has a BPF link or perf event open: libbpf-tools'
/// stdout is a full buffer in a pipe, so its header says nothing until it exits.
fn wait_attached(pid: u32) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let attached = std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|to| matches!(to.to_str(), Some("anon_inode:[perf_event]" | "anon_inode:bpf_link")))
        });
        if attached {
            thread::sleep(Duration::from_millis(500));
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("pid {pid} did not attach within {PATIENCE:?}");
}

/// The program `name` copied to a directory of its own as COMM.
fn workload_copy(name: &str) -> PathBuf {
    let dir = unique_path("parity");
    std::fs::create_dir_all(&dir).unwrap();
    let which = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().unwrap();
    let from = String::from_utf8(which.stdout).unwrap();
    let copy = dir.join(COMM);
    std::fs::copy(from.trim(), &copy).unwrap();
    copy
}

/// The header and the lines naming the workload, with measured columns blanked.
fn comparable(lines: &[String], measured: &[&str]) -> Vec<String> {
    let Some(header) = lines.iter().find(|line| !line.is_empty()) else { return Vec::new() };
    let names: Vec<&str> = header.split_whitespace().collect();
    let blank: Vec<usize> = measured.iter().filter_map(|m| names.iter().position(|n| n == m)).collect();
    let events = lines.iter().filter(|line| line.split_whitespace().any(|word| word == COMM)).map(|line| {
        if blank.is_empty() {
            return line.clone();
        }
        let words: Vec<&str> =
            line.split_whitespace().enumerate().map(|(i, w)| if blank.contains(&i) { "*" } else { w }).collect();
        words.join(" ")
    });
    std::iter::once(header.clone()).chain(events).collect()
}

#[test]
fn event_lines_match_debians_libbpf_tools() {
    let mut compared = 0;
    for case in CASES {
        let theirs = Path::new(DEBIAN).join(case.tool);
        if !theirs.exists() {
            eprintln!("{} not installed (apt-get install libbpf-tools): not compared", theirs.display());
            continue;
        }
        let copy = workload_copy(case.program);
        let mut command = Command::new(&theirs);
        command.args(case.args);
        let debian = Traced::spawn_command(command);
        let ours = Traced::start(case.tool, case.args);
        wait_attached(debian.pid());
        run_workload(copy.to_str().unwrap(), case.workload);
        thread::sleep(Duration::from_millis(500));
        let (debian, ours) = (debian.interrupt(), ours.interrupt());
        std::fs::remove_dir_all(copy.parent().unwrap()).unwrap();
        assert!(ours.status.success(), "{} {:?}: {}", case.tool, case.args, ours.stderr);
        if !debian.status.success() {
            eprintln!("Debian's {} {:?} does not run here: {}", case.tool, case.args, debian.stderr);
            continue;
        }
        let expected = as_bpfbin_prints(case, comparable(&debian.stdout, case.measured));
        let got = comparable(&ours.stdout, case.measured);
        assert!(expected.len() > 1, "{} {:?}: Debian's saw no event: {:#?}", case.tool, case.args, debian.stdout);
        assert_eq!(got, expected, "{} {:?}: bpfbin, then Debian's libbpf-tools", case.tool, case.args);
        compared += 1;
    }
    eprintln!("{compared} of {} cases compared with Debian's libbpf-tools", CASES.len());
}
