#!/bin/sh
# hardirqs counts the guest's hard interrupts, checked against
# /proc/interrupts read before and after: the serial console's (ttyS0 on
# x86, whose output this check's own lines drive) or the timer's (arch_timer
# on arm, a per-CPU IRQ that fires on every tick); whichever IRQ fired most
# in the window must have its handler's row.
#
# hardirqs -C 3 1: the header as libbpf-tools prints it with -C, every row
# as "%-33s %11llu %11llu %9llu %3u" with CPU 0, total >= max, and no
# handler run more often than its IRQ fired. hardirqs -d 3 1 beside it: a
# "hardirq = NAME" section per handler, every histogram row in
# print_log2_hist's layout (bar included), the busiest handler's section
# there too. Needs no BTF (tracepoints, tracefs offsets, the name a
# __data_loc string of the record), so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool hardirqs) || skip "hardirqs not built"
sums=/tmp/hardirqs.$$.sum
dist=/tmp/hardirqs.$$.d
before=/tmp/hardirqs.$$.before
after=/tmp/hardirqs.$$.after

# "NAME COUNT" for each numbered IRQ (the handler named last on its line).
snapshot() {
    awk 'NR == 1 { cpus = NF; next }
        $1 ~ /^[0-9]+:$/ { n = 0; for (i = 2; i <= cpus + 1; i++) n += $i; print $NF, n }' /proc/interrupts
}

snapshot > "$before"
"$bin" -d 3 1 > "$dist" 2>&1 &
DIST_PID=$!
start_traced "$sums" '^Tracing hard irq event time' "$bin" -C 3 1
status=$?
if [ $status = 0 ]; then
    wait_for "$dist" '^Tracing hard irq event time' 120 "$DIST_PID" || status=3
fi
case $status in
0) ;;
2) kill -9 "$DIST_PID"; fail "exited before attaching: $(head -n1 "$sums")" ;;
3) stop_traced; kill -9 "$DIST_PID"; fail "-d did not attach: $(head -n1 "$dist")" ;;
*) stop_traced; kill -9 "$DIST_PID"; fail "no header after 120s" ;;
esac
# Console output while both trace: UART interrupts where the console's
# driver transmits by interrupt.
i=0
while [ $i -lt 20 ]; do
    echo "hardirqs: console line $i to raise the UART's interrupts ................"
    i=$((i + 1))
done
wait "$TRACED_PID"
rc_sums=$?
wait "$DIST_PID"
rc_dist=$?
snapshot > "$after"
echo "--- hardirqs -C 3 1:"
cat "$sums"
echo "--- hardirqs -d 3 1:"
cat "$dist"
echo "--- IRQs fired meanwhile:"
fired=$(awk 'NR == FNR { old[$1] += $2; next } { new[$1] += $2 }
    END { for (n in new) print n, new[n] - old[n] }' "$before" "$after")
echo "$fired" | grep -v ' 0$'
[ $rc_sums = 0 ] && [ $rc_dist = 0 ] || fail "exit status $rc_sums and $rc_dist"
busiest=$(echo "$fired" | grep -v ' 0$' | sort -k2,2n | tail -n1 | cut -d' ' -f1)
[ -n "$busiest" ] || fail "no IRQ fired in 3 s"

[ "$(sed -n 3p "$sums")" = "HARDIRQ                           TOTAL_count TOTAL_usecs MAX_usecs CPU" ] ||
    fail "-C: header line: $(sed -n 3p "$sums")"
# Rows: "bad" ones (layout, CPU, total < max, more runs than the IRQ fired),
# and the busiest handler's count. Handlers of IRQs without a number in
# /proc/interrupts (arm64's IPIs, since 5.10 regular IRQs too) are not
# compared.
verdict=$(echo "$fired" | awk -v busiest="$busiest" '
    NR == FNR { fired[$1] = $2; next }
    FNR <= 3 { next }
    {
        # A name may have spaces ("GPIO Key Poweroff"): its last word is
        # what the snapshot kept.
        name = substr($0, 1, 33)
        sub(/ +$/, "", name)
        count = $(NF - 3); total = $(NF - 2); max = $(NF - 1); key = $(NF - 4)
        want = sprintf("%-33s %11d %11d %9d %3d", name, count, total, max, $NF)
        if ($0 != want || $NF != 0 || total < max || count < 1 || (key in fired && count > fired[key])) { bad++; print "bad row: " $0 > "/dev/stderr" }
        if (key == busiest) seen = count
    }
    END { printf "%d %d\n", bad, seen }' - "$sums")
set -- $verdict
[ "$1" = 0 ] || fail "$1 rows of -C out of layout or beyond /proc/interrupts"
[ "$2" -gt 0 ] || fail "-C: no row for $busiest, the busiest IRQ"
busiest_count=$2

# -d: per section, rows in print_log2_hist's layout with the bar
# (count * 40 / max stars), and the runs no more than the IRQ fired.
verdict=$(echo "$fired" | awk -v busiest="$busiest" "$LOG2_ROWS_AWK"'
    NR == FNR { fired[$1] = $2; next }
    function close_section() {
        if (name == "") return
        bad += log2_rows_bad(row, rows)
        if ((name in fired && total > fired[name]) || total == 0) bad++
        if (name == busiest) seen = total
        name = ""
    }
    /^hardirq = / { close_section(); name = $NF; rows = 0; total = 0; next }
    / -> / { row[++rows] = $0; total += $5; next }
    name != "" && $0 != "     usecs               : count    distribution" { bad++; print "bad line: " $0 > "/dev/stderr" }
    END { close_section(); printf "%d %d\n", bad, seen }' - "$dist")
set -- $verdict
[ "$1" = 0 ] || fail "-d: $1 sections or rows out of layout or beyond /proc/interrupts"
[ "$2" -gt 0 ] || fail "-d: no section for $busiest, the busiest IRQ"
pass "$busiest ran $busiest_count times (-C), $2 times (-d); every row in libbpf-tools' layout"
