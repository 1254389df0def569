//! tcpstates: one event per TCP state change, with the time the socket
//! spent in the state it left (kept per socket in the kernel).

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, SetStateFields},
    user_pod,
};

/// Sockets whose last change is remembered, as libbpf-tools sizes the map.
pub const MAX_ENTRIES: u32 = 10240;

/// Filters and the record layout, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub fields: SetStateFields,
    /// Only this family (`-4`, `-6`); 0 for both.
    pub family: u16,
    /// Only the local (`-L`) and remote (`-D`) ports in the `SPORTS` and
    /// `DPORTS` maps.
    pub filter_sports: u8,
    pub filter_dports: u8,
}

/// One state change, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub ends: Endpoints,
    pub skaddr: u64,
    /// Microseconds in the old state; 0 when its start was not seen.
    pub delta_us: u64,
    /// The task in whose context the change happened (often softirq's guest).
    pub pid: u32,
    pub oldstate: i32,
    pub newstate: i32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
