#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzz the qcow2 driver (DESIGN.md §8): build tests/fuzz/fuzz-qcow2.c with
# clang's libFuzzer, ASan and UBSan, make the seed corpus with qemu-img,
# run it.  Prints "PASS fuzz/qcow2 (N runs)" or "FAIL fuzz/qcow2: <crash
# summary>" and "N passed, M failed".  A crashing input is kept in
# BUILD_DIR/artifacts/ (reproduce: BUILD_DIR/fuzz-qcow2 FILE).
#
#   tests/fuzz/run.sh BUILD_DIR [RUNS]
#
# RUNS defaults to 100000 (well under a minute); RUNS=0 runs open-ended
# (until a crash or Ctrl-C), or FUZZ_TIME seconds when that is set.  The
# working corpus in BUILD_DIR/corpus/qcow2 grows from run to run.
# Environment: CLANG (default clang), FUZZ_TIME, FUZZ_JOBS (parallel
# fuzzing processes for open-ended runs, default 1), FUZZ_TARGETS
# (default "qcow2"; "qcow2 qcow2-write" adds the read-write target).
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 BUILD_DIR [RUNS]" >&2; exit 2; fi
out=$1 runs=${2:-100000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
CLANG=${CLANG:-clang}
mkdir -p "$out/corpus/qcow2" "$out/artifacts"
out=$(cd "$out" && pwd)

fail() {
    echo "FAIL fuzz/$1: $2"
    TL_FAILED=$((TL_FAILED + 1))
    tl_summary
    exit 1
}

# Targets: qcow2 (read-only open, reads, check) and, with FUZZ_TARGETS,
# qcow2-write (the same file built with -DFUZZ_QCOW2_WRITE: writes too).
targets=${FUZZ_TARGETS:-qcow2}
command -v "$CLANG" >/dev/null ||
    fail build "$CLANG not found (Debian packages clang libclang-rt-14-dev)"
srcs=("$root/tests/fuzz/fuzz-qcow2.c" "$root"/block/*.c)
for t in $targets; do
    case $t in
    qcow2) def= ;;
    qcow2-write) def=-DFUZZ_QCOW2_WRITE ;;
    *) fail "$t" "unknown fuzz target" ;;
    esac
    bin=$out/fuzz-$t
    if tl_need_rebuild "$bin" "${srcs[@]}" "$root"/block/*.h "$root/util/osdep.h"; then
        # shellcheck disable=SC2086
        "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -I"$root" -D_GNU_SOURCE $def "${srcs[@]}" -lz -o "$bin.tmp" >"$out/build-$t.log" 2>&1 ||
            fail "$t" "build: $(grep -m1 -E 'error|cannot find' "$out/build-$t.log" || head -1 "$out/build-$t.log")"
        mv "$bin.tmp" "$bin"
    fi
done

# Seeds: made once, then kept (they depend only on qemu-img's version).
if [ ! -d "$out/seeds/qcow2" ] || [ -z "$(ls -A "$out/seeds/qcow2")" ]; then
    bash "$here/make-corpus.sh" "$out/seeds/qcow2" 2>"$out/seeds.log" ||
        fail seeds "$(tail -1 "$out/seeds.log")"
fi

# qcow2_check reports every inconsistency on stderr: -close_fd_mask=2 drops
# that (sanitizer reports and the target's own findings still come out).
args=(-max_len=65536 -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2
      -print_final_stats=1 -artifact_prefix="$out/artifacts/")
if [ "$runs" -eq 0 ]; then
    [ -n "${FUZZ_TIME:-}" ] && args+=(-max_total_time="$FUZZ_TIME")
    jobs=${FUZZ_JOBS:-1}
    [ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
    label="open-ended"
else
    args+=(-runs="$runs")
    label="$runs runs"
fi
# run_target NAME: one libFuzzer run; PASS or FAIL line.
run_target() {
    local t=$1 log=$out/fuzz-$1.log rc done_runs cov why unit
    mkdir -p "$out/corpus/$t"
    echo "fuzz/$t: $label, log in $log" >&2
    (cd "$out" && "$out/fuzz-$t" "${args[@]}" "$out/corpus/$t" "$out/seeds/qcow2") >"$log" 2>&1
    rc=$?
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    # Ctrl-C (exit 72) with nothing found is not a failure.
    if grep -q 'libFuzzer: run interrupted' "$log" && ! grep -qE '^SUMMARY: ' "$log"; then rc=0; fi
    if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: ' "$log"; then
        why=$(grep -m1 -E '^fuzz-qcow2: ' "$log")
        [ -n "$why" ] || why=$(grep -m1 -E '^SUMMARY: ' "$log")
        [ -n "$why" ] || why=$(grep -m1 -E 'ERROR' "$log")
        [ -n "$why" ] || why="exit $rc"
        unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        echo "FAIL fuzz/$t: $why${unit:+ (input: $unit)}; see $log"
        TL_FAILED=$((TL_FAILED + 1))
        return
    fi
    echo "PASS fuzz/$t (${done_runs:-?} runs${cov:+, $cov})"
    TL_PASSED=$((TL_PASSED + 1))
}
for t in $targets; do run_target "$t"; done
tl_summary
