//! The synchronous event loop: wait on the ring buffer, hand each record to
//! the tool, stop on SIGINT/SIGTERM or when the duration is up, and report
//! records the kernel had to drop; and the interval loop of the tools that
//! print summaries instead.

use std::{
    io,
    os::fd::AsRawFd,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use aya::{
    Ebpf, Pod,
    maps::{MapData, PerCpuArray, RingBuf},
};

use crate::{
    bpf::{load::EVENTS, maps::take_all},
    error::{Error, Result},
    output::{Output, write_error},
};

/// Per-CPU count of records that did not fit in `EVENTS`.
const LOST: &str = "LOST";

/// Longest wait between checks of the stop flag and the lost counter.
const TICK: Duration = Duration::from_millis(250);

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// SIGINT and SIGTERM end the loop (or `sleep_until`) instead of the process;
/// the tool then detaches and prints its summary.
pub fn stop_on_signals() -> Result<()> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic; no SA_RESTART, so the
        // wait in poll(2) returns at once.
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = request_stop as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(Error::context("installing signal handlers", io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Sleeps until `deadline` (`None`: no end) or until SIGINT or SIGTERM,
/// once `stop_on_signals` is set up: the wait of tools that print a summary
/// per interval rather than events. Whether a signal ended it.
pub fn sleep_until(deadline: Option<Instant>) -> bool {
    while !STOP.load(Ordering::Relaxed) {
        let left = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => TICK,
        };
        if left.is_zero() {
            return false;
        }
        // poll(2) on no descriptors rather than nanosleep: a signal ends it
        // at once, and funclatency timing the kernel's nanosleep neither
        // times its own waits nor holds the kretprobe instance that a kernel
        // like Debian's 5.10 (no CONFIG_PREEMPTION) keeps per CPU: one on a
        // one-CPU machine, which every other sleeper's return then misses.
        let ms = left.min(TICK).as_micros().div_ceil(1000) as libc::c_int;
        // SAFETY: no descriptors: the call only waits.
        unsafe { libc::poll(std::ptr::null_mut(), 0, ms) };
    }
    true
}

/// The loop of libbpf-tools' histogram tools: every `interval` seconds,
/// `count` times (by default once, at Ctrl-C), take every histogram out of
/// the kernel's hash map `map` and `print` them, sorted by key. Call
/// `stop_on_signals` before the header, so Ctrl-C from then on ends the wait
/// with the summary.
pub fn every_interval<K: Pod + Ord, V: Pod>(
    out: &mut Output,
    map: &MapData,
    interval: Option<u32>,
    count: Option<u32>,
    mut print: impl FnMut(&mut Output, &[(K, V)]) -> io::Result<()>,
) -> Result<()> {
    let interval = interval.map(|s| Duration::from_secs(s.into()));
    let mut next = Instant::now();
    let mut left = count;
    loop {
        let deadline = interval.map(|interval| {
            next += interval;
            next
        });
        let stopped = sleep_until(deadline);
        let mut hists = take_all::<K, V>(map)?;
        hists.sort_unstable_by_key(|hist| hist.0);
        print(out, &hists).map_err(write_error)?;
        out.flush()?;
        left = left.map(|n| n.saturating_sub(1));
        if stopped || left == Some(0) {
            return Ok(());
        }
    }
}

/// The event `T` at the start of a ring buffer record, if the record is long
/// enough. Records are 8-byte aligned, but a copy costs nothing and needs no
/// proof of alignment.
pub fn read_event<T: Pod>(record: &[u8]) -> Option<T> {
    (record.len() >= size_of::<T>())
        // SAFETY: enough bytes, and any bytes are a valid T (Pod).
        .then(|| unsafe { record.as_ptr().cast::<T>().read_unaligned() })
}

pub struct Events {
    ring: RingBuf<MapData>,
    lost: PerCpuArray<MapData, u64>,
    lost_reported: u64,
}

impl Events {
    /// Takes the `EVENTS` ring buffer and `LOST` counter from a loaded
    /// object. From here on SIGINT and SIGTERM stop the loop instead of the
    /// process, so a Ctrl-C right after the header still detaches cleanly.
    pub fn new(ebpf: &mut Ebpf) -> Result<Self> {
        stop_on_signals()?;
        let mut map =
            |name: &str| ebpf.take_map(name).ok_or_else(|| Error::new(format!("the eBPF object has no map {name}")));
        let ring = RingBuf::try_from(map(EVENTS)?).map_err(|err| Error::context(EVENTS, err))?;
        let lost = PerCpuArray::try_from(map(LOST)?).map_err(|err| Error::context(LOST, err))?;
        Ok(Self { ring, lost, lost_reported: 0 })
    }

    /// Calls `handle` for each record until a signal arrives or `duration`
    /// has passed. A closed output ends the loop quietly.
    pub fn run(
        &mut self,
        duration: Option<Duration>,
        out: &mut Output,
        mut handle: impl FnMut(&mut Output, &[u8]) -> io::Result<()>,
    ) -> Result<()> {
        let deadline = duration.map(|d| Instant::now() + d);
        loop {
            let wait = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left.min(TICK),
                    _ => break,
                },
                None => TICK,
            };
            if STOP.load(Ordering::Relaxed) {
                break;
            }
            self.wait(wait)?;
            self.drain(out, &mut handle)?;
            self.report_lost();
        }
        self.drain(out, &mut handle)?;
        self.report_lost();
        Ok(())
    }

    fn wait(&self, timeout: Duration) -> Result<()> {
        let mut fd = libc::pollfd { fd: self.ring.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut fd, 1, timeout.as_millis() as libc::c_int) };
        let err = io::Error::last_os_error();
        if rc < 0 && err.kind() != io::ErrorKind::Interrupted {
            return Err(Error::context("waiting for events", err));
        }
        Ok(())
    }

    fn drain(&mut self, out: &mut Output, handle: &mut impl FnMut(&mut Output, &[u8]) -> io::Result<()>) -> Result<()> {
        while let Some(record) = self.ring.next() {
            handle(out, &record).map_err(write_error)?;
        }
        out.flush()
    }

    /// Says on stderr how many records the kernel dropped since the last report.
    fn report_lost(&mut self) {
        let Ok(per_cpu) = self.lost.get(&0, 0) else { return };
        let total: u64 = per_cpu.iter().sum();
        if total > self.lost_reported {
            eprintln!("Lost {} events", total - self.lost_reported);
            self.lost_reported = total;
        }
    }
}
