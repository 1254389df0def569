//! bashreadline, kernel side: at the return of bash's readline, the line it
//! returns (user memory) goes to the ring buffer.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_user_str_bytes},
    macros::uretprobe,
    programs::RetProbeContext,
};
use bpfbin_common::bashreadline::{Event, MAX_LINE_SIZE};

bpfbin_kernel::event_maps!(64 * 1024);

/// The probed function's return value: the address of the line.
///
/// On 32-bit arm `pt_regs` is `long uregs[18]` with 4-byte longs, r0 first.
/// aya-ebpf 0.3 models `uregs` with the BPF target's 8-byte `c_long`, so its
/// `RetProbeContext::ret` would read r0 and r1 as one value; read r0 alone.
#[cfg(bpf_target_arch = "arm")]
fn return_value(ctx: &RetProbeContext) -> u64 {
    // SAFETY: offset 0 of the kprobe context is r0; the verifier checks the read.
    unsafe { *(ctx.regs as *const u32) as u64 }
}

#[cfg(not(bpf_target_arch = "arm"))]
fn return_value(ctx: &RetProbeContext) -> u64 {
    ctx.ret::<u64>()
}

#[uretprobe]
pub fn bashreadline(ctx: RetProbeContext) -> u32 {
    let line = return_value(&ctx);
    // NULL: end of input, no line.
    if line == 0 {
        return 0;
    }
    // Only bash itself, as libbpf-tools: the library may serve other programs.
    match bpf_get_current_comm() {
        Ok(comm) if comm[..5] == *b"bash\0" => {}
        _ => return 0,
    }
    bpfbin_kernel::emit_if!(|event: &mut Event| {
        // Zeroed first, so no stale bytes follow the line.
        *event = Event { pid: (bpf_get_current_pid_tgid() >> 32) as u32, line: [0; MAX_LINE_SIZE] };
        // SAFETY: a checked read of user memory; it NUL-terminates what fits.
        unsafe { bpf_probe_read_user_str_bytes(line as usize as *const u8, &mut event.line) }.is_ok()
    });
    0
}

bpfbin_kernel::program_object!();
