#!/bin/sh
# syncsnoop -p PID sees that process's sync(2): comm "sync", CALL "sync",
# a time since boot (columns TIME(s) COMM CALL, as libbpf-tools), and nothing
# from other processes. Needs no BTF, so it must work on every kernel.
. /lib/bpfbin/lib.sh

bin=$(tool syncsnoop) || skip "syncsnoop not built"
out=/tmp/syncsnoop.$$.out
go=/tmp/syncsnoop.$$.go
mkfifo "$go"
# The subshell execs the busybox applet once told to, so the PID is known
# before the call and the kernel sees a process named "sync".
( read -r x < "$go"; exec /bin/sync ) &
SYNC_PID=$!

start_traced "$out" '^TIME\(s\) +COMM +CALL' "$bin" -p "$SYNC_PID"
case $? in
0) ;;
2) echo > "$go"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go"; stop_traced; fail "no header after 120s" ;;
esac

/bin/sync # another process: must not be shown
echo > "$go"
wait "$SYNC_PID"
uptime=$(cut -d' ' -f1 /proc/uptime)
await_line "$out" '$1 ~ /^[0-9]+\.[0-9]+$/ && $1 + 0 <= '"$uptime"' + 1 && $2 == "sync" && $3 == "sync"'
found=$?
stop_traced
cat "$out"
[ $found = 0 ] || fail "no line 'TIME sync sync' for pid $SYNC_PID in $(wc -l < "$out") lines"
[ "$(grep -c . "$out")" = 2 ] || fail "-p $SYNC_PID: expected the header and one event, got $(wc -l < "$out") lines"
have_btf && nobtf= || nobtf=", without BTF"
pass "sync pid $SYNC_PID seen with -p, the other sync hidden$nobtf"
