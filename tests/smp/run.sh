#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - build and run the bare-metal SMP tests (tests/smp/*.c).
#
#   tests/smp/run.sh VM_CLI BUILD_DIR TIER...
#
# Builds each test with the runtime in runtime/ into BUILD_DIR/smp (again
# only when a source changed) and runs it under vm-cli with --smp 2 and
# --smp 4 in each tier with --accel tier=TIER,thread=multi (a host thread
# per hart).  The guest exits through the sifive_test finisher: status 0
# is a pass.  Prints "PASS smp/<name> [<tier>,smp=N]" followed by the
# guest's report (outcome counts), or "FAIL smp/<name> [<tier>,smp=N]
# (exit N: <last console line>)", and ends with "N passed, M failed";
# exits 1 if any run failed.
#
# Environment:
#   SMP_THREAD=single   run with thread=single (all harts round-robin on one
#                       host thread) instead, for comparison; sb_relaxed,
#                       which needs harts running in parallel, is skipped
#   SMP_HARTS="2 4"     the --smp values
#   SMP_TIMEOUT=120     seconds per run; a run that hangs fails (exit 124)
#   SMP_SCALE=1         divide the tests' iteration counts by this (tsan.sh);
#                       the ELFs and logs then go to BUILD_DIR/smp-scaleN
#   SMP_SKIP=""         names of tests not to run (SKIP lines)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"

[ $# -ge 2 ] || tl_die "usage: $0 VM_CLI BUILD_DIR TIER..."
VM_CLI=$1
BUILD=$2
shift 2
[ $# -ge 1 ] || set -- interp
THREAD=${SMP_THREAD:-multi}
case $THREAD in
multi | single) ;;
*) tl_die "SMP_THREAD=$THREAD: expected multi or single" ;;
esac
HARTS=${SMP_HARTS:-2 4}
TIMEOUT=${SMP_TIMEOUT:-120}
SCALE=${SMP_SCALE:-1}
case $SCALE in
'' | *[!0-9]* | 0) tl_die "SMP_SCALE=$SCALE: expected a positive integer" ;;
esac

OUT=$BUILD/smp
[ "$SCALE" -eq 1 ] || OUT=$BUILD/smp-scale$SCALE
mkdir -p "$OUT"
RT=$HERE/runtime
CFLAGS="-std=gnu11 -O2 -ffreestanding -fno-builtin -nostdlib -static -fno-pic -Wall -Wextra \
-Wl,--build-id=none -Wl,--no-warn-rwx-segments -march=rv64gc -mabi=lp64d -mcmodel=medany \
-I$RT -T $RT/link.ld -DSMP_SCALE=$SCALE"

build() {
    local src=$1 elf=$2
    if tl_need_rebuild "$elf" "$src" "$RT"/* "$HERE/run.sh"; then
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $CFLAGS -o "$elf.tmp" "$RT/start.S" "$RT/rt.c" "$src" &&
            mv "$elf.tmp" "$elf"
    fi
}

now() { date +%s.%N; }

for src in "$HERE"/*.c; do
    name=$(basename "$src" .c)
    elf=$OUT/$name.elf
    if ! build "$src" "$elf" 2>"$OUT/$name.build.log"; then
        for tier in "$@"; do
            for n in $HARTS; do tl_fail "smp/$name" "$tier,smp=$n" "build error"; done
        done
        sed 's/^/    /' "$OUT/$name.build.log" | head -n 10
        continue
    fi
    for tier in "$@"; do
        for n in $HARTS; do
            if [ "$name" = sb_relaxed ] && [ "$THREAD" != multi ]; then
                echo "SKIP smp/$name [$tier,smp=$n] (needs thread=multi)"
                continue
            fi
            case " ${SMP_SKIP:-} " in
            *" $name "*) echo "SKIP smp/$name [$tier,smp=$n] (SMP_SKIP)"; continue ;;
            esac
            log=$OUT/$name.$tier.smp$n.log
            rc=0
            t0=$(now)
            timeout "$TIMEOUT" "$VM_CLI" --arch riscv64 --smp "$n" --bios none \
                --kernel "$elf" --nographic --accel "tier=$tier,thread=$THREAD" \
                </dev/null >"$log" 2>&1 || rc=$?
            secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
            if [ "$rc" -eq 0 ]; then
                tl_pass "smp/$name" "$tier,smp=$n"
            elif [ "$rc" -eq 124 ]; then
                tl_fail "smp/$name" "$tier,smp=$n" \
                    "exit $rc: timeout after ${TIMEOUT}s: $(tail -n 1 "$log" | tr -d '\r')"
            else
                tl_fail "smp/$name" "$tier,smp=$n" "exit $rc: $(tail -n 1 "$log" | tr -d '\r')"
            fi
            sed 's/^/    /' "$log" | tail -n 8
            echo "    (${secs} s)"
        done
    done
done
tl_summary
