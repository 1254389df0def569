//! Kernel-side helpers shared by the eBPF programs.

// `Long` and `Pointer` are 64-bit but on arm, where the casts widen them.
#![allow(clippy::unnecessary_cast)]

use core::intrinsics::{AtomicOrdering, atomic_xadd};

use aya_ebpf::{
    bindings::BPF_NOEXIST,
    helpers::{bpf_get_current_task, bpf_probe_read_kernel, bpf_probe_read_kernel_str_bytes, bpf_probe_read_user},
    maps::{HashMap, PerCpuArray},
    programs::{ProbeContext, RetProbeContext, TracePointContext},
};

use crate::{
    tracepoint::FieldOffset,
    vfs::{CwdParts, MAX_PATH_DEPTH, PathWalk},
};

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

/// Declares the ring buffer `EVENTS` of `$bytes` bytes that a tool's events
/// go through (user space may resize it at load), and the per-CPU `LOST`
/// count of events that did not fit (`count_lost`), so none is lost silently.
#[macro_export]
macro_rules! event_maps {
    ($bytes:expr) => {
        #[aya_ebpf::macros::map]
        static EVENTS: aya_ebpf::maps::RingBuf = aya_ebpf::maps::RingBuf::with_byte_size($bytes, 0);

        #[aya_ebpf::macros::map]
        static LOST: aya_ebpf::maps::PerCpuArray<u64> = aya_ebpf::maps::PerCpuArray::with_max_entries(1, 0);
    };
}

/// Declares the `-c` filter: the one-slot `CGROUPS` map user space fills
/// (`bpfbin::maps::set_cgroup`), and `in_cgroup(on)`, whether the current
/// task is in that cgroup or `on` is false (no `-c`).
#[macro_export]
macro_rules! cgroup_filter {
    () => {
        #[aya_ebpf::macros::map]
        static CGROUPS: aya_ebpf::maps::CgroupArray = aya_ebpf::maps::CgroupArray::with_max_entries(1, 0);

        fn in_cgroup(on: bool) -> bool {
            !on || CGROUPS.current_task_under_cgroup(0) == Ok(true)
        }
    };
}

/// The value of `key` in `map`, inserted as `initial` if absent: another CPU
/// may insert the same key first, and then its entry is the one used.
#[inline(always)]
pub fn value_or_insert<K, V>(map: &HashMap<K, V>, key: &K, initial: &V) -> Option<*mut V> {
    if let Some(value) = map.get_ptr_mut(key) {
        return Some(value);
    }
    let _ = map.insert(key, initial, BPF_NOEXIST as u64);
    map.get_ptr_mut(key)
}

/// Adds `n` to the counter at `counter` with BPF's atomic add, as
/// libbpf-tools' `__sync_fetch_and_add`: the BPF target has no
/// compare-and-swap, so core's atomic types lack `fetch_add`.
///
/// # Safety
/// `counter` points into a live map value (`u32` or `u64`).
#[inline(always)]
pub unsafe fn atomic_add<T: Copy>(counter: *mut T, n: T) {
    // SAFETY: as the caller promises.
    unsafe { atomic_xadd::<T, T, { AtomicOrdering::Relaxed }>(counter, n) };
}

/// Counts an event that did not fit in the ring buffer, in the object's
/// one-slot per-CPU `LOST` array, so user space can say how many were lost.
pub fn count_lost(lost: &PerCpuArray<u64>) {
    if let Some(slot) = lost.get_ptr_mut(0) {
        // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
        unsafe { *slot += 1 };
    }
}

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

/// Fills `out` with the current task's working directory, innermost name
/// first, crossing mount points up to the root.
pub fn current_cwd(walk: &PathWalk, out: &mut CwdParts) {
    out.count = 0;
    let walked = cwd(walk).and_then(|(dentry, vfsmount)| walk_up(walk, dentry, vfsmount, out));
    out.failed = walked.is_err().into();
}

/// Fills `out` with the directory that holds `dentry`, innermost name first,
/// up to the root. The dentry alone does not say which mount it was reached
/// through: like libbpf-tools, the mounts crossed are those above the
/// current task's working directory.
pub fn dentry_dir(walk: &PathWalk, dentry: u64, out: &mut CwdParts) {
    out.count = 0;
    let walked = read_pointer(dentry, walk.dentry_parent)
        .and_then(|parent| Ok((parent, cwd(walk)?.1)))
        .and_then(|(parent, vfsmount)| walk_up(walk, parent, vfsmount, out));
    out.failed = walked.is_err().into();
}

/// The current task's working directory: its dentry and vfsmount.
fn cwd(walk: &PathWalk) -> Result<(u64, u64), i32> {
    let fs = read_pointer(current_task(), walk.task_fs)?;
    Ok((read_pointer(fs, walk.fs_pwd_dentry)?, read_pointer(fs, walk.fs_pwd_mnt)?))
}

fn walk_up(walk: &PathWalk, mut dentry: u64, vfsmount: u64, out: &mut CwdParts) -> Result<(), i32> {
    let mut mount = vfsmount - walk.mount_mnt as u64;
    let mut mount_root = read_pointer(vfsmount, walk.vfsmount_root)?;
    for depth in 0..MAX_PATH_DEPTH {
        let name = read_pointer(dentry, walk.dentry_name)?;
        // SAFETY: a checked read of a kernel string into a buffer we own.
        unsafe { bpf_probe_read_kernel_str_bytes(name as usize as *const u8, &mut out.parts[depth]) }?;
        out.count = depth as u32 + 1;
        let parent = read_pointer(dentry, walk.dentry_parent)?;
        if dentry != parent && dentry != mount_root {
            dentry = parent;
            continue;
        }
        // The root of a mount: go on from where it is mounted, unless this
        // is the root of everything.
        let mount_parent = read_pointer(mount, walk.mount_parent)?;
        if mount_parent == mount {
            break;
        }
        dentry = read_pointer(mount, walk.mount_mountpoint)?;
        mount = mount_parent;
        mount_root = read_pointer(mount + walk.mount_mnt as u64, walk.vfsmount_root)?;
    }
    Ok(())
}
