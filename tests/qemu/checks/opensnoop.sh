#!/bin/sh
# opensnoop sees a `cat` of a uniquely named file: a line with cat's PID,
# comm "cat", fd >= 0 and the path (default libbpf-tools columns
# PID COMM FD ERR PATH). Without BTF it must either work or fail with a
# message that says BTF.
. /lib/bpfbin/lib.sh

bin=$(tool opensnoop) || skip "opensnoop not built"
file=/tmp/bpfbin-opensnoop-$$-$(cut -d' ' -f1 /proc/uptime | tr -d .)
echo hello > "$file"
out=/tmp/opensnoop.$$.out

"$bin" > "$out" 2>&1 &
pid=$!
# Attached once the header is printed. Loading and attaching is slow under
# TCG (BTF parsing, verifier), hence the generous limit.
wait_for "$out" '^ *PID +COMM' 120 "$pid"
case $? in
0) ;;
2)
    wait "$pid"
    rc=$?
    msg=$(grep -v '^[[:space:]]*$' "$out" | head -n3)
    cat "$out"
    if expect_no_btf && echo "$msg" | grep -qi btf; then
        pass "no BTF: refused cleanly (exit $rc): $msg"
    fi
    fail "exited $rc before attaching: $msg"
    ;;
*)
    cat "$out"
    kill -9 "$pid" 2>/dev/null
    fail "no header after 120s"
    ;;
esac
sleep 1

# Full path: exec the busybox applet for real (no in-shell NOEXEC shortcut),
# so the kernel sees a process named "cat" with its own PID.
/bin/cat "$file" > /dev/null &
cat_pid=$!
wait "$cat_pid"

match() {
    awk -v pid="$cat_pid" -v path="$file" '
        $1 == pid && $2 == "cat" && $3 ~ /^[0-9]+$/ && $3 >= 0 && $NF == path { found = 1 }
        END { exit !found }' "$out"
}
n=0
until match; do
    n=$((n + 1))
    if [ $n -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
kill -INT "$pid" 2>/dev/null
sleep 1
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "--- opensnoop output (lines mentioning the file or cat):"
grep -e "$file" -e ' cat ' -e 'PID' "$out" | head -n 20
if match; then
    have_btf && nobtf= || nobtf=", without BTF"
    pass "saw cat pid $cat_pid open $file ($(wc -l < "$out") lines$nobtf)"
fi
fail "no line with pid $cat_pid comm cat fd>=0 path $file in $(wc -l < "$out") lines of output"
