#!/bin/sh
# bpfbox, the multi-call binary, on this arch and kernel: `bpfbox --list`
# names every tool installed on its own, and a link named syncsnoop runs
# syncsnoop, which sees a known process's sync(2) (comm and call, as the
# syncsnoop check does). syncsnoop needs no BTF, so it must work everywhere.
. /lib/bpfbin/lib.sh

bin=$(tool bpfbox) || skip "bpfbox not built"
for t in $("$bin" --list); do
    tool "$t" > /dev/null || fail "bpfbox --list names $t, which is not installed on its own"
done
for f in "${bin%/*}"/*; do
    # busybox's applets are links there too.
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    n=${f##*/}
    case $n in bpfbox | *.sh) continue ;; esac
    "$bin" --list | grep -qx "$n" || fail "$n is installed but not in bpfbox --list"
done

dir=/tmp/bpfbox.$$
mkdir "$dir"
ln -s "$bin" "$dir/syncsnoop"
out=$dir/out
go=$dir/go
mkfifo "$go"
( read -r x < "$go"; exec /bin/sync ) &
SYNC_PID=$!
start_traced "$out" '^TIME\(s\) +COMM +CALL' "$dir/syncsnoop" -p "$SYNC_PID"
case $? in
0) ;;
2) echo > "$go"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go"
wait "$SYNC_PID"
await_line "$out" '$2 == "sync" && $3 == "sync"'
found=$?
stop_traced
cat "$out"
[ $found = 0 ] || fail "the link named syncsnoop did not see sync pid $SYNC_PID"
pass "$("$bin" --list | wc -l) tools listed and installed; a link named syncsnoop saw sync pid $SYNC_PID"
