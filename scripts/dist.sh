#!/bin/sh
# Release tarballs from what scripts/build.sh left in dist/<target>/, per target:
#   bpfbin-<version>-<target>.tar.gz       for the device: sbin/<every tool>,
#                                          check-btf.sh, README, install.sh
#   bpfbin-<version>-ebpf-<target>.tar.gz  the prebuilt eBPF objects, for
#                                          BPFBIN_EBPF_DIR (cross-rs, own builds)
# and once:
#   bpfbin-<version>-src.tar.gz            the last commit's source plus
#                                          prebuilt/ebpf/<target>/ of every
#                                          target: all Yocto and Buildroot fetch
# with SHA256SUMS over them all, in dist/release/ (or -o DIR).
#
# The objects stay out of the device tarball: each tool embeds its own. They
# ride in the source tarball because a Rust toolchain without bpf-linker
# (Yocto's, Buildroot's) cannot make them, and one download is simpler for a
# recipe than two (Buildroot would also try to vendor crates in the second).
#
# Reproducible: the same dist/ and commit give the same bytes. Every entry has
# the mtime SOURCE_DATE_EPOCH (default: the last commit's time), owner 0/0,
# mode 0755 or 0644; entries are sorted; gzip stores no name or time.
# Needs GNU tar (--sort, --mtime, --owner).
#
# usage: scripts/dist.sh [-o DIR] [x86_64|aarch64|armv7|all]   (default: all)
set -eu
# Glob order (the README's tool list) must not depend on the locale.
export LC_ALL=C
cd "$(dirname "$0")/.."

out=dist/release
if [ "${1-}" = -o ]; then
    [ $# -ge 2 ] || { echo "usage: $0 [-o DIR] [x86_64|aarch64|armv7|all]" >&2; exit 2; }
    out=$2
    shift 2
fi
case ${1:-all} in
all) arches=$(for f in targets/*.env; do basename "$f" .env; done) ;;
*) [ -f "targets/$1.env" ] || { echo "dist: no targets/$1.env" >&2; exit 2; }
   arches=$1 ;;
esac

die() { echo "dist: $*" >&2; exit 1; }

tar --version 2>/dev/null | grep -q 'GNU tar' || die "needs GNU tar"
# The version of [workspace.package], which every crate inherits.
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
[ -n "$version" ] || die "no version in Cargo.toml's [workspace.package]"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) ||
        die "not a git checkout: set SOURCE_DATE_EPOCH"
fi
case $SOURCE_DATE_EPOCH in
'' | *[!0-9]*) die "SOURCE_DATE_EPOCH is not a number of seconds: $SOURCE_DATE_EPOCH" ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# is_elf FILE: tools are the ELF files of dist/<target>/; check-btf.sh and
# build leftovers are not.
is_elf() { [ "$(od -An -N4 -tx1 "$1" | tr -d ' \n')" = 7f454c46 ]; }

# pack DIR NAME: DIR/NAME into $stage/out/NAME.tar.gz
pack() {
    # Modes from the file's kind (executable or not), not the builder's umask.
    find "$1/$2" -type d -exec chmod 0755 {} +
    find "$1/$2" -type f ! -perm -u+x -exec chmod 0644 {} +
    find "$1/$2" -type f -perm -u+x -exec chmod 0755 {} +
    tar --format=ustar --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
        --owner=0 --group=0 --numeric-owner -C "$1" -cf - "$2" |
        gzip -9n > "$stage/out/$2.tar.gz"
}

mkdir -p "$stage/out"
srcname=bpfbin-$version
git archive --format=tar --prefix="$srcname/" HEAD | tar -xf - -C "$stage"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
    echo "dist: warning: uncommitted changes; $srcname-src.tar.gz has the last commit only" >&2
for arch in $arches; do
    target=$(sed -n 's/^RUST_TARGET=//p' "targets/$arch.env")
    src=dist/$target
    [ -d "$src" ] || die "no $src: run scripts/build.sh $arch first"

    name=bpfbin-$version-$target
    d=$stage/$name
    mkdir -p "$d/sbin"
    tools=
    for f in "$src"/*; do
        [ -f "$f" ] && is_elf "$f" || continue
        cp "$f" "$d/sbin/"
        tools="$tools ${f##*/}"
    done
    [ -n "$tools" ] || die "no tools in $src"
    cp scripts/check-btf.sh scripts/install.sh "$d/"
    cat > "$d/README" <<EOF
bpfbin $version for $target

eBPF observability tools from libbpf-tools, rebuilt in Rust. Each tool is
one static binary with its eBPF program inside: no libraries, compiler or
kernel headers needed on the device. Flags and output follow the
libbpf-tools tool of the same name; every tool has --help and --version.

Tools (sbin/):
$(echo $tools | fold -s -w 72 | sed 's/^/  /')

On the device, as root:
  sh check-btf.sh        is this kernel ready? (BTF, BPF syscall, tracepoints,
                         kprobes); names what each missing option costs
  ./sbin/opensnoop       run a tool straight from here, or install them:
  sh install.sh          into /usr/sbin (PREFIX=/usr/local sh install.sh for
                         /usr/local/sbin; DESTDIR=DIR stages under DIR)

Without BTF in the kernel (no /sys/kernel/btf/vmlinux), tools that read
kernel structs need --btf FILE, a BTF file for the running kernel; the
others run as they are. bpfbin-offsets shows what this kernel provides.
EOF
    pack "$stage" "$name"

    ename=bpfbin-$version-ebpf-$target
    mkdir -p "$stage/$ename"
    n=0
    for f in "$src"/ebpf/*; do
        [ -f "$f" ] || continue
        cp "$f" "$stage/$ename/"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || die "no eBPF objects in $src/ebpf"
    mkdir -p "$stage/$srcname/prebuilt/ebpf"
    cp -R "$stage/$ename" "$stage/$srcname/prebuilt/ebpf/$target"
    pack "$stage" "$ename"
done
pack "$stage" "$srcname"
mv "$stage/out/$srcname.tar.gz" "$stage/out/$srcname-src.tar.gz"

(cd "$stage/out" && sha256sum -- *.tar.gz > SHA256SUMS)
chmod 0644 "$stage"/out/*
# Only what an earlier run made goes: -o may name a directory with more in it.
mkdir -p "$out"
rm -f "$out"/bpfbin-*.tar.gz "$out/SHA256SUMS"
mv "$stage"/out/* "$out/"
ls -l "$out" | sed 1d
echo "dist: $(cd "$out" && pwd)" >&2
