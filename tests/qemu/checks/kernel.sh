#!/bin/sh
# The kernel under test offers what the tools rely on: BTF exactly when the
# matrix expects it, kprobe events, syscall tracepoints, the bpf() syscall.
# Independent of any tool, so it proves the harness itself.
. /lib/bpfbin/lib.sh

t=/sys/kernel/tracing
[ -d $t/events ] || t=/sys/kernel/debug/tracing
[ -d $t/events ] || fail "no tracefs (neither /sys/kernel/tracing nor debugfs)"
[ -e $t/kprobe_events ] || fail "no kprobe_events in $t: CONFIG_KPROBE_EVENTS off"
[ -d $t/events/syscalls/sys_enter_openat ] || fail "no syscalls/sys_enter_openat tracepoint: CONFIG_FTRACE_SYSCALLS off"
[ -e /proc/sys/kernel/unprivileged_bpf_disabled ] || fail "no bpf() syscall: CONFIG_BPF_SYSCALL off"

if have_btf; then btf="btf=yes($(wc -c < /sys/kernel/btf/vmlinux)B)"; else btf=btf=no; fi
case ${BPFBIN_EXPECT_BTF:-} in
1) have_btf || fail "$(uname -r): /sys/kernel/btf/vmlinux missing but BTF expected" ;;
0) have_btf && fail "$(uname -r): /sys/kernel/btf/vmlinux present but this kernel is expected to lack BTF" ;;
esac
pass "$(uname -r) $(uname -m) $btf kprobe_events sys_enter_openat"
