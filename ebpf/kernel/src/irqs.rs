//! hardirqs, softirqs and softirqslower, kernel side: the CPU filter,
//! handler names and softirq vectors from the tracepoint record, and the
//! per-handler totals or histograms.

use aya_ebpf::{
    EbpfContext,
    helpers::{bpf_get_smp_processor_id, bpf_probe_read_kernel_str_bytes},
    maps::HashMap,
    programs::TracePointContext,
};

use bpfbin_common::{
    histogram::slot,
    irqs::{ANY_CPU, Config, Info, MAX_SLOTS, SOFTIRQ_NAMES},
    tracepoint::FieldOffset,
};

use crate::{atomic_add, read_record, value_or_insert};

/// Whether this CPU passes the CPU filter `cpu` (ANY_CPU for none).
pub fn on_target_cpu(cpu: u32) -> bool {
    // SAFETY: the helper has no preconditions.
    cpu == ANY_CPU || cpu == unsafe { bpf_get_smp_processor_id() }
}

/// The vector an `irq:softirq_*` record names (its `vec`, at `field`), if
/// it is one of `SOFTIRQ_NAMES`: a vector of a newer kernel is left out.
pub fn softirq_vec(ctx: &TracePointContext, field: FieldOffset) -> Option<u32> {
    read_record::<u32>(ctx, field).filter(|vec| (*vec as usize) < SOFTIRQ_NAMES.len())
}

/// Copies the string of a tracepoint's dynamic field (`__data_loc` or
/// `__rel_loc char[]`) into `out`, NUL-terminated and cut to fit. The
/// field is 32 bits: the string's length above its offset, which counts
/// from the record's start (`base` 0) or from the field's end.
pub fn read_dynamic_str(ctx: &TracePointContext, field: u16, base: u16, out: &mut [u8]) {
    let Some(loc) = read_record::<u32>(ctx, field) else { return };
    let at = base as usize + (loc & 0xffff) as usize;
    // SAFETY: a checked read of the record, which holds the string; a bad address is an Err.
    let _ = unsafe { bpf_probe_read_kernel_str_bytes((ctx.as_ptr() as *const u8).wrapping_add(at), out) };
}

/// Adds one handler run of `ns` to the entry `key` of `infos`: to its
/// histogram with `-d`, else to its total and maximum. Counts are atomic
/// adds, as other CPUs may run a handler of the same name; the maximum
/// is a plain store, as libbpf-tools keeps it (a race may lose one).
pub fn record<K>(config: &Config, infos: &HashMap<K, Info>, key: &K, ns: u64) {
    let Some(info) = value_or_insert(infos, key, &Info::default()) else { return };
    let time = if config.nanoseconds != 0 { ns } else { ns / 1000 };
    // SAFETY: a live map value; counters are only ever added to atomically.
    unsafe {
        atomic_add(&raw mut (*info).count, 1);
        if config.distributed != 0 {
            if let Some(count) = (*info).slots.get_mut(slot(time, MAX_SLOTS)) {
                atomic_add(count, 1);
            }
        } else {
            atomic_add(&raw mut (*info).total_time, time);
            if time > (*info).max_time {
                (*info).max_time = time;
            }
        }
    }
}
