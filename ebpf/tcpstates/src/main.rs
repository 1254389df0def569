//! tcpstates, kernel side: every TCP state change from
//! `sock:inet_sock_set_state`, with the time since the socket's last one.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::TCP_CLOSE,
    tcpstates::{Config, Event, MAX_ENTRIES},
};
use bpfbin_kernel::{
    inet::{read_endpoints, read_tcp_change},
    now,
};

bpfbin_kernel::config!(Config);

bpfbin_kernel::port_filters!();

/// When each socket entered its current state, by socket address.
#[map]
static TIMESTAMPS: HashMap<u64, u64> = HashMap::with_max_entries(MAX_ENTRIES, 0);

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
    let now = now();
    // SAFETY: the value is copied out at once.
    let since = unsafe { TIMESTAMPS.get(&change.skaddr) }.copied();
    bpfbin_kernel::emit!(|event: &mut Event| {
        read_endpoints(&ctx, &config.fields, &change, &mut event.ends);
        event.skaddr = change.skaddr;
        event.delta_us = since.map_or(0, |since| now.wrapping_sub(since) / 1000);
        event.pid = (bpf_get_current_pid_tgid() >> 32) as u32;
        event.oldstate = change.oldstate;
        event.newstate = change.newstate;
        event._pad = 0;
        event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    });
    if change.newstate == TCP_CLOSE {
        let _ = TIMESTAMPS.remove(&change.skaddr);
    } else {
        // A full map costs this socket its next duration, as in libbpf-tools.
        let _ = TIMESTAMPS.insert(&change.skaddr, &now, 0);
    }
    0
}

bpfbin_kernel::program_object!();
