//! bashreadline attached to this machine's bash, seeing lines typed into an
//! interactive bash on a pseudo-terminal.

use std::{
    fs,
    io::{BufRead, BufReader, Write},
    os::unix::fs::PermissionsExt,
    process::{Child, ChildStdin, Command, Stdio},
    time::Duration,
};

use bpfbin_tests::{Traced, run, tool, unique_path};

/// Runs its arguments (`bash -i`) on a pseudo-terminal and prints the
/// shell's PID once it waits at its first prompt; then types each hex-encoded
/// line read on stdin (then Enter), each at a prompt. When stdin closes it
/// types `exit` and waits for the shell.
const DRIVER: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PS1="READY> ", HISTFILE="/dev/null", TERM="dumb")
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b""
def prompt():
    global seen
    while b"READY> " not in seen:
        seen += os.read(fd, 4096)
    seen = seen.split(b"READY> ", 1)[1]
prompt()
print(pid, flush=True)
for line in sys.stdin:
    os.write(fd, bytes.fromhex(line.strip()) + b"\r")
    prompt()
os.write(fd, b"exit\r")
try:
    while os.read(fd, 4096):
        pass
except OSError:
    pass
os.waitpid(pid, 0)
"#;

/// An interactive shell, typed into line by line.
struct Shell {
    driver: Child,
    input: Option<ChildStdin>,
    pid: u32,
}

impl Shell {
    fn bash() -> Self {
        Self::start(&["bash", "--norc", "--noprofile", "-i"])
    }

    fn start(argv: &[&str]) -> Self {
        let mut driver = Command::new("python3")
            .args(["-c", DRIVER])
            .args(argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut pid = String::new();
        BufReader::new(driver.stdout.take().unwrap()).read_line(&mut pid).unwrap();
        let pid = pid.trim().parse().expect("the shell's PID from the driver");
        let input = driver.stdin.take();
        Self { driver, input, pid }
    }

    /// Types `line` at the next prompt and presses Enter.
    fn type_line(&mut self, line: &[u8]) {
        let hex: String = line.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(self.input.as_mut().unwrap(), "{hex}").unwrap();
    }

    /// Types `exit` and waits for the shell to end.
    fn exit(mut self) {
        drop(self.input.take());
        assert!(self.driver.wait().unwrap().success(), "the pty driver failed");
    }
}

/// A command line no other shell on this machine types.
fn unique_line() -> String {
    format!("echo {}", unique_path("line").file_name().unwrap().to_str().unwrap())
}

#[test]
fn sees_the_line_with_the_shell_pid_in_libbpf_tools_columns() {
    // The shell waits in readline before the tool starts: its first line is
    // seen all the same (libbpf-tools probes readline_internal_teardown for
    // that: a uretprobe on readline would miss the call already under way).
    let mut shell = Shell::bash();
    let mut snoop = Traced::start("bashreadline", &[]);
    assert_eq!(snoop.settle(Duration::ZERO)[0], "TIME      PID     COMMAND");
    let typed = unique_line();
    shell.type_line(typed.as_bytes());
    let line = snoop.expect_line("the typed line", |l| l.ends_with(&typed));
    // printf("%-9s %-7d %s\n", HH:MM:SS, pid, line)
    let time = &line[..8];
    assert!(time.bytes().enumerate().all(|(i, c)| if i == 2 || i == 5 { c == b':' } else { c.is_ascii_digit() }));
    assert_eq!(line, format!("{time}  {:<7} {typed}", shell.pid));
    shell.exit();
    let done = snoop.interrupt();
    assert!(done.status.success(), "{:?} {}", done.status, done.stderr);
}

#[test]
fn json_carries_the_exact_line_and_pid() {
    let mut snoop = Traced::start("bashreadline", &["--json"]);
    let mut shell = Shell::bash();
    let typed = unique_line();
    shell.type_line(typed.as_bytes());
    let line = snoop.expect_line("the typed line", |l| l.contains(&typed));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["command"], typed.as_str());
    assert_eq!(event["pid"], shell.pid);
    assert!(event["ts_us"].as_u64().unwrap() > 1_600_000_000_000_000);
    shell.exit();
}

#[test]
fn control_characters_in_a_line_are_printed_escaped() {
    let mut snoop = Traced::start("bashreadline", &[]);
    let mut json = Traced::start("bashreadline", &["--json"]);
    let mut shell = Shell::bash();
    let typed = unique_line();
    // Ctrl-V (quoted-insert) makes readline take the next byte literally:
    // the line holds ESC [31m and a carriage return.
    shell.type_line(format!("{typed} \x16\x1b[31mred\x16\rend").as_bytes());
    let line = snoop.expect_line("the typed line", |l| l.contains(&typed));
    assert!(line.ends_with(&format!("{typed} \\x1b[31mred\\rend")), "{line:?}");
    let line = json.expect_line("the typed line", |l| l.contains(&typed));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(event["command"], format!("{typed} \x1b[31mred\rend"));
    assert!(line.contains("\\u001b[31mred\\rend"), "{line}");
    shell.exit();
}

#[test]
fn long_lines_are_cut_as_in_libbpf_tools() {
    let mut snoop = Traced::start("bashreadline", &["--json"]);
    let mut shell = Shell::bash();
    let typed = format!("{} {}", unique_line(), "x".repeat(100));
    shell.type_line(typed.as_bytes());
    let line = snoop.expect_line("the typed line", |l| l.contains(&typed[..40]));
    let event: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    // MAX_LINE_SIZE is 80, NUL included.
    assert_eq!(event["command"], &typed[..79]);
    shell.exit();
}

#[test]
fn shared_names_the_file_to_probe() {
    let mut snoop = Traced::start("bashreadline", &["-s", "/bin/bash"]);
    let mut shell = Shell::bash();
    let typed = unique_line();
    shell.type_line(typed.as_bytes());
    snoop.expect_line("the typed line", |l| l.ends_with(&format!(" {typed}")));
    shell.exit();
}

/// Where /bin/bash really is: /bin is a link to /usr/bin on merged-/usr systems.
fn bin_dir() -> &'static str {
    if fs::symlink_metadata("/bin").unwrap().is_symlink() { "/usr/bin" } else { "/bin" }
}

#[test]
fn finds_the_libreadline_a_bash_links() {
    // A bash linked to a shared libreadline, made of what this machine has:
    // python's readline module, which imports readline from libreadline.so,
    // stands in for /bin/bash in a private mount namespace, and python,
    // started under the name bash, reads a line through that libreadline.
    let python = Command::new("python3")
        .args(["-c", "import os, readline, sys; print(readline.__file__); print(os.path.realpath(sys.executable))"])
        .output()
        .expect("run python3");
    let paths = String::from_utf8(python.stdout).unwrap();
    let (module, python) = paths.trim().split_once('\n').expect("python's readline module and executable");
    let dir = unique_path("fake-bash");
    fs::create_dir(&dir).unwrap();
    let fake_bash = dir.join("bash");
    std::os::unix::fs::symlink(python, &fake_bash).unwrap();
    // glibc's ldd is a bash script, which the stand-in cannot run: ask the
    // loader directly, as that script does.
    let ldd = dir.join("ldd");
    fs::write(&ldd, "#!/bin/sh\nexec /lib64/ld-linux-x86-64.so.2 --list \"$@\"\n").unwrap();
    fs::set_permissions(&ldd, fs::Permissions::from_mode(0o755)).unwrap();

    let mut unshare = Command::new("unshare");
    unshare
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!("mount --bind \"$1\" {}/bash && exec \"$0\" -v", bin_dir()))
        .args([tool("bashreadline").to_str().unwrap(), module])
        .env("PATH", format!("{}:{}", dir.display(), std::env::var("PATH").unwrap()));
    let mut snoop = Traced::spawn_command(unshare);
    snoop.expect_line("the header", |l| l == "TIME      PID     COMMAND");
    let script = "import readline\nwhile input('READY> ') != 'exit': pass";
    let mut shell = Shell::start(&[fake_bash.to_str().unwrap(), "-c", script]);
    let typed = unique_line();
    shell.type_line(typed.as_bytes());
    let line = snoop.expect_line("the typed line", |l| l.ends_with(&format!(" {typed}")));
    assert_eq!(line[10..].split_whitespace().next(), Some(shell.pid.to_string().as_str()), "{line}");
    shell.exit();
    let done = snoop.interrupt();
    let probed = done.stderr.lines().find(|l| l.contains("probing")).unwrap_or_default();
    assert!(probed.contains("/libreadline.so."), "-v: {probed}");
    fs::remove_dir_all(dir).unwrap();
}

/// One line on stderr, starting with the tool's name, with `expected` in it; status 1.
fn assert_one_line_error(args: &[&str], expected: &str) {
    let out = run("bashreadline", args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stderr.starts_with("bashreadline: ") && stderr.contains(expected), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn a_bad_shared_path_is_a_one_line_error() {
    let missing = unique_path("libreadline.so");
    assert_one_line_error(&["-s", missing.to_str().unwrap()], "No such file or directory");
    assert_one_line_error(&["-s", "/etc/passwd"], "/etc/passwd is not an ELF file");
    assert_one_line_error(&["-s", "/bin/true"], "could not find readline in /bin/true");
}

#[test]
fn without_bash_it_says_so_in_one_line() {
    // A private mount namespace where /bin/bash is gone (an empty bin directory).
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!("mount -t tmpfs none {} && exec \"$0\"", bin_dir()))
        .arg(tool("bashreadline"))
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "bashreadline: no bash at /bin/bash (busybox-only system?); give the readline library with -s\n"
    );
}

#[test]
fn unknown_flags_print_usage_and_exit_64() {
    for args in [&["--bogus"][..], &["-x"], &["-s"], &["-p", "1"]] {
        let out = run("bashreadline", args);
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("bashreadline: ") && stderr.contains("Usage: bashreadline"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn sigint_exits_promptly_with_status_0() {
    let snoop = Traced::start("bashreadline", &[]);
    let done = snoop.interrupt();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert!(done.took < Duration::from_secs(5), "took {:?}", done.took);
}
