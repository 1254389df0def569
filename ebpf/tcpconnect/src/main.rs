//! tcpconnect, kernel side: active TCP opens, seen as the CLOSE -> SYN_SENT
//! change of `sock:inet_sock_set_state`, which tcp_v4_connect() and
//! tcp_v6_connect() make in the connecting task. The source port is not
//! picked yet then: with `-s` a connect is reported at the socket's next
//! change. Why this marks libbpf-tools' connects: docs/design.md.
#![no_std]
#![no_main]

use aya_ebpf::{
    Global,
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid, bpf_ktime_get_ns as ktime_get_ns,
    },
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::{Change, MAX_PORTS, SetStateFields, TCP_CLOSE, TCP_SYN_SENT, port_allowed, read_endpoints, read_tcp_change},
    kernel::count_lost,
    tcpconnect::{Config, Connector, Event, MAX_ENTRIES},
};

#[unsafe(no_mangle)]
static CONFIG: Global<Config> = Global::new(Config {
    fields: SetStateFields::UNSET,
    pid: 0,
    uid: u32::MAX,
    source_port: 0,
    filter_ports: 0,
    _pad: [0; 2],
});

/// The destination ports to trace, filled by user space.
#[map]
static PORTS: HashMap<u16, u8> = HashMap::with_max_entries(MAX_PORTS, 0);

/// With `-s`: connects waiting for their source port, by socket address.
#[map]
static PENDING: HashMap<u64, Connector> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_common::event_maps!(256 * 1024);

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
    let Some(mut entry) = EVENTS.reserve::<Event>(0) else {
        count_lost(&LOST);
        return;
    };
    // SAFETY: reserved ring buffer memory of the right size, fully written before submit.
    unsafe {
        let event = &mut *entry.as_mut_ptr();
        read_endpoints(ctx, &config.fields, change, &mut event.ends);
        event.who = *who;
    }
    entry.submit(0);
}

/// Nanoseconds since boot.
fn now() -> u64 {
    // SAFETY: the helper has no preconditions.
    unsafe { ktime_get_ns() }
}

bpfbin_common::program_object!();
