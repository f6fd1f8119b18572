# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cpubench.sh - build and run tests/bench/cpubench.c, shared by
# scripts/bench-cpu.sh (timing, `make bench`) and tests/boot/cpubench.sh
# (checksums only, `make check`).  Source it from bash.
#
#   cpubench_build OUT SCALE     OUT/cpubench-rv64 (static riscv64),
#                                OUT/cpubench-native (x86-64) and
#                                OUT/cpubench-SCALE.cpio.gz, a busybox
#                                initramfs running "/cpubench SCALE"
#   cpubench_vm_args OUT SCALE   vm-cli arguments that boot it (one a line)
#   cpubench_qemu_args OUT SCALE qemu-system-riscv64 arguments, same guest
#   cpubench_get LOG PART FIELD  FIELD (ns or sum) of PART in LOG, or "-"
#
# Both builds use -O2 -ffp-contract=off, so the checksums match across
# hosts (see cpubench.c).  Needs VM_KERNEL (images.env).

CPUBENCH_PARTS="crc32 hash sort memstr interp nbody"
CPUBENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cpubench.c
CPUBENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CPUBENCH_FW=${CPUBENCH_FW:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}

cpubench_build() {
    local out=$1 scale=$2 cross=${TL_CROSS:-riscv64-linux-gnu-}
    mkdir -p "$out" || return 1
    if [ ! "$out/cpubench-rv64" -nt "$CPUBENCH_SRC" ]; then
        "${cross}gcc" -O2 -ffp-contract=off -static -o "$out/cpubench-rv64" \
            "$CPUBENCH_SRC" -lm || return 1
    fi
    if [ ! "$out/cpubench-native" -nt "$CPUBENCH_SRC" ]; then
        "${CC:-cc}" -O2 -ffp-contract=off -o "$out/cpubench-native" "$CPUBENCH_SRC" -lm ||
            return 1
    fi
    printf '/cpubench %s\necho CPUBENCH-DONE\n' "$scale" >"$out/cpubench-$scale.sh"
    "$CPUBENCH_ROOT/scripts/make-initramfs.sh" "$out/cpubench-$scale.cpio.gz" \
        "$out/cpubench-$scale.sh" --modules none --add "$out/cpubench-rv64:/cpubench"
}

cpubench_vm_args() {
    printf '%s\n' --kernel "$VM_KERNEL" --initrd "$1/cpubench-$2.cpio.gz" --memory 512M \
        --append "console=ttyS0 quiet"
}

cpubench_qemu_args() {
    printf '%s\n' -M virt -m 512M -nographic -bios "$CPUBENCH_FW" -kernel "$VM_KERNEL" \
        -initrd "$1/cpubench-$2.cpio.gz" -append "console=ttyS0 quiet"
}

cpubench_get() {
    local v
    v=$(tr -d '\r' <"$1" | sed -n "s/^cpubench $2 .*$3=\([0-9a-f]*\).*/\1/p" | tail -1)
    echo "${v:--}"
}
