//! biolatency: block I/O latency (issue, or with `-Q` insert, to
//! completion) as log2 histograms the kernel keeps in a hash map that user
//! space reads and empties per interval.

use crate::{
    block::{Fields, RWBS_LEN},
    user_pod,
};

/// Slots of each histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 27;

/// What a histogram is for: the disk with `-D` (the kernel's dev_t,
/// major << 20 | minor), the request's `rwbs` with `-F` (else zeros).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct HistKey {
    pub dev: u32,
    pub rwbs: [u8; RWBS_LEN],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hist {
    pub slots: [u32; MAX_SLOTS],
}

impl Default for Hist {
    fn default() -> Self {
        Self { slots: [0; MAX_SLOTS] }
    }
}

/// Filters, modes and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this disk (`-d`), when `filter_dev` is set.
    pub dev: u32,
    pub filter_dev: u8,
    /// A histogram per disk (`-D`), per set of flags (`-F`).
    pub per_disk: u8,
    pub per_flag: u8,
    /// Histograms in milliseconds (`-m`), else microseconds.
    pub milliseconds: u8,
    /// From insertion into the queue on (`-Q`), else from issue.
    pub queued: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub insert: Fields,
    pub issue: Fields,
    pub complete: Fields,
}

user_pod!(HistKey, Hist, Config);
