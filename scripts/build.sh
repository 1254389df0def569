#!/bin/sh
# Build every tool (tools/*/ with a src/main.rs, except the tools/bpfbin
# library) as a static release binary into dist/<RUST_TARGET>/<tool>.
#
# usage: scripts/build.sh [x86_64|aarch64|armv7|all]   (default: all)
#        BPFBIN_TOOLS="a b" scripts/build.sh ...   only these tools; the
#        other binaries already in dist/<target>/ stay.
#        BPFBIN_DIST=DIR: into DIR/<RUST_TARGET>/ instead of dist/.
# Run scripts/setup.sh once first.
set -eu
cd "$(dirname "$0")/.."

case ${1:-all} in
all) arches=$(for f in targets/*.env; do basename "$f" .env; done) ;;
*) [ -f "targets/$1.env" ] || { echo "build: no targets/$1.env" >&2; exit 2; }
   arches=$1 ;;
esac

tools=
for m in tools/*/src/main.rs; do
    t=${m#tools/}
    t=${t%%/*}
    [ "$t" = bpfbin ] || tools="$tools $t"
done
[ -n "$tools" ] || { echo "build: no tools found" >&2; exit 1; }
if [ -n "${BPFBIN_TOOLS:-}" ]; then
    for t in $BPFBIN_TOOLS; do
        [ -f "tools/$t/src/main.rs" ] || { echo "build: no tool $t" >&2; exit 2; }
    done
    tools=$BPFBIN_TOOLS
fi

# -Z build-std (armv7's std) needs it on the pinned stable toolchain.
export RUSTC_BOOTSTRAP=1
# These would replace the per-target flags of .cargo/config.toml.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}

for arch in $arches; do
    # Subshell: each env file's settings stay with its own target.
    (
    BUILD_STD='' STD_FEATURES=''
    # shellcheck disable=SC1090
    . "./targets/$arch.env"
    set --
    for t in $tools; do set -- "$@" -p "$t"; done
    # Added to .cargo/config.toml's flags for this target only, so neither
    # build scripts nor the bpfel-unknown-none build see them.
    flags=
    if [ "$BUILD_STD" = 1 ]; then
        # Command line only: an [unstable] table or CARGO_UNSTABLE_* would
        # also reach the bpfel-unknown-none build.
        set -- "$@" -Z build-std=std,panic_abort
        [ -z "$STD_FEATURES" ] || set -- "$@" -Z "build-std-features=$STD_FEATURES"
        # With std rebuilt, a panic (there should be none: every error is a
        # message) aborts at once, without std's formatting and unwinding
        # code; nothing unwinds, so no unwind tables and no panic locations.
        # `{:?}` prints nothing (what a person typed is quoted with
        # bpfbin::output::text::quoted; only -v's aya lines lose detail). MIR
        # optimizations only up to level 1 leave inlining to LLVM's size
        # heuristics. What each saves: docs/design.md, "Binary size".
        flags="-Zunstable-options -Cpanic=immediate-abort -Cforce-unwind-tables=no -Zlocation-detail=none -Zfmt-debug=none -Zmir-opt-level=1"
    fi
    if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$RUST_TARGET" ]; then
        # No rustup std, so no crt objects nor libc.a: use setup.sh's sysroot.
        sysroot=$cache/sysroot/$RUST_TARGET
        [ -s "$sysroot/libc.a" ] || { echo "build: no $sysroot; run scripts/setup.sh" >&2; exit 1; }
        flags="$flags -L native=$sysroot"
    fi
    var=CARGO_TARGET_$(echo "$RUST_TARGET" | tr 'a-z-' 'A-Z_')_RUSTFLAGS
    export "$var=$flags"
    start=$(date +%s)
    echo "build: $RUST_TARGET:$tools" >&2
    dist=${BPFBIN_DIST:-dist}/$RUST_TARGET
    [ -n "${BPFBIN_TOOLS:-}" ] || rm -rf "$dist"
    mkdir -p "$dist/ebpf"
    # JSON on stdout tells where each binary and build-script OUT_DIR is.
    cargo build --release --target "$RUST_TARGET" --message-format=json-render-diagnostics "$@" \
        > "$dist/cargo.json"
    echo "build: $RUST_TARGET built in $(($(date +%s) - start)) s" >&2

    [ ! -f scripts/check-btf.sh ] || cp scripts/check-btf.sh "$dist/"
    msg() { # $1 reason, $2 field: value for tool $t in cargo's messages
        grep "\"reason\":\"$1\".*/tools/$t#" "$dist/cargo.json" |
            sed -n "s|.*\"$2\":\"\([^\"]*\)\".*|\1|p" | tail -n1
    }
    bad=
    for t in $tools; do
        cp "$(msg compiler-artifact executable)" "$dist/$t"
        # The kernel-side object the build script embedded, for builds that
        # cannot build eBPF (BPFBIN_EBPF_DIR, see Cross.toml). Tools without an
        # ebpf/<tool> of their own (killsnoop runs sigsnoop's) have none.
        [ ! -d "ebpf/$t" ] || cp "$(msg build-script-executed out_dir)/$t" "$dist/ebpf/$t"
        what=$(file -b "$dist/$t")
        case $what in
        *"statically linked"* | *"static-pie linked"*) verdict=static ;;
        *) verdict="NOT STATIC"; bad=1 ;;
        esac
        printf '%-40s %8s bytes  %s  (%s)\n' "$dist/$t" "$(wc -c < "$dist/$t")" "$verdict" "$what"
    done
    rm "$dist/cargo.json"
    [ -z "$bad" ] || { echo "build: $RUST_TARGET: binaries above are not static" >&2; exit 1; }
    )
done
