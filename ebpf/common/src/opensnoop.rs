//! opensnoop: one event per completed open(2), openat(2) or openat2(2).

use crate::{
    TASK_COMM_LEN,
    tracepoint::FieldOffset,
    user_pod,
    vfs::{CwdParts, PathWalk},
};

/// Bytes of the path kept per event, NUL included (libbpf-tools keeps 255).
pub const FNAME_LEN: usize = 256;

/// Argument offsets of one `syscalls:sys_enter_open*` tracepoint.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnterFields {
    pub filename: FieldOffset,
    /// `flags` of open/openat; for openat2, `how` (a `struct open_how *`).
    pub flags: FieldOffset,
    /// `mode` of open/openat; unused for openat2.
    pub mode: FieldOffset,
}

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Only this thread; 0 for all.
    pub tid: u32,
    /// Only this user; `u32::MAX` for all.
    pub uid: u32,
    /// Only failed opens.
    pub failed_only: u8,
    /// Send the working directory with relative paths (`-F`).
    pub full_path: u8,
    pub open: EnterFields,
    pub openat: EnterFields,
    pub openat2: EnterFields,
    /// Offset of `ret` in `syscalls:sys_exit_open*` records.
    pub exit_ret: FieldOffset,
    pub _pad: u16,
    /// Kernel struct layout for `full_path`.
    pub walk: PathWalk,
}

/// One open, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The opening process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    pub uid: u32,
    /// File descriptor, or minus the errno.
    pub ret: i32,
    pub flags: u64,
    pub mode: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
    /// NUL-terminated path as the process passed it.
    pub fname: [u8; FNAME_LEN],
}

/// An open of a relative path with `-F`: the event and where it was opened from.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FullPathEvent {
    pub event: Event,
    pub cwd: CwdParts,
}

user_pod!(Config, Event, FullPathEvent);
