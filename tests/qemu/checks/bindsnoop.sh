#!/bin/sh
# bindsnoop -x sees busybox nc binding its listening socket, from the
# syscalls:sys_{enter,exit}_bind tracepoints and the socket behind the
# descriptor, read at BTF offsets (task -> files -> file -> socket -> sock):
#   PID COMM RET PROTO OPTS IF PORT ADDR
# "nc -l -p 4731": its PID, comm nc, RET 0, TCP, SO_REUSEADDR (...R.), IF 0,
# port 4731, the any address ("::", or 0.0.0.0 without IPv6). A second nc
# on the same port fails: RET -98 (EADDRINUSE) with -x, port 0 (its socket
# stays unbound). On the no-BTF kernel it must refuse, naming BTF and --btf.
# (The host tests cover -P, -p, the other options and UDP.)
. /lib/bpfbin/lib.sh

bin=$(tool bindsnoop) || skip "bindsnoop not built"
nc=$(tool nc) || fail "no nc applet"
loopback_up
out=/tmp/bindsnoop.$$.out
pids=
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

start_btf_tool "$out" '^PID +COMM +RET +PROTO +OPTS +IF +PORT +ADDR' "$bin" -x
"$nc" -l -p 4731 > /dev/null 2>&1 &
first=$!
pids="$pids $first"
# The second nc on 4731 exits at once with EADDRINUSE, once the first
# listens: both set SO_REUSEADDR, so between the first's bind and its listen
# the second's bind succeeds. Port 4731 is 127B in /proc/net/tcp*, LISTEN 0A.
n=0
until grep -q "^ *$first  *nc  *0 " "$out" && grep -q ':127B [0-9A-F]*:0000 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null ||
    [ $n -gt 50 ]; do
    sleep 0.2
    n=$((n + 1))
done
"$nc" -l -p 4731 > /dev/null 2>&1 &
second=$!
pids="$pids $second"

# seen PID RET PORT: a line of nc PID with RET, TCP, ...R., IF 0, PORT, the any address.
seen() {
    awk -v pid="$1" -v ret="$2" -v port="$3" '
        $1 == pid && $2 == "nc" && $3 == ret && $4 == "TCP" && $5 == "...R." && $6 == 0 && $7 == port &&
        ($8 == "::" || $8 == "0.0.0.0") { found = 1 }
        END { exit !found }' "$out"
}
n=0
until seen "$first" 0 4731 && seen "$second" -98 0; do
    n=$((n + 1))
    [ $n -le 50 ] || break
    sleep 0.2
done
stop_traced
echo "--- bindsnoop output:"
cat "$out"
seen "$first" 0 4731 || fail "no successful bind of nc pid $first on port 4731"
seen "$second" -98 0 || fail "no failed bind (-98) of nc pid $second"
pass "nc's bind of port 4731 and its failed second bind (-98), TCP with SO_REUSEADDR"
