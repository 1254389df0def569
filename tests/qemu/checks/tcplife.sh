#!/bin/sh
# tcplife sees one TCP session on 127.0.0.1 from both ends: busybox nc sends
# a 5000-byte file to a listening nc, which sends nothing. The client's end
# (tcplife -D): its PID and comm "nc" (from its connect), TX_KB 4.88 (5000
# bytes, plus SYN and FIN, acknowledged), RX_KB 0.00. The server's end
# (tcplife -L): the listener's PID (it closed last), RX_KB 4.88, TX_KB 0.00.
# The byte counts are tcp_sock members whose offsets come from BTF: on the
# no-BTF kernel tcplife must refuse in one line naming BTF and --btf.
#   PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS
. /lib/bpfbin/lib.sh

bin=$(tool tcplife) || skip "tcplife not built"
nc=$(tool nc) || fail "no nc applet"
loopback_up
port=4731
# Not $out: start_traced sets that one.
log_d=/tmp/tcplife.$$.D
log_l=/tmp/tcplife.$$.L
go=/tmp/tcplife.$$.go
hold=/tmp/tcplife.$$.hold
data=/tmp/tcplife.$$.data
mkfifo "$go" "$hold"
head -c 5000 /dev/zero > "$data"

# The listener takes IPv4 on an IPv6 socket where the kernel has IPv6.
v4='(::ffff:)?127\.0\.0\.1'
# The listener's input stays open (fd 3 below), so it never ends the
# session itself: it reads until the client's FIN, then closes.
"$nc" -l -p $port < "$hold" > /dev/null 2>&1 &
S=$!
exec 3> "$hold"
( read -r x < "$go"; exec "$nc" 127.0.0.1 $port < "$data" ) > /dev/null 2>&1 &
C=$!

pattern='^PID +COMM +LADDR +LPORT +RADDR +RPORT +TX_KB +RX_KB +MS'
# Ends the check on the no-BTF kernel (a clean refusal passes).
start_btf_tool "$log_d" "$pattern" "$bin" -D $port
client_tracer=$TRACED_PID
start_traced "$log_l" "$pattern" "$bin" -L $port || { kill "$client_tracer"; fail "-L: no header: $(head -n1 "$log_l")"; }
server_tracer=$TRACED_PID
echo > "$go"
wait "$C"
exec 3>&-
wait "$S"

wait_for "$log_d" "^$C +nc +127\.0\.0\.1 +[1-9][0-9]* +127\.0\.0\.1 +$port +4\.88 +0\.00 +[0-9]+\.[0-9][0-9]\$" 10
ok_client=$?
wait_for "$log_l" "^$S +nc +$v4 +$port +$v4 +[1-9][0-9]* +0\.00 +4\.88 +[0-9]+\.[0-9][0-9]\$" 10
ok_server=$?
stop_traced
TRACED_PID=$client_tracer
stop_traced
echo "--- tcplife -D $port:"
head -n 10 "$log_d"
echo "--- tcplife -L $port:"
head -n 10 "$log_l"
[ $ok_client = 0 ] || fail "no line: $C nc 127.0.0.1 LPORT 127.0.0.1 $port 4.88 0.00 MS"
[ $ok_server = 0 ] || fail "no line: $S nc [::ffff:]127.0.0.1 $port [::ffff:]127.0.0.1 RPORT 0.00 4.88 MS"
pass "a 5000-byte session from both ends: PIDs, comms, addresses, ports, byte counts from BTF offsets"
