# shellcheck shell=bash disable=SC2034  # GUEST_ELAPSED is read by callers
# SPDX-License-Identifier: GPL-2.0-or-later
# guest.sh - shared helpers for tests that boot a Linux guest (tests/boot).
# Source it from bash after setting GUEST_VM (the vm-cli to run) and
# GUEST_SUITE (the prefix of result lines, e.g. "boot").  It keeps the
# tally of common.sh and prints results as "PASS SUITE/NAME" and
# "FAIL SUITE/NAME: reason".  Assertions are on what the guest prints;
# timeouts only guard against hangs.
#
#   guest_images                 source images.env or fail the suite
#   run_guest LOG TIMEOUT ARGS   run vm-cli, output (CRs removed) in LOG
#   run_guest_until LOG TIMEOUT PATTERN COUNT ARGS
#                                same, stopped once PATTERN has COUNT lines
#   guest_begin NAME; expect_* ...; guest_end
#   guest_summary                "N passed, M failed"; false on failure

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GUEST_VM=${GUEST_VM:-./vm-cli}
GUEST_SUITE=${GUEST_SUITE:-guest}
GUEST_NAME=
GUEST_WHY=
GUEST_ELAPSED=0

guest_pass() {
    TL_PASSED=$((TL_PASSED + 1))
    echo "PASS $GUEST_SUITE/$1"
}

# guest_fail NAME REASON
guest_fail() {
    TL_FAILED=$((TL_FAILED + 1))
    echo "FAIL $GUEST_SUITE/$1: $2"
}

guest_summary() { tl_summary; }

# guest_images: source the images.env that scripts/fetch-guest-images.sh
# writes; without it (or with its files gone), fail the suite with one
# clear line and stop.
guest_images() {
    local env_file=${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env why='' v
    if [ -f "$env_file" ]; then
        # shellcheck source=/dev/null
        . "$env_file"
        for v in VM_KERNEL VM_KERNEL_MODULES VM_BUSYBOX; do
            [ -e "${!v:-}" ] || why="$v='${!v:-}' does not exist"
        done
    else
        why="$env_file missing"
    fi
    if [ -n "$why" ]; then
        guest_fail images "$why: run scripts/fetch-guest-images.sh"
        guest_summary
        exit 1
    fi
}

# run_guest LOG TIMEOUT ARGS...: run vm-cli --arch riscv64 ARGS with no
# stdin, stdout and stderr to LOG (carriage returns removed; the raw
# bytes stay in LOG.raw).  Returns vm-cli's status, 124 on timeout.
# Sets GUEST_ELAPSED to the wall-clock seconds, for information only.
run_guest() {
    local log=$1 limit=$2 rc=0 t0
    shift 2
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$GUEST_VM" --arch riscv64 "$@" \
        </dev/null >"$log.raw" 2>&1 || rc=$?
    GUEST_ELAPSED=$(( $(date +%s) - t0 ))
    tr -d '\r' <"$log.raw" >"$log"
    return $rc
}

# run_guest_until LOG TIMEOUT PATTERN COUNT ARGS...: like run_guest, but
# stop the guest as soon as COUNT lines of its output match the ERE
# PATTERN.  Returns 0 then; otherwise vm-cli's status if it exited first
# (1 if that was 0), 124 on timeout.
run_guest_until() {
    local log=$1 limit=$2 pattern=$3 count=$4 pid rc=124 t0 n
    shift 4
    t0=$(date +%s)
    "$GUEST_VM" --arch riscv64 "$@" </dev/null >"$log.raw" 2>&1 &
    pid=$!
    while :; do
        n=$(tr -d '\r' <"$log.raw" | grep -cE -- "$pattern")
        if [ "$n" -ge "$count" ]; then rc=0; break; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"; rc=$?
            [ "$rc" -ne 0 ] || rc=1
            pid=
            break
        fi
        [ $(( $(date +%s) - t0 )) -lt "$limit" ] || break
        sleep 1
    done
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        sleep 1
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    GUEST_ELAPSED=$(( $(date +%s) - t0 ))
    tr -d '\r' <"$log.raw" >"$log"
    return $rc
}

# A test: guest_begin NAME, then expect_* calls that collect reasons,
# then guest_end, which prints one PASS or FAIL line with the reasons.
guest_begin() { GUEST_NAME=$1; GUEST_WHY=; }

guest_why() { GUEST_WHY="${GUEST_WHY:+$GUEST_WHY; }$1"; }

guest_end() {
    if [ -z "$GUEST_WHY" ]; then guest_pass "$GUEST_NAME"
    else guest_fail "$GUEST_NAME" "$GUEST_WHY"; fi
}

# expect_status GOT WANT LOG: vm-cli's exit status; on a mismatch the
# reason quotes LOG's last line.
expect_status() {
    [ "$1" -eq "$2" ] ||
        guest_why "exit $1, expected $2 ($(grep -v '^$' "$3" | tail -1 | cut -c1-160))"
}

# expect_in LOG PATTERN WHAT: LOG has a line matching the ERE PATTERN.
expect_in() {
    grep -qE -- "$2" "$1" || guest_why "no $3"
}

# expect_not_in LOG PATTERN WHAT: no line of LOG matches the ERE PATTERN;
# the lines that do are printed (each once, at most 20).
expect_not_in() {
    local hits
    hits=$(grep -E -- "$2" "$1" | awk '!s[$0]++' | head -20)
    [ -z "$hits" ] && return 0
    guest_why "$3: $(grep -cE -- "$2" "$1") line(s)"
    # shellcheck disable=SC2001
    sed "s/^/  $GUEST_NAME | /" <<<"$hits"
}

# expect_count LOG PATTERN N WHAT: exactly N lines of LOG match PATTERN.
expect_count() {
    local n
    n=$(grep -cE -- "$2" "$1")
    [ "$n" -eq "$3" ] || guest_why "$n $4, expected $3"
}

# expect_at_least LOG PATTERN N WHAT: N or more lines match PATTERN.
expect_at_least() {
    local n
    n=$(grep -cE -- "$2" "$1")
    [ "$n" -ge "$3" ] || guest_why "$n $4, expected at least $3"
}
