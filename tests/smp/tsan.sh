#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tsan.sh - the SMP suite (tests/smp/run.sh) under ThreadSanitizer.
#
#   tests/smp/tsan.sh BUILD_DIR
#
# Copies the emulator's sources from the working tree (every .c and .h
# outside build/ and tests/, configure, Makefile.in) to
# BUILD_DIR/tsan-src, copying only files whose content changed and
# removing ones gone from the tree, so that make there rebuilds only what
# changed; configures it with --enable-tsan (again when configure or
# Makefile.in changed) and builds its vm-cli.  Then runs the SMP tests
# (run.sh) with --smp 2 in tier=interp (compiled code is invisible to
# TSan) under TSAN_OPTIONS=halt_on_error=1 exitcode=66: a data race,
# lock-order inversion or mutex misuse that TSan sees ends the run with
# status 66 and a FAIL line; the report is in that run's log,
# BUILD_DIR/tsan/smp-scale$SMP_SCALE/<test>.interp.smp2.log.
# SMP_SCALE (default 10) divides the tests' iteration counts: TSan makes
# the interpreter several times slower, and the code paths it checks are
# the same after 10^5 iterations as after 10^6.  sb_relaxed is skipped:
# the outcome it requires needs the harts to run at the same instant,
# which TSan's slowdown on a busy host makes too rare to wait for, and sb
# runs the same code.  Prints run.sh's PASS/FAIL/SKIP lines and
# "N passed, M failed".
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
SRC=$BUILD/tsan-src
mkdir -p "$SRC"

# The sources, relative to ROOT, one per line (not configure's output).
sources() {
    (cd "$ROOT" && find . \( -path ./build -o -path ./tests -o -path ./.git \
        -o -path "./${BUILD#"$ROOT"/}" \) -prune -o -type f ! -path ./config-host.h \
        \( -name '*.[ch]' -o -name configure -o -name Makefile.in \) -print | sort)
}

sync_sources() {
    local list f reconf=$1
    list=$(sources)
    while IFS= read -r f; do
        if ! cmp -s "$ROOT/$f" "$SRC/$f"; then
            mkdir -p "$SRC/$(dirname "$f")"
            cp "$ROOT/$f" "$SRC/$f"     # stamped now: newer than its objects
            case $f in ./configure | ./Makefile.in) touch "$reconf" ;; esac
        fi
    done <<<"$list"
    # Files gone from the tree (a removed .c would still be built).
    (cd "$SRC" && find . -path ./build -prune -o -type f \( -name '*.[ch]' \) -print) |
        sort | comm -13 <(echo "$list") - |
        while IFS= read -r f; do
            [ "$f" = ./config-host.h ] || rm -f "$SRC/$f"
        done
}

log=$BUILD/tsan-build.log
reconf=$BUILD/tsan-reconfigure
t0=$(date +%s)
sync_sources "$reconf"
if [ -e "$reconf" ] || [ ! -e "$SRC/Makefile" ]; then
    if ! (cd "$SRC" && ./configure --enable-tsan) >"$log" 2>&1; then
        echo "FAIL smp-tsan/build (configure --enable-tsan failed; see $log)"
        tail -n 10 "$log"
        echo "0 passed, 1 failed"
        exit 1
    fi
    rm -f "$reconf"
fi
if ! make -C "$SRC" -f Makefile -j"$(nproc)" vm-cli >>"$log" 2>&1; then
    echo "FAIL smp-tsan/build (make vm-cli failed; see $log)"
    grep -E 'error|Error' "$log" | head -n 10
    echo "0 passed, 1 failed"
    exit 1
fi
echo "INFO smp-tsan: sources synced and vm-cli built in $(($(date +%s) - t0)) s"

export TSAN_OPTIONS="halt_on_error=1 exitcode=66${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
export SMP_HARTS=2 SMP_SCALE=${SMP_SCALE:-10} SMP_TIMEOUT=${SMP_TIMEOUT:-120} SMP_SKIP=sb_relaxed
exec bash "$HERE/run.sh" "$SRC/vm-cli" "$BUILD/tsan" interp
