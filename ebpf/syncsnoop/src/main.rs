//! syncsnoop, kernel side: one event at the entry of each sync family syscall.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::tracepoint,
    programs::TracePointContext,
};
use bpfbin_common::syncsnoop::{
    Config, Event, SYS_FDATASYNC, SYS_FSYNC, SYS_MSYNC, SYS_SYNC, SYS_SYNC_FILE_RANGE, SYS_SYNC_FILE_RANGE2, SYS_SYNCFS,
};
use bpfbin_kernel::now;

bpfbin_kernel::config!(Config);

bpfbin_kernel::event_maps!(64 * 1024);

fn emit(sys: u32) -> u32 {
    let id = bpf_get_current_pid_tgid();
    let pid = (id >> 32) as u32;
    let config = CONFIG.load();
    if config.pid != 0 && config.pid != pid {
        return 0;
    }
    let ts_ns = now();
    bpfbin_kernel::emit!(|event: &mut Event| {
        *event = Event { ts_ns, pid, tid: id as u32, sys, _pad: 0, comm: bpf_get_current_comm().unwrap_or([0; 16]) }
    });
    0
}

#[tracepoint]
pub fn sys_enter_sync(_ctx: TracePointContext) -> u32 {
    emit(SYS_SYNC)
}

#[tracepoint]
pub fn sys_enter_fsync(_ctx: TracePointContext) -> u32 {
    emit(SYS_FSYNC)
}

#[tracepoint]
pub fn sys_enter_fdatasync(_ctx: TracePointContext) -> u32 {
    emit(SYS_FDATASYNC)
}

#[tracepoint]
pub fn sys_enter_msync(_ctx: TracePointContext) -> u32 {
    emit(SYS_MSYNC)
}

#[tracepoint]
pub fn sys_enter_sync_file_range(_ctx: TracePointContext) -> u32 {
    emit(SYS_SYNC_FILE_RANGE)
}

#[tracepoint]
pub fn sys_enter_sync_file_range2(_ctx: TracePointContext) -> u32 {
    emit(SYS_SYNC_FILE_RANGE2)
}

#[tracepoint]
pub fn sys_enter_syncfs(_ctx: TracePointContext) -> u32 {
    emit(SYS_SYNCFS)
}

bpfbin_kernel::program_object!();
