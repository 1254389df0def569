//! bitesize: block I/O sizes as log2 histograms of Kbytes, one per command
//! name, that the kernel keeps in a hash map and user space reads and
//! empties per interval.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Slots of each histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 20;

/// The command name of the task that issued the requests.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct HistKey {
    pub comm: [u8; TASK_COMM_LEN],
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

/// Filters and the record layout of `block:block_rq_issue`, set by user
/// space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only tasks of this command name (`-c`), NUL-padded, when `filter_comm`.
    pub comm: [u8; TASK_COMM_LEN],
    /// Only this disk (`-d`), when `filter_dev` is set.
    pub dev: u32,
    pub filter_dev: u8,
    pub filter_comm: u8,
    /// Where the record keeps the disk and the request's size.
    pub issue_dev: FieldOffset,
    pub issue_bytes: FieldOffset,
    pub _pad: [u8; 6],
}

user_pod!(HistKey, Hist, Config);
