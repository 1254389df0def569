//! Soft interrupts for softirqs and softirqslower: where the
//! `irq:softirq_*` tracepoints record the vector, which
//! `bpfbin_common::irqs::SOFTIRQ_NAMES` names. Nothing here needs BTF.

use bpfbin_common::tracepoint::FieldOffset;

use crate::{error::Result, kernel::tracefs::Tracefs};

/// Where `irq:softirq_raise`, `softirq_entry` and `softirq_exit` record the
/// vector. One event class (`softirq`) defines all three, so
/// `softirq_entry`'s format says it for each.
pub fn softirq_vec(tracefs: &Tracefs) -> Result<FieldOffset> {
    tracefs.format("irq", "softirq_entry")?.require("vec", "irq:softirq_entry")
}
