//! tcpconnlat: how long each active TCP open took, from the socket's
//! SYN_SENT to its ESTABLISHED, by the task that connected.

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, SetStateFields},
    user_pod,
};

/// Connects in progress, as libbpf-tools sizes its map.
pub const MAX_ENTRIES: u32 = 4096;

/// Filters and the record layout, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub fields: SetStateFields,
    /// Only this process (`-p`); 0 for all.
    pub pid: u32,
    pub _pad: u32,
    /// Only connects that took at least this long (the positional argument); 0 for all.
    pub min_us: u64,
}

/// A connect in progress: who started it, and when.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Start {
    pub ts_ns: u64,
    pub pid: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

/// One established connect, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub ends: Endpoints,
    pub delta_us: u64,
    /// `bpf_ktime_get_ns() / 1000` when it was established.
    pub ts_us: u64,
    pub pid: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
