//! oomkill: one event per OOM kill (`oom_kill_process()`).

use crate::{TASK_COMM_LEN, user_pod};

/// The members read from `oom_kill_process()`'s `struct oom_control *` and
/// from the victim's `task_struct`, as `(struct, member)`, in `Config` order.
pub const MEMBERS: [(&str, &str); 4] =
    [("oom_control", "chosen"), ("oom_control", "totalpages"), ("task_struct", "tgid"), ("task_struct", "comm")];

/// Offsets (and one size) resolved from the running kernel's BTF at load time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// `oom_control.chosen` (pointer): the task about to be killed.
    pub chosen: u16,
    /// `oom_control.totalpages` (unsigned long): the pages the OOM killer weighed.
    pub totalpages: u16,
    /// `task_struct.tgid` (pid_t)
    pub tgid: u16,
    /// `task_struct.comm` (char[16])
    pub comm: u16,
    /// Bytes of `oom_control.totalpages`: 4 on 32-bit kernels, 8 on 64-bit ones.
    pub totalpages_size: u16,
}

/// One OOM kill, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The process whose allocation ran out of memory (tgid).
    pub fpid: u32,
    /// The process killed (tgid).
    pub tpid: u32,
    /// `oom_control.totalpages`: RAM and swap, or the memory cgroup's limit.
    pub pages: u64,
    pub fcomm: [u8; TASK_COMM_LEN],
    pub tcomm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
