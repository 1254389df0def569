//! cpudist, kernel side: at each `sched_switch`, the previous task's time on
//! the CPU ends and the next one's begins (with `-O`, the other way round);
//! each span goes into a log2 histogram of `HISTS`. The next task is known
//! by thread ID only: with `-O` and `-P`, `-p` or `-c`, its off-CPU time is
//! kept in `PENDING` until it switches out again, current then.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::{HashMap, LruHashMap},
    programs::TracePointContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    cpudist::{ALL, Config, Hist, MAX_ENTRIES, MAX_SLOTS, PER_PROCESS, PER_THREAD},
    histogram::slot,
};
use bpfbin_kernel::{atomic_add, now, read_long, read_record, value_or_insert};

bpfbin_kernel::config!(Config);

/// When each thread went on (off, with `-O`) the CPU. LRU: a thread that
/// exits leaves its entry behind, which must not fill the map.
#[map]
static START: LruHashMap<u32, u64> = LruHashMap::with_max_entries(MAX_ENTRIES, 0);

/// The last off-CPU time of each running thread, until it switches out.
#[map]
static PENDING: HashMap<u32, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// The histograms, read and emptied by user space once per interval.
#[map]
static HISTS: HashMap<u32, Hist> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::cgroup_filter!();

/// Whether the current task passes `-p` and `-c`.
fn traced(config: &Config, tgid: u32) -> bool {
    (config.pid == 0 || config.pid == tgid) && in_cgroup(config.cgroup != 0)
}

/// The key of the current task's histogram.
fn current_key(config: &Config, tgid: u32, tid: u32) -> u32 {
    match config.per {
        PER_PROCESS => tgid,
        PER_THREAD => tid,
        _ => ALL,
    }
}

/// Adds a span of `ns` to the histogram `key`, which is named `comm`.
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

/// The time since `tid`'s entry in `START`, if it has one from this clock's past.
fn since_start(tid: u32, now: u64) -> Option<u64> {
    // SAFETY: a copy of the value; the entry may go away meanwhile.
    let start = *unsafe { START.get(&tid) }?;
    (now >= start).then(|| now - start)
}

#[tracepoint]
pub fn sched_switch(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let now = now();
    let id = bpf_get_current_pid_tgid();
    let (tgid, tid) = ((id >> 32) as u32, id as u32);
    let next = read_record::<i32>(&ctx, config.next_pid).map_or(0, |pid| pid as u32);
    let comm = || bpf_get_current_comm().unwrap_or_default();
    // The idle tasks (thread 0, one per CPU) are no task's time.
    if config.offcpu == 0 {
        // Only a preempted task's time slice, as libbpf-tools measures.
        let preempted = read_long(&ctx, config.prev_state) as u32 & config.sleeping == 0;
        if tid != 0
            && preempted
            && traced(&config, tgid)
            && let Some(ns) = since_start(tid, now)
        {
            record(&config, current_key(&config, tgid, tid), comm, ns);
        }
        if next != 0 {
            let _ = START.insert(&next, &now, 0);
        }
        return 0;
    }

    let deferred = config.per == PER_PROCESS || config.pid != 0 || config.cgroup != 0;
    if tid != 0 {
        if deferred {
            // SAFETY: a copy of this thread's own entry.
            if let Some(&ns) = unsafe { PENDING.get(&tid) } {
                let _ = PENDING.remove(&tid);
                if traced(&config, tgid) {
                    record(&config, current_key(&config, tgid, tid), comm, ns);
                }
            }
        }
        let _ = START.insert(&tid, &now, 0);
    }
    if next == 0 {
        return 0;
    }
    let Some(ns) = since_start(next, now) else { return 0 };
    if deferred {
        let _ = PENDING.insert(&next, &ns, 0);
    } else {
        let key = if config.per == PER_THREAD { next } else { ALL };
        let next_comm = || read_record(&ctx, config.next_comm).unwrap_or_default();
        record(&config, key, next_comm, ns);
    }
    0
}

bpfbin_kernel::program_object!();
