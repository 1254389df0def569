#!/bin/sh
# filelife sees a file that lived about a second: a subshell creates it
# (open with O_CREAT: vfs_open, and security_inode_create where the kernel
# has LSM hooks), waits 1 s, lets uid 1000 fail to delete it (vfs_unlink
# returns -EACCES: no event), then execs rm, which deletes it. Exactly one
# line: the subshell's PID, comm "rm", the file's name, AGE(s) from 1 to 5;
# then the same with --json, for a file deleted at once, and with -F, the
# full path of a file two directories down.
# The dentry is vfs_unlink's second argument before 5.12 and its third since,
# read from pt_regs by kprobes; its name through offsets from BTF. On the
# no-BTF kernel it must refuse, naming BTF and the --btf flag.
. /lib/bpfbin/lib.sh

bin=$(tool filelife) || skip "filelife not built"
su=$(tool su) || fail "no su applet"
grep -q '^bpfbin:' /etc/passwd 2>/dev/null || echo 'bpfbin:x:1000:1000:bpfbin:/tmp:/bin/sh' >> /etc/passwd
dir=/tmp/filelife.$$
name=bpfbin-life-$$-$(cut -d' ' -f1 /proc/uptime | tr -d .)
out=/tmp/filelife.$$.out
mkdir -p "$dir" && chmod 755 "$dir" || fail "cannot make $dir"

start_btf_tool "$out" '^TIME +PID +COMM +AGE\(s\) +FILE' "$bin"

(
    : > "$dir/$name"
    sleep 1
    "$su" -s /bin/sh bpfbin -c "exec /bin/rm -f $dir/$name"
    exec /bin/rm "$dir/$name"
) > /dev/null 2>&1 &
CAT_PID=$!
wait "$CAT_PID"
PATH_ARG=$name
await_line "$out" '$2 == pid && $3 == "rm" && $4 >= 1 && $4 < 5 && $5 == path && NF == 5'
found=$?
sleep 1
stop_traced
lines=$(awk -v path="$name" '$5 == path' "$out" | wc -l)
echo "--- filelife output (the workload's lines):"
awk -v path="$name" 'NR <= 2 || $5 == path' "$out" | head -n 10
[ -e "$dir/$name" ] && fail "the workload did not delete $dir/$name"
[ $found = 0 ] || fail "no line: pid $CAT_PID rm AGE 1-5 s $name"
[ "$lines" = 1 ] || fail "$lines lines for $name, not 1 (the failed unlink must not show)"
age=$(awk -v path="$name" '$5 == path { print $4 }' "$out")

# --json, with -v for the debug line that ends attaching (stderr, same file).
json=/tmp/filelife.$$.json
start_traced "$json" '(attached|going on without) security_inode_create' "$bin" --json -v
[ $? = 0 ] || { stop_traced; fail "--json -v: no attach line: $(tail -n1 "$json")"; }
( : > "$dir/$name.j"; exec /bin/rm "$dir/$name.j" ) > /dev/null 2>&1 &
CAT_PID=$!
wait "$CAT_PID"
PATH_ARG=$name.j
await_line "$json" '$0 ~ "^[{]\"ts_us\":[0-9]+,\"pid\":" pid ",\"tid\":" pid ",\"comm\":\"rm\",\"age_ns\":[0-9]+,\"file\":\"" path "\"}$"'
found=$?
stop_traced
echo "--- filelife --json -v (security_inode_create and the workload's line):"
grep -e security_inode_create -e "$name.j" "$json"
[ $found = 0 ] || fail "--json: no line for pid $CAT_PID rm $name.j"

# -F: the full path, walked up from the file's directory through the tmpfs
# on /tmp to the root file system. The mounts crossed are those above the
# working directory (as in libbpf-tools), so the workload works from $dir.
full=/tmp/filelife.$$.full
start_btf_tool "$full" '^TIME +PID +COMM +AGE\(s\) +FILE' "$bin" -F
( cd "$dir" && mkdir -p a/b && : > "a/b/$name.F" && exec /bin/rm "a/b/$name.F" ) > /dev/null 2>&1 &
CAT_PID=$!
wait "$CAT_PID"
PATH_ARG=$dir/a/b/$name.F
await_line "$full" '$2 == pid && $3 == "rm" && $5 == path && NF == 5'
found=$?
stop_traced
echo "--- filelife -F (the workload's line):"
grep -e "$name.F" "$full"
rm -rf "$dir"
[ $found = 0 ] || fail "-F: no line: pid $CAT_PID rm $dir/a/b/$name.F"
pass "pid $CAT_PID rm $name after $age s; the failed unlink not shown; --json; -F: $dir/a/b/$name.F"
