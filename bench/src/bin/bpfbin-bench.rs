//! bpfbin-bench: the measuring harness of scripts/bench.sh. One
//! tab-separated record per line on stdout (the script makes its table and
//! JSON file from them), progress on stderr.
//!
//!   bpfbin-bench start [-n RUNS] [-e SECS] LOAD TOOL [ARGS...]
//!       Start-up of one tool, RUNS times: spawn to header line, then
//!       `LOAD poke` to the first line naming its comm (waiting up to SECS),
//!       then the tool's peak RSS (VmHWM) just before SIGINT.
//!   bpfbin-bench throughput [-d SECS] [-r RATE] [-k REPS] LOAD PATH -- LABEL [CMD...] [:: LABEL [CMD...]]...
//!       `LOAD open` on PATH for SECS seconds under each tracer CMD (`{pid}`
//!       in it is the workload's PID; no CMD: untraced), REPS rounds, the
//!       order rotating every round.
//!
//! Every child gets SIGKILL should this program die first (PR_SET_PDEATHSIG),
//! so an interrupted benchmark leaves no tracer attached.

use std::{
    fs,
    io::{BufRead, BufReader, Read, Write},
    os::unix::process::CommandExt,
    process::{Child, ChildStdin, Command, ExitCode, ExitStatus, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
        mpsc::{self, Receiver, Sender},
    },
    thread,
    time::{Duration, Instant},
};

/// Longest wait for a tool's (or bpftrace's) first line, and for it to
/// see the workload's probe opens: bpftrace compiles with LLVM first.
const START_PATIENCE: Duration = Duration::from_secs(60);
/// Longest wait for a tool to exit after SIGINT before SIGKILL.
const EXIT_PATIENCE: Duration = Duration::from_secs(10);
/// A tracer has caught up once no line has come for this long.
const QUIET: Duration = Duration::from_millis(500);
/// The workload's comm, as the tools print it.
const COMM: &[u8] = b"bpfbin-load";

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("start") => start(&args[1..]),
        Some("throughput") => throughput(&args[1..]),
        _ => Err("usage: bpfbin-bench start|throughput ... (see scripts/bench.sh)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bpfbin-bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Leading `-x VALUE` options (those named in `flags`), then the rest.
fn options<'a>(args: &'a [String], flags: &str) -> Result<(Vec<(char, f64)>, &'a [String])> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(flag) = args.get(i).and_then(|a| a.strip_prefix('-')) {
        let Some(c) = flag.chars().next().filter(|c| flag.len() == 1 && flags.contains(*c)) else { break };
        let value = args
            .get(i + 1)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("-{c} needs a number >= 0"))?;
        found.push((c, value));
        i += 2;
    }
    Ok((found, &args[i..]))
}

fn option(found: &[(char, f64)], flag: char, default: f64) -> f64 {
    found.iter().rev().find(|(c, _)| *c == flag).map_or(default, |(_, v)| *v)
}

fn command(argv: &[String]) -> Command {
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]);
    // SAFETY: prctl(2) is async-signal-safe; it touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Each stdout line of a child, with the moment it was read.
fn timed_lines(out: impl Read + Send + 'static) -> Receiver<(Instant, Vec<u8>)> {
    let (send, lines) = mpsc::channel();
    thread::spawn(move || {
        let mut out = BufReader::new(out);
        loop {
            let mut line = Vec::new();
            match out.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if send.send((Instant::now(), line)).is_err() {
                        break;
                    }
                }
            }
        }
    });
    lines
}

fn has_token(line: &[u8], token: &[u8]) -> bool {
    line.split(|b| b.is_ascii_whitespace()).any(|word| word == token)
}

/// N of a "Lost N events" line: the drop notes of both our tools and bpftrace.
fn lost_note(line: &str) -> Option<u64> {
    line.trim().strip_prefix("Lost ")?.strip_suffix(" events")?.parse().ok()
}

/// utime + stime of the whole process (all threads), in seconds.
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm)": state is field 3 of proc(5), utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some(ticks as f64 / hz.max(1) as f64)
}

/// The peak resident set of the process's own image since its exec.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// SIGINT, as Ctrl-C; SIGKILL if the child is still there after EXIT_PATIENCE.
fn interrupt(child: &mut Child) -> std::result::Result<ExitStatus, String> {
    // SAFETY: signalling our own child, not yet reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let asked = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if asked.elapsed() < EXIT_PATIENCE => thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no exit within {} s of SIGINT: killed", EXIT_PATIENCE.as_secs()));
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim()
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

fn num(value: Option<f64>, decimals: usize) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn start(args: &[String]) -> Result<()> {
    let (found, rest) = options(args, "ne")?;
    let runs = option(&found, 'n', 5.0).max(1.0) as usize;
    let mut patience = Duration::from_secs_f64(option(&found, 'e', 2.0));
    let [load, tool @ ..] = rest else { return Err("start needs LOAD TOOL [ARGS...]".into()) };
    if tool.is_empty() {
        return Err("start needs LOAD TOOL [ARGS...]".into());
    }
    let name = basename(&tool[0]);
    let (mut attach, mut first, mut peak) = (Vec::new(), Vec::new(), Vec::new());
    let mut notes = Vec::new();
    for _ in 0..runs {
        let spawned = Instant::now();
        let mut child = command(tool)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("starting {}: {err}", tool[0]))?;
        let lines = timed_lines(child.stdout.take().expect("piped"));
        let mut stderr = child.stderr.take().expect("piped");
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let Ok((header, _)) = lines.recv_timeout(START_PATIENCE) else {
            // Exited (or hung) before a header: it cannot run here.
            let status = interrupt(&mut child);
            let text = stderr.join().unwrap_or_default();
            let why = match (first_line(&text), status) {
                ("", Ok(status)) => format!("no header; {status}"),
                ("", Err(err)) => format!("no header; {err}"),
                (line, _) => line.to_string(),
            };
            notes.push(format!("cannot run here: {why}"));
            break;
        };

        let poked = Instant::now();
        let mut poke = command(&[load.clone(), "poke".into()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|err| format!("starting {load} poke: {err}"))?;
        let mut seen = None;
        let deadline = poked + patience;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(left) {
                Ok((at, line)) if has_token(&line, COMM) => {
                    seen = Some(at - poked);
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        match poke.wait() {
            Ok(status) if status.success() => {}
            other => {
                let _ = interrupt(&mut child);
                return Err(format!("{load} poke failed: {other:?}"));
            }
        }

        if let Ok(Some(status)) = child.try_wait() {
            let text = stderr.join().unwrap_or_default();
            notes.push(if status.success() {
                "runs once and exits: not a tracer".into()
            } else {
                format!("exited by itself ({status}): {}", first_line(&text))
            });
            break;
        }
        // Sampled while it runs: once it has exited its memory is gone.
        let hwm = vm_hwm_kib(child.id());
        match interrupt(&mut child) {
            Ok(status) if status.success() => {}
            Ok(status) => notes.push(format!("after SIGINT: {status}")),
            Err(err) => notes.push(err),
        }
        let _ = stderr.join();
        attach.push(ms(header - spawned));
        peak.extend(hwm.map(|kib| kib as f64));
        match seen {
            Some(took) => first.push(ms(took)),
            // No event the first time: none of the workload's calls is
            // what this tool traces (or it prints only summaries); do not
            // wait again on every run.
            None => patience = Duration::ZERO,
        }
    }
    if !attach.is_empty() && first.len() < attach.len() {
        notes.push(if first.is_empty() {
            "no line of the workload's within the wait (prints summaries, or traces none of its calls)".into()
        } else {
            format!("workload seen in {} of {} runs", first.len(), attach.len())
        });
    }
    notes.dedup();
    let min = attach.iter().copied().reduce(f64::min);
    let max = attach.iter().copied().reduce(f64::max);
    println!(
        "start\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        attach.len(),
        num(median(attach), 2),
        num(min, 2),
        num(max, 2),
        num(median(first), 2),
        num(median(peak), 0),
        notes.join("; ").replace(['\t', '\n'], " ")
    );
    Ok(())
}

/// What a stream of a tracer said so far.
#[derive(Default)]
struct Counts {
    /// Lines after the first (the header), other than drop notes.
    events: AtomicU64,
    /// Sum of the "Lost N events" notes.
    lost: AtomicU64,
    /// Any other text (stderr only), for error messages.
    text: Mutex<String>,
}

/// Counts a tracer's lines as they come; its first stdout line (our header,
/// bpftrace's "Attaching N probes...") is announced on `ready`, not counted.
fn count_lines(stream: impl Read + Send + 'static, ready: Option<Sender<()>>) -> (Arc<Counts>, thread::JoinHandle<()>) {
    let counts = Arc::new(Counts::default());
    let shared = counts.clone();
    let reader = thread::spawn(move || {
        let mut stream = BufReader::with_capacity(64 * 1024, stream);
        let mut ready = ready;
        let is_stdout = ready.is_some();
        let mut line = Vec::new();
        loop {
            line.clear();
            match stream.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if let Some(send) = ready.take() {
                let _ = send.send(());
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                // bpftrace ends with empty lines; no tool prints one as an event.
                continue;
            }
            if let Some(n) = lost_note(&text) {
                shared.lost.fetch_add(n, Ordering::Relaxed);
            } else if is_stdout {
                shared.events.fetch_add(1, Ordering::Relaxed);
            } else {
                let mut kept = shared.text.lock().expect("not poisoned");
                if kept.len() < 4096 {
                    kept.push_str(&text);
                }
            }
        }
    });
    (counts, reader)
}

struct Tracer {
    child: Child,
    out: (Arc<Counts>, thread::JoinHandle<()>),
    err: (Arc<Counts>, thread::JoinHandle<()>),
    /// Spawn to first line.
    start: Duration,
    /// CPU time spent before the workload started (compiling, loading).
    start_cpu: f64,
    /// Events and drops counted before the workload started (the probes).
    before: (u64, u64),
}

impl Tracer {
    /// Starts `argv` and waits until it sees the workload: after its first
    /// line, `p` commands make the workload open its file once each, until
    /// the tracer prints one (bpftrace prints "Attaching..." before it has
    /// attached everything).
    fn start(argv: &[String], load: &mut ChildStdin) -> Result<Self> {
        let spawned = Instant::now();
        let mut child = command(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("starting {}: {err}", argv[0]))?;
        let (send, ready) = mpsc::channel();
        let out = count_lines(child.stdout.take().expect("piped"), Some(send));
        let err = count_lines(child.stderr.take().expect("piped"), None);
        let started = ready.recv_timeout(START_PATIENCE);
        let start = spawned.elapsed();
        let fail = |child: &mut Child, err: &(Arc<Counts>, _), what: &str| {
            let _ = interrupt(child);
            let text = err.0.text.lock().expect("not poisoned").clone();
            format!("{}: {what}: {}", argv[0], first_line(&text))
        };
        if started.is_err() {
            return Err(fail(&mut child, &err, "no first line"));
        }
        let deadline = Instant::now() + START_PATIENCE;
        while out.0.events.load(Ordering::Relaxed) == 0 {
            if Instant::now() > deadline {
                return Err(fail(&mut child, &err, "never saw the workload's opens"));
            }
            load.write_all(b"p").map_err(|err| format!("workload: {err}"))?;
            thread::sleep(Duration::from_millis(20));
        }
        // Whatever probes are still on their way are counted before the run.
        settle(&out.0);
        let before = (
            out.0.events.load(Ordering::Relaxed),
            out.0.lost.load(Ordering::Relaxed) + err.0.lost.load(Ordering::Relaxed),
        );
        let start_cpu = cpu_secs(child.id()).unwrap_or(f64::NAN);
        Ok(Self { child, out, err, start, start_cpu, before })
    }

    /// Lets the tracer catch up, samples its CPU time and peak RSS, stops it.
    fn finish(mut self, run: &mut Run) {
        settle(&self.out.0);
        let pid = self.child.id();
        let cpu = cpu_secs(pid);
        run.tracer_hwm_kib = vm_hwm_kib(pid);
        match interrupt(&mut self.child) {
            Ok(status) if status.success() => {}
            Ok(status) => run.notes.push(format!("tracer {status}")),
            Err(err) => run.notes.push(err),
        }
        // Lines printed on the way out (a last batch, a last drop note) count too.
        let _ = self.out.1.join();
        let _ = self.err.1.join();
        let events = self.out.0.events.load(Ordering::Relaxed);
        let lost = self.out.0.lost.load(Ordering::Relaxed) + self.err.0.lost.load(Ordering::Relaxed);
        run.events = Some(events - self.before.0);
        run.lost = Some(lost - self.before.1);
        run.tracer_cpu = cpu.map(|cpu| cpu - self.start_cpu);
        run.tracer_start_ms = Some(ms(self.start));
        run.tracer_start_cpu = Some(self.start_cpu);
        let text = self.err.0.text.lock().expect("not poisoned");
        if !first_line(&text).is_empty() {
            run.notes.push(format!("tracer stderr: {}", first_line(&text)));
        }
    }
}

/// Waits until no event line has come for QUIET (at most a minute).
fn settle(counts: &Counts) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = counts.events.load(Ordering::Relaxed);
    let mut changed = Instant::now();
    while Instant::now() < deadline && changed.elapsed() < QUIET {
        thread::sleep(Duration::from_millis(20));
        let now = counts.events.load(Ordering::Relaxed);
        if now != last {
            last = now;
            changed = Instant::now();
        }
    }
}

#[derive(Default)]
struct Run {
    ops: u64,
    secs: f64,
    /// The workload's user + system CPU: the probes run in its system calls.
    load_cpu: f64,
    events: Option<u64>,
    lost: Option<u64>,
    tracer_cpu: Option<f64>,
    tracer_start_ms: Option<f64>,
    tracer_start_cpu: Option<f64>,
    tracer_hwm_kib: Option<u64>,
    notes: Vec<String>,
}

fn throughput(args: &[String]) -> Result<()> {
    let (found, rest) = options(args, "drk")?;
    let secs = option(&found, 'd', 3.0);
    let rate = option(&found, 'r', 0.0);
    let reps = option(&found, 'k', 3.0).max(1.0) as usize;
    let [load, path, sep, configs @ ..] = rest else { return Err("throughput needs LOAD PATH -- LABEL [CMD...]".into()) };
    if sep != "--" || configs.is_empty() {
        return Err("throughput needs LOAD PATH -- LABEL [CMD...] [:: LABEL [CMD...]]...".into());
    }
    let configs: Vec<&[String]> = configs.split(|a| a == "::").filter(|c| !c.is_empty()).collect();
    let mut runs: Vec<Vec<Run>> = configs.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        for i in 0..configs.len() {
            // Rotating the order spreads drift (other load, caches) over all.
            let which = (rep + i) % configs.len();
            let (label, argv) = configs[which].split_first().expect("not empty");
            eprintln!("  round {}/{reps}: {label}", rep + 1);
            let run = run_once(load, path, secs, rate, argv)?;
            let (pid_events, lost) = (num(run.events.map(|e| e as f64), 0), num(run.lost.map(|l| l as f64), 0));
            println!(
                "run\t{label}\t{}\t{}\t{:.6}\t{:.0}\t{:.6}\t{pid_events}\t{lost}\t{}\t{}\t{}\t{}\t{}",
                rep + 1,
                run.ops,
                run.secs,
                run.ops as f64 / run.secs,
                run.load_cpu,
                num(run.tracer_cpu, 3),
                num(run.tracer_start_ms, 1),
                num(run.tracer_start_cpu, 3),
                num(run.tracer_hwm_kib.map(|k| k as f64), 0),
                run.notes.join("; ").replace(['\t', '\n'], " ")
            );
            runs[which].push(run);
        }
    }

    let rate_of = |runs: &[Run]| median(runs.iter().map(|r| r.ops as f64 / r.secs).collect());
    let untraced = configs.iter().position(|c| c.len() == 1).and_then(|i| rate_of(&runs[i]));
    for (config, runs) in configs.iter().zip(&runs) {
        let per = |f: &dyn Fn(&Run) -> Option<f64>| median(runs.iter().filter_map(f).collect());
        let ops = |r: &Run| r.ops.max(1) as f64;
        let ops_s = rate_of(runs);
        println!(
            "tput\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            config[0],
            runs.len(),
            num(ops_s, 0),
            num(untraced.zip(ops_s).map(|(u, t)| u / t), 3),
            num(per(&|r| r.events.map(|e| e as f64 / ops(r))), 4),
            num(per(&|r| r.lost.map(|l| l as f64 / ops(r))), 4),
            num(per(&|r| Some((r.ops as f64 - r.events? as f64 - r.lost? as f64) / ops(r))), 4),
            num(per(&|r| r.tracer_cpu.map(|c| c / r.secs)), 3),
            num(per(&|r| r.tracer_cpu.zip(r.events).map(|(c, e)| c * 1e6 / e.max(1) as f64)), 3),
            num(per(&|r| Some(r.load_cpu * 1e6 / ops(r))), 3),
            num(per(&|r| r.tracer_start_ms), 1),
            num(per(&|r| r.tracer_start_cpu.map(|c| c * 1e3)), 0),
            num(per(&|r| r.tracer_hwm_kib.map(|k| k as f64)), 0),
        );
    }
    Ok(())
}

fn run_once(load: &str, path: &str, secs: f64, rate: f64, tracer: &[String]) -> Result<Run> {
    let argv: Vec<String> =
        ["open", "-d", &secs.to_string(), "-r", &rate.to_string(), path].iter().map(|s| s.to_string()).collect();
    let mut workload = command(&[&[load.to_string()], &argv[..]].concat())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("starting {load}: {err}"))?;
    let pid = workload.id();
    let mut control = workload.stdin.take().expect("piped");
    let traced = if tracer.is_empty() {
        None
    } else {
        let argv: Vec<String> = tracer.iter().map(|a| a.replace("{pid}", &pid.to_string())).collect();
        match Tracer::start(&argv, &mut control) {
            Ok(tracer) => Some(tracer),
            Err(err) => {
                let _ = workload.kill();
                let _ = workload.wait();
                return Err(err);
            }
        }
    };
    let mut run = workload_run(workload, control);
    // Stopped on every path: a tracer must not stay attached.
    if let Some(tracer) = traced {
        match run.as_mut() {
            Ok(run) => tracer.finish(run),
            Err(_) => tracer.finish(&mut Run::default()),
        }
    }
    run
}

/// Starts the run (`g`) and waits for the workload's report and exit.
fn workload_run(mut workload: Child, mut control: ChildStdin) -> Result<Run> {
    let pid = workload.id();
    if let Err(err) = control.write_all(b"g") {
        let _ = workload.kill();
        let _ = workload.wait();
        return Err(format!("workload: {err}"));
    }
    // End of input: the workload exits once this run is done.
    drop(control);
    let mut report = String::new();
    let _ = workload.stdout.take().expect("piped").read_to_string(&mut report);
    // wait4 rather than Child::wait, for the workload's CPU time.
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; waiting for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let mut run = Run { load_cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime), ..Run::default() };
    // "ops N secs S"
    let words: Vec<&str> = report.split_whitespace().collect();
    match (waited, words.as_slice()) {
        (w, ["ops", ops, "secs", secs]) if w == pid as libc::pid_t && status == 0 => {
            run.ops = ops.parse().map_err(|_| format!("workload said {report:?}"))?;
            run.secs = secs.parse().map_err(|_| format!("workload said {report:?}"))?;
        }
        _ => return Err(format!("workload failed (wait status {status:#x}): {report:?}")),
    }
    Ok(run)
}
