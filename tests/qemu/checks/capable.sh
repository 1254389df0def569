#!/bin/sh
# capable -x sees known capability checks with their verdicts, read from
# cap_capable()'s arguments (cap, opts) and return value by kprobes, which is
# what 32-bit arm gets wrong with 8-byte pt_regs slots:
#   renice -n -3 as root:          CAP_SYS_NICE (23), allow, uid 0
#   su to uid 1000 as root:        CAP_SETUID (7), allow, INSETID 1
#   then renice -n -5 as uid 1000: CAP_SYS_NICE (23), deny, uid 1000
# With -K each check is followed by its kernel stack at cap_capable()'s
# call, named from kallsyms: renice's holds cap_capable and the setpriority
# syscall, su's cap_capable and setuid. Traced with -c, the two workloads
# in a cgroup of their own: only their few stacks enter the stack map.
# Every run here makes that map 64 times libbpf-tools' 1024 stacks
# (--stack-storage-size), so that a hash collision between two of a run's
# handful of stacks, shown as a missed stack, is a chance of about 1 in
# 10,000 rather than 1 in 200.
# capable -K -U -v -p PID --perf-max-stack-depth 1 shows the innermost
# frame of each stack of Debian's bash raising its hard RLIMIT_NOFILE
# (ulimit -Hn: CAP_SYS_RESOURCE, 24): cap_capable in the kernel, then the
# rlimit function in libc.so.6, named from its .dynsym, with the file and
# offset. The kernel stack always has more frames than one to cut.
# Each stack ends in "- COMM (PID)", as in libbpf-tools.
# --json -K -U gives the same stacks as arrays of {ip, symbol, offset}.
# Needs kprobes, not BTF: it must work on every kernel of the matrix.
. /lib/bpfbin/lib.sh

bin=$(tool capable) || skip "capable not built"
# Full paths: the shell then execs the applets, so the kernel sees their names.
renice=$(tool renice) || fail "no renice applet"
su=$(tool su) || fail "no su applet"
bash=/opt/bash/bash
[ -x "$bash" ] || fail "no $bash in the initramfs"
grep -q '^bpfbin:' /etc/passwd 2>/dev/null || echo 'bpfbin:x:1000:1000:bpfbin:/tmp:/bin/sh' >> /etc/passwd
out=/tmp/capable.$$.out
go1=/tmp/capable.$$.go1
go2=/tmp/capable.$$.go2
go3=/tmp/capable.$$.go3
go4=/tmp/capable.$$.go4
mkfifo "$go1" "$go2" "$go3" "$go4"
# Each subshell execs once told to, so its PID is known before its checks.
( read -r x < "$go1"; exec "$renice" -n -3 -p $$ ) > /dev/null 2>&1 &
ROOT_PID=$!
# su and the shell it starts exec in turn: one PID, three names.
( read -r x < "$go2"; exec "$su" -s /bin/sh bpfbin -c "exec $renice -n -5 -p $$" ) > /dev/null 2>&1 &
USER_PID=$!
group=/sys/fs/cgroup/capable.$$
mkdir "$group" && echo "$ROOT_PID" > "$group/cgroup.procs" && echo "$USER_PID" > "$group/cgroup.procs" ||
    { echo > "$go1"; echo > "$go2"; fail "cannot move the workloads into cgroup $group"; }

start_traced "$out" '^TIME +UID +PID +TID +COMM +CAP +NAME +AUDIT +VERDICT +INSETID' "$bin" -x -K -c "$group" --stack-storage-size 65536
case $? in
0) ;;
2) echo > "$go1"; echo > "$go2"; fail "exited before attaching: $(head -n1 "$out")" ;;
*) echo > "$go1"; echo > "$go2"; stop_traced; fail "no header after 120s" ;;
esac
echo > "$go1"
wait "$ROOT_PID"
# Outside the cgroup, the same check again (-4 is below renice's -3, so it
# asks for CAP_SYS_NICE): -c must leave it out.
"$renice" -n -4 -p $$ > /dev/null 2>&1 &
OUTSIDE_PID=$!
wait "$OUTSIDE_PID"
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
rmdir "$group"
outside=$(awk -v pid="$OUTSIDE_PID" '$3 == pid' "$out")

# stack FILE PID COMM CAP: the lines after the first event of PID, COMM and
# CAP (with -x or without: TID before COMM) up to the end of its stack
# ("- COMM (PID)"), the frames indented.
stack() {
    awk -v pid="$2" -v comm="$3" -v cap="$4" '
        in_stack { print; if ($1 == "-") exit; next }
        $3 == pid && ($5 == comm && $6 == cap || $4 == comm && $5 == cap) { in_stack = 1 }' "$1"
}
# kernel_stack_bad FILE PID COMM CAP SYSCALL: why that event's -K stack is
# wrong, or nothing: its frames are indented function names, cap_capable
# and the syscall's (x86_64: __x64_sys_X or, inlined, __do_sys_X / __sys_X; arm64:
# __arm64_sys_X or __sys_X; arm: sys_X), and it ends in "- COMM (PID)".
kernel_stack_bad() {
    stack "$1" "$2" "$3" "$4" | awk -v pid="$2" -v comm="$3" -v sys="$5" '
        $1 == "-" { end = ($0 == sprintf("    %-16s %s (%d)", "-", comm, pid)); exit }
        { frames++ }
        !/^    [A-Za-z_.$0-9]+$/ { bad = bad " not a frame: \"" $0 "\"" }
        $1 == "cap_capable" { cap_capable = 1 }
        $1 ~ ("^(__x64_|__arm64_|__do_|__se_|__)?sys_" sys "$") { entry = 1 }
        END {
            if (!frames) print "no frames"
            else if (!cap_capable) print "no cap_capable in " frames " frames"
            else if (!entry) print "no " sys " syscall entry in " frames " frames"
            else if (bad) print bad
            else if (!end) print "no \"- " comm " (" pid ")\" line after the stack"
        }'
}
root_stack=$(kernel_stack_bad "$out" "$ROOT_PID" renice 23 setpriority)
setuid_stack=$(kernel_stack_bad "$out" "$USER_PID" su 7 setuid)
echo "--- capable -x -K output (the workload's lines):"
awk -v a="$ROOT_PID" -v b="$USER_PID" '
    NR == 1 || $3 == a || $3 == b { shown = 1; print; next }
    shown && /^    / { print; next }
    { shown = 0 }' "$out" | head -n 60
problems=
[ $root_ok = 0 ] || problems="$problems; no line: uid 0 pid $ROOT_PID renice CAP_SYS_NICE allow"
[ $setuid_ok = 0 ] || problems="$problems; no line: uid 0 pid $USER_PID su CAP_SETUID allow insetid 1"
[ $user_ok = 0 ] || problems="$problems; no line: uid 1000 pid $USER_PID renice CAP_SYS_NICE deny"
[ -z "$root_stack" ] || problems="$problems; renice's kernel stack: $root_stack"
[ -z "$setuid_stack" ] || problems="$problems; su's kernel stack: $setuid_stack"
[ -z "$outside" ] || problems="$problems; -c let through renice $OUTSIDE_PID outside the cgroup: $outside"

# bash stays alive (reading go4) until capable has read its mappings.
( read -r x < "$go3"; exec "$bash" -c 'ulimit -Hn $(($(ulimit -Hn) + 1)); read -r x < "$1"' bash "$go4" ) > /dev/null 2>&1 &
BASH_PID=$!
start_traced "$out" '^TIME +UID +PID +COMM +CAP +NAME +AUDIT +VERDICT' "$bin" -K -U -v -p "$BASH_PID" --perf-max-stack-depth 1 --stack-storage-size 65536
case $? in
0) ;;
2) echo > "$go3"; echo > "$go4"; fail "-U exited before attaching: $(grep -v DEBUG "$out" | head -n1)" ;;
*) echo > "$go3"; echo > "$go4"; stop_traced; fail "-U: no header after 120s" ;;
esac
echo > "$go3"
# The stack's end shows capable read it: bash may go.
wait_for "$out" "^    -  +bash \\($BASH_PID\\)\$" 20
CAT_PID=$BASH_PID
await_line "$out" '$2 == 0 && $3 == pid && $4 == "bash" && $5 == 24 && $6 == "CAP_SYS_RESOURCE" && $8 == "allow"'
bash_ok=$?
echo > "$go4"
wait "$BASH_PID"
stop_traced
# libbpf-tools' -v frames, numbered on from the kernel's to the user's:
# "#0  0x%lx name+0xOFF", then "#1  0x%016lx name+0xOFF (FILE+0xOFF)".
depth_one=$(
    stack "$out" "$BASH_PID" bash 24 | awk -v pid="$BASH_PID" '
        NR == 1 { kernel = $0 }
        NR == 2 { user = $0 }
        $1 == "-" { end = ($0 == sprintf("    %-16s %s (%d)", "-", "bash", pid)); exit }
        { frames++ }
        END {
            if (kernel !~ /^    #0  0x[0-9a-f]+ cap_capable\+0x[0-9a-f]+$/)
                print "first frame not the kernel'"'"'s cap_capable: \"" kernel "\""
            else if (user !~ /^    #1  0x[0-9a-f]{16} [A-Za-z_0-9]*rlimit[A-Za-z_0-9]*\+0x[0-9a-f]+ \(\/lib\/[^ ]*libc\.so\.6\+0x[0-9a-f]+\)$/)
                print "second frame not an rlimit function in libc.so.6: \"" user "\""
            else if (!end) print "no \"- bash (" pid ")\" line after the stacks"
            else if (frames != 2) print frames " frames, not one a stack"
        }'
)
echo "--- capable -K -U -v -p $BASH_PID --perf-max-stack-depth 1 output (without debug lines):"
grep -v DEBUG "$out" | head -n 20
[ $bash_ok = 0 ] || problems="$problems; no line: uid 0 pid $BASH_PID bash CAP_SYS_RESOURCE allow"
[ -z "$depth_one" ] || problems="$problems; bash's stacks cut to one frame each: $depth_one"

# The same with --json -K -U: both stacks as arrays of frames.
( read -r x < "$go3"; exec "$bash" -c 'ulimit -Hn $(($(ulimit -Hn) + 1)); read -r x < "$1"' bash "$go4" ) > /dev/null 2>&1 &
BASH_PID=$!
# No header in JSON: -v's debug line of the last attach says when.
start_traced "$out" 'attached cap_capable to kernel function' "$bin" --json -v -K -U -p "$BASH_PID" --stack-storage-size 65536
started=$?
echo > "$go3"
[ $started = 0 ] && wait_for "$out" "\"pid\":$BASH_PID,.*\"cap\":24,.*\"user_stack\"" 20
echo > "$go4"
wait "$BASH_PID"
stop_traced
[ $started = 0 ] || problems="$problems; --json -v -K -U: no attach line: $(grep -v DEBUG "$out" | head -n1)"
echo "--- capable --json -v -K -U -p $BASH_PID output (the events and capable's own debug lines):"
grep -e '^{' -e 'DEBUG \[bpfbin' "$out" | head -n 10
frame='\{"ip":[0-9]+,"symbol":("[^"]*","offset":[0-9]+|null)\}'
grep -Eq "^\{\"ts_us\":[0-9]+,\"uid\":0,\"pid\":$BASH_PID,\"tid\":$BASH_PID,\"comm\":\"bash\",\"cap\":24,\"name\":\"CAP_SYS_RESOURCE\",.*\"kernel_stack\":\[$frame(,$frame)*\],\"user_stack\":\[$frame(,$frame)*\]\}\$" "$out" ||
    problems="$problems; --json: no event line of pid $BASH_PID with CAP_SYS_RESOURCE and both stacks as frame arrays"
grep -E "\"pid\":$BASH_PID," "$out" | grep -q '"kernel_stack":\[{"ip":[0-9]*,"symbol":"cap_capable","offset":[0-9]*}.*"symbol":"[_a-z0-9]*sys_[a-z]*rlimit[a-z0-9]*"' ||
    problems="$problems; --json: the kernel stack does not start at cap_capable or lacks the rlimit syscall"
grep -E "\"pid\":$BASH_PID," "$out" | grep -q '"user_stack":\[{"ip":[0-9]*,"symbol":"[A-Za-z_0-9]*rlimit[A-Za-z_0-9]*","offset":[0-9]*}' ||
    problems="$problems; --json: the user stack does not start at libc's rlimit function"
[ -z "$problems" ] || fail "${problems#; }"
pass "renice allowed as root, su's CAP_SETUID with INSETID, renice denied as uid 1000 (-c: their cgroup's checks only), each with its syscall in its -K stack; bash's ulimit -Hn with cap_capable and its libc rlimit function atop its -K and -U stacks (1 frame each with --perf-max-stack-depth 1, all in JSON)"
