#!/bin/sh
# bashreadline: on this busybox-only system (no /bin/bash) it says so in one
# line and exits 1. Then with Debian's bash, which the initramfs keeps at
# /opt/bash/bash, linked as /bin/bash: a line typed into `bash -i` is printed
# with bash's PID (columns TIME PID COMMAND, as libbpf-tools), a terminal
# escape in it escaped. bash reads from a fifo: readline works without a tty.
# On armv7 that bash is armel's (ARM code): armhf's is Thumb-2, which 32-bit
# Arm uprobes cannot probe, and the tool must refuse it. Needs no BTF.
. /lib/bpfbin/lib.sh

bin=$(tool bashreadline) || skip "bashreadline not built"
debian_bash=/opt/bash/bash

[ -e /bin/bash ] && fail "/bin/bash exists: this check needs a busybox-only system"
msg=$("$bin" 2>&1)
rc=$?
[ $rc = 1 ] || fail "without bash: exit $rc, want 1: $msg"
[ "$msg" = "bashreadline: no bash at /bin/bash (busybox-only system?); give the readline library with -s" ] ||
    fail "without bash: $msg"
[ -x "$debian_bash" ] || fail "no $debian_bash in the initramfs"

# 32-bit Arm: Debian's armhf bash (Thumb-2) must be refused in one line; the
# bash used below is armel's, ARM code, which uprobes can probe.
thumb=
case $(uname -m) in
arm*)
    msg=$("$bin" -s "$debian_bash-thumb" 2>&1)
    rc=$?
    [ $rc = 1 ] || fail "Thumb bash: exit $rc, want 1: $msg"
    [ "$(echo "$msg" | wc -l)" = 1 ] && echo "$msg" | grep -q 'bash-thumb is Thumb code' ||
        fail "Thumb bash: $msg"
    thumb="; armhf's Thumb-2 bash refused"
    # armel's glibc calls the kernel's kuser helpers: a kernel without
    # CONFIG_KUSER_HELPERS kills bash with a signal at start.
    "$debian_bash" -c 'exit 7'
    rc=$?
    [ $rc = 7 ] || fail "armel bash -c 'exit 7' exited $rc (over 128: killed by a signal; no CONFIG_KUSER_HELPERS?)"
    ;;
esac

trap 'rm -f /bin/bash' EXIT
ln -s "$debian_bash" /bin/bash

out=/tmp/bashreadline.$$.out
typed=/tmp/bashreadline.$$.in
shell_out=/tmp/bashreadline.$$.bash
mkfifo "$typed"
# bash waits in readline before the tool starts: its first line must be seen
# all the same (the uretprobe is on readline_internal_teardown).
HISTFILE=/dev/null PS1='READY> ' /bin/bash --norc --noprofile -i < "$typed" > "$shell_out" 2>&1 &
BASH_PID=$!
exec 3> "$typed"
wait_for "$shell_out" 'READY> ' 60 "$BASH_PID" || fail "bash -i gave no prompt: $(head -c 300 "$shell_out")"

start_traced "$out" '^TIME +PID +COMMAND' "$bin"
case $? in
0) ;;
2) fail "exited before attaching: $(head -n1 "$out")" ;;
*) stop_traced; fail "no header after 120s" ;;
esac

marker=bpfbin-guest-$$
echo "echo $marker" >&3
# Ctrl-V, then ESC: readline puts the escape into the line.
printf 'echo %s-esc \026\033[31mred\n' "$marker" >&3
await_line "$out" '$2 == '"$BASH_PID"' && $3 == "echo" && $4 == "'"$marker"'"'
found=$?
wait_for "$out" "$marker-esc" 10
echo exit >&3
exec 3>&-
wait "$BASH_PID"
stop_traced
cat "$out"
[ $found = 0 ] || fail "no line 'TIME $BASH_PID echo $marker' in $(wc -l < "$out") lines"
line=$(grep -F -- " echo $marker-esc \\x1b[31mred" "$out")
[ "$(printf '%s\n' "$line" | awk '{ print $2 }')" = "$BASH_PID" ] ||
    fail "the line with ESC is not printed escaped: $(grep -F -- "$marker-esc" "$out")"
pass "no bash: clear error; typed lines of bash $BASH_PID seen, ESC escaped$thumb"
