//! Tracepoints, kprobes and uprobes opened as perf events (probes on the
//! kernel's `kprobe` and `uprobe` PMUs, Linux 4.17+), with a loaded program
//! attached: the attach aya's `attach` methods make, without their link
//! bookkeeping, tracefs fallbacks and symbol lookups, which every tool would
//! carry (see docs/design.md).

use std::{
    ffi::CString,
    fs, io,
    os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd},
    path::Path,
};

// From the kernel's uapi/linux/perf_event.h.
const PERF_TYPE_TRACEPOINT: u32 = 2;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;
/// `_IO('$', 0)`
const PERF_EVENT_IOC_ENABLE: u32 = 0x2400;
/// `_IOW('$', 8, __u32)`
const PERF_EVENT_IOC_SET_BPF: u32 = 0x4004_2408;

/// The kind of probe, as the PMU the kernel offers for it.
#[derive(Clone, Copy)]
pub enum Pmu {
    /// At a kernel function: `name` is the function, `offset` into it.
    Kprobe,
    /// In an ELF file: `name` is its path, `offset` a file offset.
    Uprobe,
}

impl Pmu {
    /// Where the kernel describes the PMU: its type, and which `config` bit
    /// asks for a return probe.
    fn dir(self) -> &'static str {
        match self {
            Self::Kprobe => "/sys/bus/event_source/devices/kprobe",
            Self::Uprobe => "/sys/bus/event_source/devices/uprobe",
        }
    }

    /// Whether this kernel has the PMU (CONFIG_KPROBE_EVENTS,
    /// CONFIG_UPROBE_EVENTS).
    pub fn exists(self) -> bool {
        Path::new(self.dir()).exists()
    }

    fn read(self, file: &str) -> io::Result<String> {
        fs::read_to_string(format!("{}/{file}", self.dir()))
    }

    fn malformed(self, file: &str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("unexpected contents in {}/{file}", self.dir()))
    }

    fn pmu_type(self) -> io::Result<u32> {
        self.read("type")?.trim().parse().map_err(|_| self.malformed("type"))
    }

    /// The `config` bit of a return probe: `format/retprobe` reads `config:N`.
    fn retprobe_bit(self) -> io::Result<u32> {
        let format = self.read("format/retprobe")?;
        let bit = format.trim().strip_prefix("config:").and_then(|bit| bit.parse().ok());
        bit.filter(|&bit| bit < 64).ok_or_else(|| self.malformed("format/retprobe"))
    }
}

/// The first fields of `struct perf_event_attr`, up to `config2`
/// (`PERF_ATTR_SIZE_VER1`): all a probe needs.
#[repr(C)]
#[derive(Default)]
struct PerfEventAttr {
    pmu_type: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_events: u32,
    bp_type: u32,
    /// For a probe: a pointer to its NUL-terminated name.
    config1: u64,
    /// For a probe: its offset.
    config2: u64,
}

impl PerfEventAttr {
    fn new() -> Self {
        Self { size: size_of::<Self>() as u32, ..Self::default() }
    }
}

/// An open perf event with a program attached; dropping it detaches the
/// program (and removes a probe).
#[must_use = "the program is detached when this is dropped"]
pub struct PerfEvent {
    /// Held for its drop: closing the event detaches the program.
    _event: OwnedFd,
}

impl PerfEvent {
    /// Runs `program` (a loaded tracepoint program) on each hit of the
    /// tracepoint numbered `id` (its tracefs `id` file).
    pub fn tracepoint(program: BorrowedFd<'_>, id: u64) -> io::Result<Self> {
        let attr = PerfEventAttr { pmu_type: PERF_TYPE_TRACEPOINT, config: id, ..PerfEventAttr::new() };
        Self::open(program, &attr, None)
    }

    /// Places a probe of kind `pmu`, or with `retprobe` a return probe, at
    /// `name` and `offset` (see `Pmu`), for process `pid` or else every
    /// process, and runs `program` (a loaded kprobe-type program) on each hit.
    pub fn probe(
        program: BorrowedFd<'_>,
        pmu: Pmu,
        name: &[u8],
        offset: u64,
        retprobe: bool,
        pid: Option<u32>,
    ) -> io::Result<Self> {
        let name = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let attr = PerfEventAttr {
            pmu_type: pmu.pmu_type()?,
            config: if retprobe { 1 << pmu.retprobe_bit()? } else { 0 },
            config1: name.as_ptr() as u64,
            config2: offset,
            ..PerfEventAttr::new()
        };
        // `name` lives until the kernel has read it, in open.
        Self::open(program, &attr, pid)
    }

    fn open(program: BorrowedFd<'_>, attr: &PerfEventAttr, pid: Option<u32>) -> io::Result<Self> {
        // As aya and libbpf open it: with no process, on one CPU. A program
        // on a tracepoint or probe runs wherever it hits; the CPU only
        // scopes perf samples.
        let (pid, cpu) = match pid {
            Some(pid) => (pid as libc::pid_t, -1),
            None => (-1, 0),
        };
        // SAFETY: `attr` is a valid perf_event_attr of the size it gives, and
        // what it points to outlives the call; the kernel returns a new fd or -1.
        let fd = unsafe {
            libc::syscall(libc::SYS_perf_event_open, attr as *const PerfEventAttr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a new fd that nothing else owns.
        let event = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
        ioctl(&event, PERF_EVENT_IOC_SET_BPF, program.as_raw_fd())?;
        ioctl(&event, PERF_EVENT_IOC_ENABLE, 0)?;
        Ok(Self { _event: event })
    }
}

fn ioctl(event: &OwnedFd, request: u32, arg: libc::c_int) -> io::Result<()> {
    // SAFETY: a perf event fd, and a request that takes an int argument.
    if unsafe { libc::ioctl(event.as_raw_fd(), request as libc::Ioctl, arg) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
