//! drsnoop, kernel side: note when a thread enters direct reclaim (and, with
//! `-e`, the free pages then), and when it leaves send one event with the
//! time it took and the pages it reclaimed.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::drsnoop::{Config, Event};
use bpfbin_kernel::{now, read_kernel_long, read_long, take};

bpfbin_kernel::config!(Config);

/// When each thread in direct reclaim entered it, and the free pages then.
#[map]
static START: HashMap<u32, [u64; 2]> = HashMap::with_max_entries(8192, 0);

bpfbin_kernel::event_maps!(64 * 1024);

/// The current thread, if the filters keep it.
fn traced(config: &Config) -> Option<u32> {
    let id = bpf_get_current_pid_tgid();
    let (pid, tid) = ((id >> 32) as u32, id as u32);
    let wanted = (config.pid == 0 || config.pid == pid) && (config.tid == 0 || config.tid == tid);
    wanted.then_some(tid)
}

#[tracepoint]
pub fn mm_vmscan_direct_reclaim_begin(_ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(tid) = traced(&config) else { return 0 };
    // NR_FREE_PAGES is the first of vm_zone_stat's counters.
    let free = if config.vm_zone_stat == 0 { 0 } else { read_kernel_long(config.vm_zone_stat).unwrap_or(0) as u64 };
    let start = [now(), free];
    let _ = START.insert(&tid, &start, 0);
    0
}

#[tracepoint]
pub fn mm_vmscan_direct_reclaim_end(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(tid) = traced(&config) else { return 0 };
    let Some([started, free]) = take(&START, &tid) else { return 0 };
    let delta_ns = now().saturating_sub(started);
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event {
            delta_ns,
            nr_reclaimed: read_long(&ctx, config.nr_reclaimed) as u64,
            nr_free_pages: free,
            tid,
            _pad: 0,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    });
    0
}

bpfbin_kernel::program_object!();
