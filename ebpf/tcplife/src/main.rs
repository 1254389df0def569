//! tcplife, kernel side: each TCP session's span from `sock:inet_sock_set_state`
//! (its last change to SYN_SENT, SYN_RECV or ESTABLISHED until CLOSE), the task
//! that connected or closed it, and its byte counts, read from the `tcp_sock`
//! at offsets user space took from BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::{TCP_CLOSE, TCP_SYN_SENT},
    tcplife::{Config, Event, Ident, MAX_ENTRIES},
};
use bpfbin_kernel::{
    inet::{read_endpoints, read_tcp_change},
    now, read_field,
};

/// States from include/net/tcp_states.h that libbpf-tools' tcplife uses.
const TCP_FIN_WAIT1: i32 = 4;
const TCP_LAST_ACK: i32 = 9;

bpfbin_kernel::config!(Config);

/// When each session started, by socket address.
#[map]
static BIRTH: HashMap<u64, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

/// Who each session belongs to, by socket address.
#[map]
static IDENTS: HashMap<u64, Ident> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::port_filters!();

bpfbin_kernel::event_maps!(256 * 1024);

#[tracepoint]
pub fn inet_sock_set_state(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(change) = read_tcp_change(&ctx, &config.fields) else { return 0 };
    if config.family != 0 && config.family != change.family {
        return 0;
    }
    if !ports_allowed(config.filter_sports, config.filter_dports, &change) {
        return 0;
    }
    let sk = change.skaddr;
    if change.newstate < TCP_FIN_WAIT1 {
        let _ = BIRTH.insert(&sk, &now(), 0);
    }
    if change.newstate == TCP_SYN_SENT || change.newstate == TCP_LAST_ACK {
        let pid = (bpf_get_current_pid_tgid() >> 32) as u32;
        if config.pid != 0 && config.pid != pid {
            return 0;
        }
        let _ = IDENTS.insert(&sk, &Ident { pid, comm: bpf_get_current_comm().unwrap_or([0; 16]) }, 0);
    }
    if change.newstate != TCP_CLOSE {
        return 0;
    }
    // SAFETY: the value is copied out before the entry is removed.
    let Some(birth) = (unsafe { BIRTH.get(&sk) }).copied() else {
        let _ = IDENTS.remove(&sk);
        return 0;
    };
    let now = now();
    // SAFETY: a map value, read before its entry is removed below.
    let ident = unsafe { IDENTS.get(&sk) };
    let pid = ident.map_or((bpf_get_current_pid_tgid() >> 32) as u32, |ident| ident.pid);
    if config.pid == 0 || config.pid == pid {
        bpfbin_kernel::emit!(|event: &mut Event| {
            read_endpoints(&ctx, &config.fields, &change, &mut event.ends);
            event.span_us = now.wrapping_sub(birth) / 1000;
            event.rx_bytes = read_field::<u64>(sk, config.bytes_received).unwrap_or(0);
            event.tx_bytes = read_field::<u64>(sk, config.bytes_acked).unwrap_or(0);
            event.pid = pid;
            event.comm = match ident {
                Some(ident) => ident.comm,
                None => bpf_get_current_comm().unwrap_or([0; 16]),
            };
            event._pad = 0;
        });
    }
    let _ = BIRTH.remove(&sk);
    let _ = IDENTS.remove(&sk);
    0
}

bpfbin_kernel::program_object!();
