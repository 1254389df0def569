//! statsnoop: one event per completed stat family syscall.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// The traced syscalls, by the `sys` number events carry: libbpf-tools' six,
/// and the `*64` forms 32-bit kernels (arm) have instead of or beside them.
/// Each is attached where the kernel has it.
pub const SYSCALLS: [&str; 11] = [
    "statfs",
    "newstat",
    "statx",
    "newfstat",
    "newfstatat",
    "newlstat",
    "stat64",
    "lstat64",
    "fstat64",
    "fstatat64",
    "statfs64",
];

/// Bytes of the path kept per event, NUL included (libbpf-tools keeps 255).
pub const PATH_LEN: usize = 256;

/// A descriptor argument the syscall does not have.
pub const INVALID_FD: i32 = -1;

/// Argument offsets of one `syscalls:sys_enter_*` tracepoint, `ABSENT` for
/// those it does not take.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnterFields {
    /// The path (`filename` or `pathname`).
    pub path: FieldOffset,
    /// The directory a relative path starts from (`dfd`).
    pub dirfd: FieldOffset,
    /// The file itself (`fd`), for the fstat forms.
    pub fd: FieldOffset,
}

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Only failed calls.
    pub failed_only: u8,
    pub _pad: u8,
    /// Offset of `ret` in `syscalls:sys_exit_*` records.
    pub exit_ret: FieldOffset,
    /// By index in `SYSCALLS`.
    pub enter: [EnterFields; SYSCALLS.len()],
}

/// One stat, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// `bpf_ktime_get_ns()` at exit.
    pub ts_ns: u64,
    /// The calling process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    /// 0, or minus the errno.
    pub ret: i32,
    /// Index into `SYSCALLS`.
    pub sys: u32,
    /// The descriptor arguments, `INVALID_FD` when the syscall has none.
    pub fd: i32,
    pub dirfd: i32,
    pub comm: [u8; TASK_COMM_LEN],
    /// NUL-terminated path as the process passed it; empty for fstat.
    pub path: [u8; PATH_LEN],
}

user_pod!(Config, Event);
