#!/bin/sh
# capable -x sees known capability checks with their verdicts, read from
# cap_capable()'s arguments (cap, opts) and return value by kprobes, which is
# what 32-bit arm gets wrong with 8-byte pt_regs slots:
#   renice -n -3 as root:          CAP_SYS_NICE (23), allow, uid 0
#   su to uid 1000 as root:        CAP_SETUID (7), allow, INSETID 1
#   then renice -n -5 as uid 1000: CAP_SYS_NICE (23), deny, uid 1000
# Needs kprobes, not BTF: it must work on every kernel of the matrix.
. /lib/bpfbin/lib.sh

bin=$(tool capable) || skip "capable not built"
# Full paths: the shell then execs the applets, so the kernel sees their names.
renice=$(tool renice) || fail "no renice applet"
su=$(tool su) || fail "no su applet"
grep -q '^bpfbin:' /etc/passwd 2>/dev/null || echo 'bpfbin:x:1000:1000:bpfbin:/tmp:/bin/sh' >> /etc/passwd
out=/tmp/capable.$$.out
go1=/tmp/capable.$$.go1
go2=/tmp/capable.$$.go2
mkfifo "$go1" "$go2"
# Each subshell execs once told to, so its PID is known before its checks.
( read -r x < "$go1"; exec "$renice" -n -3 -p $$ ) > /dev/null 2>&1 &
ROOT_PID=$!
# su and the shell it starts exec in turn: one PID, three names.
( read -r x < "$go2"; exec "$su" -s /bin/sh bpfbin -c "exec $renice -n -5 -p $$" ) > /dev/null 2>&1 &
USER_PID=$!

start_traced "$out" '^TIME +UID +PID +TID +COMM +CAP +NAME +AUDIT +VERDICT +INSETID' "$bin" -x
case $? in
0) ;;
2) echo > "$go1"; echo > "$go2"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go1"; echo > "$go2"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go1"
wait "$ROOT_PID"
echo > "$go2"
wait "$USER_PID"

CAT_PID=$ROOT_PID
await_line "$out" '$2 == 0 && $3 == pid && $4 == pid && $5 == "renice" && $6 == 23 && $7 == "CAP_SYS_NICE" && $8 == 1 && $9 == "allow"'
root_ok=$?
CAT_PID=$USER_PID
await_line "$out" '$2 == 0 && $3 == pid && $5 == "su" && $6 == 7 && $7 == "CAP_SETUID" && $9 == "allow" && $10 == 1'
setuid_ok=$?
await_line "$out" '$2 == 1000 && $3 == pid && $4 == pid && $5 == "renice" && $6 == 23 && $7 == "CAP_SYS_NICE" && $8 == 1 && $9 == "deny"'
user_ok=$?
stop_traced
echo "--- capable -x output (the workload's lines):"
awk -v a="$ROOT_PID" -v b="$USER_PID" 'NR == 1 || $3 == a || $3 == b' "$out" | head -n 20
[ $root_ok = 0 ] || fail "no line: uid 0 pid $ROOT_PID renice CAP_SYS_NICE allow"
[ $setuid_ok = 0 ] || fail "no line: uid 0 pid $USER_PID su CAP_SETUID allow insetid 1"
[ $user_ok = 0 ] || fail "no line: uid 1000 pid $USER_PID renice CAP_SYS_NICE deny"
pass "renice allowed as root, su's CAP_SETUID with INSETID, renice denied as uid 1000"
