#!/bin/sh
# tcpconnect -P sees busybox nc connect to a listening nc on 127.0.0.1 (and
# on ::1 where the kernel has IPv6), from `sock:inet_sock_set_state` (no
# kprobes, no BTF: every kernel of the matrix): a line per connect with the
# client's PID (a subshell that execs nc once told to, so its PID is known
# first), comm "nc", IP 4 (6), both addresses and the port:
#   PID COMM IP SADDR DADDR DPORT
. /lib/bpfbin/lib.sh

bin=$(tool tcpconnect) || skip "tcpconnect not built"
port4=4711 port6=4712
out=/tmp/tcpconnect.$$.out

held_connects $port4 $port6

start_traced "$out" '^PID +COMM +IP +SADDR +DADDR +DPORT' "$bin" -P $port4,$port6
case $? in
0) ;;
2) release_connects; fail "exited before attaching: $(head -n1 "$out")" ;;
*) release_connects; stop_traced; fail "no header after 120s" ;;
esac
release_connects

wait_for "$out" "^$C4 +nc +4 +127\.0\.0\.1 +127\.0\.0\.1 +$port4 *\$" 10
ok4=$?
ok6=0
[ -z "$V6" ] || { wait_for "$out" "^$C6 +nc +6 +::1 +::1 +$port6 *\$" 10; ok6=$?; }
stop_traced
echo "--- tcpconnect output:"
head -n 20 "$out"
[ $ok4 = 0 ] || fail "no line: $C4 nc 4 127.0.0.1 127.0.0.1 $port4"
[ $ok6 = 0 ] || fail "no line: $C6 nc 6 ::1 ::1 $port6"
[ $(($(wc -l < "$out") - 1)) -le 2 ] || fail "connects to other ports shown"
[ -n "$V6" ] && pass "nc's connects to 127.0.0.1 and ::1 with PID, comm, addresses, port" ||
    pass "nc's connect to 127.0.0.1 with PID, comm, addresses, port (no IPv6 here)"
