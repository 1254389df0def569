//! drsnoop: one event per direct reclaim, the time it took and the pages it
//! freed.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Filters and record layout, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Only this thread; 0 for all.
    pub tid: u32,
    /// `nr_reclaimed` (a `long`) in `vmscan:mm_vmscan_direct_reclaim_end`.
    pub nr_reclaimed: FieldOffset,
    pub _pad: [u8; 6],
    /// Kernel address of `vm_zone_stat` with `-e`, whose first counter
    /// (`NR_FREE_PAGES`) is the free page count; 0 without.
    pub vm_zone_stat: u64,
}

/// One direct reclaim, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub delta_ns: u64,
    pub nr_reclaimed: u64,
    /// Free pages when the reclaim began (with `-e`).
    pub nr_free_pages: u64,
    pub tid: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
