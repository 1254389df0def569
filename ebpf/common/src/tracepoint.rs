//! Where a tracepoint's fields sit in its record.
//!
//! Offsets come from the running kernel's tracefs `format` files at load time,
//! so one object serves kernels whose records differ (32-bit kernels store
//! syscall arguments in 4-byte slots, 64-bit ones in 8-byte slots).

/// Offset of a field in a tracepoint record; `ABSENT` when the kernel has none.
pub type FieldOffset = u16;

/// Marks a field this kernel's tracepoint does not have.
pub const ABSENT: FieldOffset = u16::MAX;
