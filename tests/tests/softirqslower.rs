//! softirqslower attached to this machine's kernel, seeing real softirqs. A
//! thread of the test, pinned to one CPU, sends over loopback TCP: the
//! packets are queued to that CPU's backlog, which raises NET_RX there, and
//! the softirq then runs when the sending thread enables bottom halves
//! again, as that thread (its comm) on that CPU. Timer softirqs run on
//! every busy tick.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::{self, JoinHandle},
    time::Duration,
};

use bpfbin_tests::{Traced, run};

/// The vectors in the kernel's order, as softirqslower names them.
const VECTORS: [&str; 10] =
    ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"];

/// The stages, as libbpf-tools prints them.
const STAGES: [&str; 2] = ["irq(hard) to softirq", "softirq runtime"];

/// The comm of the sending thread.
const SENDER: &str = "slower-sender";

/// The possible CPUs, as softirqslower counts them for `-c`.
fn cpus() -> u32 {
    let possible = std::fs::read_to_string("/sys/devices/system/cpu/possible").unwrap();
    let last = possible.trim().rsplit(['-', ',']).next().unwrap();
    last.parse::<u32>().unwrap() + 1
}

/// A thread named SENDER on `cpu`, writing to a loopback TCP connection
/// (read by a second thread) until dropped.
struct LoopbackTraffic {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl LoopbackTraffic {
    fn start(cpu: u32) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let reader = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 65536];
            while conn.read(&mut buf).is_ok_and(|n| n > 0) {}
        });
        let sending = stop.clone();
        let sender = thread::Builder::new()
            .name(SENDER.into())
            .spawn(move || {
                pin_to(cpu);
                let mut conn = TcpStream::connect(addr).unwrap();
                // Small writes, a little apart: many packets, each its own NET_RX.
                while !sending.load(Ordering::Relaxed) {
                    conn.write_all(&[b'x'; 1000]).unwrap();
                    thread::sleep(Duration::from_millis(2));
                }
            })
            .unwrap();
        Self { stop, threads: vec![sender, reader] }
    }
}

impl Drop for LoopbackTraffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Pins the calling thread to `cpu`.
fn pin_to(cpu: u32) {
    // SAFETY: a zeroed cpu_set_t is empty; CPU_SET and sched_setaffinity get valid pointers.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        assert_eq!(libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set), 0, "pin to CPU {cpu}");
    }
}

/// One event line: stage, softirq, microseconds, CPU and comm, after
/// checking it is laid out as libbpf-tools'
/// "%-8s %-20s %-8s %-14llu %-6u %-16s" lays it out.
struct Line {
    stage: String,
    softirq: String,
    us: u64,
    cpu: u32,
    comm: String,
}

fn parse(line: &str) -> Line {
    let field = |from: usize, to: usize| line.get(from..to.min(line.len())).unwrap_or_default().trim_end().to_owned();
    let parsed = Line {
        stage: field(9, 29),
        softirq: field(30, 38),
        us: field(39, 53).parse().unwrap_or_else(|_| panic!("LAT(us) of {line:?}")),
        cpu: field(54, 60).parse().unwrap_or_else(|_| panic!("CPU of {line:?}")),
        comm: line.get(61..).unwrap_or_default().trim_end().to_owned(),
    };
    let time = &line[..8];
    assert!(time.bytes().enumerate().all(|(i, c)| if i == 2 || i == 5 { c == b':' } else { c.is_ascii_digit() }));
    let want = format!(
        "{time} {:<20} {:<8} {:<14} {:<6} {:<16}",
        parsed.stage, parsed.softirq, parsed.us, parsed.cpu, parsed.comm
    );
    assert_eq!(line, want, "layout");
    parsed
}

/// What every event must be: a known stage and vector, at least the
/// threshold, a CPU of this machine, and ksoftirqd only on its own CPU.
fn check(line: &Line, min_us: u64) {
    assert!(STAGES.contains(&line.stage.as_str()), "stage {:?}", line.stage);
    assert!(VECTORS.contains(&line.softirq.as_str()), "softirq {:?}", line.softirq);
    assert!(line.us >= min_us, "{} us under the threshold {min_us}", line.us);
    assert!(line.cpu < cpus(), "CPU {}", line.cpu);
    if let Some(cpu) = line.comm.strip_prefix("ksoftirqd/") {
        assert_eq!(cpu, line.cpu.to_string(), "ksoftirqd of another CPU");
    }
}

#[test]
fn net_rx_runs_in_the_sender_on_its_cpu_and_timers_run() {
    let cpu = cpus() - 1;
    let mut slower = Traced::start("softirqslower", &["1"]);
    let traffic = LoopbackTraffic::start(cpu);
    let seen = |slower: &mut Traced, what: &str, wanted: &dyn Fn(&Line) -> bool| {
        // Event lines start with the time; the two header lines do not.
        slower.expect_line(what, |l| l.starts_with(|c: char| c.is_ascii_digit()) && wanted(&parse(l)))
    };
    seen(&mut slower, "the sender's net_rx runs", &|l| {
        l.stage == "softirq runtime" && l.softirq == "net_rx" && l.comm == SENDER && l.cpu == cpu
    });
    seen(&mut slower, "its net_rx raised", &|l| l.stage == "irq(hard) to softirq" && l.softirq == "net_rx");
    seen(&mut slower, "a timer softirq", &|l| l.softirq == "timer");
    drop(traffic);
    let done = slower.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    assert_eq!(done.stdout[0], "Tracing softirq latency higher than 1 us... Hit Ctrl-C to end.");
    assert_eq!(
        done.stdout[1],
        format!("{:<8} {:<20} {:<8} {:<14} {:<6} {:<16}", "TIME", "STAGE", "SOFTIRQ", "LAT(us)", "CPU", "COMM")
    );
    for line in &done.stdout[2..] {
        check(&parse(line), 1);
    }
}

#[test]
fn json_on_one_cpu() {
    let cpu = cpus() - 1;
    let mut slower = Traced::start("softirqslower", &["--json", "-c", &cpu.to_string(), "2"]);
    let traffic = LoopbackTraffic::start(cpu);
    slower.expect_line("the sender's net_rx", |l| l.contains("\"softirq\":\"net_rx\"") && l.contains(SENDER));
    drop(traffic);
    let done = slower.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    for line in &done.stdout {
        let event: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        assert_eq!(event.as_object().unwrap().len(), 6, "{line}");
        assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000, "{line}");
        assert!(STAGES.contains(&event["stage"].as_str().unwrap()), "{line}");
        assert!(VECTORS.contains(&event["softirq"].as_str().unwrap()), "{line}");
        // The threshold is whole microseconds of the latency.
        assert!(event["latency_ns"].as_u64().unwrap() >= 2000, "{line}");
        assert_eq!(event["cpu"], cpu, "{line}");
        assert!(event["comm"].is_string(), "{line}");
    }
}

#[test]
fn a_huge_threshold_shows_only_the_header() {
    let mut slower = Traced::start("softirqslower", &["100000000"]);
    let traffic = LoopbackTraffic::start(0);
    thread::sleep(Duration::from_secs(2));
    drop(traffic);
    slower.settle(Duration::from_millis(300));
    let done = slower.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    assert_eq!(done.stdout.len(), 2, "{:#?}", done.stdout);
    assert_eq!(done.stdout[0], "Tracing softirq latency higher than 100000000 us... Hit Ctrl-C to end.");
}

#[test]
fn the_default_threshold_is_10000_us() {
    let slower = Traced::start("softirqslower", &[]);
    let done = slower.interrupt();
    assert_eq!(done.stdout[0], "Tracing softirq latency higher than 10000 us... Hit Ctrl-C to end.");
    for line in &done.stdout[2..] {
        check(&parse(line), 10000);
    }
}

#[test]
fn bad_usage_prints_usage_and_exits_64() {
    let beyond = cpus().to_string();
    let cases: [&[&str]; 8] =
        [&["--bogus"], &["0"], &["abc"], &["1", "2"], &["-c", "x"], &["-c", "-1"], &["-c"], &["-c", &beyond]];
    for args in cases {
        let out = run("softirqslower", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("softirqslower: ") && stderr.contains("Usage: softirqslower"), "{args:?}: {stderr}");
    }
    let out = run("softirqslower", &["-c", &beyond]);
    let n = cpus();
    let want = format!("softirqslower: cpu {n} out of range, system has {n} CPUs (0-{})\n", n - 1);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with(&want), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let slower = Traced::start("softirqslower", &[]);
    let done = slower.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
