//! sigsnoop and killsnoop attached to this machine's kernel, seeing real signals.

use std::{
    fs,
    process::{Child, Command, Stdio},
    thread,
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run};

/// A `sleep 60` to send signals to, reaped (or killed) when dropped.
struct Target(Child);

impl Target {
    fn start() -> Self {
        let target = Self(Command::new("sleep").arg("60").stdin(Stdio::null()).spawn().expect("start the target"));
        // spawn may return before the exec has renamed the child "sleep".
        let comm = format!("/proc/{}/comm", target.pid());
        while fs::read_to_string(&comm).is_ok_and(|c| c != "sleep\n") {
            thread::sleep(Duration::from_millis(5));
        }
        target
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `/bin/kill -SIGNAL pid` and returns the sender's PID.
fn send(signal: &str, pid: &str) -> String {
    let mut kill = Command::new("/bin/kill")
        .args([&format!("-{signal}"), pid])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kill");
    let sender = kill.id().to_string();
    kill.wait().expect("wait for kill");
    sender
}

/// The event line of `sender`: TIME PID COMM SIG TPID TCOMM RESULT.
fn line_of(snoop: &mut Traced, sender: &str) -> Vec<String> {
    let line = snoop.expect_line("the sender's event", |l| columns(l).get(1) == Some(&sender));
    columns(&line).into_iter().map(str::to_owned).collect()
}

/// A PID nobody has: above the kernel's pid_max.
const NO_SUCH_PID: &str = "99999999";

#[test]
fn sees_a_signal_with_sender_target_and_result() {
    let mut snoop = Traced::start("sigsnoop", &[]);
    let target = Target::start();
    let sender = send("USR1", &target.pid());
    let cols = line_of(&mut snoop, &sender);
    let time = cols[0].as_bytes();
    assert!(time.len() == 8 && time[2] == b':' && time[5] == b':', "{cols:?}");
    assert_eq!(cols[2..], ["kill", "10", &target.pid(), "sleep", "0"], "{cols:?}");
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    assert_eq!(done.stdout[0], "TIME     PID     COMM             SIG          TPID    TCOMM            RESULT");
}

#[test]
fn kill_mode_sees_the_syscall_and_its_result() {
    for (tool, args) in [("sigsnoop", &["-k"][..]), ("killsnoop", &[])] {
        let mut snoop = Traced::start(tool, args);
        let target = Target::start();
        let sender = send("USR1", &target.pid());
        let failed = send("USR1", NO_SUCH_PID);
        let cols = line_of(&mut snoop, &sender);
        assert_eq!(cols[2..], ["kill", "10", &target.pid(), "sleep", "0"], "{tool}: {cols:?}");
        let cols = line_of(&mut snoop, &failed);
        assert_eq!(cols[2..], ["kill", "10", NO_SUCH_PID, "N/A", "-3"], "{tool}: {cols:?}");
    }
}

#[test]
fn failed_only_hides_delivered_signals() {
    let mut snoop = Traced::start("killsnoop", &["-x"]);
    let target = Target::start();
    let ok = send("USR1", &target.pid());
    let failed = send("USR1", NO_SUCH_PID);
    assert_eq!(line_of(&mut snoop, &failed)[6], "-3");
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| columns(l).get(1) == Some(&ok.as_str())), "a delivered signal was shown: {seen:?}");

    // signal_generate reports si_errno, 0 for every kill: nothing is shown.
    let mut snoop = Traced::start("sigsnoop", &["-x"]);
    let ok = send("USR1", &Target::start().pid());
    let seen = snoop.settle(Duration::from_millis(500));
    assert!(!seen.iter().any(|l| columns(l).get(1) == Some(&ok.as_str())), "a delivered signal was shown: {seen:?}");
}

#[test]
fn signal_filter_keeps_only_those_signals() {
    for args in [&["-s", "12,15"][..], &["-k", "-s12,15"]] {
        let mut snoop = Traced::start("sigsnoop", args);
        let usr1 = send("USR1", &Target::start().pid());
        let usr2 = send("USR2", &Target::start().pid());
        assert_eq!(line_of(&mut snoop, &usr2)[3], "12", "{args:?}");
        let seen = snoop.settle(Duration::from_millis(500));
        assert!(!seen.iter().any(|l| columns(l).get(1) == Some(&usr1.as_str())), "{args:?}: USR1 shown: {seen:?}");
        assert!(seen.iter().skip(1).all(|l| ["12", "15"].contains(&columns(l)[3])), "{args:?}: {seen:?}");
    }
}

#[test]
fn pid_filter_keeps_only_that_sender() {
    for kill_mode in [false, true] {
        let target = Target::start();
        // A shell that signals the target with its builtin kill once told to.
        let mut shell = Command::new("sh")
            .args(["-c", "read go; kill -USR2 $0", &target.pid()])
            .stdin(Stdio::piped())
            .spawn()
            .expect("start sh");
        let pid = shell.id().to_string();
        let args = if kill_mode { vec!["-k", "-p", &pid] } else { vec!["-p", &pid] };
        let mut snoop = Traced::start("sigsnoop", &args);
        send("CONT", &target.pid());
        drop(shell.stdin.take());
        shell.wait().expect("wait for sh");
        let cols = line_of(&mut snoop, &pid);
        assert_eq!(cols[2..], ["sh", "12", &target.pid(), "sleep", "0"], "{args:?}: {cols:?}");
        // Without -k the shell's exit also shows: its SIGCHLD to this test.
        let seen = snoop.settle(Duration::from_millis(500));
        assert!(seen.iter().skip(1).all(|l| columns(l)[1] == pid), "{args:?}: other senders shown: {seen:?}");
    }
}

#[test]
fn names_replace_numbers_with_n() {
    let mut snoop = Traced::start("killsnoop", &["-n"]);
    let target = Target::start();
    let probe = send("0", &target.pid());
    let usr1 = send("USR1", &target.pid());
    assert_eq!(line_of(&mut snoop, &probe)[3], "N/A");
    assert_eq!(line_of(&mut snoop, &usr1)[3], "SIGUSR1");
}

#[test]
fn json_lines_carry_every_field() {
    for tool in ["sigsnoop", "killsnoop"] {
        let mut snoop = Traced::start(tool, &["--json"]);
        let target = Target::start();
        let sender = send("USR1", &target.pid());
        let line = snoop.expect_line("a JSON event", |l| l.contains(&format!("\"pid\":{sender},")));
        let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!((event["comm"].as_str(), event["tcomm"].as_str()), (Some("kill"), Some("sleep")), "{line}");
        assert_eq!(event["tpid"].to_string(), target.pid(), "{line}");
        assert_eq!((event["sig"].as_i64(), event["result"].as_i64()), (Some(10), Some(0)), "{line}");
        assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    }
}

#[test]
fn bad_flags_and_values_exit_64() {
    for tool in ["sigsnoop", "killsnoop"] {
        let bad: [&[&str]; 7] =
            [&["--bogus"], &["-p", "0"], &["-p"], &["-s", "0"], &["-s", "32"], &["-s", "USR1"], &["-s1,"]];
        for args in bad {
            let out = run(tool, args);
            assert_eq!(out.status.code(), Some(64), "{tool} {args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.starts_with(&format!("{tool}: ")), "{args:?}: {stderr}");
            assert!(stderr.contains(&format!("Usage: {tool}")), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let out = run("killsnoop", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.starts_with("Usage: killsnoop") && help.contains("-s, --signal"), "{help}");
}
