//! tcpconnlat on this machine's kernel: connects of this test process on
//! 127.0.0.1 and ::1 with their latency, one of them held up a known time.

use std::{
    net::{TcpListener, TcpStream},
    os::fd::FromRawFd,
    thread,
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run};

/// This thread's comm, which the kernel reports for its connects.
fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_owned()
}

fn listen(addr: &str) -> (TcpListener, String) {
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    (listener, port)
}

/// A listener on 127.0.0.1 with a backlog of 0: one connection waits in its
/// queue, the SYN of the next is dropped until that one is accepted.
fn listen_backlog_zero() -> (TcpListener, String) {
    let (listener, port) = listen("127.0.0.1:0");
    // SAFETY: listen(2) on a socket we own, then the same socket back.
    let fd = std::os::fd::IntoRawFd::into_raw_fd(listener);
    assert_eq!(unsafe { libc::listen(fd, 0) }, 0);
    (unsafe { TcpListener::from_raw_fd(fd) }, port)
}

#[test]
fn sees_connects_with_their_latency() {
    let (v4, port4) = listen("127.0.0.1:0");
    let (v6, port6) = listen("[::1]:0");
    let pid = std::process::id().to_string();
    let mut tcpconnlat = Traced::start("tcpconnlat", &["-p", &pid]);
    let _a = TcpStream::connect(v4.local_addr().unwrap()).unwrap();
    let _b = TcpStream::connect(v6.local_addr().unwrap()).unwrap();
    // %-12.12s cuts the comm.
    let comm = thread_comm();
    let comm = &comm[..comm.len().min(12)];
    // PID COMM IP SADDR DADDR DPORT LAT(ms)
    for (ip, addr, port) in [("4", "127.0.0.1", &port4), ("6", "::1", &port6)] {
        let line = tcpconnlat.expect_line("a connect", |l| columns(l).get(5) == Some(&port.as_str()));
        let c = columns(&line);
        assert_eq!(&c[..6], [pid.as_str(), comm, ip, addr, addr, port], "{line}");
        let ms: f64 = c[6].parse().unwrap();
        assert!((0.0..1000.0).contains(&ms), "loopback is fast: {line}");
    }
    let lines = tcpconnlat.interrupt().stdout;
    assert_eq!(lines[0], "PID    COMM         IP SADDR            DADDR            DPORT LAT(ms)");
}

#[test]
fn min_latency_keeps_only_slow_connects() {
    let (listener, port) = listen_backlog_zero();
    let pid = std::process::id().to_string();
    let mut tcpconnlat = Traced::start("tcpconnlat", &["-L", "-p", &pid, "500"]);
    // Fast: it takes the one place in the queue.
    let fast = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    // Its SYN is dropped until the first is accepted; TCP sends it again
    // after its initial timeout, 1 s.
    let accept = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        let first = listener.accept().unwrap();
        let second = listener.accept().unwrap();
        (first, second)
    });
    let slow = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let lport = slow.local_addr().unwrap().port().to_string();
    // PID COMM IP SADDR LPORT DADDR DPORT LAT(ms)
    let line = tcpconnlat.expect_line("the slow connect", |l| columns(l).get(4) == Some(&lport.as_str()));
    let c = columns(&line);
    assert_eq!(&c[2..7], ["4", "127.0.0.1", &lport, "127.0.0.1", &port], "{line}");
    let ms: f64 = c[7].parse().unwrap();
    assert!((900.0..10000.0).contains(&ms), "one SYN timeout: {line}");
    let lines = tcpconnlat.interrupt().stdout;
    assert_eq!(lines.len(), 2, "the fast connect was shown: {lines:#?}");
    assert_eq!(lines[0], "PID    COMM         IP SADDR            LPORT  DADDR            DPORT LAT(ms)");
    drop((fast, slow, accept.join().unwrap()));
}

#[test]
fn json_lines_carry_every_field() {
    let (listener, port) = listen("[::1]:0");
    let pid = std::process::id();
    let mut tcpconnlat = Traced::start("tcpconnlat", &["--json", "-p", &pid.to_string()]);
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let line = tcpconnlat.expect_line("a JSON event", |l| l.contains(&format!("\"dport\":{port}")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], pid);
    assert_eq!(event["comm"], thread_comm());
    assert_eq!(event["ip"], 6);
    assert_eq!((&event["saddr"], &event["daddr"]), (&"::1".into(), &"::1".into()));
    assert_eq!(event["lport"], client.local_addr().unwrap().port());
    assert!(event["latency_us"].as_u64().unwrap() < 1_000_000);
}

#[test]
fn timestamps_start_at_zero() {
    let (listener, port) = listen("127.0.0.1:0");
    let pid = std::process::id().to_string();
    let mut tcpconnlat = Traced::start("tcpconnlat", &["-t", "-p", &pid]);
    let _a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let line = tcpconnlat.expect_line("the connect", |l| columns(l).get(6) == Some(&port.as_str()));
    assert_eq!(columns(&line)[0], "0.000", "{line}");
    let lines = tcpconnlat.interrupt().stdout;
    assert!(lines[0].starts_with("TIME(s)   PID    COMM "), "{lines:#?}");
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 5] = [&["0"], &["-1"], &["abc"], &["1", "2"], &["-p", "x"]];
    for args in bad {
        let out = run("tcpconnlat", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("tcpconnlat: ") && stderr.contains("Usage: tcpconnlat"), "{args:?}: {stderr}");
    }
}
