//! oomkill, kernel side: at each `oom_kill_process()`, send who ran out of
//! memory (the current task), who is killed (`oc->chosen`) and how many
//! pages the OOM killer weighed (`oc->totalpages`).
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::kprobe,
    programs::ProbeContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    oomkill::{Config, Event},
};
use bpfbin_kernel::{probe_arg, read_field, read_pointer};

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(64 * 1024);

/// `void oom_kill_process(struct oom_control *oc, const char *message)`
#[kprobe]
pub fn oom_kill_process(ctx: ProbeContext) -> u32 {
    let Some(oc) = probe_arg(&ctx, 0) else { return 0 };
    let config = CONFIG.load();
    // An unreadable member reads as 0, as BPF_CORE_READ gives libbpf-tools.
    let pages = if config.totalpages_size == 4 {
        read_field::<u32>(oc, config.totalpages).map(u64::from)
    } else {
        read_field::<u64>(oc, config.totalpages)
    };
    let chosen = read_pointer(oc, config.chosen).unwrap_or(0);
    let (tpid, tcomm) = if chosen == 0 {
        (0, [0; TASK_COMM_LEN])
    } else {
        (
            read_field::<u32>(chosen, config.tgid).unwrap_or(0),
            read_field::<[u8; TASK_COMM_LEN]>(chosen, config.comm).unwrap_or([0; TASK_COMM_LEN]),
        )
    };
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event {
            fpid: (bpf_get_current_pid_tgid() >> 32) as u32,
            tpid,
            pages: pages.unwrap_or(0),
            fcomm: bpf_get_current_comm().unwrap_or([0; TASK_COMM_LEN]),
            tcomm,
        }
    });
    0
}

bpfbin_kernel::program_object!();
