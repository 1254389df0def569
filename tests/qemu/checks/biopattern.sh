#!/bin/sh
# biopattern tells sequential from random I/O on null_blk (lib.sh
# null_blk_dev), a disk only this check uses meanwhile.
#
# biopattern -d nullb0 while dd writes N (64) 4 KiB blocks of /dev/nullb0
# from its start, with O_DIRECT (one request each): exactly one row, in
# libbpf-tools' layout, "nullb0 0 100 N-1 4(N-1)": every request but the
# first starts where the one before ended (the first only says where that
# is). Then biopattern -T -d nullb0 while R (16) dd processes each read one
# 4 KiB block, three blocks apart: "HH:MM:SS  nullb0 100 0 R-1 4(R-1)". Alone
# on the CPU, no completion is missed, so the counts are exact. Classic
# block tracepoint with tracefs offsets: no BTF needed, every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool biopattern) || skip "biopattern not built"
dev=$(null_blk_dev) || fail "$dev"
blocks=64
reads=16
header='^DISK +%RND +%SEQ +COUNT +KBYTES$'
sequential=/tmp/biopattern.$$.s
random=/tmp/biopattern.$$.r

start_traced "$sequential" "$header" "$bin" -d nullb0
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$sequential")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac
dd if=/dev/zero of="$dev" bs=4k count=$blocks oflag=direct 2>/dev/null || { stop_traced; fail "dd write to $dev failed"; }
stop_traced
echo "--- biopattern -d nullb0 ($blocks direct writes of $dev from its start):"
cat "$sequential"

start_traced "$random" "^TIME +DISK" "$bin" -T -d nullb0
case $? in
0) ;;
2) fail "-T exited before attaching: $(head -n1 "$random")" ;;
*) stop_traced; fail "-T: no header after 120s" ;;
esac
i=0
while [ $i -lt $reads ]; do
    dd if="$dev" of=/dev/null bs=4k count=1 skip=$((3 * i)) iflag=direct 2>/dev/null || { stop_traced; fail "dd read of $dev failed"; }
    i=$((i + 1))
done
stop_traced
echo "--- biopattern -T -d nullb0 ($reads direct reads of $dev, 3 blocks apart):"
cat "$random"

want=$(printf '%-7s %5d %5d %8d %10d' nullb0 0 100 $((blocks - 1)) $((4 * (blocks - 1))))
[ "$(head -n1 "$sequential")" = "Tracing block device I/O requested seeks... Hit Ctrl-C to end." ] ||
    fail "first line: $(head -n1 "$sequential")"
[ "$(sed -n 2p "$sequential")" = "DISK     %RND  %SEQ    COUNT     KBYTES" ] || fail "header: $(sed -n 2p "$sequential")"
[ "$(wc -l < "$sequential")" = 3 ] || fail "-d nullb0: $(($(wc -l < "$sequential") - 2)) rows, one wanted"
[ "$(sed -n 3p "$sequential")" = "$want" ] || fail "sequential dd: '$(sed -n 3p "$sequential")', want '$want'"

want=$(printf '%-7s %5d %5d %8d %10d' nullb0 100 0 $((reads - 1)) $((4 * (reads - 1))))
[ "$(sed -n 2p "$random")" = "TIME      DISK     %RND  %SEQ    COUNT     KBYTES" ] || fail "-T header: $(sed -n 2p "$random")"
[ "$(wc -l < "$random")" = 3 ] || fail "-T -d nullb0: $(($(wc -l < "$random") - 2)) rows, one wanted"
line=$(sed -n 3p "$random")
echo "$line" | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}  ' || fail "-T: no HH:MM:SS first: '$line'"
[ "${line#????????  }" = "$want" ] || fail "reads apart: '$line', want 'HH:MM:SS  $want'"
pass "nullb0: $blocks writes from the start 100% sequential, $reads reads apart 100% random"
