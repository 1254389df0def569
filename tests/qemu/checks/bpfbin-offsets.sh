#!/bin/sh
# bpfbin-offsets finds every struct member the tools read in this kernel's
# BTF; on the no-BTF kernel it must say so, naming BTF and --btf.
. /lib/bpfbin/lib.sh

bin=$(tool bpfbin-offsets) || skip "bpfbin-offsets not built"
out=/tmp/bpfbin-offsets.$$.out
"$bin" > "$out" 2>&1
rc=$?
cat "$out"
if expect_no_btf; then
    [ $rc = 1 ] && grep -q 'BTF' "$out" && grep -q -- '--btf' "$out" && pass "no BTF: $(tail -n1 "$out")"
    fail "exit $rc without BTF: $(tail -n1 "$out")"
fi
[ $rc = 0 ] || fail "exit $rc: $(tail -n1 "$out")"
grep -q MISSING "$out" && fail "members missing"
pass "$(($(wc -l < "$out") - 1)) members resolved"
