#!/bin/sh
# execsnoop -x sees this shell's child exec /bin/echo with known arguments:
# comm "echo", the child's PID ($!), this shell as PPID ($$, read in the
# kernel through task_struct offsets from BTF), RET 0 and the arguments (argv
# pointers of this kernel's width); and a failed exec of a missing file with
# RET -2 (ENOENT) under the shell's name. On the no-BTF kernel it must refuse,
# naming BTF and the --btf flag.
. /lib/bpfbin/lib.sh

bin=$(tool execsnoop) || skip "execsnoop not built"
marker=bpfbin-exec-$$-$(cut -d' ' -f1 /proc/uptime | tr -d .)
out=/tmp/execsnoop.$$.out

start_btf_tool "$out" '^ *PCOMM +PID +PPID' "$bin" -x

# A path with a slash: busybox ash really execs it (no in-shell applet).
/bin/sh -c "exec /bin/echo $marker x y" > /dev/null &
good=$!
wait "$good"
/bin/sh -c "exec /nonexistent/$marker z" > /dev/null 2>&1 &
bad=$!
wait "$bad"

# await LABEL AWK_CONDITION: wait (10 s) for a matching line.
await() {
    n=0
    until awk -v ppid=$$ -v m="$marker" -v good="$good" -v bad="$bad" "$2 { found = 1 } END { exit !found }" "$out"; do
        n=$((n + 1))
        [ $n -le 50 ] || return 1
        sleep 0.2
    done
}
await good '$1 == "echo" && $2 == good && $3 == ppid && $4 == 0 && $5 == "/bin/echo" && $6 == m && $7 == "x" && $8 == "y" && NF == 8'
found_good=$?
await bad '$1 == "sh" && $2 == bad && $3 == ppid && $4 == -2 && $5 == "/nonexistent/" m && $6 == "z" && NF == 6'
found_bad=$?
stop_traced
grep -e "$marker" -e PCOMM "$out" | head -n 6
[ $found_good = 0 ] || fail "no line: echo $good $$ 0 /bin/echo $marker x y"
[ $found_bad = 0 ] || fail "no line: sh $bad $$ -2 /nonexistent/$marker z"
pass "echo pid $good ppid $$ with its arguments; the failed exec with RET -2"
