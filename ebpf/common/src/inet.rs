//! TCP sockets as the stable tracepoint `sock:inet_sock_set_state` shows
//! them (Linux 4.16): the socket's address, old and new state, ports and
//! addresses of both families. Shared by every tool built on it (tcpstates,
//! tcpconnect, tcpconnlat), so none needs kprobes or BTF. Field offsets come
//! from the running kernel's `format` file.

use crate::{tracepoint::FieldOffset, user_pod};

pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
pub const IPPROTO_TCP: u16 = 6;

/// TCP states, as include/net/tcp_states.h numbers them.
pub const TCP_ESTABLISHED: i32 = 1;
pub const TCP_SYN_SENT: i32 = 2;
pub const TCP_CLOSE: i32 = 7;

/// Most ports one port filter holds (libbpf-tools tcpconnect's `MAX_PORTS`):
/// the size of each tool's hash map of them, keyed by port in host order.
pub const MAX_PORTS: u32 = 64;

/// Where this kernel's `sock:inet_sock_set_state` keeps each field.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetStateFields {
    /// The `struct sock *`: 4 bytes on 32-bit kernels.
    pub skaddr: FieldOffset,
    pub oldstate: FieldOffset,
    pub newstate: FieldOffset,
    /// Ports in host byte order.
    pub sport: FieldOffset,
    pub dport: FieldOffset,
    pub family: FieldOffset,
    pub protocol: FieldOffset,
    /// The addresses (16 bytes, network order): an IPv6 socket's own, an
    /// IPv4 socket's IPv4-mapped (`::ffff:a.b.c.d`), since Linux 4.16. So
    /// both families read the same fields: no variable offsets, which the
    /// verifier refuses on the stack. (The 4-byte `saddr` and `daddr`
    /// fields are left alone.)
    pub saddr_v6: FieldOffset,
    pub daddr_v6: FieldOffset,
}

/// The two ends of a socket. An `AF_INET` socket's addresses are
/// IPv4-mapped (in the last 4 bytes); an `AF_INET6` socket's may be too.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// Network byte order.
    pub saddr: [u8; 16],
    pub daddr: [u8; 16],
    /// Host byte order, as the tracepoint stores them.
    pub sport: u16,
    pub dport: u16,
    /// `AF_INET` or `AF_INET6`.
    pub family: u16,
    pub _pad: u16,
}

/// Where this kernel's `tcp_event_sk_skb` tracepoints (`tcp:tcp_retransmit_skb`,
/// `tcp:tcp_send_reset`) keep each field: the same socket fields as
/// `SetStateFields`, at other offsets.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkSkbFields {
    /// The `struct sk_buff *` (may be NULL) and `struct sock *`: 4 bytes on
    /// 32-bit kernels.
    pub skbaddr: FieldOffset,
    pub skaddr: FieldOffset,
    pub state: FieldOffset,
    /// Ports in host byte order.
    pub sport: FieldOffset,
    pub dport: FieldOffset,
    /// `ABSENT` before Linux 5.15: the family then comes from the addresses
    /// (an `AF_INET` socket's are IPv4-mapped).
    pub family: FieldOffset,
    /// As in `SetStateFields`.
    pub saddr_v6: FieldOffset,
    pub daddr_v6: FieldOffset,
}

/// The `struct sock` members (in its `__sk_common`) that give a socket's
/// ends, for kprobes handed a `struct sock *`: `(struct, member)` in
/// `SockOffsets` order. The `skc_v6_*` ones exist with `CONFIG_IPV6`.
pub const SOCK_MEMBERS: [(&str, &str); 8] = [
    ("sock", "__sk_common.skc_family"),
    ("sock", "__sk_common.skc_state"),
    ("sock", "__sk_common.skc_num"),
    ("sock", "__sk_common.skc_dport"),
    ("sock", "__sk_common.skc_rcv_saddr"),
    ("sock", "__sk_common.skc_daddr"),
    ("sock", "__sk_common.skc_v6_rcv_saddr"),
    ("sock", "__sk_common.skc_v6_daddr"),
];

/// Offsets of `SOCK_MEMBERS` in `struct sock`, from BTF; the IPv6 ones
/// `ABSENT` on a kernel without IPv6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockOffsets {
    /// `unsigned short`
    pub family: u16,
    /// `unsigned char`
    pub state: u16,
    /// The local port, `__u16` in host order.
    pub num: u16,
    /// The remote port, `__be16`.
    pub dport: u16,
    /// IPv4 addresses, `__be32`.
    pub rcv_saddr: u16,
    pub daddr: u16,
    /// IPv6 addresses, `struct in6_addr`.
    pub v6_rcv_saddr: u16,
    pub v6_daddr: u16,
}

/// The members from the current task to the socket behind one of its file
/// descriptors, as `(struct, member)` in `FdWalk` order: for tools on the
/// `syscalls` tracepoints of socket calls, which get a descriptor.
pub const FD_MEMBERS: [(&str, &str); 6] = [
    ("task_struct", "files"),
    ("files_struct", "fdt"),
    ("fdtable", "fd"),
    ("file", "private_data"),
    ("socket", "file"),
    ("socket", "sk"),
];

/// Offsets of `FD_MEMBERS`, from BTF.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FdWalk {
    /// `task_struct.files`, `files_struct.fdt`, `fdtable.fd`: the open files.
    pub files: u16,
    pub fdt: u16,
    pub fd: u16,
    /// `file.private_data`: a socket file's `struct socket`.
    pub private_data: u16,
    /// `socket.file`: back to the file, which tells a socket from other files.
    pub file: u16,
    /// `socket.sk`
    pub sk: u16,
}

/// Whether `addr` is IPv4-mapped (`::ffff:a.b.c.d`).
pub fn is_v4_mapped(addr: &[u8; 16]) -> bool {
    addr[..10] == [0; 10] && addr[10] == 0xff && addr[11] == 0xff
}

user_pod!(SetStateFields, Endpoints, SkSkbFields, SockOffsets, FdWalk);
