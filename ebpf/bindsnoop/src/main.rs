//! bindsnoop, kernel side: at `sys_enter_bind` remember the descriptor by
//! thread; at `sys_exit_bind` find its socket (task -> files -> file ->
//! socket -> sock, offsets from BTF) and send it as bind() left it: local
//! address and port, protocol, interface, options, and the return value.
//! Where libbpf-tools probes inet_bind(): no kprobes needed (docs/design.md).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    bindsnoop::{BitField, Config, Event, MAX_ENTRIES},
    inet::{Endpoints, MAX_PORTS},
};
use bpfbin_kernel::{
    inet::{fd_socket, port_allowed, read_sock_endpoints},
    read_field, read_long, take,
};

bpfbin_kernel::config!(Config);

bpfbin_kernel::cgroup_filter!();

/// The local ports to trace (`-P`), filled by user space.
#[map]
static PORTS: HashMap<u16, u8> = HashMap::with_max_entries(MAX_PORTS, 0);

/// The descriptor of each thread's bind() in flight.
#[map]
static FDS: HashMap<u32, u32> = HashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::event_maps!(256 * 1024);

#[tracepoint]
pub fn sys_enter_bind(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let pid_tgid = bpf_get_current_pid_tgid();
    if config.pid != 0 && config.pid != (pid_tgid >> 32) as u32 {
        return 0;
    }
    if !in_cgroup(config.cgroup != 0) {
        return 0;
    }
    let fd = read_long(&ctx, config.enter_fd) as u32;
    // A full map costs this bind its event, as in libbpf-tools.
    let _ = FDS.insert(&(pid_tgid as u32), &fd, 0);
    0
}

#[tracepoint]
pub fn sys_exit_bind(ctx: TracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    let tid = pid_tgid as u32;
    let Some(fd) = take(&FDS, &tid) else { return 0 };
    let config = CONFIG.load();
    let ret = read_long(&ctx, config.exit_ret) as i32;
    if config.ignore_errors != 0 && ret != 0 {
        return 0;
    }
    let Some((_, sk)) = fd_socket(&config.walk, fd) else { return 0 };
    let mut ends = Endpoints::default();
    // Other families (unix, netlink...) are not inet_bind()'s.
    if read_sock_endpoints(sk, &config.sock, &mut ends).is_none() {
        return 0;
    }
    if !port_allowed(config.filter_ports, &PORTS, ends.sport) {
        return 0;
    }
    let mut opts = 0;
    for (i, option) in config.opts.iter().enumerate() {
        if bits(sk, option) != 0 {
            opts |= 1 << i;
        }
    }
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event {
            ends,
            pid: (pid_tgid >> 32) as u32,
            bound_dev_if: read_field::<u32>(sk, config.bound_dev_if).unwrap_or(0),
            ret,
            proto: bits(sk, &config.protocol) as u16,
            opts,
            _pad: 0,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    });
    0
}

/// The value of `field` in the struct at `base`; 0 when unreadable.
fn bits(base: u64, field: &BitField) -> u64 {
    let word = read_field::<u64>(base, field.offset).unwrap_or(0) >> (field.shift & 63);
    if field.bits >= 64 { word } else { word & ((1u64 << field.bits) - 1) }
}

bpfbin_kernel::program_object!();
