//! The user side of the kernel subsystems a family of tools traces: TCP
//! sockets (the inet tools), block devices (biolatency, biosnoop), soft
//! interrupts (softirqs, softirqslower) and the VFS's paths (`-F` full paths).

pub mod block;
pub mod inet;
pub mod irqs;
pub mod vfs;
