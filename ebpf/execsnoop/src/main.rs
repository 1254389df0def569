//! execsnoop, kernel side: read the file name and arguments of each exec at
//! syscall entry, while they are still in the caller's memory, and emit one
//! event at syscall exit with the result and the new program's name.
#![no_std]
#![no_main]

use aya_ebpf::{
    cty::c_void,
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid, generated::bpf_probe_read_user_str,
    },
    macros::map,
    maps::{LruHashMap, PerCpuArray},
    programs::TracePointContext,
};
use bpfbin_common::execsnoop::{ARG_LEN, ARGS_LEN, Config, EnterFields, Event, HEADER_LEN, LAST_ARG, MAX_ARGS};
use bpfbin_kernel::{current_task, output, read_field, read_long, read_pointer, read_user_pointer};

bpfbin_kernel::config!(Config);

/// Execs under way, by thread id, from entry to the matching exit. Entries
/// are preallocated, a whole event each, so this holds fewer than
/// libbpf-tools' 10240: plenty for execs in flight at once. LRU, so an
/// entry whose exit never matched (a thread's exec returns under the
/// leader's id) is reclaimed rather than kept forever.
#[map]
static EXECS: LruHashMap<u32, Event> = LruHashMap::with_max_entries(1024, 0);

/// Where an event is put together at entry: it is far larger than the stack.
#[map]
static SCRATCH: PerCpuArray<Event> = PerCpuArray::with_max_entries(1, 0);

bpfbin_kernel::cgroup_filter!();

bpfbin_kernel::event_maps!(256 * 1024);

/// Only execs that pass the filters are kept here for their exit, which
/// then needs none: an exec changes neither uid nor cgroup.
fn enter(ctx: &TracePointContext, fields: EnterFields) -> u32 {
    let config = CONFIG.load();
    if !in_cgroup(config.cgroup != 0) {
        return 0;
    }
    let uid = bpf_get_current_uid_gid() as u32;
    if config.uid != u32::MAX && config.uid != uid {
        return 0;
    }
    let Some(event) = SCRATCH.get_ptr_mut(0) else { return 0 };
    // SAFETY: this CPU's slot; the program runs to completion on this CPU.
    let event = unsafe { &mut *event };
    let id = bpf_get_current_pid_tgid();
    let header = &mut event.header;
    header.pid = (id >> 32) as u32;
    header.ppid = parent_tgid(&config).unwrap_or(0);
    header.uid = uid;
    let filename = read_long(ctx, fields.filename) as u64;
    let argv = read_long(ctx, fields.argv) as u64;
    let (count, size) = read_args(&mut event.args, filename, argv, config.max_args);
    event.header.args_count = count;
    event.header.args_size = size as u32;
    // A thread is in one syscall at a time: an entry already there is stale.
    let _ = EXECS.insert(&(id as u32), event, 0);
    0
}

/// `current->real_parent->tgid`, with offsets from this kernel's BTF.
fn parent_tgid(config: &Config) -> Result<u32, i32> {
    let parent = read_pointer(current_task(), config.task_real_parent)?;
    read_field::<u32>(parent, config.task_tgid)
}

/// Packs the file name and `argv[1..]` into `args` as NUL-terminated strings,
/// keeping `max_args` of them as libbpf-tools does; returns how many (one more
/// when some were left out) and the bytes used.
fn read_args(args: &mut [u8; ARGS_LEN], filename: u64, argv: u64, max_args: u32) -> (u32, usize) {
    let args = args.as_mut_ptr();
    // The file name stands for argv[0]; unreadable, it is shown empty.
    let mut size = match read_str(args, 0, filename) {
        n @ 1..=ARG_LEN => n,
        _ => {
            // SAFETY: the first byte of `args`.
            unsafe { *args = 0 };
            1
        }
    };
    let mut count = 1;
    for i in 1..max_args.min(MAX_ARGS) {
        let Ok(arg @ 1..) = read_user_pointer(argv, i) else { return (count, size) };
        // Checked here, right before use, so the verifier sees the bound.
        if size > LAST_ARG {
            return (count, size);
        }
        match read_str(args, size, arg) {
            n @ 1..=ARG_LEN => size += n,
            _ => return (count, size),
        }
        count += 1;
    }
    if read_user_pointer(argv, max_args).is_ok_and(|arg| arg != 0) {
        count += 1;
    }
    (count, size)
}

/// Reads the user string at `src` into `args[at..at + ARG_LEN]`; returns its
/// length with the NUL, or 0 when it could not be read.
fn read_str(args: *mut u8, at: usize, src: u64) -> usize {
    // SAFETY: callers keep `at` at most LAST_ARG, so the write stays in `args`.
    let n = unsafe { bpf_probe_read_user_str(args.add(at).cast::<c_void>(), ARG_LEN as u32, src as *const c_void) };
    if n > 0 { n as usize } else { 0 }
}

fn exit(ctx: &TracePointContext) -> u32 {
    let config = CONFIG.load();
    let tid = bpf_get_current_pid_tgid() as u32;
    let Some(event) = EXECS.get_ptr_mut(&tid) else { return 0 };
    let ret = read_long(ctx, config.exit_ret);
    if ret >= 0 || config.include_failed != 0 {
        // SAFETY: this thread's entry, which only this thread touches until it is removed below.
        let event = unsafe { &mut *event };
        event.header.ret = ret as i32;
        event.header.comm = bpf_get_current_comm().unwrap_or([0; 16]);
        // Only the arguments in use go out: most execs need a few hundred bytes.
        let len = HEADER_LEN + (event.header.args_size as usize).min(ARGS_LEN);
        // SAFETY: `len` is at most the size of the event.
        let record = unsafe { core::slice::from_raw_parts((event as *const Event).cast::<u8>(), len) };
        output(&EVENTS, &LOST, record);
    }
    let _ = EXECS.remove(&tid);
    0
}

bpfbin_kernel::syscall_programs!(sys_enter_execve, sys_exit_execve, CONFIG.load().execve);
bpfbin_kernel::syscall_programs!(sys_enter_execveat, sys_exit_execveat, CONFIG.load().execveat);

bpfbin_kernel::program_object!();
