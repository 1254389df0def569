#!/bin/sh
# biosnoop sees each direct write dd makes to null_blk (lib.sh
# null_blk_dev: every request completes by a timer 3 ms after it is issued).
#
# biosnoop -Q -d nullb0 while dd writes N 4 KiB blocks of /dev/nullb0 with
# O_DIRECT: 90% or more of the N requests (an event in an interrupt of a
# running BPF program is not traced) as lines "TIME(s) COMM PID DISK T
# SECTOR BYTES QUE(ms) LAT(ms)" in libbpf-tools' layout, each with dd's
# comm and PID, disk nullb0, T "WS", a sector of the N written, 4096 bytes,
# a queued time in ms and a latency of 3 ms or more, never less. Beside it,
# biosnoop -m 100 prints its header only: no request took 100 ms. Classic
# block tracepoints with tracefs offsets: no BTF needed, every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool biosnoop) || skip "biosnoop not built"
dev=$(null_blk_dev) || fail "$dev"
blocks=64
most=$((blocks * 9 / 10))
out=/tmp/biosnoop.$$.Q
slow=/tmp/biosnoop.$$.m

"$bin" -m 100 > "$slow" 2>&1 &
SLOW_PID=$!
start_traced "$out" '^TIME\(s\) +COMM' "$bin" -Q -d nullb0
case $? in
0) ;;
2) kill -9 "$SLOW_PID"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; kill -9 "$SLOW_PID"; fail "no header after 120s" ;;
esac
if ! wait_for "$slow" '^TIME\(s\) +COMM' 120 "$SLOW_PID"; then
    stop_traced
    kill -9 "$SLOW_PID"
    fail "-m 100 did not attach: $(head -n1 "$slow")"
fi

dd if=/dev/zero of="$dev" bs=4k count=$blocks oflag=direct 2>/dev/null &
DD=$!
wait $DD || { stop_traced; kill -9 "$SLOW_PID"; fail "dd write to $dev failed"; }
# The last completion's event may still be on its way to the output.
sleep 1
stop_traced
TRACED_PID=$SLOW_PID stop_traced
echo "--- biosnoop -Q -d nullb0 ($blocks direct writes by dd $DD):"
cat "$out"
echo "--- biosnoop -m 100:"
cat "$slow"

[ "$(head -n1 "$out")" = "TIME(s)     COMM           PID     DISK    T    SECTOR     BYTES   QUE(ms) LAT(ms)" ] ||
    fail "-Q: header $(head -n1 "$out")"
# Lines of dd: count, with latency under 3 ms, with another disk, T, size
# or a sector outside those written; and lines not laid out as
# "%-11.6f %-14.14s %-7d %-7s %-4s %-10lld %-7d %7.3f %7.3f".
verdict=$(awk -v pid="$DD" -v blocks="$blocks" 'NR > 1 {
    want = sprintf("%-11s %-14s %-7s %-7s %-4s %-10s %-7s %7s %7s", $1, $2, $3, $4, $5, $6, $7, $8, $9)
    if ($0 != want || NF != 9 || $1 !~ /^[0-9]+\.[0-9]{6}$/ || $8 !~ /^-?[0-9]+\.[0-9]{3}$/ || $9 !~ /^[0-9]+\.[0-9]{3}$/) bad++
    if ($4 != "nullb0") other++
    if ($3 != pid) next
    mine++
    if ($9 < 3.0) short++
    if ($2 != "dd" || $5 != "WS" || $7 != 4096 || $6 % 8 != 0 || $6 >= 8 * blocks) wrong++
} END { printf "%d %d %d %d %d\n", mine, short, wrong, other, bad }' "$out")
set -- $verdict
mine=$1 short=$2 wrong=$3 other=$4 bad=$5
[ "$bad" = 0 ] || fail "-Q: $bad lines not in libbpf-tools' layout"
[ "$other" = 0 ] || fail "-d nullb0: $other lines of other disks"
[ "$mine" -ge $most ] || fail "-Q: $mine lines of dd $DD, $blocks requests made"
[ "$short" = 0 ] || fail "-Q: $short requests under 3 ms on a 3 ms device"
[ "$wrong" = 0 ] || fail "-Q: $wrong lines of dd $DD with another comm, T, sector or size"
[ "$(head -n1 "$slow")" = "TIME(s)     COMM           PID     DISK    T    SECTOR     BYTES   LAT(ms)" ] ||
    fail "-m 100: header $(head -n1 "$slow")"
[ "$(wc -l < "$slow")" = 1 ] || fail "-m 100: $(($(wc -l < "$slow") - 1)) requests of 100 ms or more"
pass "dd $DD: $mine of $blocks writes on nullb0, all 3 ms or more; -m 100: none"
