#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-cpu.sh - the guest CPU benchmark (tests/bench/cpubench.c: CRC32,
# hashing, sorting 64-bit keys, memcpy/strlen, a bytecode interpreter,
# n-body) from a busybox initramfs on Debian's kernel, under vm-cli and
# under qemu-system-riscv64 -M virt (same kernel, initramfs, memory and
# OpenSBI) in one run, and natively on this x86-64 host.  Each part is
# timed inside the program (clock_gettime); prints per part the seconds,
# vm's throughput relative to QEMU (qemu_s / vm_s) and vm's time relative
# to native, the geometric means, and whether the three checksums agree.
# Each program runs BENCH_CPU_RUNS times (default 3, alternating), and each
# part's best time counts, so a busy host skews the ratios less.
# Never asserts on time; exits non-zero when a run fails or a checksum
# differs.
#   scripts/bench-cpu.sh VM_CLI BUILD_DIR [SCALE]   (SCALE 1: full size)
set -u
[ $# -ge 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR [SCALE]" >&2; exit 2; }
VM_CLI=$1
OUT=$2/cpubench
SCALE=${3:-1}
QEMU=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
LIMIT=${BENCH_CPU_LIMIT:-900}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/cpubench.sh
. "$ROOT/tests/bench/cpubench.sh"
# shellcheck source=/dev/null
. "${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env"

cpubench_build "$OUT" "$SCALE" || { echo "bench-cpu: build failed" >&2; exit 1; }
status=0
runs=${BENCH_CPU_RUNS:-3}
mapfile -t vm_args < <(cpubench_vm_args "$OUT" "$SCALE")
have_qemu=
if command -v "$QEMU" >/dev/null; then
    have_qemu=1
    mapfile -t q_args < <(cpubench_qemu_args "$OUT" "$SCALE")
fi
for r in $(seq "$runs"); do
    timeout "$LIMIT" "$VM_CLI" --arch riscv64 "${vm_args[@]}" </dev/null >"$OUT/vm.$r.log" 2>&1 ||
        status=1
    if [ -n "$have_qemu" ]; then
        timeout "$LIMIT" "$QEMU" "${q_args[@]}" </dev/null >"$OUT/qemu.$r.log" 2>&1 || status=1
    fi
    "$OUT/cpubench-native" "$SCALE" >"$OUT/native.$r.log" 2>&1 || status=1
done

# best WHO PART FIELD: the least ns over the runs, or (FIELD sum) the sum if all runs agree.
best() {
    local r v out=
    for r in $(seq "$runs"); do
        v=$(cpubench_get "$OUT/$1.$r.log" "$2" "$3")
        if [ "$v" = - ]; then
            echo -; return
        elif [ -z "$out" ]; then
            out=$v
        elif [ "$3" = ns ]; then
            [ "$v" -lt "$out" ] && out=$v
        elif [ "$v" != "$out" ]; then
            echo "differs"; return
        fi
    done
    echo "${out:--}"
}

echo "guest CPU benchmark (scale 1/$SCALE), best of $runs runs, seconds measured inside the program:"
printf '%-8s %9s %9s %9s %12s %14s %s\n' part native_s vm_s qemu_s "vm_speed/qemu" \
    "vm_s/native_s" checksums
sec() { [ "$1" = - ] && echo - || awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }
lq=0 ln=0 nq=0 nn=0
for p in $CPUBENCH_PARTS; do
    n_ns=$(best native "$p" ns)
    v_ns=$(best vm "$p" ns)
    q_ns=$(best qemu "$p" ns)
    n_sum=$(best native "$p" sum)
    v_sum=$(best vm "$p" sum)
    q_sum=$(best qemu "$p" sum)
    sums=ok
    if [ "$v_sum" = - ] || [ "$v_sum" != "$n_sum" ] ||
            { [ -n "$have_qemu" ] && [ "$q_sum" != "$n_sum" ]; }; then
        sums="MISMATCH native=$n_sum vm=$v_sum qemu=$q_sum"
        status=1
    fi
    rq=- rn=-
    if [ "$v_ns" != - ] && [ "$q_ns" != - ]; then
        rq=$(awk -v q="$q_ns" -v v="$v_ns" 'BEGIN { printf "%.2f", q / v }')
        lq=$(awk -v l="$lq" -v r="$rq" 'BEGIN { print l + log(r) }'); nq=$((nq + 1))
    fi
    if [ "$v_ns" != - ] && [ "$n_ns" != - ]; then
        rn=$(awk -v n="$n_ns" -v v="$v_ns" 'BEGIN { printf "%.1f", v / n }')
        ln=$(awk -v l="$ln" -v r="$rn" 'BEGIN { print l + log(r) }'); nn=$((nn + 1))
    fi
    printf '%-8s %9s %9s %9s %12s %14s %s\n' "$p" "$(sec "$n_ns")" "$(sec "$v_ns")" \
        "$(sec "$q_ns")" "$rq" "$rn" "$sums"
done
gq=- gn=-
[ $nq -gt 0 ] && gq=$(awk -v l="$lq" -v n=$nq 'BEGIN { printf "%.2f", exp(l / n) }')
[ $nn -gt 0 ] && gn=$(awk -v l="$ln" -v n=$nn 'BEGIN { printf "%.1f", exp(l / n) }')
printf '%-8s %9s %9s %9s %12s %14s\n' geomean "" "" "" "$gq" "$gn"
exit $status
