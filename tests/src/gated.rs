//! Long and overloaded runs: a tool whose stdout the test reads only when it
//! chooses (so the tool blocks in write(2) and the kernel has to drop
//! events), its stderr visible while it runs, and what /proc says about its
//! memory and descriptors.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
        mpsc::{self, Receiver, RecvTimeoutError},
    },
    thread,
    time::{Duration, Instant},
};

use crate::{Finished, PATIENCE, tool};

/// A tool running in the background; its stdout is read only while not paused.
pub struct Gated {
    child: Child,
    lines: Receiver<String>,
    reading: Arc<AtomicBool>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Gated {
    /// Starts `tool_name` with `args` and waits for its first line (its header).
    pub fn start(tool_name: &str, args: &[&str]) -> Self {
        let mut child = Command::new(tool(tool_name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the tool");
        let reading = Arc::new(AtomicBool::new(true));
        let (send, lines) = mpsc::channel();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let gate = reading.clone();
        thread::spawn(move || {
            loop {
                // Paused: no read(2), so the pipe fills and the tool blocks.
                while !gate.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(10));
                }
                let mut line = Vec::new();
                match stdout.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if send.send(String::from_utf8_lossy(&line).into_owned()).is_err() {
                    break;
                }
            }
        });
        // Appended as it comes, so a report made while running is seen then.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let mut gated = Self { child, lines, reading, stderr };
        let header = gated.read_line(PATIENCE);
        assert!(header.is_some(), "{tool_name} printed no header; stderr: {}", gated.stderr());
        gated
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops reading stdout (after the line being read, if any).
    pub fn pause(&self) {
        self.reading.store(false, Ordering::Relaxed);
    }

    pub fn resume(&self) {
        self.reading.store(true, Ordering::Relaxed);
    }

    fn read_line(&mut self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Every line that arrives during `period`.
    pub fn read_for(&mut self, period: Duration) -> Vec<String> {
        let deadline = Instant::now() + period;
        let mut lines = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(RecvTimeoutError::Timeout) => break,
                // The tool closed its stdout: nothing more will come.
                Err(RecvTimeoutError::Disconnected) => {
                    thread::sleep(left);
                    break;
                }
            }
        }
        lines
    }

    /// The lines that arrived since the last read, without waiting.
    pub fn take(&mut self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Whether the tool has not exited.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("wait for the tool").is_none()
    }

    /// What the tool wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Sends SIGINT, reads on, and waits (bounded) for the tool to exit;
    /// `stdout` holds the lines not read before.
    pub fn interrupt(mut self) -> Finished {
        self.resume();
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let started = Instant::now();
        let mut stdout = Vec::new();
        let status = loop {
            stdout.extend(self.lines.try_iter());
            if let Some(status) = self.child.try_wait().expect("wait for the tool") {
                break status;
            }
            if started.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("tool did not exit within {PATIENCE:?} of SIGINT; stderr: {}", self.stderr());
            }
            thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        // The readers end when the pipes close, right after the exit.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            stdout.push(line);
        }
        thread::sleep(Duration::from_millis(50));
        Finished { status, took, stdout, stderr: self.stderr() }
    }
}

impl Drop for Gated {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Lets a paused reader see the end of the pipe and finish.
        self.resume();
    }
}

/// A process's resident set (VmRSS), in KiB.
pub fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process is alive");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in /proc/{pid}/status:\n{status}"))
}

/// How many file descriptors a process has open.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the process is alive").count()
}

/// A background process (a workload), killed when dropped.
pub struct Background(Child);

impl Background {
    /// Starts a Python loop doing `op` (a statement on the path `p`)
    /// `rate` times a second, evenly, and returns once it runs: past
    /// Python's own start-up opens, which a tool started next must not see.
    /// The workload's comm is "python3" (also behind pyenv's shims, which
    /// exec it).
    pub fn paced(op: &str, path: &str, rate: u32) -> Self {
        let script = format!(
            "import os, sys, time\n\
             p = sys.argv[1]\n\
             print('go', flush=True)\n\
             start, n = time.monotonic(), 0\n\
             while True:\n\
             \x20   for _ in range(20):\n\
             \x20       {op}\n\
             \x20   n += 20\n\
             \x20   time.sleep(max(0, start + n / {rate} - time.monotonic()))\n"
        );
        let mut child = Command::new("python3")
            .args(["-c", &script, path])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut go = String::new();
        // Bounded by Python: it prints or dies (an EOF) at once.
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut go);
        let workload = Self(child);
        assert_eq!(go, "go\n", "the Python workload did not start");
        workload
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
