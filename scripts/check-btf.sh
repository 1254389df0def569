#!/bin/sh
# check-btf.sh: can the bpfbin tools run on this kernel, or on a kernel built
# from a given .config? Plain POSIX sh, because boards often have only busybox.
#
# Exit: 0 ready, 1 not ready, 2 usage error.
set -eu

usage() {
    cat <<EOF
usage: ${0##*/} [CONFIG]

Without CONFIG, check the running kernel: BTF in /sys/kernel/btf/vmlinux,
options from /proc/config.gz or /boot/config-\$(uname -r); if neither is
readable, judge from what /sys and /proc show.
With CONFIG (a kernel .config, e.g. from Yocto or Buildroot; may be .gz),
check that config only, not the kernel this script runs on. Give the full
generated .config, not a fragment: fragments omit options left at default.

Exit status: 0 ready, 1 not ready, 2 usage error.
EOF
}

die() { echo "check-btf: $*" >&2; exit 2; }

# Which tools lose what; keep in step with the tools' attach points.
SYSCALL_TOOLS="opensnoop, statsnoop, execsnoop, ..."
KPROBE_TOOLS="tcpconnect, tcplife on old kernels, funclatency, ..."
BTF_COST="tools reading kernel structs need BTF; pass --btf FILE with a BTF file for this kernel (e.g. from pahole -J or a distro's btfhub)"

cost() {
    case $1 in
    DEBUG_INFO_BTF) echo "$BTF_COST; building it needs pahole >= 1.16 on the build host" ;;
    BPF_SYSCALL) echo "no bpf() syscall: no bpfbin tool can load" ;;
    BPF_EVENTS) echo "BPF cannot attach to tracepoints, kprobes or uprobes: no bpfbin tool can attach" ;;
    FTRACE_SYSCALLS) echo "$SYSCALL_TOOLS cannot attach (syscall tracepoints)" ;;
    KPROBES) echo "tools using kprobes ($KPROBE_TOOLS) will not run" ;;
    KPROBE_EVENTS) echo "no perf kprobe PMU, so BPF cannot attach kprobes: same tools as CONFIG_KPROBES" ;;
    UPROBE_EVENTS) echo "tools probing user-space functions (uprobes) will not run" ;;
    BPF_JIT) echo "BPF runs interpreted (more overhead); fentry/fexit programs cannot load" ;;
    DEBUG_INFO_BTF_MODULES) echo "no BTF for modules: tools cannot read structs defined in modules (informative)" ;;
    esac
}

gunzip_to_stdout() { zcat "$1" 2>/dev/null || gzip -dc "$1" 2>/dev/null || busybox zcat "$1" 2>/dev/null; }

# Only the enabled options matter; keeping just those keeps $cfg small.
enabled_options() { grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]' || true; }

case ${1-} in
-h | --help) usage; exit 0 ;;
--) shift ;;
-?*) usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

cfg= src=
if [ $# -eq 1 ]; then
    mode=file src=$1
    [ -f "$src" ] && [ -r "$src" ] || die "cannot read $src"
    case $src in
    *.gz) cfg=$(gunzip_to_stdout "$src" | enabled_options) ;;
    *) cfg=$(enabled_options <"$src") ;;
    esac
    [ -n "$cfg" ] || die "$src does not look like a kernel config (no CONFIG_...=y lines)"
    echo "# config file $src only: says nothing about the kernel running here; BTF judged by CONFIG_DEBUG_INFO_BTF, not /sys/kernel/btf/vmlinux"
else
    mode=live
    rel=$(uname -r)
    if [ -r /proc/config.gz ]; then
        cfg=$(gunzip_to_stdout /proc/config.gz | enabled_options) && src=/proc/config.gz
    fi
    if [ -z "$cfg" ] && [ -r "/boot/config-$rel" ]; then
        cfg=$(enabled_options <"/boot/config-$rel") && src=/boot/config-$rel
    fi
    if [ -n "$cfg" ]; then
        echo "# running kernel $rel, config from $src"
    else
        src=
        echo "# running kernel $rel, no config readable (/proc/config.gz, /boot/config-$rel): judging from /sys and /proc"
    fi
fi

# --- evidence from the running kernel, for when there is no config ---
# Each sets st (y, n or ?) and why.

sym() { # a function only built with the option; kallsyms lists even static ones
    if [ -r /proc/kallsyms ] && [ -n "$(head -n 1 /proc/kallsyms 2>/dev/null)" ]; then
        if grep -q " $1\$" /proc/kallsyms; then st=y why="$1 in /proc/kallsyms"; else st=n why="no $1 in /proc/kallsyms"; fi
    else
        st=? why="no /proc/kallsyms"
    fi
}

pmu() { # perf event sources registered by KPROBE_EVENTS / UPROBE_EVENTS
    d=/sys/bus/event_source/devices
    if [ ! -d $d ]; then st=? why="no $d"
    elif [ -e $d/$1 ]; then st=y why="$d/$1"
    else st=n why="no $d/$1"
    fi
}

seen() {
    st=? why=
    case $1 in
    BPF_SYSCALL)
        if [ ! -r /proc/filesystems ]; then why="no /proc/filesystems"
        elif grep -qw bpf /proc/filesystems; then st=y why="bpf filesystem registered"
        else st=n why="no bpf filesystem in /proc/filesystems"
        fi ;;
    BPF_EVENTS) sym trace_call_bpf ;;
    FTRACE_SYSCALLS)
        for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
            [ -d $t/events ] || continue
            if [ -d $t/events/syscalls ]; then st=y why="$t/events/syscalls"; else st=n why="no $t/events/syscalls"; fi
            return 0
        done
        sym syscall_enter_register ;;
    KPROBES) sym register_kprobe ;;
    KPROBE_EVENTS) pmu kprobe ;;
    UPROBE_EVENTS) pmu uprobe ;;
    BPF_JIT)
        if [ -e /proc/sys/net/core/bpf_jit_enable ]; then st=y why=/proc/sys/net/core/bpf_jit_enable
        else sym bpf_int_jit_compile
        fi ;;
    DEBUG_INFO_BTF_MODULES)
        if ls /sys/kernel/btf 2>/dev/null | grep -qv '^vmlinux$'; then st=y why="module BTF in /sys/kernel/btf"
        else why="none in /sys/kernel/btf: no modules loaded, or option off"
        fi ;;
    esac
}

missing= unverified=

# check OPTION required|optional: print its line and note what is missing.
check() {
    name=CONFIG_$1
    if [ -n "$cfg" ]; then
        why=
        if printf '%s\n' "$cfg" | grep -q "^$name="; then st=y; else st=n; fi
    else
        seen "$1"
        why=" ($why)"
    fi
    case $st in
    y) echo "ok      $name$why" ;;
    n) echo "missing $name: $(cost "$1")$why"
       [ "$2" = optional ] || missing="$missing, $name" ;;
    *) echo "?       $name: cannot tell without the kernel config$why"
       [ "$2" = optional ] || unverified="$unverified, $name" ;;
    esac
}

if [ $mode = live ]; then
    b=/sys/kernel/btf/vmlinux
    if [ -s $b ]; then
        echo "ok      BTF: $b present ($(wc -c <$b | tr -d ' ') bytes)"
    else
        echo "missing BTF: $b absent or empty: $BTF_COST"
        missing="$missing, BTF"
    fi
else
    check DEBUG_INFO_BTF required
fi
check BPF_SYSCALL required
check BPF_EVENTS required
check FTRACE_SYSCALLS required
# KPROBES only limits some tools, so it warns but does not fail the verdict.
check KPROBES optional
check KPROBE_EVENTS optional
check UPROBE_EVENTS optional
check BPF_JIT optional
check DEBUG_INFO_BTF_MODULES optional

if [ -n "$missing" ]; then
    echo "bpfbin: not ready (missing ${missing#, })"
    exit 1
elif [ -n "$unverified" ]; then
    echo "bpfbin: ready (unverified: ${unverified#, })"
else
    echo "bpfbin: ready"
fi
