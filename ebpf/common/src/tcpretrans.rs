//! tcpretrans: one event per TCP retransmit (`tcp:tcp_retransmit_skb`) and,
//! with `-l`, per tail loss probe (a kprobe on `tcp_send_loss_probe()`,
//! which has no tracepoint).

use crate::{
    inet::{Endpoints, SkSkbFields, SockOffsets},
    user_pod,
};

/// Where `-s` finds a segment's sequence number: in `sk_buff.cb`, which
/// TCP uses as a `struct tcp_skb_cb`.
pub const SEQ_MEMBERS: [(&str, &str); 2] = [("sk_buff", "cb"), ("tcp_skb_cb", "seq")];

/// What an event is, as BCC's tcpretrans prints it in its `T` column.
pub const RETRANSMIT: u32 = 1;
pub const LOSS_PROBE: u32 = 2;

/// The record layout, the socket layout (for `-l`) and the filter, set by
/// user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub fields: SkSkbFields,
    /// From BTF, only with `-l`.
    pub sock: SockOffsets,
    /// Only this family (`-4`, `-6`); 0 for both.
    pub family: u16,
    /// Offset of the sequence number in a `struct sk_buff` (`cb` holds a
    /// `struct tcp_skb_cb`), from BTF, for `-s`; 0 without it.
    pub skb_seq: u16,
}

/// One retransmit or loss probe, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    pub ends: Endpoints,
    /// The current task: usually not the socket's owner (timers fire in
    /// softirq context), as in BCC.
    pub pid: u32,
    /// The socket's TCP state.
    pub state: i32,
    /// `RETRANSMIT` or `LOSS_PROBE`.
    pub kind: u32,
    /// The segment's first sequence number, with `-s` (0 for a loss probe,
    /// as in BCC).
    pub seq: u32,
}

user_pod!(Config, Event);
