//! mountsnoop, kernel side: remember the arguments of each mount family call
//! at syscall entry; at exit, emit one event with them, the strings they
//! point to, the result and the caller's mount namespace.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_user_str_bytes},
    macros::map,
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    mountsnoop::{
        Config, Event, MAX_ARGS, MntNsWalk, STRINGS, SYS_FSCONFIG, SYS_FSMOUNT, SYS_FSOPEN, SYS_MOUNT, SYS_MOVE_MOUNT,
        SYS_UMOUNT,
    },
    tracepoint::ABSENT,
};
use bpfbin_kernel::{current_task, now, read_field, read_long, read_pointer};

bpfbin_kernel::config!(Config);

/// Arguments seen at entry, by thread id, until the matching exit.
#[derive(Clone, Copy)]
struct Args {
    ts_ns: u64,
    values: [u64; MAX_ARGS],
    sys: u32,
}

#[map]
static START: HashMap<u32, Args> = HashMap::with_max_entries(10240, 0);

bpfbin_kernel::event_maps!(512 * 1024);

fn enter(ctx: &TracePointContext, sys: usize) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    if config.pid != 0 && config.pid != (id >> 32) as u32 {
        return 0;
    }
    let Some(offsets) = config.args.get(sys) else { return 0 };
    let mut values = [0; MAX_ARGS];
    for (value, &offset) in values.iter_mut().zip(offsets) {
        if offset != ABSENT {
            *value = read_long(ctx, offset) as u64;
        }
    }
    let args = Args { ts_ns: now(), values, sys: sys as u32 };
    // A full map only costs this one call its event, as in libbpf-tools.
    let _ = START.insert(&(id as u32), &args, 0);
    0
}

fn exit(ctx: &TracePointContext) -> u32 {
    let tid = bpf_get_current_pid_tgid() as u32;
    // SAFETY: only this thread's entry and exit use its entry, and the map
    // frees removed entries only after running programs are done.
    if let Some(args) = unsafe { START.get(&tid) } {
        emit(ctx, args);
        let _ = START.remove(&tid);
    }
    0
}

/// One event for the call `args` describes, which just returned.
fn emit(ctx: &TracePointContext, args: &Args) {
    let config = CONFIG.load();
    let Some(strings) = STRINGS.get(args.sys as usize) else { return };
    bpfbin_kernel::emit!(|event: &mut Event| {
        event.delta_ns = now().wrapping_sub(args.ts_ns);
        event.args = args.values;
        let id = bpf_get_current_pid_tgid();
        event.pid = (id >> 32) as u32;
        event.tid = id as u32;
        event.mnt_ns = mnt_ns(&config.mnt_ns).unwrap_or(0);
        event.ret = read_long(ctx, config.exit_ret) as i32;
        event.sys = args.sys;
        event._pad = 0;
        event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
        read_str(&args.values, strings.fs, &mut event.fs);
        read_str(&args.values, strings.data[0], &mut event.data[0]);
        read_str(&args.values, strings.data[1], &mut event.data[1]);
        read_str(&args.values, strings.path[0], &mut event.path[0]);
        read_str(&args.values, strings.path[1], &mut event.path[1]);
    });
}

/// The inode number of the current task's mount namespace, as
/// `/proc/PID/ns/mnt` shows it: `task->nsproxy->mnt_ns->ns.inum`.
fn mnt_ns(walk: &MntNsWalk) -> Result<u32, i32> {
    if walk.known == 0 {
        return Ok(0);
    }
    let nsproxy = read_pointer(current_task(), walk.task_nsproxy)?;
    let mnt_ns = read_pointer(nsproxy, walk.nsproxy_mnt_ns)?;
    read_field::<u32>(mnt_ns, walk.mnt_ns_inum)
}

/// Reads the string argument `arg` points to into `out`; empty when there is
/// none, or it is NULL (mount(2) without data) or unreadable.
#[inline(always)]
fn read_str<const N: usize>(values: &[u64; MAX_ARGS], arg: u8, out: &mut [u8; N]) {
    // Each argument at a constant offset: LLVM turns `values[arg]` into a
    // bounds check on one register and a load through a copy of it, which
    // the verifier cannot follow.
    let mut pointer = 0;
    for (index, &value) in values.iter().enumerate() {
        if usize::from(arg) == index {
            pointer = value;
        }
    }
    // SAFETY: a checked read of a user string into a buffer we own.
    if pointer == 0 || unsafe { bpf_probe_read_user_str_bytes(pointer as usize as *const u8, out) }.is_err() {
        out[0] = 0;
    }
}

bpfbin_kernel::syscall_programs!(sys_enter_mount, sys_exit_mount, SYS_MOUNT);
bpfbin_kernel::syscall_programs!(sys_enter_umount, sys_exit_umount, SYS_UMOUNT);
bpfbin_kernel::syscall_programs!(sys_enter_fsopen, sys_exit_fsopen, SYS_FSOPEN);
bpfbin_kernel::syscall_programs!(sys_enter_fsconfig, sys_exit_fsconfig, SYS_FSCONFIG);
bpfbin_kernel::syscall_programs!(sys_enter_fsmount, sys_exit_fsmount, SYS_FSMOUNT);
bpfbin_kernel::syscall_programs!(sys_enter_move_mount, sys_exit_move_mount, SYS_MOVE_MOUNT);

bpfbin_kernel::program_object!();
