#!/bin/sh
# mountsnoop sees busybox mount a tmpfs on a known directory and umount it:
# comm, PID and TID, the CALL with source, target, type, flags (busybox
# passes MS_SILENT) and data, "= 0"; and a mount on a missing directory
# "= -ENOENT" (a long of this kernel's width, read as signed). MNT_NS is the
# inode of this shell's mount namespace, read through task_struct offsets
# from BTF; without BTF the tool still traces, MNT_NS is "-" and it says why
# on stderr. Columns: COMM PID TID MNT_NS CALL, as libbpf-tools.
. /lib/bpfbin/lib.sh

bin=$(tool mountsnoop) || skip "mountsnoop not built"
dir=/tmp/bpfbin-mnt-$$
missing=/tmp/bpfbin-mnt-missing-$$
src=bpfbin-src-$$
mkdir "$dir"
out=/tmp/mountsnoop.$$.out

start_traced "$out" '^COMM +PID +TID +MNT_NS +CALL' "$bin"
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac

# Each applet runs as its own process (a path: no in-shell shortcut).
/bin/mount -t tmpfs -o size=1m "$src" "$dir" &
mount_pid=$!
wait "$mount_pid"
/bin/umount "$dir" &
umount_pid=$!
wait "$umount_pid"
/bin/mount -t tmpfs "$src" "$missing" > /dev/null 2>&1 &
failed_pid=$!
wait "$failed_pid"

if have_btf; then
    ns=$(readlink /proc/$$/ns/mnt | sed 's/^mnt:\[\([0-9]*\)\]$/\1/')
else
    ns=-
fi

# await COMM PID CALL: wait (10 s) for the line of that call; on a timeout,
# add the expected line to $missed.
missed=
await() {
    n=0
    until awk -v comm="$1" -v pid="$2" -v ns="$ns" -v call="$3" '
        $1 == comm && $2 == pid && $3 == pid && $4 == ns && substr($0, 46) == call { found = 1 }
        END { exit !found }' "$out"; do
        n=$((n + 1))
        if [ $n -gt 50 ]; then
            missed="$missed; $1 $2 $2 $ns $3"
            return 1
        fi
        sleep 0.2
    done
}
await mount "$mount_pid" "mount(\"$src\", \"$dir\", \"tmpfs\", MS_SILENT, \"size=1m\") = 0"
await umount "$umount_pid" "umount(\"$dir\", 0x0) = 0"
await mount "$failed_pid" "mount(\"$src\", \"$missing\", \"tmpfs\", MS_SILENT, \"\") = -ENOENT"
stop_traced
grep -e bpfbin-src -e bpfbin-mnt -e COMM -e MNT_NS "$out" | head -n 8
[ -z "$missed" ] || fail "no line${missed#;}"
if have_btf; then
    grep -q 'MNT_NS is not shown' "$out" && fail "MNT_NS not shown although the kernel has BTF"
    pass "mount pid $mount_pid, umount pid $umount_pid, ENOENT pid $failed_pid, in mount namespace $ns"
fi
grep -q 'MNT_NS is not shown: .*BTF' "$out" || fail "no BTF, and no note saying MNT_NS is not shown"
pass "mount pid $mount_pid, umount pid $umount_pid, ENOENT pid $failed_pid, without BTF (MNT_NS -)"
