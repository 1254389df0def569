//! syscount attached to this machine's kernel, counting the syscalls of
//! python3 workloads that make a known number of rare calls.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run, unique_path, workloads::Cgroup};

/// x86_64's number of getppid, the rare call the workloads make.
const GETPPID: u64 = 110;

/// The python3 binary itself, not a wrapper script (pyenv's shims are bash
/// scripts that exec it), so the comm is known.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import os, sys; print(os.path.realpath(sys.executable))"])
            .output()
            .expect("python3 is installed");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// A python3 process waiting to run `script`: its PID is known before it
/// makes any of the calls, so syscount can be started with `-p` first.
struct Workload {
    child: Child,
}

impl Workload {
    fn new(script: &str) -> Self {
        let child = Command::new("sh")
            .args(["-c", "read go; exec \"$0\" -c \"$1\"", python().to_str().unwrap(), script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Self { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn run(mut self) {
        self.child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(self.child.wait().unwrap().success(), "the workload failed");
    }
}

/// `n` getppid calls and, with `fail`, `n` rmdir calls failing with ENOENT.
fn getppid_script(n: u32, fail: bool) -> String {
    let missing = unique_path("missing");
    let rmdir = if fail {
        let missing = missing.to_str().unwrap();
        format!("\n    try:\n        os.rmdir({missing:?})\n    except FileNotFoundError:\n        pass")
    } else {
        String::new()
    };
    format!("import os\nfor _ in range({n}):\n    os.getppid(){rmdir}")
}

/// The table rows (after the column header) of the output's first table.
fn table_rows(stdout: &[String]) -> Vec<Vec<&str>> {
    let start = stdout.iter().position(|l| l.starts_with("SYSCALL ") || l.starts_with("PID    COMM"));
    let start = start.unwrap_or_else(|| panic!("no table in {stdout:?}")) + 1;
    stdout[start..].iter().take_while(|l| !l.is_empty()).map(|l| columns(l)).collect()
}

fn count_of(rows: &[Vec<&str>], first: &str) -> Option<u64> {
    rows.iter().find(|r| r[0] == first).map(|r| r[1].parse().unwrap())
}

/// Runs syscount with `args` (and `-p` of the workload) around `workload`;
/// returns its output after Ctrl-C.
fn count(args: &[&str], workload: Workload) -> Vec<String> {
    let pid = workload.pid().to_string();
    let mut all = args.to_vec();
    all.extend(["-p", &pid]);
    let traced = Traced::start("syscount", &all);
    workload.run();
    let done = traced.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    done.stdout
}

#[test]
fn counts_a_known_number_of_calls_with_its_name() {
    let out = count(&[], Workload::new(&getppid_script(1000, false)));
    assert_eq!(out[0], "Tracing syscalls, printing top 10... Ctrl+C to quit.");
    let stamp = &out[1];
    assert!(stamp.len() == 10 && stamp.starts_with('[') && stamp.ends_with(']') && &stamp[3..4] == ":", "{out:?}");
    assert_eq!(out[2], format!("{:<22} {:>8}", "SYSCALL", "COUNT"));
    let rows = table_rows(&out);
    assert!(count_of(&rows, "getppid").unwrap() >= 1000, "{out:?}");
    assert!(rows.len() <= 10 && rows.iter().all(|r| r.len() == 2), "{out:?}");
    // Sorted by count, most first.
    let counts: Vec<u64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{out:?}");
    // The count is right-aligned in 8 columns after a 22-wide name.
    let line = out.iter().find(|l| l.starts_with("getppid ")).unwrap();
    assert_eq!(line.len(), 31, "{line:?}");
    assert_eq!(out.last().map(String::as_str), Some(""), "a table ends with a blank line");
}

#[test]
fn failed_calls_and_errno_filters() {
    let workload = Workload::new(&getppid_script(300, true));
    let pid = workload.pid().to_string();
    let tools: Vec<Traced> = [&["-x"][..], &["-e", "ENOENT"], &["-e", "2"], &["-e", "EACCES"]]
        .iter()
        .map(|args| Traced::start("syscount", &[args, &["-p", &pid][..]].concat()))
        .collect();
    workload.run();
    let outs: Vec<Vec<String>> = tools.into_iter().map(|t| t.interrupt().stdout).collect();
    for out in &outs[..3] {
        let rows = table_rows(out);
        assert!(count_of(&rows, "rmdir").unwrap() >= 300, "{out:?}");
        assert_eq!(count_of(&rows, "getppid"), None, "getppid never fails: {out:?}");
    }
    // Nothing failed with EACCES: maybe no table at all, never rmdir.
    assert!(!outs[3].iter().any(|l| l.starts_with("rmdir ")), "{:?}", outs[3]);
}

#[test]
fn latency_adds_a_time_column_sorted_by_time() {
    // One 300 ms sleep: the largest time by far.
    let script = format!("{}\nimport time\ntime.sleep(0.3)", getppid_script(100, false));
    // Every row: getppid is quick, it need not make the top 10 by time.
    let out = count(&["-L", "-T", "1000"], Workload::new(&script));
    assert_eq!(out[2], format!("{:<22} {:>8} {:>16}", "SYSCALL", "COUNT", "TIME (us)"));
    let rows = table_rows(&out);
    assert!(rows.iter().all(|r| r.len() == 3), "{out:?}");
    let times: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "sorted by time: {out:?}");
    assert!(rows[0][0].contains("sleep"), "the sleep first: {out:?}");
    assert!((300_000.0..3_000_000.0).contains(&times[0]), "{out:?}");
    let getppid = rows.iter().find(|r| r[0] == "getppid").unwrap_or_else(|| panic!("{out:?}"));
    assert!(getppid[1].parse::<u64>().unwrap() >= 100 && getppid[2].split_once('.').unwrap().1.len() == 3);

    let out = count(&["-L", "-m"], Workload::new(&script));
    assert!(out[2].ends_with("TIME (ms)"), "{out:?}");
    let first: f64 = table_rows(&out)[0][2].parse().unwrap();
    assert!((300.0..3000.0).contains(&first), "{out:?}");
}

#[test]
fn by_process_shows_pid_and_comm() {
    let workload = Workload::new(&getppid_script(500, false));
    let pid = workload.pid();
    let out = count(&["-P"], workload);
    assert_eq!(out[2], format!("{:<22} {:>8}", "PID    COMM", "COUNT"));
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 1, "only the traced process: {out:?}");
    let comm: String = python().file_name().unwrap().to_str().unwrap().chars().take(15).collect();
    assert_eq!(rows[0][..2], [pid.to_string().as_str(), comm.as_str()], "{out:?}");
    assert!(rows[0][2].parse::<u64>().unwrap() >= 500, "{out:?}");
}

/// As libbpf-tools: -P names a process by its group leader's comm, found
/// through BTF, even when only another thread makes the calls counted. The
/// worker renames the main thread, then makes the getppid calls, under the
/// inherited name "python3"; only those are counted (--syscall).
#[test]
fn by_process_names_the_group_leader() {
    let script = "import os, threading, time\n\
                  def work():\n    \
                      time.sleep(0.2)\n    \
                      with open(f'/proc/self/task/{os.getpid()}/comm', 'w') as comm:\n        \
                          comm.write('renamed-leader')\n    \
                      for _ in range(500):\n        \
                          os.getppid()\n    \
                      os._exit(0)\n\
                  threading.Thread(target=work).start()\n\
                  threading.Event().wait()\n";
    let workload = Workload::new(script);
    let pid = workload.pid();
    let out = count(&["-P", "--syscall", "getppid"], workload);
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 1, "only the traced process: {out:?}");
    assert_eq!(rows[0][..2], [pid.to_string().as_str(), "renamed-leader"], "{out:?}");
    assert!(rows[0][2].parse::<u64>().unwrap() >= 500, "{out:?}");
}

#[test]
fn syscall_filter_counts_only_that_call() {
    let out = count(&["--syscall", "getppid"], Workload::new(&getppid_script(200, true)));
    assert_eq!(out[0], "Tracing syscall 'getppid'... Ctrl+C to quit.");
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 1, "{out:?}");
    assert!(count_of(&rows, "getppid").unwrap() >= 200, "{out:?}");
}

#[test]
fn json_is_one_object_per_row() {
    let out = count(&["--json", "-L"], Workload::new(&getppid_script(400, false)));
    let rows: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).expect("valid JSON")).collect();
    let row = rows.iter().find(|r| r["syscall"] == "getppid").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(row["id"], GETPPID);
    assert!(row["count"].as_u64().unwrap() >= 400);
    assert!(row["total_ns"].as_u64().unwrap() > 0);
    assert!(row["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    assert!(rows.len() <= 10, "top 10: {out:?}");
}

#[test]
fn intervals_print_timestamped_tables_until_the_duration_ends() {
    // Every process, so each interval has counts (syscount's own calls at least).
    let traced = Traced::start("syscount", &["-i", "1", "-d", "3", "-T", "3"]);
    let done = traced.wait();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
    let out = &done.stdout;
    assert_eq!(out[0], "Tracing syscalls, printing top 3... Ctrl+C to quit.");
    let stamps: Vec<usize> = (0..out.len()).filter(|&i| out[i].starts_with('[') && out[i].ends_with(']')).collect();
    assert!((2..=4).contains(&stamps.len()), "one table per second: {out:?}");
    for &at in &stamps {
        assert_eq!(out[at + 1], format!("{:<22} {:>8}", "SYSCALL", "COUNT"));
        let rows = out[at + 2..].iter().take_while(|l| !l.is_empty()).count();
        assert!((1..=3).contains(&rows), "-T 3: {out:?}");
    }
}

#[test]
fn list_prints_numbers_and_names() {
    let out = run("syscount", &["-l"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "  0: read");
    assert!(lines.contains(&"110: getppid") && lines.contains(&" 24: sched_yield"), "{text}");
    assert!(lines.len() > 300);
}

#[test]
fn cgroup_filter_keeps_only_its_processes() {
    let cgroup = Cgroup::new("syscount");
    let workload = Workload::new(&getppid_script(300, false));
    std::fs::write(cgroup.path().join("cgroup.procs"), workload.pid().to_string()).unwrap();
    let pid = workload.pid();
    let traced = Traced::start("syscount", &["-P", "-c", cgroup.path().to_str().unwrap()]);
    workload.run();
    let done = traced.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    let rows = table_rows(&done.stdout);
    assert_eq!(rows.len(), 1, "only the cgroup's process: {:?}", done.stdout);
    assert_eq!(rows[0][0], pid.to_string());
    assert!(rows[0][2].parse::<u64>().unwrap() >= 300);

    let out = run("syscount", &["-c", "/nonexistent/cgroup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("syscount: opening cgroup /nonexistent/cgroup"));
}

#[test]
fn bad_flags_print_usage_and_exit_64() {
    let cases: [&[&str]; 11] = [
        &["--bogus"],
        &["-p", "0"],
        &["-p", "abc"],
        &["-i", "-1"],
        &["-i", "x"],
        &["-d", "0"],
        &["-T", "0"],
        &["-e", "EBOGUS"],
        &["-e", "0"],
        &["--syscall", "no_such_call"],
        &["-c"],
    ];
    for args in cases {
        let out = run("syscount", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("syscount: ") && stderr.contains("Usage: syscount"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let traced = Traced::start("syscount", &[]);
    let done = traced.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(3), "took {:?}", done.took);
    // Everything this machine did meanwhile, syscount's own calls included.
    assert!(table_rows(&done.stdout).len() <= 10, "{:?}", done.stdout);
}
