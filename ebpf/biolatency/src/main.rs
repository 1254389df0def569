//! biolatency, kernel side: note when a block request is issued to the
//! driver (with `-Q`, inserted into the queue), and when it completes count
//! its latency in a log2 histogram of `HISTS`.
//!
//! The classic block tracepoints: their records name the request by disk and
//! start sector (see `StartKey`), with offsets from tracefs, so no BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    bindings::{BPF_ANY, BPF_NOEXIST},
    macros::{map, tracepoint},
    maps::{HashMap, LruHashMap},
    programs::TracePointContext,
};
use bpfbin_common::{
    biolatency::{Config, Hist, HistKey, MAX_SLOTS},
    block::{Fields, MAX_ENTRIES, RWBS_LEN, StartKey},
    histogram::slot,
};
use bpfbin_kernel::{atomic_add, now, read_record, value_or_insert};

bpfbin_kernel::config!(Config);

/// When each request in flight started. LRU: a request that never completes
/// where it started (merged into another at its front, or only partly
/// completed) leaves its entry behind; with these keys no later request
/// need overwrite it, so the oldest go first when the map is full.
#[map]
static START: LruHashMap<StartKey, u64> = LruHashMap::with_max_entries(MAX_ENTRIES, 0);

/// The histograms, read and emptied by user space once per interval.
#[map]
static HISTS: HashMap<HistKey, Hist> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::cgroup_filter!();

fn start_key(ctx: &TracePointContext, fields: &Fields) -> Option<StartKey> {
    Some(StartKey { dev: read_record(ctx, fields.dev)?, _pad: 0, sector: read_record(ctx, fields.sector)? })
}

fn start(ctx: &TracePointContext, fields: &Fields, flags: u32) {
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return;
    }
    let Some(key) = start_key(ctx, fields) else { return };
    if config.filter_dev != 0 && key.dev != config.dev {
        return;
    }
    let now = now();
    let _ = START.insert(&key, &now, flags as u64);
}

#[tracepoint]
pub fn block_rq_insert(ctx: TracePointContext) -> u32 {
    start(&ctx, &CONFIG.load().insert, BPF_ANY);
    0
}

#[tracepoint]
pub fn block_rq_issue(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    // With -Q, a request inserted into the queue (through an I/O scheduler)
    // keeps its insertion time; one issued directly starts here. libbpf-tools
    // asks whether the queue has an elevator, which needs BTF.
    start(&ctx, &config.issue, if config.queued != 0 { BPF_NOEXIST } else { BPF_ANY });
    0
}

#[tracepoint]
pub fn block_rq_complete(ctx: TracePointContext) -> u32 {
    let now = now();
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return 0;
    }
    let Some(key) = start_key(&ctx, &config.complete) else { return 0 };
    // SAFETY: a copy of the value; the entry may go away meanwhile.
    let Some(&started) = (unsafe { START.get(&key) }) else { return 0 };
    let _ = START.remove(&key);
    let delta = now.wrapping_sub(started);
    // A start time from another CPU's clock may be ahead: libbpf-tools drops those.
    if (delta as i64) < 0 {
        return 0;
    }
    let mut hkey = HistKey { dev: 0, rwbs: [0; RWBS_LEN] };
    if config.per_disk != 0 {
        hkey.dev = key.dev;
    }
    if config.per_flag != 0 {
        hkey.rwbs = read_record(&ctx, config.complete.rwbs).unwrap_or_default();
    }
    let Some(hist) = value_or_insert(&HISTS, &hkey, &Hist::default()) else { return 0 };
    let value = if config.milliseconds != 0 { delta / 1_000_000 } else { delta / 1000 };
    // SAFETY: a live map value; the slots are only ever added to atomically.
    unsafe {
        if let Some(count) = (*hist).slots.get_mut(slot(value, MAX_SLOTS)) {
            atomic_add(count, 1);
        }
    }
    0
}

bpfbin_kernel::program_object!();
