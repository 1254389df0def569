#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): set up this machine, build
# every tool for every target, fetch (or build) the QEMU kernels, then
#   0. rustfmt and clippy (scripts/lint.sh),
#   1. unit tests and host integration tests (cargo test: the x86_64 tools
#      attached to this machine's kernel, as root; the BTF reader against
#      pahole on every kernel's BTF),
#   2. check-btf.sh against config files,
#   3. kernel-btf.sh on made-up images and the kernels,
#   4. packaging: dist.sh, install.sh, the Yocto and Buildroot files, a
#      vendored offline build of two tools with prebuilt eBPF objects,
#   5. a short fuzz run of every parser (tests/fuzz/run.sh SECONDS for longer),
#   6. the size report,
#   7. the QEMU matrix: every tool in x86_64, aarch64 and armv7 guests.
# Every suite runs even when an earlier one failed; the last line sums them up.
#
# usage: scripts/test.sh [--no-qemu]   (--no-qemu: no kernels, no matrix)
set -u
cd "$(dirname "$0")/.."

qemu=yes
case ${1:-} in
--no-qemu) qemu= ;;
"") ;;
*) echo "usage: $0 [--no-qemu]" >&2; exit 2 ;;
esac

passed=0 failed=0 skipped=0 broken=
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step() { printf '\n== %s\n' "$*"; }

# Adds the counts of a suite's closing lines ("N passed, N failed[, N skipped]"
# or cargo's "test result: ok. N passed; N failed; N ignored").
count() {
    local p f s
    while read -r p f s; do
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    done < <(sed -n -E \
        -e 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' \
        -e 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
        -e 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2 0/p' "$log")
}

# Runs one suite, shows its output, counts its results; a suite that fails
# without saying how many tests failed counts as one failure.
suite() {
    local name=$1 before=$failed
    shift
    step "$name"
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    count
    if [ "$rc" -ne 0 ]; then
        broken="$broken $name"
        [ "$failed" -gt "$before" ] || failed=$((failed + 1))
    fi
}

step setup
scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
step build
scripts/build.sh all || { echo "test: build failed" >&2; exit 1; }
# Before the tests: the BTF tests read these kernels too.
if [ -n "$qemu" ]; then
    step kernels
    for arch in x86_64 aarch64 armv7; do
        scripts/qemu-kernels.sh "$arch" > /dev/null || { echo "test: no kernels for $arch" >&2; exit 1; }
    done
fi

export RUSTC_BOOTSTRAP=1
suite "rustfmt and clippy" scripts/lint.sh
suite "unit and host integration tests" cargo test
suite "check-btf.sh" tests/check-btf/run.sh
suite "kernel-btf.sh" tests/btf/run.sh
suite "packaging" tests/packaging/run.sh
suite "fuzz, 20 s per target" tests/fuzz/run.sh
step "size report"
scripts/size-report.sh
if [ -n "$qemu" ]; then
    suite "QEMU matrix" scripts/qemu-test.sh
else
    echo "QEMU matrix skipped (--no-qemu)"
fi

step summary
[ -z "$broken" ] || echo "failed suites:$broken"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ -z "$broken" ] && [ "$failed" -eq 0 ]
