#!/bin/sh
# funclatency times a kernel function of known latency through a kprobe and
# kretprobe: do_nanosleep() (hrtimer_nanosleep() where the kernel lacks the
# symbol), called by busybox watch -n 0.2, one process that sleeps 200 ms
# between runs of `true`.
#
# funclatency -u -d 4 -p W FUNC: "Tracing FUNC.  Hit Ctrl-C to exit", an
# empty line, a usec histogram with at least 8 calls, 80% or more in the row
# "131072 -> 262143" (200 ms = 200000 us), every row laid out as
# libbpf-tools' print_log2_hist prints it, then "Exiting trace of FUNC".
# Then funclatency -mT -i 2 -d 4 -p W FUNC: two msec histograms, each after
# an empty line and the time, the calls in "128 -> 255". And a function the
# kernel lacks: a one-line error, exit status 1. Needs kprobes, not BTF: it
# must work on every kernel of the matrix.
#
# On 5.10 (no CONFIG_PREEMPTION) a kretprobe has one instance per possible
# CPU, one here, held by whichever task sleeps in the function: the returns
# of every other sleeper are missed meanwhile. The tools wait in poll(2),
# not nanosleep, but busybox timeout (the harness's) sleeps a second at a
# time and may take it while watch runs `true`: a run that saw fewer than 8
# calls is tried again, up to 3 times.
. /lib/bpfbin/lib.sh

bin=$(tool funclatency) || skip "funclatency not built"
func=do_nanosleep
grep -q " $func\$" /proc/kallsyms || func=hrtimer_nanosleep
out=/tmp/funclatency.$$.out
missing=/tmp/funclatency.$$.missing

watch -n 0.2 true > /dev/null 2>&1 &
W=$!
stop_watch() { kill "$W"; wait "$W" 2> /dev/null; }

# measure FLAGS...: run funclatency FLAGS -d 4 -p W FUNC into $out, until it
# counted 8 calls or was tried 3 times; sets calls.
measure() {
    try=0
    calls=0
    while [ $try -lt 3 ] && [ "$calls" -lt 8 ]; do
        try=$((try + 1))
        start_traced "$out" "^Tracing $func\.  Hit Ctrl-C to exit\$" "$bin" "$@" -d 4 -p "$W" "$func"
        case $? in
        0) ;;
        2) stop_watch; fail "$*: exited before attaching: $(head -n1 "$out")" ;;
        *) stop_watch; stop_traced; fail "$*: no header after 120s" ;;
        esac
        # It ends by itself, 4 s after attaching.
        wait "$TRACED_PID"
        rc=$?
        echo "--- funclatency $* -d 4 -p $W $func (try $try, status $rc):"
        cat "$out"
        [ $rc = 0 ] || { stop_watch; fail "$*: exit status $rc"; }
        calls=$(awk '/ -> / { t += $5 } END { print t + 0 }' "$out")
    done
    [ "$calls" -ge 8 ] || { stop_watch; fail "$*: only $calls calls of $func by watch in 4 s, 3 times"; }
}

measure -u
[ "$(sed -n 2p "$out")" = "" ] || fail "no empty line before the histogram"
[ "$(sed -n 3p "$out")" = "     usec                : count    distribution" ] || fail "no usec histogram header"
[ "$(tail -n1 "$out")" = "Exiting trace of $func" ] || fail "last line is not 'Exiting trace of $func'"
verdict=$(awk "$LOG2_ROWS_AWK"'
    / -> / {
        row[++rows] = $0
        total += $5
        if ($1 == 131072) sleeps = $5
    }
    END { printf "%d %d %d\n", total, sleeps, log2_rows_bad(row, rows) }' "$out")
set -- $verdict
total=$1 sleeps=$2 bad=$3
[ "$bad" = 0 ] || { stop_watch; fail "$bad rows not in libbpf-tools' layout"; }
[ $((sleeps * 10)) -ge $((total * 8)) ] || { stop_watch; fail "only $sleeps of $total calls in 131072 -> 262143 usecs"; }

# -mT: per interval an empty line, HH:MM:SS, the msec histogram.
measure -mT -i 2
stop_watch
set -- $(awk '
    prev2 == "" && prev ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ && $0 == "     msec                : count    distribution" { hists++ }
    / -> / { total += $5; if ($1 == 128) sleeps += $5 }
    { prev2 = prev; prev = $0 }
    END { printf "%d %d %d\n", hists, total, sleeps }' "$out")
[ "$1" = 2 ] || fail "-mT -i 2 -d 4: $1 timestamped msec histograms, not 2"
[ $(($3 * 10)) -ge $(($2 * 8)) ] || fail "-m: only $3 of $2 calls in 128 -> 255 msecs"
ms="-mT: $3 of $2 in 128 -> 255 msecs"

"$bin" no_such_function_bpfbin > "$missing" 2>&1
rc_missing=$?
echo "--- funclatency no_such_function_bpfbin (status $rc_missing):"
cat "$missing"
[ $rc_missing = 1 ] && [ "$(wc -l < "$missing")" = 1 ] && grep -q '^funclatency: .*no_such_function_bpfbin' "$missing" ||
    fail "a missing kernel function: no one-line error with status 1"
pass "$func: $sleeps of $total calls in 131072 -> 262143 usecs; $ms"
