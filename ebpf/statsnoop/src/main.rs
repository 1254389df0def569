//! statsnoop, kernel side: remember the arguments of each stat at syscall
//! entry, and emit one event at syscall exit with the result.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_user_str_bytes},
    macros::map,
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    statsnoop::{Config, Event, INVALID_FD},
    tracepoint::{ABSENT, FieldOffset},
};
use bpfbin_kernel::{now, read_long, take};

bpfbin_kernel::config!(Config);

/// Arguments seen at entry, by thread id, until the matching exit.
#[derive(Clone, Copy)]
struct Args {
    path: u64,
    fd: i32,
    dirfd: i32,
    sys: u32,
}

#[map]
static START: HashMap<u32, Args> = HashMap::with_max_entries(10240, 0);

bpfbin_kernel::event_maps!(256 * 1024);

fn read_fd(ctx: &TracePointContext, offset: FieldOffset) -> i32 {
    if offset == ABSENT { INVALID_FD } else { read_long(ctx, offset) as i32 }
}

fn enter(ctx: &TracePointContext, sys: usize) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    if config.pid != 0 && config.pid != (id >> 32) as u32 {
        return 0;
    }
    let Some(fields) = config.enter.get(sys) else { return 0 };
    let args = Args {
        path: if fields.path == ABSENT { 0 } else { read_long(ctx, fields.path) as u64 },
        fd: read_fd(ctx, fields.fd),
        dirfd: read_fd(ctx, fields.dirfd),
        sys: sys as u32,
    };
    // Nothing to name the file by: no event, as in libbpf-tools.
    if args.path == 0 && args.fd == INVALID_FD && args.dirfd == INVALID_FD {
        return 0;
    }
    // A full map only costs this one call its event, as in libbpf-tools.
    let _ = START.insert(&(id as u32), &args, 0);
    0
}

fn exit(ctx: &TracePointContext) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    let tid = id as u32;
    let Some(args) = take(&START, &tid) else { return 0 };
    let ret = read_long(ctx, config.exit_ret) as i32;
    if config.failed_only != 0 && ret >= 0 {
        return 0;
    }
    bpfbin_kernel::emit!(|event: &mut Event| {
        event.ts_ns = now();
        event.pid = (id >> 32) as u32;
        event.tid = tid;
        event.ret = ret;
        event.sys = args.sys;
        event.fd = args.fd;
        event.dirfd = args.dirfd;
        event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
        // SAFETY: a checked read of a user string into a buffer we own.
        if args.path == 0 || unsafe { bpf_probe_read_user_str_bytes(args.path as *const u8, &mut event.path) }.is_err()
        {
            event.path[0] = 0;
        }
    });
    0
}

bpfbin_kernel::syscall_programs!(sys_enter_statfs, sys_exit_statfs, 0);
bpfbin_kernel::syscall_programs!(sys_enter_newstat, sys_exit_newstat, 1);
bpfbin_kernel::syscall_programs!(sys_enter_statx, sys_exit_statx, 2);
bpfbin_kernel::syscall_programs!(sys_enter_newfstat, sys_exit_newfstat, 3);
bpfbin_kernel::syscall_programs!(sys_enter_newfstatat, sys_exit_newfstatat, 4);
bpfbin_kernel::syscall_programs!(sys_enter_newlstat, sys_exit_newlstat, 5);
bpfbin_kernel::syscall_programs!(sys_enter_stat64, sys_exit_stat64, 6);
bpfbin_kernel::syscall_programs!(sys_enter_lstat64, sys_exit_lstat64, 7);
bpfbin_kernel::syscall_programs!(sys_enter_fstat64, sys_exit_fstat64, 8);
bpfbin_kernel::syscall_programs!(sys_enter_fstatat64, sys_exit_fstatat64, 9);
bpfbin_kernel::syscall_programs!(sys_enter_statfs64, sys_exit_statfs64, 10);

bpfbin_kernel::program_object!();
