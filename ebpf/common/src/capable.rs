//! capable: one event per capability check (`cap_capable()`), with its verdict.

use crate::{TASK_COMM_LEN, user_pod};

/// `-u`: each (capability, process) or (capability, cgroup) pair once.
pub const UNIQUE_OFF: u32 = 0;
pub const UNIQUE_PID: u32 = 1;
pub const UNIQUE_CGROUP: u32 = 2;

/// `cap_capable()`'s last argument became a bitmask of `CAP_OPT_*` in 5.1;
/// before, it was the `audit` flag itself.
pub const CAP_OPT_NOAUDIT: u32 = 1 << 1;
pub const CAP_OPT_INSETID: u32 = 1 << 2;

/// An event's stack id when its stack was not asked for.
pub const NO_STACK: i32 = -1;

/// Stacks the `STACKS` map holds unless `--stack-storage-size` says
/// otherwise: libbpf-tools' default.
pub const DEFAULT_STACK_STORAGE_SIZE: u32 = 1024;

/// Filters and kernel facts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// The tool itself, whose own checks are not shown.
    pub self_pid: u32,
    /// One of `UNIQUE_*`.
    pub unique: u32,
    /// Only tasks under the cgroup in slot 0 of `CGROUPS` (`-c`).
    pub cgroup: u32,
    /// Non-zero on kernels 5.1 and later, where the options are a bitmask.
    pub opts_bitmask: u32,
    /// Non-zero to record each event's kernel stack (`-K`).
    pub kernel_stack: u32,
    /// Non-zero to record each event's user stack (`-U`).
    pub user_stack: u32,
}

/// What the entry probe saw, kept for the return probe by thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Check {
    pub cap: i32,
    pub opts: u32,
    /// The stacks at the call (`Event`'s ids).
    pub kernel_stack_id: i32,
    pub user_stack_id: i32,
}

/// The `-u` key: a capability and the process or cgroup that checked it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct UniqueKey {
    pub cap: i32,
    pub tgid: u32,
    pub cgroup_id: u64,
}

/// One capability check, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The checking process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    pub uid: u32,
    pub cap: i32,
    /// 1 if the check is audited, 0 if not.
    pub audit: i32,
    /// 1 if the check is for set*id, 0 if not, -1 where the kernel cannot say.
    pub insetid: i32,
    /// `cap_capable()`'s return value: 0 allows.
    pub ret: i32,
    /// Ids in `STACKS` of the kernel and user stacks (`-K`, `-U`); negative
    /// when not asked for (`NO_STACK`) or not recorded (the helper's -errno).
    pub kernel_stack_id: i32,
    pub user_stack_id: i32,
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
