//! biosnoop: one event per completed block request, with the task that
//! submitted it, its disk, sector, size and latency.
//!
//! Requests are keyed by disk and start sector (`block::StartKey`),
//! from the classic block tracepoints, so no BTF is needed.

use crate::{
    TASK_COMM_LEN,
    block::{Fields, RWBS_LEN},
    tracepoint::FieldOffset,
    user_pod,
};

/// Filters, modes and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only requests that took this long from issue to completion (`-m`).
    pub min_ns: u64,
    /// Only this disk (`-d`), when `filter_dev` is set.
    pub dev: u32,
    pub filter_dev: u8,
    /// Also time from insertion into the queue to issue (`-Q`).
    pub queued: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad: u8,
    /// The tracepoint seen in the submitting task: `block:block_io_start`
    /// (Linux 6.5), else `block:block_getrq`.
    pub submit: Fields,
    pub insert: Fields,
    pub issue: Fields,
    pub complete: Fields,
    /// `bytes` of `block:block_rq_issue`.
    pub issue_bytes: FieldOffset,
    pub _pad2: [u8; 6],
}

/// A completed request.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// The submitting task's comm, "?" when it was not seen.
    pub comm: [u8; TASK_COMM_LEN],
    /// Issue to completion, in ns.
    pub delta: u64,
    /// Insertion to issue, in ns, when `inserted`.
    pub qdelta: u64,
    /// Completion time, `bpf_ktime_get_ns`.
    pub ts: u64,
    pub sector: u64,
    pub bytes: u32,
    /// The submitting process (tgid), 0 when not seen.
    pub pid: u32,
    pub dev: u32,
    pub rwbs: [u8; RWBS_LEN],
    pub inserted: u8,
    pub _pad: [u8; 3],
}

user_pod!(Config, Event);
