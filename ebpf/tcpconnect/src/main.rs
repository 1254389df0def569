//! tcpconnect, kernel side: active TCP opens, seen without kprobes as the
//! CLOSE -> SYN_SENT change of `sock:inet_sock_set_state` (docs/design.md
//! says why); with `-s`, at the next change, once the source port is known.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::{MAX_PORTS, TCP_CLOSE, TCP_SYN_SENT},
    tcpconnect::{Config, Connector, Event, MAX_ENTRIES},
};
use bpfbin_kernel::{
    inet::{Change, port_allowed, read_endpoints, read_tcp_change},
    now,
};

bpfbin_kernel::config!(Config);

/// The destination ports to trace, filled by user space.
#[map]
static PORTS: HashMap<u16, u8> = HashMap::with_max_entries(MAX_PORTS, 0);

/// With `-s`: connects waiting for their source port, by socket address.
#[map]
static PENDING: HashMap<u64, Connector> = HashMap::with_max_entries(MAX_ENTRIES, 0);

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
        let uid = bpf_get_current_uid_gid() as u32;
        if config.uid != u32::MAX && config.uid != uid {
            return 0;
        }
        if !port_allowed(config.filter_ports, &PORTS, change.dport) {
            return 0;
        }
        let who = Connector { ts_us: now() / 1000, pid, uid, comm: bpf_get_current_comm().unwrap_or([0; 16]) };
        if config.source_port != 0 {
            // A full map costs this connect its event.
            let _ = PENDING.insert(&change.skaddr, &who, 0);
        } else {
            emit(&ctx, &config, &change, &who);
        }
    } else if change.oldstate == TCP_SYN_SENT && config.source_port != 0 {
        // SAFETY: a map value, read before its entry is removed below.
        let Some(who) = (unsafe { PENDING.get(&change.skaddr) }) else { return 0 };
        if change.sport != 0 {
            emit(&ctx, &config, &change, who);
        }
        let _ = PENDING.remove(&change.skaddr);
    }
    0
}

fn emit(ctx: &TracePointContext, config: &Config, change: &Change, who: &Connector) {
    bpfbin_kernel::emit!(|event: &mut Event| {
        read_endpoints(ctx, &config.fields, change, &mut event.ends);
        event.who = *who;
    });
}

bpfbin_kernel::program_object!();
