//! Reads of what a program is handed (tracepoint records, kprobe registers)
//! and of kernel and user memory, at the kernel's word size.

// `Long` and `Pointer` are 64-bit but on arm, where the casts widen them.
#![allow(clippy::unnecessary_cast)]

use aya_ebpf::{
    helpers::{bpf_get_current_task, bpf_probe_read_kernel, bpf_probe_read_user},
    programs::{ProbeContext, RetProbeContext, TracePointContext},
};
use bpfbin_common::tracepoint::FieldOffset;

/// The kernel's `long` and pointers are 4 bytes on 32-bit kernels. The
/// object is built per architecture, so this is known at build time.
#[cfg(bpf_target_arch = "arm")]
type Long = i32;
#[cfg(not(bpf_target_arch = "arm"))]
type Long = i64;
#[cfg(bpf_target_arch = "arm")]
pub(crate) type Pointer = u32;
#[cfg(not(bpf_target_arch = "arm"))]
pub(crate) type Pointer = u64;

/// Reads a `long` (a syscall argument or return value) from a tracepoint record.
pub fn read_long(ctx: &TracePointContext, offset: FieldOffset) -> i64 {
    read_record::<Long>(ctx, offset).map_or(0, |v| v as i64)
}

/// Reads the field at `offset` of a tracepoint record, an offset from this
/// kernel's format file for the tracepoint; `None` if the read fails.
pub fn read_record<T>(ctx: &TracePointContext, offset: FieldOffset) -> Option<T> {
    // SAFETY: a checked read of the record; a bad offset is an Err.
    unsafe { ctx.read_at::<T>(offset as usize) }.ok()
}

/// Reads a pointer-typed field (such as a `skaddr`) from a tracepoint record.
pub fn read_record_pointer(ctx: &TracePointContext, offset: FieldOffset) -> Option<u64> {
    read_record::<Pointer>(ctx, offset).map(|p| p as u64)
}

/// Reads the `long` at a kernel address (a counter of a kernel variable).
pub fn read_kernel_long(address: u64) -> Result<i64, i32> {
    read_field::<Long>(address, 0).map(|v| v as i64)
}

/// Argument `n` (from 0) of the kernel function a kprobe stopped in, as the
/// register that carries it: on 32-bit arm, where `pt_regs` slots are 4 bytes
/// (aya-ebpf reads 8-byte slots there), and only the first four arguments
/// travel in registers (AAPCS).
#[cfg(bpf_target_arch = "arm")]
pub fn probe_arg(ctx: &ProbeContext, n: usize) -> Option<u64> {
    // SAFETY: a read of the kernel-provided context, within pt_regs.uregs.
    (n < 4).then(|| unsafe { *ctx.regs.cast::<u32>().add(n) } as u64)
}
/// Argument `n` (from 0) of the kernel function a kprobe stopped in.
#[cfg(not(bpf_target_arch = "arm"))]
pub fn probe_arg(ctx: &ProbeContext, n: usize) -> Option<u64> {
    ctx.arg(n)
}

/// The value a kretprobe's function returned, sign-extended from a `long`.
pub fn probe_ret(ctx: &RetProbeContext) -> i64 {
    #[cfg(bpf_target_arch = "arm")]
    // SAFETY: a read of the kernel-provided context: uregs[0], 4 bytes on arm.
    let ret = unsafe { *ctx.regs.cast::<Long>() } as i64;
    #[cfg(not(bpf_target_arch = "arm"))]
    let ret = ctx.ret::<Long>() as i64;
    ret
}

/// The current task's `task_struct` address.
pub fn current_task() -> u64 {
    // SAFETY: the helper has no preconditions.
    unsafe { bpf_get_current_task() }
}

/// Reads the kernel pointer stored at `base + offset` (a member of a struct
/// at `base`, its offset resolved from BTF at load time).
pub fn read_pointer(base: u64, offset: u16) -> Result<u64, i32> {
    read_field::<Pointer>(base, offset).map(|p| p as u64)
}

/// Reads element `index` of a user-space array of pointers, such as execve's
/// `argv`: its elements have the kernel's pointer width.
pub fn read_user_pointer(array: u64, index: u32) -> Result<u64, i32> {
    let at = (array as usize as *const Pointer).wrapping_add(index as usize);
    // SAFETY: a checked read of user memory; a bad address is an Err.
    unsafe { bpf_probe_read_user(at) }.map(|p| p as u64)
}

/// Reads a fixed-size member (`u32`, `i32`, `u64`...) at `base + offset`.
pub fn read_field<T>(base: u64, offset: u16) -> Result<T, i32> {
    let at = (base + offset as u64) as usize as *const T;
    // SAFETY: a checked read of kernel memory; a bad address is an Err.
    unsafe { bpf_probe_read_kernel(at) }
}
