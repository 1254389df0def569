#!/bin/bash
# Build the test initramfs for one arch: Debian's static busybox, /init =
# tests/qemu/init.sh, the guest checks, and every file of dist/<RUST_TARGET>/.
#
# usage: scripts/qemu-initramfs.sh ARCH     prints the path of the cpio.gz
# Rebuilt only when an input changed (hash of all inputs), so it is cheap to
# call before every boot.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
[ $# -eq 1 ] || { echo "usage: $0 ARCH" >&2; exit 2; }
arch=$1
[ -f "$here/targets/$arch.env" ] || { echo "qemu-initramfs: unknown arch $arch" >&2; exit 2; }
# shellcheck disable=SC1090
. "$here/targets/$arch.env"

out=$cache/initramfs/$arch.cpio.gz
mkdir -p "$cache/initramfs"

# bookworm's busybox-static for every arch: one known applet set everywhere.
# The resolved .deb is remembered for a day, like fetch-deb.sh's lists.
bbref=$cache/initramfs/$arch.busybox
bbdeb=$(cat "$bbref" 2>/dev/null || true)
if [ -z "$(find "$bbref" -mtime -1 2>/dev/null)" ] || [ ! -s "$bbdeb" ]; then
    bbdeb=$("$here/scripts/fetch-deb.sh" "$DEBIAN_ARCH" bookworm busybox-static | tail -n1)
    echo "$bbdeb" > "$bbref"
fi
# Debian's bash with the glibc and libtinfo it links, for the bashreadline
# check (busybox has no bash). armhf's bash is Thumb-2 code, which 32-bit Arm
# uprobes cannot probe: armv7 runs armel's (ARM code, same CPU) and gets
# armhf's bash alone, to check that the tool refuses Thumb code.
debs() { # REF ARCH PACKAGE...: fetch-deb.sh's paths, remembered a day in REF
    ref=$1 debarch=$2
    shift 2
    fresh=$(find "$ref" -mtime -1 2>/dev/null)
    [ -z "$fresh" ] || while read -r deb; do [ -s "$deb" ] || fresh=; done < "$ref"
    [ -n "$fresh" ] || "$here/scripts/fetch-deb.sh" "$debarch" bookworm "$@" > "$ref"
    cat "$ref"
}
thumbdeb=
if [ "$DEBIAN_ARCH" = armhf ]; then
    bashdebs=$(debs "$cache/initramfs/$arch.bash" armel bash libtinfo6 libc6)
    thumbdeb=$(debs "$cache/initramfs/$arch.bash-thumb" armhf bash)
else
    bashdebs=$(debs "$cache/initramfs/$arch.bash" "$DEBIAN_ARCH" bash libtinfo6 libc6)
fi
dist=$here/dist/$RUST_TARGET
# Kernel modules the checks load (null_blk), as scripts/qemu-kernels.sh kept
# them for each kernel of this arch: /lib/modules/<uname -r>/ in the guest.
moddirs=$(for d in "$cache/kernels/$arch"-*/modules; do [ -s "$d/order" ] && [ -s "${d%/modules}/version" ] && echo "$d"; done || true)

inputs() { # every input file, stable order
    echo "$here/scripts/qemu-initramfs.sh"
    echo "$bbdeb"
    echo "$bashdebs"
    [ -z "$thumbdeb" ] || echo "$thumbdeb"
    find "$here/tests/qemu" -type f | sort
    [ -d "$dist" ] && find "$dist" -maxdepth 1 -type f | sort
    for d in $moddirs; do echo "${d%/modules}/version"; find "$d" -type f | sort; done
    true
}
hash=$(inputs | while read -r f; do echo "$f"; sha256sum < "$f"; done | sha256sum | cut -c1-16)
if [ -s "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ]; then
    echo "$out"
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc,checks,lib/bpfbin}
# mktemp -d made / 0700: checks also run commands as other users.
chmod 755 "$root"
chmod 1777 "$root/tmp"
dpkg-deb --fsys-tarfile "$bbdeb" | tar -x -O ./bin/busybox > "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
# /bin/sh is needed to start /init; init runs `busybox --install -s` for the
# other applets (the foreign-arch busybox cannot list them on this host).
ln -s busybox "$root/bin/sh"
install -m 755 "$here/tests/qemu/init.sh" "$root/init"
install -m 644 "$here/tests/qemu/lib.sh" "$root/lib/bpfbin/lib.sh"
for f in "$here"/tests/qemu/checks/*.sh; do
    install -m 755 "$f" "$root/checks/"
done
n=0
if [ -d "$dist" ]; then
    for f in "$dist"/*; do
        [ -f "$f" ] || continue
        install -m 755 "$f" "$root/usr/sbin/"
        n=$((n + 1))
    done
fi
for d in $moddirs; do
    kver=$(cat "${d%/modules}/version")
    mkdir -p "$root/lib/modules/$kver"
    cp "$d"/* "$root/lib/modules/$kver/"
done
# bash goes to /opt/bash (/bin/bash stays absent, as on a busybox-only
# device); its loader and libraries where that loader looks by default.
mkdir -p "$root/.debian" "$root/opt/bash"
for deb in $bashdebs; do
    dpkg-deb -x "$deb" "$root/.debian"
done
install -m 755 "$root/.debian/bin/bash" "$root/opt/bash/bash"
(cd "$root/.debian" && find lib $([ -d lib64 ] && echo lib64) \( -name 'ld-linux*' -o -name libc.so.6 -o -name 'libtinfo.so.6*' \)) |
    while read -r f; do
        mkdir -p "$root/${f%/*}"
        cp -a "$root/.debian/$f" "$root/$f"
    done
if [ -n "$thumbdeb" ]; then
    dpkg-deb --fsys-tarfile "$thumbdeb" | tar -x -O ./bin/bash > "$root/opt/bash/bash-thumb"
    chmod 755 "$root/opt/bash/bash-thumb"
fi
rm -rf "$root/.debian"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --reproducible --quiet) |
    gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"
echo "$hash" > "$out.hash"
echo "qemu-initramfs: $arch: $(du -k "$out" | cut -f1) KiB, $n file(s) from dist/$RUST_TARGET" >&2
echo "$out"
