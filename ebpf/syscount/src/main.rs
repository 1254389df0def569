//! syscount, kernel side: count each syscall at its exit, by syscall number or
//! by process, in `DATA`; with `-L` also time it from its entry.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_kernel_buf},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::syscount::{Config, Counts, MAX_ENTRIES};
use bpfbin_kernel::{atomic_add, current_task, now, read_long, read_pointer, value_or_insert};

bpfbin_kernel::config!(Config);

/// Entry time of each thread's current syscall, with `-L`.
#[map]
static START: HashMap<u32, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// The counts, read and emptied by user space once per interval.
#[map]
static DATA: HashMap<u32, Counts> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::cgroup_filter!();

/// The calling process (tgid) and thread, if they pass the `-c` and `-p` filters.
fn traced(config: &Config) -> Option<(u32, u32)> {
    if !in_cgroup(config.cgroup != 0) {
        return None;
    }
    let id = bpf_get_current_pid_tgid();
    let pid = (id >> 32) as u32;
    (config.pid == 0 || config.pid == pid).then_some((pid, id as u32))
}

#[tracepoint]
pub fn sys_enter(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some((_, tid)) = traced(&config) else { return 0 };
    if config.one_syscall != 0 && read_long(&ctx, config.enter_id) != config.syscall as i64 {
        return 0;
    }
    let now = now();
    // A full map only loses this call's time, as in libbpf-tools.
    let _ = START.insert(&tid, &now, 0);
    0
}

#[tracepoint]
pub fn sys_exit(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some((pid, tid)) = traced(&config) else { return 0 };
    let id = read_long(&ctx, config.exit_id);
    // -1: no syscall, the exit path of an interrupt or a ptrace stop.
    if id == -1 || (config.one_syscall != 0 && id != config.syscall as i64) {
        return 0;
    }
    let ret = read_long(&ctx, config.exit_ret);
    if (config.failed_only != 0 && ret >= 0) || (config.errno != 0 && ret != -(config.errno as i64)) {
        return 0;
    }
    let mut latency = 0;
    if config.latency != 0 {
        let Some(start) = START.get_ptr(&tid) else { return 0 };
        // SAFETY: this thread's own entry, written only at its syscall entry.
        latency = now().wrapping_sub(unsafe { *start });
        // Threads that exit would otherwise fill the map with stale entries.
        let _ = START.remove(&tid);
    }
    let key = if config.by_process != 0 { pid } else { id as u32 };
    let Some(counts) = value_or_insert(&DATA, &key, &Counts::default()) else { return 0 };
    // SAFETY: a live map value; the counters are only ever added to atomically.
    unsafe {
        atomic_add(&raw mut (*counts).count, 1);
        if config.latency != 0 {
            atomic_add(&raw mut (*counts).total_ns, latency);
        }
        // The process's name is its group leader's comm, read at every call
        // as libbpf-tools does (an exec renames it). Without BTF to find it,
        // the main thread's own calls give it, and another thread's name
        // stands in until then.
        if config.by_process != 0 {
            if config.task_comm != 0 {
                if let Ok(leader) = read_pointer(current_task(), config.task_group_leader) {
                    let comm = (leader + config.task_comm as u64) as *const u8;
                    let _ = bpf_probe_read_kernel_buf(comm, &mut (*counts).comm);
                }
            } else if pid == tid || (*counts).comm[0] == 0 {
                (*counts).comm = bpf_get_current_comm().unwrap_or_default();
            }
        }
    }
    0
}

bpfbin_kernel::program_object!();
