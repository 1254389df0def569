#!/bin/sh
# cpudist times two busy loops pinned to CPU 0 (the guest has one), and a
# shell that runs `sleep 0.2` over and over.
#
# cpudist -P 2 1: loop A's section "pid = A sh" must count at least 20 time
# slices (2 s of slices of 10 ms or less), more than half of them in the rows
# from "512 -> 1023" up: the scheduler takes the CPU from a busy loop only at
# a tick (1 to 10 ms) once it ran its minimum slice (0.75 ms and up); shorter
# slices come only from a kernel thread or a tool waking up meanwhile. Every
# row as libbpf-tools prints it.
# cpudist -O -p SHELL 2 1: the shell is off the CPU while its child sleeps
# 200 ms, plus the child's exec and exit (tens of ms under TCG): at least 3
# of those 2 s must land in the rows 131072 -> 262143 or 262144 -> 524287,
# and nothing at 1 s or more. Needs no BTF (sched_switch and tracefs
# offsets), so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool cpudist) || skip "cpudist not built"
on=/tmp/cpudist.$$.on
off=/tmp/cpudist.$$.off

taskset 1 sh -c 'while :; do :; done' &
A=$!
taskset 1 sh -c 'while :; do :; done' &
B=$!
sh -c 'while :; do sleep 0.2; done' &
S=$!
stop_work() { kill "$A" "$B" "$S"; wait "$A" "$B" "$S" 2> /dev/null; }

"$bin" -O -p "$S" 2 1 > "$off" 2>&1 &
OFF_PID=$!
start_traced "$on" '^Tracing on-CPU time' "$bin" -P 2 1
status=$?
if [ $status = 0 ]; then
    wait_for "$off" '^Tracing off-CPU time' 120 "$OFF_PID" || status=3
fi
case $status in
0) ;;
2) stop_work; kill -9 "$OFF_PID"; fail "exited before attaching: $(head -n1 "$on")" ;;
3) stop_work; stop_traced; kill -9 "$OFF_PID"; fail "-O -p did not attach: $(head -n1 "$off")" ;;
*) stop_work; stop_traced; kill -9 "$OFF_PID"; fail "no header after 120s" ;;
esac
wait "$TRACED_PID"
rc_on=$?
wait "$OFF_PID"
rc_off=$?
stop_work
echo "--- cpudist -P 2 1 (loops $A and $B):"
cat "$on"
echo "--- cpudist -O -p $S 2 1:"
cat "$off"
[ $rc_on = 0 ] && [ $rc_off = 0 ] || fail "exit status $rc_on and $rc_off"

# Total, slices from 512 us, and rows not in print_log2_hist's layout, of
# the histogram under "pid = A sh".
verdict=$(awk -v pid="$A" "$LOG2_ROWS_AWK"'
    $1 == "pid" && $2 == "=" { mine = ($3 == pid && $4 == "sh"); next }
    !mine { next }
    / -> / {
        row[++rows] = $0
        total += $5
        if ($1 >= 512) long += $5
    }
    END { printf "%d %d %d\n", total, long, log2_rows_bad(row, rows) }' "$on")
set -- $verdict
total=$1 long=$2 bad=$3
[ "$total" -gt 0 ] || fail "no histogram for pid = $A sh"
[ "$bad" = 0 ] || fail "$bad rows not in libbpf-tools' layout"
[ "$total" -ge 20 ] || fail "only $total time slices of loop $A in 2 s"
[ $((long * 2)) -gt "$total" ] || fail "only $long of $total slices of loop $A at 512 us or more"

grep -q '^pid = ' "$off" && fail "-p without -P printed a pid section"
set -- $(awk '/ -> / { if ($1 == 131072 || $1 == 262144) sleeps += $5; if ($1 >= 1048576) over += $5 }
    END { printf "%d %d\n", sleeps, over }' "$off")
sleeps=$1 over=$2
[ "$sleeps" -ge 3 ] || fail "-O -p $S: $sleeps waits of 131 to 524 ms, not 3"
[ "$over" = 0 ] || fail "-O -p $S: $over waits of 1 s or more"
pass "loop $A: $total slices, $long of them 512 us or more; -O: $sleeps sleeps of 200 ms"
