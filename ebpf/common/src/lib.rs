//! Event and configuration types shared by the eBPF programs and the tools.
//!
//! Every type here is `#[repr(C)]` plain data: the kernel side writes it into a
//! ring buffer or reads it as a global, the user side reads the same bytes.
//! The kernel-side helpers are in `bpfbin_kernel` (ebpf/kernel).
#![no_std]

pub mod bashreadline;
pub mod bindsnoop;
pub mod biolatency;
pub mod biopattern;
pub mod biosnoop;
pub mod bitesize;
pub mod block;
pub mod capable;
pub mod cpudist;
pub mod drsnoop;
pub mod execsnoop;
pub mod exitsnoop;
pub mod filelife;
pub mod funclatency;
pub mod histogram;
pub mod inet;
pub mod irqs;
pub mod mountsnoop;
pub mod oomkill;
pub mod opensnoop;
pub mod runqlat;
pub mod runqslower;
pub mod sigsnoop;
pub mod softirqslower;
pub mod solisten;
pub mod statsnoop;
pub mod syncsnoop;
pub mod syscount;
pub mod tcpconnect;
pub mod tcpconnlat;
pub mod tcplife;
pub mod tcpretrans;
pub mod tcpstates;
pub mod tracepoint;
pub mod vfs;

/// Length of `task_struct.comm`, including the terminating NUL.
pub const TASK_COMM_LEN: usize = 16;

/// Marks types as plain old data for aya's map and global APIs.
macro_rules! user_pod {
    ($($ty:ty),* $(,)?) => {
        $(
            #[cfg(feature = "user")]
            // SAFETY: repr(C), only integers and integer arrays, no padding holes read as values.
            unsafe impl aya::Pod for $ty {}
        )*
    };
}
pub(crate) use user_pod;
