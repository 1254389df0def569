//! bashreadline: one event per line bash's readline returns.

/// Room for a line, NUL included, as libbpf-tools' `MAX_LINE_SIZE`: longer
/// lines are cut to 79 bytes, as there.
pub const MAX_LINE_SIZE: usize = 80;

/// One entered line, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// The shell process (tgid).
    pub pid: u32,
    /// The line, NUL-terminated (cut to fit).
    pub line: [u8; MAX_LINE_SIZE],
}

crate::user_pod!(Event);
