# With BPFBIN_KERNEL_CONFIG = "1" (local.conf), linux-yocto merges bpfbin.cfg
# (BTF, bpf(2), BPF events, syscall tracepoints, kprobes, uprobes, BPF JIT).
# Other kernel recipes: add file://bpfbin.cfg to their SRC_URI the same way
# if they merge .cfg fragments (kernel-yocto), else append its lines to
# their defconfig.
FILESEXTRAPATHS:prepend := "${THISDIR}/files:"
SRC_URI:append = "${@' file://bpfbin.cfg' if d.getVar('BPFBIN_KERNEL_CONFIG') == '1' else ''}"
# kernel.bbclass builds with PAHOLE=false, which drops DEBUG_INFO_BTF, unless
# KERNEL_DEBUG is True; that also brings pahole-native.
KERNEL_DEBUG := "${@'True' if d.getVar('BPFBIN_KERNEL_CONFIG') == '1' else d.getVar('KERNEL_DEBUG') or ''}"
