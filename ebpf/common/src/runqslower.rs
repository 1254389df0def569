//! runqslower: one event per wait on a run queue longer than a threshold,
//! the woken task's and the one it took the CPU from.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Entries of the map of enqueue times, as libbpf-tools sizes it; with `-p`
/// the map of events held until their task's process is known too.
pub const MAX_ENTRIES: u32 = 10240;

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only waits longer than this many microseconds (never 0).
    pub min_us: u64,
    /// Only this process (tgid, `-p`); 0 for all.
    pub pid: u32,
    /// Only this thread (`-t`); 0 for all.
    pub tid: u32,
    /// The bits of `sched_switch`'s `prev_state` that mean the task left the
    /// run queue: with none of them set, it waits on it (runqlat's).
    pub sleeping: u32,
    /// Only tasks whose command name begins with the first `comm_len` bytes
    /// of `comm` (`-c`); 0 for all.
    pub comm_len: u32,
    pub comm: [u8; TASK_COMM_LEN],
    /// `pid` and `comm` of `sched:sched_wakeup` and `sched:sched_wakeup_new`.
    pub wakeup_pid: FieldOffset,
    pub wakeup_comm: FieldOffset,
    pub wakeup_new_pid: FieldOffset,
    pub wakeup_new_comm: FieldOffset,
    /// `prev_pid`, `prev_comm`, `prev_state` (a 4-byte `long` on 32-bit
    /// kernels), `next_pid` and `next_comm` of `sched:sched_switch`.
    pub prev_pid: FieldOffset,
    pub prev_comm: FieldOffset,
    pub prev_state: FieldOffset,
    pub next_pid: FieldOffset,
    pub next_comm: FieldOffset,
    pub _pad: [u16; 3],
}

/// One wait over the threshold, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// How long the task waited, in microseconds.
    pub delta_us: u64,
    /// The task that waited, and the one it took the CPU from.
    pub tid: u32,
    pub prev_tid: u32,
    pub comm: [u8; TASK_COMM_LEN],
    pub prev_comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
