//! solisten: one event per listen() on an IPv4 or IPv6 socket, from the
//! `syscalls` tracepoints, with the socket as the call left it.

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, FdWalk, SockOffsets},
    tracepoint::FieldOffset,
    user_pod,
};

/// Calls in flight, by thread, as libbpf-tools sizes its map.
pub const MAX_ENTRIES: u32 = 10240;

/// Read besides `inet::FD_MEMBERS` and `inet::SOCK_MEMBERS`.
pub const MEMBERS: [(&str, &str); 1] = [("socket", "type")];

/// Record and struct layouts and the filter, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub walk: FdWalk,
    pub sock: SockOffsets,
    /// `socket.type` (short): SOCK_STREAM, SOCK_DGRAM...
    pub socket_type: u16,
    /// `fd` and `backlog` in `sys_enter_listen`, `ret` in `sys_exit_listen`.
    pub enter_fd: FieldOffset,
    pub enter_backlog: FieldOffset,
    pub exit_ret: FieldOffset,
    /// Only this process (`-p`); 0 for all.
    pub pid: u32,
}

/// A listen() in flight: its arguments.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Call {
    pub fd: u32,
    pub backlog: i32,
}

/// One listen(), as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The socket's local address and port after the call (listen() binds
    /// an unbound socket to a port of its own).
    pub ends: Endpoints,
    pub pid: u32,
    pub backlog: i32,
    pub ret: i32,
    pub socket_type: u16,
    pub _pad: u16,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Call, Event);
