//! runqslower, kernel side: note when a task becomes runnable (woken, or
//! switched out still runnable), and when it is switched in send an event
//! if it waited longer than the threshold. The tracepoints name tasks by
//! thread ID only: with `-p` an event is held in `PENDING` until its task
//! switches out again, the current task then, its process known
//! (docs/design.md).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::bpf_get_current_pid_tgid,
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    runqslower::{Config, Event, MAX_ENTRIES},
    tracepoint::FieldOffset,
};
use bpfbin_kernel::{now, read_long, read_record, take};

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(64 * 1024);

/// When each runnable thread was enqueued.
#[map]
static START: HashMap<u32, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// With `-p`, the event of each running thread, until it switches out.
#[map]
static PENDING: HashMap<u32, Event> = HashMap::with_max_entries(MAX_ENTRIES, 0);

fn read_tid(ctx: &TracePointContext, offset: FieldOffset) -> u32 {
    read_record::<i32>(ctx, offset).map_or(0, |pid| pid as u32)
}

/// Whether `comm` begins with `-c`'s name, as libbpf-tools compares them.
fn comm_allowed(config: &Config, comm: &[u8; TASK_COMM_LEN]) -> bool {
    (0..TASK_COMM_LEN).all(|i| i >= config.comm_len as usize || comm[i] == config.comm[i])
}

/// Notes that thread `tid`, named by `comm` (read only for `-c`), is runnable.
fn enqueue(config: &Config, tid: u32, comm: impl FnOnce() -> [u8; TASK_COMM_LEN]) {
    // The idle task is never on a run queue.
    if tid == 0 || (config.tid != 0 && config.tid != tid) {
        return;
    }
    if config.comm_len != 0 && !comm_allowed(config, &comm()) {
        return;
    }
    // A full map only loses this wait, as in libbpf-tools.
    let _ = START.insert(&tid, &now(), 0);
}

#[tracepoint]
pub fn sched_wakeup(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let tid = read_tid(&ctx, config.wakeup_pid);
    enqueue(&config, tid, || read_record(&ctx, config.wakeup_comm).unwrap_or_default());
    0
}

#[tracepoint]
pub fn sched_wakeup_new(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let tid = read_tid(&ctx, config.wakeup_new_pid);
    enqueue(&config, tid, || read_record(&ctx, config.wakeup_new_comm).unwrap_or_default());
    0
}

#[tracepoint]
pub fn sched_switch(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if config.pid != 0 {
        // The previous task is still the current one: its held event is due now.
        let id = bpf_get_current_pid_tgid();
        if let Some(event) = take(&PENDING, &(id as u32))
            && (id >> 32) as u32 == config.pid
        {
            bpfbin_kernel::output(&EVENTS, &LOST, &event);
        }
    }
    let prev_tid = read_tid(&ctx, config.prev_pid);
    if read_long(&ctx, config.prev_state) as u32 & config.sleeping == 0 {
        enqueue(&config, prev_tid, || read_record(&ctx, config.prev_comm).unwrap_or_default());
    }

    let tid = read_tid(&ctx, config.next_pid);
    // Taken whatever the wait: libbpf-tools leaves the short ones in the map.
    let Some(start) = take(&START, &tid) else { return 0 };
    let waited = now().wrapping_sub(start);
    // A start time from another CPU's clock may be ahead: drop it, as runqlat does.
    if (waited as i64) < 0 || waited / 1000 <= config.min_us {
        return 0;
    }
    let event = Event {
        delta_us: waited / 1000,
        tid,
        prev_tid,
        comm: read_record(&ctx, config.next_comm).unwrap_or_default(),
        prev_comm: read_record(&ctx, config.prev_comm).unwrap_or_default(),
    };
    if config.pid != 0 {
        let _ = PENDING.insert(&tid, &event, 0);
    } else {
        bpfbin_kernel::output(&EVENTS, &LOST, &event);
    }
    0
}

bpfbin_kernel::program_object!();
