#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Correctness of the guest CPU benchmark (tests/bench/cpubench.c) at
# 1/64 of its `make bench` size: the static riscv64 program runs from a
# busybox initramfs on Debian's kernel under vm-cli in each tier, and
# every part's checksum must equal the same C program's built for this
# x86-64 host (and, when installed, qemu-riscv64's run of the riscv64
# binary).  No timing: `make bench` measures.
#   tests/boot/cpubench.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/cpubench
GUEST_SUITE=cpubench
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
# shellcheck source=tests/bench/cpubench.sh
. "$here/../bench/cpubench.sh"
guest_images
SCALE=64
mkdir -p "$out"
HANG=600    # seconds; a guard against a hung guest, not a measurement

if ! cpubench_build "$out" "$SCALE" >"$out/build.log" 2>&1; then
    guest_fail build "$(tail -1 "$out/build.log")"
    guest_summary
    exit 1
fi
"$out/cpubench-native" "$SCALE" >"$out/native.log" 2>&1

# expect_sums LOG: every part's checksum in LOG equals the native one.
expect_sums() {
    local p got want
    for p in $CPUBENCH_PARTS; do
        got=$(cpubench_get "$1" "$p" sum)
        want=$(cpubench_get "$out/native.log" "$p" sum)
        [ "$want" != - ] || guest_why "native run printed no $p checksum"
        [ "$got" = "$want" ] || guest_why "$p checksum $got, native $want"
    done
}

if command -v "$TL_QEMU_USER" >/dev/null; then
    guest_begin qemu-user-matches-native
    timeout "$HANG" "$TL_QEMU_USER" "$out/cpubench-rv64" "$SCALE" >"$out/qemu-user.log" 2>&1
    expect_sums "$out/qemu-user.log"
    guest_end
fi

mapfile -t args < <(cpubench_vm_args "$out" "$SCALE")
for tier in auto jit interp; do
    guest_begin "vm-$tier-matches-native"
    run_guest "$out/vm-$tier.log" "$HANG" "${args[@]}" --accel "tier=$tier"
    rc=$?
    expect_status $rc 0 "$out/vm-$tier.log"
    expect_in "$out/vm-$tier.log" '^CPUBENCH-DONE$' "CPUBENCH-DONE (the program did not finish)"
    expect_sums "$out/vm-$tier.log"
    guest_end
done
guest_summary
