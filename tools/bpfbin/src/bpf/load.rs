//! Loading a tool's embedded eBPF object and attaching its programs, with
//! errors a person can act on.

use std::{
    ops::{Deref, DerefMut},
    os::{fd::AsFd, unix::ffi::OsStrExt},
    path::Path,
};

use aya::{
    Ebpf, EbpfError, EbpfLoader, Pod,
    maps::MapError,
    programs::{KProbe, ProbeKind, Program, ProgramError, TracePoint, UProbe},
};

use crate::{
    bpf::perf_event::{PerfEvent, Pmu},
    error::{Error, Result},
    kernel::tracefs::{Syscall, Tracefs},
};

/// Every tool's object has one read-only global of this name: its filters and
/// the kernel layouts resolved at load time.
const CONFIG: &str = "CONFIG";
/// The ring buffer every tool's object sends its events through.
pub(crate) const EVENTS: &str = "EVENTS";

/// A loaded eBPF object and the events its programs are attached to, as a
/// libbpf skeleton holds its links: they detach when it is dropped.
pub struct Loaded {
    /// Declared first to be dropped first: detached before unloaded.
    attached: Vec<PerfEvent>,
    ebpf: Ebpf,
}

impl Deref for Loaded {
    type Target = Ebpf;

    fn deref(&self) -> &Ebpf {
        &self.ebpf
    }
}

impl DerefMut for Loaded {
    fn deref_mut(&mut self) -> &mut Ebpf {
        &mut self.ebpf
    }
}

/// Loads `object` with `config` as its `CONFIG` global; `events_bytes`
/// resizes its `EVENTS` ring buffer (a power of two) for large events.
pub fn load<C: Pod>(object: &[u8], config: &C, events_bytes: Option<u32>) -> Result<Loaded> {
    load_resized(object, config, events_bytes.map(|bytes| (EVENTS, bytes)).as_slice())
}

/// Loads `object` as `load` does, with each map named in `max_entries`
/// given that many entries: options that size a tool's maps, as libbpf-tools
/// set them with bpf_map__set_max_entries().
pub fn load_resized<C: Pod>(object: &[u8], config: &C, max_entries: &[(&str, u32)]) -> Result<Loaded> {
    raise_memlock_limit();
    let mut loader = EbpfLoader::new();
    loader.override_global(CONFIG, config, true);
    for &(map, entries) in max_entries {
        loader.map_max_entries(map, entries);
    }
    let ebpf = loader.load(object).map_err(|err| load_error(err, max_entries))?;
    Ok(Loaded { attached: Vec::new(), ebpf })
}

/// Loads an `object` without a `CONFIG` global: one with nothing to filter
/// and no kernel layout to learn.
pub fn load_unconfigured(object: &[u8]) -> Result<Loaded> {
    raise_memlock_limit();
    let ebpf = EbpfLoader::new().load(object).map_err(|err| load_error(err, &[]))?;
    Ok(Loaded { attached: Vec::new(), ebpf })
}

/// Why the kernel refused to create a map, in words: a kernel before 5.8
/// does not know the ring buffer map type and refuses `EVENTS` with EINVAL,
/// and a map resized by an option can be more than the kernel allows
/// (E2BIG) or has memory for (ENOMEM).
fn load_error(err: EbpfError, max_entries: &[(&str, u32)]) -> Error {
    if let EbpfError::MapError(MapError::CreateError { name, io_error }) = &err {
        let errno = io_error.raw_os_error();
        if name == EVENTS && errno == Some(libc::EINVAL) {
            return Error::new(format!(
                "creating the {EVENTS} ring buffer: {io_error}: this kernel lacks the BPF ring buffer (it needs Linux 5.8 or later)"
            ));
        }
        if let Some((_, entries)) = max_entries.iter().find(|(map, _)| map == name)
            && matches!(errno, Some(libc::E2BIG | libc::ENOMEM))
        {
            return Error::new(format!(
                "creating map {name} with {entries} entries: {io_error}: more than this kernel allows or has memory for"
            ));
        }
    }
    Error::context("loading the eBPF object", err)
}

/// Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK, often 64 KiB on
/// boards; lift it as libbpf-tools do. Newer kernels ignore it.
fn raise_memlock_limit() {
    let unlimited = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: a valid rlimit for the calling process.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } != 0 {
        log::debug!("raising RLIMIT_MEMLOCK: {}", std::io::Error::last_os_error());
    }
}

/// Loads the program named like the tracepoint and attaches it to
/// `category:name`, for as long as `loaded` lives.
pub fn attach_tracepoint(loaded: &mut Loaded, category: &str, name: &str) -> Result<()> {
    let id = Tracefs::open()?.id(category, name)?;
    let program: &mut TracePoint = find_program(loaded, name)?;
    program.load().map_err(|err| rejected(name, err))?;
    let fd = program.fd().map_err(|err| Error::context(format_args!("program {name}"), err))?;
    let event = PerfEvent::tracepoint(fd.as_fd(), id)
        .map_err(|err| Error::context(format_args!("attaching to tracepoint {category}:{name}"), err))?;
    loaded.attached.push(event);
    log::debug!("attached {category}:{name}");
    Ok(())
}

/// Attaches the programs of each syscall's enter and exit tracepoints.
pub fn attach_syscalls(loaded: &mut Loaded, syscalls: &[Syscall]) -> Result<()> {
    for syscall in syscalls {
        attach_tracepoint(loaded, "syscalls", &syscall.enter)?;
        attach_tracepoint(loaded, "syscalls", &syscall.exit)?;
    }
    Ok(())
}

/// Loads the kprobe or kretprobe program `name` and attaches it to the
/// kernel function `function`, for as long as `loaded` lives.
pub fn attach_kprobe(loaded: &mut Loaded, name: &str, function: &str) -> Result<()> {
    let program: &mut KProbe = find_program(loaded, name)?;
    program.load().map_err(|err| rejected(name, err))?;
    let retprobe = matches!(program.kind(), ProbeKind::Return);
    let fd = program.fd().map_err(|err| Error::context(format_args!("program {name}"), err))?;
    let event = PerfEvent::probe(fd.as_fd(), Pmu::Kprobe, function.as_bytes(), 0, retprobe, None).map_err(|err| {
        if !Pmu::Kprobe.exists() {
            return Error::new(format!(
                "cannot probe kernel function {function}: this kernel has no kprobes (it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)"
            ));
        }
        Error::context(
            format_args!("attaching a kprobe to kernel function {function} (missing on this kernel, or not probeable)"),
            err,
        )
    })?;
    loaded.attached.push(event);
    log::debug!("attached {name} to kernel function {function}");
    Ok(())
}

/// Loads the uprobe or uretprobe `program` and attaches it at `offset`, a file
/// offset in the ELF file `target` (`symbols::uprobe::Elf` finds it), for
/// process `pid` or else every process, for as long as `loaded` lives.
pub fn attach_uprobe(loaded: &mut Loaded, program: &str, target: &Path, offset: u64, pid: Option<u32>) -> Result<()> {
    let probe: &mut UProbe = find_program(loaded, program)?;
    probe.load().map_err(|err| rejected(program, err))?;
    let retprobe = matches!(probe.kind(), ProbeKind::Return);
    let fd = probe.fd().map_err(|err| Error::context(format_args!("program {program}"), err))?;
    let path = target.as_os_str().as_bytes();
    let pid = pid.filter(|&pid| pid != 0);
    let event = PerfEvent::probe(fd.as_fd(), Pmu::Uprobe, path, offset, retprobe, pid).map_err(|err| {
        if !Pmu::Uprobe.exists() {
            return Error::new(format!(
                "cannot probe {}: this kernel has no uprobes (it needs CONFIG_UPROBES and CONFIG_UPROBE_EVENTS)",
                target.display()
            ));
        }
        Error::context(format_args!("attaching a uprobe to {} at offset {offset:#x}", target.display()), err)
    })?;
    loaded.attached.push(event);
    log::debug!("attached {program} to {}:{offset:#x}", target.display());
    Ok(())
}

/// The program `name` of the object, as the type its section makes it.
fn find_program<'a, P>(loaded: &'a mut Loaded, name: &str) -> Result<&'a mut P>
where
    &'a mut P: TryFrom<&'a mut Program, Error = ProgramError>,
{
    loaded
        .program_mut(name)
        .ok_or_else(|| Error::new(format!("the eBPF object has no program {name}")))?
        .try_into()
        .map_err(|err| Error::context(format_args!("program {name}"), err))
}

/// The verifier's log is long: it goes to the debug log (`-v`), the error stays one line.
fn rejected(name: &str, err: ProgramError) -> Error {
    match err {
        ProgramError::LoadError { io_error, verifier_log } => {
            log::debug!("verifier log of {name}:\n{verifier_log}");
            let err = Error::context(format_args!("the kernel refused program {name}"), io_error);
            Error::new(format!("{} (-v shows the verifier log)", err.message().unwrap_or_default()))
        }
        err => Error::context(format_args!("loading program {name}"), err),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    fn create_error(name: &str, errno: i32) -> EbpfError {
        EbpfError::MapError(MapError::CreateError { name: name.into(), io_error: io::Error::from_raw_os_error(errno) })
    }

    #[test]
    fn an_unknown_ring_buffer_map_type_names_the_kernel_version() {
        let err = load_error(create_error(EVENTS, libc::EINVAL), &[]);
        assert_eq!(
            err.message(),
            Some(
                "creating the EVENTS ring buffer: Invalid argument (os error 22): this kernel lacks the BPF ring buffer (it needs Linux 5.8 or later)"
            )
        );
    }

    #[test]
    fn other_map_creation_errors_keep_their_cause() {
        let err = load_error(create_error("COUNTS", libc::EINVAL), &[("COUNTS", 10)]);
        assert_eq!(
            err.message(),
            Some("loading the eBPF object: map error: failed to create map `COUNTS`: Invalid argument (os error 22)")
        );
        let err = load_error(create_error(EVENTS, libc::EPERM), &[]);
        let message = err.message().unwrap();
        assert!(message.contains("failed to create map `EVENTS`: Operation not permitted"), "{message}");
        assert!(message.contains("run as root"), "{message}");
    }

    #[test]
    fn a_resized_map_the_kernel_refuses_names_its_size() {
        let resized = [("STACKS", 1 << 20)];
        for errno in [libc::E2BIG, libc::ENOMEM] {
            let message = load_error(create_error("STACKS", errno), &resized).message().unwrap().to_owned();
            assert!(message.starts_with("creating map STACKS with 1048576 entries: "), "{message}");
            assert!(message.ends_with(": more than this kernel allows or has memory for"), "{message}");
        }
        // A map left at its own size keeps aya's words.
        let message = load_error(create_error("SEEN", libc::ENOMEM), &resized).message().unwrap().to_owned();
        assert!(message.starts_with("loading the eBPF object: "), "{message}");
    }
}
