//! bitesize, kernel side: when a block request is issued to the driver,
//! count its size, in Kbytes, in the log2 histogram of the issuing task's
//! command name in `HISTS`.
//!
//! The classic `block:block_rq_issue` tracepoint, offsets from tracefs: its
//! record holds the disk and the size, so no BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::bpf_get_current_comm,
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    bitesize::{Config, Hist, HistKey, MAX_SLOTS},
    block::MAX_ENTRIES,
    histogram::slot,
};
use bpfbin_kernel::{atomic_add, read_record, value_or_insert};

bpfbin_kernel::config!(Config);

/// The histograms, read and emptied by user space once per interval.
#[map]
static HISTS: HashMap<HistKey, Hist> = HashMap::with_max_entries(MAX_ENTRIES, 0);

#[tracepoint]
pub fn block_rq_issue(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if config.filter_dev != 0 && read_record::<u32>(&ctx, config.issue_dev) != Some(config.dev) {
        return 0;
    }
    let Ok(comm) = bpf_get_current_comm() else { return 0 };
    // The whole name, NUL padding included: "dd" is not "ddrescue".
    if config.filter_comm != 0 && u128::from_ne_bytes(comm) != u128::from_ne_bytes(config.comm) {
        return 0;
    }
    let Some(bytes) = read_record::<u32>(&ctx, config.issue_bytes) else { return 0 };
    let Some(hist) = value_or_insert(&HISTS, &HistKey { comm }, &Hist::default()) else { return 0 };
    // SAFETY: a live map value; the slots are only ever added to atomically.
    unsafe {
        if let Some(count) = (*hist).slots.get_mut(slot(u64::from(bytes / 1024), MAX_SLOTS)) {
            atomic_add(count, 1);
        }
    }
    0
}

bpfbin_kernel::program_object!();
