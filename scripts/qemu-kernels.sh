#!/bin/bash
# Fetch (or build) the kernels the QEMU matrix boots, into
# ~/.cache/bpfbin/kernels/<arch>-<name>/vmlinuz, never into the repo.
#
# usage: scripts/qemu-kernels.sh ARCH [NAME...]    prints "NAME PATH" per kernel
#   x86_64, aarch64: 5.10 (bullseye), 6.1 (bookworm), 6.12 (bookworm-backports);
#                    Debian's generic images, all with BTF and kprobes built in.
#   armv7:           btf   (6.12 built by scripts/build-armv7-kernel.sh, BTF)
#                    armmp (Debian bookworm linux-image-armmp-lpae 6.1, no BTF)
#   no NAME: all of that arch's kernels.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
kernels=$cache/kernels
mkdir -p "$kernels"

[ $# -ge 1 ] || { echo "usage: $0 ARCH [NAME...]" >&2; exit 2; }
arch=$1
shift
[ -f "$here/targets/$arch.env" ] || { echo "qemu-kernels: unknown arch $arch" >&2; exit 2; }
# shellcheck disable=SC1090
. "$here/targets/$arch.env"

# shellcheck disable=SC2086
[ $# -gt 0 ] || set -- $QEMU_KERNELS

# Modules the guest checks load (tests/qemu/lib.sh): null_blk, a block device
# with a known latency for biolatency/biosnoop. Each MODULE and what it
# depends on (its .modinfo "depends=") go to DIR/modules/NAME.ko, uncompressed
# (busybox insmod reads plain ELF), and DIR/modules/order lists them deps first.
kernel_modules() { # DEB DIR MODULE...
    local deb=$1 dir=$2/modules list
    shift 2
    list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -E '\.ko(\.xz|\.zst)?$')
    mkdir -p "$dir"
    : > "$dir/order"
    module_with_deps() { # NAME
        local name=$1 path tmp deps d
        ! grep -qxF "$name" "$dir/order" || return 0
        path=$(grep -m1 -E "/$name\.ko(\.xz|\.zst)?$" <<<"$list") ||
            { echo "qemu-kernels: no $name.ko in $(basename "$deb")" >&2; return 1; }
        tmp=$(mktemp -d)
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$path"
        case $path in
        *.xz) xz -dc "$tmp/$path" > "$dir/$name.ko" ;;
        *.zst) zstd -qdc "$tmp/$path" > "$dir/$name.ko" ;;
        *) cp "$tmp/$path" "$dir/$name.ko" ;;
        esac
        rm -rf "$tmp"
        deps=$(tr '\0' '\n' < "$dir/$name.ko" | sed -n 's/^depends=//p' | head -n1)
        for d in ${deps//,/ }; do module_with_deps "$d"; done
        echo "$name" >> "$dir/order"
    }
    for m in "$@"; do module_with_deps "$m"; done
}

# A Debian kernel: resolve the metapackage (linux-image-amd64, ...) to the
# real linux-image-<abi> through its Depends, then extract /boot/vmlinuz-*.
debian_kernel() { # NAME SUITE METAPACKAGE
    local name=$1 suite=$2 meta=$3 dir=$kernels/$arch-$1
    local metadeb pkg deb tmp vmlinuz
    # Resolved less than a day ago (fetch-deb.sh refreshes its package lists
    # daily too): skip the apt round trips, a few seconds per kernel.
    if [ -s "$dir/vmlinuz" ] && [ -s "$dir/modules/order" ] && [ -n "$(find "$dir/source" -mtime -1 2>/dev/null)" ]; then
        echo "$name $dir/vmlinuz"
        return
    fi
    metadeb=$("$here/scripts/fetch-deb.sh" "$DEBIAN_ARCH" "$suite" "$meta" | tail -n1)
    pkg=$(dpkg-deb -f "$metadeb" Depends | tr ',' '\n' | sed 's/[ (].*//; s/^ *//' |
        grep -m1 '^linux-image-[0-9]')
    [ -n "$pkg" ] || { echo "qemu-kernels: no linux-image-<ver> in Depends of $meta ($suite)" >&2; return 1; }
    deb=$("$here/scripts/fetch-deb.sh" "$DEBIAN_ARCH" "$suite" "$pkg" | tail -n1)
    # Cached if the extracted image came from this very .deb.
    if [ -s "$dir/vmlinuz" ] && [ -s "$dir/modules/order" ] && [ "$(cat "$dir/source" 2>/dev/null)" = "$(basename "$deb")" ]; then
        touch "$dir/source"
        echo "$name $dir/vmlinuz"
        return
    fi
    tmp=$(mktemp -d)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*'
    vmlinuz=$(ls "$tmp"/boot/vmlinuz-* | head -n1)
    rm -rf "$dir" && mkdir -p "$dir"
    # arm64 vmlinuz is a gzip'd Image: QEMU can load that, but gunzip so
    # every loader (and a user's own scripts) sees a plain Image.
    if gzip -t "$vmlinuz" 2>/dev/null; then
        gunzip -c "$vmlinuz" > "$dir/vmlinuz"
    else
        cp "$vmlinuz" "$dir/vmlinuz"
    fi
    cp "$tmp"/boot/config-* "$dir/config"
    basename "$vmlinuz" | sed 's/^vmlinuz-//' > "$dir/version"
    kernel_modules "$deb" "$dir" null_blk
    basename "$deb" > "$dir/source"
    rm -rf "$tmp"
    echo "$name $dir/vmlinuz"
}

for name in "$@"; do
    t0=$(date +%s)
    case $arch:$name in
    x86_64:5.10 | aarch64:5.10) debian_kernel "$name" bullseye "linux-image-$DEBIAN_ARCH" ;;
    x86_64:6.1 | aarch64:6.1) debian_kernel "$name" bookworm "linux-image-$DEBIAN_ARCH" ;;
    x86_64:6.12 | aarch64:6.12) debian_kernel "$name" bookworm-backports "linux-image-$DEBIAN_ARCH" ;;
    armv7:armmp) debian_kernel armmp bookworm linux-image-armmp-lpae ;;
    armv7:btf)
        img=$("$here/scripts/build-armv7-kernel.sh" 6.12)
        dir=$kernels/armv7-btf
        mkdir -p "$dir"
        ln -sfn "$img" "$dir/vmlinuz"
        cp "$(dirname "$img")/config" "$dir/config"
        cp "$(dirname "$img")/version" "$dir/version"
        echo "btf $dir/vmlinuz"
        ;;
    *) echo "qemu-kernels: no kernel $name for $arch" >&2; exit 2 ;;
    esac
    echo "qemu-kernels: $arch-$name ready in $(( $(date +%s) - t0 ))s" >&2
done
