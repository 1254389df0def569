#!/bin/sh
# opensnoop -x: a failed open shows fd -1 and its errno (ENOENT = 2), read as
# a signed long of this kernel's width; successful opens are not shown.
. /lib/bpfbin/lib.sh

bin=$(tool opensnoop) || skip "opensnoop not built"
ok=/tmp/bpfbin-present-$$
echo hello > "$ok"
out=/tmp/opensnoop-x.$$.out

start_traced "$out" '^ *PID +COMM' "$bin" -x -n cat
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac

run_cat "$ok"
PATH_ARG=/tmp/bpfbin-missing-$$
run_cat "$PATH_ARG"
await_line "$out" '$1 == pid && $2 == "cat" && $3 == -1 && $4 == 2 && $NF == path'
found=$?
stop_traced
grep -e bpfbin- -e PID "$out" | head -n 5
[ $found = 0 ] || fail "no line with pid $CAT_PID fd -1 err 2 for $PATH_ARG"
grep -q -- "$ok" "$out" && fail "a successful open was shown with -x"
pass "cat pid $CAT_PID: fd -1 ENOENT for $PATH_ARG; the successful open hidden"
