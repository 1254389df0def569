//! solisten, kernel side: at `sys_enter_listen` remember the descriptor and
//! backlog by thread; at `sys_exit_listen` find the socket (task -> files ->
//! file -> socket -> sock, offsets from BTF) and send it as listen() left it,
//! with the return value. Where libbpf-tools probes inet_listen(): no
//! kprobes or BPF trampolines needed (docs/design.md).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    inet::Endpoints,
    solisten::{Call, Config, Event, MAX_ENTRIES},
};
use bpfbin_kernel::{
    inet::{fd_socket, read_sock_endpoints},
    read_field, read_long, take,
};

bpfbin_kernel::config!(Config);

/// Each thread's listen() in flight.
#[map]
static CALLS: HashMap<u32, Call> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::event_maps!(64 * 1024);

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
    let Some(call) = take(&CALLS, &tid) else { return 0 };
    let config = CONFIG.load();
    let Some((socket, sk)) = fd_socket(&config.walk, call.fd) else { return 0 };
    let mut ends = Endpoints::default();
    // Other families (unix...) are not inet_listen()'s.
    if read_sock_endpoints(sk, &config.sock, &mut ends).is_none() {
        return 0;
    }
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event {
            ends,
            pid: (pid_tgid >> 32) as u32,
            backlog: call.backlog,
            ret: read_long(&ctx, config.exit_ret) as i32,
            socket_type: read_field::<u16>(socket, config.socket_type).unwrap_or(0),
            _pad: 0,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    });
    0
}

bpfbin_kernel::program_object!();
