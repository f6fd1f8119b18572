#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-boot.sh - seconds from start to the Debian installer's first
# screen ("Select a language" on the serial console), vm-cli beside
# qemu-system-riscv64 -M virt in the same run, with the same kernel,
# initrd, memory and OpenSBI firmware.  A second row boots the installer
# disc of scripts/make-installer-iso.sh --cached through the firmware chain
# (OpenSBI -> U-Boot -> GRUB -> Linux, no --kernel; QEMU: -bios
# fw_dynamic.bin -kernel u-boot.bin and the ISO as a read-only virtio
# drive); U-Boot's 2 s countdown and GRUB's 5 s menu are in both times.
# Each boot runs BENCH_BOOT_RUNS times (default 2, vm and QEMU in turn)
# and the best time counts, so a busy moment on the host skews the ratio
# less.  Prints each time and the ratio; never asserts on time.
#   scripts/bench-boot.sh VM_CLI BUILD_DIR
set -eu
VM_CLI=$1
OUT=$2/bench-boot
QEMU=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
LIMIT=${BENCH_BOOT_LIMIT:-900}
mkdir -p "$OUT"
# shellcheck source=/dev/null
. "${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env"

# time_to_screen LOG CMD...: seconds until LOG shows the first screen, or "-".
time_to_screen() {
    local log=$1 start now pid
    shift
    : >"$log"
    start=$(date +%s.%N)
    "$@" </dev/null >"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if grep -q "Select a language" "$log"; then
            now=$(date +%s.%N)
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
            echo "$now - $start" | bc
            return
        fi
        if [ "$(echo "$(date +%s.%N) - $start > $LIMIT" | bc)" = 1 ]; then
            kill "$pid"; wait "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    echo "-"
}

# best A B: the smaller of two times ("-": did not reach the screen).
best() {
    if [ "$1" = - ]; then echo "$2"
    elif [ "$2" = - ] || [ "$(echo "$1 < $2" | bc)" = 1 ]; then echo "$1"
    else echo "$2"
    fi
}

# row NAME VM_S QEMU_S: one line of the table, with the ratio when both ran.
row() {
    local ratio=-
    if [ "$2" != - ] && [ "$3" != - ]; then
        ratio=$(echo "scale=3; $3 / $2" | bc)
    fi
    printf '%-24s %10s %10s %14s\n' "$1" "$2" "$3" "$ratio"
}

RUNS=${BENCH_BOOT_RUNS:-2}
have_qemu=
command -v "$QEMU" >/dev/null && have_qemu=1
vm_s=- qemu_s=-
for _ in $(seq "$RUNS"); do
    vm_s=$(best "$vm_s" "$(time_to_screen "$OUT/vm.log" "$VM_CLI" --arch riscv64 \
        --kernel "$VM_INSTALLER_KERNEL" --initrd "$VM_INSTALLER_INITRD" --memory 1G)")
    if [ -n "$have_qemu" ]; then
        qemu_s=$(best "$qemu_s" "$(time_to_screen "$OUT/qemu.log" "$QEMU" -M virt -m 1G \
            -nographic -bios "$FW" -kernel "$VM_INSTALLER_KERNEL" -initrd "$VM_INSTALLER_INITRD")")
    fi
done
printf '%-24s %10s %10s %14s\n' workload vm_s qemu_s "qemu_s/vm_s"
row installer-first-screen "$vm_s" "$qemu_s"

iso=$("$(dirname "$0")/make-installer-iso.sh" --cached)
vm_s=- qemu_s=-
for _ in $(seq "$RUNS"); do
    vm_s=$(best "$vm_s" "$(time_to_screen "$OUT/vm-iso.log" "$VM_CLI" --arch riscv64 \
        --memory 1G --cdrom "$iso")")
    if [ -n "$have_qemu" ]; then
        qemu_s=$(best "$qemu_s" "$(time_to_screen "$OUT/qemu-iso.log" "$QEMU" -M virt -m 1G \
            -nographic -bios "$FW" -kernel "$VM_UBOOT_SMODE" \
            -drive file="$iso",if=virtio,format=raw,readonly=on)")
    fi
done
row iso-firmware-chain "$vm_s" "$qemu_s"
