#!/bin/sh
# biolatency times direct I/O on null_blk (lib.sh null_blk_dev): a blk-mq
# device whose every request completes by a timer 3 ms after it is issued,
# so each latency is 3 ms plus the guest's timer slack, never less.
#
# While dd writes and then reads N (64) 4 KiB blocks of /dev/nullb0 with
# O_DIRECT (one request each): biolatency -D must print a section
# "disk = nullb0" (its dev_t looked up in /sys/block) with 90% of the 2N
# requests or more (an event in an interrupt of a running BPF program is
# not traced), none below the "2048 -> 4095" usecs row and most in it, every
# row laid out as libbpf-tools prints it. Beside it, biolatency -m -Q -F
# -d nullb0: msecs histograms per set of flags, only of that disk, with
# "flags = Sync-Write" holding the writes and a "... Read" section the
# reads (90% each), all at 2 ms or more. Classic block tracepoints with tracefs
# offsets: no BTF needed, so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool biolatency) || skip "biolatency not built"
dev=$(null_blk_dev) || fail "$dev"
blocks=64
most=$((blocks * 9 / 10))
disk=/tmp/biolatency.$$.D
flags=/tmp/biolatency.$$.F

"$bin" -m -Q -F -d nullb0 > "$flags" 2>&1 &
FLAGS_PID=$!
start_traced "$disk" '^Tracing block device I/O' "$bin" -D
case $? in
0) ;;
2) kill -9 "$FLAGS_PID"; fail "exited before attaching: $(head -n1 "$disk")" ;;
*) stop_traced; kill -9 "$FLAGS_PID"; fail "no header after 120s" ;;
esac
if ! wait_for "$flags" '^Tracing block device I/O' 120 "$FLAGS_PID"; then
    stop_traced
    kill -9 "$FLAGS_PID"
    fail "-m -Q -F -d did not attach: $(head -n1 "$flags")"
fi

dd if=/dev/zero of="$dev" bs=4k count=$blocks oflag=direct 2>/dev/null || { stop_traced; kill -9 "$FLAGS_PID"; fail "dd write to $dev failed"; }
dd if="$dev" of=/dev/null bs=4k count=$blocks iflag=direct 2>/dev/null || { stop_traced; kill -9 "$FLAGS_PID"; fail "dd read of $dev failed"; }

stop_traced
TRACED_PID=$FLAGS_PID stop_traced
echo "--- biolatency -D ($blocks direct writes and reads of $dev):"
cat "$disk"
echo "--- biolatency -m -Q -F -d nullb0:"
cat "$flags"

# Rows under "disk = nullb0": total, below 2048 us, in 2048 -> 4095, and
# rows not exactly as print_log2_hist prints them, bar included.
verdict=$(awk "$LOG2_ROWS_AWK"'
    /^disk = / { mine = ($0 == "disk = nullb0\t"); seen += mine; next }
    !mine { next }
    / -> / {
        row[++rows] = $0
        total += $5
        if ($1 < 2048) short += $5
        if ($1 == 2048) peak += $5
    }
    END { printf "%d %d %d %d %d\n", seen, total, short, peak, log2_rows_bad(row, rows) }' "$disk")
set -- $verdict
seen=$1 total=$2 short=$3 peak=$4 bad=$5
[ "$seen" = 1 ] || fail "-D: $seen sections \"disk = nullb0\""
[ "$bad" = 0 ] || fail "-D: $bad rows not in libbpf-tools' layout"
[ "$total" -ge $((2 * most)) ] || fail "-D: only $total requests on nullb0, $((2 * blocks)) made"
[ "$short" = 0 ] || fail "-D: $short requests under 2048 us on a 3 ms device"
[ $((peak * 2)) -gt "$total" ] || fail "-D: only $peak of $total requests in 2048 -> 4095 us"

grep -q '^     msecs               : count    distribution$' "$flags" || fail "-m: no msecs histogram"
grep -q '^disk = ' "$flags" && fail "-F without -D printed a disk section"
verdict=$(awk '
    /^flags = / { section = substr($0, 9); next }
    / -> / {
        if (section == "Sync-Write") writes += $5
        else if (section ~ /Read$/) reads += $5
        else other += $5
        if ($1 < 2) short += $5
    }
    END { printf "%d %d %d %d\n", writes, reads, other, short }' "$flags")
set -- $verdict
writes=$1 reads=$2 other=$3 short=$4
[ "$writes" -ge $most ] && [ "$reads" -ge $most ] || fail "-F: $writes Sync-Write and $reads Read requests, $blocks each made"
[ "$short" = 0 ] || fail "-m: $short requests under 2 ms on a 3 ms device"
pass "nullb0: $total requests, $peak in 2048 -> 4095 us; -m -Q -F -d: $writes writes, $reads reads, $other other"
