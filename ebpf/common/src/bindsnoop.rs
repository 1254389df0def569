//! bindsnoop: one event per bind() of an IPv4 or IPv6 socket, from the
//! `syscalls` tracepoints, with the socket as the call left it.

use crate::{
    TASK_COMM_LEN,
    inet::{Endpoints, FdWalk, SockOffsets},
    tracepoint::FieldOffset,
    user_pod,
};

/// Binds in flight, by thread, as libbpf-tools sizes its map.
pub const MAX_ENTRIES: u32 = 10240;

/// The `struct sock` members read besides `inet::SOCK_MEMBERS`, present in
/// every kernel; the IP options (`BitField`s of `inet_sock`) are looked up
/// apart, as they moved into `inet_flags` in 6.6.
pub const MEMBERS: [(&str, &str); 4] = [
    ("sock", "sk_protocol"),
    ("sock", "__sk_common.skc_bound_dev_if"),
    ("sock", "__sk_common.skc_reuse"),
    ("sock", "__sk_common.skc_reuseport"),
];

/// A value of some bits in a struct: `(u64 at offset >> shift) & (2^bits - 1)`,
/// little-endian; a bitfield, a bit of a flags word, or a whole integer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BitField {
    pub offset: u16,
    pub shift: u8,
    pub bits: u8,
}

/// The socket options in the `OPTS` column, in its order: IP_FREEBIND,
/// IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT, SO_REUSEADDR, SO_REUSEPORT.
pub const OPTIONS: usize = 5;

/// Record and struct layouts and filters, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub walk: FdWalk,
    pub sock: SockOffsets,
    /// `sock.sk_protocol` (a bitfield before 5.6).
    pub protocol: BitField,
    /// `OPTIONS`, each one bit (`skc_reuse` is 4).
    pub opts: [BitField; OPTIONS],
    /// `sock.__sk_common.skc_bound_dev_if` (int)
    pub bound_dev_if: u16,
    /// `fd` in `sys_enter_bind`, `ret` in `sys_exit_bind`.
    pub enter_fd: FieldOffset,
    pub exit_ret: FieldOffset,
    pub _pad: u16,
    /// Only this process (`-p`); 0 for all.
    pub pid: u32,
    /// Only successful binds (without `-x`).
    pub ignore_errors: u8,
    /// Only local ports in the `PORTS` map (`-P`).
    pub filter_ports: u8,
    /// Only tasks of the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad2: u8,
}

/// One bind, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The socket's local address and port, as bind() left them.
    pub ends: Endpoints,
    pub pid: u32,
    /// `skc_bound_dev_if`: the interface index (`IF`), 0 for any.
    pub bound_dev_if: u32,
    pub ret: i32,
    /// `IPPROTO_TCP`, `IPPROTO_UDP`...
    pub proto: u16,
    /// Bit i set for `OPTIONS` i.
    pub opts: u8,
    pub _pad: u8,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
