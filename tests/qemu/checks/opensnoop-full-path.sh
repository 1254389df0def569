#!/bin/sh
# opensnoop -F: a relative open is shown with the working directory in front,
# walked in the kernel with struct offsets from this kernel's BTF (through the
# /tmp mount to the root). On the no-BTF kernel it must refuse, naming BTF
# and the --btf flag.
. /lib/bpfbin/lib.sh

bin=$(tool opensnoop) || skip "opensnoop not built"
dir=/tmp/bpfbin-cwd-$$
mkdir -p "$dir"
echo hello > "$dir/relative.txt"
out=/tmp/opensnoop-F.$$.out

start_btf_tool "$out" '^ *PID +COMM' "$bin" -F -n cat

cd "$dir" && run_cat relative.txt
PATH_ARG=$dir/relative.txt
await_line "$out" '$1 == pid && $2 == "cat" && $3 >= 0 && $NF == path'
found=$?
stop_traced
grep -e relative.txt -e PID "$out" | head -n 5
[ $found = 0 ] || fail "no line with pid $CAT_PID and full path $PATH_ARG"
pass "cat pid $CAT_PID opened relative.txt, shown as $PATH_ARG"
