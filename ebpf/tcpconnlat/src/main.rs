//! tcpconnlat, kernel side: the time from a socket's CLOSE -> SYN_SENT (in
//! the connecting task: its PID and comm are kept) to its SYN_SENT ->
//! ESTABLISHED, both from `sock:inet_sock_set_state`.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::{TCP_CLOSE, TCP_ESTABLISHED, TCP_SYN_SENT},
    tcpconnlat::{Config, Event, MAX_ENTRIES, Start},
};
use bpfbin_kernel::{
    inet::{read_endpoints, read_tcp_change},
    now,
};

bpfbin_kernel::config!(Config);

/// Connects in progress, by socket address.
#[map]
static START: HashMap<u64, Start> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::event_maps!(256 * 1024);

#[tracepoint]
pub fn inet_sock_set_state(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let Some(change) = read_tcp_change(&ctx, &config.fields) else { return 0 };
    if change.oldstate == TCP_CLOSE && change.newstate == TCP_SYN_SENT {
        let pid = (bpf_get_current_pid_tgid() >> 32) as u32;
        if config.pid != 0 && config.pid != pid {
            return 0;
        }
        let start = Start { ts_ns: now(), pid, _pad: 0, comm: bpf_get_current_comm().unwrap_or([0; 16]) };
        // A full map costs this connect its event, as in libbpf-tools.
        let _ = START.insert(&change.skaddr, &start, 0);
        return 0;
    }
    if change.oldstate != TCP_SYN_SENT {
        return 0;
    }
    // SAFETY: a map value, read before its entry is removed below.
    let Some(start) = (unsafe { START.get(&change.skaddr) }) else { return 0 };
    let now = now();
    let delta_us = now.wrapping_sub(start.ts_ns) / 1000;
    // Refused or timed out (CLOSE): no connection, no latency.
    if change.newstate == TCP_ESTABLISHED && delta_us >= config.min_us {
        bpfbin_kernel::emit!(|event: &mut Event| {
            read_endpoints(&ctx, &config.fields, &change, &mut event.ends);
            event.delta_us = delta_us;
            event.ts_us = now / 1000;
            event.pid = start.pid;
            event._pad = 0;
            event.comm = start.comm;
        });
    }
    let _ = START.remove(&change.skaddr);
    0
}

bpfbin_kernel::program_object!();
