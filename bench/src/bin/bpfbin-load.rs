//! bpfbin-load: the workload of scripts/bench.sh.
//!
//! Static (musl) on purpose: a dynamically linked workload would open its
//! loader cache and libc before main, opens a tracer would count as events.
//! This one makes no system call it was not asked for.
//!
//!   bpfbin-load open [-d SECS] [-r RATE] PATH
//!       Reads commands from stdin, one byte each: `p` opens PATH once (a
//!       probe: has a tracer attached yet?), `g` opens and closes PATH as
//!       fast as it can (or RATE times a second) for SECS seconds (default
//!       3) and prints `ops N secs S`; end of input exits.
//!   bpfbin-load poke
//!       One event of each kind the tools trace (open, stat, fdatasync, a
//!       signal, a failed umount, exec and exit), then exits.

use std::{
    ffi::{CString, OsString},
    io::Read,
    os::unix::ffi::OsStringExt,
    process::{Command, ExitCode},
    thread,
    time::{Duration, Instant},
};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let result = match args.first().and_then(|a| a.to_str()) {
        Some("open") => open_loop(&args[1..]),
        Some("poke") => poke(),
        // The child poke execs: its exec and exit are the events.
        Some("exit") => Ok(()),
        _ => Err("usage: bpfbin-load open [-d SECS] [-r RATE] PATH | bpfbin-load poke".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bpfbin-load: {err}");
            ExitCode::FAILURE
        }
    }
}

fn number(flag: &str, value: Option<&OsString>) -> Result<f64, String> {
    value
        .and_then(|v| v.to_str())
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("{flag} needs a number >= 0"))
}

fn open_loop(args: &[OsString]) -> Result<(), String> {
    let (mut secs, mut rate, mut path) = (3.0, 0.0, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-d") => secs = number("-d", args.next())?,
            Some("-r") => rate = number("-r", args.next())?,
            _ if path.is_none() => path = Some(arg.clone()),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let path = path.ok_or("open needs a PATH")?;
    let path = CString::new(path.into_vec()).map_err(|_| "PATH has a NUL byte")?;
    let duration = Duration::from_secs_f64(secs);

    let mut stdin = std::io::stdin().lock();
    let mut command = [0u8];
    loop {
        match stdin.read(&mut command) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(err) => return Err(format!("reading stdin: {err}")),
        }
        match command[0] {
            b'p' => open_close(&path)?,
            b'g' => {
                let (ops, took) = run(&path, duration, rate)?;
                println!("ops {ops} secs {:.6}", took.as_secs_f64());
            }
            _ => {}
        }
    }
}

/// openat(2) itself rather than open(3): musl's open() is open(2) on x86_64
/// and openat(2) elsewhere; this way every target makes the same call.
fn open_close(path: &CString) -> Result<(), String> {
    // SAFETY: a valid NUL-terminated path; the descriptor is ours to close.
    let fd = unsafe {
        libc::syscall(libc::SYS_openat, libc::AT_FDCWD, path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC)
    };
    if fd < 0 {
        return Err(format!("opening {path:?}: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: closing the descriptor just opened.
    unsafe { libc::close(fd as libc::c_int) };
    Ok(())
}

fn run(path: &CString, duration: Duration, rate: f64) -> Result<(u64, Duration), String> {
    let start = Instant::now();
    let mut ops = 0u64;
    loop {
        let now = start.elapsed();
        if now >= duration {
            break;
        }
        if rate > 0.0 {
            // Paced from the start, not from the last op: a slow op is made
            // up for instead of lowering the rate.
            let due = Duration::from_secs_f64(ops as f64 / rate);
            if due >= duration {
                break;
            }
            if due > now {
                thread::sleep(due - now);
            }
        }
        open_close(path)?;
        ops += 1;
    }
    Ok((ops, start.elapsed()))
}

fn poke() -> Result<(), String> {
    let fail = |what: &str| format!("{what}: {}", std::io::Error::last_os_error());
    let null = c"/dev/null";
    // SAFETY (all calls below): valid NUL-terminated paths and our own fd.
    let fd = unsafe { libc::open(null.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(fail("opening /dev/null"));
    }
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    unsafe {
        libc::stat(null.as_ptr(), &mut st);
        // Fails on a character device (EINVAL), but is traced on entry.
        libc::fdatasync(fd);
        libc::close(fd);
        // Ignored by default: a signal generated, and nothing happens.
        libc::kill(libc::getpid(), libc::SIGURG);
        // procfs has no such directory, so this fails with ENOENT and
        // unmounts nothing; it is traced all the same.
        libc::umount2(c"/proc/self/bpfbin-bench-no-such-mount".as_ptr(), 0);
    }
    // Exec the file itself, not /proc/self/exe, so that the child's comm is
    // this program's name, which the harness looks for.
    let exe = std::fs::read_link("/proc/self/exe").map_err(|err| format!("/proc/self/exe: {err}"))?;
    let status = Command::new(&exe).arg("exit").status().map_err(|err| format!("running {}: {err}", exe.display()))?;
    if !status.success() {
        return Err(format!("{} exit: {status}", exe.display()));
    }
    Ok(())
}
