#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - build and run the bare-metal ISA tests (tests/isa/*.S).
#
#   tests/isa/run.sh VM_CLI BUILD_DIR TIER...   run under vm-cli in each tier
#   tests/isa/run.sh --qemu BUILD_DIR            run under qemu-system-riscv64
#                                                (skips tests marked "# vm-only:")
# Prints "PASS isa/<name> [<tier>]" or "FAIL isa/<name> [<tier>] (exit N)" per run
# and ends with "N passed, M failed"; exits 1 if any run failed.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"

[ $# -ge 2 ] || tl_die "usage: $0 VM_CLI BUILD_DIR TIER... | $0 --qemu BUILD_DIR"
if [ "$1" = --qemu ]; then
    MODE=qemu
    BUILD=$2
    TARGETS=(qemu)
else
    MODE=vm
    VM_CLI=$1
    BUILD=$2
    shift 2
    [ $# -ge 1 ] || set -- interp
    TARGETS=()
    for tier in "$@"; do TARGETS+=("$VM_CLI:$tier"); done
fi

OUT=$BUILD/isa
mkdir -p "$OUT"
RT=$HERE/runtime
CFLAGS="-nostdlib -static -fno-pic -Wl,--build-id=none -march=rv64gc_zba_zbb_zbs -mabi=lp64d -mcmodel=medany -I$RT -T $RT/link.ld"

build() {
    local src=$1 elf=$2
    if tl_need_rebuild "$elf" "$src" "$RT/crt.S" "$RT/test.h" "$RT/link.ld"; then
        # shellcheck disable=SC2086
        "${TL_CROSS}gcc" $CFLAGS -o "$elf.tmp" "$RT/crt.S" "$src" && mv "$elf.tmp" "$elf"
    fi
}

for src in "$HERE"/*.S; do
    name=$(basename "$src" .S)
    elf=$OUT/$name.elf
    if ! build "$src" "$elf" 2>"$OUT/$name.build.log"; then
        for t in "${TARGETS[@]}"; do tl_fail "isa/$name" "${t##*:}" "build error"; done
        sed 's/^/    /' "$OUT/$name.build.log" | head -n 10
        continue
    fi
    if [ "$MODE" = qemu ] && head -n 1 "$src" | grep -q '^# *vm-only:'; then
        echo "SKIP isa/$name [qemu] ($(head -n 1 "$src" | sed 's/^# *vm-only: *//'))"
        continue
    fi
    for t in "${TARGETS[@]}"; do
        tier=${t##*:}
        log=$OUT/$name.$tier.log
        rc=0
        tl_run_bare "$t" "$elf" "$log" || rc=$?
        if [ "$rc" -eq 0 ]; then
            tl_pass "isa/$name" "$tier"
        else
            tl_fail "isa/$name" "$tier" "exit $rc"
            tail -n 3 "$log" | sed 's/^/    /'
        fi
    done
done
tl_summary
