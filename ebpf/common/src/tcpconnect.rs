//! tcpconnect: one event per active TCP open (connect), seen as the
//! socket's CLOSE -> SYN_SENT change, which the connecting task makes.

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, SetStateFields},
    user_pod,
};

/// Connects waiting for their source port (`-s`), as libbpf-tools sizes its maps.
pub const MAX_ENTRIES: u32 = 8192;

/// Filters and the record layout, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub fields: SetStateFields,
    /// Only this process (`-p`); 0 for all.
    pub pid: u32,
    /// Only this user (`-u`); `u32::MAX` for all.
    pub uid: u32,
    /// Report once the source port is known (`-s`): at the socket's next change.
    pub source_port: u8,
    /// Only the destination ports (`-P`) in the `PORTS` map.
    pub filter_ports: u8,
    pub _pad: [u8; 2],
}

/// Who connected, recorded at CLOSE -> SYN_SENT.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Connector {
    /// `bpf_ktime_get_ns() / 1000` at the connect.
    pub ts_us: u64,
    pub pid: u32,
    pub uid: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

/// One connect, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub ends: Endpoints,
    pub who: Connector,
}

user_pod!(Config, Event);
