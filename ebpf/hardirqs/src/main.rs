//! hardirqs, kernel side: at `irq_handler_entry` note the time and the
//! handler's name on this CPU (handlers do not nest), at `irq_handler_exit`
//! add the time since to the handler's entry in `INFOS`.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::bpf_get_smp_processor_id,
    macros::{map, tracepoint},
    maps::{HashMap, PerCpuArray},
    programs::TracePointContext,
};
use bpfbin_common::irqs::{Config, HardirqStart, Info, IrqKey, MAX_IRQS, NAME_LEN};
use bpfbin_kernel::{
    irqs::{on_target_cpu, read_dynamic_str, record},
    now,
};

bpfbin_kernel::config!(Config);

/// The handler running on this CPU, in slot 0.
#[map]
static START: PerCpuArray<HardirqStart> = PerCpuArray::with_max_entries(1, 0);

/// Per handler (and CPU, with `-C`), read and emptied by user space once per interval.
#[map]
static INFOS: HashMap<IrqKey, Info> = HashMap::with_max_entries(MAX_IRQS, 0);

bpfbin_kernel::cgroup_filter!();

/// Whether this interrupt passes `-s` and `-c` (the cgroup of the task it interrupted).
fn traced(config: &Config) -> bool {
    on_target_cpu(config.cpu) && in_cgroup(config.cgroup != 0)
}

#[tracepoint]
pub fn irq_handler_entry(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if !traced(&config) {
        return 0;
    }
    let Some(start) = START.get_ptr_mut(0) else { return 0 };
    // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
    let start = unsafe { &mut *start };
    start.name = [0; NAME_LEN];
    read_dynamic_str(&ctx, config.name, config.name_base, &mut start.name);
    start.ts = now();
    0
}

#[tracepoint]
pub fn irq_handler_exit(_ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if !traced(&config) {
        return 0;
    }
    let Some(start) = START.get_ptr_mut(0) else { return 0 };
    // SAFETY: this CPU's own slot; nothing else writes it meanwhile.
    let start = unsafe { &mut *start };
    // No entry seen: the tool attached while this handler ran.
    if start.ts == 0 {
        return 0;
    }
    let ns = now().wrapping_sub(start.ts);
    start.ts = 0;
    let key = IrqKey {
        name: start.name,
        // SAFETY: the helper has no preconditions.
        cpu: if config.per_cpu != 0 { unsafe { bpf_get_smp_processor_id() } } else { 0 },
    };
    record(&config, &INFOS, &key, ns);
    0
}

bpfbin_kernel::program_object!();
