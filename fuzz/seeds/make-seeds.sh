#!/bin/bash
# Rebuilds fuzz/corpus/: the seeds every target starts from. Run from
# anywhere, as root (tracefs); needs gcc, pahole, llvm-objcopy and the eBPF
# objects in dist/ (scripts/build.sh x86_64). The corpus is committed; this
# is only to refresh it (after a kernel or object layout change).
set -euo pipefail
fuzz=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$fuzz")
corpus=$fuzz/corpus
objcopy=$(command -v llvm-objcopy || printf '%s\n' /usr/lib/llvm-*/bin/llvm-objcopy | sort -V | tail -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$corpus"/{btf,tracefs_format,args,text,full_path}

# btf: the tools' own eBPF objects (rustc's BTF: FUNC, VAR, DATASEC...) and
# a kernel-shaped one from pahole (anonymous unions, bitfields, typedefs).
for tool in opensnoop execsnoop exitsnoop; do
    object=$repo/dist/x86_64-unknown-linux-musl/ebpf/$tool
    if [ -f "$object" ]; then
        "$objcopy" --dump-section .BTF="$corpus/btf/$tool.btf" "$object"
    else
        echo "make-seeds: no $object (scripts/build.sh x86_64), $tool.btf kept as it is" >&2
    fi
done
gcc -g -c -o "$tmp/mini.o" "$fuzz/seeds/mini_vmlinux.c"
pahole -J "$tmp/mini.o"
"$objcopy" --dump-section .BTF="$corpus/btf/mini_vmlinux.btf" "$tmp/mini.o"

# tracefs_format: this kernel's format files of the tracepoints the tools use.
events=/sys/kernel/tracing/events
for event in syscalls/sys_enter_openat syscalls/sys_exit_openat syscalls/sys_enter_execve \
    syscalls/sys_enter_openat2 sched/sched_process_exit; do
    cp "$events/$event/format" "$corpus/tracefs_format/${event#*/}"
done

# args: a picker byte (0: "dnptul" take values), then NUL-separated words.
args() { local name=$1; shift; { printf '\0'; printf '%s\0' "$@" | head -c -1; } > "$corpus/args/$name"; }
args clusters -Tp181 -xe --json
args long-forms --pid=181 --name=cat -d 5 --btf /sys/kernel/btf/vmlinux
args repeated -l a -lb --line=c -- -7
args bad-value -p0 -u 4294967295
args help --help
args positional -n bash 3

# text: file names and comms as a process may choose them.
printf '/tmp/caf\xc3\xa9 \xf0\x9f\x98\x80/notes.txt' > "$corpus/text/utf8"
printf 'evil\n\x1b[31mred\x07\tdel\x7f\\back' > "$corpus/text/controls"
printf 'c1\xc2\x9b2J bad\xff\xfe cut\xe2\x82' > "$corpus/text/c1-and-invalid"
printf 'a"b\\c\r\x00d' > "$corpus/text/json-specials"

# full_path: count, failed, filler, then parts innermost first, then the name.
part() { local name=$1; shift; { printf '%b' "$1"; shift; printf '%s\0' "$@" | head -c -1; } > "$corpus/full_path/$name"; }
part home '\x03\x00\x00' user home / notes.txt
part mounts '\x04\x00\x00' work / tmp / a
part root '\x01\x00\x00' / etc
part stopped-early '\x02\x01\xaa' b a f
part deep '\x10\x00\x00' p o n m l k j i h g f e d c b a file

du -sb "$corpus"
