# SPDX-License-Identifier: GPL-2.0-or-later
# common.sh - shared helpers for the guest test drivers (tests/isa, tests/diff).
# Source it from bash; it keeps the pass/fail tally and prints the summary line
# "N passed, M failed" that make check collects.

TL_PASSED=0
TL_FAILED=0
TL_TIMEOUT=${TL_TIMEOUT:-20}
TL_CROSS=${TL_CROSS:-riscv64-linux-gnu-}
TL_QEMU_SYSTEM=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
TL_QEMU_USER=${TL_QEMU_USER:-qemu-riscv64}

tl_die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# tl_pass NAME [TIER]
tl_pass() {
    TL_PASSED=$((TL_PASSED + 1))
    echo "PASS $1${2:+ [$2]}"
}

# tl_fail NAME TIER DETAIL
tl_fail() {
    TL_FAILED=$((TL_FAILED + 1))
    echo "FAIL $1${2:+ [$2]}${3:+ ($3)}"
}

# tl_summary: print the tally; return 1 if anything failed.
tl_summary() {
    echo "$TL_PASSED passed, $TL_FAILED failed"
    [ "$TL_FAILED" -eq 0 ]
}

# tl_run_bare TARGET ELF LOG: run a bare-metal ELF to completion under TARGET.
# TARGET is "qemu" (qemu-system-riscv64 -M virt -bios none) or "VM_CLI:TIER".
# Returns the guest's exit status (finisher code); 124 on timeout.
tl_run_bare() {
    local target=$1 elf=$2 log=$3 rc=0
    if [ "$target" = qemu ]; then
        timeout "$TL_TIMEOUT" "$TL_QEMU_SYSTEM" -M virt -bios none -nographic \
            -monitor none -serial stdio -kernel "$elf" </dev/null >"$log" 2>&1 || rc=$?
    else
        local cli=${target%:*} tier=${target##*:}
        timeout "$TL_TIMEOUT" "$cli" --arch riscv64 --bios none --kernel "$elf" \
            --accel "tier=$tier" </dev/null >"$log" 2>&1 || rc=$?
    fi
    return $rc
}

# tl_need_rebuild OUT SRC...: true when OUT is missing or older than any SRC.
tl_need_rebuild() {
    local out=$1 src
    shift
    [ -e "$out" ] || return 0
    for src in "$@"; do
        [ "$src" -nt "$out" ] && return 0
    done
    return 1
}
