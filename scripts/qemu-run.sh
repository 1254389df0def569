#!/bin/bash
# Boot one kernel under QEMU (TCG) with the test initramfs; the guest runs all
# checks and powers off. Console goes to stdout and to a kept log file.
#
# usage: scripts/qemu-run.sh ARCH [KERNEL] [--kernel PATH] [--append ARGS]
#                            [--timeout SECONDS] [--log FILE]
#   KERNEL: 5.10 | 6.1 | 6.12 (x86_64, aarch64; default 6.12)
#           btf (our armv7 6.12 with BTF, default) | armmp (Debian armhf, no BTF)
#   --kernel PATH: a kernel image of your own (no BTF expectation is set,
#                  unless KERNEL names it as one of the above)
#   --append ARGS: extra kernel command line, e.g. bpfbin.checks=opensnoop
#                  or bpfbin.shell=1 (interactive: give a long --timeout)
# Log: ~/.cache/bpfbin/logs/<arch>-<kernel>.log. Exit status: QEMU's, 124 on
# timeout. qemu-test.sh turns the log into verdicts.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}

arch='' name='' image='' initrd='' append='' timeout_s=${BPFBIN_QEMU_TIMEOUT:-} log=''
while [ $# -gt 0 ]; do
    case $1 in
    --kernel) image=$2; shift 2 ;;
    --append) append="$append $2"; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;; # prebuilt (qemu-test.sh builds it once)
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$arch" ]; then arch=$1; elif [ -z "$name" ]; then name=$1; else
        echo "qemu-run: unexpected argument $1" >&2; exit 2; fi; shift ;;
    esac
done
[ -n "$arch" ] || { echo "usage: $0 ARCH [KERNEL] [--kernel PATH] [--append ARGS] [--timeout SECONDS]" >&2; exit 2; }
[ -f "$here/targets/$arch.env" ] || { echo "qemu-run: unknown arch $arch" >&2; exit 2; }
# shellcheck disable=SC1090
. "$here/targets/$arch.env"
: "${timeout_s:=${QEMU_TIMEOUT:-300}}"

expect=
if [ -n "$image" ]; then
    [ -r "$image" ] || { echo "qemu-run: cannot read $image" >&2; exit 2; }
    [ -n "$name" ] || name=$(basename "$image")
else
    [ -n "$name" ] || { [ "$arch" = armv7 ] && name=btf || name=6.12; }
    image=$("$here/scripts/qemu-kernels.sh" "$arch" "$name" | awk '{ print $2 }')
fi
# The BTF expectation for the matrix kernels (also when qemu-test.sh passes
# their path): Debian's armhf kernel is the one without BTF. A user's own
# image gets none; check-btf then only checks consistency.
case $name in
armmp) expect=0 ;;
5.10 | 6.1 | 6.12 | btf) expect=1 ;;
esac
[ -n "$initrd" ] || initrd=$("$here/scripts/qemu-initramfs.sh" "$arch")

mkdir -p "$cache/logs"
: "${log:=$cache/logs/$arch-$name.log}"
cmdline="console=$QEMU_CONSOLE panic=-1 loglevel=4 rdinit=/init"
[ -z "$expect" ] || cmdline="$cmdline bpfbin.expect_btf=$expect"
cmdline="$cmdline$append"

# -no-reboot + panic=-1: a panic (or a reboot) ends QEMU at once instead of
# looping; `timeout` bounds a hung guest. -nodefaults drops the NIC, VGA etc.
# shellcheck disable=SC2206 # QEMU_MACHINE is a word list by design
qemu=("$QEMU_SYSTEM" $QEMU_MACHINE -accel tcg -m "${QEMU_MEMORY:-512M}" -smp "${QEMU_SMP:-1}"
    -nodefaults -nographic -serial stdio -monitor none -no-reboot
    -kernel "$image" -initrd "$initrd" -append "$cmdline")
{
    echo "qemu-run: $arch $name kernel=$image"
    echo "qemu-run: ${qemu[*]}"
} | tee "$log" >&2

start=$(date +%s.%N)
set +e
# </dev/null: never compete for the terminal; tr: the console emits CRLF.
# With bpfbin.shell=1 on a terminal, the guest shell gets the terminal
# (--foreground: QEMU must not be in a background process group).
if [[ $cmdline == *bpfbin.shell=1* ]] && [ -t 0 ]; then
    timeout --foreground "$timeout_s" "${qemu[@]}" 2>&1 | tee -a "$log"
else
    timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tr -d '\r' | tee -a "$log"
fi
rc=${PIPESTATUS[0]}
set -e
secs=$(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f')
[ $rc != 124 ] || echo "qemu-run: TIMEOUT after ${timeout_s}s" | tee -a "$log" >&2
echo "qemu-run: $arch $name exit=$rc seconds=$secs log=$log" | tee -a "$log" >&2
exit $rc
