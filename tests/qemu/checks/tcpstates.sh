#!/bin/sh
# tcpstates -D follows busybox nc's client socket, connecting to a listening
# nc on 127.0.0.1 (and ::1 where the kernel has IPv6), through its states, from
# `sock:inet_sock_set_state` (no kprobes, no BTF: every kernel of the matrix):
#   SKADDR PID COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS
# CLOSE -> SYN_SENT by the client's PID (a subshell that execs nc once told
# to), comm "nc", local port 0 (not picked yet); SYN_SENT -> ESTABLISHED with
# a local port; a last change to CLOSE; all of one socket address, which has
# the kernel's pointer width (8 hex digits at most on 32-bit Arm), with both
# addresses, the port and a time in ms.
. /lib/bpfbin/lib.sh

bin=$(tool tcpstates) || skip "tcpstates not built"
port4=4701 port6=4702
out=/tmp/tcpstates.$$.out
case $(uname -m) in
armv7*) digits=8 ;;
*) digits=16 ;;
esac

held_connects $port4 $port6

start_traced "$out" '^SKADDR +PID +COMM +LADDR +LPORT +RADDR +RPORT +OLDSTATE +-> +NEWSTATE +MS' "$bin" -D $port4,$port6
case $? in
0) ;;
2) release_connects; fail "exited before attaching: $(head -n1 "$out")" ;;
*) release_connects; stop_traced; fail "no header after 120s" ;;
esac
release_connects

# follows PID ADDR PORT: the client socket's life as described above.
follows() {
    awk -v pid="$1" -v addr="$2" -v port="$3" -v digits="$digits" '
        NR == 1 || $7 != port { next }
        sk == "" && $8 == "CLOSE" && $10 == "SYN_SENT" {
            sk = $1
            if ($2 != pid || $3 != "nc" || $4 != addr || $5 != 0 || $6 != addr) bad = 1
            if (sk !~ /^[0-9a-f]+$/ || length(sk) > digits) bad = 1
        }
        $1 != sk { next }
        $4 != addr || $6 != addr || $11 !~ /^[0-9]+\.[0-9][0-9][0-9]$/ { bad = 1 }
        $8 == "SYN_SENT" && $10 == "ESTABLISHED" && $5 > 0 { established = 1 }
        established && $10 == "CLOSE" { closed = 1 }
        END { exit !(sk != "" && established && closed && !bad) }' "$out"
}
n=0
until follows "$C4" 127.0.0.1 $port4 && { [ -z "$V6" ] || follows "$C6" ::1 $port6; }; do
    n=$((n + 1))
    [ $n -le 50 ] || break
    sleep 0.2
done
stop_traced
echo "--- tcpstates output:"
head -n 30 "$out"
follows "$C4" 127.0.0.1 $port4 || fail "no CLOSE -> SYN_SENT -> ESTABLISHED -> ... CLOSE of nc pid $C4 to 127.0.0.1:$port4"
[ -z "$V6" ] || follows "$C6" ::1 $port6 || fail "no CLOSE -> SYN_SENT -> ESTABLISHED -> ... CLOSE of nc pid $C6 to [::1]:$port6"
[ -n "$V6" ] && pass "nc's sockets to 127.0.0.1 and ::1 through their states" ||
    pass "nc's socket to 127.0.0.1 through its states (no IPv6 here)"
