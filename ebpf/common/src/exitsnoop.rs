//! exitsnoop: one event per process (or, with `-T`, thread) exit.

use crate::{TASK_COMM_LEN, user_pod};

/// The `task_struct` members read at exit, as `(struct, member)`, in
/// `TaskLayout` order.
pub const MEMBERS: [(&str, &str); 4] = [
    ("task_struct", "exit_code"),
    ("task_struct", "start_time"),
    ("task_struct", "real_parent"),
    ("task_struct", "tgid"),
];

/// Offsets of the `task_struct` members read at exit, resolved from the
/// running kernel's BTF at load time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskLayout {
    /// `task_struct.exit_code` (int): the wait(2) status.
    pub exit_code: u16,
    /// `task_struct.start_time` (u64): monotonic ns, the clock of `bpf_ktime_get_ns`.
    pub start_time: u16,
    /// `task_struct.real_parent` (pointer)
    pub real_parent: u16,
    /// `task_struct.tgid` (pid_t)
    pub tgid: u16,
}

/// Filters and the task layout, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Report every thread's exit, not only the main thread's (`-T`).
    pub threads: u8,
    /// Only exits with a non-zero status (`-x`): an error code or a signal.
    pub failed_only: u8,
    /// Only tasks under the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad: u8,
    pub task: TaskLayout,
}

/// One exit, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// When the task started and exited, in monotonic ns.
    pub start_time: u64,
    pub exit_time: u64,
    /// The exiting process (tgid), its parent's tgid, and the thread.
    pub pid: u32,
    pub ppid: u32,
    pub tid: u32,
    /// The raw wait(2) status: exit code << 8 | core dump flag 0x80 | signal.
    pub exit_code: i32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
