#!/bin/sh
# Formatting and lints, as CI checks them: rustfmt on every crate; clippy,
# warnings as errors, on the user-space crates and tests for this machine,
# and on the eBPF crates once per kernel architecture (their code differs:
# `--cfg bpf_target_arch`, as aya-build sets it).
set -u
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
passed=0 failed=0

check() { # $1: what, then the command
    what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "lint: $what failed" >&2
        failed=$((failed + 1))
    fi
}

ebpf=
for manifest in ebpf/*/Cargo.toml; do
    ebpf="$ebpf -p $(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n1)"
done

check rustfmt cargo fmt --all --check
check "clippy, user space" cargo clippy --quiet --all-targets -- -D warnings
for arch in x86_64 aarch64 arm; do
    # shellcheck disable=SC2086
    check "clippy, eBPF for $arch" env CARGO_TARGET_DIR="target/clippy-ebpf-$arch" \
        CARGO_TARGET_BPFEL_UNKNOWN_NONE_RUSTFLAGS="--cfg bpf_target_arch=\"$arch\"" \
        cargo clippy --quiet --target bpfel-unknown-none -Z build-std=core $ebpf -- -D warnings
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
