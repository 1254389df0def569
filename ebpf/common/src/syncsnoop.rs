//! syncsnoop: one event per call of a sync family syscall.

use crate::{TASK_COMM_LEN, user_pod};

/// The traced syscalls, by the `sys` number events carry. Each is attached
/// where the kernel has it: `sync_file_range2` replaces `sync_file_range` on
/// 32-bit arm (its `arm_sync_file_range` is the same syscall).
pub const SYSCALLS: [&str; 7] =
    ["sync", "fsync", "fdatasync", "msync", "sync_file_range", "sync_file_range2", "syncfs"];

pub const SYS_SYNC: u32 = 0;
pub const SYS_FSYNC: u32 = 1;
pub const SYS_FDATASYNC: u32 = 2;
pub const SYS_MSYNC: u32 = 3;
pub const SYS_SYNC_FILE_RANGE: u32 = 4;
pub const SYS_SYNC_FILE_RANGE2: u32 = 5;
pub const SYS_SYNCFS: u32 = 6;

/// Filters, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
}

/// One sync call, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// `bpf_ktime_get_ns()`: time since boot, as libbpf-tools prints it.
    pub ts_ns: u64,
    /// The calling process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    /// Index into `SYSCALLS`.
    pub sys: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
