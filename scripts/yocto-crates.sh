#!/bin/sh
# Print the crates include of the Yocto recipe from Cargo.lock, in the form
# `bitbake -c update_crates bpfbin` (cargo-update-recipe-crates.bbclass)
# writes: one crate:// URI per crates.io package and its sha256 from the
# lock file. Workspace crates (no source) need no fetch.
#
# usage: scripts/yocto-crates.sh [Cargo.lock] > meta-bpfbin/recipes-devtools/bpfbin/bpfbin-crates.inc
# tests/packaging/run.sh fails when the committed include is not this output.
set -eu
lock=${1:-$(dirname "$0")/../Cargo.lock}
[ -r "$lock" ] || { echo "yocto-crates: cannot read $lock" >&2; exit 2; }

# One "name version checksum" line per crates.io package. Any other source
# (git, another registry) would need a SRC_URI of its own: refuse it.
list=$(awk '
    function flush() {
        if (name != "" && source != "") {
            if (source != "registry+https://github.com/rust-lang/crates.io-index") {
                print "yocto-crates: " name " " version " comes from " source ": not supported" > "/dev/stderr"
                bad = 1
            } else if (sum == "") {
                print "yocto-crates: " name " " version " has no checksum" > "/dev/stderr"
                bad = 1
            } else print name, version, sum
        }
        name = version = source = sum = ""
    }
    /^\[\[package\]\]$/ { flush(); next }
    /^\[/ { flush(); next }
    { gsub(/"/, "", $3) }
    /^name = / { name = $3 }
    /^version = / { version = $3 }
    /^source = / { source = $3 }
    /^checksum = / { sum = $3 }
    END { flush(); exit bad }
' "$lock") || exit 1
[ -n "$list" ] || { echo "yocto-crates: no crates.io packages in $lock" >&2; exit 1; }

echo "# Generated from Cargo.lock by scripts/yocto-crates.sh; \`bitbake -c update_crates bpfbin\` writes the same."
echo
echo "# from Cargo.lock"
echo 'SRC_URI += " \'
echo "$list" | while read -r n v s; do echo "    crate://crates.io/$n/$v \\"; done
echo '"'
echo
echo "$list" | while read -r n v s; do echo "SRC_URI[$n-$v.sha256sum] = \"$s\""; done
