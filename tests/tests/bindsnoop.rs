//! bindsnoop on this machine's kernel: binds of this test process, with
//! options set beforehand, on 127.0.0.1 and ::1, TCP and UDP, failed ones
//! with -x, and the port filter.

use std::{
    mem::size_of,
    net::{Ipv6Addr, SocketAddr},
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
};

use bpfbin_tests::{Traced, columns, run};

/// This thread's comm, which the kernel reports for its binds.
fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_owned()
}

/// A socket of `kind` (SOCK_STREAM, SOCK_DGRAM) for `addr`'s family, with
/// `(level, option)` set to 1, bound to `addr`: the socket and bind()'s
/// result (0 or -errno).
fn bind(kind: i32, addr: SocketAddr, options: &[(i32, i32)]) -> (OwnedFd, i32) {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: plain socket calls on a descriptor this function owns, with
    // sockaddrs of the sizes given.
    unsafe {
        let fd = libc::socket(family, kind, 0);
        assert!(fd >= 0);
        let fd = OwnedFd::from_raw_fd(fd);
        for &(level, option) in options {
            let one: libc::c_int = 1;
            let rc = libc::setsockopt(fd.as_raw_fd(), level, option, (&one as *const libc::c_int).cast(), 4);
            assert_eq!(rc, 0, "option {level}/{option}");
        }
        let rc = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as u16,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr { s_addr: u32::from(*a.ip()).to_be() },
                    sin_zero: [0; 8],
                };
                let len = size_of::<libc::sockaddr_in>() as u32;
                libc::bind(fd.as_raw_fd(), (&sin as *const libc::sockaddr_in).cast(), len)
            }
            SocketAddr::V6(a) => {
                let mut sin6: libc::sockaddr_in6 = std::mem::zeroed();
                sin6.sin6_family = libc::AF_INET6 as u16;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                let len = size_of::<libc::sockaddr_in6>() as u32;
                libc::bind(fd.as_raw_fd(), (&sin6 as *const libc::sockaddr_in6).cast(), len)
            }
        };
        let ret = if rc == 0 { 0 } else { -std::io::Error::last_os_error().raw_os_error().unwrap() };
        (fd, ret)
    }
}

/// The port `fd` is bound to.
fn port(fd: &OwnedFd) -> u16 {
    // SAFETY: a sockaddr_storage large enough for any address.
    unsafe {
        let mut ss: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = size_of::<libc::sockaddr_storage>() as u32;
        assert_eq!(libc::getsockname(fd.as_raw_fd(), (&mut ss as *mut libc::sockaddr_storage).cast(), &mut len), 0);
        u16::from_be((*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>()).sin_port)
    }
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The event of this process for `port`: PID COMM RET PROTO OPTS IF PORT ADDR.
fn event_for(traced: &mut Traced, port: u16) -> Vec<String> {
    let (pid, port) = (std::process::id().to_string(), port.to_string());
    let line = traced.expect_line(&format!("the bind of port {port}"), |l| {
        let c = columns(l);
        c.len() == 8 && c[0] == pid && c[6] == port
    });
    columns(&line).into_iter().map(str::to_owned).collect()
}

const IP_FREEBIND: i32 = 15;
const IP_TRANSPARENT: i32 = 19;
const IP_BIND_ADDRESS_NO_PORT: i32 = 24;

#[test]
fn binds_show_protocol_options_interface_and_address() {
    let pid = std::process::id().to_string();
    let mut bindsnoop = Traced::start("bindsnoop", &["-p", &pid]);
    let (tcp, ret) = bind(libc::SOCK_STREAM, addr("127.0.0.1:0"), &[(libc::SOL_SOCKET, libc::SO_REUSEADDR)]);
    assert_eq!(ret, 0);
    let tcp_port = port(&tcp);
    let udp_options = [(libc::SOL_SOCKET, libc::SO_REUSEPORT), (libc::SOL_IP, IP_FREEBIND)];
    let (udp, ret) = bind(libc::SOCK_DGRAM, addr("[::1]:0"), &udp_options);
    assert_eq!(ret, 0);
    let udp_port = port(&udp);
    let ip_options = [(libc::SOL_IP, IP_TRANSPARENT), (libc::SOL_IP, IP_BIND_ADDRESS_NO_PORT)];
    let (other, ret) = bind(libc::SOCK_STREAM, addr("10.11.12.13:0"), &ip_options);
    assert_eq!(ret, 0, "IP_TRANSPARENT binds a foreign address (as root)");

    let comm = thread_comm();
    let c = event_for(&mut bindsnoop, tcp_port);
    assert_eq!(c[1..], [comm.as_str(), "0", "TCP", "...R.", "0", &tcp_port.to_string(), "127.0.0.1"], "{c:?}");
    let c = event_for(&mut bindsnoop, udp_port);
    assert_eq!(c[1..], [comm.as_str(), "0", "UDP", "F...r", "0", &udp_port.to_string(), "::1"], "{c:?}");
    // IP_BIND_ADDRESS_NO_PORT leaves port 0 unpicked until connect().
    let line = bindsnoop.expect_line("the transparent bind", |l| l.contains("10.11.12.13"));
    assert_eq!(columns(&line)[1..], [comm.as_str(), "0", "TCP", ".TN..", "0", "0", "10.11.12.13"], "{line}");
    assert_eq!(
        bindsnoop.settle(std::time::Duration::from_millis(100))[0],
        format!(
            "{:<7} {:<16} {:<3} {:<5} {:<5} {:<4} {:<5} {:<48}",
            "PID", "COMM", "RET", "PROTO", "OPTS", "IF", "PORT", "ADDR"
        )
    );
    drop((tcp, udp, other));
}

#[test]
fn bound_interface() {
    let pid = std::process::id().to_string();
    let mut bindsnoop = Traced::start("bindsnoop", &["-p", &pid]);
    // SO_BINDTODEVICE lo, then bind.
    let family = libc::AF_INET;
    // SAFETY: a socket this test owns; the option value is "lo".
    let fd = unsafe {
        let fd = OwnedFd::from_raw_fd(libc::socket(family, libc::SOCK_DGRAM, 0));
        let rc = libc::setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_BINDTODEVICE, c"lo".as_ptr().cast(), 3);
        assert_eq!(rc, 0);
        fd
    };
    let udp = std::net::UdpSocket::from(fd);
    // SAFETY: as in bind(), on a socket already made.
    let rc = unsafe {
        let sin = libc::sockaddr_in {
            sin_family: libc::AF_INET as u16,
            sin_port: 0,
            sin_addr: libc::in_addr { s_addr: u32::from(std::net::Ipv4Addr::LOCALHOST).to_be() },
            sin_zero: [0; 8],
        };
        let len = size_of::<libc::sockaddr_in>() as u32;
        libc::bind(udp.as_raw_fd(), (&sin as *const libc::sockaddr_in).cast(), len)
    };
    assert_eq!(rc, 0);
    let lo = std::fs::read_to_string("/sys/class/net/lo/ifindex").unwrap().trim().to_owned();
    let c = event_for(&mut bindsnoop, udp.local_addr().unwrap().port());
    assert_eq!((c[3].as_str(), c[5].as_str(), c[7].as_str()), ("UDP", lo.as_str(), "127.0.0.1"), "{c:?}");
}

#[test]
fn failed_binds_only_with_x() {
    let pid = std::process::id().to_string();
    let (taken, _) = bind(libc::SOCK_STREAM, addr("127.0.0.1:0"), &[]);
    let taken_port = port(&taken);
    let mut quiet = Traced::start("bindsnoop", &["-p", &pid]);
    let mut failed = Traced::start("bindsnoop", &["-x", "-p", &pid]);
    let (_again, ret) = bind(libc::SOCK_STREAM, SocketAddr::from(([127, 0, 0, 1], taken_port)), &[]);
    assert_eq!(ret, -libc::EADDRINUSE);
    let (marker, _) = bind(libc::SOCK_DGRAM, SocketAddr::from((Ipv6Addr::LOCALHOST, 0)), &[]);
    let marker_port = port(&marker);
    // A failed bind leaves the socket unbound: port 0, address 0.0.0.0.
    let line = failed.expect_line("the failed bind", |l| columns(l).get(2) == Some(&"-98"));
    assert_eq!(columns(&line)[3..], ["TCP", ".....", "0", "0", "0.0.0.0"], "{line}");
    event_for(&mut quiet, marker_port);
    let lines = quiet.settle(std::time::Duration::from_millis(200));
    assert!(!lines.iter().any(|l| l.contains("-98")), "no -x, no failures: {lines:#?}");
}

#[test]
fn port_filter() {
    let (a, _) = bind(libc::SOCK_DGRAM, addr("127.0.0.1:0"), &[]);
    let (b, _) = bind(libc::SOCK_DGRAM, addr("127.0.0.1:0"), &[]);
    let (pa, pb) = (port(&a), port(&b));
    drop((a, b));
    let mut bindsnoop = Traced::start("bindsnoop", &["-P", &pb.to_string()]);
    let (_a, _) = bind(libc::SOCK_DGRAM, SocketAddr::from(([127, 0, 0, 1], pa)), &[]);
    let (_b, _) = bind(libc::SOCK_DGRAM, SocketAddr::from(([127, 0, 0, 1], pb)), &[]);
    event_for(&mut bindsnoop, pb);
    let lines = bindsnoop.settle(std::time::Duration::from_millis(200));
    assert!(lines[1..].iter().all(|l| columns(l)[6] == pb.to_string()), "only port {pb}: {lines:#?}");
}

#[test]
fn json_and_timestamps() {
    let pid = std::process::id().to_string();
    let mut bindsnoop = Traced::start("bindsnoop", &["--json", "-p", &pid]);
    let (udp, _) = bind(libc::SOCK_DGRAM, addr("[::1]:0"), &[(libc::SOL_SOCKET, libc::SO_REUSEADDR)]);
    let p = port(&udp);
    let line = bindsnoop.expect_line("the bind", |l| l.contains(&format!("\"port\":{p},")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], std::process::id());
    assert_eq!(event["comm"], thread_comm());
    assert_eq!((&event["ret"], &event["proto"], &event["opts"]), (&0.into(), &"UDP".into(), &"...R.".into()));
    assert_eq!((&event["ip"], &event["addr"], &event["if"]), (&6.into(), &"::1".into(), &0.into()));
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);

    let timed = Traced::start("bindsnoop", &["-t", "-P", "1"]);
    let done = timed.interrupt();
    assert!(done.stdout[0].starts_with("TIME(s)  PID     COMM "), "{:?}", done.stdout);
}

#[test]
fn errors() {
    let bad: [&[&str]; 5] = [&["-p", "0"], &["-P", "0"], &["-P", "80,x"], &["-c"], &["1"]];
    for args in bad {
        let out = run("bindsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("bindsnoop: ") && stderr.contains("Usage: bindsnoop"), "{args:?}: {stderr}");
    }
    let out = run("bindsnoop", &["-c", "/nonexistent/cgroup"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("bindsnoop: ") && stderr.contains("/nonexistent/cgroup"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
