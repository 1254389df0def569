#!/bin/sh
# Stripped size of every tool for every target in dist/<rust-target>/, as a
# table on stdout and as DIST/size-report.tsv; with --readme, also as the
# README's size table, between its size-report markers (a build of every
# target needed). CI does not rewrite the README: a person refreshes it,
# after scripts/build.sh all, and commits it.
#
# usage: scripts/size-report.sh [--readme] [DIST]   (default: dist/ of this repo)
# STRIP=... picks the strip tool; otherwise any llvm-strip (it handles every
# arch), then the target's GNU strip.
set -eu

TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf"
BEGIN='<!-- size-report begin -->'
END='<!-- size-report end -->'

readme=
case ${1-} in
--readme) readme=$(dirname "$0")/../README.md; shift ;;
-*) echo "usage: $0 [--readme] [DIST]" >&2; exit 2 ;;
esac
dist=${1:-$(dirname "$0")/../dist}
[ -d "$dist" ] || { echo "size-report: no directory $dist" >&2; exit 2; }
command -v file >/dev/null || { echo "size-report: needs file(1)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

strippers() {
    echo "${STRIP-}" llvm-strip
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
        size='' stripped=no
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

[ -n "$readme" ] || exit 0

# The README's table: whole KiB, the marks of the table above after a size.
for t in $TARGETS; do
    cut -f1 "$tmp/data" | grep -qxF "$t" ||
        { echo "size-report: --readme: no $t in $dist (scripts/build.sh all)" >&2; exit 1; }
done
{
    echo "$BEGIN"
    echo "<!-- written by scripts/size-report.sh --readme; do not edit by hand -->"
    echo
    echo "Stripped sizes, measured $(date -u +%Y-%m-%d), $(rustc --version 2>/dev/null | cut -d' ' -f1-2):"
    echo
    awk -F '\t' -v targets="$TARGETS" '
    function kib(b) { return sprintf("%d KiB", b / 1024 + 0.5) }
    {
        size[$2, $1] = $3; mark[$2, $1] = ($4 == "s" ? "" : " " $4) ($5 == "no" ? "~" : "")
        if (mark[$2, $1] != "") marked = 1
        if ($2 != "bpfbox") { total[$1] += $3; if (!($2 in counted)) { counted[$2] = 1; n++ } }
        if ($2 != "bpfbox" && !($2 in known)) { known[$2] = 1; tools[++nt] = $2 }
    }
    END {
        nT = split(targets, T, " ")
        line = "| tool |"; rule = "|---|"
        for (j = 1; j <= nT; j++) { a = T[j]; sub(/-.*/, "", a); line = line " " a " |"; rule = rule "---|" }
        print line; print rule
        for (i = 1; i <= nt; i++) {
            line = "| `" tools[i] "` |"
            for (j = 1; j <= nT; j++) {
                k = tools[i] SUBSEP T[j]
                line = line " " ((k in size) ? kib(size[k]) mark[k] : "-") " |"
            }
            print line
        }
        line = "| all " n " as their own binaries |"
        for (j = 1; j <= nT; j++) line = line " " kib(total[T[j]]) " |"
        print line
        line = "| `bpfbox`: all " n " in one binary |"
        for (j = 1; j <= nT; j++) {
            k = "bpfbox" SUBSEP T[j]
            line = line " " ((k in size) ? kib(size[k]) mark[k] : "-") " |"
        }
        print line
        if (marked) {
            print ""
            print "D dynamically linked, ? linkage unknown, ~ not stripped (no strip tool for this arch worked)."
        }
    }' "$tmp/data"
    echo
    echo "$END"
} >"$tmp/table"

[ -f "$readme" ] || { echo "size-report: no $readme" >&2; exit 1; }
if [ "$(grep -cxF "$BEGIN" "$readme")" != 1 ] || [ "$(grep -cxF "$END" "$readme")" != 1 ]; then
    echo "size-report: $readme needs one line '$BEGIN' and one '$END'" >&2
    exit 1
fi
awk -v begin="$BEGIN" -v end="$END" -v table="$tmp/table" '
$0 == begin { while ((getline line < table) > 0) print line; skip = 1; next }
$0 == end { skip = 0; next }
!skip' "$readme" >"$tmp/readme"
cat "$tmp/readme" >"$readme"
echo "size-report: wrote the size table into $readme" >&2
