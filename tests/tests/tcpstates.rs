//! tcpstates on this machine's kernel: connections of this test process on
//! 127.0.0.1 and ::1, followed through their states, filtered by port.

use std::{
    io::Read,
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    thread,
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run};

/// This thread's comm, which the kernel reports for its connects.
fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_owned()
}

/// Connects to `listener`, stays ESTABLISHED for `hold`, closes first
/// (FIN_WAIT1, FIN_WAIT2, CLOSE), then lets the server side close. Returns
/// the client's local port.
fn connect_and_close(listener: &TcpListener, hold: Duration) -> u16 {
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    let port = client.local_addr().unwrap().port();
    thread::sleep(hold);
    drop(client);
    // The FIN: read returns 0, then the server side closes too.
    let mut buf = [0; 1];
    server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(server.read(&mut buf).unwrap(), 0);
    server.shutdown(Shutdown::Both).unwrap();
    port
}

fn listen(addr: &str) -> (TcpListener, u16) {
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// The event lines (not the header) of a finished or running trace.
fn events(lines: &[String]) -> Vec<Vec<String>> {
    lines.iter().skip(1).map(|l| columns(l).into_iter().map(str::to_owned).collect()).collect()
}

#[test]
fn a_client_goes_through_its_states_with_times() {
    let (listener, port) = listen("127.0.0.1:0");
    let port_s = port.to_string();
    let mut tcpstates = Traced::start("tcpstates", &["-D", &port_s]);
    let (pid, comm) = (std::process::id().to_string(), thread_comm());
    let lport = connect_and_close(&listener, Duration::from_millis(300)).to_string();
    tcpstates.expect_line("the client's close", |l| l.contains("FIN_WAIT2   -> CLOSE"));
    let lines = tcpstates.interrupt().stdout;
    let events = events(&lines);
    // SKADDR PID COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS
    let states: Vec<(&str, &str)> = events.iter().map(|c| (c[7].as_str(), c[9].as_str())).collect();
    assert_eq!(
        states,
        [
            ("CLOSE", "SYN_SENT"),
            ("SYN_SENT", "ESTABLISHED"),
            ("ESTABLISHED", "FIN_WAIT1"),
            ("FIN_WAIT1", "FIN_WAIT2"),
            ("FIN_WAIT2", "CLOSE")
        ],
        "{lines:#?}"
    );
    let skaddr = &events[0][0];
    assert!(skaddr.len() >= 8 && u64::from_str_radix(skaddr, 16).is_ok(), "{lines:#?}");
    for c in &events {
        assert_eq!(&c[0], skaddr, "one socket: {lines:#?}");
        assert_eq!((c[3].as_str(), c[5].as_str(), c[6].as_str()), ("127.0.0.1", "127.0.0.1", port_s.as_str()));
        assert!(c[10].parse::<f64>().unwrap() >= 0.0, "{c:?}");
    }
    // The connect and the close run in this thread; %-10.10s cuts the comm.
    let short = &comm[..comm.len().min(10)];
    for c in [&events[0], &events[2]] {
        assert_eq!((c[1].as_str(), c[2].as_str()), (pid.as_str(), short), "{lines:#?}");
    }
    // No source port before the connect picks one.
    assert_eq!(events[0][4], "0");
    assert!(events[1..].iter().all(|c| c[4] == lport), "{lines:#?}");
    // Time in ESTABLISHED, measured in the kernel: the 300 ms hold.
    let established: f64 = events[2][10].parse().unwrap();
    assert!((300.0..5000.0).contains(&established), "{lines:#?}");
    assert_eq!(events[0][10], "0.000", "no earlier state seen");
}

#[test]
fn local_port_filter_shows_the_server_side() {
    let (listener, port) = listen("127.0.0.1:0");
    drop(listener);
    let port_s = port.to_string();
    let mut tcpstates = Traced::start("tcpstates", &["-L", &port_s]);
    // Listening starts after the tracer: CLOSE -> LISTEN is seen.
    let (listener, _) = listen(&format!("127.0.0.1:{port}"));
    connect_and_close(&listener, Duration::ZERO);
    drop(listener);
    tcpstates.expect_line("the listener closing", |l| l.contains("LISTEN      -> CLOSE"));
    let lines = tcpstates.interrupt().stdout;
    let events = events(&lines);
    assert!(events.iter().all(|c| c[4] == port_s), "only local port {port}: {lines:#?}");
    let listen = events.iter().find(|c| c[7] == "CLOSE" && c[9] == "LISTEN").expect("CLOSE -> LISTEN");
    assert_eq!(listen[1], std::process::id().to_string());
    assert_eq!((listen[5].as_str(), listen[6].as_str()), ("0.0.0.0", "0"));
    assert!(events.iter().any(|c| c[9] == "ESTABLISHED" && c[6] != "0"), "the accepted socket: {lines:#?}");
}

#[test]
fn ipv6_only_in_wide_columns() {
    let (v4, port4) = listen("127.0.0.1:0");
    let (v6, port6) = listen("[::1]:0");
    let ports = format!("{port4},{port6}");
    let mut tcpstates = Traced::start("tcpstates", &["-6", "-w", "-D", &ports]);
    connect_and_close(&v4, Duration::ZERO);
    connect_and_close(&v6, Duration::ZERO);
    tcpstates.expect_line("the IPv6 client's close", |l| l.contains("FIN_WAIT2   -> CLOSE"));
    let lines = tcpstates.interrupt().stdout;
    assert_eq!(
        lines[0],
        format!(
            "{:<16} {:<7} {:<16} {:<2} {:<39} {:<5} {:<39} {:<5} {:<11} -> {:<11} MS",
            "SKADDR", "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT", "OLDSTATE", "NEWSTATE"
        )
    );
    let events = events(&lines);
    assert_eq!(events.len(), 5, "the IPv6 client only: {lines:#?}");
    for c in &events {
        // SKADDR PID COMM IP LADDR LPORT RADDR RPORT ...
        assert_eq!((c[3].as_str(), c[4].as_str(), c[6].as_str()), ("6", "::1", "::1"), "{lines:#?}");
        assert_eq!(c[7], port6.to_string());
    }
    assert_eq!(events[0][2], thread_comm(), "%-16s keeps the whole comm");
}

#[test]
fn json_lines_carry_every_field() {
    let (listener, port) = listen("[::1]:0");
    let mut tcpstates = Traced::start("tcpstates", &["--json", "-D", &port.to_string()]);
    let lport = connect_and_close(&listener, Duration::ZERO);
    let line = tcpstates.expect_line("SYN_SENT -> ESTABLISHED", |l| l.contains("\"newstate\":\"ESTABLISHED\""));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], std::process::id());
    assert_eq!(event["comm"], thread_comm());
    assert_eq!(event["ip"], 6);
    assert_eq!((&event["laddr"], &event["raddr"]), (&"::1".into(), &"::1".into()));
    assert_eq!((&event["lport"], &event["rport"]), (&lport.into(), &port.into()));
    assert_eq!(event["oldstate"], "SYN_SENT");
    assert!(event["delta_us"].is_u64() && event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    assert!(u64::from_str_radix(event["skaddr"].as_str().unwrap(), 16).is_ok());
}

#[test]
fn timestamps_head_the_columns() {
    let tcpstates = Traced::start("tcpstates", &["-T", "-L", "1"]);
    let done = tcpstates.interrupt();
    assert!(done.status.success(), "{}", done.stderr);
    assert_eq!(
        done.stdout[0],
        "TIME(s)  SKADDR           PID     COMM       LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS"
    );
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 5] = [&["-4", "-6"], &["-L", "0"], &["-D", "65536"], &["-L", "80,x"], &["-D", ""]];
    for args in bad {
        let out = run("tcpstates", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("tcpstates: ") && stderr.contains("Usage: tcpstates"), "{args:?}: {stderr}");
    }
}

#[test]
fn listening_address_is_any() {
    // A socket bound to every address shows them as inet_ntop does.
    let listener = TcpListener::bind("[::]:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut tcpstates = Traced::start("tcpstates", &["-L", &port.to_string()]);
    let listener = TcpListener::bind(SocketAddr::from(([0u16; 8], port))).unwrap();
    drop(listener);
    let line = tcpstates.expect_line("CLOSE -> LISTEN", |l| l.contains("CLOSE       -> LISTEN"));
    let c = columns(&line);
    assert_eq!((c[3], c[4], c[5], c[6]), ("::", port.to_string().as_str(), "::", "0"), "{line}");
}
