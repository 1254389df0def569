//! sigsnoop: one event per signal generated, or with `-k` (killsnoop) per
//! kill(2), tkill(2) or tgkill(2) call.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// Offsets of the `signal:signal_generate` fields read.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerateFields {
    pub sig: FieldOffset,
    /// The signal's `si_errno`, which libbpf-tools reports as the result.
    pub errno: FieldOffset,
    /// The target task's comm and PID.
    pub comm: FieldOffset,
    pub pid: FieldOffset,
}

/// Argument offsets of one `syscalls:sys_enter_*kill` tracepoint.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KillFields {
    /// The target: `pid` of kill and tkill, the thread `pid` of tgkill.
    pub pid: FieldOffset,
    pub sig: FieldOffset,
}

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only signals sent by this process (tgid); 0 for all.
    pub pid: u32,
    /// Only these signals: bit `n - 1` for signal `n` (1 to 31); 0 for all.
    pub signals: u32,
    /// Only failed signals (`-x`).
    pub failed_only: u8,
    /// Events come from the kill syscalls (`-k`); `signal_generate` then
    /// only names their targets.
    pub kill_mode: u8,
    pub generate: GenerateFields,
    pub kill: KillFields,
    pub tkill: KillFields,
    pub tgkill: KillFields,
    /// Offset of `ret` in `syscalls:sys_exit_*kill` records.
    pub exit_ret: FieldOffset,
}

/// One signal, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The sending process (tgid).
    pub pid: u32,
    /// The target as the sender named it: negative for a process group.
    pub tpid: i32,
    pub sig: i32,
    /// The kill syscall's return value, or the signal's `si_errno`.
    pub ret: i32,
    pub comm: [u8; TASK_COMM_LEN],
    /// The target's comm; empty when unknown.
    pub tcomm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
