#!/bin/sh
# solisten sees busybox nc and httpd start listening, from the
# syscalls:sys_{enter,exit}_listen tracepoints and the socket behind the
# descriptor, read at BTF offsets (task -> files -> file -> socket -> sock):
#   PID COMM RET BACKLOG PROTO PORT ADDR
# "nc -l -p 4741": its PID, comm nc, RET 0, backlog 1, TCPv6 on "::" (TCPv4
# on 0.0.0.0 without IPv6), port 4741; "httpd -f -p 127.0.0.1:4742": comm
# httpd, backlog 9, TCPv4, port 4742, 127.0.0.1. On the no-BTF kernel it must
# refuse, naming BTF and --btf.
. /lib/bpfbin/lib.sh

bin=$(tool solisten) || skip "solisten not built"
nc=$(tool nc) || fail "no nc applet"
httpd=$(tool httpd) || fail "no httpd applet"
loopback_up
out=/tmp/solisten.$$.out
pids=
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

start_btf_tool "$out" '^PID +COMM +RET +BACKLOG +PROTO +PORT +ADDR' "$bin"
"$nc" -l -p 4741 > /dev/null 2>&1 &
NC=$!
pids="$pids $NC"
"$httpd" -f -p 127.0.0.1:4742 -h /tmp > /dev/null 2>&1 &
HTTPD=$!
pids="$pids $HTTPD"

# seen PID COMM BACKLOG PROTOS PORT ADDRS: a line with those (PROTOS and ADDRS: regexps).
seen() {
    awk -v pid="$1" -v comm="$2" -v backlog="$3" -v protos="$4" -v port="$5" -v addrs="$6" '
        $1 == pid && $2 == comm && $3 == 0 && $4 == backlog && $5 ~ protos && $6 == port && $7 ~ addrs { found = 1 }
        END { exit !found }' "$out"
}
nc_ok() { seen "$NC" nc 1 '^TCPv6$' 4741 '^::$' || seen "$NC" nc 1 '^TCPv4$' 4741 '^0\.0\.0\.0$'; }
httpd_ok() { seen "$HTTPD" httpd 9 '^TCPv4$' 4742 '^127\.0\.0\.1$'; }
n=0
until nc_ok && httpd_ok; do
    n=$((n + 1))
    [ $n -le 50 ] || break
    sleep 0.2
done
stop_traced
echo "--- solisten output:"
cat "$out"
nc_ok || fail "no listen of nc pid $NC on port 4741 (backlog 1, any address)"
httpd_ok || fail "no listen of httpd pid $HTTPD on 127.0.0.1:4742 (backlog 9)"
pass "nc on port 4741 and httpd on 127.0.0.1:4742, with their backlogs"
