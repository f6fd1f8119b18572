#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-install.sh - `make bench-install`: the same preseeded Debian install
# under vm-cli and under qemu-system-riscv64, one after the other, timed
# from start to the installer's power-off, and the ratio.
#
# `vm-cli install-debian --prepare-only` fetches and checks the installer
# and writes the preseeded initrd once; both emulators then boot that
# kernel and initrd with the same command line, memory, hart count, a fresh
# 12 GiB qcow2 each and user-mode networking (QEMU: -M virt with its
# default OpenSBI, virtio-blk and virtio-net over virtio-mmio, as vm's
# board has them).  An install that does not end in the guest's power-off
# (exit status 0) is reported and gets no figure.
#
# Usage: scripts/bench-install.sh VM_CLI [extra install-debian options]
# Environment: BENCH_INSTALL_DIR (default /var/tmp/vm-bench-install), MEMORY (2G), SMP (1).
set -u
vm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
work=${BENCH_INSTALL_DIR:-/var/tmp/vm-bench-install}
mem=${MEMORY:-2G}
smp=${SMP:-1}
qemu=qemu-system-riscv64
vmimg=$(dirname "$vm")/vm-img

command -v "$qemu" >/dev/null || { echo "bench-install: $qemu not found; run scripts/install-deps.sh"; exit 2; }
rm -rf "$work"
mkdir -p "$work"
printf 'bench-install password\n' >"$work/pw"
"$vm" install-debian --prepare-only --password-file "$work/pw" "$@" >"$work/prepared" || exit 2
kernel=$(awk '$1 == "kernel" { print $2 }' "$work/prepared")
initrd=$(awk '$1 == "initrd" { print $2 }' "$work/prepared")
append=$(sed -n 's/^append //p' "$work/prepared")

# run NAME CMD...: time CMD to its exit; prints seconds, or "-" when it did not power off.
run() {
    local name=$1 t0 t1 rc
    shift
    t0=$(date +%s.%N)
    "$@" </dev/null >"$work/$name.out" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" -eq 0 ] && grep -qa "Finishing the installation" "$work/$name.console"; then
        echo "$t1 - $t0" | bc
    else
        echo "bench-install: $name: exit $rc without finishing (see $work/$name.console)" >&2
        echo -
    fi
}

"$vmimg" create -f qcow2 "$work/vm.qcow2" 12G >/dev/null
qemu-img create -q -f qcow2 "$work/qemu.qcow2" 12G
t_vm=$(run vm "$vm" --arch riscv64 --kernel "$kernel" --initrd "$initrd" --append "$append" \
    --memory "$mem" --smp "$smp" --drive "file=$work/vm.qcow2,format=qcow2" --netdev user \
    --display none --serial "file:$work/vm.console")
t_qemu=$(run qemu "$qemu" -M virt -m "$mem" -smp "$smp" -display none -monitor none \
    -serial "file:$work/qemu.console" -kernel "$kernel" -initrd "$initrd" -append "$append" \
    -drive "file=$work/qemu.qcow2,if=none,format=qcow2,id=hd0" -device virtio-blk-device,drive=hd0 \
    -netdev user,id=n0 -device virtio-net-device,netdev=n0)
printf '%-44s %10s %10s %8s\n' "workload" "vm" "QEMU" "ratio"
if [ "$t_vm" != - ] && [ "$t_qemu" != - ]; then
    printf '%-44s %9.0fs %9.0fs %7.2fx\n' "preseeded Debian install to power-off" "$t_vm" \
        "$t_qemu" "$(echo "$t_vm / $t_qemu" | bc -l)"
else
    printf '%-44s %10s %10s %8s\n' "preseeded Debian install to power-off" "$t_vm" "$t_qemu" "-"
    exit 1
fi
