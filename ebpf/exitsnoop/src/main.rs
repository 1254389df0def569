//! exitsnoop, kernel side: at each task exit, read the exit status, start
//! time and parent from the exiting task and emit one event.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::tracepoint,
    programs::TracePointContext,
};
use bpfbin_common::exitsnoop::{Config, Event};
use bpfbin_kernel::{current_task, now, read_field, read_pointer};

bpfbin_kernel::config!(Config);

bpfbin_kernel::cgroup_filter!();

bpfbin_kernel::event_maps!(256 * 1024);

#[tracepoint]
pub fn sched_process_exit(_ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return 0;
    }
    let id = bpf_get_current_pid_tgid();
    let (pid, tid) = ((id >> 32) as u32, id as u32);
    if config.pid != 0 && config.pid != pid {
        return 0;
    }
    if config.threads == 0 && pid != tid {
        return 0;
    }
    let task = current_task();
    let layout = config.task;
    // An unreadable member reads as 0, as BPF_CORE_READ gives libbpf-tools.
    let exit_code = read_field::<i32>(task, layout.exit_code).unwrap_or(0);
    if config.failed_only != 0 && exit_code == 0 {
        return 0;
    }
    bpfbin_kernel::emit!(|event: &mut Event| {
        event.start_time = read_field::<u64>(task, layout.start_time).unwrap_or(0);
        event.exit_time = now();
        event.pid = pid;
        event.ppid = read_pointer(task, layout.real_parent)
            .and_then(|parent| read_field::<u32>(parent, layout.tgid))
            .unwrap_or(0);
        event.tid = tid;
        event.exit_code = exit_code;
        event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    });
    0
}

bpfbin_kernel::program_object!();
