//! Workloads and places the tests set up, and take down when dropped.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::columns;

/// Two shell busy loops (comm "sh") sharing CPU 0, killed when dropped:
/// each waits on the run queue while the other runs.
pub struct BusyLoops(Vec<Child>);

impl BusyLoops {
    pub fn start() -> Self {
        let spawn = || {
            Command::new("taskset")
                .args(["-c", "0", "sh", "-c", "while :; do :; done"])
                .stdin(Stdio::null())
                .spawn()
                .expect("taskset and sh are installed")
        };
        let loops = Self(vec![spawn(), spawn()]);
        // Past taskset's exec of sh, so the comm is "sh" (slow on a loaded machine).
        for child in &loops.0 {
            let comm = format!("/proc/{}/comm", child.id());
            let started = std::time::Instant::now();
            while std::fs::read_to_string(&comm).is_ok_and(|c| c.trim_end() != "sh") {
                assert!(started.elapsed() < Duration::from_secs(10), "{comm} is not sh after 10 s");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        loops
    }

    pub fn pid(&self, n: usize) -> u32 {
        self.0[n].id()
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A fresh cgroup v2 directory, removed when dropped.
pub struct Cgroup(PathBuf);

impl Cgroup {
    pub fn new(label: &str) -> Self {
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
        let root =
            mounts.lines().map(columns).find(|m| m[2] == "cgroup2").map(|m| m[1].to_owned()).expect("a cgroup2 mount");
        let dir = Path::new(&root).join(format!("bpfbin-{label}-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// A shell writing and fsyncing a small file in a loop, stopped and its
/// file removed when dropped: disk interrupts and block softirqs.
pub struct DiskWrites(Child, PathBuf);

impl DiskWrites {
    pub fn start(label: &str) -> Self {
        let path = crate::unique_path(label);
        let script =
            format!("while :; do dd if=/dev/zero of={} bs=4k count=8 conv=fsync 2>/dev/null; done", path.display());
        let child = Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        Self(child, path)
    }
}

impl Drop for DiskWrites {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_file(&self.1);
    }
}

/// A loop device over a sparse file in /tmp, detached and the file removed
/// when dropped: a disk no other task's I/O reaches, so what a tool counts
/// on it is exactly what a test did. Without an I/O scheduler, each request
/// is issued in the task that submits it.
pub struct LoopDisk {
    /// `/dev/loopN`, and its name in /sys/block.
    pub dev: String,
    pub name: String,
    file: PathBuf,
}

impl LoopDisk {
    pub fn new(label: &str) -> Self {
        let file = crate::unique_path(label);
        std::fs::File::create(&file).unwrap().set_len(16 << 20).unwrap();
        let out = Command::new("losetup").args(["-f", "--show"]).arg(&file).output().expect("losetup");
        assert!(out.status.success(), "losetup: {}", String::from_utf8_lossy(&out.stderr));
        let dev = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let name = dev.trim_start_matches("/dev/").to_owned();
        // udev, where it runs, probes a new disk: that I/O is over before a test traces.
        let _ = Command::new("udevadm").arg("settle").status();
        Self { dev, name, file }
    }

    /// Runs dd with `args` (its `if=` or `of=` naming `dev`) to the end.
    pub fn dd(&self, args: &[&str]) {
        let status = Command::new("dd").arg("status=none").args(args).status().expect("dd");
        assert!(status.success(), "dd {args:?}");
    }
}

impl Drop for LoopDisk {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
        let _ = std::fs::remove_file(&self.file);
    }
}
