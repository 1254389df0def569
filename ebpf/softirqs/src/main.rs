//! softirqs, kernel side: at `softirq_entry` note the time on this CPU
//! (softirqs do not nest on a CPU), at `softirq_exit` add the time since to
//! the vector's entry in `INFOS`.
#![no_std]
#![no_main]

use aya_ebpf::{
    macros::{map, tracepoint},
    maps::{HashMap, PerCpuArray},
    programs::TracePointContext,
};
use bpfbin_common::irqs::{Config, Info, SOFTIRQ_NAMES};
use bpfbin_kernel::{
    irqs::{on_target_cpu, record, softirq_vec},
    now,
};

bpfbin_kernel::config!(Config);

/// When the softirq running on this CPU started, in slot 0.
#[map]
static START: PerCpuArray<u64> = PerCpuArray::with_max_entries(1, 0);

/// Per vector, read and emptied by user space once per interval.
#[map]
static INFOS: HashMap<u32, Info> = HashMap::with_max_entries(SOFTIRQ_NAMES.len() as u32, 0);

#[tracepoint]
pub fn softirq_entry(_ctx: TracePointContext) -> u32 {
    if !on_target_cpu(CONFIG.load().cpu) {
        return 0;
    }
    if let Some(start) = START.get_ptr_mut(0) {
        // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
        unsafe { *start = now() };
    }
    0
}

#[tracepoint]
pub fn softirq_exit(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if !on_target_cpu(config.cpu) {
        return 0;
    }
    let Some(start) = START.get_ptr_mut(0) else { return 0 };
    // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
    let start = unsafe { &mut *start };
    // No entry seen: the tool attached while this softirq ran.
    if *start == 0 {
        return 0;
    }
    let ns = now().wrapping_sub(*start);
    *start = 0;
    if let Some(vec) = softirq_vec(&ctx, config.vec) {
        record(&config, &INFOS, &vec, ns);
    }
    0
}

bpfbin_kernel::program_object!();
