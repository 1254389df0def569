#!/bin/sh
# runqlat times two busy loops pinned to CPU 0 (the guest has one): each
# waits on the run queue while the other runs its timeslice. The scheduler
# takes the CPU from a loop only at a tick (1 to 10 ms, HZ 1000 to 100) and
# only once the loop ran its minimum slice (CFS min_granularity, EEVDF
# base_slice: 0.75 ms and up), so a wait behind the other loop is 512 us or
# more. Shorter waits happen when a kernel thread or the tools themselves
# preempt a loop for a moment: a few, on an otherwise idle guest.
#
# runqlat -P 2 1: loop A's section "pid = A sh" must have at least 20 waits
# (2 s of slices of 10 ms or less), more than half of them in the rows from
# "512 -> 1023" up, every row laid out as libbpf-tools prints it. Beside it,
# runqlat -m -p B 2 1: a single histogram of loop B (tgid filter, no section
# header), in msecs. Needs no BTF (classic sched tracepoints, tracefs
# offsets), so it must work on every kernel. And runqlat --pidnss 2 1 (it
# reads the task's PID namespace through struct offsets from BTF): a section
# "pidns = N" with N the inode of /proc/A/ns/pid (of the initial namespace
# where the kernel has no namespaces); without BTF a one-line
# refusal naming BTF and --btf.
. /lib/bpfbin/lib.sh

bin=$(tool runqlat) || skip "runqlat not built"
per_pid=/tmp/runqlat.$$.P
one=/tmp/runqlat.$$.p
ns=/tmp/runqlat.$$.ns

taskset 1 sh -c 'while :; do :; done' &
A=$!
taskset 1 sh -c 'while :; do :; done' &
B=$!
stop_loops() { kill "$A" "$B"; wait "$A" "$B" 2> /dev/null; }

"$bin" -m -p "$B" 2 1 > "$one" 2>&1 &
ONE_PID=$!
"$bin" --pidnss 2 1 > "$ns" 2>&1 &
NS_PID=$!
start_traced "$per_pid" '^Tracing run queue latency' "$bin" -P 2 1
status=$?
if [ $status = 0 ]; then
    wait_for "$one" '^Tracing run queue latency' 120 "$ONE_PID" || status=3
fi
case $status in
0) ;;
2) stop_loops; kill -9 "$ONE_PID" "$NS_PID"; fail "exited before attaching: $(head -n1 "$per_pid")" ;;
3) stop_loops; stop_traced; kill -9 "$ONE_PID" "$NS_PID"; fail "-m -p did not attach: $(head -n1 "$one")" ;;
*) stop_loops; stop_traced; kill -9 "$ONE_PID" "$NS_PID"; fail "no header after 120s" ;;
esac
# Both print once, 2 s after attaching, and exit.
wait "$TRACED_PID"
rc_per_pid=$?
wait "$ONE_PID"
rc_one=$?
wait "$NS_PID"
rc_ns=$?
inum=$(readlink "/proc/$A/ns/pid" | tr -dc 0-9)
# A kernel without namespaces (the armv7 one) has no /proc/PID/ns, and every
# task in the initial PID namespace, inode PROC_PID_INIT_INO.
[ -n "$inum" ] || inum=4026531836
stop_loops
echo "--- runqlat -P 2 1 (loops $A and $B):"
cat "$per_pid"
echo "--- runqlat -m -p $B 2 1:"
cat "$one"
echo "--- runqlat --pidnss 2 1 (status $rc_ns, loops in pidns $inum):"
cat "$ns"
[ $rc_per_pid = 0 ] && [ $rc_one = 0 ] || fail "exit status $rc_per_pid and $rc_one"

# Rows of the histogram under "pid = A sh": total, waits from 512 us, and
# rows not exactly as print_log2_hist prints them, bar included.
verdict=$(awk -v pid="$A" "$LOG2_ROWS_AWK"'
    $1 == "pid" && $2 == "=" { mine = ($3 == pid && $4 == "sh"); next }
    !mine { next }
    / -> / {
        row[++rows] = $0
        total += $5
        if ($1 >= 512) long += $5
    }
    END { printf "%d %d %d\n", total, long, log2_rows_bad(row, rows) }' "$per_pid")
set -- $verdict
total=$1 long=$2 bad=$3
[ "$total" -gt 0 ] || fail "no histogram for pid = $A sh"
[ "$bad" = 0 ] || fail "$bad rows not in libbpf-tools' layout"
[ "$total" -ge 20 ] || fail "only $total waits of loop $A in 2 s"
[ $((long * 2)) -gt "$total" ] || fail "only $long of $total waits of loop $A at 512 us or more"

grep -q '^     msecs               : count    distribution$' "$one" || fail "-m: no msecs histogram"
grep -q '^pid = ' "$one" && fail "-p without -P printed a pid section"
ms_total=$(awk '/ -> / { t += $5 } END { print t + 0 }' "$one")
[ "$ms_total" -gt 0 ] || fail "-m -p $B: no waits"
if expect_no_btf; then
    [ $rc_ns = 1 ] && [ "$(wc -l < "$ns")" = 1 ] && grep -q 'BTF' "$ns" && grep -q -- '--btf' "$ns" ||
        fail "--pidnss without BTF: no one-line error naming BTF and --btf"
    pidns="--pidnss refused without BTF"
else
    [ $rc_ns = 0 ] || fail "--pidnss: exit status $rc_ns"
    ns_total=$(awk -v inum="$inum" '$1 == "pidns" { mine = ($3 == inum); next }
        mine && / -> / { t += $5 } END { print t + 0 }' "$ns")
    [ "$ns_total" -gt 0 ] || fail "--pidnss: no waits under pidns = $inum"
    pidns="--pidnss: $ns_total waits in pidns $inum"
fi
pass "loop $A waited $total times, $long of them 512 us or more; -m -p $B: $ms_total waits; $pidns"
