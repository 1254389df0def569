//! The classic block tracepoints, as biolatency and biosnoop read them: where
//! a record keeps its fields, and the key of a request in flight.

use crate::{tracepoint::FieldOffset, user_pod};

/// Entries of the map of start times and of the histogram map, as
/// libbpf-tools sizes them.
pub const MAX_ENTRIES: u32 = 10240;

/// Bytes of the `rwbs` field kept per histogram (`-F`): the longest string
/// `blk_fill_rwbs()` writes from the flags libbpf-tools names ("FDEFASM")
/// and its NUL. Newer kernels' field is longer (10 bytes since 6.11).
pub const RWBS_LEN: usize = 8;

/// A request in flight, as the classic block tracepoints identify it: by
/// disk and start sector, which no two requests in flight on one disk share
/// (a flush has sector 0 and no data: a rare miscount). libbpf-tools keys by
/// `struct request *`, which needs BTF (docs/design.md).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StartKey {
    pub dev: u32,
    pub _pad: u32,
    pub sector: u64,
}

/// Where `dev`, `sector` (and for the completion `rwbs`) sit in one block
/// tracepoint's record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub dev: FieldOffset,
    pub sector: FieldOffset,
    pub rwbs: FieldOffset,
}

user_pod!(StartKey, Fields);
