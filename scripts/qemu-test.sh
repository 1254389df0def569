#!/bin/bash
# The QEMU matrix: every kernel of every arch boots once and runs all guest
# checks (tests/qemu/checks/*.sh); the results become one table.
#
# usage: scripts/qemu-test.sh [ARCH...]     (default: x86_64 aarch64 armv7)
#   cells: x86_64 and aarch64 x {5.10, 6.1, 6.12}; armv7 x {btf (built 6.12
#   with BTF), armmp (Debian armhf 6.1, no BTF)}
# env: JOBS (parallel boots, default 2: each guest is one TCG thread),
#      BPFBIN_QEMU_TIMEOUT (per boot, default 300 s), BPFBIN_KERNELS
#      ("arch:name ..." to pick cells, e.g. "x86_64:6.1 armv7:armmp"),
#      BPFBIN_APPEND (extra kernel command line, e.g. bpfbin.checks=opensnoop;
#      checks left out then show as missing, i.e. FAIL).
# Exit status non-zero on any FAIL, missing result, timeout or panic.
# Last line: "N passed, N failed, N skipped".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
jobs=${JOBS:-2}
timeout_s=${BPFBIN_QEMU_TIMEOUT:-300}
t_start=$(date +%s)

[ $# -gt 0 ] || set -- x86_64 aarch64 armv7
cells=()
for arch in "$@"; do
    [ -f "$here/targets/$arch.env" ] || { echo "qemu-test: unknown arch $arch" >&2; exit 2; }
    # shellcheck disable=SC1090
    names=$(. "$here/targets/$arch.env" && echo "$QEMU_KERNELS")
    for n in $names; do
        if [ -n "${BPFBIN_KERNELS:-}" ]; then
            case " $BPFBIN_KERNELS " in *" $arch:$n "*) ;; *) continue ;; esac
        fi
        cells+=("$arch:$n")
    done
done
[ ${#cells[@]} -gt 0 ] || { echo "qemu-test: no cells selected" >&2; exit 2; }

run=$cache/runs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$run"
declare -A kernel initrd

# 1. kernels and initramfs, once per arch (downloads are cached; the armv7
#    kernel builds only when its fragment or source changed).
for arch in "$@"; do
    want=()
    for c in "${cells[@]}"; do [ "${c%%:*}" = "$arch" ] && want+=("${c#*:}"); done
    [ ${#want[@]} -gt 0 ] || continue
    t0=$(date +%s)
    while read -r n path; do kernel[$arch:$n]=$path; done < <("$here/scripts/qemu-kernels.sh" "$arch" "${want[@]}" 2>>"$run/prepare.log")
    initrd[$arch]=$("$here/scripts/qemu-initramfs.sh" "$arch" 2>>"$run/prepare.log")
    echo "qemu-test: $arch kernels (${want[*]}) and initramfs ready in $(( $(date +%s) - t0 ))s" >&2
done

# 2. one boot per cell, $jobs at a time; each writes its log and exit status.
boot() { # CELL
    local c=$1 arch=${1%%:*} n=${1#*:} rc=0
    "$here/scripts/qemu-run.sh" "$arch" "$n" --kernel "${kernel[$c]}" --initrd "${initrd[$arch]}" \
        --timeout "$timeout_s" ${BPFBIN_APPEND:+--append "$BPFBIN_APPEND"} --log "$run/$arch-$n.log" >/dev/null 2>>"$run/$arch-$n.stderr" || rc=$?
    echo "$rc" > "$run/$arch-$n.rc"
}
for c in "${cells[@]}"; do
    [ -n "${kernel[$c]:-}" ] || { echo "qemu-test: no kernel for $c (see $run/prepare.log)" >&2; echo 99 > "$run/${c/:/-}.rc"; continue; }
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    echo "qemu-test: booting $c" >&2
    boot "$c" &
done
wait

# 3. verdicts. Rows: "boot" (reached BPFBIN-DONE, no panic, no timeout),
#    "seconds" (QEMU start to power-off), then one row per check.
checks=()
for f in "$here"/tests/qemu/checks/*.sh; do checks+=("$(basename "$f" .sh)"); done
declare -A cell
npass=0 nfail=0 nskip=0
count() { case $1 in PASS*) npass=$((npass + 1)) ;; FAIL*) nfail=$((nfail + 1)) ;; SKIP*) nskip=$((nskip + 1)) ;; esac; }
for c in "${cells[@]}"; do
    arch=${c%%:*} n=${c#*:}
    log=$run/$arch-$n.log
    rc=$(cat "$run/$arch-$n.rc" 2>/dev/null || echo 99)
    secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$log" 2>/dev/null | tail -n1)
    cell[seconds,$c]=${secs:-?}
    problem=
    if [ "$rc" = 99 ] || [ ! -s "$log" ]; then problem="no kernel or no log"
    elif [ "$rc" = 124 ]; then problem="timeout after ${timeout_s}s"
    elif grep -q 'Kernel panic' "$log"; then problem="kernel panic: $(grep -m1 -o 'Kernel panic.*' "$log" | cut -c1-80)"
    # (unanchored: on x86 the firmware's escape codes share the first line)
    elif ! grep -q 'BPFBIN-BOOTED' "$log"; then problem="init never ran (exit $rc)"
    elif ! grep -q 'BPFBIN-DONE' "$log"; then problem="guest did not finish (exit $rc)"
    elif [ "$rc" != 0 ]; then problem="qemu exit $rc"
    fi
    if [ -n "$problem" ]; then cell[boot,$c]="FAIL($problem; log $log)"; else cell[boot,$c]=PASS; fi
    count "${cell[boot,$c]}"
    for k in "${checks[@]}"; do
        line=$(grep -o "BPFBIN-RESULT $k [A-Z]*.*" "$log" 2>/dev/null | tail -n1 || true)
        if [ -z "$line" ]; then
            v="FAIL(missing result${problem:+: $problem}; log $log)"
        else
            read -r _ _ status reason <<<"$line"
            case $status in
            PASS) v=PASS ;;
            SKIP) v="SKIP($reason)" ;;
            *) v="FAIL($reason; log $log)" ;;
            esac
        fi
        cell[$k,$c]=$v
        count "$v"
    done
done

# Table: status plus a short reason; the full reasons follow below it.
short() { local v=$1; [ ${#v} -le 28 ] && echo "$v" || echo "${v:0:26}.)"; }
rows=(boot seconds "${checks[@]}")
w=10
for r in "${rows[@]}"; do [ ${#r} -lt $w ] || w=$((${#r} + 1)); done
printf '\n%-*s' "$w" check
for c in "${cells[@]}"; do printf ' | %-28s' "$c"; done
echo
for r in "${rows[@]}"; do
    printf '%-*s' "$w" "$r"
    for c in "${cells[@]}"; do printf ' | %-28s' "$(short "${cell[$r,$c]}")"; done
    echo
done
echo
for r in boot "${checks[@]}"; do
    for c in "${cells[@]}"; do
        case ${cell[$r,$c]} in PASS) ;; *) echo "  $r @ $c: ${cell[$r,$c]}" ;; esac
    done
done
echo "logs: $run"
echo "wall time: $(( $(date +%s) - t_start ))s"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
