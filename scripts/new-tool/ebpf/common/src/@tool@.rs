//! @tool@: what one event is (to write: the one line libbpf-tools' @tool@.h would say).

use crate::{TASK_COMM_LEN, user_pod};

/// Filters, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
}

/// One event, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// `bpf_ktime_get_ns()`: time since boot.
    pub ts_ns: u64,
    /// The process (tgid) and thread the event happened in.
    pub pid: u32,
    pub tid: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
