#!/bin/sh
# The main job, for a newcomer: set up this machine, build every tool for
# every target, watch opensnoop catch real opens on this machine's kernel,
# then boot an aarch64 kernel under QEMU and watch it there too.
#
# usage: scripts/demo.sh      (as root)
set -eu
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh all
scripts/size-report.sh

echo
echo "== opensnoop on this machine's kernel ($(uname -r)), 3 seconds, cat's opens only"
dist=dist/x86_64-unknown-linux-musl
( sleep 1; cat /etc/os-release /etc/hostname > /dev/null; cat /no/such/file 2> /dev/null || true ) &
"$dist/opensnoop" -T -n cat -d 3

echo
echo "== opensnoop in an aarch64 guest: Debian's 6.12 arm64 kernel under QEMU"
scripts/qemu-kernels.sh aarch64 6.12
scripts/qemu-run.sh aarch64 6.12 --append bpfbin.checks=opensnoop,opensnoop-full-path
