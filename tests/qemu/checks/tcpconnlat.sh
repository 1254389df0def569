#!/bin/sh
# tcpconnlat -L times busybox nc connecting to a listening nc on 127.0.0.1
# (and ::1 where the kernel has IPv6), from SYN_SENT to ESTABLISHED as
# `sock:inet_sock_set_state` shows them (no kprobes, no BTF: every kernel of
# the matrix): a line per connect with the PID and comm "nc" of the task that
# connected (a subshell that execs nc once told to: its PID is known first),
# IP 4 (6), the addresses, a local port, the port and a latency:
#   PID COMM IP SADDR LPORT DADDR DPORT LAT(ms)
. /lib/bpfbin/lib.sh

bin=$(tool tcpconnlat) || skip "tcpconnlat not built"
port4=4721 port6=4722
out=/tmp/tcpconnlat.$$.out

held_connects $port4 $port6

start_traced "$out" '^PID +COMM +IP +SADDR +LPORT +DADDR +DPORT +LAT\(ms\)' "$bin" -L
case $? in
0) ;;
2) release_connects; fail "exited before attaching: $(head -n1 "$out")" ;;
*) release_connects; stop_traced; fail "no header after 120s" ;;
esac
release_connects

# A local port above 0, and a latency in milliseconds under 1 s on loopback.
wait_for "$out" "^$C4 +nc +4 +127\.0\.0\.1 +[1-9][0-9]* +127\.0\.0\.1 +$port4 +[0-9]{1,3}\.[0-9][0-9]\$" 10
ok4=$?
ok6=0
[ -z "$V6" ] || { wait_for "$out" "^$C6 +nc +6 +::1 +[1-9][0-9]* +::1 +$port6 +[0-9]{1,3}\.[0-9][0-9]\$" 10; ok6=$?; }
stop_traced
echo "--- tcpconnlat output (nc's lines):"
grep -e '^PID' -e ' nc ' "$out" | head -n 20
[ $ok4 = 0 ] || fail "no line: $C4 nc 4 127.0.0.1 LPORT 127.0.0.1 $port4 LAT"
[ $ok6 = 0 ] || fail "no line: $C6 nc 6 ::1 LPORT ::1 $port6 LAT"
[ -n "$V6" ] && pass "nc's connects to 127.0.0.1 and ::1 with PID, comm, addresses, ports, latency" ||
    pass "nc's connect to 127.0.0.1 with PID, comm, addresses, ports, latency (no IPv6 here)"
