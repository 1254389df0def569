//! solisten on this machine's kernel: listen() calls of this test process on
//! bound and unbound sockets, IPv4 and IPv6, and a failing one on UDP.

use std::{
    net::{TcpListener, UdpSocket},
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run};

/// This thread's comm, which the kernel reports for its calls.
fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_owned()
}

/// listen(fd, backlog): 0 or -errno.
fn listen(fd: i32, backlog: i32) -> i32 {
    // SAFETY: a descriptor the caller owns.
    if unsafe { libc::listen(fd, backlog) } == 0 { 0 } else { -std::io::Error::last_os_error().raw_os_error().unwrap() }
}

/// The line of this process with `ret` and `backlog`: PID COMM RET BACKLOG PROTO PORT ADDR.
fn event(traced: &mut Traced, ret: i32, backlog: i32) -> Vec<String> {
    let pid = std::process::id().to_string();
    let (ret, backlog) = (ret.to_string(), backlog.to_string());
    let line = traced.expect_line(&format!("listen() = {ret} with backlog {backlog}"), |l| {
        let c = columns(l);
        c.len() == 7 && c[0] == pid && c[2] == ret && c[3] == backlog
    });
    columns(&line).into_iter().map(str::to_owned).collect()
}

#[test]
fn listens_show_backlog_protocol_port_and_address() {
    let pid = std::process::id().to_string();
    let mut solisten = Traced::start("solisten", &["-p", &pid]);
    // std listens already; listening again only sets the backlog.
    let bound = TcpListener::bind("127.0.0.1:0").unwrap();
    assert_eq!(listen(bound.as_raw_fd(), 7), 0);
    // An unbound socket: listen() binds it to a port of its own.
    // SAFETY: a new socket, owned at once.
    let unbound = unsafe { OwnedFd::from_raw_fd(libc::socket(libc::AF_INET6, libc::SOCK_STREAM, 0)) };
    assert_eq!(listen(unbound.as_raw_fd(), 5), 0);
    let auto_port = TcpListener::from(unbound).local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_eq!(listen(udp.as_raw_fd(), 3), -libc::EOPNOTSUPP);

    let comm = thread_comm();
    let port = bound.local_addr().unwrap().port().to_string();
    let c = event(&mut solisten, 0, 7);
    assert_eq!(c[1..], [comm.as_str(), "0", "7", "TCPv4", &port, "127.0.0.1"], "{c:?}");
    let c = event(&mut solisten, 0, 5);
    assert_eq!(c[1..], [comm.as_str(), "0", "5", "TCPv6", &auto_port.to_string(), "::"], "{c:?}");
    let c = event(&mut solisten, -libc::EOPNOTSUPP, 3);
    assert_eq!(c[4..], ["UDPv4", &udp.local_addr().unwrap().port().to_string(), "127.0.0.1"], "{c:?}");
    let lines = solisten.settle(Duration::from_millis(100));
    let header = format!(
        "{:<7} {:<16} {:<3} {:<7} {:<5} {:<5} {:<32}",
        "PID", "COMM", "RET", "BACKLOG", "PROTO", "PORT", "ADDR"
    );
    assert_eq!(lines[0], header);
}

#[test]
fn unix_sockets_are_left_out() {
    let pid = std::process::id().to_string();
    let mut solisten = Traced::start("solisten", &["-p", &pid]);
    // listen() on a unix socket is not inet_listen()'s: no line.
    let path = std::env::temp_dir().join(format!("bpfbin-solisten-{pid}"));
    let unix = std::os::unix::net::UnixListener::bind(&path).unwrap();
    assert_eq!(listen(unix.as_raw_fd(), 13), 0);
    drop(unix);
    let _ = std::fs::remove_file(&path);
    // Then a marker, in the same thread: the unix line would come first.
    let tcp = TcpListener::bind("[::1]:0").unwrap();
    assert_eq!(listen(tcp.as_raw_fd(), 9), 0);
    event(&mut solisten, 0, 9);
    let lines = solisten.settle(Duration::from_millis(200));
    for line in &lines[1..] {
        let c = columns(line);
        assert!(c[0] == pid && ["TCPv4", "TCPv6", "UDPv4", "UDPv6"].contains(&c[4]), "{lines:#?}");
        assert_ne!(c[3], "13", "the unix socket's listen: {lines:#?}");
    }
}

#[test]
fn json_and_timestamps() {
    let mut solisten = Traced::start("solisten", &["--json", "-p", &std::process::id().to_string()]);
    let tcp = TcpListener::bind("[::1]:0").unwrap();
    assert_eq!(listen(tcp.as_raw_fd(), 11), 0);
    let line = solisten.expect_line("the listen", |l| l.contains("\"backlog\":11,"));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!((&event["pid"], &event["comm"]), (&std::process::id().into(), &thread_comm().into()));
    assert_eq!((&event["ret"], &event["proto"], &event["addr"]), (&0.into(), &"TCPv6".into(), &"::1".into()));
    assert_eq!(event["port"], tcp.local_addr().unwrap().port());
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);

    let done = Traced::start("solisten", &["-t", "-p", "1"]).interrupt();
    assert!(done.status.success(), "{}", done.stderr);
    assert!(done.stdout[0].starts_with("TIME(s)  PID     COMM             RET BACKLOG PROTO"), "{:?}", done.stdout);
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 4] = [&["-p", "0"], &["-p", "x"], &["-x"], &["1"]];
    for args in bad {
        let out = run("solisten", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("solisten: ") && stderr.contains("Usage: solisten"), "{args:?}: {stderr}");
    }
}
