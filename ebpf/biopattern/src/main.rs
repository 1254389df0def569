//! biopattern, kernel side: when a block request completes, count it in its
//! disk's `Counter` as sequential if it starts where the disk's previous
//! completed request ended, else as random.
//!
//! The classic `block:block_rq_complete` tracepoint, as libbpf-tools uses,
//! offsets from tracefs: no BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::biopattern::{Config, Counter, MAX_DISKS};
use bpfbin_kernel::{atomic_add, read_record, value_or_insert};

bpfbin_kernel::config!(Config);

/// The counters by disk, read and emptied by user space once per interval.
#[map]
static COUNTERS: HashMap<u32, Counter> = HashMap::with_max_entries(MAX_DISKS, 0);

#[tracepoint]
pub fn block_rq_complete(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(dev) = read_record::<u32>(&ctx, config.dev_field) else { return 0 };
    if config.filter_dev != 0 && dev != config.dev {
        return 0;
    }
    let (Some(sector), Some(sectors)) =
        (read_record::<u64>(&ctx, config.sector), read_record::<u32>(&ctx, config.nr_sector))
    else {
        return 0;
    };
    let Some(counter) = value_or_insert(&COUNTERS, &dev, &Counter::default()) else { return 0 };
    // SAFETY: a live map value. The counts are atomic adds; the end sector is
    // a plain store, as libbpf-tools keeps it (completions racing on two
    // CPUs may count one of them against the other's end).
    unsafe {
        // A disk's first request of the interval only says where it ended.
        if (*counter).last_sector != 0 {
            if (*counter).last_sector == sector {
                atomic_add(&raw mut (*counter).sequential, 1);
            } else {
                atomic_add(&raw mut (*counter).random, 1);
            }
            atomic_add(&raw mut (*counter).bytes, u64::from(sectors) * 512);
        }
        (*counter).last_sector = sector + u64::from(sectors);
    }
    0
}

bpfbin_kernel::program_object!();
