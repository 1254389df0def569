#!/bin/sh
# PID 1 of the bpfbin test initramfs (busybox ash). Mounts the pseudo
# filesystems the tools need, runs every /checks/*.sh, then powers off.
# Each check prints exactly one line the host parses:
#   BPFBIN-RESULT <check> PASS|FAIL|SKIP <reason>
# Kernel command line knobs (all optional):
#   bpfbin.expect_btf=0|1      what check-btf expects (absent: no assertion)
#   bpfbin.checks=a,b          run only these checks
#   bpfbin.check_timeout=SECS  per-check limit (default 180; TCG is slow)
#   bpfbin.shell=1             drop to a shell instead of powering off
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The kernel's DEVTMPFS_MOUNT does not apply to an initramfs root.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# tracefs at its own mount point (kernel >= 4.1); debugfs also exposes it
# under /sys/kernel/debug/tracing on these kernels.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# shellcheck disable=SC3045 # busybox ash has ulimit -l
ulimit -l unlimited 2>/dev/null # pre-5.11 kernels charge BPF maps to RLIMIT_MEMLOCK
hostname bpfbin

BPFBIN_EXPECT_BTF='' BPFBIN_CHECKS='' BPFBIN_CHECK_TIMEOUT=180 BPFBIN_SHELL=''
for word in $(cat /proc/cmdline); do
    case $word in
    bpfbin.expect_btf=*) BPFBIN_EXPECT_BTF=${word#*=} ;;
    bpfbin.checks=*) BPFBIN_CHECKS=${word#*=} ;;
    bpfbin.check_timeout=*) BPFBIN_CHECK_TIMEOUT=${word#*=} ;;
    bpfbin.shell=*) BPFBIN_SHELL=${word#*=} ;;
    esac
done
export BPFBIN_EXPECT_BTF BPFBIN_CHECK_TIMEOUT

echo "BPFBIN-BOOTED $(uname -r) $(uname -m) uptime=$(cut -d' ' -f1 /proc/uptime)"

for file in /checks/*.sh; do
    [ -f "$file" ] || continue
    name=${file##*/}
    name=${name%.sh}
    if [ -n "$BPFBIN_CHECKS" ]; then
        case ",$BPFBIN_CHECKS," in *",$name,"*) ;; *) continue ;; esac
    fi
    echo "BPFBIN-CHECK-START $name"
    # Output goes to the console as it happens (for the log) and to a file,
    # so a check that died without a verdict still gets a FAIL line.
    { timeout -s KILL "$BPFBIN_CHECK_TIMEOUT" sh "$file" "$name"; echo $? > "/tmp/rc.$name"; } 2>&1 |
        tee "/tmp/out.$name"
    rc=$(cat "/tmp/rc.$name" 2>/dev/null)
    if ! grep -q "^BPFBIN-RESULT $name " "/tmp/out.$name"; then
        if [ "$rc" = 137 ]; then
            echo "BPFBIN-RESULT $name FAIL timed out after ${BPFBIN_CHECK_TIMEOUT}s in guest"
        else
            echo "BPFBIN-RESULT $name FAIL check exited $rc without a result"
        fi
    fi
done

echo "BPFBIN-DONE uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ "$BPFBIN_SHELL" = 1 ]; then
    setsid cttyhack sh
fi
sync
poweroff -f
# No power-off method (missing PSCI/ACPI)? QEMU runs with -no-reboot, so a
# reboot ends the run just as well.
sleep 2
reboot -f
