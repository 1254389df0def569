#!/bin/bash
# Test scripts/check-btf.sh against generated kernel configs, under busybox ash
# and dash (the shells it must work with on boards), plus the live kernel.
set -u

here=$(cd "$(dirname "$0")" && pwd)
script=$here/../../scripts/check-btf.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() {
    echo "not ok - $1"
    [ -z "${2-}" ] || echo "$2" | sed 's/^/#   /'
    fail=$((fail + 1))
}

# Neighbours with shared prefixes (KPROBES_ON_FTRACE, DEBUG_INFO_BTF_MODULES)
# catch a sloppy match of the option name.
cat >"$tmp/full.config" <<'EOF'
#
# Automatically generated file; DO NOT EDIT.
#
CONFIG_DEBUG_INFO=y
CONFIG_DEBUG_INFO_BTF=y
CONFIG_DEBUG_INFO_BTF_MODULES=y
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_BPF_EVENTS=y
CONFIG_FTRACE=y
CONFIG_FTRACE_SYSCALLS=y
CONFIG_KPROBES=y
CONFIG_KPROBES_ON_FTRACE=y
CONFIG_KPROBE_EVENTS=y
CONFIG_UPROBE_EVENTS=y
CONFIG_PERF_EVENTS=y
EOF
sed 's/^CONFIG_DEBUG_INFO_BTF=y$/# CONFIG_DEBUG_INFO_BTF is not set/' "$tmp/full.config" >"$tmp/no-btf.config"
grep -v '^CONFIG_FTRACE_SYSCALLS=' "$tmp/full.config" >"$tmp/no-ftrace-syscalls.config"
sed -e 's/^CONFIG_KPROBES=y$/# CONFIG_KPROBES is not set/' -e '/^CONFIG_KPROBE_EVENTS=/d' \
    "$tmp/full.config" >"$tmp/no-kprobes.config"
gzip -c "$tmp/full.config" >"$tmp/full.config.gz"
echo "just some text" >"$tmp/not-a-config"

# run SHELL ARGS...: sets out and rc
run() {
    local sh=$1
    shift
    out=$($sh "$script" "$@" 2>&1)
    rc=$?
}

# expect NAME RC LAST [REGEX...]: the last run exited RC, its last line matches
# LAST (skipped if empty) and some line matches each REGEX
expect() {
    local name=$1 want=$2 last=$3 re
    shift 3
    if [ "$rc" != "$want" ]; then
        not_ok "$name" "exit $rc, want $want; output:
$out"
        return
    fi
    if [ -n "$last" ] && ! tail -n 1 <<<"$out" | grep -qE -- "$last"; then
        not_ok "$name" "last line does not match /$last/:
$out"
        return
    fi
    for re in "$@"; do
        if ! grep -qE -- "$re" <<<"$out"; then
            not_ok "$name" "no line matching /$re/ in:
$out"
            return
        fi
    done
    ok "$name"
}

for sh in "busybox sh" dash; do
    s=${sh%% *}

    run "$sh" "$tmp/full.config"
    expect "$s: full config is ready" 0 '^bpfbin: ready$' '^ok +CONFIG_DEBUG_INFO_BTF$' '^ok +CONFIG_KPROBES$'

    run "$sh" "$tmp/no-btf.config"
    expect "$s: no DEBUG_INFO_BTF is not ready" 1 '^bpfbin: not ready \(.*CONFIG_DEBUG_INFO_BTF' \
        '^missing CONFIG_DEBUG_INFO_BTF: .*--btf FILE'

    run "$sh" "$tmp/no-ftrace-syscalls.config"
    expect "$s: no FTRACE_SYSCALLS is not ready, names opensnoop" 1 '^bpfbin: not ready \(.*CONFIG_FTRACE_SYSCALLS' \
        '^missing CONFIG_FTRACE_SYSCALLS: .*opensnoop'

    run "$sh" "$tmp/no-kprobes.config"
    expect "$s: no KPROBES only warns" 0 '^bpfbin: ready$' '^missing CONFIG_KPROBES: .*kprobes'

    run "$sh" "$tmp/full.config.gz"
    expect "$s: gzipped config file" 0 '^bpfbin: ready$'

    run "$sh" "$tmp/does-not-exist"
    expect "$s: missing file is a usage error" 2 '' 'cannot read'

    run "$sh" "$tmp"
    expect "$s: directory is a usage error" 2 '' 'cannot read'

    run "$sh" "$tmp/not-a-config"
    expect "$s: non-config file is a usage error" 2 '' 'does not look like a kernel config'

    run "$sh" "$tmp/full.config" "$tmp/full.config"
    expect "$s: two arguments is a usage error" 2 '' '^usage:'

    run "$sh" -x
    expect "$s: unknown option is a usage error" 2 '' '^usage:'

    run "$sh" -h
    expect "$s: -h prints usage" 0 '' '^usage:'

    # Live: this machine has BTF; its config may or may not be readable.
    run "$sh"
    if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
        expect "$s: live kernel" "$rc" '^bpfbin: (ready|not ready)' '^ok +BTF: /sys/kernel/btf/vmlinux present'
    else
        not_ok "$s: live kernel" "exit $rc; output:
$out"
    fi

    # Live without a config: hide /proc/config.gz in a private mount namespace.
    # Needs root and unshare; skipped silently where unavailable.
    if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
        unshare -m true 2>/dev/null; then
        out=$(unshare -m sh -c 'for f in /proc/config.gz "/boot/config-$(uname -r)"; do
                [ ! -e "$f" ] || mount --bind /dev/null "$f" || exit 9; done
                exec '"$sh"' "$1"' - "$script" 2>&1)
        rc=$?
        if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
            expect "$s: live kernel without config" "$rc" '^bpfbin: (ready|not ready)' 'no config readable' \
                '^ok +BTF: .* present' '^(ok|missing|\?) +CONFIG_BPF_SYSCALL'
        else
            not_ok "$s: live kernel without config" "exit $rc; output:
$out"
        fi
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
