#!/bin/sh
# bpfbin-offsets finds every struct member the tools read in this kernel's
# BTF, and says what that cost on this board (--stats: time, peak RSS); on
# the no-BTF kernel it must say so, naming BTF and --btf.
. /lib/bpfbin/lib.sh

bin=$(tool bpfbin-offsets) || skip "bpfbin-offsets not built"
out=/tmp/bpfbin-offsets.$$.out
err=/tmp/bpfbin-offsets.$$.err
"$bin" --stats > "$out" 2> "$err"
rc=$?
cat "$out" "$err"
if expect_no_btf; then
    [ $rc = 1 ] && grep -q 'BTF' "$err" && grep -q -- '--btf' "$err" && pass "no BTF: $(tail -n1 "$err")"
    fail "exit $rc without BTF: $(tail -n1 "$err")"
fi
[ $rc = 0 ] || fail "exit $rc: $(tail -n1 "$err")"
grep -q MISSING "$out" && fail "members missing"
grep -q 'resolved [0-9]* members in [0-9.]* ms, peak RSS [0-9]* kB' "$err" || fail "no --stats line: $(cat "$err")"
pass "$(sed 's/^bpfbin-offsets: //' "$err")"
