#!/bin/sh
# Environment faults a person can hit on a device, injected into this real
# kernel: each tool either recovers by itself, or exits with status 1 and
# exactly one line on stderr (no panic, no backtrace, nothing on stdout) that
# names what is missing and how to fix it.
#   tracefs-unmounted  no tracefs anywhere (nor debugfs): opensnoop mounts
#                      it at /sys/kernel/tracing itself and sees a cat
#   tracefs-debugfs    tracefs only under debugfs: opensnoop uses
#                      /sys/kernel/debug/tracing and sees a cat
#   tracefs-no-mount-point  nowhere to mount it (/sys/kernel covered, BTF
#                      kept): "tracefs is not mounted; mount it with: ..."
#   tracefs-not-root   unmounted, and uid 1000 cannot mount it: the line
#                      says to run as root or mount it first
#   memlock            RLIMIT_MEMLOCK 64 KiB, soft and hard (5.10 charges
#                      BPF maps to it): opensnoop as root lifts it
#                      (/proc/PID/limits) and sees a cat
#   not-root           uid 1000: opensnoop (stopped at tracefs, closed to
#                      users on most kernels) gives the "run as root, or
#                      with CAP_BPF and CAP_PERFMON" hint
#   not-root-bpf       uid 1000: capable (kprobes, no tracefs): bpf(2)
#                      itself refuses, with the same hint
#   no-syscall-tracepoints  events/syscalls hidden, as on a kernel built
#                      without CONFIG_FTRACE_SYSCALLS: opensnoop names it
#   tracepoint-missing sched:sched_wakeup_new hidden: runqlat names it
#   no-btf             /sys/kernel/btf hidden (really absent on the no-BTF
#                      cell): tcplife names BTF and --btf FILE
# Mounts are broken in a private mount namespace (unshare -m) of the tool
# alone: the rest of the guest, and the checks after this one, keep their
# tracefs, debugfs and BTF whatever happens to this check; the limit is
# lowered in a subshell.
# A kernel function the kernel lacks is funclatency.sh's (one line, status
# 1). A kernel without the BPF ring buffer (before 5.8) is not in the
# matrix: tools/bpfbin/src/bpf/load.rs's unit tests cover that message.
# Not tested: RLIMIT_MEMLOCK that cannot be raised. It takes a process with
# CAP_BPF or CAP_SYS_ADMIN but without CAP_SYS_RESOURCE, and busybox cannot
# make one: its setpriv has no --reuid nor bounding set, su clears every
# capability, and there is no setcap or setfattr for file capabilities.
. /lib/bpfbin/lib.sh

opensnoop=$(tool opensnoop) || skip "opensnoop not built"
runqlat=$(tool runqlat) || skip "runqlat not built"
tcplife=$(tool tcplife) || skip "tcplife not built"
capable=$(tool capable) || skip "capable not built"
su=$(tool su) || fail "no su applet"
unshare=$(tool unshare) || fail "no unshare applet"
grep -q '^bpfbin:' /etc/passwd 2>/dev/null || echo 'bpfbin:x:1000:1000:bpfbin:/tmp:/bin/sh' >> /etc/passwd

dir=/tmp/faults.$$
mkdir -p "$dir"
file=$dir/known-file
echo hello > "$file"
PATH_ARG=$file

# $ns SETUP CMD...: run as `unshare -m sh $ns ...`, it breaks
# the namespace's mounts as SETUP says, checks the result, then execs CMD
# (same PID). A failed setup exits 97 with a line "SETUP FAILED: ...".
cat > "$dir/ns.sh" << 'EOF'
setup_failed() { echo "SETUP FAILED: $*" >&2; exit 97; }
# Every tracefs and debugfs mount, innermost first; lazily, so the
# debugfs automount of tracing goes with debugfs.
unmount_tracing() {
    for m in $(awk '$3 == "tracefs" || $3 == "debugfs" { print $2 }' /proc/self/mounts | sort -r); do
        umount -l "$m" || setup_failed "umount $m"
    done
    ! grep -Eq ' (tracefs|debugfs) ' /proc/self/mounts || setup_failed "tracefs or debugfs still mounted"
}
no_tracing_reachable() {
    for root in /sys/kernel/tracing /sys/kernel/debug/tracing; do
        [ ! -e "$root/events" ] || setup_failed "$root/events reachable"
    done
}
# hide PATH: an empty tmpfs over PATH.
hide() { mount -t tmpfs none "$1" || setup_failed "mount tmpfs on $1"; }
setup=$1
shift
case $setup in
unmounted)
    unmount_tracing
    no_tracing_reachable
    ;;
debugfs-only)
    umount -l /sys/kernel/tracing || setup_failed "umount /sys/kernel/tracing"
    [ ! -e /sys/kernel/tracing/events ] || setup_failed "/sys/kernel/tracing/events still there"
    grep -q ' /sys/kernel/debug debugfs ' /proc/self/mounts || setup_failed "no debugfs at /sys/kernel/debug"
    ;;
no-mount-point)
    unmount_tracing
    # /sys/kernel/tracing goes with the rest of /sys/kernel under a tmpfs;
    # the BTF directory is moved back onto it, so tools still read BTF.
    btf=${0%/*}/btf
    if [ -d /sys/kernel/btf ]; then
        mkdir -p "$btf"
        mount -o bind /sys/kernel/btf "$btf" || setup_failed "bind /sys/kernel/btf"
    fi
    hide /sys/kernel
    if [ -d "$btf" ]; then
        mkdir /sys/kernel/btf && mount -o move "$btf" /sys/kernel/btf || setup_failed "move BTF back"
        [ -r /sys/kernel/btf/vmlinux ] || setup_failed "BTF unreadable"
    fi
    [ ! -e /sys/kernel/tracing ] || setup_failed "/sys/kernel/tracing still there"
    no_tracing_reachable
    ;;
no-syscalls) hide /sys/kernel/tracing/events/syscalls ;;
no-wakeup-new) hide /sys/kernel/tracing/events/sched/sched_wakeup_new ;;
no-btf)
    [ -d /sys/kernel/btf ] && hide /sys/kernel/btf
    [ ! -e /sys/kernel/btf/vmlinux ] || setup_failed "BTF still there"
    ;;
*) setup_failed "unknown setup $setup" ;;
esac
exec "$@"
EOF
ns=$dir/ns.sh

faults=0
names=
failed=
# bad NAME REASON: record a fault that did not go as it must.
bad() {
    echo "FAULT $1: FAILED: $2"
    failed="$failed $1"
}
# ok NAME: record a fault that went as it must.
ok() { echo "FAULT $1: ok"; }

# refused NAME LINE CMD...: CMD (killed after 60 s) exits 1, prints nothing
# on stdout, and on stderr exactly LINE, an extended regular expression the
# whole (single) line must match.
refused() {
    name=$1 line=$2
    shift 2
    faults=$((faults + 1))
    names="$names $name"
    timeout -s KILL 60 "$@" > "$dir/$name.out" 2> "$dir/$name.err"
    rc=$?
    echo "--- $name: status $rc; stdout:"
    cat "$dir/$name.out"
    echo "--- $name: stderr:"
    cat "$dir/$name.err"
    if grep -q '^SETUP FAILED' "$dir/$name.err"; then
        bad "$name" "$(grep '^SETUP FAILED' "$dir/$name.err")"
    elif [ "$rc" != 1 ]; then
        bad "$name" "status $rc, not 1: $(head -n1 "$dir/$name.err")"
    elif [ -s "$dir/$name.out" ]; then
        bad "$name" "printed on stdout: $(head -n1 "$dir/$name.out")"
    elif [ "$(wc -l < "$dir/$name.err")" != 1 ] || grep -Eq 'panicked|RUST_BACKTRACE' "$dir/$name.err"; then
        bad "$name" "not one line on stderr: $(head -n1 "$dir/$name.err")"
    elif ! grep -Exq "$line" "$dir/$name.err"; then
        bad "$name" "unexpected message: $(cat "$dir/$name.err")"
    else
        ok "$name"
    fi
}

# recovers NAME CMD...: CMD (opensnoop) attaches, and sees a cat of $file;
# then CHECK_RUNNING, if set, is run while it still runs. Leaves the
# output in $dir/NAME.out.
recovers() {
    name=$1
    shift
    faults=$((faults + 1))
    names="$names $name"
    out=$dir/$name.out
    start_traced "$out" '^ *PID +COMM' "$@"
    case $? in
    0)
        run_cat "$file"
        if ! await_line "$out" '$1 == pid && $2 == "cat" && $3 >= 0 && $NF == path'; then
            bad "$name" "no line for cat $CAT_PID opening $file"
        elif [ -n "${CHECK_RUNNING:-}" ] && ! eval "$CHECK_RUNNING"; then
            bad "$name" "$WHY"
        else
            ok "$name"
        fi
        stop_traced
        ;;
    2) wait "$TRACED_PID"; bad "$name" "exited before attaching: $(head -n1 "$out")" ;;
    *) stop_traced; bad "$name" "no header after 120s" ;;
    esac
    echo "--- $name: output:"
    grep -e PID -e "$file" -e 'SETUP' -e "$(basename "$opensnoop"):" "$out" | head -n 10
}

# The tool mounted tracefs in its own namespace (read from outside).
CHECK_RUNNING='grep -q " /sys/kernel/tracing tracefs " "/proc/$TRACED_PID/mounts" || { WHY="no tracefs at /sys/kernel/tracing in its namespace"; false; }'
recovers tracefs-unmounted "$unshare" -m --propagation private sh "$ns" unmounted "$opensnoop"

CHECK_RUNNING='! grep -q " /sys/kernel/tracing tracefs " "/proc/$TRACED_PID/mounts" || { WHY="mounted tracefs although debugfs had it"; false; }'
recovers tracefs-debugfs "$unshare" -m --propagation private sh "$ns" debugfs-only "$opensnoop"

# tcplife reads BTF before tracefs: the error is tracefs's, not BTF's.
btf_user=$tcplife
have_btf || btf_user=$opensnoop
refused tracefs-no-mount-point \
    "${btf_user##*/}: tracefs is not mounted; mount it with: mount -t tracefs nodev /sys/kernel/tracing" \
    "$unshare" -m --propagation private sh "$ns" no-mount-point "$btf_user"

refused tracefs-not-root \
    'opensnoop: tracefs is not mounted, and mounting it failed: Operation not permitted \(os error 1\) \(run as root, or mount it first with: mount -t tracefs nodev /sys/kernel/tracing\)' \
    "$unshare" -m --propagation private sh "$ns" unmounted "$su" -s /bin/sh bpfbin -c "exec $opensnoop"

# busybox ash: ulimit without -H or -S sets both limits.
CHECK_RUNNING='grep -Eq "^Max locked memory +unlimited +unlimited " "/proc/$TRACED_PID/limits" || { WHY="RLIMIT_MEMLOCK not lifted: $(grep "^Max locked" "/proc/$TRACED_PID/limits")"; false; }'
recovers memlock sh -c 'ulimit -l 64 && [ "$(ulimit -H -l)" = 64 ] && [ "$(ulimit -S -l)" = 64 ] ||
    { echo "SETUP FAILED: ulimit -l 64"; exit 97; }; exec "$0"' "$opensnoop"
grep -q '^opensnoop: ' "$dir/memlock.out" && bad memlock "$(grep '^opensnoop: ' "$dir/memlock.out")"
CHECK_RUNNING=

refused not-root \
    'opensnoop: .* \(run as root, or with CAP_BPF and CAP_PERFMON \(CAP_SYS_ADMIN before Linux 5\.8\)\)( \(-v shows the verifier log\))?' \
    "$su" -s /bin/sh bpfbin -c "exec $opensnoop"

refused not-root-bpf \
    'capable: .* \(run as root, or with CAP_BPF and CAP_PERFMON \(CAP_SYS_ADMIN before Linux 5\.8\)\)( \(-v shows the verifier log\))?' \
    "$su" -s /bin/sh bpfbin -c "exec $capable"

refused no-syscall-tracepoints \
    'opensnoop: no syscalls:sys_enter_open\* tracepoints on this kernel \(it needs CONFIG_FTRACE_SYSCALLS\)' \
    "$unshare" -m --propagation private sh "$ns" no-syscalls "$opensnoop"

refused tracepoint-missing \
    'runqlat: tracepoint sched:sched_wakeup_new does not exist on this kernel' \
    "$unshare" -m --propagation private sh "$ns" no-wakeup-new "$runqlat"

refused no-btf \
    'tcplife: this kernel has no BTF: /sys/kernel/btf/vmlinux is missing \(build it with CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE\)' \
    "$unshare" -m --propagation private sh "$ns" no-btf "$tcplife"

rmdir "$dir/btf" 2> /dev/null
# The namespaces are gone with their tools: this guest's own mounts are intact.
grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts || bad environment "tracefs no longer at /sys/kernel/tracing"
if expect_no_btf; then nobtf=" (BTF really absent)"; else nobtf=; fi
[ -z "$failed" ] || fail "$faults faults, failed:$failed"
pass "$faults faults injected, each recovered or refused in one line$nobtf:$names"
