#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-disk.sh - guest disk throughput of vm-cli beside qemu-system-riscv64
# -M virt in the same run: the same kernel, busybox initramfs, memory and
# a fresh raw or qcow2 image (default qcow2 options) on virtio-blk (mmio).
#
#   scripts/bench-disk.sh VM_CLI BUILD_DIR
#
# The guest times each workload itself from /proc/uptime (10 ms ticks),
# so boot time is excluded:
#   seq-write   dd if=/dev/zero bs=1M count=MIB conv=fsync      MiB/s
#   seq-read    dd bs=1M count=MIB iflag=direct (no page cache),
#               PASSES times over the same area                  MiB/s
#   rand-read   IOS dd calls, 4 KiB, iflag=direct, skip from a fixed
#               pseudo-random list inside the written area       IOPS
#   rand-write  the same with oflag=direct,conv=fsync            IOPS
# The random workloads start one busybox dd per I/O, so guest process
# creation (CPU emulation) weighs in as much as the disk path.  Prints
# one table (vm, qemu, vm/qemu: above 1 means vm is faster); never
# asserts on numbers.  BENCH_DISK_MIB (64), BENCH_DISK_IOS (300) and
# BENCH_DISK_READ_PASSES (8) change the sizes.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
VM_CLI=$1
OUT=$2/bench-disk
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QEMU=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
MIB=${BENCH_DISK_MIB:-64}
IOS=${BENCH_DISK_IOS:-300}
PASSES=${BENCH_DISK_READ_PASSES:-8}   # seq-read is fast: read the area this many times
LIMIT=${BENCH_DISK_LIMIT:-900}     # guard against a hung guest
mkdir -p "$OUT"
# shellcheck source=/dev/null
. "${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env"

# 4 KiB block numbers inside the first MIB MiB, from a fixed LCG.
offsets=$(awk -v n="$IOS" -v blocks=$((MIB * 256)) 'BEGIN {
    x = 12345; for (i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%d ", x % blocks } }')

cat >"$OUT/bench.sh" <<EOS
modprobe virtio_mmio; modprobe virtio_blk
[ -b /dev/vda ] || { echo NO-DISK; exit 1; }
up() { cut -d' ' -f1 /proc/uptime; }
t0=\$(up); dd if=/dev/zero of=/dev/vda bs=1048576 count=$MIB conv=fsync 2>/dev/null || echo FAILED seq-write
echo "RESULT seq-write \$t0 \$(up)"
sync; echo 3 >/proc/sys/vm/drop_caches
t0=\$(up)
for p in $(seq -s ' ' "$PASSES"); do
    dd if=/dev/vda of=/dev/null bs=1048576 count=$MIB iflag=direct 2>/dev/null || echo FAILED seq-read
done
echo "RESULT seq-read \$t0 \$(up)"
t0=\$(up)
for o in $offsets; do dd if=/dev/vda of=/dev/null bs=4096 count=1 skip=\$o iflag=direct 2>/dev/null || echo FAILED rand-read; done
echo "RESULT rand-read \$t0 \$(up)"
t0=\$(up)
for o in $offsets; do dd if=/dev/zero of=/dev/vda bs=4096 count=1 seek=\$o oflag=direct conv=fsync 2>/dev/null || echo FAILED rand-write; done
echo "RESULT rand-write \$t0 \$(up)"
echo BENCH-DONE
EOS
"$ROOT/scripts/make-initramfs.sh" "$OUT/bench.cpio.gz" "$OUT/bench.sh"

# run ENGINE FORMAT: boot the guest, leave its RESULT lines in a log.
run() {
    local engine=$1 fmt=$2 img=$OUT/disk-$1.$2 log=$OUT/$1-$2.log
    rm -f "$img"
    qemu-img create -q -f "$fmt" "$img" $((MIB * 2))M
    if [ "$engine" = vm ]; then
        timeout "$LIMIT" "$VM_CLI" --arch riscv64 --kernel "$VM_KERNEL" --initrd "$OUT/bench.cpio.gz" \
            --memory 512M --append "console=ttyS0 quiet" --drive file="$img",format="$fmt" \
            </dev/null >"$log" 2>&1 || true
    else
        timeout "$LIMIT" "$QEMU" -M virt -bios "$FW" -m 512M -nographic -kernel "$VM_KERNEL" \
            -initrd "$OUT/bench.cpio.gz" -append "console=ttyS0 quiet" \
            -drive file="$img",format="$fmt",if=none,id=d0 -device virtio-blk-device,drive=d0 \
            </dev/null >"$log" 2>&1 || true
    fi
    rm -f "$img"
}

# value ENGINE FORMAT WORKLOAD: MiB/s or IOPS from the guest's RESULT line, or "-".
value() {
    local log=$OUT/$1-$2.log
    [ -f "$log" ] || { echo -; return; }
    tr -d '\r' <"$log" | awk -v w="$3" -v mib="$MIB" -v ios="$IOS" -v passes="$PASSES" '
        $1 == "FAILED" && $2 == w { failed = 1 }
        $1 == "RESULT" && $2 == w { dt = $4 - $3; found = 1 }
        END {
            if (!found || failed) { print "-"; exit }
            if (dt <= 0) dt = 0.01             # below one /proc/uptime tick
            n = (w == "seq-write") ? mib : (w == "seq-read") ? mib * passes : ios
            printf "%.1f\n", n / dt
        }'
}

have_qemu=false
command -v "$QEMU" >/dev/null 2>&1 && have_qemu=true
for fmt in raw qcow2; do
    run vm "$fmt"
    if $have_qemu; then run qemu "$fmt"; fi
done

printf '%-18s %-6s %10s %10s %8s\n' workload unit vm qemu vm/qemu
for fmt in raw qcow2; do
    for w in seq-write seq-read rand-read rand-write; do
        case $w in seq-*) unit=MiB/s ;; *) unit=IOPS ;; esac
        v=$(value vm "$fmt" "$w")
        q=-
        if $have_qemu; then q=$(value qemu "$fmt" "$w"); fi
        ratio=-
        if [ "$v" != - ] && [ "$q" != - ]; then
            ratio=$(awk -v a="$v" -v b="$q" 'BEGIN { printf "%.2f", a / b }')
        fi
        printf '%-18s %-6s %10s %10s %8s\n' "$fmt/$w" "$unit" "$v" "$q" "$ratio"
    done
done
