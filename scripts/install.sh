#!/bin/sh
# install.sh: install an unpacked bpfbin release (scripts/dist.sh makes them):
# the tools of sbin/ and check-btf.sh into $DESTDIR$PREFIX/sbin, the README
# into $DESTDIR$PREFIX/share/doc/bpfbin. POSIX sh: runs under busybox on a
# board as well as on a build host staging a root file system.
#
# usage: [PREFIX=/usr] [DESTDIR=] sh install.sh
set -eu

usage() {
    cat <<EOF
usage: [PREFIX=/usr] [DESTDIR=DIR] sh ${0##*/}

Installs the tools of sbin/ and check-btf.sh into \$DESTDIR\$PREFIX/sbin and
README into \$DESTDIR\$PREFIX/share/doc/bpfbin.
PREFIX (default /usr) is where the files live on the running system; DESTDIR
(default empty) stages them under another root, e.g. a board's root file
system being assembled on a build host.
EOF
}

die() { echo "install.sh: $*" >&2; exit 1; }

case ${1-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac

PREFIX=${PREFIX:-/usr}
DESTDIR=${DESTDIR:-}
case $PREFIX in
/*) ;;
*) echo "install.sh: PREFIX must be an absolute path, not $PREFIX" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/sbin" ] && [ -f "$here/check-btf.sh" ] && [ -f "$here/README" ] ||
    die "$here is not an unpacked bpfbin release (sbin/, check-btf.sh, README)"

sbin=$DESTDIR$PREFIX/sbin
doc=$DESTDIR$PREFIX/share/doc/bpfbin
mkdir -p "$sbin" "$doc" || die "cannot create $sbin or $doc"

# put MODE SRC DEST: copy beside DEST, then rename over it. The rename
# replaces a tool that is running right now, where copying onto it would
# fail with "Text file busy"; a failed copy leaves the old file intact.
put() {
    tmp=$3.install-tmp
    cp "$2" "$tmp" && chmod "$1" "$tmp" && mv -f "$tmp" "$3" || {
        rm -f "$tmp"
        die "cannot install $3"
    }
    echo "$3"
}

n=0
for f in "$here"/sbin/*; do
    [ -f "$f" ] || continue
    put 0755 "$f" "$sbin/${f##*/}"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || die "no tools in $here/sbin"
put 0755 "$here/check-btf.sh" "$sbin/check-btf.sh"
put 0644 "$here/README" "$doc/README"
