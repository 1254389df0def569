#!/bin/sh
# softirqslower with a threshold of 1 us sees the guest's real softirqs:
# 5 pings of 127.0.0.1, 0.2 s apart, each queue a packet to loopback's
# backlog, which raises NET_RX, and the softirq runs when ping's send
# enables bottom halves again: at least 5 "softirq runtime" net_rx lines
# (each of at least 1 us under TCG), in ping unless the kernel deferred one
# to ksoftirqd, and timer lines from the tick. Every line must be in libbpf-tools' layout
# ("%-8s %-20s %-8s %-14llu %-6u %-16s"), a known stage and vector, at
# least the threshold, on a CPU of the guest, ksoftirqd only on its own
# CPU. Beside it, softirqslower -c 0 with a threshold of 100 s must print
# its two header lines and nothing else. Needs no BTF: every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool softirqslower) || skip "softirqslower not built"
command -v ping > /dev/null || skip "no ping in the guest"
out=/tmp/softirqslower.$$.out
huge=/tmp/softirqslower.$$.huge
ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up

"$bin" -c 0 100000000 > "$huge" 2>&1 &
HUGE_PID=$!
start_traced "$out" '^TIME +STAGE' "$bin" 1
status=$?
if [ $status = 0 ]; then
    wait_for "$huge" '^TIME +STAGE' 120 "$HUGE_PID" || status=3
fi
case $status in
0) ;;
2) kill -9 "$HUGE_PID"; fail "exited before attaching: $(head -n1 "$out")" ;;
3) stop_traced; kill -9 "$HUGE_PID"; fail "-c 0 100000000 did not attach: $(head -n1 "$huge")" ;;
*) stop_traced; kill -9 "$HUGE_PID"; fail "no header after 120s" ;;
esac
ping -c 5 -i 0.2 -W 1 127.0.0.1 > /dev/null || { stop_traced; kill -9 "$HUGE_PID"; fail "ping 127.0.0.1 failed"; }
sleep 1
stop_traced
kill -INT "$HUGE_PID"
wait "$HUGE_PID"
rc_huge=$?
echo "--- softirqslower 1 (first 40 lines of $(wc -l < "$out")):"
head -n 40 "$out"
echo "--- softirqslower -c 0 100000000:"
cat "$huge"

[ "$(sed -n 1p "$out")" = "Tracing softirq latency higher than 1 us... Hit Ctrl-C to end." ] ||
    fail "first line: $(sed -n 1p "$out")"
header=$(printf '%-8s %-20s %-8s %-14s %-6s %-16s' TIME STAGE SOFTIRQ 'LAT(us)' CPU COMM)
[ "$(sed -n 2p "$out")" = "$header" ] || fail "column header: $(sed -n 2p "$out")"
cpus=$(grep -c '^processor' /proc/cpuinfo)
[ "$cpus" -gt 0 ] || cpus=1
# Rows out of layout or values, then the ping's net_rx runs and timer lines.
verdict=$(awk -v cpus="$cpus" '
    BEGIN {
        split("hi timer net_tx net_rx block irq_poll tasklet sched hrtimer rcu", v, " ")
        for (i in v) vector[v[i]] = 1
        stage["irq(hard) to softirq"] = 1; stage["softirq runtime"] = 1
    }
    NR <= 2 { next }
    {
        st = substr($0, 10, 20); sub(/ +$/, "", st)
        vec = substr($0, 31, 8); sub(/ +$/, "", vec)
        lat = substr($0, 40, 14) + 0
        cpu = substr($0, 55, 6) + 0
        comm = substr($0, 62); sub(/ +$/, "", comm)
        want = sprintf("%-8s %-20s %-8s %-14d %-6d %-16s", substr($0, 1, 8), st, vec, lat, cpu, comm)
        bad_row = $0 != want || !(st in stage) || !(vec in vector) || lat < 1 || cpu >= cpus ||
            substr($0, 1, 8) !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ ||
            (comm ~ /^ksoftirqd\// && comm != "ksoftirqd/" cpu)
        if (bad_row) { bad++; print "bad row: " $0 > "/dev/stderr" }
        if (st == "softirq runtime" && vec == "net_rx") { net_rx++; if (comm == "ping") ping++ }
        if (vec == "timer") timer++
    }
    END { printf "%d %d %d %d\n", bad, net_rx, ping, timer }' "$out")
set -- $verdict
[ "$1" = 0 ] || fail "$1 rows out of layout, or with an unknown stage or vector, under 1 us or on no CPU of the guest"
[ "$2" -ge 5 ] || fail "$2 net_rx runs for 5 pings"
[ "$3" -gt 0 ] || fail "no net_rx run in ping"
[ "$4" -gt 0 ] || fail "no timer softirq"
[ $rc_huge = 0 ] || fail "-c 0 100000000: exit status $rc_huge"
[ "$(sed -n 1p "$huge")" = "Tracing softirq latency higher than 100000000 us... Hit Ctrl-C to end." ] &&
    [ "$(sed -n 2p "$huge")" = "$header" ] && [ "$(wc -l < "$huge")" -eq 2 ] ||
    fail "-c 0 100000000: not only its header: $(sed -n 3p "$huge")"
pass "5 pings: $2 net_rx runs, $3 in ping; $4 timer lines; every row in libbpf-tools' layout; 100 s: none"
