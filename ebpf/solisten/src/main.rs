//! solisten, kernel side: at `sys_enter_listen` remember the descriptor and
//! backlog by thread; at `sys_exit_listen` find the socket (task -> files ->
//! file -> socket -> sock, offsets from BTF) and send it as listen() left it,
//! with the return value. Where libbpf-tools probes inet_listen(): no
//! kprobes or BPF trampolines needed (docs/design.md).
#![no_std]
#![no_main]

use aya_ebpf::{
    Global,
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::{Endpoints, FdWalk, SockOffsets, fd_socket, read_sock_endpoints},
    kernel::{count_lost, read_field, read_long},
    solisten::{Call, Config, Event, MAX_ENTRIES},
};

#[unsafe(no_mangle)]
static CONFIG: Global<Config> = Global::new(Config {
    walk: FdWalk::UNSET,
    sock: SockOffsets::UNSET,
    socket_type: 0,
    enter_fd: 0,
    enter_backlog: 0,
    exit_ret: 0,
    pid: 0,
});

/// Each thread's listen() in flight.
#[map]
static CALLS: HashMap<u32, Call> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_common::event_maps!(64 * 1024);

#[tracepoint]
pub fn sys_enter_listen(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let pid_tgid = bpf_get_current_pid_tgid();
    if config.pid != 0 && config.pid != (pid_tgid >> 32) as u32 {
        return 0;
    }
    let call =
        Call { fd: read_long(&ctx, config.enter_fd) as u32, backlog: read_long(&ctx, config.enter_backlog) as i32 };
    // A full map costs this call its event, as in libbpf-tools.
    let _ = CALLS.insert(&(pid_tgid as u32), &call, 0);
    0
}

#[tracepoint]
pub fn sys_exit_listen(ctx: TracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let tid = pid_tgid as u32;
    // SAFETY: the value is copied out at once.
    let Some(call) = (unsafe { CALLS.get(&tid) }).copied() else { return 0 };
    let _ = CALLS.remove(&tid);
    let config = CONFIG.load();
    let Some((socket, sk)) = fd_socket(&config.walk, call.fd) else { return 0 };
    let mut ends = Endpoints::default();
    // Other families (unix...) are not inet_listen()'s.
    if read_sock_endpoints(sk, &config.sock, &mut ends).is_none() {
        return 0;
    }
    let Some(mut entry) = EVENTS.reserve::<Event>(0) else {
        count_lost(&LOST);
        return 0;
    };
    // SAFETY: reserved ring buffer memory of the right size, fully written before submit.
    unsafe {
        entry.as_mut_ptr().write(Event {
            ends,
            pid: (pid_tgid >> 32) as u32,
            backlog: call.backlog,
            ret: read_long(&ctx, config.exit_ret) as i32,
            socket_type: read_field::<u16>(socket, config.socket_type).unwrap_or(0),
            _pad: 0,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        })
    };
    entry.submit(0);
    0
}

bpfbin_common::program_object!();
