#!/bin/sh
# drsnoop -p sees a dd that reads all of RAM into one buffer go through
# direct reclaim on its way to the OOM killer (it has oom_score_adj 1000, so
# it alone is killed): lines with comm "dd", the dd's PID as TID, LAT(ms)
# with 3 decimals and PAGES (nr_reclaimed, an unsigned long: 4 bytes on
# 32-bit arm, at its tracefs offset). With -e, FREE(KB) (vm_zone_stat's free
# page count, read at its kallsyms address) must be at most MemTotal; a
# kernel that lists no vm_zone_stat in /proc/kallsyms (no
# CONFIG_KALLSYMS_ALL) must refuse -e in one line saying so. Needs no BTF.
. /lib/bpfbin/lib.sh

bin=$(tool drsnoop) || skip "drsnoop not built"
dd=$(tool dd) || fail "no dd applet"
out=/tmp/drsnoop.$$.out
go=/tmp/drsnoop.$$.go
mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
mkfifo "$go"
# The hog's PID is known before it runs: it execs dd once told to. One
# buffer of all RAM but 1 MiB, filled from /dev/zero in one read.
( read -r x < "$go"; echo 1000 > /proc/self/oom_score_adj
  exec "$dd" if=/dev/zero of=/dev/null bs=$((mem_kb - 1024))k count=1 ) 2> /dev/null &
hog=$!

extended=-e
if ! grep -q ' vm_zone_stat$' /proc/kallsyms; then
    msg=$("$bin" -e 2>&1)
    rc=$?
    [ $rc = 1 ] && [ "$(echo "$msg" | wc -l)" = 1 ] && echo "$msg" | grep -q CONFIG_KALLSYMS_ALL ||
        { echo > "$go"; fail "-e without vm_zone_stat in kallsyms: status $rc: $msg"; }
    extended=
fi
start_traced "$out" '^TIME +COMM +TID +LAT\(ms\) +PAGES' "$bin" $extended -p "$hog"
case $? in
0) ;;
2) echo > "$go"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go"
wait "$hog"
status=$?
[ $status = 137 ] || { stop_traced; fail "dd $hog ended with status $status, not by SIGKILL"; }
# TIME COMM TID LAT(ms) PAGES [FREE(KB)]
line='$1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ && $2 == "dd" && $3 == '"$hog"' && $4 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ && $5 ~ /^[0-9]+$/'
if [ -n "$extended" ]; then
    line="$line"' && NF == 6 && $6 ~ /^[0-9]+$/ && $6 > 0 && $6 <= '"$mem_kb"
else
    line="$line"' && NF == 5'
fi
await_line "$out" "$line"
found=$?
kill -0 "$TRACED_PID" 2> /dev/null || { cat "$out"; fail "drsnoop did not survive the OOM kill"; }
stop_traced
head -n 8 "$out"
[ $found = 0 ] || fail "no direct reclaim line for dd $hog (${extended:-no -e})"
others=$(awk 'NR > 2 && $3 != '"$hog"' { n++ } END { print n + 0 }' "$out")
[ "$others" = 0 ] || fail "-p $hog: $others lines of other threads"
n=$(awk '$3 == '"$hog"' { n++ } END { print n + 0 }' "$out")
pass "dd $hog: $n direct reclaims seen${extended:+ with FREE(KB)}"
