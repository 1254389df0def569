//! Kernel-side helpers shared by the eBPF programs: what every program
//! object declares (`program_object!`, `config!`, `event_maps!`), sending
//! events (`emit!`), reads of tracepoint records and of kernel memory, and
//! the helpers of tool families (`irqs`, `inet`). The types both sides share
//! are in `bpfbin_common`.
#![no_std]
// `atomic_add` is BPF's atomic add (see ebpf/runqlat).
#![feature(core_intrinsics)]
#![allow(internal_features)]

pub mod inet;
pub mod irqs;
mod maps;
mod path;
mod read;

pub use maps::{atomic_add, emit, emit_if, output, take, value_or_insert};
pub use path::{current_cwd, dentry_dir};
pub use read::{
    current_task, probe_arg, probe_ret, read_field, read_kernel_long, read_long, read_pointer, read_record,
    read_record_pointer, read_user_pointer,
};

/// Nanoseconds since boot (`CLOCK_MONOTONIC`), as libbpf-tools' `bpf_ktime_get_ns()`.
#[inline(always)]
pub fn now() -> u64 {
    // SAFETY: the helper has no preconditions.
    unsafe { aya_ebpf::helpers::bpf_ktime_get_ns() }
}

/// What every program object needs besides its programs: a panic handler
/// (never reached: the verifier refuses code that could panic) and the GPL
/// license the tracing helpers require.
#[macro_export]
macro_rules! program_object {
    () => {
        #[cfg(not(test))]
        #[panic_handler]
        fn panic(_info: &core::panic::PanicInfo) -> ! {
            loop {}
        }

        #[unsafe(link_section = "license")]
        #[unsafe(no_mangle)]
        static LICENSE: [u8; 4] = *b"GPL\0";
    };
}

/// Declares `CONFIG`, the tool's filters and kernel layout, of type `$config`
/// (a `bpfbin_common` type of integers). User space writes all of it at load
/// (`bpfbin::load`), so the object's own value, zeros, is never used.
#[macro_export]
macro_rules! config {
    ($config:ty) => {
        #[unsafe(no_mangle)]
        static CONFIG: aya_ebpf::Global<$config> =
            // SAFETY: the configuration types hold only integers, for which zero is a value.
            aya_ebpf::Global::new(unsafe { core::mem::zeroed() });
    };
}

/// Declares the tracepoint programs of one syscall's entry and exit, named
/// like the tracepoints (`sys_enter_NAME`, `sys_exit_NAME`): the entry calls
/// the program's `enter(&ctx, $arg)`, the exit its `exit(&ctx)`.
#[macro_export]
macro_rules! syscall_programs {
    ($enter:ident, $exit:ident, $arg:expr) => {
        #[aya_ebpf::macros::tracepoint]
        pub fn $enter(ctx: aya_ebpf::programs::TracePointContext) -> u32 {
            enter(&ctx, $arg)
        }

        #[aya_ebpf::macros::tracepoint]
        pub fn $exit(ctx: aya_ebpf::programs::TracePointContext) -> u32 {
            exit(&ctx)
        }
    };
}
