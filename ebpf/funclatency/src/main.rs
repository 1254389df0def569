//! funclatency, kernel side: the entry of the function notes the time by
//! thread; its return adds the time taken to a log2 histogram. The same
//! pair serves kernel functions (kprobe, kretprobe) and user functions
//! (uprobe, uretprobe).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::bpf_get_current_pid_tgid,
    macros::{kprobe, kretprobe, map, uprobe, uretprobe},
    maps::HashMap,
    programs::{ProbeContext, RetProbeContext},
};
use bpfbin_common::{
    funclatency::{Config, HIST, MAX_PIDS, MAX_SLOTS, MSEC, USEC},
    histogram::slot,
};
use bpfbin_kernel::{atomic_add, now, value_or_insert};

bpfbin_kernel::config!(Config);

/// When each thread inside the function entered it.
#[map]
static STARTS: HashMap<u32, u64> = HashMap::with_max_entries(MAX_PIDS, 0);

/// The histogram (key `HIST`), read and emptied by user space once per interval.
#[map]
static HISTS: HashMap<u32, [u32; MAX_SLOTS]> = HashMap::with_max_entries(1, 0);

bpfbin_kernel::cgroup_filter!();

fn entry() {
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return;
    }
    let id = bpf_get_current_pid_tgid();
    if config.pid != 0 && config.pid != (id >> 32) as u32 {
        return;
    }
    // A full map only loses this call, as in libbpf-tools.
    let _ = STARTS.insert(&(id as u32), &now(), 0);
}

fn exit() {
    let end = now();
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return;
    }
    let tid = bpf_get_current_pid_tgid() as u32;
    // SAFETY: a copy of this thread's own entry.
    let Some(&start) = (unsafe { STARTS.get(&tid) }) else { return };
    let _ = STARTS.remove(&tid);
    let ns = end.wrapping_sub(start);
    let value = match config.units {
        USEC => ns / 1000,
        MSEC => ns / 1_000_000,
        _ => ns,
    };
    let Some(hist) = value_or_insert(&HISTS, &HIST, &[0; MAX_SLOTS]) else { return };
    // SAFETY: a live map value; the slots are only ever added to atomically.
    unsafe {
        if let Some(count) = (*hist).get_mut(slot(value, MAX_SLOTS)) {
            atomic_add(count, 1);
        }
    }
}

#[kprobe]
pub fn kernel_entry(_ctx: ProbeContext) -> u32 {
    entry();
    0
}

#[kretprobe]
pub fn kernel_return(_ctx: RetProbeContext) -> u32 {
    exit();
    0
}

#[uprobe]
pub fn user_entry(_ctx: ProbeContext) -> u32 {
    entry();
    0
}

#[uretprobe]
pub fn user_return(_ctx: RetProbeContext) -> u32 {
    exit();
    0
}

bpfbin_kernel::program_object!();
