//! capable, kernel side: the entry of `cap_capable()` remembers which
//! capability a thread asks for; its return sends the check with the verdict.
#![no_std]
#![no_main]

use aya_ebpf::{
    bindings::BPF_F_USER_STACK,
    helpers::{bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid},
    macros::{kprobe, kretprobe, map},
    maps::{HashMap, StackTrace},
    programs::{ProbeContext, RetProbeContext, tracing::StackIdContext},
};
use bpfbin_common::capable::{
    CAP_OPT_INSETID, CAP_OPT_NOAUDIT, Check, Config, DEFAULT_STACK_STORAGE_SIZE, Event, NO_STACK, UNIQUE_CGROUP,
    UNIQUE_OFF, UniqueKey,
};
use bpfbin_kernel::{probe_arg, probe_ret, take};

bpfbin_kernel::config!(Config);

/// Checks in flight, by thread.
#[map]
static CHECKS: HashMap<u64, Check> = HashMap::with_max_entries(10240, 0);

/// `-u`: the pairs already shown.
#[map]
static SEEN: HashMap<UniqueKey, u8> = HashMap::with_max_entries(10240, 0);

/// `-K`, `-U`: the stacks events refer to by id, 127 frames deep; identical
/// stacks share an id. `--stack-storage-size` sets its size at load time.
#[map]
static STACKS: StackTrace = StackTrace::with_max_entries(DEFAULT_STACK_STORAGE_SIZE, 0);

bpfbin_kernel::cgroup_filter!();

bpfbin_kernel::event_maps!(64 * 1024);

/// `int cap_capable(const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts)`
#[kprobe]
pub fn cap_capable(ctx: ProbeContext) -> u32 {
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return 0;
    }
    let id = bpf_get_current_pid_tgid();
    let pid = (id >> 32) as u32;
    if pid == config.self_pid || (config.pid != 0 && config.pid != pid) {
        return 0;
    }
    let (Some(cap), Some(opts)) = (probe_arg(&ctx, 2), probe_arg(&ctx, 3)) else { return 0 };
    // The stacks are taken here, at the call, not at the return as in
    // libbpf-tools: from a kretprobe, kernels before 5.16 unwind no further
    // than the kretprobe trampoline (x86_64) or not at all (arm64). A
    // -errno (a full map, a user stack not readable) is kept as it is and
    // shown as missed.
    let stack_id = |flags: u64| match ctx.get_stackid(&STACKS, flags) {
        Ok(id) => id as i32,
        Err(errno) => errno,
    };
    let check = Check {
        cap: cap as i32,
        opts: opts as u32,
        kernel_stack_id: if config.kernel_stack != 0 { stack_id(0) } else { NO_STACK },
        user_stack_id: if config.user_stack != 0 { stack_id(BPF_F_USER_STACK as u64) } else { NO_STACK },
    };
    // A full map drops the check: its return then finds nothing to send.
    let _ = CHECKS.insert(&id, &check, 0);
    0
}

#[kretprobe]
pub fn cap_capable_return(ctx: RetProbeContext) -> u32 {
    let id = bpf_get_current_pid_tgid();
    let Some(check) = take(&CHECKS, &id) else { return 0 };
    let config = CONFIG.load();
    let pid = (id >> 32) as u32;

    if config.unique != UNIQUE_OFF {
        let key = if config.unique == UNIQUE_CGROUP {
            // SAFETY: the helper has no preconditions.
            UniqueKey { cap: check.cap, tgid: 0, cgroup_id: unsafe { bpf_get_current_cgroup_id() } }
        } else {
            UniqueKey { cap: check.cap, tgid: pid, cgroup_id: 0 }
        };
        if SEEN.get_ptr(&key).is_some() {
            return 0;
        }
        let _ = SEEN.insert(&key, &0, 0);
    }

    let (audit, insetid) = if config.opts_bitmask != 0 {
        ((check.opts & CAP_OPT_NOAUDIT == 0) as i32, (check.opts & CAP_OPT_INSETID != 0) as i32)
    } else {
        (check.opts as i32, -1)
    };
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event {
            pid,
            tid: id as u32,
            uid: bpf_get_current_uid_gid() as u32,
            cap: check.cap,
            audit,
            insetid,
            ret: probe_ret(&ctx) as i32,
            kernel_stack_id: check.kernel_stack_id,
            user_stack_id: check.user_stack_id,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    });
    0
}

bpfbin_kernel::program_object!();
