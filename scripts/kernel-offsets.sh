#!/bin/sh
# Will bpfbin's tools find the kernel structs they read on this kernel?
# For packagers, on the build host: takes a kernel image as a distribution or
# a Yocto/Buildroot build leaves it (bzImage, Image(.gz), zImage, vmlinux, or
# raw BTF), extracts its BTF and prints every tool's member offsets.
#
# usage: scripts/kernel-offsets.sh IMAGE    (after scripts/build.sh x86_64)
# Exit status: 0 all found, 1 something missing or no BTF, 2 usage.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
tool=$here/dist/x86_64-unknown-linux-musl/bpfbin-offsets
[ -x "$tool" ] || { echo "kernel-offsets: $tool is not built: run scripts/build.sh x86_64" >&2; exit 2; }
btf=$(mktemp)
trap 'rm -f "$btf"' EXIT
"$here/scripts/kernel-btf.sh" "$1" "$btf"
"$tool" --btf "$btf"
