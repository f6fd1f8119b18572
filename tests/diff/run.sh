#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - differential tests: random bodies from gen.py run bare-metal under the
# system being tested and as a Linux program under qemu-riscv64 (the reference);
# the dumped registers, fcsr and scratch memory must be identical.
#
#   tests/diff/run.sh VM_CLI BUILD_DIR [--seeds A-B] [--n N] [-j J] [TIER...]
#   tests/diff/run.sh --qemu-bare BUILD_DIR [--seeds A-B] [--n N] [-j J]
#       (qemu-system-riscv64 -bios none stands in for vm: validates the harness)
#   tests/diff/run.sh --traps VM_CLI BUILD_DIR [--seeds A-B] [--n N] [-j J] [TIER...]
#       (bodies from gen.py --traps run in S-mode under Sv39 by harness.S built
#       with -DTRAPS, with injected page faults, illegal instructions and
#       misaligned AMOs; each trap is logged (cause, epc, tval, a hash of the
#       register file). tier=interp's log and final state are the reference that
#       every tier named, interp included, must repeat (priv spec 3.1.15-3.1.17,
#       4.3). qemu-riscv64 cannot run these; QEMU 7.2's system emulator reports
#       misaligned AMOs as cause 4 and AMOs to read-only pages as load faults.)
# Defaults: --seeds 1-20 --n 1000 (20,000 instructions, the make check set), -j 2;
# with --traps: --seeds 1-8 --n 200 (the body runs 64 times, so tier=auto compiles it).
# Prints "PASS diff/seed-<s> [<tier>]" or "FAIL diff/seed-<s> [<tier>] (<first
# differing line>)" and ends with "N passed, M failed"; exits 1 on any failure.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
ARCH="-march=rv64gc_zba_zbb_zbs -mabi=lp64d -mcmodel=medany -fno-pic"
LDFLAGS="-nostdlib -static -Wl,--build-id=none -T $HERE/link.ld"

# extract the BEGIN..END block of a console log
extract() {
    sed -n '/^BEGIN\r\{0,1\}$/,/^END\r\{0,1\}$/p' "$1" | tr -d '\r'
}

# --traps: the trap records and the BEGIN..END dump of a console log
records() {
    tr -d '\r' <"$1" | grep -aE '^(BEGIN|END|[A-Za-z][0-9a-f]{3} [0-9a-f]{16})$' || true
}

# --traps: "line N: expected <record> got <record>" for the first difference
first_record_diff() {
    diff "$1" "$2" | awk '
        /^[0-9]/ && !at { at = $1; sub(/[acd,].*/, "", at) }
        /^< / && !e { e = $2 " " $3 } /^> / && !g { g = $2 " " $3 }
        END { printf "line %s: expected %s got %s", at, e ? e : "-", g ? g : "-" }'
}

# --traps: one VM_CLI:TIER BUILD N SEED, the reference being the interp run
one_traps() {
    local target=$1 build=$2 n=$3 seed=$4
    local base=$build/diff-traps/n$n/s$seed tier=${1##*:} rc=0
    if tl_need_rebuild "$base.S" "$HERE/gen.py"; then
        python3 "$HERE/gen.py" "$seed" "$n" --traps >"$base.S.tmp" && mv "$base.S.tmp" "$base.S"
    fi
    if tl_need_rebuild "$base.elf" "$base.S" "$build/diff-traps/harness.o" "$HERE/link.ld"; then
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH -c "$base.S" -o "$base.o"
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH $LDFLAGS "$build/diff-traps/harness.o" "$base.o" -o "$base.elf"
        rm -f "$base.o" "$base.ref"
    fi
    if [ ! -s "$base.ref" ]; then
        tl_run_bare "${target%:*}:interp" "$base.elf" "$base.ref.log" || true
        records "$base.ref.log" >"$base.ref"
    fi
    tl_run_bare "$target" "$base.elf" "$base.$tier.log" || rc=$?
    records "$base.$tier.log" >"$base.$tier.out"
    if ! grep -q '^END$' "$base.ref"; then
        echo "FAIL diff-traps/seed-$seed [$tier] (reference run failed: $base.ref.log)"
    elif [ "$rc" -eq 0 ] && cmp -s "$base.ref" "$base.$tier.out"; then
        echo "PASS diff-traps/seed-$seed [$tier] ($(grep -c '^T' "$base.ref") traps)"
    else
        local why
        why=$(first_record_diff "$base.ref" "$base.$tier.out")
        echo "FAIL diff-traps/seed-$seed [$tier] (exit $rc; $why)"
    fi
}

# first differing line of two dumps, as "x10: expected 0x.. got 0x.."
first_diff() {
    diff "$1" "$2" | awk '
        function hex(s,   i, v) {
            v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        /^< / { if (!e) e = $0; next }
        /^> / { if (!g) g = $0; next }
        END {
            if (!e && !g) { print "identical"; exit }
            split(substr(e, 3), a, " "); split(substr(g, 3), b, " ")
            name = a[1] != "" ? a[1] : b[1]
            k = substr(name, 1, 1); i = hex(substr(name, 2))
            if (k == "x") name = "x" i; else if (k == "f") name = "f" i
            else if (k == "c") name = "fcsr"; else if (k == "m") name = sprintf("mem+0x%x", i * 8)
            printf "%s: expected %s got %s\n", name, (a[2] != "") ? "0x" a[2] : "-", (b[2] != "") ? "0x" b[2] : "-"
        }'
}

# one TARGET BUILD N SEED: build (if needed), run reference and target, print the result line
one() {
    local target=$1 build=$2 n=$3 seed=$4
    local d=$build/diff/n$n tier rc=0
    local base=$d/s$seed
    tier=${target##*:}
    [ "$target" = qemu ] && tier=qemu-bare
    if tl_need_rebuild "$base.S" "$HERE/gen.py"; then
        python3 "$HERE/gen.py" "$seed" "$n" >"$base.S.tmp" && mv "$base.S.tmp" "$base.S"
    fi
    if tl_need_rebuild "$base.user.elf" "$base.S" "$build/diff/harness-user.o" "$HERE/link.ld"; then
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH -c "$base.S" -o "$base.o"
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH $LDFLAGS "$build/diff/harness-user.o" "$base.o" -o "$base.user.elf"
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH $LDFLAGS "$build/diff/harness-bare.o" "$base.o" -o "$base.bare.elf"
        rm -f "$base.o" "$base.ref"
    fi
    if [ ! -s "$base.ref" ]; then
        timeout "$TL_TIMEOUT" "$TL_QEMU_USER" "$base.user.elf" >"$base.ref.log" 2>&1 || true
        extract "$base.ref.log" >"$base.ref"
    fi
    tl_run_bare "$target" "$base.bare.elf" "$base.$tier.log" || rc=$?
    extract "$base.$tier.log" >"$base.$tier.out"
    if ! grep -q '^END$' "$base.ref"; then
        echo "FAIL diff/seed-$seed [$tier] (reference run failed: $base.ref.log)"
    elif [ "$rc" -eq 0 ] && cmp -s "$base.ref" "$base.$tier.out"; then
        echo "PASS diff/seed-$seed [$tier]"
    else
        local why
        why=$(grep -a '^T' "$base.$tier.log" | head -n 1 | awk '{ print "trap mcause=0x" substr($1, 2) " mepc=0x" $2 }')
        [ -n "$why" ] || why=$(first_diff "$base.ref" "$base.$tier.out")
        echo "FAIL diff/seed-$seed [$tier] (exit $rc; $why)"
    fi
}

if [ "${1:-}" = --one ]; then
    shift
    one "$@"
    exit 0
fi
if [ "${1:-}" = --one-traps ]; then
    shift
    one_traps "$@"
    exit 0
fi
TRAPS=0
if [ "${1:-}" = --traps ]; then
    TRAPS=1
    shift
fi

[ $# -ge 2 ] ||
    tl_die "usage: $0 [--traps] VM_CLI|--qemu-bare BUILD_DIR [--seeds A-B] [--n N] [-j J] [TIER...]"
CLI=$1
BUILD=$2
shift 2
SEEDS=1-20
N=1000
if [ $TRAPS = 1 ]; then
    SEEDS=1-8
    N=200
fi
JOBS=2
TIERS=()
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) SEEDS=$2; shift 2 ;;
        --n) N=$2; shift 2 ;;
        -j) JOBS=$2; shift 2 ;;
        *) TIERS+=("$1"); shift ;;
    esac
done
FIRST=${SEEDS%-*}
LAST=${SEEDS#*-}
if [ "$CLI" = --qemu-bare ]; then
    TARGETS=(qemu)
else
    [ ${#TIERS[@]} -gt 0 ] || TIERS=(interp)
    TARGETS=()
    for t in "${TIERS[@]}"; do TARGETS+=("$CLI:$t"); done
fi

ONE=--one
if [ $TRAPS = 1 ]; then
    [ "$CLI" != --qemu-bare ] || tl_die "--traps needs vm-cli (the reference is tier=interp)"
    ONE=--one-traps
    mkdir -p "$BUILD/diff-traps/n$N"
    o=$BUILD/diff-traps/harness.o
    if tl_need_rebuild "$o" "$HERE/harness.S"; then
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH -DTRAPS -c "$HERE/harness.S" -o "$o"
    fi
fi
mkdir -p "$BUILD/diff/n$N"
[ $TRAPS = 1 ] || for v in user bare; do
    o=$BUILD/diff/harness-$v.o
    if tl_need_rebuild "$o" "$HERE/harness.S"; then
        def=""
        [ $v = user ] && def=-DUSER
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $ARCH $def -c "$HERE/harness.S" -o "$o"
    fi
done

RESULTS=$BUILD/diff/results.$$
: >"$RESULTS"
for target in "${TARGETS[@]}"; do
    seq "$FIRST" "$LAST" |
        xargs -P "$JOBS" -I{} bash "$0" "$ONE" "$target" "$BUILD" "$N" {} |
        tee -a "$RESULTS"
done
TL_PASSED=$(grep -c '^PASS' "$RESULTS" || true)
TL_FAILED=$(grep -c '^FAIL' "$RESULTS" || true)
rm -f "$RESULTS"
echo "compared $((TL_PASSED * N)) instructions in passing runs (seeds $SEEDS, n $N)"
tl_summary
