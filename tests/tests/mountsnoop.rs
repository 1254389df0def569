//! mountsnoop attached to this machine's kernel, seeing real mounts: tmpfs
//! on fresh directories under /tmp, mounted and unmounted by python3 through
//! libc, so the flags and data the kernel sees are exactly the test's.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Traced, columns, run, run_workload, unique_path};

/// A directory to mount on, removed (and unmounted, should a test fail
/// half-way) when dropped.
struct MountPoint(PathBuf);

impl MountPoint {
    fn new(label: &str) -> Self {
        let dir = unique_path(label);
        fs::create_dir(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for MountPoint {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).stderr(Stdio::null()).status();
        let _ = fs::remove_dir(&self.0);
    }
}

/// The python3 program that runs `calls` (statements using `libc` and
/// `syscall`), for `run_workload` or a spawned process.
fn python_script(calls: &str) -> String {
    format!(
        "import ctypes\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         syscall = libc.syscall\n\
         syscall.restype = ctypes.c_long\n\
         {calls}\n"
    )
}

/// Runs `calls` in python3; returns its PID.
fn python(calls: &str) -> u32 {
    run_workload("python3", &["-c", &python_script(calls)])
}

/// python3 running `calls` once a line arrives on its stdin, so its PID is
/// known before it calls anything.
fn gated(calls: &str) -> (Child, u32) {
    let script = python_script(&format!("input()\n{calls}"));
    let child = Command::new("python3").args(["-c", &script]).stdin(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    (child, pid)
}

/// mount(2) of a tmpfs on `dir` with `flags` and `data`, then umount2(2) with `umount_flags`.
fn mount_umount(source: &str, dir: &str, flags: u64, data: &str, umount_flags: u32) -> u32 {
    python(&format!(
        "libc.mount({}, {}, b'tmpfs', ctypes.c_ulong({flags}), {})\n\
         libc.umount2({}, {umount_flags})",
        py_bytes(source),
        py_bytes(dir),
        py_bytes(data),
        py_bytes(dir),
    ))
}

/// The inode number of this process's mount namespace, as MNT_NS shows it.
fn my_mnt_ns() -> String {
    let link = fs::read_link("/proc/self/ns/mnt").unwrap();
    let link = link.to_str().unwrap();
    link.trim_start_matches("mnt:[").trim_end_matches(']').to_owned()
}

/// The CALL column: after COMM, PID, TID and MNT_NS (16, 7, 7 and 11 wide).
fn call(line: &str) -> &str {
    line.get(45..).unwrap_or_else(|| panic!("no CALL column: {line}"))
}

/// `text` as a python bytes literal, every byte escaped but letters and digits.
fn py_bytes(text: &str) -> String {
    let escaped: String = text
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("\\x{b:02x}") })
        .collect();
    format!("b'{escaped}'")
}

#[test]
fn header_has_the_libbpf_tools_columns() {
    let snoop = Traced::start("mountsnoop", &[]);
    assert_eq!(snoop.interrupt().stdout[0], "COMM             PID     TID     MNT_NS      CALL");
    let snoop = Traced::start("mountsnoop", &["-t"]);
    assert_eq!(snoop.interrupt().stdout[0], "TIME     COMM             PID     TID     MNT_NS      CALL");
}

#[test]
fn sees_a_mount_and_its_umount_with_pid_comm_namespace_and_arguments() {
    let dir = MountPoint::new("mnt");
    let source = format!("bpfbin-src-{}", std::process::id());
    let mut snoop = Traced::start("mountsnoop", &[]);
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOATIME;
    let pid = mount_umount(&source, dir.path(), flags, "size=1m,mode=700", libc::MNT_DETACH as u32);
    let mount = snoop.expect_line("the mount", |l| l.contains(&format!("\"{source}\"")));
    let pid = pid.to_string();
    assert_eq!(columns(&mount)[..4], ["python3", pid.as_str(), pid.as_str(), my_mnt_ns().as_str()], "{mount}");
    assert_eq!(
        call(&mount),
        format!(
            "mount(\"{source}\", \"{}\", \"tmpfs\", MS_NOSUID | MS_NODEV | MS_NOATIME, \"size=1m,mode=700\") = 0",
            dir.path()
        )
    );
    assert_eq!(mount.find(&pid), Some(17), "COMM is 16 wide: {mount}");
    let umount = snoop.expect_line("the umount", |l| l.contains(&format!("umount(\"{}\"", dir.path())));
    assert_eq!(columns(&umount)[..3], ["python3", pid.as_str(), pid.as_str()], "{umount}");
    assert_eq!(call(&umount), format!("umount(\"{}\", MNT_DETACH) = 0", dir.path()));
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

#[test]
fn the_mount_command_is_seen_too() {
    let dir = MountPoint::new("cmd");
    let mut snoop = Traced::start("mountsnoop", &[]);
    let mount = run_workload("mount", &["-t", "tmpfs", "-o", "ro,size=1m", "bpfbin-cmd", dir.path()]);
    let umount = run_workload("umount", &[dir.path()]);
    // mount(8) may use mount(2) or, with a newer libmount, fsopen(2) and
    // friends: either way its PID and the target show up.
    let line = snoop.expect_line("mount(8)", |l| columns(l).get(1) == Some(&mount.to_string().as_str()));
    assert_eq!(columns(&line)[0], "mount", "{line}");
    let line = snoop.expect_line("umount(8)", |l| l.contains(&format!("umount(\"{}\"", dir.path())));
    assert_eq!(columns(&line)[..2], ["umount", umount.to_string().as_str()], "{line}");
    assert!(call(&line).ends_with(") = 0"), "{line}");
}

#[test]
fn a_failed_mount_shows_its_negative_errno() {
    let missing = unique_path("missing");
    let dir = MountPoint::new("nofs");
    let mut snoop = Traced::start("mountsnoop", &[]);
    python(&format!(
        "libc.mount(b'bpfbin-a', {}, b'tmpfs', 0, None)\n\
         libc.mount(b'bpfbin-b', {}, b'bpfbin-no-such-fs', ctypes.c_ulong({}), None)",
        py_bytes(missing.to_str().unwrap()),
        py_bytes(dir.path()),
        libc::MS_RDONLY
    ));
    let line = snoop.expect_line("the mount on a missing directory", |l| l.contains("\"bpfbin-a\""));
    assert_eq!(call(&line), format!("mount(\"bpfbin-a\", \"{}\", \"tmpfs\", 0x0, \"\") = -ENOENT", missing.display()));
    let line = snoop.expect_line("the mount of an unknown type", |l| l.contains("\"bpfbin-b\""));
    assert!(line.ends_with("\"bpfbin-no-such-fs\", MS_RDONLY, \"\") = -ENODEV"), "{line}");
}

#[test]
fn detailed_output_has_one_line_per_field() {
    let dir = MountPoint::new("detail");
    let (mut target, pid) = gated(&format!(
        "libc.mount(b'bpfbin-detail', {}, b'tmpfs', ctypes.c_ulong({}), b'size=1m')\n\
         libc.umount2({}, 0)",
        py_bytes(dir.path()),
        libc::MS_RDONLY,
        py_bytes(dir.path())
    ));
    let mut snoop = Traced::spawn("mountsnoop", &["-d", "-p", &pid.to_string()]);
    // No header in this mode: give the loader a moment, as for --json.
    std::thread::sleep(Duration::from_millis(1500));
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    snoop.expect_line("the umount", |l| l == "OP:     UMOUNT");
    let seen = snoop.interrupt().stdout;
    let mnt_ns = format!("MNT_NS: {}", my_mnt_ns());
    let (pid, tid) = (format!("PID:    {pid}"), format!("TID:    {pid}"));
    let head = |op: &'static str| [pid.as_str(), tid.as_str(), "COMM:   python3", op, "RET:    0"];
    assert_eq!(seen[..5], head("OP:     MOUNT"), "{seen:#?}");
    let lat = seen[5].strip_prefix("LAT:    ").and_then(|l| l.strip_suffix("us"));
    assert!(lat.is_some_and(|us| us.parse::<u64>().is_ok()), "{seen:#?}");
    assert_eq!(seen[6], mnt_ns);
    let target = format!("TARGET: {}", dir.path());
    assert_eq!(
        seen[7..13],
        ["FS:     tmpfs", "SOURCE: bpfbin-detail", &target, "DATA:   size=1m", "FLAGS:  MS_RDONLY", ""],
        "{seen:#?}"
    );
    assert_eq!(seen[13..18], head("OP:     UMOUNT"), "{seen:#?}");
    assert_eq!(seen[19..], [mnt_ns.as_str(), &target, "FLAGS:  0x0", ""], "{seen:#?}");
}

#[test]
fn timestamps_lead_each_line() {
    let dir = MountPoint::new("time");
    let mut snoop = Traced::start("mountsnoop", &["-t"]);
    let pid = mount_umount("bpfbin-time", dir.path(), 0, "", 0);
    let line = snoop.expect_line("the mount", |l| l.contains("\"bpfbin-time\""));
    let cols = columns(&line);
    let time = cols[0].as_bytes();
    assert!(time.len() == 8 && time[2] == b':' && time[5] == b':', "{line}");
    assert_eq!(cols[1..3], ["python3", pid.to_string().as_str()], "{line}");
}

/// Whether this kernel traces the mount API of 5.2: fsopen(2) and the rest.
fn has_new_mount_api() -> bool {
    ["fsopen", "fsconfig", "fsmount", "move_mount"]
        .iter()
        .all(|call| Path::new(&format!("/sys/kernel/tracing/events/syscalls/sys_enter_{call}")).is_dir())
}

#[test]
fn the_new_mount_api_is_traced_where_the_kernel_has_it() {
    if !has_new_mount_api() {
        eprintln!("skipped: this kernel has no fsopen(2) tracepoints");
        return;
    }
    let dir = MountPoint::new("fsmount");
    let mut snoop = Traced::start("mountsnoop", &[]);
    let (fsopen, fsconfig) = (libc::SYS_fsopen, libc::SYS_fsconfig);
    let (fsmount, move_mount) = (libc::SYS_fsmount, libc::SYS_move_mount);
    let pid = python(&format!(
        "fs = syscall({fsopen}, b'tmpfs', 1)\n\
         syscall({fsconfig}, fs, 1, b'size', b'1m', 0)\n\
         syscall({fsconfig}, fs, 6, None, None, 0)\n\
         mnt = syscall({fsmount}, fs, 1, 0x12)\n\
         syscall({move_mount}, mnt, b'', -100, {}, 4)\n\
         libc.close(mnt)\n\
         libc.close(fs)\n\
         libc.umount2({}, 0)",
        py_bytes(dir.path()),
        py_bytes(dir.path())
    ))
    .to_string();
    let from = |l: &str| columns(l).get(1) == Some(&pid.as_str());
    let fsopen = snoop.expect_line("fsopen", |l| from(l) && l.contains("fsopen("));
    let fd = call(&fsopen).strip_prefix("fsopen(\"tmpfs\", FSOPEN_CLOEXEC) = ").expect(&fsopen).to_owned();
    assert!(fd.parse::<u32>().unwrap() > 2, "{fsopen}");
    let line = snoop.expect_line("fsconfig", |l| from(l) && l.contains("FSCONFIG_SET_STRING"));
    assert_eq!(call(&line), format!("fsconfig({fd}, \"FSCONFIG_SET_STRING\", \"size\", \"1m\", 0) = 0"));
    let line = snoop.expect_line("fsconfig create", |l| from(l) && l.contains("FSCONFIG_CMD_CREATE"));
    assert_eq!(call(&line), format!("fsconfig({fd}, \"FSCONFIG_CMD_CREATE\", \"\", \"\", 0) = 0"));
    let line = snoop.expect_line("fsmount", |l| from(l) && l.contains("fsmount("));
    let prefix = format!("fsmount({fd}, \"FSMOUNT_CLOEXEC\", \"MOUNT_ATTR_NOATIME | MOUNT_ATTR_NOSUID\") = ");
    let mnt = call(&line).strip_prefix(&prefix).expect(&line).to_owned();
    let line = snoop.expect_line("move_mount", |l| from(l) && l.contains("move_mount("));
    assert_eq!(
        call(&line),
        format!("move_mount({mnt}, \"\", AT_FDCWD, \"{}\", \"MOVE_MOUNT_F_EMPTY_PATH\") = 0", dir.path())
    );
    snoop.expect_line("the umount", |l| from(l) && l.contains(&format!("umount(\"{}\", 0x0) = 0", dir.path())));
}

#[test]
fn json_lines_carry_every_field() {
    let dir = MountPoint::new("json");
    let mut snoop = Traced::start("mountsnoop", &["--json"]);
    let flags = libc::MS_NOEXEC | libc::MS_SILENT;
    let pid = mount_umount("bpfbin-json\n\x1b", dir.path(), flags, "size=1m", 0);
    let line = snoop.expect_line("the mount", |l| l.contains("\"op\":\"MOUNT\"") && l.contains("bpfbin-json"));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["pid"], pid);
    assert_eq!(event["tid"], pid);
    assert_eq!(event["comm"], "python3");
    assert_eq!(event["mnt_ns"].to_string(), my_mnt_ns());
    assert_eq!(event["ret"], 0);
    assert_eq!(event["source"], "bpfbin-json\n\x1b");
    assert_eq!(event["target"], dir.path());
    assert_eq!(event["fs"], "tmpfs");
    assert_eq!(event["data"], "size=1m");
    assert_eq!(event["flags"], flags);
    assert_eq!(event["flag_names"], serde_json::json!(["MS_NOEXEC", "MS_SILENT"]));
    assert!(event["lat_ns"].as_u64().unwrap() > 0);
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    let line = snoop.expect_line("the umount", |l| l.contains("\"op\":\"UMOUNT\"") && l.contains(dir.path()));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!((event["flags"].as_u64(), event["flag_names"].as_array().map(Vec::len)), (Some(0), Some(0)));
}

#[test]
fn hostile_strings_are_escaped() {
    let dir = MountPoint::new("escape");
    let mut snoop = Traced::start("mountsnoop", &[]);
    mount_umount("bpfbin-esc\n\x1b[31m", dir.path(), 0, "a\tb", 0);
    let line = snoop.expect_line("the mount", |l| l.contains("bpfbin-esc"));
    assert!(line.contains("\"bpfbin-esc\\n\\x1b[31m\""), "{line}");
    assert!(line.contains("\"a\\tb\""), "{line}");
}

#[test]
fn pid_filter_keeps_only_that_process() {
    let mine = MountPoint::new("mine");
    let other = MountPoint::new("other");
    let (mut target, pid) = gated(&format!(
        "libc.mount(b'bpfbin-mine', {}, b'tmpfs', 0, None)\n\
         libc.umount2({}, 0)",
        py_bytes(mine.path()),
        py_bytes(mine.path())
    ));
    let pid = pid.to_string();
    let mut snoop = Traced::start("mountsnoop", &["-p", &pid]);
    mount_umount("bpfbin-other", other.path(), 0, "", 0);
    target.stdin.take().unwrap().write_all(b"go\n").unwrap();
    target.wait().unwrap();
    snoop.expect_line("the traced process's umount", |l| l.contains(&format!("umount(\"{}\"", mine.path())));
    let seen = snoop.settle(Duration::from_millis(500));
    assert_eq!(seen.len(), 3, "the header, the mount and the umount: {seen:?}");
    assert!(seen[1..].iter().all(|l| columns(l)[1] == pid), "other processes shown: {seen:?}");
}

#[test]
fn a_btf_file_that_cannot_be_read_is_an_error() {
    let out = run("mountsnoop", &["--btf", "/nonexistent/vmlinux"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mountsnoop: ") && stderr.contains("/nonexistent/vmlinux"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn unknown_flags_print_usage_and_exit_64() {
    for args in [&["--bogus"][..], &["-x"], &["-p", "0"], &["-p", "abc"], &["-p"]] {
        let out = run("mountsnoop", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("mountsnoop: ") && stderr.contains("Usage: mountsnoop"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("mountsnoop", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.stderr.is_empty(), "{}", done.stderr);
    // Detaching each syscall tracepoint waits out an RCU grace period: slow
    // on a loaded machine, hence more room than the poll tick needs.
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
