#!/bin/sh
# runqslower -P 500 while two busy loops share CPU 0 (the guest may have
# more): loop B waits on the run queue while loop A runs its slice. The
# scheduler takes the CPU from a loop only at a tick (1 to 10 ms) once it ran
# its minimum slice (0.75 ms and up), so B's waits behind A are longer than
# 500 us. B must show with its TID, comm "sh", a LAT(us) above 500 and loop A
# as the previous task; every line above the threshold, laid out as
# libbpf-tools prints it. Beside it, runqslower -p B 500: only loop B's lines
# (its process is known only when it switches out again). Classic sched
# tracepoints and tracefs offsets, no BTF: it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool runqslower) || skip "runqslower not built"
all=/tmp/runqslower.$$.P
one=/tmp/runqslower.$$.p

taskset 1 sh -c 'while :; do :; done' &
A=$!
taskset 1 sh -c 'while :; do :; done' &
B=$!
stop_loops() { kill "$A" "$B"; wait "$A" "$B" 2> /dev/null; }
header='^TIME +COMM +TID +LAT\(us\)'

: > "$one"
"$bin" -p "$B" 500 > "$one" 2>&1 &
ONE_PID=$!
start_traced "$all" "$header" "$bin" -P 500
status=$?
if [ $status = 0 ]; then
    wait_for "$one" "$header" 120 "$ONE_PID" || status=3
fi
case $status in
0) ;;
2) stop_loops; kill -9 "$ONE_PID"; fail "exited before attaching: $(head -n1 "$all")" ;;
3) stop_loops; stop_traced; kill -9 "$ONE_PID"; fail "-p did not attach: $(head -n1 "$one")" ;;
*) stop_loops; stop_traced; kill -9 "$ONE_PID"; fail "no header after 120s" ;;
esac
# Until B shows behind A, for at most 10 s.
await_line "$all" "\$3 == $B && \$2 == \"sh\" && \$6 == $A"
found=$?
sleep 1
stop_traced
kill -INT "$ONE_PID"
wait "$ONE_PID"
rc_one=$?
stop_loops
echo "--- runqslower -P 500 (loops $A and $B):"
cat "$all"
echo "--- runqslower -p $B 500:"
cat "$one"

[ "$(head -n1 "$all")" = "Tracing run queue latency higher than 500 us" ] || fail "first line: $(head -n1 "$all")"
sed -n 2p "$all" | grep -qx 'TIME     COMM             TID           LAT(us) PREV COMM        PREV TID' ||
    fail "-P header: $(sed -n 2p "$all")"
[ $found = 0 ] || fail "no line of loop $B after loop $A in $(wc -l < "$all") lines"
# Every event line: "%-8s %-16s %-6d %14llu %-16s %-6d", LAT over 500.
# Comms may hold spaces, so the fields are cut at their columns.
verdict=$(awk -v a="$A" -v b="$B" '
    NR <= 2 { next }
    {
        tid = substr($0, 27) + 0; rest = substr($0, 27); sub(/^[0-9]+ +/, "", rest)
        lat = rest + 0
        if ($0 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] / || lat <= 500) bad++
        if (tid == b && $2 == "sh" && $6 == a) { mine++; if (lat > max) max = lat }
    }
    END { printf "%d %d %d\n", bad, mine, max }' "$all")
set -- $verdict
bad=$1 mine=$2 max=$3
[ "$bad" = 0 ] || fail "$bad lines not an event above 500 us"
line=$(awk -v a="$A" -v b="$B" '$3 == b && $2 == "sh" && $6 == a { print; exit }' "$all")
expected=$(echo "$line" | awk -v a="$A" -v b="$B" '{ printf "%s %-16s %-6d %14d %-16s %-6d\n", $1, "sh", b, $4, "sh", a }')
[ "$line" = "$expected" ] || fail "not libbpf-tools' layout: '$line'"

[ $rc_one = 0 ] || fail "-p $B: exit status $rc_one"
others=$(awk -v b="$B" 'NR > 2 && !($3 == b && $2 == "sh") { n++ } END { print n + 0 }' "$one")
lines=$(awk 'NR > 2 { n++ } END { print n + 0 }' "$one")
[ "$lines" -gt 0 ] || fail "-p $B: no line of loop $B"
[ "$others" = 0 ] || fail "-p $B: $others lines of other tasks"
pass "loop $B waited behind loop $A $mine times, up to $max us; -p $B: $lines lines, all of it"
