//! bpfbox, the multi-call binary: every tool built on its own is in it, runs
//! the same through `bpfbox TOOL` and through a link named after the tool,
//! and sees real events there.

use std::{os::unix::fs::symlink, process::Command};

use bpfbin_tests::{Traced, built_tools, columns, run, run_workload, tool, unique_path};

/// The tools `bpfbox --list` names.
fn listed() -> Vec<String> {
    let out = run("bpfbox", &["--list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn every_tool_built_on_its_own_is_in_it() {
    let built: Vec<String> = built_tools().into_iter().filter(|name| name != "bpfbox").collect();
    assert_eq!(listed(), built);
}

#[test]
fn each_tool_parses_its_own_command_line() {
    for name in listed() {
        for args in [&["--help"][..], &["--no-such-option"], &["-p"]] {
            let alone = run(&name, args);
            let mut boxed_args = vec![name.as_str()];
            boxed_args.extend(args);
            let boxed = run("bpfbox", &boxed_args);
            assert_eq!(boxed.status.code(), alone.status.code(), "bpfbox {boxed_args:?}");
            assert_eq!(boxed.stdout, alone.stdout, "bpfbox {boxed_args:?}");
            assert_eq!(boxed.stderr, alone.stderr, "bpfbox {boxed_args:?}");
        }
    }
}

#[test]
fn a_link_named_after_a_tool_runs_that_tool() {
    let link = unique_path("link").join("execsnoop");
    std::fs::create_dir(link.parent().unwrap()).unwrap();
    symlink(tool("bpfbox"), &link).unwrap();
    let mut snoop = Traced::spawn_command(Command::new(&link));
    snoop.expect_line("execsnoop's header", |l| l.starts_with("PCOMM "));
    let pid = run_workload("true", &["bpfbox-link-test"]);
    snoop.expect_line("the exec of true", |l| columns(l)[1] == pid.to_string() && l.contains(" bpfbox-link-test"));
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    std::fs::remove_dir_all(link.parent().unwrap()).unwrap();
}

#[test]
fn bpfbox_tool_sees_the_tools_events() {
    let mut snoop = Traced::spawn_command({
        let mut command = Command::new(tool("bpfbox"));
        command.args(["opensnoop", "-n", "cat"]);
        command
    });
    snoop.expect_line("opensnoop's header", |l| l.starts_with("PID "));
    let path = unique_path("opened");
    std::fs::write(&path, "x").unwrap();
    let pid = run_workload("cat", &[path.to_str().unwrap()]);
    snoop.expect_line("cat opening the file", |l| {
        columns(l)[0] == pid.to_string() && l.ends_with(path.to_str().unwrap())
    });
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn no_tool_or_an_unknown_one_is_a_usage_error() {
    for args in [&[][..], &["nosuchtool"], &["--no-such-option"]] {
        let out = run("bpfbox", args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(stderr.starts_with("bpfbox: "), "{stderr}");
        assert!(stderr.lines().last().unwrap().starts_with("Usage: bpfbox"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}
