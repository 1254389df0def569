#!/bin/sh
# sigsnoop sees this shell signal its child: `kill -USR1 $!` to a sleep, with
# the sender this shell ($$, comm "sh": kill is an ash builtin), signal 10
# (SIGUSR1 on x86, arm and arm64), the target $! (comm "sleep") and result 0.
# Checked from signal:signal_generate (default), from the kill syscalls (-k),
# and as killsnoop; the syscall modes also show a kill of a PID nobody has
# failing with -3 (ESRCH).
. /lib/bpfbin/lib.sh

bin=$(tool sigsnoop) || skip "sigsnoop not built"
killsnoop=$(tool killsnoop) || killsnoop=

# seen OUT CONDITION: a line of OUT (TIME PID COMM SIG TPID TCOMM RESULT)
# from this shell satisfies the awk condition, within 10 s.
seen() {
    n=0
    until awk -v me=$$ -v target="$target" "\$2 == me && \$3 == \"sh\" && ($2) { found = 1 }
        END { exit !found }" "$1"; do
        n=$((n + 1))
        [ $n -le 50 ] || return 1
        sleep 0.2
    done
}

# mode LABEL SYSCALLS BIN ARGS...: trace, signal a sleep, check the lines.
mode() {
    label=$1 syscalls=$2
    shift 2
    out=/tmp/sigsnoop.$$.$label.out
    start_traced "$out" '^TIME +PID +COMM +SIG +TPID +TCOMM +RESULT' "$@"
    case $? in
    0) ;;
    2) fail "$label: exited before attaching: $(head -n1 "$out")" ;;
    *) stop_traced; fail "$label: no header after 120s" ;;
    esac
    # The full path makes the shell exec the applet, so the kernel sees "sleep".
    /bin/sleep 60 &
    target=$!
    sleep 0.5
    kill -USR1 "$target"
    wait "$target"
    kill -USR1 99999999 2>/dev/null
    seen "$out" '$4 == 10 && $5 == target && $6 == "sleep" && $7 == 0 && NF == 7'
    ok=$?
    failed_ok=0
    if [ "$syscalls" = 1 ]; then
        seen "$out" '$4 == 10 && $5 == 99999999 && $6 == "N/A" && $7 == -3'
        failed_ok=$?
    fi
    stop_traced
    echo "--- $label output (this shell's signals):"
    awk -v me=$$ 'NR == 1 || $2 == me' "$out" | head -n 10
    [ $ok = 0 ] || fail "$label: no line: sh pid $$ sig 10 tpid $target sleep result 0"
    [ $failed_ok = 0 ] || fail "$label: no line: sh pid $$ sig 10 tpid 99999999 N/A result -3"
}

mode default 0 "$bin"
mode kill 1 "$bin" -k
seen_by="sigsnoop and sigsnoop -k"
if [ -n "$killsnoop" ]; then
    mode killsnoop 1 "$killsnoop"
    seen_by="sigsnoop, sigsnoop -k and killsnoop"
fi
pass "sh pid $$ sent SIGUSR1 to a sleep (result 0) and to no PID (-3), seen by $seen_by"
