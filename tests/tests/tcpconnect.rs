//! tcpconnect on this machine's kernel: connects of this test process and
//! of child processes on 127.0.0.1 and ::1, with the filters and the count.

use std::{
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use bpfbin_tests::{PATIENCE, Traced, columns, run};

/// This thread's comm, which the kernel reports for its connects.
fn thread_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_owned()
}

fn listen(addr: &str) -> (TcpListener, String) {
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    (listener, port)
}

/// Connects to `listener` and returns the client's local port.
fn connect(listener: &TcpListener) -> u16 {
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.local_addr().unwrap().port()
}

/// bash connecting to 127.0.0.1:`port` through /dev/tcp, as the user
/// `setpriv` makes it (none: root): its own PID, comm "bash".
fn bash_connect(port: &str, as_user: Option<&str>) -> Child {
    let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port}");
    let mut command = match as_user {
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.args([&format!("--reuid={uid}"), "--regid=65534", "--clear-groups", "bash", "-c", &script]);
            c
        }
        None => {
            let mut c = Command::new("bash");
            c.args(["-c", &script]);
            c
        }
    };
    command.stdin(Stdio::null()).stdout(Stdio::null()).spawn().expect("bash and setpriv are installed")
}

/// Waits until `pid` has attached its program (a perf event or BPF link
/// among its descriptors): count mode prints nothing that could say so.
fn wait_attached(pid: u32) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let attached = std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|to| matches!(to.to_str(), Some("anon_inode:[perf_event]" | "anon_inode:bpf_link")))
        });
        if attached {
            thread::sleep(Duration::from_millis(300));
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("pid {pid} did not attach within {PATIENCE:?}");
}

#[test]
fn sees_ipv4_and_ipv6_connects_of_this_process() {
    let (v4, port4) = listen("127.0.0.1:0");
    let (v6, port6) = listen("[::1]:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["-P", &format!("{port4},{port6}")]);
    connect(&v4);
    connect(&v6);
    let (pid, comm) = (std::process::id().to_string(), thread_comm());
    // PID COMM IP SADDR DADDR DPORT
    let line = tcpconnect.expect_line("the IPv4 connect", |l| columns(l).last() == Some(&port4.as_str()));
    assert_eq!(columns(&line), [pid.as_str(), &comm, "4", "127.0.0.1", "127.0.0.1", &port4], "{line}");
    let line = tcpconnect.expect_line("the IPv6 connect", |l| columns(l).last() == Some(&port6.as_str()));
    assert_eq!(columns(&line), [pid.as_str(), &comm, "6", "::1", "::1", &port6], "{line}");
    let lines = tcpconnect.interrupt().stdout;
    assert_eq!(lines[0], "PID    COMM             IP SADDR            DADDR            DPORT");
    assert_eq!(lines.len(), 3, "only the two ports: {lines:#?}");
}

#[test]
fn an_ipv4_mapped_connect_is_shown_as_ipv4() {
    // libbpf-tools sees it through tcp_v4_connect(), which tcp_v6_connect() calls.
    let (v4, port) = listen("127.0.0.1:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["-P", &port]);
    let to: std::net::SocketAddr = format!("[::ffff:127.0.0.1]:{port}").parse().unwrap();
    let client = TcpStream::connect(to).unwrap();
    let line = tcpconnect.expect_line("the mapped connect", |l| columns(l).last() == Some(&port.as_str()));
    assert_eq!(&columns(&line)[2..], ["4", "127.0.0.1", "127.0.0.1", &port], "{line}");
    drop((client, v4));
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let (listener, port) = listen("127.0.0.1:0");
    // Started first, so its PID is known; it connects once told to.
    let mut bash = Command::new("bash")
        .args(["-c", &format!("read go; exec 3<>/dev/tcp/127.0.0.1/{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let bash_pid = bash.id().to_string();
    let mut tcpconnect = Traced::start("tcpconnect", &["-p", &bash_pid, "-P", &port]);
    connect(&listener);
    std::io::Write::write_all(bash.stdin.as_mut().unwrap(), b"go\n").unwrap();
    bash.wait().unwrap();
    let line = tcpconnect.expect_line("bash's connect", |l| columns(l)[0] == bash_pid);
    assert_eq!(columns(&line), [bash_pid.as_str(), "bash", "4", "127.0.0.1", "127.0.0.1", &port]);
    let seen = tcpconnect.settle(Duration::from_millis(500)).to_vec();
    assert_eq!(seen.len(), 2, "this process's connect was shown: {seen:#?}");
}

#[test]
fn uid_filter_and_column() {
    let (_listener, port) = listen("127.0.0.1:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["-U", "-u", "65534", "-P", &port]);
    let mut root = bash_connect(&port, None);
    root.wait().unwrap();
    let mut nobody = bash_connect(&port, Some("65534"));
    let nobody_pid = nobody.id().to_string();
    nobody.wait().unwrap();
    // UID PID COMM IP SADDR DADDR DPORT; "%-6d" leaves no space after a
    // 6-digit UID, as in libbpf-tools.
    let line = tcpconnect.expect_line("the unprivileged connect", |l| l.contains(&nobody_pid));
    assert!(line.starts_with(&format!("65534 {nobody_pid} ")), "{line}");
    let seen = tcpconnect.settle(Duration::from_millis(500)).to_vec();
    assert_eq!(seen.len(), 2, "root's connect was shown: {seen:#?}");
    assert!(seen[0].starts_with("UID   PID    COMM "), "{seen:#?}");
}

#[test]
fn source_port_and_timestamps() {
    let (listener, port) = listen("127.0.0.1:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["-t", "-s", "-P", &port]);
    let first = connect(&listener).to_string();
    thread::sleep(Duration::from_millis(500));
    let second = connect(&listener).to_string();
    // TIME(s) PID COMM IP SADDR DADDR SPORT DPORT
    let a = tcpconnect.expect_line("the first connect", |l| l.contains(&format!(" {first} ")));
    let b = tcpconnect.expect_line("the second connect", |l| l.contains(&format!(" {second} ")));
    let (a, b) = (columns(&a), columns(&b));
    assert_eq!(&a[4..], ["127.0.0.1", "127.0.0.1", &first, &port]);
    assert_eq!(&b[4..], ["127.0.0.1", "127.0.0.1", &second, &port]);
    assert_eq!(a[0], "0.000", "time from the first event");
    let apart: f64 = b[0].parse().unwrap();
    assert!((0.5..5.0).contains(&apart), "{b:?}");
    let lines = tcpconnect.interrupt().stdout;
    assert_eq!(lines[0], "TIME(s)  PID    COMM             IP SADDR            DADDR            SPORT DPORT");
}

#[test]
fn a_refused_connect_is_still_a_connect() {
    // As in libbpf-tools: tcp_v4_connect() returned 0, the RST came later.
    let (listener, port) = listen("127.0.0.1:0");
    drop(listener);
    let mut tcpconnect = Traced::start("tcpconnect", &["-s", "-P", &port]);
    assert!(TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
    let line = tcpconnect.expect_line("the refused connect", |l| columns(l).last() == Some(&port.as_str()));
    let sport: u16 = columns(&line)[5].parse().unwrap();
    assert!(sport > 0, "{line}");
}

#[test]
fn count_mode_tallies_per_flow_at_the_end() {
    let (v4, port4) = listen("127.0.0.1:0");
    let (v6, port6) = listen("[::1]:0");
    let tcpconnect = Traced::spawn("tcpconnect", &["-c", "-P", &format!("{port6},{port4}")]);
    wait_attached(tcpconnect.pid());
    connect(&v6);
    for _ in 0..3 {
        connect(&v4);
    }
    thread::sleep(Duration::from_millis(300));
    let done = tcpconnect.interrupt();
    assert!(done.status.success(), "{}", done.stderr);
    let expected = [
        String::new(),
        format!("{:<25} {:<25} {:<20} {:<10}", "LADDR", "RADDR", "RPORT", "CONNECTS"),
        format!("{:<25} {:<25} {:<20} {:<10}", "127.0.0.1", "127.0.0.1", port4, 3),
        format!("{:<25} {:<25} {:<20} {:<10}", "::1", "::1", port6, 1),
    ];
    assert_eq!(done.stdout, expected);
}

#[test]
fn json_lines_carry_every_field() {
    let (listener, port) = listen("[::1]:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["--json", "-s", "-P", &port]);
    let sport = connect(&listener);
    let line = tcpconnect.expect_line("a JSON event", |l| l.contains(&format!("\"dport\":{port}")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], std::process::id());
    assert_eq!(event["uid"], 0);
    assert_eq!(event["comm"], thread_comm());
    assert_eq!(event["ip"], 6);
    assert_eq!((&event["saddr"], &event["daddr"]), (&"::1".into(), &"::1".into()));
    assert_eq!(event["sport"], sport);
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
}

/// `-C`/`--cgroupmap` and `-M`/`--mntnsmap`, which libbpf-tools accepts and
/// does not implement: the same warning, and every connect is traced.
#[test]
fn cgroupmap_and_mntnsmap_warn_and_trace_on() {
    let (listener, port) = listen("127.0.0.1:0");
    let mut tcpconnect = Traced::start("tcpconnect", &["-C", "/sys/fs/bpf/cgroups", "--mntnsmap=/x", "-P", &port]);
    connect(&listener);
    tcpconnect.expect_line("the connect", |l| columns(l).last() == Some(&port.as_str()));
    let done = tcpconnect.interrupt();
    assert!(done.status.success(), "{}", done.stderr);
    assert_eq!(done.stderr, "tcpconnect: not implemented: --cgroupmap\ntcpconnect: not implemented: --mntnsmap\n");
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 6] = [&["-P", "0"], &["-P", "1,2,x"], &["-p", "0"], &["-u", "-1"], &["extra"], &["-C"]];
    for args in bad {
        let out = run("tcpconnect", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("tcpconnect: ") && stderr.contains("Usage: tcpconnect"), "{args:?}: {stderr}");
    }
}
