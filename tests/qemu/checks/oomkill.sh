#!/bin/sh
# oomkill (and oomkill --json, running beside it) see OOM kills provoked on
# purpose, with the victim's PID and comm (oom_control.chosen, then
# task_struct.tgid and comm, at BTF offsets), the task that triggered the
# kill, and oom_control.totalpages (an unsigned long: 4 bytes on 32-bit arm):
#   sysrq f (CONFIG_MAGIC_SYSRQ): the OOM killer run by hand, from a kworker
#     (the write to /proc/sysrq-trigger only queues the work), kills a
#     sacrificial sleep with oom_score_adj 1000;
#   on every kernel: a dd with oom_score_adj 1000 reads all of RAM into one
#     buffer, runs out of memory itself and is killed.
# pages must be RAM plus swap, in pages, as /proc/meminfo says. The guest is
# thrown away after the run, and the victims are chosen: no harm done.
# On the no-BTF kernel oomkill must refuse, naming BTF and --btf.
. /lib/bpfbin/lib.sh

bin=$(tool oomkill) || skip "oomkill not built"
sleep=$(tool sleep) || fail "no sleep applet"
dd=$(tool dd) || fail "no dd applet"
out=/tmp/oomkill.$$.out
json=/tmp/oomkill.$$.json

start_btf_tool "$out" '^Tracing OOM kills\.\.\. Ctrl-C to stop\.$' "$bin"
text_pid=$TRACED_PID
"$bin" --json > "$json" 2>&1 &
json_pid=$!
# JSON has no banner: the kprobe's perf event (or its BPF link) shows it attached.
attached() {
    for fd in "/proc/$1/fd/"*; do
        case $(readlink "$fd" 2>/dev/null) in 'anon_inode:[perf_event]' | 'anon_inode:bpf_link') return 0 ;; esac
    done
    return 1
}
n=0
until attached "$json_pid"; do
    n=$((n + 1))
    if [ $n -gt 600 ] || ! kill -0 "$json_pid" 2>/dev/null; then
        stop_traced
        kill -9 "$json_pid" 2>/dev/null
        fail "oomkill --json did not attach: $(head -n1 "$json")"
    fi
    sleep 0.2
done
sleep 1

# totalram_pages + total_swap_pages, which the global OOM killer weighs.
# PID 1 is idle, so its size in kB and in pages give the page size.
page_kb=$(($(awk '/^VmSize:/ { print $2 }' /proc/1/status) / $(cut -d' ' -f1 /proc/1/statm)))
mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
swap_kb=$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)
pages=$(((mem_kb + swap_kb) / page_kb))

# The exact line of libbpf-tools (and BCC) for a victim, given the trigger's
# PID and comm as extended regular expressions.
hms='[0-9]{2}:[0-9]{2}:[0-9]{2}'
loadavg='[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+'
text_line() { # TRIGGER_PID TRIGGER_COMM VICTIM_PID VICTIM_COMM
    printf '%s\n' "^$hms Triggered by PID $1 \(\"$2\"\), OOM kill of PID $3 \(\"$4\"\), $pages pages, loadavg: $loadavg\$"
}
json_line() { # TRIGGER_PID TRIGGER_COMM VICTIM_PID VICTIM_COMM
    printf '%s\n' "^\{\"ts_us\":[0-9]+,\"trigger_pid\":$1,\"trigger_comm\":\"$2\",\"victim_pid\":$3,\"victim_comm\":\"$4\",\"pages\":$pages,\"loadavg\":\"$loadavg\"\}\$"
}
finish() { # VERDICT REASON
    stop_traced
    kill -INT "$json_pid" 2>/dev/null
    wait "$json_pid" 2>/dev/null
    echo "--- oomkill output:"
    cat "$out"
    echo "--- oomkill --json output:"
    cat "$json"
    "$@"
}
if [ "$page_kb" -le 0 ] || [ "$pages" -le 0 ]; then
    finish fail "no page count from /proc/meminfo ($mem_kb kB, page $page_kb kB)"
fi

sysrq=''
if [ -e /proc/sysrq-trigger ]; then
    # Full path: the shell execs the applet, so the kernel sees "sleep".
    "$sleep" 600 &
    victim=$!
    echo 1000 > "/proc/$victim/oom_score_adj"
    # Until it execs, the child is still a copy of this shell, named "sh".
    n=0
    until [ "$(cat "/proc/$victim/comm" 2>/dev/null)" = sleep ]; do
        n=$((n + 1))
        [ $n -le 50 ] || finish fail "sleep $victim did not start"
        sleep 0.1
    done
    echo f > /proc/sysrq-trigger
    wait "$victim"
    status=$?
    [ $status = 137 ] || finish fail "sysrq f: sleep $victim ended with status $status, not by SIGKILL"
    wait_for "$out" "$(text_line '[0-9]+' 'kworker/[^"]*' "$victim" sleep)" 20 ||
        finish fail "sysrq f: no line: kworker killed sleep $victim, $pages pages"
    line=$(grep -E "OOM kill of PID $victim " "$out")
    trigger=$(echo "$line" | sed 's/.* Triggered by PID \([0-9]*\) .*/\1/')
    comm=$(echo "$line" | sed 's/.* Triggered by PID [0-9]* ("\([^"]*\)").*/\1/')
    # /proc adds the workqueue to a kworker's comm: kworker/0:1-events.
    case $(cat "/proc/$trigger/comm" 2>/dev/null) in
    "$comm"*) ;;
    *) finish fail "sysrq f: trigger PID $trigger is not $comm in /proc" ;;
    esac
    ppid=$(sed 's/.*) //' "/proc/$trigger/stat" | cut -d' ' -f2)
    [ "$ppid" = 2 ] || finish fail "sysrq f: trigger PID $trigger ($comm) is not a kernel thread: ppid $ppid"
    wait_for "$json" "$(json_line "$trigger" "$comm" "$victim" sleep)" 20 ||
        finish fail "sysrq f: no JSON line: $comm ($trigger) killed sleep $victim, $pages pages"
    sysrq="sysrq f: $comm (PID $trigger) killed sleep $victim; "
fi

# One buffer of all RAM but 1 MiB (the allocation itself must pass the
# default overcommit check), filled from /dev/zero in one read.
( echo 1000 > /proc/self/oom_score_adj; exec "$dd" if=/dev/zero of=/dev/null bs=$((mem_kb - 1024))k count=1 ) 2> /dev/null &
hog=$!
wait "$hog"
status=$?
[ $status = 137 ] || finish fail "dd $hog ended with status $status, not by SIGKILL"
wait_for "$out" "$(text_line "$hog" dd "$hog" dd)" 20 ||
    finish fail "no line: dd $hog triggered and was killed, $pages pages"
wait_for "$json" "$(json_line "$hog" dd "$hog" dd)" 20 ||
    finish fail "no JSON line: dd $hog triggered and was killed, $pages pages"
if ! kill -0 "$text_pid" || ! kill -0 "$json_pid"; then
    finish fail "an oomkill did not survive the OOM kills"
fi
finish pass "${sysrq}dd $hog ran out of memory and was killed; $pages pages of $page_kb kB; text and JSON"
