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
nc=$(tool nc) || fail "no nc applet"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null && v6=1 || v6=
port4=4721 port6=4722
out=/tmp/tcpconnlat.$$.out
go=/tmp/tcpconnlat.$$.go
mkfifo "$go.4" "$go.6"

"$nc" -l -p $port4 > /dev/null 2>&1 &
"$nc" -l -p $port6 > /dev/null 2>&1 &
( read -r x < "$go.4"; exec "$nc" 127.0.0.1 $port4 ) < /dev/null > /dev/null 2>&1 &
C4=$!
( read -r x < "$go.6"; [ -n "$v6" ] && exec "$nc" ::1 $port6 ) < /dev/null > /dev/null 2>&1 &
C6=$!

start_traced "$out" '^PID +COMM +IP +SADDR +LPORT +DADDR +DPORT +LAT\(ms\)' "$bin" -L
case $? in
0) ;;
2) echo > "$go.4"; echo > "$go.6"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go.4"; echo > "$go.6"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go.4"
echo > "$go.6"
wait "$C4" "$C6"

# A local port above 0, and a latency in milliseconds under 1 s on loopback.
wait_for "$out" "^$C4 +nc +4 +127\.0\.0\.1 +[1-9][0-9]* +127\.0\.0\.1 +$port4 +[0-9]{1,3}\.[0-9][0-9]\$" 10
ok4=$?
ok6=0
[ -z "$v6" ] || { wait_for "$out" "^$C6 +nc +6 +::1 +[1-9][0-9]* +::1 +$port6 +[0-9]{1,3}\.[0-9][0-9]\$" 10; ok6=$?; }
stop_traced
echo "--- tcpconnlat output (nc's lines):"
grep -e '^PID' -e ' nc ' "$out" | head -n 20
[ $ok4 = 0 ] || fail "no line: $C4 nc 4 127.0.0.1 LPORT 127.0.0.1 $port4 LAT"
[ $ok6 = 0 ] || fail "no line: $C6 nc 6 ::1 LPORT ::1 $port6 LAT"
[ -n "$v6" ] && pass "nc's connects to 127.0.0.1 and ::1 with PID, comm, addresses, ports, latency" ||
    pass "nc's connect to 127.0.0.1 with PID, comm, addresses, ports, latency (no IPv6 here)"
