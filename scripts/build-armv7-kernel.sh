#!/bin/bash
# Build the armv7 test kernel: Debian's kernel source, `allnoconfig` plus
# targets/armv7-kernel.config, zImage only. Debian's own armhf kernels have
# no BTF, so this is the only way to run CO-RE tools on 32-bit Arm in QEMU.
#
# usage: scripts/build-armv7-kernel.sh [6.12|6.1]
# prints the path of the zImage. Cached in ~/.cache/bpfbin/kernels/, keyed by
# a hash of the fragment and the source package version: an unchanged
# fragment and source never rebuild.
set -euo pipefail

series=${1:-6.12}
case $series in
6.12) suite=bookworm-backports ;;
6.1) suite=bookworm ;;
*) echo "build-armv7-kernel: unsupported series $series (6.12 or 6.1)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
frag_src=$here/targets/armv7-kernel.config
jobs=${JOBS:-$(nproc)}

deb=$("$here/scripts/fetch-deb.sh" all "$suite" "linux-source-$series" | tail -n1)
srcver=$(dpkg-deb -f "$deb" Version)

# The effective fragment: the file, plus MODULES for 6.1, whose KPROBES and
# BPF_JIT still depend on it (6.12 uses EXECMEM instead).
frag=$(mktemp)
trap 'rm -f "$frag"' EXIT
cat "$frag_src" > "$frag"
[ "$series" = 6.12 ] || echo CONFIG_MODULES=y >> "$frag"

key=$( { cat "$frag"; echo "$srcver"; } | sha256sum | cut -c1-12)
out=$cache/kernels/armv7-btf-$series-$key
if [ -s "$out/zImage" ]; then
    ln -sfn "$(basename "$out")" "$cache/kernels/armv7-btf-$series"
    echo "$out/zImage"
    exit 0
fi

src=$cache/build/linux-source-$srcver
# One object tree per series, kept: a fragment change rebuilds incrementally
# (kbuild tracks which files use which option) instead of from scratch.
bld=$cache/build/armv7-$series
if [ ! -f "$src/Makefile" ]; then
    echo "build-armv7-kernel: unpacking linux-source $srcver" >&2
    rm -rf "$src.tmp" && mkdir -p "$src.tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$src.tmp" --wildcards '*.tar.xz'
    tar -xJf "$src.tmp"/usr/src/linux-source-*.tar.xz -C "$src.tmp"
    rm -rf "$src"
    mv "$src.tmp/linux-source-$series" "$src"
    rm -rf "$src.tmp"
fi

export ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-
mkdir -p "$bld"
start=$(date +%s)

# merge_config -n: allnoconfig with the fragment as KCONFIG_ALLCONFIG.
(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$bld" "$frag" >"$bld/merge.log" 2>&1) ||
    { cat "$bld/merge.log" >&2; exit 1; }

# merge_config only warns when Kconfig drops a value (unmet dependency);
# make that fatal, it would silently give a kernel without BTF or kprobes.
missing=0
while IFS= read -r line; do
    case $line in
    CONFIG_*=*)
        grep -qxF "$line" "$bld/.config" || { echo "build-armv7-kernel: missing in .config: $line" >&2; missing=1; } ;;
    "# CONFIG_"*" is not set")
        opt=${line#\# }; opt=${opt%% *}
        if grep -q "^$opt=" "$bld/.config"; then echo "build-armv7-kernel: unwanted in .config: $(grep "^$opt=" "$bld/.config")" >&2; missing=1; fi ;;
    esac
done < "$frag"
[ $missing = 0 ] || exit 1

echo "build-armv7-kernel: building zImage ($series, $srcver, -j$jobs), log $bld/build.log" >&2
if ! make -C "$src" O="$bld" -j"$jobs" zImage >"$bld/build.log" 2>&1; then
    tail -n 40 "$bld/build.log" >&2
    exit 1
fi
grep -q '^CONFIG_DEBUG_INFO_BTF=y' "$bld/.config"
# BTF really made it into the image (pahole can fail quietly on old versions)
if ! arm-linux-gnueabihf-readelf -S "$bld/vmlinux" | grep -q '\.BTF'; then
    echo "build-armv7-kernel: vmlinux has no .BTF section" >&2
    exit 1
fi

mkdir -p "$out.tmp"
cp "$bld/arch/arm/boot/zImage" "$out.tmp/zImage"
cp "$bld/.config" "$out.tmp/config"
echo "$srcver" > "$out.tmp/version"
rm -rf "$out" && mv "$out.tmp" "$out"
ln -sfn "$(basename "$out")" "$cache/kernels/armv7-btf-$series"
echo "build-armv7-kernel: built in $(( $(date +%s) - start ))s" >&2
# The object tree (~1 GB) stays for the next incremental build; CLEAN_BUILD=1
# removes it.
[ -z "${CLEAN_BUILD:-}" ] || rm -rf "$bld"
echo "$out/zImage"
