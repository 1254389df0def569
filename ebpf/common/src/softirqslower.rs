//! softirqslower: one event per softirq that waited from its raise to its
//! handler, or ran in its handler, at least as long as the threshold.
//! Vectors are named by `irqs::SOFTIRQ_NAMES`, the CPU filter is `irqs`' too.

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// The stages an event measures, by the `stage` it carries, named as
/// libbpf-tools prints them.
pub const STAGES: [&str; 2] = ["irq(hard) to softirq", "softirq runtime"];

/// From `softirq_raise` to `softirq_entry`: how long the vector was pending.
pub const STAGE_RAISE_TO_ENTRY: u32 = 0;
/// From `softirq_entry` to `softirq_exit`: how long its handler ran.
pub const STAGE_ENTRY_TO_EXIT: u32 = 1;

/// The threshold, the CPU filter and where the tracepoints keep the vector,
/// set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The threshold (`min_us`) in nanoseconds: a stage is reported when its
    /// whole microseconds reach `min_us`, that is when it took this long.
    pub min_ns: u64,
    /// Only this CPU (`-c`); `irqs::ANY_CPU` for all.
    pub cpu: u32,
    /// `vec` of the `irq:softirq_*` records.
    pub vec: FieldOffset,
    pub _pad: u16,
}

/// One slow stage of one softirq, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// How long the stage took.
    pub delta_ns: u64,
    /// `STAGE_RAISE_TO_ENTRY` or `STAGE_ENTRY_TO_EXIT`.
    pub stage: u32,
    /// The vector, an index into `irqs::SOFTIRQ_NAMES`.
    pub vec: u32,
    /// The CPU it ran on (a softirq runs on the CPU that raised it).
    pub cpu: u32,
    pub _pad: u32,
    /// The task current when the stage ended: the one the softirq
    /// interrupted, or ksoftirqd.
    pub comm: [u8; TASK_COMM_LEN],
}

user_pod!(Config, Event);
