//! The maps every tool shares: the ring buffer its events go through with
//! the count of those that did not fit, the `-c` cgroup filter, and updates
//! of map values that other CPUs update too.

use core::intrinsics::{AtomicOrdering, atomic_xadd};

use aya_ebpf::{
    bindings::BPF_NOEXIST,
    maps::{HashMap, PerCpuArray, RingBuf},
};

/// Declares the ring buffer `EVENTS` of `$bytes` bytes that a tool's events
/// go through (user space may resize it at load), and the per-CPU `LOST`
/// count of events that did not fit, so none is lost silently: `emit!` and
/// `output` send events through them.
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
/// (`bpfbin::bpf::maps::set_cgroup`), and `in_cgroup(on)`, whether the current
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

/// Sends one event through the program's `EVENTS`, counting it in `LOST`
/// when the ring buffer is full: `emit!(|event: &mut Event| ...)` is
/// `emit(&EVENTS, &LOST, ...)`, its closure inlined as if written in place
/// (left to LLVM, it is optimised apart, into more instructions).
#[macro_export]
macro_rules! emit {
    (|$event:ident: &mut $ty:ty| $fill:expr) => {
        $crate::emit(
            &EVENTS,
            &LOST,
            #[inline(always)]
            |$event: &mut $ty| $fill,
        )
    };
}

/// `emit!` for `emit_if`: the closure returns whether to send the event.
#[macro_export]
macro_rules! emit_if {
    (|$event:ident: &mut $ty:ty| $fill:expr) => {
        $crate::emit_if(
            &EVENTS,
            &LOST,
            #[inline(always)]
            |$event: &mut $ty| $fill,
        )
    };
}

/// Sends one event of type `T` through `events` (a tool's `EVENTS`):
/// reserves it, has `fill` write every field of it, and submits it. When the
/// ring buffer is full, counts the event in `lost` (`LOST`) instead.
#[inline(always)]
pub fn emit<T: 'static>(events: &RingBuf, lost: &PerCpuArray<u64>, fill: impl FnOnce(&mut T)) {
    let Some(mut entry) = events.reserve::<T>(0) else {
        count_lost(lost);
        return;
    };
    // SAFETY: reserved ring buffer memory of the right size. The event types
    // hold only integers, so any bytes are a `T`; `fill` writes them all.
    fill(unsafe { &mut *entry.as_mut_ptr() });
    entry.submit(0);
}

/// As `emit`, for events that may turn out not to be wanted once reserved
/// (a read of them failed, a filter refused them): `fill` returns whether
/// to submit the event, else it is discarded.
#[inline(always)]
pub fn emit_if<T: 'static>(events: &RingBuf, lost: &PerCpuArray<u64>, fill: impl FnOnce(&mut T) -> bool) {
    let Some(mut entry) = events.reserve::<T>(0) else {
        count_lost(lost);
        return;
    };
    // SAFETY: as in `emit`.
    if fill(unsafe { &mut *entry.as_mut_ptr() }) {
        entry.submit(0);
    } else {
        entry.discard(0);
    }
}

/// Sends a copy of `data`, an event built elsewhere (a map value), through
/// `events`; when the ring buffer is full, counts it in `lost` instead.
#[inline(always)]
pub fn output<T: ?Sized>(events: &RingBuf, lost: &PerCpuArray<u64>, data: &T) {
    if events.output(data, 0).is_err() {
        count_lost(lost);
    }
}

/// Counts an event that did not fit in the ring buffer, in the object's
/// one-slot per-CPU `LOST` array, so user space can say how many were lost.
fn count_lost(lost: &PerCpuArray<u64>) {
    if let Some(slot) = lost.get_ptr_mut(0) {
        // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
        unsafe { *slot += 1 };
    }
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

/// Removes `key` from `map` and returns its value, such as what a program
/// kept for a thread from a syscall's entry to its exit.
#[inline(always)]
pub fn take<K, V: Copy>(map: &HashMap<K, V>, key: &K) -> Option<V> {
    // SAFETY: the value is copied out before the entry is removed.
    let value = unsafe { map.get(key) }.copied()?;
    let _ = map.remove(key);
    Some(value)
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
