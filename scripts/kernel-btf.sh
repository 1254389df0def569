#!/bin/bash
# kernel-btf.sh: the raw BTF of a kernel, taken from its image as distributions
# ship it, for `--btf FILE` and for checking bpfbin's BTF reader against pahole.
#
# usage: scripts/kernel-btf.sh IMAGE OUT
#
# IMAGE may be:
#   - raw BTF (as /sys/kernel/btf/vmlinux): copied;
#   - an ELF vmlinux: its .BTF section (llvm-objcopy or objcopy);
#   - a whole-file gzip/xz/zstd/lz4/bzip2 image (arm64 vmlinuz): decompressed first;
#   - a raw image (arm64 Image): the BTF found by its header (magic 0xeb9f,
#     version 1, hdr_len 24, sane lengths), cut to hdr_len + types + strings;
#   - an x86 bzImage or ARM zImage: the compressed payload found by its magic,
#     as the kernel's scripts/extract-vmlinux does, then as above.
# Exit: 0 BTF written to OUT, 1 IMAGE has no BTF (or cannot be read), 2 usage.
# Runs on the build host: needs bash, GNU grep -P, od, and the decompressors
# of the image's format (gzip, xz-utils, zstd, lz4, bzip2).
set -euo pipefail
export LC_ALL=C

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 1; }

if [ $# -ne 2 ] || [ "${1#-}" != "$1" ]; then
    echo "usage: $prog IMAGE OUT" >&2
    exit 2
fi
img=$1 out=$2
if [ ! -f "$img" ] || [ ! -r "$img" ]; then die "cannot read $img"; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kernel-btf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The first N bytes of FILE at OFFSET as hex, no spaces.
hexat() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# A little-endian u32 of FILE at OFFSET.
le32() {
    local b
    b=$(hexat "$1" "$2" 4)
    [ ${#b} = 8 ] || { echo -1; return; }
    echo $((16#${b:6:2}${b:4:2}${b:2:2}${b:0:2}))
}
size() { wc -c <"$1" | tr -d ' '; }

# Write BTF to $out atomically, so a cache never holds half a file.
emit() { # FILE [OFFSET LEN]
    if [ $# = 1 ]; then
        cp "$1" "$out.tmp.$$"
    else
        tail -c +$(($2 + 1)) "$1" | head -c "$3" >"$out.tmp.$$"
    fi
    mv "$out.tmp.$$" "$out"
}

# Whether FILE has a sane BTF header at OFFSET; sets btf_len to the blob's
# length (hdr_len + the end of the type or string section, whichever is last).
btf_at() { # FILE OFFSET
    local f=$1 at=$2 total hdr type_off type_len str_off str_len end
    btf_len=0
    [ "$(hexat "$f" "$at" 4)" = 9feb0100 ] || return 1
    total=$(size "$f")
    hdr=$(le32 "$f" $((at + 4)))
    type_off=$(le32 "$f" $((at + 8)))
    type_len=$(le32 "$f" $((at + 12)))
    str_off=$(le32 "$f" $((at + 16)))
    str_len=$(le32 "$f" $((at + 20)))
    # Version 1 has a 24-byte header; later fields would lengthen it.
    [ "$hdr" = 24 ] || return 1
    [ "$type_len" -gt 0 ] && [ "$str_len" -gt 0 ] || return 1
    [ $((type_off % 4)) = 0 ] && [ $((type_len % 4)) = 0 ] || return 1
    # Sections must not overlap, and must fit in the file.
    if [ "$type_off" -le "$str_off" ]; then
        [ $((type_off + type_len)) -le "$str_off" ] || return 1
        end=$((str_off + str_len))
    else
        [ $((str_off + str_len)) -le "$type_off" ] || return 1
        end=$((type_off + type_len))
    fi
    [ $((at + hdr + end)) -le "$total" ] || return 1
    # The string section starts with the empty name and ends in a NUL.
    [ "$(hexat "$f" $((at + hdr + str_off)) 1)" = 00 ] || return 1
    [ "$(hexat "$f" $((at + hdr + str_off + str_len - 1)) 1)" = 00 ] || return 1
    btf_len=$((hdr + end))
}

# Scan a raw image for BTF headers; cut the largest sane one (vmlinux's BTF is
# megabytes; bpf_preload and others embed small BTF blobs too).
from_raw() { # FILE
    local f=$1 at best=-1 best_len=0
    # magic, version 1, flags 0, hdr_len 24
    for at in $(grep -obUaP '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$f" | cut -d: -f1); do
        if btf_at "$f" "$at" && [ "$btf_len" -gt "$best_len" ]; then
            best=$at best_len=$btf_len
        fi
    done
    [ "$best" -ge 0 ] || return 1
    emit "$f" "$best" "$best_len"
}

# An ELF's .BTF section. GNU objcopy on one host may not know another
# architecture's ELF, so llvm-objcopy is preferred; a raw scan is the fallback.
from_elf() { # FILE
    local f=$1 tool
    for tool in llvm-objcopy /usr/lib/llvm-*/bin/llvm-objcopy objcopy; do
        command -v "$tool" >/dev/null 2>&1 || continue
        rm -f "$tmp/btf"
        if "$tool" --dump-section .BTF="$tmp/btf" "$f" "$tmp/elf.out" 2>"$tmp/objcopy.err"; then
            emit "$tmp/btf"
            return 0
        fi
        # The tool read the file and found no such section: no BTF.
        if grep -qiE "section '?\.BTF'? not found|can't dump section" "$tmp/objcopy.err"; then
            return 1
        fi
    done
    from_raw "$f"
}

# Decompressor of a stream starting with each magic, as extract-vmlinux has them.
# lz4 is the legacy format the kernel builds with (lz4 -l), lz4f a frame.
formats='gzip:\x1f\x8b\x08 xz:\xfd7zXZ\x00 zstd:\x28\xb5\x2f\xfd lz4:\x02\x21\x4c\x18 lz4f:\x04\x22\x4d\x18 bzip2:BZh lzma:\x5d\x00\x00\x00'
tool() { case $1 in lzma) echo xz ;; lz4f) echo lz4 ;; *) echo "$1" ;; esac; }
decompress() { # FORMAT: stdin to stdout, output kept even if trailing data upsets it
    case $1 in
    gzip) gzip -dc ;;
    xz) xz -dc ;;
    zstd) zstd -dcq ;;
    lz4 | lz4f) lz4 -dc ;;
    bzip2) bzip2 -dc ;;
    lzma) xz -dc --format=lzma ;;
    esac
}

# ELF, or a raw image: the BTF in it, if any.
from_kernel() { # FILE
    if [ "$(hexat "$1" 0 4)" = 7f454c46 ]; then from_elf "$1"; else from_raw "$1"; fi
}

kind=$(hexat "$img" 0 8)
case $kind in
9feb0100*)
    btf_at "$img" 0 || die "$img: BTF with a bad header"
    emit "$img"
    exit 0
    ;;
7f454c46*)
    from_elf "$img" || die "$img has no BTF: an ELF without a .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)"
    exit 0
    ;;
esac

# A whole-file compressed image (arm64 vmlinuz is a gzip'd Image).
for fm in $formats; do
    [ "${fm%%:*}" = lzma ] && continue # too weak a magic at offset 0
    magic=$(printf '%b' "${fm#*:}" | od -An -v -tx1 | tr -d ' \n')
    if [ "${kind#"$magic"}" != "$kind" ]; then
        decompress "${fm%%:*}" <"$img" >"$tmp/whole" 2>/dev/null || true
        if [ -s "$tmp/whole" ]; then
            from_kernel "$tmp/whole" && exit 0
            die "$img has no BTF: no .BTF section or BTF header in its ${fm%%:*}-decompressed $(size "$tmp/whole") bytes (kernel built without CONFIG_DEBUG_INFO_BTF)"
        fi
    fi
done

# An uncompressed raw image (arm64 Image).
from_raw "$img" && exit 0

# bzImage, zImage: a compressed payload inside. Try every place a known magic
# occurs; keep the largest output that decompressed (a kernel is megabytes).
best="" best_size=0
for fm in $formats; do
    name=${fm%%:*} magic=${fm#*:}
    command -v "$(tool "$name")" >/dev/null 2>&1 || continue
    for at in $(grep -obUaP "$magic" "$img" | cut -d: -f1); do
        tail -c +$((at + 1)) "$img" | decompress "$name" >"$tmp/payload" 2>/dev/null || true
        n=$(size "$tmp/payload")
        [ "$n" -gt 65536 ] || continue
        # An ELF vmlinux (x86) is surely it; a raw one (ARM) has BTF or not.
        if from_kernel "$tmp/payload"; then
            exit 0
        fi
        if [ "$n" -gt "$best_size" ]; then
            best="$name payload at offset $at" best_size=$n
        fi
    done
done
[ -n "$best" ] || die "$img: not a kernel image this script knows (no BTF, ELF, or compressed payload found)"
die "$img has no BTF: no .BTF section or BTF header in its decompressed kernel ($best, $best_size bytes; kernel built without CONFIG_DEBUG_INFO_BTF)"
