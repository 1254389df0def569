//! tcplife on this machine's kernel: sessions of this test process on
//! 127.0.0.1 and ::1 that move known byte counts, seen from both ends.

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
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

/// A session that sends 5000 bytes to the server and 3000 back, lives for
/// `hold`, and is closed by the client first. Returns the client's port.
fn session(listener: &TcpListener, hold: Duration) -> String {
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    for stream in [&client, &server] {
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    let port = client.local_addr().unwrap().port().to_string();
    server.write_all(&[0; 3000]).unwrap();
    client.read_exact(&mut [0; 3000]).unwrap();
    client.write_all(&[0; 5000]).unwrap();
    server.read_exact(&mut [0; 5000]).unwrap();
    thread::sleep(hold);
    client.shutdown(Shutdown::Both).unwrap();
    assert_eq!(server.read(&mut [0; 1]).unwrap(), 0);
    drop(server);
    drop(client);
    port
}

#[test]
fn both_ends_of_a_session_with_bytes_and_span() {
    let (listener, port) = listen("127.0.0.1:0");
    let mut client_side = Traced::start("tcplife", &["-D", &port]);
    let mut server_side = Traced::start("tcplife", &["-L", &port]);
    let lport = session(&listener, Duration::from_millis(200));
    let (pid, comm) = (std::process::id().to_string(), thread_comm());
    // PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS
    let line = client_side.expect_line("the client's end", |l| columns(l).get(3) == Some(&lport.as_str()));
    let c = columns(&line);
    assert_eq!(&c[..8], [pid.as_str(), &comm, "127.0.0.1", &lport, "127.0.0.1", &port, "4.88", "2.93"], "{line}");
    let ms: f64 = c[8].parse().unwrap();
    assert!((200.0..5000.0).contains(&ms), "{line}");
    // The server closed last (LAST_ACK), in this thread too.
    let line = server_side.expect_line("the server's end", |l| columns(l).get(5) == Some(&lport.as_str()));
    assert_eq!(&columns(&line)[..8], [pid.as_str(), &comm, "127.0.0.1", &port, "127.0.0.1", &lport, "2.93", "4.88"]);
    let lines = client_side.interrupt().stdout;
    assert_eq!(lines[0], "PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS");
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

#[test]
fn ipv6_only_with_exact_bytes_in_json() {
    let (v4, port4) = listen("127.0.0.1:0");
    let (v6, port6) = listen("[::1]:0");
    let mut tcplife = Traced::start("tcplife", &["--json", "-6", "-D", &format!("{port4},{port6}")]);
    session(&v4, Duration::ZERO);
    let lport = session(&v6, Duration::ZERO);
    let line = tcplife.expect_line("the IPv6 session", |l| l.contains(&format!("\"lport\":{lport}")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], std::process::id());
    assert_eq!(event["comm"], thread_comm());
    assert_eq!(event["ip"], 6);
    assert_eq!((&event["laddr"], &event["raddr"]), (&"::1".into(), &"::1".into()));
    assert_eq!(event["rport"].to_string(), port6);
    // The kernel counts sequence numbers: its SYN and FIN acknowledged on
    // top of the 5000 bytes sent, the server's FIN on top of the 3000 received.
    assert_eq!((&event["tx_bytes"], &event["rx_bytes"]), (&5002.into(), &3001.into()));
    assert!(event["span_us"].as_u64().unwrap() < 5_000_000);
    let seen = tcplife.settle(Duration::from_millis(500));
    assert_eq!(seen.len(), 1, "-6 showed the IPv4 session: {seen:#?}");
}

#[test]
fn wide_columns_and_time() {
    let tcplife = Traced::start("tcplife", &["-w", "-T", "-L", "1"]);
    let lines = tcplife.interrupt().stdout;
    assert_eq!(
        lines[0],
        format!("TIME(s)  PID     COMM             {:<39} LPORT {:<39} RPORT TX_KB  RX_KB  MS", "LADDR", "RADDR")
    );
}

#[test]
fn a_btf_file_that_cannot_be_read_is_named() {
    let out = run("tcplife", &["--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("tcplife: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 4] = [&["-4", "-6"], &["-L", "0"], &["-D", "1,,2"], &["-p", "0"]];
    for args in bad {
        let out = run("tcplife", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("tcplife: ") && stderr.contains("Usage: tcplife"), "{args:?}: {stderr}");
    }
}
