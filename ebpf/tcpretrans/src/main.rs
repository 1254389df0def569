//! tcpretrans, kernel side: each retransmitted segment from
//! `tcp:tcp_retransmit_skb` (no BTF needed) and, for `-l`, each tail loss
//! probe from a kprobe on `tcp_send_loss_probe(struct sock *sk)`, whose
//! socket is read at offsets from BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::bpf_get_current_pid_tgid,
    macros::{kprobe, tracepoint},
    programs::{ProbeContext, TracePointContext},
};
use bpfbin_common::{
    inet::{AF_INET, AF_INET6, is_v4_mapped},
    tcpretrans::{Config, Event, LOSS_PROBE, RETRANSMIT},
    tracepoint::ABSENT,
};
use bpfbin_kernel::{
    inet::{read_addresses, read_sock_endpoints},
    probe_arg, read_field, read_record, read_record_pointer,
};

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(256 * 1024);

#[tracepoint]
pub fn tcp_retransmit_skb(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let f = &config.fields;
    bpfbin_kernel::emit_if!(|event: &mut Event| {
        read_addresses(&ctx, f.saddr_v6, f.daddr_v6, &mut event.ends);
        let family = if f.family == ABSENT {
            // Before 5.15 the record has no family: an AF_INET socket's
            // addresses are stored IPv4-mapped.
            if is_v4_mapped(&event.ends.saddr) { AF_INET } else { AF_INET6 }
        } else {
            read_record(&ctx, f.family).unwrap_or(0)
        };
        let (Some(sport), Some(dport), Some(state)) =
            (read_record(&ctx, f.sport), read_record(&ctx, f.dport), read_record(&ctx, f.state))
        else {
            return false;
        };
        if config.family != 0 && config.family != family {
            return false;
        }
        event.ends.sport = sport;
        event.ends.dport = dport;
        event.ends.family = family;
        event.ends._pad = 0;
        event.state = state;
        event.kind = RETRANSMIT;
        event.seq = if config.skb_seq == 0 { 0 } else { read_seq(&ctx, f.skbaddr, config.skb_seq) };
        event.pid = (bpf_get_current_pid_tgid() >> 32) as u32;
        true
    });
    0
}

/// The sequence number of the record's `skbaddr`, at `offset` in it.
fn read_seq(ctx: &TracePointContext, skbaddr: u16, offset: u16) -> u32 {
    match read_record_pointer(ctx, skbaddr) {
        Some(skb) if skb != 0 => read_field::<u32>(skb, offset).unwrap_or(0),
        _ => 0,
    }
}

/// `void tcp_send_loss_probe(struct sock *sk)`
#[kprobe]
pub fn tcp_send_loss_probe(ctx: ProbeContext) -> u32 {
    let Some(sk) = probe_arg(&ctx, 0) else { return 0 };
    let config = CONFIG.load();
    bpfbin_kernel::emit_if!(|event: &mut Event| match read_sock_endpoints(sk, &config.sock, &mut event.ends) {
        Some(state) if config.family == 0 || config.family == event.ends.family => {
            event.state = state;
            event.kind = LOSS_PROBE;
            event.seq = 0;
            event.pid = (bpf_get_current_pid_tgid() >> 32) as u32;
            true
        }
        _ => false,
    });
    0
}

bpfbin_kernel::program_object!();
