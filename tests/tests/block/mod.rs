//! Direct I/O for the block tool tests (biolatency, biosnoop): a file in
//! /tmp, read and written with O_DIRECT, so every dd block is one request
//! to the disk under /tmp, found through /sys/dev/block.

use std::{fs, os::unix::fs::MetadataExt, path::PathBuf, process::Command};

use bpfbin_tests::unique_path;

/// Requests each dd makes: 4 KiB blocks.
pub const BLOCKS: u64 = 200;

/// How many of a dd's BLOCKS requests a tool must see. A classic
/// tracepoint's program does not run when its event comes in an interrupt
/// of a CPU already running a BPF program (the kernel's bpf_prog_active),
/// and completions come in interrupts: on a busy machine, with tests and
/// other tools tracing side by side, a few are missed.
pub const MOST: u64 = BLOCKS * 9 / 10;

/// How long the tools trace (an interval, a duration): every request of the
/// dd's that run meanwhile must fall inside, even on a loaded machine.
pub const SECONDS: &str = "4";

/// A file in /tmp, removed when dropped, and its disk (a name in /sys/block).
pub struct Scratch {
    path: PathBuf,
    pub disk: String,
}

impl Scratch {
    pub fn new() -> Self {
        let path = unique_path("block");
        // Written and synced first: direct writes into allocated blocks are
        // one request each, where ext4 may write a growing file's new block
        // through the page cache (a kworker's request then).
        fs::write(&path, vec![0u8; BLOCKS as usize * 4096]).unwrap();
        fs::File::open(&path).unwrap().sync_all().unwrap();
        let dev = fs::metadata(&path).unwrap().dev();
        let sys = format!("/sys/dev/block/{}:{}", libc::major(dev), libc::minor(dev));
        let mut dir =
            fs::canonicalize(&sys).unwrap_or_else(|err| panic!("/tmp is not on a block device ({sys}: {err})"));
        // A partition's requests are its whole disk's.
        if dir.join("partition").exists() {
            dir.pop();
        }
        let disk = dir.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(PathBuf::from("/sys/block").join(&disk).exists(), "{disk} is not in /sys/block");
        Self { path, disk }
    }

    /// BLOCKS direct writes of the file, or reads of it; the PID of dd.
    pub fn dd(&self, write: bool) -> u32 {
        let file = self.path.to_str().unwrap();
        let args = if write {
            vec![format!("of={file}"), "if=/dev/zero".into(), "oflag=direct".into(), "conv=notrunc".into()]
        } else {
            vec![format!("if={file}"), "of=/dev/null".into(), "iflag=direct".into()]
        };
        let mut child = Command::new("dd")
            .args(["bs=4k", &format!("count={BLOCKS}"), "status=none"])
            .args(&args)
            .spawn()
            .expect("dd");
        let pid = child.id();
        // Bounded: 400 direct 4 KiB requests take well under a second.
        for _ in 0..200 {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "dd {args:?}");
                return pid;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("dd {args:?} still running after 20 s");
    }

    /// BLOCKS direct writes, then reads of them.
    pub fn write_and_read(&self) {
        self.dd(true);
        self.dd(false);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
