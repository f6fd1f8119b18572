#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench.sh - guest CPU throughput of vm-cli against qemu-system-riscv64, side by side.
#
#   scripts/bench.sh VM_CLI BUILD_DIR [TIER]     (TIER defaults to auto, vm-cli's default)
#
# Builds bare-metal workloads whose dynamic instruction count is known by
# construction (loop body size x iterations, no data-dependent control flow),
# runs each under VM_CLI and, when installed, qemu-system-riscv64 -M virt
# -bios none, best of 3 wall-clock runs each, and prints seconds, guest MIPS
# and the vm/qemu speed ratio. Never asserts on time; exits non-zero only if a
# workload fails to build or does not exit through the finisher with status 0.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR [TIER]" >&2; exit 2; }
VM_CLI=$1
BUILD=$2
TIER=${3:-auto}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$BUILD/bench
CC=${TL_CROSS:-riscv64-linux-gnu-}gcc
QEMU=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
ARCH="-march=rv64gc_zba_zbb_zbs -mabi=lp64d -mcmodel=medany -fno-pic"
LDFLAGS="-nostdlib -static -Wl,--build-id=none -T $ROOT/tests/diff/link.ld"
INT_ITERS=${BENCH_INT_ITERS:-200000000}
MIX_ITERS=${BENCH_MIX_ITERS:-500000}
MIX_N=500
mkdir -p "$OUT"

# Common prologue/epilogue: M-mode, FPU on, any trap exits with status 3.
cat >"$OUT/common.h" <<'EOS'
.macro BENCH_START
    .section .text.init, "ax"
    .globl _start
_start:
    la t0, bench_trap
    csrw mtvec, t0
    li t0, (1 << 13)
    csrs mstatus, t0
    csrwi fcsr, 0
.endm
.macro BENCH_END
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
    .align 2
bench_trap:
    li t0, 0x100000
    li t1, 0x33333
    sw t1, 0(t0)
2:  j 2b
.endm
EOS

# Workload 1: integer loop, 18 instructions per iteration on either branch path
# (14 up to beqz, then 2 on each side, then addi + bnez).
cat >"$OUT/int.S" <<EOS
#include "common.h"
    BENCH_START
    .option norvc
    li s0, $INT_ITERS
    la s1, buf
    li a0, 1
    li a1, 0x9e3779b97f4a7c15
    li a2, 0
loop:
    add a2, a2, a0
    xor a3, a2, a1
    slli a4, a3, 13
    srli a5, a3, 7
    xor a3, a4, a5
    andi a6, a2, 0x1f8
    add a6, a6, s1
    ld a7, 0(a6)
    add a7, a7, a3
    sd a7, 0(a6)
    mul t1, a3, a1
    sltu t2, t1, a3
    add a0, a0, t2
    beqz t2, 1f
    addi a0, a0, 1
    j 2f
1:  addi a0, a0, 2
    nop
2:  addi s0, s0, -1
    bnez s0, loop
    BENCH_END
    .section .bss
    .align 6
buf: .space 512
EOS
INT_COUNT=$((INT_ITERS * 18))

# Workload 2: the diff generator's instruction mix (straight-line) in a loop.
python3 "$ROOT/tests/diff/gen.py" 4242 "$MIX_N" --straight >"$OUT/mixbody.S"
MIX_BODY=$(head -n 1 "$OUT/mixbody.S" | sed 's/.*: \([0-9]*\) instructions/\1/')
cat >"$OUT/mix.S" <<EOS
#include "common.h"
    BENCH_START
    .option norvc
    li t0, $MIX_ITERS
    csrw mscratch, t0
    la x27, scratch
    addi x27, x27, 2047
    addi x27, x27, 1
    .globl body_done
body_done:
    csrr x8, mscratch
    addi x8, x8, -1
    csrw mscratch, x8
    beqz x8, done
    mv x8, x27
    j body_start
done:
    BENCH_END
EOS
# per iteration: the body, its closing j, then csrr, addi, csrw, beqz, mv, j = body + 7
MIX_COUNT=$((MIX_ITERS * (MIX_BODY + 7)))

build() {
    # shellcheck disable=SC2086
    "$CC" $ARCH $LDFLAGS -I"$OUT" -o "$OUT/$1.elf" "$OUT/$1.S" ${2:-}
}
build int
"$CC" $ARCH -c "$OUT/mixbody.S" -o "$OUT/mixbody.o"
build mix "$OUT/mixbody.o"

# best_of3 CMD...: prints the best wall time in seconds, or "fail"
best_of3() {
    local best="" i t0 t1 dt
    for i in 1 2 3; do
        t0=$(date +%s.%N)
        if ! "$@" </dev/null >/dev/null 2>&1; then
            echo fail
            return
        fi
        t1=$(date +%s.%N)
        dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
        if [ -z "$best" ] || awk -v d="$dt" -v b="$best" 'BEGIN { exit !(d < b) }'; then best=$dt; fi
    done
    echo "$best"
}

mips() {
    case $2 in fail | -) echo - ;; *) awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s / 1e6 }' ;; esac
}

status=0
printf '%-6s %14s %10s %10s %10s %10s %10s\n' workload instructions vm_s vm_MIPS qemu_s qemu_MIPS vm/qemu
for w in int mix; do
    if [ $w = int ]; then count=$INT_COUNT; else count=$MIX_COUNT; fi
    elf=$OUT/$w.elf
    vs=$(best_of3 "$VM_CLI" --arch riscv64 --bios none --kernel "$elf" --accel "tier=$TIER")
    [ "$vs" = fail ] && status=1
    qs=-
    if command -v "$QEMU" >/dev/null 2>&1; then
        qs=$(best_of3 "$QEMU" -M virt -bios none -nographic -monitor none -serial stdio -kernel "$elf")
        [ "$qs" = fail ] && status=1
    fi
    vm_m=$(mips "$count" "$vs")
    q_m=$(mips "$count" "$qs")
    ratio=-
    if [ "$vm_m" != - ] && [ "$q_m" != - ]; then
        ratio=$(awk -v a="$vm_m" -v b="$q_m" 'BEGIN { printf "%.3f", a / b }')
    fi
    [ "$vs" = fail ] || [ "$vs" = - ] || vs=$(printf '%.3f' "$vs")
    [ "$qs" = fail ] || [ "$qs" = - ] || qs=$(printf '%.3f' "$qs")
    printf '%-6s %14d %10s %10s %10s %10s %10s\n' "$w" "$count" "$vs" "$vm_m" "$qs" "$q_m" "$ratio"
done
# The guest CPU benchmark (C program in a busybox initramfs, vm vs QEMU vs native).
bash "$ROOT/scripts/bench-cpu.sh" "$VM_CLI" "$BUILD" || status=1
# An installed Debian 13 booted to login: (vm 1/2/4 harts, QEMU 10 and the host's QEMU).
bash "$ROOT/scripts/bench-boot-debian.sh" "$VM_CLI" "$BUILD" || status=1
# The same parts as 2 parallel copies in a 2-hart guest: vm thread=multi vs single vs QEMU -smp 2.
bash "$ROOT/scripts/bench-smp.sh" "$VM_CLI" "$BUILD" || status=1
exit $status
