# Helpers sourced by tests/qemu/checks/*.sh in the guest (busybox ash).
# A check is run as `sh /checks/NAME.sh NAME` and must call exactly one of
# pass/fail/skip, which print the line the host parses and exit.
CHECK=${1:-${0##*/}}
CHECK=${CHECK%.sh}

result() { # STATUS REASON...
    status=$1
    shift
    # one line, whatever the reason contains
    echo "BPFBIN-RESULT $CHECK $status $(echo "$*" | tr '\n\r\t' '   ' | sed 's/ *$//')"
    exit 0
}
pass() { result PASS "$@"; }
fail() { result FAIL "$@"; }
skip() { result SKIP "$@"; }

# Path of a built tool from dist/, or empty.
tool() {
    for dir in /usr/sbin /usr/bin /sbin /bin; do
        [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
    done
    return 1
}

# wait_for FILE PATTERN SECONDS [PID]: poll until grep -E matches in FILE.
# Returns 1 on timeout, 2 if PID exited before the match.
wait_for() {
    n=0
    while [ "$n" -lt $(($3 * 5)) ]; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
            grep -Eq "$2" "$1" 2>/dev/null && return 0
            return 2
        fi
        sleep 0.2
        n=$((n + 1))
    done
    return 1
}

# Whether the kernel exposes BTF, as the tools see it.
have_btf() { [ -r /sys/kernel/btf/vmlinux ]; }

# The "no BTF" kernel: the expectation from the command line, else reality.
expect_no_btf() {
    case ${BPFBIN_EXPECT_BTF:-} in
    0) return 0 ;;
    1) return 1 ;;
    *) ! have_btf ;;
    esac
}

# start_traced OUT HEADER_PATTERN BIN ARGS...: start a tool in the background
# with its stdout and stderr in OUT, and wait until it printed its header
# (attached). Sets TRACED_PID. Returns as wait_for does.
start_traced() {
    out=$1 header=$2
    shift 2
    # Emptied here, not by the background job's redirection: until that runs,
    # the wait below would match the last run's lines in a reused file.
    : > "$out"
    "$@" > "$out" 2>&1 &
    TRACED_PID=$!
    # Loading and attaching is slow under TCG (BTF, verifier).
    wait_for "$out" "$header" 120 "$TRACED_PID"
}

# stop_traced: SIGINT the started tool, as Ctrl-C would, and reap it.
stop_traced() {
    kill -INT "$TRACED_PID" 2>/dev/null
    n=0
    while kill -0 "$TRACED_PID" 2>/dev/null && [ $n -lt 25 ]; do
        sleep 0.2
        n=$((n + 1))
    done
    kill -9 "$TRACED_PID" 2>/dev/null
    wait "$TRACED_PID" 2>/dev/null
}

# run_cat ARGS...: exec the busybox cat applet as its own process (no
# in-shell shortcut), so the kernel sees comm "cat"; sets CAT_PID.
run_cat() {
    /bin/cat "$@" > /dev/null 2>&1 &
    CAT_PID=$!
    wait "$CAT_PID"
}

# await_line FILE AWK_CONDITION: wait (10 s) for a line of FILE matching the
# awk condition, with awk variables pid and path set from CAT_PID and $PATH_ARG.
await_line() {
    n=0
    until awk -v pid="$CAT_PID" -v path="$PATH_ARG" "$2 { found = 1 } END { exit !found }" "$1"; do
        n=$((n + 1))
        [ $n -le 50 ] || return 1
        sleep 0.2
    done
}

# start_btf_tool OUT HEADER_PATTERN BIN ARGS...: start_traced for a tool that
# needs BTF. The check ends here when the tool did not attach: PASS if this
# is the no-BTF kernel and it refused naming BTF and --btf, FAIL otherwise
# (and FAIL if it attached on the no-BTF kernel).
start_btf_tool() {
    start_traced "$@"
    case $? in
    0) ;;
    2)
        msg=$(head -n1 "$1")
        if expect_no_btf && echo "$msg" | grep -q 'BTF' && echo "$msg" | grep -q -- '--btf'; then
            pass "no BTF: refused cleanly: $msg"
        fi
        fail "exited before attaching: $msg"
        ;;
    *) stop_traced; fail "no header after 120s" ;;
    esac
    if expect_no_btf; then
        stop_traced
        fail "attached although this kernel has no BTF"
    fi
}

# null_blk_dev: a block device whose every request completes by a timer,
# NULL_BLK_NSEC after it is issued (null_blk, blk-mq, irqmode=2). Loads the
# module (and its deps, listed in order) from /lib/modules/$(uname -r)/, or
# uses the built-in driver, configured from the kernel command line (armv7
# btf kernel). Prints /dev/nullb0, or a reason and returns 1.
NULL_BLK_NSEC=3000000
null_blk_dev() {
    dir=/lib/modules/$(uname -r)
    if [ ! -d /sys/module/null_blk ]; then
        [ -s "$dir/order" ] || { echo "no null_blk module for $(uname -r)"; return 1; }
        while read -r mod; do
            [ -d "/sys/module/$mod" ] && continue
            if [ "$mod" = null_blk ]; then
                insmod "$dir/null_blk.ko" nr_devices=1 queue_mode=2 irqmode=2 \
                    completion_nsec=$NULL_BLK_NSEC gb=1 2>&1 || { echo "insmod null_blk failed"; return 1; }
            else
                insmod "$dir/$mod.ko" 2>&1 || { echo "insmod $mod failed"; return 1; }
            fi
        done < "$dir/order"
    fi
    p=/sys/module/null_blk/parameters
    [ "$(cat $p/irqmode)" = 2 ] && [ "$(cat $p/completion_nsec)" = $NULL_BLK_NSEC ] ||
        { echo "null_blk has irqmode $(cat $p/irqmode), completion_nsec $(cat $p/completion_nsec)"; return 1; }
    n=0
    while [ ! -b /dev/nullb0 ] && [ $n -lt 25 ]; do sleep 0.2; n=$((n + 1)); done
    [ -b /dev/nullb0 ] || { echo "null_blk loaded but no /dev/nullb0"; return 1; }
    echo /dev/nullb0
}

# An awk function for checks of log2 histograms: log2_rows_bad(row, n) is
# how many of the lines row[1..n] (one histogram's rows, slot 0 first) are
# not exactly as libbpf-tools' print_log2_hist prints them, the bar of
# count * 40 / max stars included. Use it as: awk "$LOG2_ROWS_AWK"' ...'.
# busybox awk has no ^: slot i spans high(i-1)+1 to 2*high(i-1)+1.
LOG2_ROWS_AWK='
function log2_rows_bad(row, n,    i, f, max, low, high, stars, bar, j, bad) {
    max = 0
    for (i = 1; i <= n; i++) { split(row[i], f, " "); if (f[5] + 0 > max) max = f[5] + 0 }
    low = 0; high = 1; bad = 0
    for (i = 1; i <= n; i++) {
        split(row[i], f, " ")
        stars = max ? int(f[5] * 40 / max) : 0
        bar = ""
        for (j = 0; j < 40; j++) bar = bar (j < stars ? "*" : " ")
        if (row[i] != sprintf("%10d -> %-10d : %-8d |%s|", low, high, f[5], bar)) {
            bad++
            print "bad row: " row[i] > "/dev/stderr"
        }
        low = high + 1; high = high * 2 + 1
    }
    return bad
}
'

# loopback_up: lo up, and V6=1 where the kernel has ::1 (it comes with lo
# when the kernel has IPv6), else V6 empty.
loopback_up() {
    ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
    grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null && V6=1 || V6=
}

# held_connects PORT4 PORT6: loopback_up, a listening busybox nc on each
# port, and a client for each (127.0.0.1 PORT4; ::1 PORT6 where there is
# IPv6) that waits to exec nc until release_connects, so its PID (C4, C6)
# is known before it connects.
held_connects() {
    loopback_up
    held_nc=$(tool nc) || fail "no nc applet"
    HELD=/tmp/held.$$
    mkfifo "$HELD.4" "$HELD.6"
    "$held_nc" -l -p "$1" > /dev/null 2>&1 &
    "$held_nc" -l -p "$2" > /dev/null 2>&1 &
    ( read -r x < "$HELD.4"; exec "$held_nc" 127.0.0.1 "$1" ) < /dev/null > /dev/null 2>&1 &
    C4=$!
    ( read -r x < "$HELD.6"; [ -n "$V6" ] && exec "$held_nc" ::1 "$2" ) < /dev/null > /dev/null 2>&1 &
    C6=$!
}

# release_connects: let held_connects' clients connect; wait until they end.
release_connects() {
    echo > "$HELD.4"
    echo > "$HELD.6"
    wait "$C4" "$C6"
}
