#!/bin/sh
# Prepare this build host (Debian 12, as root): apt packages, the pinned Rust
# toolchain, bpf-linker and the armv7 musl sysroot. Every step checks first,
# so a second run is quick and touches the network only for what is missing.
#
# usage: scripts/setup.sh
set -eu
cd "$(dirname "$0")/.."

toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
musl_targets="x86_64-unknown-linux-musl aarch64-unknown-linux-musl"
cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}

say() { echo "setup: $*" >&2; }

# --- apt -------------------------------------------------------------------
packages="llvm-22-dev libpolly-22-dev libzstd-dev zlib1g-dev file busybox-static
pahole gcc-arm-linux-gnueabihf bc bison flex libssl-dev cpio libelf-dev"
# QEMU 7.2 in bookworm is too old for the test kernels' machines: backports.
backports="qemu-system-x86 qemu-system-arm"

installed() { # $1 package, $2 optional version substring
    v=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null) || return 1
    case $v in "ii "*"${2:-}"*) return 0 ;; esac
    return 1
}

missing=
for p in $packages; do installed "$p" || missing="$missing $p"; done
missing_bpo=
for p in $backports; do installed "$p" "~bpo" || missing_bpo="$missing_bpo $p"; done

# shellcheck disable=SC2016,SC2086 # apt's $(FIELD) formats; word lists
if [ -n "$missing$missing_bpo" ]; then
    apt="apt-get -y -q -o DPkg::Lock::Timeout=600"
    releases=$(apt-get indextargets --format '$(RELEASE)' | sort -u)
    if [ -n "$missing_bpo" ] && ! echo "$releases" | grep -qx bookworm-backports; then
        # Same mirror as this machine's bookworm source (as in fetch-deb.sh).
        mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' |
            awk '$2 == "bookworm" { print $1; exit }')
        [ -n "$mirror" ] || { say "no bookworm source in apt to derive backports from"; exit 1; }
        say "adding bookworm-backports from $mirror"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main" \
            > /etc/apt/sources.list.d/bookworm-backports.list
    fi
    say "installing:$missing$missing_bpo"
    $apt update
    [ -z "$missing" ] || $apt install --no-install-recommends $missing
    # -t only in its own command, so nothing else is pulled from backports.
    [ -z "$missing_bpo" ] || $apt install --no-install-recommends -t bookworm-backports $missing_bpo
fi

# --- Rust toolchain ----------------------------------------------------------
command -v rustup >/dev/null || { say "rustup is required"; exit 1; }
have=$(rustup component list --installed --toolchain "$toolchain" 2>/dev/null || true)
if [ -z "$have" ]; then
    say "installing Rust $toolchain"
    rustup toolchain install "$toolchain" --profile minimal --component rust-src,clippy,rustfmt \
        --target "$(echo "$musl_targets" | tr ' ' ,)"
else
    for c in rust-src clippy rustfmt; do
        echo "$have" | grep -q "^$c" || rustup component add --toolchain "$toolchain" "$c"
    done
    for t in $musl_targets; do
        echo "$have" | grep -q "^rust-std-$t\$" || rustup target add --toolchain "$toolchain" "$t"
    done
fi

# --- bpf-linker (links the eBPF objects; must use the LLVM of rustc $toolchain)
while pgrep -f 'cargo.*install bpf-linker' >/dev/null; do
    say "waiting for a running 'cargo install bpf-linker'"
    sleep 15
done
llvm=$(rustup run "$toolchain" rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
# It loads Debian's libLLVM.so.<major>: that must be rustc's LLVM major.
if ! bpf-linker --version >/dev/null 2>&1 ||
    ! ldd "$(command -v bpf-linker)" | grep -q "libLLVM\.so\.$llvm\."; then
    say "installing bpf-linker for LLVM $llvm"
    # Debian's LLVM lives outside PATH; bpf-linker's build looks here.
    LLVM_PREFIX=/usr/lib/llvm-$llvm cargo "+$toolchain" install --force bpf-linker --no-default-features --features "llvm-$llvm"
fi

# --- armv7 musl sysroot ------------------------------------------------------
# rustc (link-self-contained=yes, see .cargo/config.toml) takes the startup
# objects, libc.a and libunwind.a from here. crtbegin/crtend and the unwinder
# (libgcc_eh, under the name the unwind crate asks for) come from the armhf
# cross gcc: libc-independent, and static linking is allowed by the GCC
# runtime exception.
sysroot=$cache/sysroot/armv7-unknown-linux-musleabihf
objs="crt1.o crti.o crtn.o libc.a crtbegin.o crtend.o libunwind.a"
complete=yes
for f in $objs; do [ -s "$sysroot/$f" ] || complete=; done
if [ -z "$complete" ]; then
    say "assembling $sysroot"
    deb=$(scripts/fetch-deb.sh armhf bookworm musl-dev)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    dpkg-deb -x "$deb" "$tmp/x"
    mkdir -p "$tmp/s"
    for f in crt1.o crti.o crtn.o libc.a; do
        cp "$tmp/x/usr/lib/arm-linux-musleabihf/$f" "$tmp/s/"
    done
    gcc=arm-linux-gnueabihf-gcc
    cp "$($gcc -print-file-name=crtbeginT.o)" "$tmp/s/crtbegin.o"
    cp "$($gcc -print-file-name=crtend.o)" "$tmp/s/crtend.o"
    cp "$($gcc -print-file-name=libgcc_eh.a)" "$tmp/s/libunwind.a"
    rm -rf "$sysroot"
    mkdir -p "$(dirname "$sysroot")"
    mv "$tmp/s" "$sysroot"
fi

say "ready (Rust $toolchain, $(bpf-linker --version 2>&1 | head -n1), sysroot $sysroot)"
