#!/bin/sh
# bitesize sees the size of each direct read dd makes of null_blk (lib.sh
# null_blk_dev), under dd's command name.
#
# bitesize -d nullb0 while dd reads N (64) 4 KiB blocks of /dev/nullb0 and
# then N 16 KiB blocks, with O_DIRECT (one request each): exactly one
# section, "Process Name = dd", its rows laid out as libbpf-tools prints
# them, with N in "4 -> 7" Kbytes, N in "16 -> 31" and nothing else (a
# request is counted when issued, in the task issuing it, so none is
# missed). Reads, and the disk's I/O scheduler set to none meanwhile: a
# request that waits in a plug (direct writes, on 6.1) or in a scheduler is
# issued by a kblockd worker, and counted under its name (libbpf-tools'
# too). Beside it, bitesize -c d prints no section: -c takes the whole
# name, and dd is not d. Classic block tracepoint with tracefs offsets: no
# BTF needed, every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool bitesize) || skip "bitesize not built"
dev=$(null_blk_dev) || fail "$dev"
blocks=64
out=/tmp/bitesize.$$.d
other=/tmp/bitesize.$$.c
queue=/sys/block/nullb0/queue/scheduler
scheduler=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$queue")
echo none > "$queue" || fail "cannot set $queue to none"
restore() { [ -z "$scheduler" ] || echo "$scheduler" > "$queue"; }

"$bin" -c d > "$other" 2>&1 &
OTHER_PID=$!
start_traced "$out" '^Tracing block device I/O' "$bin" -d nullb0
case $? in
0) ;;
2) kill -9 "$OTHER_PID"; restore; fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; kill -9 "$OTHER_PID"; restore; fail "no header after 120s" ;;
esac
if ! wait_for "$other" '^Tracing block device I/O' 120 "$OTHER_PID"; then
    stop_traced
    kill -9 "$OTHER_PID"
    restore
    fail "-c d did not attach: $(head -n1 "$other")"
fi

dd if="$dev" of=/dev/null bs=4k count=$blocks iflag=direct 2>/dev/null &&
    dd if="$dev" of=/dev/null bs=16k count=$blocks iflag=direct 2>/dev/null
status=$?
stop_traced
TRACED_PID=$OTHER_PID stop_traced
restore
[ $status = 0 ] || fail "dd of $dev failed"
echo "--- bitesize -d nullb0 ($blocks direct 4 KiB and 16 KiB reads of $dev):"
cat "$out"
echo "--- bitesize -c d:"
cat "$other"

# Sections; under dd's: 4 -> 7, 16 -> 31, the other rows, and rows not
# exactly as print_log2_hist prints them, bar included.
verdict=$(awk "$LOG2_ROWS_AWK"'
    /^Process Name = / { sections++; mine = ($0 == "Process Name = dd"); next }
    !mine { next }
    / -> / {
        row[++rows] = $0
        if ($1 == 4) small += $5
        else if ($1 == 16) large += $5
        else other += $5
    }
    END { printf "%d %d %d %d %d\n", sections, small, large, other, log2_rows_bad(row, rows) }' "$out")
set -- $verdict
sections=$1 small=$2 large=$3 elsewhere=$4 bad=$5
[ "$sections" = 1 ] || fail "-d nullb0: $sections sections, only dd's wanted"
[ "$bad" = 0 ] || fail "-d nullb0: $bad rows not in libbpf-tools' layout"
[ "$small" = $blocks ] && [ "$large" = $blocks ] && [ "$elsewhere" = 0 ] ||
    fail "-d nullb0: dd has $small in 4 -> 7, $large in 16 -> 31, $elsewhere elsewhere; $blocks and $blocks made"
[ "$(head -n1 "$other")" = "Tracing block device I/O... Hit Ctrl-C to end." ] || fail "-c d: $(head -n1 "$other")"
grep -q '^Process Name' "$other" && fail "-c d counted a task: $(grep '^Process Name' "$other")"
pass "dd on nullb0: $small 4 KiB reads in 4 -> 7, $large 16 KiB reads in 16 -> 31; -c d: none"
