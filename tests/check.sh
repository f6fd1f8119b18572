#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make check`: run every suite, print each suite's result and end with
# one line "N passed, N failed".  Usage:
#   tests/check.sh [--only unit] VM_CLI BUILD_DIR "TIERS" UNIT_TEST_BINARIES...
set -u

only=all
if [ "${1:-}" = "--only" ]; then only=$2; shift 2; fi
vm=$1 build=$2 tiers=$3
shift 3

total_pass=0 total_fail=0
# Devices live as long as the process, so a sanitizer build's leak report
# on a unit test's devices is no failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# Guests talk on the serial console here; the display suite starts its own
# Xvfb.  On a desktop, vm-cli would otherwise open windows (--display sdl).
unset DISPLAY WAYLAND_DISPLAY
log=$build/check-logs
mkdir -p "$log"

add() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); }

# Count a suite by its own closing "N passed, M failed" line.
run_suite() {
    name=$1; shift
    out=$log/$name.log
    "$@" >"$out" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL $name: no result line (exit $rc); see $out"
        tail -20 "$out"
        add 0 1
        return
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    grep -E '^FAIL' "$out" | head -20
    echo "suite $name: $p passed, $f failed"
    add "$p" "$f"
}

for t in "$@"; do
    out=$log/$(basename "$t").log
    "$t" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
    p=${p:-0}; f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    if [ "$f" -ne 0 ]; then
        grep -E '^\[  (FAILED|ERROR)' "$out" | head -20
    fi
    echo "suite unit/$(basename "$t"): $p passed, $f failed"
    add "$p" "$f"
done

if [ "$only" = all ]; then
    run_suite isa bash tests/isa/run.sh "$vm" "$build/tests/isa" $tiers
    run_suite smp bash tests/smp/run.sh "$vm" "$build/tests" $tiers
    run_suite smp-tsan bash tests/smp/tsan.sh "$build/tests"
    run_suite diff bash tests/diff/run.sh "$vm" "$build/tests/diff" $tiers
    run_suite diff-traps bash tests/diff/run.sh --traps "$vm" "$build/tests/diff" $tiers
    run_suite cli bash tests/cli/run.sh "$vm" "$build/tests/cli"
    run_suite boot bash tests/boot/run.sh "$vm" "$build/tests/boot"
    run_suite block bash tests/block/run.sh "$(dirname "$vm")/vm-img" "$build/tests/block"
    run_suite locking bash tests/block/locking.sh "$vm" "$build/tests"
    run_suite crash-snapshot bash tests/block/crash-snapshot.sh "$(dirname "$vm")/vm-img" \
        "$build/tests/crash-snapshot"
    run_suite disk bash tests/boot/disk.sh "$vm" "$build/tests/disk"
    run_suite net bash tests/net/run.sh "$vm" "$build/tests/net"
    run_suite crash bash tests/boot/crash.sh "$vm" "$build/tests/crash"
    run_suite gdb bash tests/gdb/run.sh "$vm" "$build/tests/gdb"
    run_suite monitor bash tests/monitor/run.sh "$vm" "$build/tests/monitor"
    run_suite snapshot bash tests/snapshot/run.sh "$vm" "$build/tests/snapshot"
    run_suite snapshot-bitflip bash tests/snapshot/bitflip.sh "$vm" "$build/tests/snapshot-bitflip"
    run_suite snapshot-smp bash tests/snapshot/smp.sh "$vm" "$build/tests/snapshot-smp"
    FUZZ_TARGETS="qcow2 qcow2-write loader virtio-blk virtio-net gdb monitor media backing vmstate" \
        FUZZ_TIME_EACH=4 run_suite fuzz bash tests/fuzz/run.sh "$build/tests/fuzz" 30000
    run_suite install bash tests/install/run.sh "$vm" "$build/tests/install"
    run_suite busybox bash tests/boot/busybox.sh "$vm" "$build/tests/busybox"
    run_suite installer bash tests/boot/installer.sh "$vm" "$build/tests/installer"
    run_suite iso bash tests/boot/iso.sh "$vm" "$build/tests/iso"
    run_suite snapshot-installer bash tests/snapshot/installer.sh "$vm" "$build/tests/snapshot-installer"
    run_suite installer-jit bash tests/boot/installer.sh "$vm" "$build/tests/installer-jit" \
        --accel tier=jit
    run_suite cpubench bash tests/boot/cpubench.sh "$vm" "$build/tests"
    run_suite display bash tests/display/run.sh "$vm" "$build/tests/display"
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
