//! TCP sockets on the user side: the fields of `sock:inet_sock_set_state`,
//! addresses printed as libbpf-tools' `inet_ntop` prints them, state names,
//! port lists. Shared by every tool built on that tracepoint.

use std::{
    fmt,
    net::{Ipv4Addr, Ipv6Addr},
};

use aya::{Ebpf, maps::HashMap};
use bpfbin_common::{
    inet::{
        AF_INET, AF_INET6, Endpoints, FD_MEMBERS, FdWalk, MAX_PORTS, SOCK_MEMBERS, SetStateFields, SkSkbFields,
        SockOffsets,
    },
    tracepoint::ABSENT,
};

use crate::{
    bpf::load::{Loaded, attach_tracepoint},
    error::{Error, Result},
    kernel::{btf::Btf, layout::offsets, tracefs::Tracefs},
    output::text::quoted,
};

const CATEGORY: &str = "sock";
const TRACEPOINT: &str = "inet_sock_set_state";

/// Where this kernel's `sock:inet_sock_set_state` keeps each field.
pub fn set_state_fields(tracefs: &Tracefs) -> Result<SetStateFields> {
    let format = tracefs.format(CATEGORY, TRACEPOINT)?;
    let name = format!("{CATEGORY}:{TRACEPOINT}");
    let field = |field: &str| format.require(field, &name);
    Ok(SetStateFields {
        skaddr: field("skaddr")?,
        oldstate: field("oldstate")?,
        newstate: field("newstate")?,
        sport: field("sport")?,
        dport: field("dport")?,
        family: field("family")?,
        protocol: field("protocol")?,
        saddr_v6: field("saddr_v6")?,
        daddr_v6: field("daddr_v6")?,
    })
}

/// Where this kernel's `tcp:<name>`, a `tcp_event_sk_skb` tracepoint such as
/// `tcp_retransmit_skb`, keeps each field.
pub fn sk_skb_fields(tracefs: &Tracefs, name: &str) -> Result<SkSkbFields> {
    let format = tracefs.format("tcp", name)?;
    let tracepoint = format!("tcp:{name}");
    let field = |field: &str| format.require(field, &tracepoint);
    Ok(SkSkbFields {
        skbaddr: field("skbaddr")?,
        skaddr: field("skaddr")?,
        state: field("state")?,
        sport: field("sport")?,
        dport: field("dport")?,
        family: format.offset("family").unwrap_or(ABSENT),
        saddr_v6: field("saddr_v6")?,
        daddr_v6: field("daddr_v6")?,
    })
}

/// Offsets of a `struct sock`'s ends in this kernel (`SOCK_MEMBERS`); the
/// IPv6 ones `ABSENT` when it was built without IPv6.
pub fn sock_offsets(btf: &mut Btf) -> Result<SockOffsets> {
    let [family, state, num, dport, rcv_saddr, daddr] = offsets(btf, SOCK_MEMBERS[..6].try_into().unwrap())?;
    let mut v6 = [ABSENT; 2];
    for ((name, member), offset) in SOCK_MEMBERS[6..].iter().zip(&mut v6) {
        if let Some(found) = btf.member(name, member)? {
            *offset =
                u16::try_from(found.offset).map_err(|_| Error::new(format!("{name}.{member} is too far to read")))?;
        }
    }
    let [v6_rcv_saddr, v6_daddr] = v6;
    Ok(SockOffsets { family, state, num, dport, rcv_saddr, daddr, v6_rcv_saddr, v6_daddr })
}

/// Offsets from the current task to the socket behind a file descriptor
/// (`FD_MEMBERS`).
pub fn fd_walk(btf: &mut Btf) -> Result<FdWalk> {
    let [files, fdt, fd, private_data, file, sk] = offsets(btf, &FD_MEMBERS)?;
    Ok(FdWalk { files, fdt, fd, private_data, file, sk })
}

/// Attaches the object's program of the same name to the tracepoint.
pub fn attach_set_state(loaded: &mut Loaded) -> Result<()> {
    attach_tracepoint(loaded, CATEGORY, TRACEPOINT)
}

/// An address of either family, displayed as glibc's `inet_ntop` writes it
/// (widths and `-` alignment as for `%-15s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Addr {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Addr {
    /// The address in `bytes` (network order, as `Endpoints` holds it:
    /// IPv4 ones mapped, `::ffff:a.b.c.d`).
    pub fn new(family: u16, bytes: [u8; 16]) -> Self {
        let v6 = Ipv6Addr::from(bytes);
        if family == AF_INET6 { Self::V6(v6) } else { Self::V4(Ipv4Addr::from_bits(v6.to_bits() as u32)) }
    }

    /// An IPv4-mapped IPv6 address as the IPv4 address it stands for.
    pub fn unmapped(self) -> Self {
        match self {
            Self::V6(v6) => v6.to_ipv4_mapped().map_or(self, Self::V4),
            v4 => v4,
        }
    }

    /// 4 or 6, as the tools' IP column prints the family.
    pub fn version(self) -> u8 {
        match self {
            Self::V4(_) => 4,
            Self::V6(_) => 6,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V4(v4) => v4.fmt(f),
            Self::V6(v6) => {
                let s = v6.segments();
                // glibc writes an IPv4-compatible address (::a.b.c.d, the first
                // 96 bits zero) with its IPv4 part dotted; Rust in hex.
                if s[..6] == [0; 6] && s[6] != 0 {
                    let [.., a, b, c, d] = v6.octets();
                    f.pad(&format!("::{a}.{b}.{c}.{d}"))
                } else {
                    v6.fmt(f)
                }
            }
        }
    }
}

/// Source and destination address of `ends`.
pub fn addrs(ends: &Endpoints) -> (Addr, Addr) {
    (Addr::new(ends.family, ends.saddr), Addr::new(ends.family, ends.daddr))
}

/// The family of `-4` and `-6` (`AF_INET`, `AF_INET6`), 0 for both.
pub fn family(ipv4: bool, ipv6: bool) -> Option<u16> {
    match (ipv4, ipv6) {
        (true, true) => None,
        (true, false) => Some(AF_INET),
        (false, true) => Some(AF_INET6),
        (false, false) => Some(0),
    }
}

/// A TCP state as libbpf-tools names it.
pub fn state_name(state: i32) -> &'static str {
    const NAMES: [&str; 12] = [
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT1",
        "FIN_WAIT2",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "CLOSING",
        "NEW_SYN_RECV",
    ];
    usize::try_from(state).ok().and_then(|s| s.checked_sub(1)).and_then(|i| NAMES.get(i)).unwrap_or(&"UNKNOWN")
}

/// A comma-separated list of ports (1 to 65535, at most `MAX_PORTS`), for argh.
pub fn ports(value: &str) -> std::result::Result<Vec<u16>, String> {
    let ports = value
        .split(',')
        .map(|port| match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(format!("invalid port {}: expected 1 to 65535", quoted(port.as_bytes()))),
        })
        .collect::<std::result::Result<Vec<u16>, String>>()?;
    if ports.len() > MAX_PORTS as usize {
        return Err(format!("at most {MAX_PORTS} ports"));
    }
    Ok(ports)
}

/// Puts `ports` in the object's port filter map `name` (a hash map keyed by
/// port, which the program consults when its config says to filter).
pub fn fill_ports(ebpf: &mut Ebpf, name: &str, ports: &[u16]) -> Result<()> {
    let map = ebpf.map_mut(name).ok_or_else(|| Error::new(format!("the eBPF object has no map {name}")))?;
    let mut map: HashMap<_, u16, u8> = HashMap::try_from(map).map_err(|err| Error::context(name, err))?;
    for &port in ports {
        map.insert(&port, &1, 0).map_err(|err| Error::context(format_args!("filling {name}"), err))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(text: &str) -> [u8; 16] {
        text.parse::<Ipv6Addr>().unwrap().octets()
    }

    #[test]
    fn addresses_print_as_inet_ntop_prints_them() {
        let v4 = Addr::new(AF_INET, v6("::ffff:127.0.0.1"));
        assert_eq!(v4.to_string(), "127.0.0.1");
        assert_eq!(Addr::new(AF_INET6, v6("::1")).to_string(), "::1");
        assert_eq!(Addr::new(AF_INET6, v6("::")).to_string(), "::");
        assert_eq!(Addr::new(AF_INET6, v6("fe80::1:0:0:2")).to_string(), "fe80::1:0:0:2");
        assert_eq!(Addr::new(AF_INET6, v6("2001:db8:0:1:0:0:0:1")).to_string(), "2001:db8:0:1::1");
        assert_eq!(Addr::new(AF_INET6, v6("::ffff:10.0.0.1")).to_string(), "::ffff:10.0.0.1");
        assert_eq!(Addr::new(AF_INET6, v6("::ffff:0.0.0.0")).to_string(), "::ffff:0.0.0.0");
        assert_eq!(Addr::new(AF_INET6, v6("::2.3.4.5")).to_string(), "::2.3.4.5");
        assert_eq!(Addr::new(AF_INET6, v6("::0.1.0.0")).to_string(), "::0.1.0.0");
    }

    #[test]
    fn widths_pad_like_printf() {
        assert_eq!(format!("{:<16}|", Addr::new(AF_INET6, v6("::2.3.4.5"))), "::2.3.4.5       |");
        assert_eq!(format!("{:<16}|", Addr::new(AF_INET6, v6("::1"))), "::1             |");
        assert_eq!(format!("{:<4}|", Addr::new(AF_INET, v6("::ffff:10.1.2.3"))), "10.1.2.3|");
    }

    #[test]
    fn mapped_addresses_unmap_to_ipv4() {
        let mapped = Addr::new(AF_INET6, v6("::ffff:127.0.0.1"));
        assert_eq!(mapped.unmapped(), Addr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(mapped.unmapped().version(), 4);
        let plain = Addr::new(AF_INET6, v6("::1"));
        assert_eq!(plain.unmapped(), plain);
    }

    #[test]
    fn states_have_libbpf_tools_names() {
        assert_eq!(state_name(1), "ESTABLISHED");
        assert_eq!(state_name(7), "CLOSE");
        assert_eq!(state_name(12), "NEW_SYN_RECV");
        assert_eq!(state_name(0), "UNKNOWN");
        assert_eq!(state_name(13), "UNKNOWN");
        assert_eq!(state_name(-1), "UNKNOWN");
    }

    #[test]
    fn port_lists_are_checked() {
        assert_eq!(ports("80,443,1,65535").unwrap(), [80, 443, 1, 65535]);
        for bad in ["", "0", "65536", "80,", "x", "-1", "80 "] {
            assert!(ports(bad).is_err(), "{bad}");
        }
        let many = (1..=64).map(|p| p.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(ports(&many).unwrap().len(), 64);
        assert!(ports(&format!("{many},65")).is_err());
    }

    #[test]
    fn family_flags() {
        assert_eq!(family(false, false), Some(0));
        assert_eq!(family(true, false), Some(AF_INET));
        assert_eq!(family(false, true), Some(AF_INET6));
        assert_eq!(family(true, true), None);
    }
}
