#!/bin/sh
# Stripped size of every tool for every target in dist/<rust-target>/, as a
# table on stdout and as DIST/size-report.tsv.
#
# usage: scripts/size-report.sh [DIST]      (default: dist/ of this repo)
# STRIP=... picks the strip tool; otherwise any llvm-strip (it handles every
# arch), then the target's GNU strip.
set -eu

TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf"

dist=${1:-$(dirname "$0")/../dist}
[ -d "$dist" ] || { echo "size-report: no directory $dist" >&2; exit 2; }
command -v file >/dev/null || { echo "size-report: needs file(1)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

strippers() {
    echo ${STRIP-} llvm-strip
    ls -r /usr/bin/llvm-strip-* /usr/lib/llvm-*/bin/llvm-strip \
        "$(rustc --print sysroot 2>/dev/null)"/lib/rustlib/*/bin/llvm-strip 2>/dev/null || true
    case $1 in
    x86_64-*) echo x86_64-linux-gnu-strip x86_64-linux-musl-strip ;;
    aarch64-*) echo aarch64-linux-gnu-strip aarch64-linux-musl-strip ;;
    armv7-*) echo arm-linux-gnueabihf-strip arm-linux-musleabihf-strip ;;
    esac
    echo strip
}

# One line per binary: target, tool, bytes, linkage (s/D/?), stripped (yes/no).
for t in $TARGETS; do
    [ -d "$dist/$t" ] || continue
    for f in "$dist/$t"/*; do
        [ -f "$f" ] || continue
        desc=$(file -bL "$f")
        # Executables only: a stray .o (e.g. an eBPF object) is not a tool.
        case $desc in ELF*executable* | ELF*"shared object"*) ;; *) continue ;; esac
        # Anything with an interpreter needs a loader the board may not have.
        case $desc in
        *interpreter*) link=D ;;
        *"statically linked"* | *static-pie*) link=s ;;
        *) link='?' ;;
        esac
        size= stripped=no
        for s in $(strippers "$t"); do
            command -v "$s" >/dev/null 2>&1 || continue
            if "$s" -o "$tmp/stripped" "$f" 2>/dev/null; then
                size=$(wc -c <"$tmp/stripped" | tr -d " ") stripped=yes
                break
            fi
        done
        [ -n "$size" ] || size=$(wc -c <"$f" | tr -d " ")
        printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${f##*/}" "$size" "$link" "$stripped"
    done
done | sort -t "$(printf '\t')" -k2,2 >"$tmp/data"

awk -F '\t' -v targets="$TARGETS" -v tsv="$dist/size-report.tsv" '
function row(l) { sub(/ +$/, "", l); print l }
function kib(b) { return sprintf("%.1f", b / 1024) }
function cell(b, m) { return b == "-" ? sprintf("%10s", "-") : sprintf("%10d B %8s KiB %-2s", b, kib(b), m) }
{
    size[$2, $1] = $3; mark[$2, $1] = $4 ($5 == "no" ? "~" : "")
    linkage[$2, $1] = $4 == "s" ? "yes" : $4 == "D" ? "no" : "unknown"; strip[$2, $1] = $5
    # The tools one binary each; bpfbox, all of them in one, has its own row.
    if ($2 != "bpfbox") total[$1] += $3
    have[$1] = 1
    if (!($2 in known)) { known[$2] = 1; tools[++n] = $2 }
}
END {
    nt = split(targets, T, " ")
    w = 5; for (i = 1; i <= n; i++) if (length(tools[i]) > w) w = length(tools[i])
    line = sprintf("%-" w "s", "tool")
    for (j = 1; j <= nt; j++) line = line sprintf("  %-30s", T[j])
    row(line)
    for (i = 1; i <= n; i++) {
        line = sprintf("%-" w "s", tools[i])
        for (j = 1; j <= nt; j++) {
            k = tools[i] SUBSEP T[j]
            line = line sprintf("  %-30s", (k in size) ? cell(size[k], mark[k]) : cell("-"))
        }
        row(line)
    }
    line = sprintf("%-" w "s", "total")
    for (j = 1; j <= nt; j++) line = line sprintf("  %-30s", (T[j] in have) ? cell(total[T[j]], "") : cell("-"))
    row(line)
    print "total: every tool as its own binary, bpfbox left out; bpfbox: every tool in one binary"
    print "s statically linked, D dynamically linked (needs a loader: will not run on a bare board), ? linkage unknown,"
    print "~ not stripped (no strip tool for this arch worked): size as found"

    print "tool\ttarget\tbytes\tkib\tstatic\tstripped" > tsv
    for (i = 1; i <= n; i++)
        for (j = 1; j <= nt; j++) {
            k = tools[i] SUBSEP T[j]
            if (k in size) print tools[i], T[j], size[k], kib(size[k]), linkage[k], strip[k] > tsv
            else print tools[i], T[j], "-", "-", "-", "-" > tsv
        }
    for (j = 1; j <= nt; j++)
        if (T[j] in have) print "TOTAL", T[j], total[T[j]], kib(total[T[j]]), "-", "-" > tsv
        else print "TOTAL", T[j], "-", "-", "-", "-" > tsv
}' OFS='\t' "$tmp/data"
