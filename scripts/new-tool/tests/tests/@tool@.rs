//! @tool@ attached to this machine's kernel, seeing real events.

use std::time::Duration;

use bpfbin_tests::{Traced, run_workload};

/// To write: the workload @tool@ must see and every field of its event.
#[test]
fn sees_a_process_with_its_pid_and_name() {
    let mut snoop = Traced::start("@tool@", &["--json"]);
    let pid = run_workload("true", &[]);
    let line = snoop.expect_line("true's event", |l| l.contains(&format!("\"pid\":{pid},")));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["comm"], "true");
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("@tool@", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
