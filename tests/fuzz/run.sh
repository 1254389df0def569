#!/bin/bash
# Fuzzes every target of fuzz/ for SECONDS each (default 20: a smoke run),
# then replays the saved crashes in fuzz/regressions/<target>/.
# Installs cargo-fuzz when it is missing. Prints `ok - <target>` or
# `not ok - <target>` per target and a closing `N passed, N failed`; exits
# non-zero when anything crashed, hung or failed to build.
#
# usage: tests/fuzz/run.sh [SECONDS]
#   FUZZ_SANITIZER=none  builds without AddressSanitizer (faster, finds less)
# A long run: tests/fuzz/run.sh 600 (see fuzz/README.md).
set -u
cd "$(dirname "$0")/../.." || exit 1

seconds=${1:-20}
case $seconds in
'' | *[!0-9]* | 0) echo "usage: $0 [SECONDS]   (a whole number above 0)" >&2; exit 2 ;;
esac
sanitizer=${FUZZ_SANITIZER:-address}
targets=(btf tracefs_format args text full_path)
cargo_fuzz_version=0.13.2

# The pinned toolchain is a stable one: -Zsanitizer and the coverage flags
# cargo-fuzz passes need this.
export RUSTC_BOOTSTRAP=1
# A crash report with the Rust backtrace of the panic.
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}

passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

if ! cargo fuzz --version > /dev/null 2>&1; then
    echo "# installing cargo-fuzz $cargo_fuzz_version"
    if ! cargo install --locked --version "$cargo_fuzz_version" cargo-fuzz; then
        for target in "${targets[@]}"; do not_ok "$target (no cargo-fuzz)"; done
        finish
    fi
fi

echo "# building ${targets[*]} (sanitizer: $sanitizer)"
start=$SECONDS
# A build of its own per sanitizer, so that trying one does not throw away
# the other's.
target_dir=$PWD/fuzz/target
[ "$sanitizer" = address ] || target_dir=$PWD/fuzz/target/sanitizer-$sanitizer
if ! cargo fuzz build --fuzz-dir fuzz -O --sanitizer "$sanitizer" --target-dir "$target_dir"; then
    for target in "${targets[@]}"; do not_ok "$target (build failed)"; done
    finish
fi
echo "# built in $((SECONDS - start)) s"
bin=$target_dir/x86_64-unknown-linux-gnu/release

# Extra libFuzzer flags per target. btf seeds are ~6 KiB: leave room to grow.
# args prints --help's usage on stdout: send it nowhere.
extra() {
    case $1 in
    btf) flags=(-max_len=16384) ;;
    args) flags=(-close_fd_mask=1) ;;
    *) flags=() ;;
    esac
}

# The first LINES lines of LOG's crash report: the panic message and the
# backtrace, or the sanitizer's report.
report() {
    awk -v lines="$2" '
        !on && /panicked at|^==[0-9]+==ERROR|ERROR: libFuzzer|^Running: / { on = 1 }
        on && n++ < lines { print "#   " $0 }' "$1"
}

for target in "${targets[@]}"; do
    # New inputs go to fuzz/.work/ (ignored by git; kept from run to run),
    # the committed seeds in fuzz/corpus/ are only read.
    work=fuzz/.work/$target artifacts=fuzz/artifacts/$target
    log=fuzz/.work/$target.log
    mkdir -p "$work" "$artifacts" "fuzz/corpus/$target"
    extra "$target"
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 "${flags[@]}" \
        "$work" "fuzz/corpus/$target" > "$log" 2>&1
    rc=$?
    # "#123 DONE cov: 410 ft: 650 corp: 20/3Kb ..." then the final stats.
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(sed -n -E 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/.*/cov \1, ft \2, corpus \3/p' <<< "$last")
    echo "# $target: ${seconds} s, ${execs:-?} execs, ${rate:-?}/s, ${cov:-no coverage line}"
    if [ "$rc" -eq 0 ]; then
        ok "$target"
    else
        # The crash report, the backtrace and the input it was saved as.
        report "$log" 40
        grep -E 'Test unit written to' "$log" | sed 's/^/# /'
        echo "# save it as fuzz/regressions/$target/<name> once triaged; whole log: $log"
        not_ok "$target"
    fi
done

# Every crash ever found and kept must stay fixed.
for dir in fuzz/regressions/*/; do
    [ -d "$dir" ] || continue
    target=$(basename "$dir")
    mapfile -t inputs < <(find "$dir" -type f ! -name '*.md' | sort)
    [ "${#inputs[@]}" -gt 0 ] || continue
    if [ ! -x "$bin/$target" ]; then
        not_ok "regressions/$target (no such target)"
    elif extra "$target" && "$bin/$target" "${flags[@]}" "${inputs[@]}" > "fuzz/.work/regressions-$target.log" 2>&1; then
        ok "regressions/$target (${#inputs[@]} inputs)"
    else
        report "fuzz/.work/regressions-$target.log" 40
        not_ok "regressions/$target"
    fi
done

finish
