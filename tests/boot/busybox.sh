#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot tests with a real Linux: Debian's riscv64 kernel (VM_KERNEL) and a
# busybox initramfs (scripts/make-initramfs.sh) whose /test.sh prints
# what the asserts look at.  Timeouts only guard against hangs; every
# assert is on what the guest prints.
# Usage: tests/boot/busybox.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/busybox
GUEST_SUITE=boot
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
guest_images

HANG=180    # seconds; a guard against a hung guest, not a measurement

# build_initramfs NAME SCRIPT-TEXT: $out/NAME.cpio.gz, built once.
build_initramfs() {
    printf '%s\n' "$2" >"$out/$1.sh"
    if ! "$here/../../scripts/make-initramfs.sh" "$out/$1.cpio.gz" "$out/$1.sh" \
            2>"$out/$1.err"; then
        guest_fail "initramfs-$1" "$(head -1 "$out/$1.err")"
        return 1
    fi
}

info() { echo "INFO $GUEST_SUITE/$1: $2"; }

# What a healthy boot's console and dmesg never show.
check_dmesg() {
    local log=$1
    expect_not_in "$log" 'Oops|Kernel panic|Unable to handle kernel' "oops/panic"
    expect_not_in "$log" 'rcu_sched|rcu_preempt detected|rcu: INFO|self-detected stall|detected stalls' \
        "RCU stall"
    expect_not_in "$log" 'clocksource.*watchdog|Marking clocksource|[Uu]nstable|clocksource.*skew' \
        "clocksource complaint"
    expect_not_in "$log" 'BUG:|WARNING:|soft lockup|hung_task|blocked for more than' \
        "BUG/WARNING"
}

# The script's own output, checked after every boot of the info image.
check_info() {
    local log=$1 cpus=$2
    expect_in "$log" '^Linux .*6\.12.* riscv64' "'uname -a' line with 6.12 and riscv64"
    expect_in "$log" '^DMESG-END$' "DMESG-END (the script did not finish)"
    expect_in "$log" $'^processor\t: 0$' "'processor<TAB>: 0' in /proc/cpuinfo"
    expect_in "$log" $'^isa\t\t: rv64imafdc' "'isa: rv64imafdc' in /proc/cpuinfo"
    expect_count "$log" $'^processor\t: [0-9]+$' "$cpus" "processor lines"
}

info_script='uname -a; cat /proc/cpuinfo; dmesg | grep -i error; echo DMESG-END; dmesg'
reboot_script='echo BOOT-MARK; reboot -f'
have_info=1 have_reboot=1
build_initramfs info "$info_script" || have_info=
build_initramfs reboot "$reboot_script" || have_reboot=

# One hart: the script runs, Linux powers off cleanly, nothing alarming in dmesg.
if [ -n "$have_info" ]; then
    guest_begin linux-busybox
    run_guest "$out/linux.log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/info.cpio.gz" \
        --memory 512M --append "console=ttyS0"
    rc=$?
    info linux-busybox "${GUEST_ELAPSED} s wall clock"
    expect_status $rc 0 "$out/linux.log"
    check_info "$out/linux.log" 1
    expect_in "$out/linux.log" 'reboot: Power down' "'reboot: Power down'"
    check_dmesg "$out/linux.log"
    guest_end

    # The same boot with each execution tier forced (the default is auto):
    # every translated block compiled at its first run, or none at all.
    for tier in jit interp; do
        guest_begin "linux-busybox-$tier"
        run_guest "$out/linux-$tier.log" "$HANG" --kernel "$VM_KERNEL" \
            --initrd "$out/info.cpio.gz" --memory 512M --accel "tier=$tier" \
            --append "console=ttyS0"
        rc=$?
        info "linux-busybox-$tier" "${GUEST_ELAPSED} s wall clock"
        expect_status $rc 0 "$out/linux-$tier.log"
        check_info "$out/linux-$tier.log" 1
        expect_in "$out/linux-$tier.log" 'reboot: Power down' "'reboot: Power down'"
        check_dmesg "$out/linux-$tier.log"
        guest_end
    done

    # Four harts: Linux brings up all of them.
    guest_begin linux-busybox-smp4
    run_guest "$out/smp4.log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/info.cpio.gz" \
        --memory 512M --smp 4 --append "console=ttyS0"
    rc=$?
    info linux-busybox-smp4 "${GUEST_ELAPSED} s wall clock"
    expect_status $rc 0 "$out/smp4.log"
    check_info "$out/smp4.log" 4
    check_dmesg "$out/smp4.log"
    guest_end
fi

# reboot -f restarts the machine: the kernel boots and runs the script again.
if [ -n "$have_reboot" ]; then
    guest_begin linux-reboot
    run_guest_until "$out/reboot.log" "$HANG" '^BOOT-MARK$' 2 --kernel "$VM_KERNEL" \
        --initrd "$out/reboot.cpio.gz" --memory 512M --append "console=ttyS0"
    rc=$?
    info linux-reboot "${GUEST_ELAPSED} s wall clock"
    n=$(grep -c '^BOOT-MARK$' "$out/reboot.log")
    if [ $rc -ne 0 ]; then
        case $rc in
        124) guest_why "timed out after ${HANG}s with $n BOOT-MARK line(s)" ;;
        *) guest_why "vm-cli exited ($rc) after $n BOOT-MARK line(s): $(grep -v '^$' \
            "$out/reboot.log" | tail -1 | cut -c1-160)" ;;
        esac
    fi
    check_dmesg "$out/reboot.log"
    guest_end
fi

# Impossible memory sizes: exit 2, one line on stderr naming --memory.
for m in 0 1T; do
    guest_begin "memory-$m-refused"
    "$GUEST_VM" --arch riscv64 --kernel "$VM_KERNEL" --memory "$m" </dev/null \
        >"$out/mem.out" 2>"$out/mem.err"
    rc=$?
    expect_status $rc 2 "$out/mem.err"
    lines=$(wc -l <"$out/mem.err")
    [ "$lines" -eq 1 ] || guest_why "$lines stderr lines, expected 1"
    expect_in "$out/mem.err" "^vm-cli: --memory: '$m'" "'vm-cli: --memory: '$m'' message"
    guest_end
done

guest_summary
