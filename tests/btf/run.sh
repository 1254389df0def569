#!/bin/bash
# Test scripts/kernel-btf.sh on made-up inputs and on the cached QEMU kernels.
# bpfbin's BTF reader is checked against pahole on each kernel's BTF by
# `cargo test` (tools/bpfbin/tests/kernel_btf.rs; `cargo test --release -p
# bpfbin --test kernel_btf -- --nocapture` also prints the timings).
#
# usage: tests/btf/run.sh            kernels not cached are skipped, saying why;
#                                    fetch them with scripts/qemu-kernels.sh ARCH
# Prints ok/not ok per check, then "N passed, N failed"; exit 1 on a failure.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
script=$repo/scripts/kernel-btf.sh
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
kernels=$cache/kernels
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() {
    echo "not ok - $1"
    [ -z "${2-}" ] || echo "$2" | sed 's/^/#   /'
    fail=$((fail + 1))
}

# run ARGS...: sets out (stderr and stdout) and rc
run() {
    out=$(bash "$script" "$@" 2>&1)
    rc=$?
}

# expect NAME RC REGEX: the last run exited RC with output matching REGEX
expect() {
    if [ "$rc" = "$2" ] && grep -qE -- "$3" <<<"$out"; then
        ok "$1"
    else
        not_ok "$1" "exit $rc, want $2 and /$3/; output:
$out"
    fi
}

# --- kernel-btf.sh on inputs made here ---

run
expect "usage: no arguments" 2 '^usage: kernel-btf.sh IMAGE OUT$'
run "$tmp/nonexistent" "$tmp/out"
expect "a missing image is named" 1 "^kernel-btf.sh: cannot read $tmp/nonexistent\$"
printf 'just some text\n' >"$tmp/text"
run "$tmp/text" "$tmp/out"
expect "a text file is not a kernel image" 1 'not a kernel image'
run /bin/true "$tmp/out"
expect "an ELF without .BTF has no BTF" 1 '^kernel-btf.sh: /bin/true has no BTF: an ELF without a .BTF section'
if [ ! -e "$tmp/out" ]; then ok "no output is left when there is no BTF"; else not_ok "no output is left when there is no BTF"; fi

# The BTF the checks below compare with: the live kernel's, if any, else the
# first cached kernel's (extracted by the Rust test earlier, or here).
ref=
if [ -s /sys/kernel/btf/vmlinux ]; then
    run /sys/kernel/btf/vmlinux "$tmp/live.btf"
    if [ "$rc" = 0 ] && cmp -s /sys/kernel/btf/vmlinux "$tmp/live.btf"; then
        ok "raw BTF (/sys/kernel/btf/vmlinux) is copied as is"
        ref=$tmp/live.btf
    else
        not_ok "raw BTF (/sys/kernel/btf/vmlinux) is copied as is" "exit $rc: $out"
    fi
fi
if [ -n "$ref" ]; then
    # A raw image holding it somewhere inside, after and before other bytes,
    # with a decoy header whose lengths run past the end of the file.
    { head -c 4099 /dev/urandom; cat "$ref"; head -c 777 /dev/zero
      printf '\237\353\001\000\030\000\000\000\000\000\000\000\377\377\377\000\377\377\377\000\010\000\000\000'; } >"$tmp/image"
    run "$tmp/image" "$tmp/cut.btf"
    if [ "$rc" = 0 ] && cmp -s "$ref" "$tmp/cut.btf"; then ok "BTF inside a raw image is cut exactly"
    else not_ok "BTF inside a raw image is cut exactly" "exit $rc: $out"; fi
    # "lz4 -l": the legacy format of kernel images; plain lz4 writes a frame.
    for z in gzip xz zstd "lz4 -l" lz4 bzip2; do
        command -v "${z% *}" >/dev/null || { echo "# skip $z: not installed"; continue; }
        $z -c <"$tmp/image" >"$tmp/image.$z" 2>/dev/null
        run "$tmp/image.$z" "$tmp/cut.btf"
        if [ "$rc" = 0 ] && cmp -s "$ref" "$tmp/cut.btf"; then ok "a whole-file $z image is decompressed"
        else not_ok "a whole-file $z image is decompressed" "exit $rc: $out"; fi
        # As in a bzImage: a header before the stream, trailing data after.
        { head -c 1000 /dev/zero; cat "$tmp/image.$z"; printf 'trailer'; } >"$tmp/embedded.$z"
        run "$tmp/embedded.$z" "$tmp/cut.btf"
        if [ "$rc" = 0 ] && cmp -s "$ref" "$tmp/cut.btf"; then ok "a $z payload inside an image is found"
        else not_ok "a $z payload inside an image is found" "exit $rc: $out"; fi
    done
    head -c 1000 "$ref" >"$tmp/truncated"
    run "$tmp/truncated" "$tmp/out"
    expect "truncated BTF is refused" 1 'BTF with a bad header'
fi

# --- kernel-btf.sh on the cached kernels ---

# armv7 6.12 built here: the BTF cut from its zImage is byte for byte the
# .BTF section of the vmlinux it was built from (ELF path, objcopy).
bld=$cache/build/armv7-6.12
zimage=$(readlink -f "$kernels/armv7-btf/vmlinuz" 2>/dev/null)
if [ -s "$bld/vmlinux" ] && [ -n "$zimage" ] && cmp -s "$bld/arch/arm/boot/zImage" "$zimage"; then
    run "$bld/vmlinux" "$tmp/elf.btf"
    run2_rc=$rc run2_out=$out
    run "$zimage" "$tmp/zimage.btf"
    if [ "$run2_rc" = 0 ] && [ "$rc" = 0 ] && cmp -s "$tmp/elf.btf" "$tmp/zimage.btf"; then
        ok "armv7 zImage BTF equals its vmlinux's .BTF ($(wc -c <"$tmp/elf.btf") bytes)"
    else
        not_ok "armv7 zImage BTF equals its vmlinux's .BTF" "vmlinux: exit $run2_rc $run2_out; zImage: exit $rc $out"
    fi
else
    echo "# skip armv7 zImage vs vmlinux: no build tree in $bld matching $kernels/armv7-btf/vmlinuz"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
