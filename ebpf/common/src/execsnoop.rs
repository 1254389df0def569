//! execsnoop: one event per execve(2) or execveat(2), with its arguments.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Bytes kept of each argument, NUL included (libbpf-tools' ARGSIZE).
pub const ARG_LEN: usize = 128;
/// Most arguments `--max-args` may ask for, the file name included
/// (libbpf-tools' TOTAL_MAX_ARGS).
pub const MAX_ARGS: u32 = 60;
/// Arguments shown when `--max-args` is not given.
pub const DEFAULT_MAX_ARGS: u32 = 20;
/// Room for `MAX_ARGS` arguments of `ARG_LEN` bytes.
pub const ARGS_LEN: usize = MAX_ARGS as usize * ARG_LEN;
/// Where the last argument that still fits may start.
pub const LAST_ARG: usize = ARGS_LEN - ARG_LEN;

/// Argument offsets of one `syscalls:sys_enter_execve*` tracepoint.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnterFields {
    pub filename: FieldOffset,
    pub argv: FieldOffset,
}

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this user; `u32::MAX` for all.
    pub uid: u32,
    /// Arguments to keep, the file name included: 1 to `MAX_ARGS`.
    pub max_args: u32,
    pub execve: EnterFields,
    pub execveat: EnterFields,
    /// Offset of `ret` in `syscalls:sys_exit_execve*` records.
    pub exit_ret: FieldOffset,
    /// `task_struct.real_parent` and `task_struct.tgid`, from BTF, for the PPID.
    pub task_real_parent: u16,
    pub task_tgid: u16,
    /// Send failed execs too (`-x`).
    pub include_failed: u8,
    /// Only tasks under the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
}

/// What the kernel side reads for the PPID, `current->real_parent->tgid`,
/// as `(struct, member)`, in `Config` order.
pub const MEMBERS: [(&str, &str); 2] = [("task_struct", "real_parent"), ("task_struct", "tgid")];

/// What an exec event says besides its arguments.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Header {
    /// The process (tgid) and its parent.
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    /// 0, or minus the errno.
    pub ret: i32,
    /// Arguments in `args`; one more than `max_args` when some were left out.
    pub args_count: u32,
    /// Bytes used in `args`.
    pub args_size: u32,
    /// The name after the exec (before it, when the exec failed).
    pub comm: [u8; TASK_COMM_LEN],
}

/// One exec. The ring buffer carries the header and only the `args_size`
/// bytes of `args` in use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub header: Header,
    /// The file name, then `argv[1]`, `argv[2]`... each NUL-terminated.
    pub args: [u8; ARGS_LEN],
}

/// Bytes of a record before its arguments.
pub const HEADER_LEN: usize = size_of::<Header>();

user_pod!(Config, Header);
