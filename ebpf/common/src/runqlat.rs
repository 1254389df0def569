//! runqlat: how long tasks wait on a run queue, as log2 histograms the
//! kernel keeps in a hash map that user space reads and empties per interval.

use crate::{histogram::TaskHist, tracepoint::FieldOffset, user_pod};

/// Slots of each histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 26;

/// Entries of the map of enqueue times and of the histogram map, as
/// libbpf-tools sizes them.
pub const MAX_ENTRIES: u32 = 10240;

pub type Hist = TaskHist<MAX_SLOTS>;

/// The key of the one histogram without `-P` or `-L`.
pub const ALL: u32 = u32::MAX;

/// How the histograms are keyed (`Config::per`).
pub const PER_ALL: u8 = 0;
pub const PER_PROCESS: u8 = 1;
pub const PER_THREAD: u8 = 2;
pub const PER_PIDNS: u8 = 3;

/// What `--pidnss` reads of the current task, from BTF: its PID namespace's
/// inode number, `task->thread_pid->numbers[level].ns->ns.inum`.
pub const MEMBERS: [(&str, &str); 5] =
    [("task_struct", "thread_pid"), ("pid", "level"), ("pid", "numbers"), ("upid", "ns"), ("pid_namespace", "ns.inum")];

/// Offsets of `MEMBERS`, and the size of `struct upid`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PidnsWalk {
    pub task_thread_pid: u16,
    pub pid_level: u16,
    pub pid_numbers: u16,
    pub upid_ns: u16,
    pub pid_namespace_inum: u16,
    /// `upid` is an int and a pointer: the pointer's offset plus its size.
    pub upid_size: u16,
}

/// Filters, modes and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid, `-p`); 0 for all.
    pub pid: u32,
    /// The bits of `sched_switch`'s `prev_state` that mean the task left the
    /// run queue (asleep, stopped, dead). A task switched out with none of
    /// them set, preempted ("R+") or yielding ("R"), waits on the run queue.
    pub sleeping: u32,
    /// PER_ALL, PER_PROCESS, PER_THREAD or PER_PIDNS.
    pub per: u8,
    /// Histograms in milliseconds (`-m`), else microseconds.
    pub milliseconds: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad: u8,
    /// `pid` of `sched:sched_wakeup` and `sched:sched_wakeup_new`.
    pub wakeup_pid: FieldOffset,
    pub wakeup_new_pid: FieldOffset,
    /// `prev_pid`, `prev_state` (a 4-byte `long` on 32-bit kernels),
    /// `next_pid` and `next_comm` of `sched:sched_switch`.
    pub prev_pid: FieldOffset,
    pub prev_state: FieldOffset,
    pub next_pid: FieldOffset,
    pub next_comm: FieldOffset,
    /// With PER_PIDNS.
    pub pidns: PidnsWalk,
}

user_pod!(Config);
