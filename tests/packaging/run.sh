#!/bin/bash
# Packaging tests: scripts/dist.sh (reproducible, complete, checksummed),
# scripts/install.sh (the exact tree, under busybox sh and dash), the Yocto
# layer and the Buildroot package (static checks: no bitbake or Buildroot run
# here), and a vendored offline build of a tool as Yocto or Buildroot would
# do it: stable Rust 1.98, no bpf-linker, --offline --frozen, prebuilt eBPF.
#
# usage: tests/packaging/run.sh   (after scripts/build.sh; the vendored build
#                                  needs the network once for `cargo vendor`
#                                  unless ~/.cargo has every crate)
# Prints ok/not ok per check, then "N passed, N failed"; exit 1 on a failure.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo" || exit 1

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() {
    echo "not ok - $1"
    [ -z "${2-}" ] || echo "$2" | sed 's/^/#   /'
    fail=$((fail + 1))
}
# check NAME DETAIL EXPR: ok if the shell expression EXPR (give it in single
# quotes) succeeds, else not ok with DETAIL
check() {
    if eval "$3"; then ok "$1"; else not_ok "$1" "$2"; fi
}

# The version every crate has, from cargo rather than from our own parsing.
version=$(cargo metadata --no-deps --format-version 1 --offline 2>/dev/null |
    grep -o '"name":"bpfbin-offsets","version":"[^"]*"' | sed 's/.*"version":"\([^"]*\)"/\1/')
[ -n "$version" ] || { not_ok "cargo metadata gives the workspace version"; echo "$pass passed, $fail failed"; exit 1; }
epoch=$(git log -1 --format=%ct)
stamp=$(TZ=UTC0 date -d "@$epoch" '+%Y-%m-%d %H:%M:%S')
targets=
for f in targets/*.env; do targets="$targets $(sed -n 's/^RUST_TARGET=//p' "$f")"; done

# tools TARGET: the tools dist/TARGET/ holds (its ELF files), one per line
tools() {
    local f
    for f in "dist/$1"/*; do
        [ -f "$f" ] && [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] && echo "${f##*/}"
    done
}

# --- dist.sh ---------------------------------------------------------------

if ! scripts/dist.sh -o "$tmp/rel1" >"$tmp/dist1.log" 2>&1; then
    not_ok "dist.sh runs" "$(cat "$tmp/dist1.log")"
    echo "$pass passed, $fail failed"
    exit 1
fi
ok "dist.sh runs"
# The second run differs in everything that must not matter: umask, time.
sleep 1
(umask 077 && scripts/dist.sh -o "$tmp/rel2" >"$tmp/dist2.log" 2>&1)
same=yes
[ "$(ls "$tmp/rel1")" = "$(ls "$tmp/rel2")" ] || same="file lists differ"
for f in "$tmp"/rel1/*; do
    cmp -s "$f" "$tmp/rel2/${f##*/}" || same="${f##*/} differs"
done
check "two dist.sh runs give identical bytes" "$same" '[ "$same" = yes ]'

expected=$(for t in $targets; do echo "bpfbin-$version-$t.tar.gz"; echo "bpfbin-$version-ebpf-$t.tar.gz"; done
    echo "bpfbin-$version-src.tar.gz"; echo SHA256SUMS)
actual=$(ls "$tmp/rel1")
check "dist.sh makes a device and an eBPF tarball per target, the source tarball, SHA256SUMS" \
    "got: $actual" '[ "$(echo "$expected" | sort)" = "$actual" ]'
out=$(cd "$tmp/rel1" && sha256sum -c SHA256SUMS 2>&1)
rc=$?
check "sha256sum -c SHA256SUMS passes" "$out" '[ $rc = 0 ]'
check "SHA256SUMS covers every tarball" "$(cat "$tmp/rel1/SHA256SUMS")" \
    '[ "$(awk "{print \$2}" "$tmp/rel1/SHA256SUMS" | sort)" = "$(cd "$tmp/rel1" && ls -- *.tar.gz)" ]'

# tarball_ok NAME TARBALL: owner 0/0, the commit's mtime, sorted entries, one
# top directory NAME/, and gzip without a name or time stamp
tarball_ok() {
    local name=$1 tb=$2 list why=
    list=$(TZ=UTC0 tar --numeric-owner --full-time -tvzf "$tb") || { echo "cannot list"; return 1; }
    awk '$2 != "0/0" { bad = 1 } END { exit bad }' <<<"$list" || why="$why owner not 0/0;"
    [ "$(awk '{ print $4 " " $5 }' <<<"$list" | sort -u)" = "$stamp" ] || why="$why mtime not the commit's;"
    # tar --sort=name orders each directory's entries: a path sort where / is lowest
    tar -tzf "$tb" | tr / '\001' | sort -c 2>/dev/null || why="$why entries not sorted;"
    [ -z "$(tar -tzf "$tb" | grep -v "^$name/")" ] || why="$why entries outside $name/;"
    # gzip header: FLG (byte 3) without FNAME, MTIME (bytes 4-7) zero
    [ "$(od -An -j3 -N5 -tx1 "$tb" | tr -d ' \n')" = 0000000000 ] || why="$why gzip header has a name or time;"
    [ -z "$why" ] || { echo "$why"; return 1; }
}

for t in $targets; do
    tb=$tmp/rel1/bpfbin-$version-$t.tar.gz
    name=bpfbin-$version-$t
    why=$(tarball_ok "$name" "$tb")
    check "$t: device tarball: 0/0, commit mtime, sorted, gzip -n" "$why" '[ -z "$why" ]'
    rm -rf "$tmp/x" && mkdir "$tmp/x" && tar -xzf "$tb" -C "$tmp/x"
    want=$(tools "$t")
    got=$(ls "$tmp/x/$name/sbin")
    diffs=
    for f in $want; do cmp -s "dist/$t/$f" "$tmp/x/$name/sbin/$f" || diffs="$diffs $f"; done
    check "$t: sbin/ holds exactly the tools of dist/$t/, byte for byte" \
        "want: $(echo $want); got: $(echo $got); differ:$diffs" '[ "$want" = "$got" ] && [ -z "$diffs" ]'
    check "$t: device tarball has README, install.sh, check-btf.sh" "$(ls "$tmp/x/$name")" \
        '[ "$(ls "$tmp/x/$name" | tr "\n" " ")" = "README check-btf.sh install.sh sbin " ]'
    check "$t: shipped check-btf.sh and install.sh are the repository's" "" \
        'cmp -s scripts/check-btf.sh "$tmp/x/$name/check-btf.sh" && cmp -s scripts/install.sh "$tmp/x/$name/install.sh"'

    etb=$tmp/rel1/bpfbin-$version-ebpf-$t.tar.gz
    why=$(tarball_ok "bpfbin-$version-ebpf-$t" "$etb")
    check "$t: eBPF tarball: 0/0, commit mtime, sorted, gzip -n" "$why" '[ -z "$why" ]'
    rm -rf "$tmp/x" && mkdir "$tmp/x" && tar -xzf "$etb" -C "$tmp/x"
    diffs=
    for f in "dist/$t/ebpf"/*; do cmp -s "$f" "$tmp/x/bpfbin-$version-ebpf-$t/${f##*/}" || diffs="$diffs ${f##*/}"; done
    check "$t: eBPF tarball holds exactly dist/$t/ebpf/" "differ:$diffs" \
        '[ -z "$diffs" ] && [ "$(ls "dist/$t/ebpf")" = "$(ls "$tmp/x/bpfbin-$version-ebpf-$t")" ]'
done

stb=$tmp/rel1/bpfbin-$version-src.tar.gz
why=$(tarball_ok "bpfbin-$version" "$stb")
check "source tarball: 0/0, commit mtime, sorted, gzip -n" "$why" '[ -z "$why" ]'
rm -rf "$tmp/src" && mkdir "$tmp/src" && tar -xzf "$stb" -C "$tmp/src"
s=$tmp/src/bpfbin-$version
why=
for t in $targets; do
    [ "$(ls "dist/$t/ebpf")" = "$(ls "$s/prebuilt/ebpf/$t" 2>/dev/null)" ] || why="$why $t"
done
check "source tarball: prebuilt/ebpf/<target>/ of every target" "wrong:$why" '[ -z "$why" ]'
check "source tarball: the last commit's Cargo.lock and build scripts" "" \
    'git show HEAD:Cargo.lock | cmp -s - "$s/Cargo.lock" && [ -x "$s/scripts/check-btf.sh" ]'

# --- install.sh --------------------------------------------------------------

t=x86_64-unknown-linux-musl
name=bpfbin-$version-$t
rm -rf "$tmp/x" && mkdir "$tmp/x" && tar -xzf "$tmp/rel1/$name.tar.gz" -C "$tmp/x"
pkg=$tmp/x/$name

# tree DIR: every path under DIR with its type and mode
tree() { (cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | sort); }
# expect_tree PREFIX: the tree install.sh must leave for PREFIX
expect_tree() {
    local p=${1#/} d=
    {
        while [ -n "$p" ]; do d=${d:+$d/}${p%%/*}; echo "d 755 ./$d"; [ "$p" = "${p#*/}" ] && p= || p=${p#*/}; done
        echo "d 755 ./${1#/}/sbin"
        for f in $(tools "$t") check-btf.sh; do echo "f 755 ./${1#/}/sbin/$f"; done
        echo "d 755 ./${1#/}/share"
        echo "d 755 ./${1#/}/share/doc"
        echo "d 755 ./${1#/}/share/doc/bpfbin"
        echo "f 644 ./${1#/}/share/doc/bpfbin/README"
    } | sort
}

for sh in "busybox sh" dash; do
    s=${sh%% *}
    d=$tmp/dest-$s
    out=$(cd / && umask 022 && DESTDIR=$d $sh "$pkg/install.sh" 2>&1)
    rc=$?
    got=$(tree "$d")
    want=$(expect_tree /usr)
    check "$s: install.sh into DESTDIR gives exactly the expected tree (PREFIX /usr)" \
        "exit $rc; $out
diff: $(diff <(echo "$want") <(echo "$got"))" '[ $rc = 0 ] && [ "$want" = "$got" ]'
    diffs=
    for f in $(tools "$t"); do cmp -s "dist/$t/$f" "$d/usr/sbin/$f" || diffs="$diffs $f"; done
    cmp -s scripts/check-btf.sh "$d/usr/sbin/check-btf.sh" || diffs="$diffs check-btf.sh"
    cmp -s "$pkg/README" "$d/usr/share/doc/bpfbin/README" || diffs="$diffs README"
    check "$s: installed files are the release's" "differ:$diffs" '[ -z "$diffs" ]'

    d=$tmp/dest-$s-local
    out=$(PREFIX=/usr/local DESTDIR=$d $sh "$pkg/install.sh" 2>&1)
    rc=$?
    check "$s: PREFIX=/usr/local installs under usr/local only" "exit $rc; $out" \
        '[ $rc = 0 ] && [ "$(expect_tree /usr/local)" = "$(tree "$d")" ]'

    d=$tmp/dest-$s-rel
    out=$(PREFIX=usr DESTDIR=$d $sh "$pkg/install.sh" 2>&1)
    rc=$?
    check "$s: a relative PREFIX is refused, nothing installed" "exit $rc; $out" \
        '[ $rc = 2 ] && [ ! -e "$d" ] && grep -q "PREFIX must be an absolute path" <<<"$out"'

    out=$($sh "$pkg/install.sh" --bogus 2>&1)
    rc=$?
    check "$s: an unknown argument is a usage error" "exit $rc; $out" '[ $rc = 2 ] && grep -q "^usage:" <<<"$out"'

    # Installing over a tool that is running: copying onto it would fail
    # with ETXTBSY; install.sh renames a copy over it.
    d=$tmp/dest-$s-busy
    first=$(tools "$t" | head -n 1)
    mkdir -p "$d/usr/sbin" && cp "$(command -v sleep)" "$d/usr/sbin/$first"
    "$d/usr/sbin/$first" 30 &
    pid=$!
    out=$(DESTDIR=$d $sh "$pkg/install.sh" 2>&1)
    rc=$?
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    check "$s: install.sh replaces a tool that is running" "exit $rc; $out" \
        '[ $rc = 0 ] && cmp -s "dist/$t/$first" "$d/usr/sbin/$first" && [ -z "$(ls "$d/usr/sbin" | grep install-tmp)" ]'

    mkdir -p "$tmp/notarelease" && cp "$pkg/install.sh" "$tmp/notarelease/"
    out=$(DESTDIR=$tmp/dest-$s-none $sh "$tmp/notarelease/install.sh" 2>&1)
    rc=$?
    check "$s: install.sh outside an unpacked release fails, saying why" "exit $rc; $out" \
        '[ $rc = 1 ] && grep -q "not an unpacked bpfbin release" <<<"$out" && [ ! -e "$tmp/dest-$s-none" ]'
done

# --- the Yocto layer -----------------------------------------------------------

layer=meta-bpfbin
recipe=$layer/recipes-devtools/bpfbin/bpfbin_$version.bb
inc=$layer/recipes-devtools/bpfbin/bpfbin-crates.inc
frag=$layer/recipes-kernel/linux/files/bpfbin.cfg
check "yocto: the recipe is named for the workspace version ($version)" "$(ls $layer/recipes-devtools/bpfbin)" '[ -f "$recipe" ]'

# has FILE REGEX...: every REGEX matches a line of FILE; prints the missing
has() {
    local f=$1 re miss=
    shift
    for re in "$@"; do grep -qE -- "$re" "$f" || miss="$miss /$re/"; done
    [ -z "$miss" ] || { echo "missing in $f:$miss"; return 1; }
}
why=$(has $layer/conf/layer.conf '^BBPATH \.= ".*\$\{LAYERDIR\}' '^BBFILES \+= ".*\$\{LAYERDIR\}/recipes-\*/\*/\*\.bb' \
    '^BBFILE_COLLECTIONS \+= "bpfbin"' '^BBFILE_PATTERN_bpfbin = "\^\$\{LAYERDIR\}/"' '^BBFILE_PRIORITY_bpfbin = "[0-9]+"' \
    '^LAYERSERIES_COMPAT_bpfbin = "[a-z ]+"' '^LAYERDEPENDS_bpfbin = "core"')
check "yocto: layer.conf sets what bitbake requires of a layer" "$why" '[ -z "$why" ]'
why=$(has "$recipe" '^LICENSE = "' '^LIC_FILES_CHKSUM = "file://' '^SRC_URI = ".*bpfbin-\$\{PV\}-src\.tar\.gz"' \
    '^require bpfbin-crates\.inc$' '^inherit cargo( |$)' '^export BPFBIN_EBPF_DIR = "\$\{S\}/prebuilt/ebpf/' \
    '^COMPATIBLE_HOST = ' '^do_install\(\) \{' 'install -m 0755 \$\{B\}/target/\$\{CARGO_TARGET_SUBDIR\}/\$t \$\{D\}\$\{sbindir\}/\$t' \
    'install -m 0755 \$\{S\}/scripts/check-btf\.sh \$\{D\}\$\{sbindir\}/check-btf\.sh')
check "yocto: the recipe sets LICENSE, LIC_FILES_CHKSUM, SRC_URI, inherits cargo, installs to sbindir" "$why" '[ -z "$why" ]'
# LIC_FILES_CHKSUM: bitbake's md5 over lines beginline..endline
lic=$(sed -n 's/^LIC_FILES_CHKSUM = "file:\/\/\([^;]*\);beginline=\([0-9]*\);endline=\([0-9]*\);md5=\([0-9a-f]*\)".*/\1 \2 \3 \4/p' "$recipe")
read -r lf lb le lm <<<"$lic"
check "yocto: LIC_FILES_CHKSUM's md5 is that of Cargo.toml's license line" "$lic" \
    '[ -n "$lm" ] && [ "$(sed -n "${lb},${le}p" "$lf" | md5sum | cut -d" " -f1)" = "$lm" ] && sed -n "${lb},${le}p" "$lf" | grep -q "^license = "'
why=
for v in $(sed -n 's/^BPFBIN_EBPF_TARGET:[a-z0-9-]* = "\(.*\)"/\1/p' "$recipe"); do
    case " $targets " in *" $v "*) ;; *) why="$why $v" ;; esac
done
check "yocto: each architecture's eBPF objects name a target dist.sh ships" "unknown:$why" \
    '[ -z "$why" ] && [ "$(grep -c "^BPFBIN_EBPF_TARGET:" "$recipe")" = 3 ]'
gen=$(scripts/yocto-crates.sh Cargo.lock 2>&1)
check "yocto: bpfbin-crates.inc is scripts/yocto-crates.sh's output for Cargo.lock" \
    "$(diff <(echo "$gen") "$inc" | head -n 20)" '[ "$gen" = "$(cat "$inc")" ]'
n_lock=$(grep -c '^source = "registry+https://github.com/rust-lang/crates.io-index"' Cargo.lock)
n_uri=$(grep -c '^    crate://crates.io/[^/]*/[^/ ]* \\$' "$inc")
n_sum=$(grep -cE '^SRC_URI\[[^]]+-[0-9][^]]*\.sha256sum\] = "[0-9a-f]{64}"$' "$inc")
check "yocto: one crate:// URI and one sha256sum per crates.io package of Cargo.lock" \
    "Cargo.lock $n_lock, URIs $n_uri, sums $n_sum" '[ "$n_lock" = "$n_uri" ] && [ "$n_lock" = "$n_sum" ]'
why=$(has $layer/recipes-kernel/linux/linux-yocto_%.bbappend '^FILESEXTRAPATHS:prepend := "\$\{THISDIR\}/files:"' \
    'file://bpfbin\.cfg' 'KERNEL_DEBUG')
check "yocto: the linux-yocto bbappend adds bpfbin.cfg and pahole (KERNEL_DEBUG)" "$why" '[ -z "$why" ]'

# --- the Buildroot package -----------------------------------------------------

br=buildroot-external
why=$(has $br/external.desc '^name: BPFBIN$')
why=$why$(has $br/external.mk '^include \$\(sort \$\(wildcard \$\(BR2_EXTERNAL_BPFBIN_PATH\)/package/\*/\*\.mk\)\)$')
why=$why$(has $br/Config.in '^source "\$BR2_EXTERNAL_BPFBIN_PATH/package/bpfbin/Config.in"$')
check "buildroot: external.desc, external.mk, Config.in as br2-external requires" "$why" '[ -z "$why" ]'
why=$(has $br/package/bpfbin/Config.in '^config BR2_PACKAGE_BPFBIN$' '^	select BR2_PACKAGE_HOST_RUSTC$' \
    '^	depends on BR2_PACKAGE_HOST_RUSTC_TARGET_ARCH_SUPPORTS$')
check "buildroot: package Config.in selects host-rustc where Rust supports the target" "$why" '[ -z "$why" ]'
why=$(has $br/package/bpfbin/bpfbin.mk "^BPFBIN_VERSION = $version\$" '^BPFBIN_SITE = ' \
    '^BPFBIN_SOURCE = bpfbin-\$\(BPFBIN_VERSION\)-src\.tar\.gz$' '^BPFBIN_LICENSE = ' \
    '^BPFBIN_CARGO_ENV = BPFBIN_EBPF_DIR=' '^define BPFBIN_INSTALL_TARGET_CMDS$' '\$\(TARGET_DIR\)/usr/sbin/\$\$t' \
    '\$\(TARGET_DIR\)/usr/sbin/check-btf\.sh' '^\$\(eval \$\(cargo-package\)\)$')
check "buildroot: bpfbin.mk sets version, site, source, license, installs to /usr/sbin, uses cargo-package" "$why" '[ -z "$why" ]'
# The .mk parses, takes the release site from the option or else this
# checkout's dist/release, and maps each architecture to a target dist.sh
# ships: evaluate it with make, cargo-package and qstrip stood in for.
# mk ARCH SITE: what bpfbin.mk makes of them
mk() {
    make -s -f - print 2>&1 <<EOF
BR2_$1 = y
BR2_PACKAGE_BPFBIN_RELEASE_SITE = "$2"
BR2_EXTERNAL_BPFBIN_PATH = /ext
qstrip = \$(strip \$(subst ",,\$(1)))
cargo-package =
include $br/package/bpfbin/bpfbin.mk
print: ; @echo \$(BPFBIN_SITE)/\$(BPFBIN_SOURCE) \$(BPFBIN_EBPF_TARGET)
EOF
}
why=
for a in x86_64 aarch64 arm; do
    v=$(mk $a https://example.org/r)
    case $v in
    "https://example.org/r/bpfbin-$version-src.tar.gz "*) case " $targets " in *" ${v#* } "*) continue ;; esac ;;
    esac
    why="$why BR2_$a: '$v';"
done
v=$(mk x86_64 "")
[ "${v%% *}" = "file:///ext/../dist/release/bpfbin-$version-src.tar.gz" ] || why="$why empty site: '$v';"
check "buildroot: bpfbin.mk parses; site from the option or dist/release; each arch a shipped eBPF target" "$why" '[ -z "$why" ]'

# --- the kernel fragment ----------------------------------------------------------

check "the Yocto and Buildroot kernel fragments are the same file" "" 'cmp -s "$frag" $br/package/bpfbin/linux.config'
out=$(sh scripts/check-btf.sh "$frag" 2>&1)
rc=$?
check "check-btf.sh finds the kernel fragment ready, nothing required missing" "exit $rc; $out" \
    '[ $rc = 0 ] && [ "$(tail -n 1 <<<"$out")" = "bpfbin: ready" ] &&
     [ -z "$(grep "^missing" <<<"$out" | grep -v CONFIG_DEBUG_INFO_BTF_MODULES)" ]'

# --- vendored offline build, as Yocto and Buildroot build ----------------------------
# syncsnoop embeds its own eBPF object, killsnoop sigsnoop's through a
# dependency: the two ways a tool gets one. Every tool builds the same way, so
# two keep CI time down (about a minute from scratch on 2 cores).

t=x86_64-unknown-linux-musl
vend=$tmp/vendor
if out=$(cargo vendor --locked --versioned-dirs "$vend" 2>&1 >"$tmp/vendor.toml"); then
    ok "cargo vendor --locked"
else
    not_ok "cargo vendor --locked" "$(tail -n 5 <<<"$out")"
fi
# The include's checksums are the crates' own (cargo vendor recorded them).
why=
while read -r n v s; do
    got=$(grep -o '"package":"[0-9a-f]*"' "$vend/$n-$v/.cargo-checksum.json" 2>/dev/null | cut -d'"' -f4)
    [ "$got" = "$s" ] || why="$why $n-$v"
done < <(sed -n 's/^SRC_URI\[\(.*\)-\([0-9][^]-]*\)\.sha256sum\] = "\(.*\)"$/\1 \2 \3/p' "$inc")
check "yocto: every sha256sum of bpfbin-crates.inc is the vendored crate's checksum" "wrong:$why" '[ -z "$why" ]'

tc=$(rustup which --toolchain 1.98 cargo 2>/dev/null)
tcbin=${tc%/cargo}
ver=$("$tcbin/rustc" -V 2>&1)
check "a plain stable 1.98 toolchain is there (not nightly)" "$tc: $ver" \
    'case $ver in *nightly* | *beta* | *dev*) false ;; "rustc 1.98."*) true ;; *) false ;; esac'
path=$tcbin:/usr/bin:/bin
check "no bpf-linker on the build's PATH" "$(PATH=$path command -v bpf-linker)" '! PATH=$path command -v bpf-linker >/dev/null'
# build EBPF_DIR LOG: the offline build of the two tools, in a clean
# environment: own CARGO_HOME (no registry), own target dir, no RUSTC_BOOTSTRAP.
build() {
    env -i HOME="$HOME" PATH="$path" CARGO_HOME="$tmp/cargo-home" BPFBIN_EBPF_DIR="$1" \
        "$tcbin/cargo" build --offline --frozen --release --target $t \
        --config "source.crates-io.replace-with=\"vendored-sources\"" \
        --config "source.vendored-sources.directory=\"$vend\"" \
        --target-dir "$tmp/target" -p syncsnoop -p killsnoop >"$2" 2>&1
}
start=$(date +%s)
build "$repo/dist/$t/ebpf" "$tmp/build.log"
rc=$?
secs=$(($(date +%s) - start))
check "vendored --offline --frozen build of syncsnoop and killsnoop with prebuilt eBPF ($secs s)" \
    "exit $rc; $(tail -n 15 "$tmp/build.log")" '[ $rc = 0 ]'
for tool in syncsnoop killsnoop; do
    bin=$tmp/target/$t/release/$tool
    out=$("$bin" --help 2>&1)
    rc=$?
    check "$tool from the vendored build runs (--help)" "exit $rc; $out" '[ $rc = 0 ] && grep -q "^Usage: $tool" <<<"$out"'
done
# The prebuilt object really is what got embedded, byte for byte.
why=
for pair in syncsnoop:syncsnoop killsnoop:sigsnoop; do
    perl -e 'local $/; open(B, "<", $ARGV[0]) or exit 2; open(O, "<", $ARGV[1]) or exit 2;
        my ($b, $o) = (<B>, <O>); exit(index($b, $o) >= 0 ? 0 : 1)' \
        "$tmp/target/$t/release/${pair%%:*}" "dist/$t/ebpf/${pair#*:}" || why="$why $pair"
done
check "the tools embed dist/$t/ebpf/'s objects" "not embedded:$why" '[ -z "$why" ]'
mkdir -p "$tmp/empty-ebpf"
build "$tmp/empty-ebpf" "$tmp/build-empty.log"
rc=$?
check "a BPFBIN_EBPF_DIR without the objects fails the build" "exit $rc; $(tail -n 5 "$tmp/build-empty.log")" '[ $rc != 0 ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
