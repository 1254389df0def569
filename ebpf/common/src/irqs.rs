//! hardirqs and softirqs: time spent in interrupt handlers, per handler name
//! (hardirqs) or softirq vector (softirqs), as totals or log2 histograms the
//! kernel keeps in a hash map that user space reads and empties per interval.

use crate::{tracepoint::FieldOffset, user_pod};

/// Slots of each histogram, as libbpf-tools has them.
pub const MAX_SLOTS: usize = 20;

/// Bytes of a hardirq handler's name kept, NUL included (libbpf-tools'
/// `irq_key.name`): longer names are cut.
pub const NAME_LEN: usize = 32;

/// Entries of the hardirqs map, as libbpf-tools sizes it.
pub const MAX_IRQS: u32 = 256;

/// The softirq vectors, by number, named as libbpf-tools prints them (the
/// kernel's `softirq_to_name`, in lower case). A higher vector is ignored.
pub const SOFTIRQ_NAMES: [&str; 10] =
    ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"];

/// Marks `Config::cpu` as "every CPU".
pub const ANY_CPU: u32 = u32::MAX;

/// What one handler (or vector) did in an interval. Without `-d` the total
/// and the longest time, with `-d` the histogram; the count either way.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Info {
    pub count: u64,
    pub total_time: u64,
    pub max_time: u64,
    pub slots: [u32; MAX_SLOTS],
}

/// A hardirq handler: its name (`irqaction.name`, as `irq_handler_entry`
/// records it) and, with `-C`, the CPU it ran on (else 0). Sorted by name.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct IrqKey {
    pub name: [u8; NAME_LEN],
    pub cpu: u32,
}

/// A hardirq handler that started on this CPU: when, and its name (the
/// exit tracepoint has only the IRQ number).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HardirqStart {
    pub ts: u64,
    pub name: [u8; NAME_LEN],
}

/// Filters and modes of both tools, and where their tracepoint fields are,
/// set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this CPU (hardirqs `-s`, softirqs `-c`); ANY_CPU for all.
    pub cpu: u32,
    /// Histograms (`-d`), else totals and maxima.
    pub distributed: u8,
    /// Nanoseconds (`-N`), else microseconds.
    pub nanoseconds: u8,
    /// hardirqs: a key per CPU (`-C`).
    pub per_cpu: u8,
    /// hardirqs: only while a task of the cgroup in slot 0 of `CGROUPS` runs (`-c`).
    pub cgroup: u8,
    /// hardirqs: the 32-bit `__data_loc` (or `__rel_loc`) of the name in
    /// `irq:irq_handler_entry`, and what its offset counts from (0 for
    /// `__data_loc`, the end of the field for `__rel_loc`).
    pub name: FieldOffset,
    pub name_base: FieldOffset,
    /// softirqs: `vec` of `irq:softirq_exit`.
    pub vec: FieldOffset,
    pub _pad: u16,
}

user_pod!(Info, IrqKey, HardirqStart, Config);

#[cfg(feature = "kernel")]
mod kernel {
    use aya_ebpf::{
        EbpfContext,
        helpers::{bpf_get_smp_processor_id, bpf_ktime_get_ns, bpf_probe_read_kernel_str_bytes},
        maps::HashMap,
        programs::TracePointContext,
    };

    use super::{ANY_CPU, Config, Info, MAX_SLOTS};
    use crate::{
        histogram::slot,
        kernel::{atomic_add, read_record, value_or_insert},
    };

    /// Whether this CPU passes the CPU filter.
    pub fn on_target_cpu(config: &Config) -> bool {
        // SAFETY: the helper has no preconditions.
        config.cpu == ANY_CPU || config.cpu == unsafe { bpf_get_smp_processor_id() }
    }

    pub fn now() -> u64 {
        // SAFETY: the helper has no preconditions.
        unsafe { bpf_ktime_get_ns() }
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
}

#[cfg(feature = "kernel")]
pub use kernel::{now, on_target_cpu, read_dynamic_str, record};
