//! biopattern: per disk, how many completed block requests started where
//! the previous one ended (sequential) or elsewhere (random), counted in the
//! kernel in a hash map that user space reads and empties per interval.

use crate::{tracepoint::FieldOffset, user_pod};

/// Disks the map holds, as libbpf-tools sizes it.
pub const MAX_DISKS: u32 = 64;

/// One disk's requests, keyed by its dev_t (major << 20 | minor).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// The sector after the last request completed; 0 before the first.
    pub last_sector: u64,
    pub bytes: u64,
    pub sequential: u32,
    pub random: u32,
}

/// The disk filter and the record layout of `block:block_rq_complete`, set
/// by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this disk (`-d`), when `filter_dev` is set.
    pub dev: u32,
    pub filter_dev: u8,
    pub _pad: u8,
    /// Where the record keeps the disk, the first sector and the sectors done.
    pub dev_field: FieldOffset,
    pub sector: FieldOffset,
    pub nr_sector: FieldOffset,
}

user_pod!(Counter, Config);
