#!/bin/sh
# exitsnoop sees this shell's children exit: `sh -c 'exit 7'` as "code 7",
# and a sleep killed by SIGUSR1 as "signal 10 (User defined signal 1)"
# (SIGUSR1 is 10 on x86, arm and arm64), each with the PID the shell knows,
# the PPID this shell ($$, as the guest's /proc also says) and the age.
# exitsnoop reads task_struct through BTF offsets: on the no-BTF kernel it
# must refuse, naming BTF and the --btf flag.
. /lib/bpfbin/lib.sh

bin=$(tool exitsnoop) || skip "exitsnoop not built"
out=/tmp/exitsnoop.$$.out

start_btf_tool "$out" '^PCOMM +PID +PPID' "$bin"

sh -c 'exit 7' &
coded=$!
wait "$coded"

# The full path makes the shell exec the applet, so the kernel sees "sleep".
/bin/sleep 60 &
killed=$!
sleep 0.5
proc_ppid=$(cut -d' ' -f4 "/proc/$killed/stat")
kill -USR1 "$killed"
wait "$killed"

# line PID CONDITION: the fields of the event of PID (PCOMM PID PPID TID
# AGE(s) EXIT_CODE...) satisfy the awk condition, within 10 s.
line() {
    n=0
    until awk -v pid="$1" -v ppid=$$ "\$2 == pid && \$3 == ppid && \$4 == pid && ($2) { found = 1 }
        END { exit !found }" "$out"; do
        n=$((n + 1))
        [ $n -le 50 ] || return 1
        sleep 0.2
    done
}
line "$coded" '$1 == "sh" && $5 < 30 && $6 == "code" && $7 == 7 && NF == 7'
coded_ok=$?
line "$killed" '$1 == "sleep" && $5 >= 0.4 && $5 < 30 && index($0, " signal 10 (User defined signal 1)")'
killed_ok=$?
stop_traced
echo "--- exitsnoop output (this shell's children):"
awk -v ppid=$$ 'NR == 1 || $3 == ppid' "$out" | head -n 10
[ $coded_ok = 0 ] || fail "no line: sh pid $coded ppid $$ code 7"
[ $killed_ok = 0 ] || fail "no line: sleep pid $killed ppid $$ age >= 0.4 signal 10 (User defined signal 1)"
[ "$proc_ppid" = $$ ] || fail "/proc/$killed/stat says ppid $proc_ppid, the shell is $$"
pass "sh pid $coded: code 7; sleep pid $killed: SIGUSR1 after 0.5 s; ppid $$ as in /proc"
