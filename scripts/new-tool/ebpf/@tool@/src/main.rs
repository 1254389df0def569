//! @tool@, kernel side: one event per (to write: what the tool traces).
#![no_std]
#![no_main]

use aya_ebpf::{
    Global,
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_ktime_get_ns},
    macros::tracepoint,
    programs::TracePointContext,
};
use bpfbin_common::{
    @tool@::{Config, Event},
    kernel::count_lost,
};

#[unsafe(no_mangle)]
static CONFIG: Global<Config> = Global::new(Config { pid: 0 });

bpfbin_common::event_maps!(64 * 1024);

/// Named after the tracepoint it is attached to, which is how
/// `bpfbin::load::attach_tracepoint` finds it: rename it to yours.
#[tracepoint]
pub fn @tool@(_ctx: TracePointContext) -> u32 {
    let id = bpf_get_current_pid_tgid();
    let pid = (id >> 32) as u32;
    let config = CONFIG.load();
    if config.pid != 0 && config.pid != pid {
        return 0;
    }
    // SAFETY: the helper has no preconditions.
    let ts_ns = unsafe { bpf_ktime_get_ns() };
    let Some(mut entry) = EVENTS.reserve::<Event>(0) else {
        count_lost(&LOST);
        return 0;
    };
    // SAFETY: reserved ring buffer memory of the right size, fully written before submit.
    unsafe {
        entry.as_mut_ptr().write(Event {
            ts_ns,
            pid,
            tid: id as u32,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        })
    };
    entry.submit(0);
    0
}

bpfbin_common::program_object!();
