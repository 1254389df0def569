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

impl SetStateFields {
    /// The value a program's `CONFIG` starts with; user space sets the real one.
    pub const UNSET: Self = Self {
        skaddr: 0,
        oldstate: 0,
        newstate: 0,
        sport: 0,
        dport: 0,
        family: 0,
        protocol: 0,
        saddr_v6: 0,
        daddr_v6: 0,
    };
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

impl SkSkbFields {
    /// The value a program's `CONFIG` starts with; user space sets the real one.
    pub const UNSET: Self =
        Self { skbaddr: 0, skaddr: 0, state: 0, sport: 0, dport: 0, family: 0, saddr_v6: 0, daddr_v6: 0 };
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

impl SockOffsets {
    pub const UNSET: Self =
        Self { family: 0, state: 0, num: 0, dport: 0, rcv_saddr: 0, daddr: 0, v6_rcv_saddr: 0, v6_daddr: 0 };
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

impl FdWalk {
    pub const UNSET: Self = Self { files: 0, fdt: 0, fd: 0, private_data: 0, file: 0, sk: 0 };
}

/// Whether `addr` is IPv4-mapped (`::ffff:a.b.c.d`).
pub fn is_v4_mapped(addr: &[u8; 16]) -> bool {
    addr[..10] == [0; 10] && addr[10] == 0xff && addr[11] == 0xff
}

user_pod!(SetStateFields, Endpoints, SkSkbFields, SockOffsets, FdWalk);

/// Declares the `-L`/`-D` filters of tcplife and tcpstates: the `SPORTS` and
/// `DPORTS` maps user space fills, and `ports_allowed(filter_sports,
/// filter_dports, change)`, whether a change's ports pass the filters that are on.
#[macro_export]
macro_rules! port_filters {
    () => {
        /// The local and remote ports to trace, filled by user space.
        #[aya_ebpf::macros::map]
        static SPORTS: aya_ebpf::maps::HashMap<u16, u8> =
            aya_ebpf::maps::HashMap::with_max_entries($crate::inet::MAX_PORTS, 0);
        #[aya_ebpf::macros::map]
        static DPORTS: aya_ebpf::maps::HashMap<u16, u8> =
            aya_ebpf::maps::HashMap::with_max_entries($crate::inet::MAX_PORTS, 0);

        fn ports_allowed(filter_sports: u8, filter_dports: u8, change: &$crate::inet::Change) -> bool {
            $crate::inet::port_allowed(filter_sports, &SPORTS, change.sport)
                && $crate::inet::port_allowed(filter_dports, &DPORTS, change.dport)
        }
    };
}

#[cfg(feature = "kernel")]
pub use self::kernel::{
    Change, fd_socket, port_allowed, read_addresses, read_endpoints, read_sock_endpoints, read_tcp_change,
};

#[cfg(feature = "kernel")]
mod kernel {
    use aya_ebpf::{EbpfContext, helpers::bpf_probe_read_kernel_buf, maps::HashMap, programs::TracePointContext};

    use super::{AF_INET, AF_INET6, Endpoints, FdWalk, IPPROTO_TCP, SetStateFields, SockOffsets};
    use crate::{
        kernel::{Pointer, current_task, read_field, read_pointer, read_record, read_record_pointer},
        tracepoint::ABSENT,
    };

    /// The small fields of one `inet_sock_set_state` record of a TCP
    /// socket, enough to decide whether it matters; `read_endpoints` reads
    /// the addresses, straight into an event.
    pub struct Change {
        /// The socket's kernel address: the key of per-socket state.
        pub skaddr: u64,
        pub oldstate: i32,
        pub newstate: i32,
        /// `AF_INET` or `AF_INET6`.
        pub family: u16,
        /// Host byte order.
        pub sport: u16,
        pub dport: u16,
    }

    /// The state change of a TCP socket; `None` for other protocols (SCTP
    /// and MPTCP fire it too), other families or an unreadable record.
    pub fn read_tcp_change(ctx: &TracePointContext, f: &SetStateFields) -> Option<Change> {
        if read_record::<u16>(ctx, f.protocol)? != IPPROTO_TCP {
            return None;
        }
        let family = read_record::<u16>(ctx, f.family)?;
        if family != AF_INET && family != AF_INET6 {
            return None;
        }
        Some(Change {
            skaddr: read_record_pointer(ctx, f.skaddr)?,
            oldstate: read_record(ctx, f.oldstate)?,
            newstate: read_record(ctx, f.newstate)?,
            family,
            sport: read_record(ctx, f.sport)?,
            dport: read_record(ctx, f.dport)?,
        })
    }

    /// Fills `out` with the ends of the socket of `change`, its addresses
    /// read from the record in place (the stack is too small for copies).
    pub fn read_endpoints(ctx: &TracePointContext, f: &SetStateFields, change: &Change, out: &mut Endpoints) {
        out.sport = change.sport;
        out.dport = change.dport;
        out.family = change.family;
        out._pad = 0;
        read_addresses(ctx, f.saddr_v6, f.daddr_v6, out);
    }

    /// Fills the addresses of `out` from the 16-byte fields at `saddr` and
    /// `daddr` of the record, read in place (the stack is too small for copies).
    pub fn read_addresses(ctx: &TracePointContext, saddr: u16, daddr: u16, out: &mut Endpoints) {
        let record = ctx.as_ptr() as *const u8;
        // SAFETY: checked reads of the record at offsets from this kernel's
        // format file.
        let read = |offset: u16, to: &mut [u8; 16]| unsafe {
            if bpf_probe_read_kernel_buf(record.add(offset as usize), to).is_err() {
                *to = [0; 16];
            }
        };
        read(saddr, &mut out.saddr);
        read(daddr, &mut out.daddr);
    }

    /// Fills `out` with the ends of the `struct sock` at `sk` (IPv4
    /// addresses mapped, as the tracepoints store them) and returns its TCP
    /// state; `None` for another family or an unreadable socket.
    pub fn read_sock_endpoints(sk: u64, o: &SockOffsets, out: &mut Endpoints) -> Option<i32> {
        let family = read_field::<u16>(sk, o.family).ok()?;
        if family == AF_INET {
            out.saddr = [0; 16];
            out.daddr = [0; 16];
            out.saddr[10..12].copy_from_slice(&[0xff, 0xff]);
            out.daddr[10..12].copy_from_slice(&[0xff, 0xff]);
            out.saddr[12..].copy_from_slice(&read_field::<[u8; 4]>(sk, o.rcv_saddr).ok()?);
            out.daddr[12..].copy_from_slice(&read_field::<[u8; 4]>(sk, o.daddr).ok()?);
        } else if family == AF_INET6 && o.v6_rcv_saddr != ABSENT {
            out.saddr = read_field(sk, o.v6_rcv_saddr).ok()?;
            out.daddr = read_field(sk, o.v6_daddr).ok()?;
        } else {
            return None;
        }
        out.family = family;
        out.sport = read_field(sk, o.num).ok()?;
        out.dport = u16::from_be(read_field(sk, o.dport).ok()?);
        out._pad = 0;
        Some(read_field::<u8>(sk, o.state).ok()? as i32)
    }

    /// The `struct socket` and `struct sock` behind the current task's file
    /// descriptor `fd`; `None` when it is not a socket (or not readable).
    pub fn fd_socket(walk: &FdWalk, fd: u32) -> Option<(u64, u64)> {
        let files = read_pointer(current_task(), walk.files).ok()?;
        let fdt = read_pointer(files, walk.fdt).ok()?;
        let fds = read_pointer(fdt, walk.fd).ok()?;
        let file = read_pointer(fds + fd as u64 * core::mem::size_of::<Pointer>() as u64, 0).ok()?;
        let socket = read_pointer(file, walk.private_data).ok()?;
        // Only a socket's file has a private_data that points back to it.
        if file == 0 || socket == 0 || read_pointer(socket, walk.file).ok()? != file {
            return None;
        }
        let sk = read_pointer(socket, walk.sk).ok()?;
        (sk != 0).then_some((socket, sk))
    }

    /// Whether a port filter keeps `port`: with `filter` unset, every port;
    /// else those user space put in `ports`.
    pub fn port_allowed(filter: u8, ports: &HashMap<u16, u8>, port: u16) -> bool {
        // SAFETY: only the presence of the key is looked at.
        filter == 0 || unsafe { ports.get(&port) }.is_some()
    }
}
