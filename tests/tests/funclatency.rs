//! funclatency on this machine's kernel, timing libc's clock_nanosleep()
//! through a uprobe and uretprobe while a python3 child sleeps 50 ms at a
//! time: the calls must land in the slot holding 50 ms, in every unit. The
//! kernel functions it times with kprobes are checked in QEMU
//! (tests/qemu/checks/funclatency.sh); here, where kprobes may be missing,
//! the one-line error that says so.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Finished, Traced, histogram::histograms, kernel_has_kprobes, run, run_workload, workloads::Cgroup};

/// A python3 that sleeps `ms` milliseconds at a time until dropped.
struct Sleeper(Child);

impl Sleeper {
    fn start(ms: u32) -> Self {
        let script = format!("import time\nwhile True: time.sleep({ms} / 1000)");
        let child = Command::new("python3").args(["-c", &script]).stdin(Stdio::null()).spawn().expect("python3");
        // Past the interpreter's start, so libc is mapped for -p to find.
        std::thread::sleep(Duration::from_millis(300));
        Self(child)
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    /// The libc this process maps, from its /proc/PID/maps.
    fn libc(&self) -> PathBuf {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", self.0.id())).unwrap();
        maps.lines()
            .filter_map(|line| line.split_whitespace().nth(5))
            .find(|path| {
                path.rsplit('/').next().is_some_and(|file| file.starts_with("libc.so") || file.starts_with("libc-"))
            })
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("no libc in {maps}"))
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs funclatency until it ends by itself (give it -d); it must succeed quietly.
fn funclatency(args: &[&str]) -> Vec<String> {
    let Finished { status, stdout, stderr, .. } = Traced::spawn("funclatency", args).wait();
    assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    stdout
}

/// Asserts that nearly all `counts` sit in `slot`, and that there are at least `min`.
fn mostly_in(counts: &[u64], slot: usize, min: u64, out: &[String]) {
    let total: u64 = counts.iter().sum();
    assert!(total >= min, "{out:#?}");
    assert!(counts.get(slot).copied().unwrap_or(0) * 10 >= total * 9, "slot {slot}: {out:#?}");
}

#[test]
fn usecs_histogram_of_known_sleeps() {
    let sleeper = Sleeper::start(50);
    let out = funclatency(&["-u", "-d", "2", "-p", &sleeper.pid(), "c:clock_nanosleep"]);
    assert_eq!(out[0], "Tracing c:clock_nanosleep.  Hit Ctrl-C to exit");
    assert_eq!(out[1], "");
    let hists = histograms(&out, "usec");
    assert_eq!(hists.len(), 1, "{out:#?}");
    // 50 ms = 50000 us: the row "32768 -> 65535". About 40 sleeps in 2 s.
    mostly_in(&hists[0].1, 15, 20, &out);
    assert_eq!(out.last().unwrap(), "Exiting trace of c:clock_nanosleep");
}

#[test]
fn milliseconds_per_interval_with_timestamps() {
    let sleeper = Sleeper::start(50);
    let function = format!("{}:clock_nanosleep", sleeper.libc().display());
    let out = funclatency(&["-mT", "-i", "1", "-d", "2", "-p", &sleeper.pid(), &function]);
    assert_eq!(out[0], format!("Tracing {function}.  Hit Ctrl-C to exit"));
    let hists = histograms(&out, "msec");
    assert_eq!(hists.len(), 2, "two intervals of one second in two: {out:#?}");
    for (above, counts) in &hists {
        // An empty line, the time (HH:MM:SS), then the histogram.
        let stamp = above.as_bytes();
        assert!(
            stamp.len() == 8
                && stamp.iter().enumerate().all(|(i, c)| if i % 3 == 2 { *c == b':' } else { c.is_ascii_digit() }),
            "{out:#?}"
        );
        // 50 ms: the row "32 -> 63". About 20 sleeps a second.
        mostly_in(counts, 5, 10, &out);
    }
    let stamps: Vec<usize> = (0..out.len()).filter(|&i| hists.iter().any(|(above, _)| *above == out[i])).collect();
    assert!(stamps.iter().all(|&i| out[i - 1].is_empty()), "{out:#?}");
}

#[test]
fn json_has_every_raw_slot() {
    let sleeper = Sleeper::start(50);
    let out = funclatency(&["--json", "-d", "2", "-p", &sleeper.pid(), "c:clock_nanosleep"]);
    assert_eq!(out.len(), 1, "one object, no header or trailer: {out:#?}");
    let line = &out[0];
    assert!(line.starts_with("{\"ts_us\":") && line.contains(",\"unit\":\"nsec\",\"slots\":["), "{line}");
    let slots: Vec<u64> = line
        .split_once("\"slots\":[")
        .and_then(|(_, rest)| rest.strip_suffix("]}"))
        .unwrap()
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    // 25 slots, as libbpf-tools: in nanoseconds the last one (from 2^24 ns,
    // about 16.8 ms) also counts everything longer, the 50 ms sleeps too.
    assert_eq!(slots.len(), 25, "{line}");
    mostly_in(&slots, 24, 20, &out);
}

#[test]
fn cgroup_filter_keeps_its_members_only() {
    let cgroup = Cgroup::new("funclatency");
    let inside = Sleeper::start(50);
    let _outside = Sleeper::start(4);
    std::fs::write(cgroup.path().join("cgroup.procs"), inside.pid()).unwrap();
    // No -p: "c" is found among the library directories, every process is probed.
    let out = funclatency(&["-u", "-d", "2", "-c", cgroup.path().to_str().unwrap(), "c:clock_nanosleep"]);
    let hists = histograms(&out, "usec");
    assert_eq!(hists.len(), 1, "{out:#?}");
    // Only the 50 ms sleeps: the 4 ms ones outside ("4096 -> 8191") are not counted.
    let counts = &hists[0].1;
    assert!(counts.get(12).is_none_or(|&n| n == 0), "{out:#?}");
    mostly_in(counts, 15, 20, &out);
    // Back to the root, so the directory can go.
    let root = cgroup.path().parent().unwrap().join("cgroup.procs");
    std::fs::write(root, inside.pid()).unwrap();
}

#[test]
fn kernel_function_without_kprobes_says_so_in_one_line() {
    if kernel_has_kprobes() {
        return; // tests/qemu/checks/funclatency.sh times kernel functions
    }
    let out = run("funclatency", &["vfs_read"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "funclatency: cannot probe kernel function vfs_read: this kernel has no kprobes (it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)\n"
    );
    assert!(out.stdout.is_empty(), "no header before attaching");
}

#[test]
fn bad_functions_are_one_line_errors() {
    let sleeper = Sleeper::start(50);
    let pid = sleeper.pid();
    let libc = sleeper.libc();
    let error = |args: &[&str], code: i32| {
        let out = run("funclatency", args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        error(&["-p", &pid, "c:no_such_function_here"], 1),
        format!("funclatency: could not find no_such_function_here in {}\n", libc.display())
    );
    assert_eq!(
        error(&["-p", &pid, "nosuchlib:malloc"], 1),
        format!("funclatency: cannot find library libnosuchlib in process {pid}\n")
    );
    // libbpf-tools: "No such pid N", whichever file the uprobe goes to.
    let gone = run_workload("true", &[]).to_string();
    for function in ["c:malloc", ":main", "/bin/true:main"] {
        assert_eq!(
            error(&["-p", &gone, function], 1),
            format!("funclatency: no such pid {gone}: -p names no running process\n"),
            "{function}"
        );
    }
    assert_eq!(
        error(&["/no/such/file:malloc"], 1),
        "funclatency: reading /no/such/file: No such file or directory (os error 2)\n"
    );
    // Usage errors: the message, then the usage line.
    for (args, message) in [
        (&[":main"][..], "funclatency: uprobes need a pid or a binary: give -p PID for :FUNCTION"),
        (&["c:"][..], "funclatency: no function name in c:"),
        (&["-m", "-u", "c:malloc"][..], "funclatency: only set one of -m or -u"),
    ] {
        let stderr = error(args, 64);
        assert!(stderr.starts_with(&format!("{message}\n")), "{args:?}: {stderr}");
    }
}
