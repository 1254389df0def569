#!/bin/sh
# tcpconnect -P sees busybox nc connect to a listening nc on 127.0.0.1 (and
# on ::1 where the kernel has IPv6), from `sock:inet_sock_set_state` (no
# kprobes, no BTF: every kernel of the matrix): a line per connect with the
# client's PID (a subshell that execs nc once told to, so its PID is known
# first), comm "nc", IP 4 (6), both addresses and the port:
#   PID COMM IP SADDR DADDR DPORT
. /lib/bpfbin/lib.sh

bin=$(tool tcpconnect) || skip "tcpconnect not built"
nc=$(tool nc) || fail "no nc applet"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
# ::1 comes with lo when the kernel has IPv6.
grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null && v6=1 || v6=
port4=4711 port6=4712
out=/tmp/tcpconnect.$$.out
go=/tmp/tcpconnect.$$.go
mkfifo "$go.4" "$go.6"

# A listener per port (IPv4 and IPv6 on one socket where there is IPv6),
# and a client waiting for its go.
"$nc" -l -p $port4 > /dev/null 2>&1 &
"$nc" -l -p $port6 > /dev/null 2>&1 &
( read -r x < "$go.4"; exec "$nc" 127.0.0.1 $port4 ) < /dev/null > /dev/null 2>&1 &
C4=$!
( read -r x < "$go.6"; [ -n "$v6" ] && exec "$nc" ::1 $port6 ) < /dev/null > /dev/null 2>&1 &
C6=$!

start_traced "$out" '^PID +COMM +IP +SADDR +DADDR +DPORT' "$bin" -P $port4,$port6
case $? in
0) ;;
2) echo > "$go.4"; echo > "$go.6"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go.4"; echo > "$go.6"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go.4"
echo > "$go.6"
wait "$C4" "$C6"

wait_for "$out" "^$C4 +nc +4 +127\.0\.0\.1 +127\.0\.0\.1 +$port4 *\$" 10
ok4=$?
ok6=0
[ -z "$v6" ] || { wait_for "$out" "^$C6 +nc +6 +::1 +::1 +$port6 *\$" 10; ok6=$?; }
stop_traced
echo "--- tcpconnect output:"
head -n 20 "$out"
[ $ok4 = 0 ] || fail "no line: $C4 nc 4 127.0.0.1 127.0.0.1 $port4"
[ $ok6 = 0 ] || fail "no line: $C6 nc 6 ::1 ::1 $port6"
[ $(($(wc -l < "$out") - 1)) -le 2 ] || fail "connects to other ports shown"
[ -n "$v6" ] && pass "nc's connects to 127.0.0.1 and ::1 with PID, comm, addresses, port" ||
    pass "nc's connect to 127.0.0.1 with PID, comm, addresses, port (no IPv6 here)"
