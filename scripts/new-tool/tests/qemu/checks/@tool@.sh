#!/bin/sh
# @tool@ sees a process of busybox's true (to write: the workload @tool@
# traces, the line it must print, and what it needs of the kernel).
. /lib/bpfbin/lib.sh

bin=$(tool @tool@) || skip "@tool@ not built"
out=/tmp/@tool@.$$.out

start_traced "$out" '^TIME\(s\) +COMM +PID' "$bin"
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac

/bin/true
await_line "$out" '$2 == "true"'
found=$?
stop_traced
cat "$out"
[ $found = 0 ] || fail "no line for true in $(wc -l < "$out") lines: $(tail -n1 "$out")"
pass "true seen"
