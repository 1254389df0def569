#!/bin/sh
# dist's check-btf.sh gives the right verdict on this kernel: BTF yes on
# every matrix kernel except the Debian armhf one (bpfbin.expect_btf=0).
# Verdict = its exit status (0 ready, 1 not ready); its last line is the
# summary ("bpfbin: ready" / "bpfbin: not ready (missing BTF, ...)").
. /lib/bpfbin/lib.sh

cmd=$(tool check-btf.sh) || cmd=$(tool check-btf) || skip "check-btf.sh not built"
out=$("$cmd" 2>&1)
rc=$?
echo "$out"
summary=$(echo "$out" | grep -v '^[[:space:]]*$' | tail -n1 | cut -c1-120)
if [ $rc = 0 ]; then verdict=yes; else verdict=no; fi
if have_btf; then real=yes; else real=no; fi

case ${BPFBIN_EXPECT_BTF:-} in
1) want=yes ;;
0) want=no ;;
*) want=$real ;; # a user's own kernel: only consistency with the kernel
esac
[ "$verdict" = "$want" ] || fail "verdict $verdict (exit $rc), expected $want: $summary"
# A "no" must name BTF as the reason in its summary line.
if [ $verdict = no ] && ! echo "$summary" | grep -qi btf; then
    fail "verdict no but its summary does not name BTF: $summary"
fi
pass "BTF $verdict (exit $rc): $summary"
