#!/bin/sh
# Download Debian packages of any architecture and suite into the bpfbin cache,
# without adding the architecture to dpkg: apt runs with a private state
# directory. The mirror is the one this machine's apt already uses.
#
# usage: scripts/fetch-deb.sh ARCH SUITE PACKAGE...
# prints the path of each downloaded .deb, one per line
set -eu

[ $# -ge 3 ] || { echo "usage: $0 ARCH SUITE PACKAGE..." >&2; exit 2; }
arch=$1 suite=$2
shift 2

cache=${BPFBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfbin}
root=$cache/apt/$suite-$arch
debs=$cache/debs
mkdir -p "$root/state/lists/partial" "$root/cache/archives/partial" "$debs"
: > "$root/status"

mirror_of() { # the URI this machine's apt uses for suites named like $1
    apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
        awk -v s="$1" '$2 == s { print $1; exit }'
}
mirror=$(mirror_of bookworm)
[ -n "$mirror" ] || mirror=$(mirror_of "$(. /etc/os-release && echo "$VERSION_CODENAME")")
[ -n "$mirror" ] || { echo "fetch-deb: cannot find a Debian mirror in this machine's apt sources" >&2; exit 1; }

case $suite in
*-security) mirror=${mirror%/}-security/ ;;
esac
echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$root/sources.list"

apt_private() { # apt-get or apt-cache, on the private state
    tool=$1
    shift
    "$tool" -q -o APT::Sandbox::User=root \
        -o Dir::Etc::SourceList="$root/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State="$root/state" -o Dir::State::Status="$root/status" \
        -o Dir::Cache="$root/cache" -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
        -o Debug::NoLocking=1 "$@"
}

# Refresh the private package lists at most once a day.
stamp=$root/state/updated
if [ -z "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
    apt_private apt-get update >&2
    touch "$stamp"
fi

for name in "$@"; do
    version=$(apt_private apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
    [ "$version" != "(none)" ] || version=
    [ -n "$version" ] || { echo "fetch-deb: no package $name for $arch in $suite" >&2; exit 1; }
    base=$debs/${name}_$(echo "$version" | sed 's/:/%3a/')
    file=${base}_$arch.deb
    # Architecture-independent packages (linux-libc-dev since 6.12) are _all.
    [ -s "$file" ] || [ ! -s "${base}_all.deb" ] || file=${base}_all.deb
    if [ ! -s "$file" ]; then
        (cd "$debs" && apt_private apt-get download "$name=$version" >&2)
        [ -s "$file" ] || [ ! -s "${base}_all.deb" ] || file=${base}_all.deb
    fi
    [ -s "$file" ] || { echo "fetch-deb: download of $name $version failed" >&2; exit 1; }
    echo "$file"
done
