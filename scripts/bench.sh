#!/bin/sh
# Benchmark: for every tool of every target in dist/, its stripped size and
# the size of its eBPF object; on this machine (as root), each tool's
# start-up (spawn to header line, median of N runs), time to first event
# and peak RSS; then event throughput and loss of opensnoop against bpftrace
# doing the same job. A table on stdout, everything in
# bench/results/<date>-<kernel>.json. Not a test: nothing here passes or fails.
#
# usage: scripts/bench.sh [-n RUNS] [-d SECS] [-k ROUNDS] [-r RATE] [-o DIR]
#   -n RUNS    start-up runs per tool (default 5)
#   -d SECS    length of each throughput run (default 3)
#   -k ROUNDS  throughput rounds: untraced, opensnoop, bpftrace each (default 3)
#   -r RATE    opens per second of the workload (default 0: as fast as it can)
#   -o DIR     where the JSON goes (default bench/results)
# Run scripts/build.sh first. Installs Debian's bpftrace if missing.
set -eu
cd "$(dirname "$0")/.."

runs=5 secs=3 rounds=3 rate=0 out=bench/results
usage() { sed -n 's/^# \{0,1\}//; 9,15p' "$0" >&2; exit 2; }
while getopts n:d:k:r:o:h opt; do
    case $opt in
    n) runs=$OPTARG ;;
    d) secs=$OPTARG ;;
    k) rounds=$OPTARG ;;
    r) rate=$OPTARG ;;
    o) out=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for n in "$runs" "$secs" "$rounds" "$rate"; do
    case $n in '' | *[!0-9.]*) echo "bench: not a number: $n" >&2; exit 2 ;; esac
done

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf"
case $(uname -m) in
x86_64) host=x86_64-unknown-linux-musl ;;
aarch64) host=aarch64-unknown-linux-musl ;;
armv7l) host=armv7-unknown-linux-musleabihf ;;
*) host= ;;
esac
ls dist/*/ >/dev/null 2>&1 || die "nothing in dist/: run scripts/build.sh first"

date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
load_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
tmp=$(mktemp -d)
child=
cleanup() {
    # The harness gives each tool, bpftrace and workload it started
    # PR_SET_PDEATHSIG: ending it ends them.
    [ -z "$child" ] || kill "$child" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# In the background so that the trap runs as soon as a signal comes.
run() {
    "$@" </dev/null &
    child=$!
    wait "$child" || { rc=$?; child=; return "$rc"; }
    child=
}

records=$tmp/records
: >"$records"

# Sizes: size-report.sh's stripped sizes, plus each tool's own eBPF object
# (dist/<target>/ebpf/<tool>, what its build embedded; killsnoop runs
# sigsnoop's and has none of its own).
scripts/size-report.sh dist >/dev/null
tab=$(printf '\t')
while IFS=$tab read -r tool target bytes _; do
    case $tool in tool | TOTAL) continue ;; esac
    [ "$bytes" != - ] || continue
    ebpf=-
    [ ! -f "dist/$target/ebpf/$tool" ] || ebpf=$(wc -c <"dist/$target/ebpf/$tool" | tr -d ' ')
    printf 'size\t%s\t%s\t%s\t%s\n' "$tool" "$target" "$bytes" "$ebpf" >>"$records"
done <dist/size-report.tsv

host_note=
bpftrace_version=
if [ -z "$host" ] || [ ! -d "dist/$host" ]; then
    host_note="no dist/ build for this machine ($(uname -m)): sizes only"
elif [ "$(id -u)" != 0 ]; then
    host_note="not root: sizes only (start-up and throughput need root)"
fi

if [ -z "$host_note" ]; then
    say "building the harness (bench/)"
    export RUSTC_BOOTSTRAP=1
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
    cargo build --quiet --release --manifest-path bench/Cargo.toml --target "$host" --target-dir target/bench
    bin=target/bench/$host/release
    bench=$bin/bpfbin-bench load=$bin/bpfbin-load

    # Start-up, first event and peak RSS of every tool dist/ has now.
    for f in "dist/$host"/*; do
        [ -f "$f" ] || continue
        case $(file -bL "$f") in ELF*executable* | ELF*"shared object"*) ;; *) continue ;; esac
        say "start-up: ${f##*/}"
        # A tool that needs an argument gets one that attaches here:
        # funclatency a uprobe on libc (this host may lack kprobes).
        case ${f##*/} in
        funclatency) set -- c:clock_nanosleep ;;
        *) set -- ;;
        esac
        run "$bench" start -n "$runs" "$load" "$f" "$@" >>"$records"
    done

    # Throughput and loss: the workload opens one file (a static program:
    # no loader opening libc first), untraced, under opensnoop -p, and
    # under bpftrace doing opensnoop's job with the same in-kernel PID
    # filter on the same tracepoints and printing the same columns; both
    # write to a pipe the harness reads and counts lines from.
    if [ -x "dist/$host/opensnoop" ]; then
        if ! command -v bpftrace >/dev/null && command -v apt-get >/dev/null; then
            say "installing bpftrace (Debian package)"
            export DEBIAN_FRONTEND=noninteractive
            apt-get install -y --no-install-recommends bpftrace >"$tmp/apt.log" 2>&1 ||
                { apt-get update >>"$tmp/apt.log" 2>&1 &&
                    apt-get install -y --no-install-recommends bpftrace >>"$tmp/apt.log" 2>&1; } ||
                say "could not install bpftrace ($(tail -n 1 "$tmp/apt.log")): measuring without it"
        fi
        events=/sys/kernel/tracing/events/syscalls
        [ -d "$events" ] || events=/sys/kernel/debug/tracing/events/syscalls
        enter='' exit=''
        for s in open openat openat2; do
            [ -d "$events/sys_enter_$s" ] || continue
            enter="$enter${enter:+,}tracepoint:syscalls:sys_enter_$s"
            exit="$exit${exit:+,}tracepoint:syscalls:sys_exit_$s"
        done
        set -- untraced :: opensnoop "dist/$host/opensnoop" -p '{pid}'
        if command -v bpftrace >/dev/null; then
            bpftrace_version=$(bpftrace --version 2>/dev/null | sed -n '1s/^bpftrace //p')
            # opensnoop's job: note the name on entry, print on exit.
            set -- "$@" :: bpftrace bpftrace -e "$enter /pid == {pid}/ { @fname[tid] = args->filename; }
$exit /@fname[tid]/ {
    \$ret = args->ret;
    printf(\"%-6d %-16s %3d %3d %s\\n\", pid, comm, \$ret >= 0 ? \$ret : -1, \$ret >= 0 ? 0 : -\$ret, str(@fname[tid]));
    delete(@fname[tid]);
}
END { clear(@fname); }"
        fi
        : >"$tmp/file"
        say "throughput: $rounds rounds of $secs s each"
        run "$bench" throughput -d "$secs" -r "$rate" -k "$rounds" "$load" "$tmp/file" -- "$@" >>"$records"
    fi
fi

# Machine and version.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
kernel=$(uname -r)
mkdir -p "$out"
json=$out/$stamp-$kernel.json

awk -F '\t' -v json="$json" -v date="$date" -v cpu="$cpu" \
    -v cores="$(nproc)" -v kernel="$kernel" -v arch="$(uname -m)" \
    -v load_start="$load_start" -v load_end="$(cut -d ' ' -f 1-3 /proc/loadavg)" \
    -v version="$(git describe --tags --always --dirty 2>/dev/null || echo unknown)" \
    -v rustc="$(rustc --version 2>/dev/null || echo unknown)" -v bpftrace="$bpftrace_version" \
    -v runs="$runs" -v secs="$secs" -v rounds="$rounds" -v rate="$rate" -v targets="$TARGETS" \
    -v host_note="$host_note" '
function str(s) {
    gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s)
    return "\"" s "\""
}
function val(s) { return s == "-" || s == "" ? "null" : s }
function kib(b) { return b == "-" || b == "" ? "-" : sprintf("%.1f", b / 1024) }
function obj(names, row, n, i, k, o) {
    n = split(names, k, " ")
    o = "{"
    for (i = 1; i <= n; i++) {
        o = o (i > 1 ? ", " : "") str(substr(k[i], 2)) ": "
        o = o (substr(k[i], 1, 1) == "s" ? str(row[i + 1]) : val(row[i + 1]))
    }
    return o "}"
}
BEGIN { nt = split(targets, T, " ") }
$1 == "size" {
    if (!(($2) in seen)) { seen[$2] = 1; tools[++ntools] = $2 }
    size[$2, $3] = $4; ebpf[$2, $3] = $5
    split($0, r, "\t"); sizes = sizes (sizes ? ",\n    " : "") obj("stool starget nbytes nebpf_bytes", r)
}
$1 == "start" {
    split($0, r, "\t"); nstart++; st[nstart] = $0
    starts = starts (starts ? ",\n    " : "") obj("stool nruns nattach_ms_median nattach_ms_min nattach_ms_max nfirst_event_ms_median npeak_rss_kib snote", r)
}
$1 == "run" {
    split($0, r, "\t")
    truns = truns (truns ? ",\n      " : "") obj("stracer nround nops nsecs nops_per_s nworkload_cpu_s nevents nlost ntracer_cpu_s ntracer_start_ms ntracer_start_cpu_s ntracer_peak_rss_kib snote", r)
}
$1 == "tput" {
    split($0, r, "\t"); ntput++; tp[ntput] = $0
    tsum = tsum (tsum ? ",\n      " : "") obj("stracer nruns nops_per_s nslowdown nseen_per_op nlost_per_op nmissing_per_op ntracer_cpu_per_s ntracer_cpu_us_per_event nworkload_cpu_us_per_op ntracer_start_ms ntracer_start_cpu_ms ntracer_peak_rss_kib", r)
}
END {
    printf "Benchmark %s, %s (%s cores), Linux %s, bpfbin %s\nload average %s at the start, %s at the end\n\n", date, cpu, cores, kernel, version, load_start, load_end
    print "Stripped size, KiB (its eBPF object in parentheses; - none of its own)"
    line = sprintf("%-16s", "tool")
    for (j = 1; j <= nt; j++) line = line sprintf("  %-32s", T[j])
    sub(/ +$/, "", line); print line
    for (i = 1; i <= ntools; i++) {
        line = sprintf("%-16s", tools[i])
        for (j = 1; j <= nt; j++) {
            k = tools[i] SUBSEP T[j]
            cell = (k in size) ? sprintf("%7s (%s)", kib(size[k]), kib(ebpf[k])) : "-"
            line = line sprintf("  %-32s", cell)
        }
        sub(/ +$/, "", line); print line
    }
    if (host_note != "") print "\n" host_note
    if (nstart) {
        printf "\nOn this machine, %s runs each: spawn to header line (load+attach), the workload to its first event line, peak RSS (VmHWM just before SIGINT)\n", runs
        printf "%-16s %22s %14s %13s  %s\n", "tool", "start ms med (min-max)", "1st event ms", "peak RSS KiB", "note"
        for (i = 1; i <= nstart; i++) {
            split(st[i], r, "\t")
            range = r[4] == "-" ? "-" : sprintf("%s (%s-%s)", r[4], r[5], r[6])
            printf "%-16s %22s %14s %13s  %s\n", r[2], range, r[7], r[8], r[9]
        }
    }
    if (ntput) {
        printf "\nThroughput: the workload opens a file %s for %s s, %s round(s), the order rotating; medians\n", (rate > 0 ? rate "/s" : "as fast as it can"), secs, rounds
        printf "%-10s %8s %8s %7s %7s %7s %8s %8s %9s %8s %8s %9s\n", "tracer", "ops/s", "slowdown", "seen", "lost", "missing", "CPU/s", "us/event", "load us/op", "start ms", "start CPU", "RSS KiB"
        for (i = 1; i <= ntput; i++) {
            split(tp[i], r, "\t")
            printf "%-10s %8s %8s %7s %7s %7s %8s %8s %9s %8s %8s %9s\n", r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14]
            for (j = 2; j <= 14; j++) t[r[2], j] = r[j]
        }
        print "slowdown: untraced ops/s over traced; seen, lost, missing (neither seen nor reported lost): per workload op;"
        print "CPU/s: tracer CPU seconds per second of workload; load us/op: workload CPU per op, in-kernel probes included"
        a = "opensnoop"; b = "bpftrace"
        if ((a SUBSEP 2) in t && (b SUBSEP 2) in t) {
            n = split("5 workload slowdown;9 CPU/s;10 CPU per event;11 workload CPU per op;12 start-up time;14 peak RSS", m, ";")
            s = ""
            for (i = 1; i <= n; i++) {
                c = m[i] + 0; name = substr(m[i], index(m[i], " ") + 1)
                if (t[a, c] + 0 > 0 && t[b, c] != "-") s = s (s ? ", " : " ") sprintf("%s x%.2f", name, t[b, c] / t[a, c])
            }
            print b " / " a ":" s
        }
    }
    printf "{\n  \"date\": %s,\n", str(date) > json
    printf "  \"machine\": {\"cpu\": %s, \"cores\": %s, \"arch\": %s, \"kernel\": %s, \"loadavg_start\": %s, \"loadavg_end\": %s},\n", str(cpu), cores, str(arch), str(kernel), str(load_start), str(load_end) > json
    printf "  \"version\": %s,\n  \"rustc\": %s,\n  \"bpftrace\": %s,\n", str(version), str(rustc), bpftrace == "" ? "null" : str(bpftrace) > json
    printf "  \"settings\": {\"start_runs\": %s, \"throughput_secs\": %s, \"throughput_rounds\": %s, \"workload_rate\": %s},\n", runs, secs, rounds, rate > json
    printf "  \"note\": %s,\n", host_note == "" ? "null" : str(host_note) > json
    printf "  \"sizes\": [\n    %s\n  ],\n", sizes > json
    printf "  \"start\": [\n    %s\n  ],\n", starts > json
    printf "  \"throughput\": {\n    \"summary\": [\n      %s\n    ],\n    \"runs\": [\n      %s\n    ]\n  }\n}\n", tsum, truns > json
    print "\nwrote " json
}' "$records"
