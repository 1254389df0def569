//! hardirqs and softirqs: time spent in interrupt handlers, per handler name
//! (hardirqs) or softirq vector (softirqs), as totals or log2 histograms the
//! kernel keeps in a hash map that user space reads and empties per interval.
//! softirqslower shares the vector names and the CPU filter's "every CPU".

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
    /// softirqs: `vec` of the `irq:softirq_*` records.
    pub vec: FieldOffset,
    pub _pad: u16,
}

user_pod!(Info, IrqKey, HardirqStart, Config);
