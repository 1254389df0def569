#!/bin/sh
# Adds a tool: every file it needs, from the templates in scripts/new-tool/
# (its two crates, its ABI module in ebpf/common, an integration test and a
# QEMU guest check), and its line in ebpf/common's modules, in bpfbox's
# dependencies and in the README's table of tools. The workspace and bpfbox's
# table of tools take it from there. What this generates builds, but the tool
# only says "not written yet": its test and its guest check fail until it is
# written.
#
# usage: scripts/new-tool.sh NAME   (NAME: a new tool, lowercase letters and digits)
set -eu
cd "$(dirname "$0")/.."
templates=scripts/new-tool

[ $# = 1 ] || { echo "usage: scripts/new-tool.sh NAME" >&2; exit 2; }
name=$1
refuse() { echo "new-tool: $name: $*" >&2; exit 2; }
case $name in
'' | [!a-z]* | *[!a-z0-9]*) refuse "a tool's name is lowercase letters and digits, a letter first" ;;
esac
# It names a crate and a module: not a Rust keyword nor a crate already used.
reserved="as async await break const continue crate dyn else enum extern false fn for gen if impl in let
    loop match mod move mut pub ref return self static struct super trait true type unsafe use where while
    abstract become box do final macro override priv try typeof unsized virtual yield alloc core std test"
for word in $reserved; do
    [ "$name" != "$word" ] || refuse "is a Rust keyword or a built-in crate"
done
! grep -Eq "^name = \"$name(-ebpf)?\"$" Cargo.lock || refuse "a crate of that name is in Cargo.lock"

# Template paths, with @tool@ for the name.
files=$(cd "$templates" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
for template in $files; do
    file=$(echo "$template" | sed "s/@tool@/$name/g")
    [ ! -e "$file" ] || refuse "$file exists"
done

# insert_sorted FILE PATTERN FIELD LINE: puts LINE into FILE's run of lines
# matching PATTERN, kept in order of their FIELD-th word, above the
# attributes and doc comments of the line it goes before.
insert_sorted() {
    LC_ALL=C awk -v pattern="$2" -v field="$3" -v line="$4" '
        function key(text,  words) { split(text, words, " "); return words[field] }
        BEGIN { new = key(line) }
        done { print; next }
        /^(#\[|\/\/\/)/ { held = held $0 "\n"; next }
        $0 ~ pattern && key($0) > new || seen && $0 !~ pattern { print line; done = 1 }
        { printf "%s", held; held = ""; print; if ($0 ~ pattern) seen = 1 }
        END { if (!done) { printf "%s", held; print line } }
    ' "$1" > "$1.new"
    mv "$1.new" "$1"
    grep -qxF "$4" "$1" || { echo "new-tool: could not add '$4' to $1" >&2; exit 1; }
}

created=
for template in $files; do
    file=$(echo "$template" | sed "s/@tool@/$name/g")
    mkdir -p "$(dirname "$file")"
    sed "s/@tool@/$name/g" "$templates/$template" > "$file"
    created="$created $file"
done
# rustfmt orders the imports, which depends on the name.
edition=$(sed -n 's/^edition = "\(.*\)"$/\1/p' Cargo.toml)
for file in $created; do
    case $file in *.rs) rustfmt --edition "$edition" "$file" ;; esac
done

insert_sorted ebpf/common/src/lib.rs '^pub mod [a-z0-9_]+;$' 3 "pub mod $name;"
insert_sorted tools/bpfbox/Cargo.toml '^[a-z0-9-]+ = \\{ path = "\\.\\./' 1 "$name = { path = \"../$name\" }"
row="| \`$name\` | (to write: what it attaches to) | (to write: the kernel structs it reads, or no) |"
LC_ALL=C awk -v row="$row" '
    /^## The tools$/ { section = 1 }
    section == 1 && /^\|/ { table = 1 }
    section == 1 && table && !/^\|/ { print row; section = 2 }
    { print }
' README.md > README.md.new
mv README.md.new README.md
grep -qxF "$row" README.md || { echo "new-tool: no table of tools under '## The tools' in README.md" >&2; exit 1; }

cat <<EOF
new-tool: $name added; it builds, and says "not written yet" when run. Write it in:
  ebpf/common/src/$name.rs    its Config and Event, as both sides see them
  ebpf/$name/src/main.rs      the kernel side
  tools/$name/src/lib.rs      arguments, load, attach, loop, print
  tests/tests/$name.rs        the events it must show on this machine
  tests/qemu/checks/$name.sh  the same in every kernel of the QEMU matrix
its row in README.md's table of tools, and upstream's options in
tests/libbpf-tools-options.txt. Then:
  BPFBIN_TOOLS="$name bpfbox" scripts/build.sh x86_64
  cd tests && cargo test --test $name --test house
EOF
