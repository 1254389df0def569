#!/bin/sh
# syscount -p PID counts a subshell's chdir(2) calls by name: ash's cd
# builtin makes one per cd, 100 that succeed and 40 that fail with ENOENT.
# Plain, it must show "chdir" with at least 140; with -x -L (failed calls
# only, timed: sys_exit's `ret` and sys_enter's `id` read at the offsets of
# this kernel's tracefs formats, 4-byte on 32-bit arm) at least 40 and fewer
# than 140, with a time column. The name comes from the table of this
# binary's architecture (chdir is 80 on x86_64, 49 on arm64, 12 on arm).
# With -P the row is the process: its PID, its name "sh" (the group
# leader's comm, read through BTF's task_struct offsets; without BTF the
# main thread's) and at least 140 calls.
# Needs no BTF, so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool syscount) || skip "syscount not built"
all=/tmp/syscount.$$.all
failed=/tmp/syscount.$$.failed
byproc=/tmp/syscount.$$.byproc
go=/tmp/syscount.$$.go
mkfifo "$go"
# The subshell starts the calls once told to, so its PID is known before.
(
    read -r _ < "$go"
    i=0
    while [ $i -lt 100 ]; do cd /; i=$((i + 1)); done
    i=0
    while [ $i -lt 40 ]; do cd /nonexistent 2> /dev/null; i=$((i + 1)); done
) &
WORK_PID=$!

"$bin" -p "$WORK_PID" -x -L > "$failed" 2>&1 &
FAILED_PID=$!
"$bin" -P -p "$WORK_PID" > "$byproc" 2>&1 &
BYPROC_PID=$!
start_traced "$all" '^Tracing syscalls' "$bin" -p "$WORK_PID"
status=$?
if [ $status = 0 ]; then
    wait_for "$failed" '^Tracing syscalls' 120 "$FAILED_PID" || status=3
fi
if [ $status = 0 ]; then
    wait_for "$byproc" '^Tracing syscalls' 120 "$BYPROC_PID" || status=4
fi
case $status in
0) ;;
2) echo > "$go"; kill -9 "$FAILED_PID" "$BYPROC_PID"; fail "exited before attaching: $(head -n1 "$all")" ;;
3) echo > "$go"; stop_traced; kill -9 "$FAILED_PID" "$BYPROC_PID"; fail "-x -L did not attach: $(head -n1 "$failed")" ;;
4) echo > "$go"; stop_traced; kill -9 "$FAILED_PID" "$BYPROC_PID"; fail "-P did not attach: $(head -n1 "$byproc")" ;;
*) echo > "$go"; stop_traced; kill -9 "$FAILED_PID" "$BYPROC_PID"; fail "no header after 120s" ;;
esac

echo > "$go"
wait "$WORK_PID"
# The tables come at Ctrl-C.
kill -INT "$FAILED_PID" "$BYPROC_PID"
stop_traced
wait "$FAILED_PID" "$BYPROC_PID"
echo "--- syscount -p $WORK_PID:"
cat "$all"
echo "--- syscount -p $WORK_PID -x -L:"
cat "$failed"
echo "--- syscount -P -p $WORK_PID:"
cat "$byproc"

grep -q '^SYSCALL  *COUNT$' "$all" || fail "no SYSCALL COUNT header"
awk '$1 == "chdir" && NF == 2 && $2 >= 140 { found = 1 } END { exit !found }' "$all" ||
    fail "no row 'chdir >=140' for pid $WORK_PID"
grep -q '^SYSCALL  *COUNT  *TIME (us)$' "$failed" || fail "-x -L: no SYSCALL COUNT TIME (us) header"
awk '$1 == "chdir" && NF == 3 && $2 >= 40 && $2 < 140 && $3 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ { found = 1 }
    END { exit !found }' "$failed" || fail "-x -L: no row 'chdir 40..139 TIME'"
grep -q '^PID    COMM  *COUNT$' "$byproc" || fail "-P: no PID COMM COUNT header"
awk -v pid="$WORK_PID" '$1 == pid && $2 == "sh" && NF == 3 && $3 >= 140 { found = 1 } END { exit !found }' "$byproc" ||
    fail "-P: no row '$WORK_PID sh >=140'"
have_btf && nobtf= || nobtf=", without BTF"
pass "chdir of pid $WORK_PID counted, failed ones apart with -x -L, by process with -P$nobtf"
