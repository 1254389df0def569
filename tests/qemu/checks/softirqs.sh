#!/bin/sh
# softirqs counts the guest's soft interrupts, checked against
# /proc/softirqs read before and after: timer softirqs run on every tick,
# and 5 pings of 127.0.0.1, 0.2 s apart, while both runs below trace, go
# through loopback's receive path: 5 net_rx softirqs at least.
#
# softirqs -C 3 1: the header as libbpf-tools prints it with -C, every row
# as "%-16s %11llu  %11llu", vectors in the kernel's order, timer and
# net_rx rows, no vector run more often than /proc/softirqs counted.
# softirqs -d -N 3 1 beside it: a "softirq = NAME" section per vector, each
# followed by an empty line, every row in print_log2_hist's layout (bar
# included) under an nsecs header. Needs no BTF, so it must work on every
# kernel.
. /lib/bpfbin/lib.sh

bin=$(tool softirqs) || skip "softirqs not built"
command -v ping > /dev/null || skip "no ping in the guest"
sums=/tmp/softirqs.$$.sum
dist=/tmp/softirqs.$$.d
before=/tmp/softirqs.$$.before
after=/tmp/softirqs.$$.after

ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up
# "name COUNT" per vector, in the kernel's order, names as softirqs prints them.
snapshot() {
    awk 'NR > 1 { n = 0; for (i = 2; i <= NF; i++) n += $i; name = tolower($1); sub(/:$/, "", name); print name, n }' /proc/softirqs
}

snapshot > "$before"
"$bin" -d -N 3 1 > "$dist" 2>&1 &
DIST_PID=$!
start_traced "$sums" '^Tracing soft irq event time' "$bin" -C 3 1
status=$?
if [ $status = 0 ]; then
    wait_for "$dist" '^Tracing soft irq event time' 120 "$DIST_PID" || status=3
fi
case $status in
0) ;;
2) kill -9 "$DIST_PID"; fail "exited before attaching: $(head -n1 "$sums")" ;;
3) stop_traced; kill -9 "$DIST_PID"; fail "-d did not attach: $(head -n1 "$dist")" ;;
*) stop_traced; kill -9 "$DIST_PID"; fail "no header after 120s" ;;
esac
ping -c 5 -i 0.2 -W 1 127.0.0.1 > /dev/null || { stop_traced; kill -9 "$DIST_PID"; fail "ping 127.0.0.1 failed"; }
wait "$TRACED_PID"
rc_sums=$?
wait "$DIST_PID"
rc_dist=$?
snapshot > "$after"
echo "--- softirqs -C 3 1:"
cat "$sums"
echo "--- softirqs -d -N 3 1:"
cat "$dist"
echo "--- vectors run meanwhile:"
ran=$(awk 'NR == FNR { old[$1] = $2; next } { print $1, $2 - old[$1] }' "$before" "$after")
echo "$ran"
[ $rc_sums = 0 ] && [ $rc_dist = 0 ] || fail "exit status $rc_sums and $rc_dist"

[ "$(sed -n 3p "$sums")" = "SOFTIRQ          TOTAL_usecs  TOTAL_count" ] || fail "-C: header line: $(sed -n 3p "$sums")"
# Rows: "bad" ones (layout, order, more runs than counted), and the counts
# of timer and net_rx.
verdict=$(echo "$ran" | awk '
    NR == FNR { ran[$1] = $2; order[$1] = FNR; next }
    FNR <= 3 { next }
    {
        want = sprintf("%-16s %11d  %11d", $1, $2, $3)
        if ($0 != want || !($1 in order) || order[$1] <= last || $3 < 1 || $3 > ran[$1]) { bad++; print "bad row: " $0 > "/dev/stderr" }
        last = order[$1]
        count[$1] = $3
    }
    END { printf "%d %d %d\n", bad, count["timer"], count["net_rx"] }' - "$sums")
set -- $verdict
[ "$1" = 0 ] || fail "-C: $1 rows out of layout or order, or beyond /proc/softirqs"
[ "$2" -gt 0 ] || fail "-C: no timer row"
[ "$3" -ge 5 ] || fail "-C: $3 net_rx runs for 5 pings"
timer=$2 net_rx=$3

verdict=$(echo "$ran" | awk "$LOG2_ROWS_AWK"'
    NR == FNR { ran[$1] = $2; next }
    function close_section() {
        if (name == "") return
        bad += log2_rows_bad(row, rows)
        if (total > ran[name] || total == 0 || !blank) bad++
        count[name] = total
        name = ""
    }
    /^softirq = / { close_section(); name = $3; rows = 0; total = 0; blank = 0; next }
    name == "" { next }
    / -> / { row[++rows] = $0; total += $5; next }
    $0 == "" { blank = 1; next }
    $0 != "     nsecs               : count    distribution" { bad++; print "bad line: " $0 > "/dev/stderr" }
    END { close_section(); printf "%d %d %d\n", bad, count["timer"], count["net_rx"] }' - "$dist")
set -- $verdict
[ "$1" = 0 ] || fail "-d: $1 sections or rows out of layout or beyond /proc/softirqs"
[ "$2" -gt 0 ] && [ "$3" -ge 5 ] || fail "-d: $2 timer and $3 net_rx runs"
pass "-C: timer ran $timer times, net_rx $net_rx; -d: timer $2, net_rx $3; every row in libbpf-tools' layout"
