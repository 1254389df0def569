//! opensnoop, kernel side: remember the arguments of each open at syscall
//! entry, and emit one event at syscall exit with the result.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid, bpf_probe_read_user,
        bpf_probe_read_user_str_bytes,
    },
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};
use bpfbin_common::opensnoop::{Config, EnterFields, Event, FullPathEvent};
use bpfbin_kernel::{current_cwd, read_long, take};

bpfbin_kernel::config!(Config);

/// Arguments seen at entry, by thread id, until the matching exit.
#[derive(Clone, Copy)]
struct Args {
    fname: u64,
    flags: u64,
    mode: u32,
}

#[map]
static START: HashMap<u32, Args> = HashMap::with_max_entries(10240, 0);

bpfbin_kernel::event_maps!(256 * 1024);

/// The `struct open_how` of openat2, whose first two members are flags and mode.
#[repr(C)]
#[derive(Clone, Copy)]
struct OpenHow {
    flags: u64,
    mode: u64,
}

fn traced(config: &Config, id: u64) -> bool {
    let (tgid, tid) = ((id >> 32) as u32, id as u32);
    if config.pid != 0 && config.pid != tgid {
        return false;
    }
    if config.tid != 0 && config.tid != tid {
        return false;
    }
    config.uid == u32::MAX || config.uid == bpf_get_current_uid_gid() as u32
}

fn remember(id: u64, args: Args) -> u32 {
    let tid = id as u32;
    // A full map only costs this one open its event, as in libbpf-tools.
    let _ = START.insert(&tid, &args, 0);
    0
}

fn enter(ctx: &TracePointContext, fields: EnterFields) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    if !traced(&config, id) {
        return 0;
    }
    remember(
        id,
        Args {
            fname: read_long(ctx, fields.filename) as u64,
            flags: read_long(ctx, fields.flags) as u64,
            mode: read_long(ctx, fields.mode) as u32,
        },
    )
}

#[tracepoint]
pub fn sys_enter_openat2(ctx: TracePointContext) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    if !traced(&config, id) {
        return 0;
    }
    let how = read_long(&ctx, config.openat2.flags) as usize as *const OpenHow;
    // SAFETY: a user pointer; a failed read leaves flags and mode at zero.
    let how = unsafe { bpf_probe_read_user(how) }.unwrap_or(OpenHow { flags: 0, mode: 0 });
    remember(
        id,
        Args { fname: read_long(&ctx, config.openat2.filename) as u64, flags: how.flags, mode: how.mode as u32 },
    )
}

fn exit(ctx: &TracePointContext) -> u32 {
    let config = CONFIG.load();
    let id = bpf_get_current_pid_tgid();
    let tid = id as u32;
    let Some(args) = take(&START, &tid) else { return 0 };
    let ret = read_long(ctx, config.exit_ret);
    if config.failed_only != 0 && ret >= 0 {
        return 0;
    }
    // SAFETY: a checked read of one byte of user memory.
    let absolute = unsafe { bpf_probe_read_user(args.fname as *const u8) } == Ok(b'/');
    if config.full_path != 0 && !absolute {
        bpfbin_kernel::emit!(|full: &mut FullPathEvent| {
            fill(&mut full.event, id, ret, &args);
            current_cwd(&config.walk, &mut full.cwd);
        });
    } else {
        bpfbin_kernel::emit!(|event: &mut Event| fill(event, id, ret, &args));
    }
    0
}

fn fill(event: &mut Event, id: u64, ret: i64, args: &Args) {
    event.pid = (id >> 32) as u32;
    event.tid = id as u32;
    event.uid = bpf_get_current_uid_gid() as u32;
    event.ret = ret as i32;
    event.flags = args.flags;
    event.mode = args.mode;
    event._pad = 0;
    event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    // SAFETY: a checked read of a user string into a buffer we own.
    if unsafe { bpf_probe_read_user_str_bytes(args.fname as *const u8, &mut event.fname) }.is_err() {
        event.fname[0] = 0;
    }
}

bpfbin_kernel::syscall_programs!(sys_enter_open, sys_exit_open, CONFIG.load().open);
bpfbin_kernel::syscall_programs!(sys_enter_openat, sys_exit_openat, CONFIG.load().openat);

#[tracepoint]
pub fn sys_exit_openat2(ctx: TracePointContext) -> u32 {
    exit(&ctx)
}

bpfbin_kernel::program_object!();
