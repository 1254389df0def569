//! tcpretrans on this machine's kernel: SYNs that a full accept queue drops
//! on 127.0.0.1 and ::1 are retransmitted by their clients (in SYN_SENT,
//! from 1 s on), which is the loss no netem or firewall is needed for.

use std::{
    mem::size_of_val,
    net::{SocketAddr, TcpListener, TcpStream},
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    thread::{self, JoinHandle},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, kernel_has_kprobes, run};

/// A listener whose accept queue is full, and a client whose SYNs it drops.
struct Dropping {
    port: u16,
    _listener: TcpListener,
    _queued: TcpStream,
    _client: JoinHandle<()>,
}

/// Listens on `addr` with a backlog of 0, queues one connection it never
/// accepts, so the kernel drops every further SYN, and starts a client that
/// keeps retransmitting its SYN until the listener goes (then it is reset).
fn dropping(addr: &str) -> Dropping {
    let listener = TcpListener::bind(addr).unwrap();
    // listen() again on a listening socket only sets its backlog.
    // SAFETY: a valid socket descriptor.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let to: SocketAddr = listener.local_addr().unwrap();
    let queued = TcpStream::connect(to).unwrap();
    let client = thread::spawn(move || {
        let _ = TcpStream::connect_timeout(&to, Duration::from_secs(10));
    });
    Dropping { port: to.port(), _listener: listener, _queued: queued, _client: client }
}

/// BCC's line: TIME PID IP LADDR:LPORT T> RADDR:RPORT STATE.
fn is_retransmit(line: &str, ip: &str, raddr: &str) -> bool {
    let c = columns(line);
    c.len() == 7 && c[2] == ip && c[4] == "R>" && c[5] == raddr && c[6] == "SYN_SENT"
}

#[test]
fn dropped_syns_are_retransmitted() {
    let mut tcpretrans = Traced::start("tcpretrans", &[]);
    let drop4 = dropping("127.0.0.1:0");
    let raddr = format!("127.0.0.1:{}", drop4.port);
    let line = tcpretrans.expect_line("the SYN retransmit", |l| is_retransmit(l, "4", &raddr));
    let c = columns(&line);
    let lines = tcpretrans.settle(Duration::from_millis(100));
    assert_eq!(lines[0], "Tracing retransmits ... Hit Ctrl-C to end");
    let header = lines[1].clone();
    assert_eq!(header, "TIME     PID     IP LADDR:LPORT          T> RADDR:RPORT          STATE");
    assert!(c[0].len() == 8 && c[0].as_bytes()[2] == b':', "{line}");
    assert!(c[1].parse::<u32>().is_ok(), "{line}");
    let (laddr, lport) = c[3].rsplit_once(':').unwrap();
    assert_eq!(laddr, "127.0.0.1", "{line}");
    assert!(lport.parse::<u16>().unwrap() > 0, "{line}");
    // %-20s columns: the arrow where the header has its T.
    assert_eq!(line.find(" R> "), Some(40), "{line}");
    assert_eq!(header.find(" T> "), Some(40));
    drop(drop4);
}

/// A client socket connecting to `to` without waiting.
fn connect_nonblocking(to: SocketAddr) -> OwnedFd {
    let SocketAddr::V4(to) = to else { panic!("IPv4 only") };
    // SAFETY: a new socket, owned at once; a sockaddr_in of the size given.
    unsafe {
        let fd = OwnedFd::from_raw_fd(libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0));
        let sin = libc::sockaddr_in {
            sin_family: libc::AF_INET as u16,
            sin_port: to.port().to_be(),
            sin_addr: libc::in_addr { s_addr: u32::from(*to.ip()).to_be() },
            sin_zero: [0; 8],
        };
        let rc = libc::connect(fd.as_raw_fd(), (&sin as *const libc::sockaddr_in).cast(), size_of_val(&sin) as u32);
        assert_eq!((rc, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EINPROGRESS)));
        fd
    }
}

/// The next sequence number `fd` will send, as TCP_REPAIR shows it (root).
fn send_seq(fd: &OwnedFd) -> u32 {
    const TCP_REPAIR: i32 = 19;
    const TCP_REPAIR_QUEUE: i32 = 20;
    const TCP_QUEUE_SEQ: i32 = 21;
    const TCP_SEND_QUEUE: i32 = 2;
    // SAFETY: socket options of ints on a socket this test owns.
    unsafe {
        let set = |option: i32, value: i32| {
            let rc = libc::setsockopt(fd.as_raw_fd(), libc::IPPROTO_TCP, option, (&value as *const i32).cast(), 4);
            assert_eq!(rc, 0, "option {option}: {}", std::io::Error::last_os_error());
        };
        set(TCP_REPAIR, 1);
        set(TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
        let (mut seq, mut len) = (0u32, 4u32);
        let out = (&mut seq as *mut u32).cast();
        let rc = libc::getsockopt(fd.as_raw_fd(), libc::IPPROTO_TCP, TCP_QUEUE_SEQ, out, &mut len);
        assert_eq!(rc, 0);
        seq
    }
}

#[test]
fn sequence_numbers_are_the_segments() {
    let mut tcpretrans = Traced::start("tcpretrans", &["-s"]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: a valid socket descriptor.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let to = listener.local_addr().unwrap();
    let queued = TcpStream::connect(to).unwrap();
    let client = connect_nonblocking(to);
    let raddr = format!("127.0.0.1:{}", to.port());
    let line = tcpretrans.expect_line("the SYN retransmit", |l| columns(l).get(5) == Some(&raddr.as_str()));
    let c = columns(&line);
    assert_eq!(c.len(), 8, "{line}");
    let seq: u32 = c[7].parse().unwrap();
    // Room in the queue: the next SYN gets through, then the socket's next
    // sequence number is the SYN's plus one.
    let (accepted, _) = listener.accept().unwrap();
    let lport: u16 = c[3].rsplit_once(':').unwrap().1.parse().unwrap();
    listener.set_nonblocking(true).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while listener.accept().map(|(s, _)| s.peer_addr().unwrap().port()).ok() != Some(lport) {
        assert!(std::time::Instant::now() < deadline, "the client never got in");
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(send_seq(&client), seq.wrapping_add(1), "{line}");
    let lines = tcpretrans.settle(Duration::from_millis(100));
    assert_eq!(lines[1], "TIME     PID     IP LADDR:LPORT          T> RADDR:RPORT          STATE        SEQ       ");
    drop((queued, accepted));
}

#[test]
fn ipv6_only() {
    let mut tcpretrans = Traced::start("tcpretrans", &["-6"]);
    let drop4 = dropping("127.0.0.1:0");
    let drop6 = dropping("[::1]:0");
    let (v4, v6) = (format!("127.0.0.1:{}", drop4.port), format!("::1:{}", drop6.port));
    let line = tcpretrans.expect_line("the IPv6 SYN retransmit", |l| is_retransmit(l, "6", &v6));
    assert!(columns(&line)[3].starts_with("::1:"), "{line}");
    // The IPv4 client started first: its retransmit is due by now.
    let lines = tcpretrans.settle(Duration::from_millis(500)).to_vec();
    assert!(!lines.iter().any(|l| l.contains(&v4)), "-6 shows no IPv4 flow: {lines:#?}");
}

#[test]
fn counts_per_flow() {
    let tcpretrans = Traced::start("tcpretrans", &["-c"]);
    let drop4 = dropping("127.0.0.1:0");
    let remote = format!("[127.0.0.1]#{}", drop4.port);
    // Retransmits at 1 s and after.
    thread::sleep(Duration::from_millis(2500));
    let done = tcpretrans.interrupt();
    drop(drop4);
    assert!(done.status.success(), "{}", done.stderr);
    let lines = &done.stdout;
    let header = lines.iter().position(|l| l.starts_with("LADDR:LPORT")).expect("the count header");
    assert_eq!(lines[header], format!("{:<25} {:<25} {:<10}", "LADDR:LPORT", "RADDR:RPORT", "RETRANSMITS"));
    assert_eq!(lines[header - 1], "", "BCC prints a blank line first");
    let row = lines.iter().find(|l| l.contains(&remote)).unwrap_or_else(|| panic!("no flow to {remote}: {lines:#?}"));
    let c = columns(row);
    assert!(c[0].starts_with("[127.0.0.1]#") && c[1] == "<->" && c[2] == remote, "{row}");
    assert!(c[3].parse::<u64>().unwrap() >= 1, "{row}");
}

#[test]
fn json_lines_carry_every_field() {
    let mut tcpretrans = Traced::start("tcpretrans", &["--json"]);
    let drop6 = dropping("[::1]:0");
    let port = drop6.port;
    let line = tcpretrans.expect_line("the retransmit", |l| l.contains(&format!("\"rport\":{port},")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!((&event["ip"], &event["laddr"], &event["raddr"]), (&6.into(), &"::1".into(), &"::1".into()));
    assert_eq!((&event["type"], &event["state"]), (&"R".into(), &"SYN_SENT".into()));
    assert!(event["lport"].as_u64().unwrap() > 0 && event["pid"].is_u64());
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
}

#[test]
fn loss_probes_need_kprobes() {
    if kernel_has_kprobes() {
        let tcpretrans = Traced::start("tcpretrans", &["-l"]);
        assert!(tcpretrans.interrupt().status.success());
        return;
    }
    let out = run("tcpretrans", &["-l"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("tcpretrans: ") && stderr.contains("tcp_send_loss_probe"), "{stderr}");
    assert!(stderr.contains("kprobes"), "{stderr}");
}

#[test]
fn bad_command_lines_are_usage_errors() {
    let bad: [&[&str]; 3] = [&["-4", "-6"], &["-x"], &["1"]];
    for args in bad {
        let out = run("tcpretrans", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("tcpretrans: ") && stderr.contains("Usage: tcpretrans"), "{args:?}: {stderr}");
    }
}
