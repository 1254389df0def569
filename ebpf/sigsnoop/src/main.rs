//! sigsnoop, kernel side: emit one event per signal generated; or, in kill
//! mode, remember each kill syscall's target and signal at entry and emit one
//! event at exit with its result.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    sigsnoop::{Config, Event, KillFields},
};
use bpfbin_kernel::{output, read_long, read_record, take};

bpfbin_kernel::config!(Config);

/// Kill syscalls seen at entry, by thread id, until the matching exit.
#[map]
static VALUES: HashMap<u32, Event> = HashMap::with_max_entries(10240, 0);

bpfbin_kernel::event_maps!(256 * 1024);

/// Whether `sig` passes the `-s` filter.
fn wanted(config: &Config, sig: i32) -> bool {
    config.signals == 0 || ((1..=31).contains(&sig) && config.signals & (1 << (sig - 1)) != 0)
}

/// The sending process, if it passes the `-p` filter.
fn sender(config: &Config) -> Option<u32> {
    let pid = (bpf_get_current_pid_tgid() >> 32) as u32;
    (config.pid == 0 || config.pid == pid).then_some(pid)
}

#[tracepoint]
pub fn signal_generate(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let fields = config.generate;
    // A failed read is zero; the record holds the target's comm.
    let read = |offset: u16| read_record::<i32>(&ctx, offset).unwrap_or(0);
    let tcomm = read_record(&ctx, fields.comm).unwrap_or([0; TASK_COMM_LEN]);
    let tpid = read(fields.pid);
    if config.kill_mode != 0 {
        // Inside a kill syscall of this thread: its target's name, which
        // the syscall tracepoints do not have.
        let tid = bpf_get_current_pid_tgid() as u32;
        if let Some(entry) = VALUES.get_ptr_mut(&tid) {
            // SAFETY: this thread's own entry, which only it writes.
            unsafe {
                if (*entry).tpid == tpid {
                    (*entry).tcomm = tcomm;
                }
            }
        }
        return 0;
    }
    let ret = read(fields.errno);
    let sig = read(fields.sig);
    if (config.failed_only != 0 && ret == 0) || !wanted(&config, sig) {
        return 0;
    }
    let Some(pid) = sender(&config) else { return 0 };
    let comm = bpf_get_current_comm().unwrap_or([0; TASK_COMM_LEN]);
    output(&EVENTS, &LOST, &Event { pid, tpid, sig, ret, comm, tcomm });
    0
}

fn enter(ctx: &TracePointContext, fields: KillFields) -> u32 {
    let config = CONFIG.load();
    let sig = read_long(ctx, fields.sig) as i32;
    if !wanted(&config, sig) {
        return 0;
    }
    let Some(pid) = sender(&config) else { return 0 };
    let event = Event {
        pid,
        tpid: read_long(ctx, fields.pid) as i32,
        sig,
        ret: 0,
        comm: bpf_get_current_comm().unwrap_or([0; TASK_COMM_LEN]),
        tcomm: [0; TASK_COMM_LEN],
    };
    let tid = bpf_get_current_pid_tgid() as u32;
    // A full map only costs this one call its event, as in libbpf-tools.
    let _ = VALUES.insert(&tid, &event, 0);
    0
}

fn exit(ctx: &TracePointContext) -> u32 {
    let config = CONFIG.load();
    let tid = bpf_get_current_pid_tgid() as u32;
    let Some(mut event) = take(&VALUES, &tid) else { return 0 };
    event.ret = read_long(ctx, config.exit_ret) as i32;
    if config.failed_only != 0 && event.ret >= 0 {
        return 0;
    }
    output(&EVENTS, &LOST, &event);
    0
}

bpfbin_kernel::syscall_programs!(sys_enter_kill, sys_exit_kill, CONFIG.load().kill);
bpfbin_kernel::syscall_programs!(sys_enter_tkill, sys_exit_tkill, CONFIG.load().tkill);
bpfbin_kernel::syscall_programs!(sys_enter_tgkill, sys_exit_tgkill, CONFIG.load().tgkill);

bpfbin_kernel::program_object!();
