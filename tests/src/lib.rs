//! Running a built tool against the live kernel and reading what it prints.
//!
//! The tools under test are the static binaries in `dist/<target>/` that
//! scripts/build.sh produced, the very files a person copies to a board.

pub mod gated;
pub mod histogram;
pub mod window;
pub mod workloads;

use std::{
    io::{BufRead, BufReader, Read},
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
        mpsc::{self, Receiver},
    },
    thread,
    time::{Duration, Instant},
};

/// How long a tool may take to attach, or an event to show up.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The built binary of `tool` for this machine.
pub fn tool(tool: &str) -> PathBuf {
    let dist = std::env::var_os("BPFBIN_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist/x86_64-unknown-linux-musl"));
    let path = dist.join(tool);
    assert!(path.is_file(), "{} is not built: run scripts/build.sh x86_64", path.display());
    path
}

/// Every tool in the dist directory the tests use, by name.
pub fn built_tools() -> Vec<String> {
    let dir = tool("opensnoop").parent().unwrap().to_path_buf();
    let mut tools: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"\x7fELF")))
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    tools.sort();
    assert!(tools.len() >= 10, "tools in {}: {tools:?}", dir.display());
    tools
}

/// A path no other test or process uses: `/tmp/bpfbin-<pid>-<n>-<label>`.
pub fn unique_path(label: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    PathBuf::from(format!("/tmp/bpfbin-{}-{n}-{label}", std::process::id()))
}

/// A tool running in the background, its stdout collected line by line.
pub struct Traced {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Traced {
    /// Starts `tool` with `args` and waits for its header line (or, with
    /// `--json`, for it to be attached), so events after this are seen.
    pub fn start(tool_name: &str, args: &[&str]) -> Self {
        let mut traced = Self::spawn(tool_name, args);
        if args.contains(&"--json") {
            // JSON output has no header: give the loader a moment.
            thread::sleep(Duration::from_millis(1500));
        } else {
            let header = traced.next_line(PATIENCE);
            assert!(header.is_some(), "{tool_name} printed no header; stderr: {}", traced.stderr());
        }
        traced
    }

    pub fn spawn(tool_name: &str, args: &[&str]) -> Self {
        let mut command = Command::new(tool(tool_name));
        command.args(args);
        Self::spawn_command(command)
    }

    /// `spawn`, for a tool started by another program (`unshare`, `env`).
    pub fn spawn_command(mut command: Command) -> Self {
        let mut child =
            command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the tool");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            sink.lock().unwrap().extend(buf);
        });
        Self { child, lines, seen: Vec::new(), stderr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn next_line(&mut self, timeout: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Waits for a line that satisfies `matches`; panics with everything seen if none comes.
    pub fn expect_line(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.seen.iter().find(|l| matches(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next_line(left) {
                Some(line) if matches(&line) => return line,
                Some(_) => {}
                None => break,
            }
        }
        panic!("no line with {what}; saw:\n{}\nstderr: {}", self.seen.join("\n"), self.stderr());
    }

    /// Reads lines until none arrives for `quiet` (at most 5 s in all: an
    /// unfiltered tool on a busy machine is never quiet), so a later check
    /// sees every line printed so far.
    pub fn settle(&mut self, quiet: Duration) -> &[String] {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.next_line(quiet).is_some() {}
        &self.seen
    }

    /// Sends SIGINT and waits for the tool to exit.
    pub fn interrupt(self) -> Finished {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        self.wait()
    }

    /// Waits (bounded) for the tool to exit by itself.
    pub fn wait(mut self) -> Finished {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the tool") {
                break status;
            }
            if started.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("tool did not exit within {PATIENCE:?}; stderr: {}", self.stderr());
            }
            thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        self.settle(Duration::from_millis(200));
        // The stderr reader ends when the pipe closes, right after exit.
        thread::sleep(Duration::from_millis(50));
        Finished { status, took, stdout: self.seen.clone(), stderr: self.stderr() }
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Finished {
    pub status: ExitStatus,
    pub took: Duration,
    pub stdout: Vec<String>,
    pub stderr: String,
}

/// Runs `tool` to completion with `args`, for usage and error checks.
pub fn run(tool_name: &str, args: &[&str]) -> std::process::Output {
    Command::new(tool(tool_name)).args(args).stdin(Stdio::null()).output().expect("run the tool")
}

/// Runs `program args` to completion and returns its PID.
pub fn run_workload(program: &str, args: &[&str]) -> u32 {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the workload");
    let pid = child.id();
    child.wait().expect("wait for the workload");
    pid
}

/// The whitespace-separated columns of an event line.
pub fn columns(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Whether this kernel can attach kprobes (the perf PMU aya uses): tools
/// built on them see real events only there, elsewhere they must say why not.
pub fn kernel_has_kprobes() -> bool {
    std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists()
}
