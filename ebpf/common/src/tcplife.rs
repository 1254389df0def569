//! tcplife: one event per TCP session when it closes, with its span, the
//! task that opened or closed it and the bytes it moved.

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, SetStateFields},
    user_pod,
};

/// Sessions followed at once, as libbpf-tools sizes its maps.
pub const MAX_ENTRIES: u32 = 10240;

/// What tcplife reads of the socket when it closes, from BTF: the bytes
/// received and those the peer acknowledged (sent), both `u64`.
pub const MEMBERS: [(&str, &str); 2] = [("tcp_sock", "bytes_received"), ("tcp_sock", "bytes_acked")];

/// Filters, the record layout and the offsets of `MEMBERS`, set by user
/// space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub fields: SetStateFields,
    /// Only this process (`-p`); 0 for all.
    pub pid: u32,
    /// Only this family (`-4`, `-6`); 0 for both.
    pub family: u16,
    /// Only the local (`-L`) and remote (`-D`) ports in the `SPORTS` and
    /// `DPORTS` maps.
    pub filter_sports: u8,
    pub filter_dports: u8,
    pub bytes_received: u16,
    pub bytes_acked: u16,
}

/// The task a session belongs to: the one that connected (SYN_SENT) or
/// closed it last (LAST_ACK).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Ident {
    pub pid: u32,
    pub comm: [u8; TASK_COMM_LEN],
}

/// One closed session, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub ends: Endpoints,
    /// Microseconds from its last opening state change to CLOSE.
    pub span_us: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub pid: u32,
    pub comm: [u8; TASK_COMM_LEN],
    pub _pad: u32,
}

user_pod!(Config, Event);
