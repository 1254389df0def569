//! TCP sockets, kernel side: reading them from `sock:inet_sock_set_state`
//! records, from a `struct sock`, or behind a file descriptor, and the
//! `-L`/`-D` port filters.

use aya_ebpf::{EbpfContext, helpers::bpf_probe_read_kernel_buf, maps::HashMap, programs::TracePointContext};

use bpfbin_common::{
    inet::{AF_INET, AF_INET6, Endpoints, FdWalk, IPPROTO_TCP, SetStateFields, SockOffsets},
    tracepoint::ABSENT,
};

use crate::read::{Pointer, current_task, read_field, read_pointer, read_record, read_record_pointer};

/// Declares the `-L`/`-D` filters of tcplife and tcpstates: the `SPORTS` and
/// `DPORTS` maps user space fills, and `ports_allowed(filter_sports,
/// filter_dports, change)`, whether a change's ports pass the filters that are on.
#[macro_export]
macro_rules! port_filters {
    () => {
        /// The local and remote ports to trace, filled by user space.
        #[aya_ebpf::macros::map]
        static SPORTS: aya_ebpf::maps::HashMap<u16, u8> =
            aya_ebpf::maps::HashMap::with_max_entries(bpfbin_common::inet::MAX_PORTS, 0);
        #[aya_ebpf::macros::map]
        static DPORTS: aya_ebpf::maps::HashMap<u16, u8> =
            aya_ebpf::maps::HashMap::with_max_entries(bpfbin_common::inet::MAX_PORTS, 0);

        fn ports_allowed(filter_sports: u8, filter_dports: u8, change: &$crate::inet::Change) -> bool {
            $crate::inet::port_allowed(filter_sports, &SPORTS, change.sport)
                && $crate::inet::port_allowed(filter_dports, &DPORTS, change.dport)
        }
    };
}

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
