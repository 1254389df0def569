//! runqlat, kernel side: note when a task becomes runnable (woken, or
//! switched out still runnable), and when it is switched in count the wait
//! in a log2 histogram of `HISTS`. The tracepoints name tasks by thread ID
//! only: where the process, PID namespace or cgroup matters (`-P`,
//! `--pidnss`, `-p`, `-c`), a wait is kept in `WAITED` until the task
//! switches out again, the current task then (docs/design.md).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    histogram::slot,
    runqlat::{ALL, Config, Hist, MAX_ENTRIES, MAX_SLOTS, PER_PIDNS, PER_PROCESS, PER_THREAD, PidnsWalk},
    tracepoint::FieldOffset,
};
use bpfbin_kernel::{atomic_add, current_task, now, read_field, read_long, read_pointer, read_record, value_or_insert};

bpfbin_kernel::config!(Config);

/// When each runnable thread was enqueued.
#[map]
static START: HashMap<u32, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// The wait of each running thread, with `-P` or `-p`, until it switches out.
#[map]
static WAITED: HashMap<u32, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// The histograms, read and emptied by user space once per interval.
#[map]
static HISTS: HashMap<u32, Hist> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::cgroup_filter!();

fn read_tid(ctx: &TracePointContext, offset: FieldOffset) -> u32 {
    read_record::<i32>(ctx, offset).map_or(0, |pid| pid as u32)
}

fn enqueue(tid: u32) {
    // The idle task is never on a run queue.
    if tid != 0 {
        // A full map only loses this wait, as in libbpf-tools.
        let _ = START.insert(&tid, &now(), 0);
    }
}

/// Whether waits are counted when the task switches out (see the top).
fn deferred(config: &Config) -> bool {
    config.per == PER_PROCESS || config.per == PER_PIDNS || config.pid != 0 || config.cgroup != 0
}

/// The inode number of the current task's PID namespace, as libbpf-tools
/// finds it: `task->thread_pid->numbers[level].ns->ns.inum`.
fn current_pidns(walk: &PidnsWalk) -> Result<u32, i32> {
    let pid = read_pointer(current_task(), walk.task_thread_pid)?;
    let level: u32 = read_field(pid, walk.pid_level)?;
    let upid = pid + walk.pid_numbers as u64 + level as u64 * walk.upid_size as u64;
    let ns = read_pointer(upid, walk.upid_ns)?;
    read_field(ns, walk.pid_namespace_inum)
}

/// Adds a wait of `ns` to the histogram `key`, which is named `comm`.
fn record(config: &Config, key: u32, comm: impl FnOnce() -> [u8; TASK_COMM_LEN], ns: u64) {
    let Some(hist) = value_or_insert(&HISTS, &key, &Hist::default()) else { return };
    let value = if config.milliseconds != 0 { ns / 1_000_000 } else { ns / 1000 };
    let at = slot(value, MAX_SLOTS);
    // SAFETY: a live map value; the slots are only ever added to atomically.
    unsafe {
        if (*hist).comm[0] == 0 && config.per != 0 {
            (*hist).comm = comm();
        }
        if let Some(count) = (*hist).slots.get_mut(at) {
            atomic_add(count, 1);
        }
    }
}

#[tracepoint]
pub fn sched_wakeup(ctx: TracePointContext) -> u32 {
    enqueue(read_tid(&ctx, CONFIG.load().wakeup_pid));
    0
}

#[tracepoint]
pub fn sched_wakeup_new(ctx: TracePointContext) -> u32 {
    enqueue(read_tid(&ctx, CONFIG.load().wakeup_new_pid));
    0
}

#[tracepoint]
pub fn sched_switch(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if deferred(&config) {
        // The previous task is still the current one: its wait is due now.
        let id = bpf_get_current_pid_tgid();
        let (tgid, tid) = ((id >> 32) as u32, id as u32);
        // SAFETY: a copy of this thread's own entry.
        if let Some(&waited) = unsafe { WAITED.get(&tid) } {
            let _ = WAITED.remove(&tid);
            if (config.pid == 0 || config.pid == tgid) && in_cgroup(config.cgroup != 0) {
                let key = match config.per {
                    PER_PROCESS => Some(tgid),
                    PER_THREAD => Some(tid),
                    PER_PIDNS => current_pidns(&config.pidns).ok(),
                    _ => Some(ALL),
                };
                if let Some(key) = key {
                    record(&config, key, || bpf_get_current_comm().unwrap_or_default(), waited);
                }
            }
        }
    }
    if read_long(&ctx, config.prev_state) as u32 & config.sleeping == 0 {
        enqueue(read_tid(&ctx, config.prev_pid));
    }

    let tid = read_tid(&ctx, config.next_pid);
    // SAFETY: a copy of the value; the entry may go away meanwhile.
    let Some(&start) = (unsafe { START.get(&tid) }) else { return 0 };
    let waited = now().wrapping_sub(start);
    // A start time from another CPU's clock may be ahead: libbpf-tools drops those.
    if (waited as i64) >= 0 {
        if deferred(&config) {
            let _ = WAITED.insert(&tid, &waited, 0);
        } else {
            let key = if config.per == PER_THREAD { tid } else { ALL };
            let comm = || read_record(&ctx, config.next_comm).unwrap_or_default();
            record(&config, key, comm, waited);
        }
    }
    let _ = START.remove(&tid);
    0
}

bpfbin_kernel::program_object!();
