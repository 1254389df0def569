//! The kernel's tracing file system: which tracepoints exist on this kernel,
//! and where their fields sit (from each event's `format` file).

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use crate::error::{Error, Result};

const MOUNT_POINTS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

pub struct Tracefs {
    root: PathBuf,
}

impl Tracefs {
    /// Finds tracefs, mounting it at /sys/kernel/tracing when it is not
    /// mounted and this process may mount (boards often boot without it).
    pub fn open() -> Result<Self> {
        if let Some(root) = Self::find()? {
            return Ok(Self { root });
        }
        mount()?;
        Self::find()?.map(|root| Self { root }).ok_or_else(not_mounted)
    }

    fn find() -> Result<Option<PathBuf>> {
        for root in MOUNT_POINTS {
            let events = Path::new(root).join("events");
            match fs::metadata(&events) {
                Ok(meta) if meta.is_dir() => return Ok(Some(root.into())),
                // Mounted but closed to this user: say so, not "not mounted".
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                    return Err(Error::context(format_args!("reading {}", events.display()), err));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// Whether `category:name` exists on this kernel.
    pub fn has_event(&self, category: &str, name: &str) -> bool {
        self.root.join("events").join(category).join(name).is_dir()
    }

    /// The record layout of `category:name`.
    pub fn format(&self, category: &str, name: &str) -> Result<Format> {
        self.read(category, name, "format").map(|text| Format { text })
    }

    /// The number perf knows `category:name` by.
    pub fn id(&self, category: &str, name: &str) -> Result<u64> {
        let id = self.read(category, name, "id")?;
        id.trim().parse().map_err(|_| Error::new(format!("tracepoint {category}:{name} has no numeric id")))
    }

    /// A file of the event `category:name`.
    fn read(&self, category: &str, name: &str, file: &str) -> Result<String> {
        let path = self.root.join("events").join(category).join(name).join(file);
        fs::read_to_string(&path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => {
                Error::new(format!("tracepoint {category}:{name} does not exist on this kernel"))
            }
            _ => Error::context(format_args!("reading {}", path.display()), err),
        })
    }
}

/// A syscall whose `syscalls:sys_enter_<name>` and `sys_exit_<name>`
/// tracepoints this kernel has; the programs attached to them carry the
/// tracepoints' names.
pub struct Syscall {
    pub name: &'static str,
    pub enter: String,
    pub exit: String,
    /// Offset of `ret` in the exit record.
    pub exit_ret: u16,
}

impl Tracefs {
    /// Those of `names` this kernel traces (`open` is missing on arm64,
    /// `openat2` before 5.6, the `*64` calls on 64-bit kernels); an error
    /// naming `family` when it traces none.
    pub fn syscalls(&self, names: &[&'static str], family: &str) -> Result<Vec<Syscall>> {
        let mut present = Vec::new();
        for &name in names {
            let (enter, exit) = (format!("sys_enter_{name}"), format!("sys_exit_{name}"));
            if !self.has_event("syscalls", &enter) || !self.has_event("syscalls", &exit) {
                continue;
            }
            let exit_ret = self.format("syscalls", &exit)?.require("ret", &format!("syscalls:{exit}"))?;
            present.push(Syscall { name, enter, exit, exit_ret });
        }
        if present.is_empty() {
            return Err(Error::new(format!(
                "no syscalls:sys_enter_{family} tracepoints on this kernel (it needs CONFIG_FTRACE_SYSCALLS)"
            )));
        }
        Ok(present)
    }
}

/// What a person types to mount it where the tools look first.
const MOUNT_COMMAND: &str = "mount -t tracefs nodev /sys/kernel/tracing";

fn not_mounted() -> Error {
    Error::new(format!("tracefs is not mounted; mount it with: {MOUNT_COMMAND}"))
}

fn mount() -> Result<()> {
    // SAFETY: NUL-terminated literals; mount(2) only reads them.
    let rc = unsafe {
        libc::mount(c"nodev".as_ptr(), c"/sys/kernel/tracing".as_ptr(), c"tracefs".as_ptr(), 0, std::ptr::null())
    };
    if rc == 0 {
        log::debug!("mounted tracefs at /sys/kernel/tracing");
        Ok(())
    } else {
        Err(mount_error(io::Error::last_os_error()))
    }
}

/// Without CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON do not let it mount),
/// mounting fails with EPERM: root mounts it, or a person does beforehand.
fn mount_error(err: io::Error) -> Error {
    match err.raw_os_error() {
        Some(libc::EPERM) => Error::new(format!(
            "tracefs is not mounted, and mounting it failed: {err} (run as root, or mount it first with: {MOUNT_COMMAND})"
        )),
        _ => not_mounted(),
    }
}

/// A tracepoint's `format` file.
pub struct Format {
    text: String,
}

impl Format {
    pub fn parse(text: &str) -> Self {
        Self { text: text.to_owned() }
    }

    /// Offset of `field` in the record, if the tracepoint has that field.
    pub fn offset(&self, field: &str) -> Option<u16> {
        number(self.field(field)?, "offset:")
    }

    /// The line declaring `field`, from its type on: `"int irq;\toffset:8;..."`.
    fn field(&self, field: &str) -> Option<&str> {
        self.text.lines().find_map(|line| {
            let line = line.trim_start().strip_prefix("field:")?;
            let decl = line.split(';').next()?;
            let name = decl.rsplit([' ', '*']).next()?;
            let name = name.split('[').next()?;
            (name == field).then_some(line)
        })
    }

    /// Where the string of the dynamic field `field` (`__data_loc char[]`,
    /// or `__rel_loc char[]` since Linux 5.18) is: the field's offset, and
    /// what the 16-bit offset in it counts from (0, the record's start, for
    /// `__data_loc`; the field's end for `__rel_loc`). An error naming the
    /// tracepoint when it has no such field.
    pub fn require_dynamic(&self, field: &str, tracepoint: &str) -> Result<(u16, u16)> {
        let line = self.field(field);
        let offset = line.and_then(|line| number(line, "offset:"));
        match (line, offset) {
            (Some(line), Some(offset)) if line.starts_with("__data_loc ") => Ok((offset, 0)),
            (Some(line), Some(offset)) if line.starts_with("__rel_loc ") => {
                let size = number(line, "size:").unwrap_or(4);
                Ok((offset, offset + size))
            }
            _ => Err(Error::new(format!("tracepoint {tracepoint} has no dynamic field {field} on this kernel"))),
        }
    }

    /// The `print fmt` line: how the kernel prints the record, which names
    /// the values of flag fields.
    pub fn print_fmt(&self) -> Option<&str> {
        self.text.lines().find_map(|line| line.strip_prefix("print fmt: "))
    }

    /// Offset of `field`, or an error naming the tracepoint and the field.
    pub fn require(&self, field: &str, tracepoint: &str) -> Result<u16> {
        self.offset(field)
            .ok_or_else(|| Error::new(format!("tracepoint {tracepoint} has no field {field} on this kernel")))
    }
}

/// The value after `key` ("offset:", "size:") in a field's line.
fn number(line: &str, key: &str) -> Option<u16> {
    line.split(key).nth(1)?.split(';').next()?.trim().parse().ok()
}

/// The bits of `sched:sched_switch`'s `prev_state` that mean the task left the run queue: the ones
/// the kernel prints as letters (S, D, T, t, X, Z, P, I), listed in the print
/// fmt as `{ 0x00000001, "S" }`...; everything below the "+" bit the kernel
/// sets for a preempted task. Linux 5.10 to 6.18 have 0x01 to 0x80.
pub fn sleeping_states(switch: &Format) -> u32 {
    let flags = switch.print_fmt().unwrap_or_default().split("{ 0x").skip(1).filter_map(|entry| {
        let digits = entry.split(',').next()?;
        u32::from_str_radix(digits.trim(), 16).ok()
    });
    match flags.max() {
        Some(highest) if highest != 0 => (highest << 1) - 1,
        _ => {
            log::debug!("no task states in sched_switch's print fmt; taking those of Linux 5.10 to 6.18");
            0xff
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // As printed by x86_64 6.1 (8-byte slots) and armv7 6.12 (4-byte slots).
    const OPENAT_64: &str = "name: sys_enter_openat\nID: 633\nformat:\n\
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
        \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\
        \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
        \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
        \tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n\
        \tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\
        \tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n\
        \tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n\n\
        print fmt: \"dfd: 0x%08lx\"\n";
    const OPENAT_32: &str = "format:\n\
        \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
        \tfield:int dfd;\toffset:12;\tsize:4;\tsigned:0;\n\
        \tfield:const char * filename;\toffset:16;\tsize:4;\tsigned:0;\n\
        \tfield:int flags;\toffset:20;\tsize:4;\tsigned:0;\n\
        \tfield:umode_t mode;\toffset:24;\tsize:4;\tsigned:0;\n";

    #[test]
    fn offsets_of_64_bit_syscall_records() {
        let format = Format::parse(OPENAT_64);
        assert_eq!(format.offset("filename"), Some(24));
        assert_eq!(format.offset("flags"), Some(32));
        assert_eq!(format.offset("mode"), Some(40));
        assert_eq!(format.offset("common_pid"), Some(4));
    }

    #[test]
    fn offsets_of_32_bit_syscall_records() {
        let format = Format::parse(OPENAT_32);
        assert_eq!(format.offset("filename"), Some(16));
        assert_eq!(format.offset("mode"), Some(24));
    }

    #[test]
    fn missing_fields_are_named() {
        let format = Format::parse(OPENAT_64);
        assert_eq!(format.offset("how"), None);
        assert_eq!(format.offset("name"), None);
        let err = format.require("how", "syscalls:sys_enter_openat").unwrap_err();
        assert_eq!(err.message(), Some("tracepoint syscalls:sys_enter_openat has no field how on this kernel"));
    }

    #[test]
    fn array_fields_are_found_by_name() {
        let format = Format::parse("\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n");
        assert_eq!(format.offset("comm"), Some(8));
    }

    #[test]
    fn dynamic_fields_and_what_their_offsets_count_from() {
        let format = Format::parse(
            "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n\
             \tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n\
             \tfield:__rel_loc char[] path;\toffset:16;\tsize:4;\tsigned:0;\n",
        );
        assert_eq!(format.require_dynamic("name", "irq:irq_handler_entry").unwrap(), (12, 0));
        assert_eq!(format.require_dynamic("path", "x:y").unwrap(), (16, 20));
        assert_eq!(format.offset("name"), Some(12));
        let err = format.require_dynamic("irq", "irq:irq_handler_entry").unwrap_err();
        assert_eq!(err.message(), Some("tracepoint irq:irq_handler_entry has no dynamic field irq on this kernel"));
    }

    #[test]
    fn this_kernels_openat_tracepoint_is_readable_when_present() {
        let Ok(tracefs) = Tracefs::open() else { return };
        if tracefs.has_event("syscalls", "sys_enter_openat") {
            let format = tracefs.format("syscalls", "sys_enter_openat").unwrap();
            assert!(format.offset("filename").is_some());
        }
        assert!(!tracefs.has_event("syscalls", "sys_enter_no_such_call"));
    }

    #[test]
    fn failed_mounts_say_how_to_mount() {
        let err = mount_error(io::Error::from_raw_os_error(libc::EPERM));
        assert_eq!(
            err.message(),
            Some(
                "tracefs is not mounted, and mounting it failed: Operation not permitted (os error 1) \
                 (run as root, or mount it first with: mount -t tracefs nodev /sys/kernel/tracing)"
            )
        );
        let err = mount_error(io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(
            err.message(),
            Some("tracefs is not mounted; mount it with: mount -t tracefs nodev /sys/kernel/tracing")
        );
    }

    #[test]
    fn sleeping_states_come_from_the_print_fmt() {
        let format = |print: &str| Format::parse(&format!("name: sched_switch\nformat:\n\nprint fmt: {print}\n"));
        // As Linux 6.1 prints it (shortened).
        let linux = format(
            "\"prev_state=%s%s\", (REC->prev_state & ((((0x0000 | 0x0001) + 1) << 1) - 1)) ? \
             __print_flags(REC->prev_state & 0xff, \"|\", { 0x00000001, \"S\" }, { 0x00000002, \"D\" }, \
             { 0x00000040, \"P\" }, { 0x00000080, \"I\" }) : \"R\"",
        );
        assert_eq!(sleeping_states(&linux), 0xff);
        let more = format("__print_flags(REC->prev_state, \"|\", { 0x01, \"S\" }, { 0x100, \"N\" }) : \"R\"");
        assert_eq!(sleeping_states(&more), 0x1ff);
        assert_eq!(sleeping_states(&format("\"prev_state=%ld\", REC->prev_state")), 0xff);
    }
}
