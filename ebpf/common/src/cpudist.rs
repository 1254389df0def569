//! cpudist: how long tasks run on a CPU (or, with `-O`, stay off it), as
//! log2 histograms the kernel keeps in a hash map that user space reads and
//! empties per interval.

use crate::{histogram::TaskHist, tracepoint::FieldOffset, user_pod};

/// Slots of each histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 36;

/// Entries of the map of start times, of the pending off-CPU times and of
/// the histogram map. libbpf-tools sizes them by pid_max, which preallocates
/// hundreds of MiB where pid_max is 4194304; runqlat's 10240 serves here too.
pub const MAX_ENTRIES: u32 = 10240;

pub type Hist = TaskHist<MAX_SLOTS>;

/// The key of the one histogram without `-P` or `-L`.
pub const ALL: u32 = u32::MAX;

/// How the histograms are keyed (`Config::per`).
pub const PER_ALL: u8 = 0;
pub const PER_PROCESS: u8 = 1;
pub const PER_THREAD: u8 = 2;

/// Filters, modes and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid, `-p`); 0 for all.
    pub pid: u32,
    /// The bits of `sched_switch`'s `prev_state` that mean the task left the
    /// run queue; a task switched out with none of them was preempted.
    pub sleeping: u32,
    /// PER_ALL, PER_PROCESS or PER_THREAD.
    pub per: u8,
    /// Histograms in milliseconds (`-m`), else microseconds.
    pub milliseconds: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    /// Off-CPU time (`-O`), else on-CPU time.
    pub offcpu: u8,
    /// `prev_state` (a 4-byte `long` on 32-bit kernels), `next_pid` and
    /// `next_comm` of `sched:sched_switch`.
    pub prev_state: FieldOffset,
    pub next_pid: FieldOffset,
    pub next_comm: FieldOffset,
    pub _pad: u16,
}

user_pod!(Config);
