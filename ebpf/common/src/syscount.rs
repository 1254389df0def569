//! syscount: syscalls counted in the kernel, by syscall number or by process,
//! in a hash map user space reads and empties once per interval.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Entries of the counting map and of the map of syscall start times, as
/// libbpf-tools sizes them.
pub const MAX_ENTRIES: u32 = 8192;

/// Filters, modes and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Only calls that fail with this errno (`-e`); 0 for any result.
    pub errno: u32,
    /// Only this syscall number (`--syscall`), when `one_syscall` is set.
    pub syscall: u32,
    pub one_syscall: u8,
    /// Only failed calls (`-x`).
    pub failed_only: u8,
    /// Time the calls (`-L`): `sys_enter` is attached too.
    pub latency: u8,
    /// Key by process, not by syscall (`-P`).
    pub by_process: u8,
    /// Only tasks under the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u8,
    pub _pad: u8,
    /// Offsets of `id` in `raw_syscalls:sys_enter` and of `id` and `ret` in
    /// `raw_syscalls:sys_exit` (4-byte `long`s on 32-bit kernels).
    pub enter_id: FieldOffset,
    pub exit_id: FieldOffset,
    pub exit_ret: FieldOffset,
    /// With `-P`, `task_struct.group_leader` and `task_struct.comm` from
    /// BTF, to name a process as libbpf-tools does; 0 without BTF.
    pub task_group_leader: u16,
    pub task_comm: u16,
}

/// The members `-P` reads for a process's name: `current->group_leader->comm`.
pub const LEADER_COMM: [(&str, &str); 2] = [("task_struct", "group_leader"), ("task_struct", "comm")];

/// One entry of the counting map, keyed by syscall number or by process.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub count: u64,
    /// Time spent in the calls, with `-L`.
    pub total_ns: u64,
    /// The process's name, with `-P`.
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Counts);
