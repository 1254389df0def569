#!/bin/sh
# Where a tool's bytes go: every tool built as scripts/build.sh builds them,
# but with their symbols, into target/size-breakdown/; then each symbol's
# size is added to the part of the program it belongs to (aya, std, musl,
# the bpfbin crate, the tool itself...), and the largest symbols are listed.
# The stripped sizes are scripts/size-report.sh's of that build, within a few
# dozen bytes of dist/'s (keeping the symbols changes their hashes, and with
# them the layout).
#
# usage: scripts/size-breakdown.sh [ARCH [TOOL...]]   (default: aarch64 opensnoop)
#        -n N: list the N largest symbols of each tool (default 15)
# Run scripts/setup.sh once first. A build takes a few minutes the first
# time (std is rebuilt from source, as for dist/), seconds after a change.
set -eu
cd "$(dirname "$0")/.."

top=15
if [ "${1:-}" = -n ]; then
    top=${2:?"-n needs a number"}
    shift 2
fi
arch=${1:-aarch64}
[ $# -eq 0 ] || shift
[ $# -gt 0 ] || set -- opensnoop
[ -f "targets/$arch.env" ] || { echo "size-breakdown: no targets/$arch.env" >&2; exit 2; }
RUST_TARGET=$(. "./targets/$arch.env" && echo "$RUST_TARGET")

# llvm-nm from PATH or an LLVM directory (scripts/setup.sh installs LLVM).
nm=$(command -v llvm-nm || ls /usr/lib/llvm-*/bin/llvm-nm "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-nm \
    2>/dev/null | tail -n1) || true
[ -x "$nm" ] || { echo "size-breakdown: needs llvm-nm (scripts/setup.sh installs it)" >&2; exit 1; }

# All tools, as build.sh builds them by default: building fewer can resolve
# dependency features differently, and the sizes would not be dist's.
out=$PWD/target/size-breakdown
CARGO_TARGET_DIR=$out CARGO_PROFILE_RELEASE_STRIP=false BPFBIN_DIST=$out/dist \
    scripts/build.sh "$arch" >/dev/null
scripts/size-report.sh "$out/dist" >/dev/null

# Crate names of the tools (tools/*/src/main.rs but the bpfbin library).
tool_crates=$(for m in tools/*/src/main.rs; do
    t=${m#tools/}
    t=${t%%/*}
    [ "$t" = bpfbin ] || echo "$t" | tr - _
done)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for tool in "$@"; do
    bin=$out/dist/$RUST_TARGET/$tool
    [ -f "$bin" ] || { echo "size-breakdown: no tool $tool" >&2; exit 2; }
    # Symbols in the file (not .bss), one per address: musl's aliases
    # (malloc and __libc_malloc) share their code.
    "$nm" --defined-only --print-size --demangle --radix=d "$bin" |
        awk 'NF >= 4 && $3 !~ /^[bBuU]$/ && !seen[$1]++' >"$tmp/symbols"
    awk -v tools="$tool_crates" -v parts_file="$tmp/parts" -v sizes_file="$tmp/sizes" '
    # The part a symbol belongs to: the tool where its name mentions a tool
    # crate (generics instantiated for one; killsnoop is sigsnoop'"'"'s code,
    # bpfbox every tool'"'"'s), else the first crate its path names that is
    # not core, alloc or std, else the standard library.
    function part(sym,   rest, crate, i) {
        if (sym !~ /::/) return sym ~ /^OUTLINED_FUNCTION/ ? "code the outliner shared (all parts)" : "musl (C library)"
        for (i in tool) if (index(sym, tool[i] "::")) return "the tool"
        rest = sym
        while (match(rest, /[A-Za-z_][A-Za-z0-9_]*::/)) {
            crate = substr(rest, RSTART, RLENGTH - 2)
            rest = substr(rest, RSTART + RLENGTH)
            if (crate in parts) return parts[crate]
        }
        return "std, core, alloc"
    }
    BEGIN {
        split(tools, tool)
        split("aya aya_obj object", a); for (i in a) parts[a[i]] = "aya, aya-obj, object"
        split("bpfbin bpfbin_common", a); for (i in a) parts[a[i]] = "the bpfbin crate"
        split("argh argh_shared", a); for (i in a) parts[a[i]] = "argh"
        split("log simple_logger", a); for (i in a) parts[a[i]] = "log, simple_logger"
    }
    {
        sym = $0
        sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", sym)
        bytes[part(sym)] += $2
        print $2 "\t" sym > sizes_file
    }
    END { for (p in bytes) print bytes[p] "\t" p > parts_file }' "$tmp/symbols"
    file=$(awk -F '\t' -v tool="$tool" -v target="$RUST_TARGET" '$1 == tool && $2 == target { print $3 }' \
        "$out/dist/size-report.tsv")
    named=$(awk -F '\t' '{ n += $1 } END { print n + 0 }' "$tmp/parts")
    echo "$tool ($RUST_TARGET): $file bytes stripped"
    # killsnoop has no object of its own (it embeds sigsnoop's): there the
    # object counts among the bytes without a symbol.
    object=0
    [ ! -f "$out/dist/$RUST_TARGET/ebpf/$tool" ] || object=$(wc -c <"$out/dist/$RUST_TARGET/ebpf/$tool")
    {
        sort -rn "$tmp/parts"
        [ "$object" = 0 ] || printf '%s\t%s\n' "$object" "the eBPF object it embeds"
        printf '%s\t%s\n' $((file - named - object)) "no symbol: strings, ELF headers"
    } | awk -F '\t' '{ printf "  %-36s %8d B %7.1f KiB\n", $2, $1, $1 / 1024 }'
    [ "$top" = 0 ] || echo "  largest symbols:"
    sort -rn "$tmp/sizes" | head -n "$top" | awk -F '\t' '{ printf "  %8d B  %.110s\n", $1, $2 }'
done
