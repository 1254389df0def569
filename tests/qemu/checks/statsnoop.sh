#!/bin/sh
# statsnoop sees busybox `stat` of an existing file (RET 0 ERR 0) and of a
# missing one (RET -1 ERR 2), with stat's PID, comm and the path (columns
# PID COMM RET ERR SYSCALL PATH with -s), whichever stat family syscall
# this arch's libc uses. Needs no BTF, so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool statsnoop) || skip "statsnoop not built"
file=/tmp/bpfbin-statsnoop-$$
echo hello > "$file"
out=/tmp/statsnoop.$$.out

# run_stat PATH: exec the busybox applet as its own process; sets CAT_PID
# and PATH_ARG for await_line.
run_stat() {
    PATH_ARG=$1
    /bin/stat "$PATH_ARG" > /dev/null 2>&1 &
    CAT_PID=$!
    wait "$CAT_PID"
}

start_traced "$out" '^PID +COMM +RET +ERR +SYSCALL +PATH' "$bin" -s
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac

run_stat "$file"
await_line "$out" '$1 == pid && $2 == "stat" && $3 == 0 && $4 == 0 && $NF == path'
found=$?
ok_pid=$CAT_PID
run_stat /tmp/bpfbin-statsnoop-missing-$$
await_line "$out" '$1 == pid && $2 == "stat" && $3 == -1 && $4 == 2 && $NF == path'
missing=$?
stop_traced
grep -e bpfbin-statsnoop -e PID "$out" | head -n 10
[ $found = 0 ] || fail "no line with pid $ok_pid comm stat ret 0 err 0 path $file"
[ $missing = 0 ] || fail "no line with pid $CAT_PID comm stat ret -1 err 2 path $PATH_ARG"
calls=$(awk -v path="$file" '$NF == path { print $5 }' "$out" | sort -u | tr '\n' ' ')
have_btf && nobtf= || nobtf=", without BTF"
pass "stat pids $ok_pid, $CAT_PID: ret 0 and ENOENT via ${calls% }$nobtf"
