#!/bin/sh
# tcpretrans sees SYN retransmits, from `tcp:tcp_retransmit_skb` (no BTF, no
# kprobes: every kernel of the matrix). The loss: a listening busybox nc,
# stopped (SIGSTOP) before it accepts, has its accept queue (backlog 1)
# filled by two nc clients, one after the other; the kernel then drops the
# SYNs of the next ones, which retransmit them from 1 s on. Each of those shows as
#   TIME PID IP LADDR:LPORT T> RADDR:RPORT STATE
# with IP 4 (6), LADDR 127.0.0.1 (::1) and a port, R>, the listener's
# address and port, SYN_SENT; for 127.0.0.1 and, where the kernel has IPv6,
# ::1. Then -c -4 counts new drops per flow, IPv4 only, at Ctrl-C; and -l
# (loss probes: a kprobe on tcp_send_loss_probe() reading the socket at
# BTF offsets) loads and attaches beside the tracepoint, which still
# reports, with -s the SYN's sequence number (sk_buff.cb at a BTF offset),
# the same in each retransmit of a flow; or they refuse naming BTF and
# --btf on the no-BTF kernel. (Loss probes need a lost data segment, which
# loopback without netem cannot make: none is seen here.)
. /lib/bpfbin/lib.sh

bin=$(tool tcpretrans) || skip "tcpretrans not built"
nc=$(tool nc) || fail "no nc applet"
loopback_up
port4=4721 port6=4722
out=/tmp/tcpretrans.$$.out
pids=
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT

# listening PORT FILE: whether FILE (/proc/net/tcp*) has a socket listening on PORT.
listening() {
    awk -v port="$(printf ':%04X' "$1")" '$2 ~ port "$" && $4 == "0A" { found = 1 } END { exit !found }' "$2"
}
# stopped_listener PORT: a listening nc, stopped before it accepts.
stopped_listener() {
    "$nc" -l -p "$1" > /dev/null 2>&1 &
    pids="$pids $!"
    n=0
    until listening "$1" /proc/net/tcp || listening "$1" /proc/net/tcp6; do
        n=$((n + 1))
        [ $n -le 50 ] || fail "nc does not listen on port $1"
        sleep 0.1
    done
    kill -STOP $!
}
# queued PORT: connections waiting in the accept queue of PORT's listener
# (ESTABLISHED, or CLOSE_WAIT once their client has closed).
queued() {
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v port="$(printf ':%04X' "$1")" '$2 ~ port "$" && ($4 == "01" || $4 == "08") { n++ } END { print n + 0 }'
}
# fill_queue ADDR PORT: clients one at a time until the queue holds two
# (nc listens with backlog 1), so no later SYN can slip in.
fill_queue() {
    n=0
    while [ "$(queued "$2")" -lt 2 ]; do
        "$nc" "$1" "$2" < /dev/null > /dev/null 2>&1 &
        pids="$pids $!"
        n=$((n + 1))
        [ $n -le 10 ] || fail "the accept queue of port $2 holds $(queued "$2") connections, not 2"
        sleep 0.5
    done
}
# clients ADDR PORT: two clients whose SYNs the full queue drops.
clients() {
    for i in 1 2; do
        "$nc" "$1" "$2" < /dev/null > /dev/null 2>&1 &
        pids="$pids $!"
    done
}
# retransmits ADDR PORT IP: whether a line shows a SYN retransmit to ADDR:PORT.
retransmits() {
    awk -v addr="$1" -v port="$2" -v ip="$3" '
        $2 ~ /^[0-9]+$/ && $3 == ip && $5 == "R>" && $6 == addr ":" port && $7 == "SYN_SENT" &&
        substr($4, 1, length(addr) + 1) == addr ":" && substr($4, length(addr) + 2) > 0 { found = 1 }
        END { exit !found }' "$out"
}
# await CONDITION...: poll (15 s) until the command succeeds.
await() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ $n -le 75 ] || return 1
        sleep 0.2
    done
}

stopped_listener $port4
fill_queue 127.0.0.1 $port4
[ -z "$V6" ] || { stopped_listener $port6; fill_queue ::1 $port6; }

start_traced "$out" '^TIME +PID +IP +LADDR:LPORT +T> +RADDR:RPORT +STATE' "$bin"
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac
clients 127.0.0.1 $port4
[ -z "$V6" ] || clients ::1 $port6
await retransmits 127.0.0.1 $port4 4
ok4=$?
ok6=0
[ -z "$V6" ] || { await retransmits ::1 $port6 6; ok6=$?; }
stop_traced
echo "--- tcpretrans output:"
head -n 20 "$out"
[ $ok4 = 0 ] || fail "no SYN_SENT retransmit to 127.0.0.1:$port4"
[ $ok6 = 0 ] || fail "no SYN_SENT retransmit to ::1:$port6"

# -c -4: new drops, counted per flow; no IPv6 flow.
start_traced "$out" '^Tracing retransmits' "$bin" -c -4
[ $? = 0 ] || { stop_traced; fail "-c did not start: $(head -n1 "$out")"; }
clients 127.0.0.1 $port4
[ -z "$V6" ] || clients ::1 $port6
# Retransmits at 1 s and 3 s after the SYN.
sleep 4
stop_traced
echo "--- tcpretrans -c -4 output:"
cat "$out"
awk -v remote="[127.0.0.1]#$port4" '
    $1 == "LADDR:LPORT" && $2 == "RADDR:RPORT" && $3 == "RETRANSMITS" { header = 1 }
    header && $1 ~ /^\[127\.0\.0\.1\]#[1-9]/ && $2 == "<->" && $3 == remote && $4 >= 1 { found = 1 }
    /::1/ { v6 = 1 }
    END { exit !(found && !v6) }' "$out" || fail "-c -4: no count for a flow to 127.0.0.1:$port4 (or an IPv6 flow)"

# same_seq: whether a flow was retransmitted twice, with one nonzero SEQ
# (the SYN's) and none of the flows changed its SEQ.
same_seq() {
    awk '$5 == "R>" && $7 == "SYN_SENT" {
            if (($4 in seq) && seq[$4] != $8) bad = 1
            if ($4 in seq) twice = 1
            seq[$4] = $8
            if ($8 !~ /^[0-9]+$/ || $8 == 0) bad = 1
        }
        END { exit !(twice && !bad) }' "$out"
}

# -l -s: the kprobe and the sequence numbers need BTF (start_btf_tool
# passes on a clean refusal there).
start_btf_tool "$out" '^TIME +PID +IP +LADDR:LPORT +T> +RADDR:RPORT +STATE +SEQ' "$bin" -l -s -4
clients 127.0.0.1 $port4
await retransmits 127.0.0.1 $port4 4
ok=$?
await same_seq
seq_ok=$?
stop_traced
echo "--- tcpretrans -l -s -4 output:"
head -n 10 "$out"
[ $ok = 0 ] || fail "-l: no SYN_SENT retransmit to 127.0.0.1:$port4"
[ $seq_ok = 0 ] || fail "-s: no flow retransmitted twice with one nonzero sequence number"
pass "SYN retransmits to 127.0.0.1${V6:+ and ::1} shown, counted with -c; -l attached, -s sequence numbers"
