//! @tool@, kernel side: one event per (to write: what the tool traces).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::tracepoint,
    programs::TracePointContext,
};
use bpfbin_common::@tool@::{Config, Event};
use bpfbin_kernel::now;

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(64 * 1024);

/// Named after the tracepoint it is attached to, which is how
/// `bpfbin::bpf::load::attach_tracepoint` finds it: rename it to yours.
#[tracepoint]
pub fn @tool@(_ctx: TracePointContext) -> u32 {
    let id = bpf_get_current_pid_tgid();
    let pid = (id >> 32) as u32;
    let config = CONFIG.load();
    if config.pid != 0 && config.pid != pid {
        return 0;
    }
    let ts_ns = now();
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event { ts_ns, pid, tid: id as u32, comm: bpf_get_current_comm().unwrap_or([0; 16]) }
    });
    0
}

bpfbin_kernel::program_object!();
