//! funclatency: the time each call of one function takes, as a log2
//! histogram the kernel keeps in a one-entry hash map that user space reads
//! and empties per interval.

use crate::user_pod;

/// Slots of the histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 25;

/// Threads inside the function at once, as libbpf-tools sizes its map.
pub const MAX_PIDS: u32 = 102400;

/// The key of the one histogram.
pub const HIST: u32 = 0;

/// `Config::units`: what the histogram counts in.
pub const NSEC: u8 = 0;
pub const USEC: u8 = 1;
pub const MSEC: u8 = 2;

/// Filters and the unit, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid, `-p`); 0 for all.
    pub pid: u32,
    /// NSEC, USEC (`-u`) or MSEC (`-m`).
    pub units: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad: [u8; 2],
}

user_pod!(Config);
