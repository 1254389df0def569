//! softirqslower, kernel side: per CPU and vector, note when a softirq is
//! raised and when its handler starts; at its entry and its exit, send an
//! event when the wait or the run reached the threshold.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_smp_processor_id},
    macros::{map, tracepoint},
    maps::PerCpuArray,
    programs::TracePointContext,
};
use bpfbin_common::{
    irqs::SOFTIRQ_NAMES,
    softirqslower::{Config, Event, STAGE_ENTRY_TO_EXIT, STAGE_RAISE_TO_ENTRY},
};
use bpfbin_kernel::{
    irqs::{on_target_cpu, softirq_vec},
    now,
};

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(256 * 1024);

/// Per vector, when it was raised on this CPU and has not run since; 0 for not pending.
#[map]
static RAISED: PerCpuArray<u64> = PerCpuArray::with_max_entries(SOFTIRQ_NAMES.len() as u32, 0);

/// Per vector, when its handler started on this CPU; 0 for not running.
#[map]
static ENTERED: PerCpuArray<u64> = PerCpuArray::with_max_entries(SOFTIRQ_NAMES.len() as u32, 0);

/// The vector of this record, if it is named and this CPU is traced.
fn traced(ctx: &TracePointContext, config: &Config) -> Option<u32> {
    if !on_target_cpu(config.cpu) {
        return None;
    }
    softirq_vec(ctx, config.vec)
}

/// Sends `stage` of `vec`, which took `ns`, if that reaches the threshold.
fn report(config: &Config, stage: u32, vec: u32, ns: u64) {
    if ns < config.min_ns {
        return;
    }
    // SAFETY: the helper has no preconditions.
    let cpu = unsafe { bpf_get_smp_processor_id() };
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event { delta_ns: ns, stage, vec, cpu, _pad: 0, comm: bpf_get_current_comm().unwrap_or([0; 16]) }
    });
}

#[tracepoint]
pub fn softirq_raise(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(vec) = traced(&ctx, &config) else { return 0 };
    let Some(raised) = RAISED.get_ptr_mut(vec) else { return 0 };
    // SAFETY: this CPU's own slot; programs do not nest on a CPU.
    let raised = unsafe { &mut *raised };
    // Raised again before it ran: the wait counts from the first raise.
    if *raised == 0 {
        *raised = now();
    }
    0
}

#[tracepoint]
pub fn softirq_entry(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(vec) = traced(&ctx, &config) else { return 0 };
    let now = now();
    if let Some(raised) = RAISED.get_ptr_mut(vec) {
        // SAFETY: this CPU's own slot; programs do not nest on a CPU.
        let raised = unsafe { &mut *raised };
        // No raise seen: it was raised before the tool attached.
        if *raised != 0 {
            report(&config, STAGE_RAISE_TO_ENTRY, vec, now.wrapping_sub(*raised));
            *raised = 0;
        }
    }
    if let Some(entered) = ENTERED.get_ptr_mut(vec) {
        // SAFETY: this CPU's own slot; programs do not nest on a CPU.
        unsafe { *entered = now };
    }
    0
}

#[tracepoint]
pub fn softirq_exit(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(vec) = traced(&ctx, &config) else { return 0 };
    let Some(entered) = ENTERED.get_ptr_mut(vec) else { return 0 };
    // SAFETY: this CPU's own slot; programs do not nest on a CPU.
    let entered = unsafe { &mut *entered };
    // No entry seen: the tool attached while this handler ran.
    if *entered == 0 {
        return 0;
    }
    let ns = now().wrapping_sub(*entered);
    *entered = 0;
    report(&config, STAGE_ENTRY_TO_EXIT, vec, ns);
    0
}

bpfbin_kernel::program_object!();
