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
# (default "qcow2"; "qcow2 qcow2-write" adds the read-write target),
# FUZZ_TIME_EACH (seconds: a counted run of a target other than qcow2 and
# qcow2-write stops there even before RUNS; make check sets it).
#
# Targets other than qcow2/qcow2-write are tests/fuzz/fuzz-NAME.c linked
# against BUILD_DIR/libvm-fuzz.a: every emulator source (Makefile.in's
# SUBDIRS) compiled once with the fuzz flags, recompiled when it changes.
# Their seeds come from make-corpus.sh too (BUILD_DIR/seeds/NAME):
#   loader      ELF / Linux Image / raw files (the demo ELF, built images)
#   virtio-blk  virtio-net   rings and descriptor chains in guest RAM
#   gdb         gdb remote protocol packets, fed to the stub's parser
#   monitor     monitor command lines
#   media       disc and disk images (ISO 9660, MBR, qcow2) to probe
#   backing     backing file names for a qcow2 in a temporary directory
#   vmstate     device sections (vmstate_save_all of the fuzz machine)
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 BUILD_DIR [RUNS]" >&2; exit 2; fi
out=$1 runs=${2:-100000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
CLANG=${CLANG:-clang}
mkdir -p "$out/artifacts"
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
# The emulator's configure flags (config.mak is make syntax: NAME := value).
cfg_cflags= cfg_libs=
if [ -f "$root/config.mak" ]; then
    cfg_cflags=$(sed -n 's/^\(SDL\|PNG\|CURL\|GLIB\|SLIRP\)_CFLAGS := //p' "$root/config.mak" | tr '\n' ' ')
    cfg_libs=$(sed -n 's/^\(FDT\|ZLIB\|SLIRP\|READLINE\|LZ4\|SDL\|PNG\|CURL\|GLIB\|CRYPT\)_LIBS := //p;
                      s/^LIBS := //p' "$root/config.mak" | tr '\n' ' ')
fi
fuzz_cflags=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
             -std=gnu11 -D_GNU_SOURCE -I"$root")
# build_libvm: BUILD_DIR/libvm-fuzz.a from every emulator source, 2 compilers at a time.
build_libvm() {
    local dirs="util hw/core hw/riscv hw/char hw/intc hw/misc hw/rtc hw/virtio tcg tcg/x86_64
                cpu/riscv ui block net gdbstub monitor migration hw/display hw/input install"
    local d src obj stale=0 objs=()
    for d in $dirs; do
        for src in "$root/$d"/*.c; do
            obj=$out/obj/$d/$(basename "$src" .c).o
            objs+=("$obj")
            # A header change rebuilds everything (no dependency files here).
            if tl_need_rebuild "$obj" "$src" "$root/config-host.h" || [ "$hdr_stamp" -nt "$obj" ]; then
                mkdir -p "$(dirname "$obj")"
                printf '%s\0%s\0' "$src" "$obj"
                stale=1
            fi
        done
    done >"$out/obj.todo"
    if [ -s "$out/obj.todo" ]; then
        echo "fuzz: compiling the emulator's sources with the fuzz flags" >&2
        # The compiler command line, word-split by sh (no spaces inside paths).
        FUZZ_CC="$CLANG ${fuzz_cflags[*]} -fsanitize=fuzzer-no-link $cfg_cflags"
        export FUZZ_CC
        # shellcheck disable=SC2016
        xargs -0 -n 2 -P "$(nproc 2>/dev/null || echo 2)" sh -c \
            '$FUZZ_CC -c "$0" -o "$1.tmp" >"$1.log" 2>&1 && mv "$1.tmp" "$1" ||
             { cat "$1.log"; exit 255; }' \
            <"$out/obj.todo" >"$out/build-libvm.log" 2>&1 ||
            fail libvm "build: $(grep -m1 -E 'error' "$out/build-libvm.log" || head -1 "$out/build-libvm.log")"
    fi
    if [ "$stale" = 1 ] || [ ! -e "$out/libvm-fuzz.a" ]; then
        rm -f "$out/libvm-fuzz.a"
        ar rcs "$out/libvm-fuzz.a" "${objs[@]}"
    fi
}
hdr_stamp=$out/obj/.headers
srcs=("$root/tests/fuzz/fuzz-qcow2.c" "$root"/block/*.c)
for t in $targets; do
    case $t in
    qcow2) def= ;;
    qcow2-write) def=-DFUZZ_QCOW2_WRITE ;;
    loader|virtio-blk|virtio-net|gdb|monitor|media|backing|vmstate)
        [ -f "$root/tests/fuzz/fuzz-$t.c" ] || fail "$t" "no tests/fuzz/fuzz-$t.c"
        if [ -z "${libvm_done:-}" ]; then
            mkdir -p "$out/obj"
            # Headers newer than the stamp: every object is stale.
            newest=$(find "$root" -path "$root/build" -prune -o -path "$root/tests" -prune -o \
                     -name '*.h' -newer "$hdr_stamp" -print -quit 2>/dev/null)
            if [ ! -e "$hdr_stamp" ] || [ -n "$newest" ]; then
                touch "$hdr_stamp"
                find "$out/obj" -name '*.o' -exec rm -f {} + 2>/dev/null
            fi
            build_libvm
            libvm_done=1
        fi
        bin=$out/fuzz-$t
        if tl_need_rebuild "$bin" "$root"/tests/fuzz/fuzz-*.c "$out/libvm-fuzz.a"; then
            # shellcheck disable=SC2086
            "$CLANG" "${fuzz_cflags[@]}" -fsanitize=fuzzer $cfg_cflags \
                "$root/tests/fuzz/fuzz-$t.c" "$out/libvm-fuzz.a" $cfg_libs -o "$bin.tmp" \
                >"$out/build-$t.log" 2>&1 ||
                fail "$t" "build: $(grep -m1 -E 'error|undefined reference' "$out/build-$t.log" || head -1 "$out/build-$t.log")"
            mv "$bin.tmp" "$bin"
            # Its seeds are records of this build's descriptions: made again for a new build.
            if [ "$t" = vmstate ]; then rm -rf "$out/seeds/vmstate"; fi
        fi
        continue ;;
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

# Seeds: made once per target, then kept (they depend on the tools' versions);
# vmstate's again whenever fuzz-vmstate is rebuilt (above).
seed_dir() { case $1 in qcow2-write) echo "$out/seeds/qcow2" ;; *) echo "$out/seeds/$1" ;; esac; }
for t in $targets; do
    sd=$(seed_dir "$t")
    if [ ! -d "$sd" ] || [ -z "$(ls -A "$sd")" ]; then
        FUZZ_BIN=$out/fuzz-$t bash "$here/make-corpus.sh" "$sd" "${t%-write}" \
            2>"$out/seeds-$t.log" || fail "seeds-$t" "$(tail -1 "$out/seeds-$t.log")"
    fi
done

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
    local cap=()
    # FUZZ_TIME_EACH caps each libvm target's counted run (make check's budget).
    if [ "$runs" -ne 0 ] && [ -n "${FUZZ_TIME_EACH:-}" ] && [ "${t#qcow2}" = "$t" ]; then
        cap=(-max_total_time="$FUZZ_TIME_EACH")
    fi
    (cd "$out" && "$out/fuzz-$t" "${args[@]}" "${cap[@]}" "$out/corpus/$t" "$(seed_dir "$t")") \
        >"$log" 2>&1
    rc=$?
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    # Ctrl-C (exit 72) with nothing found is not a failure.
    if grep -q 'libFuzzer: run interrupted' "$log" && ! grep -qE '^SUMMARY: ' "$log"; then rc=0; fi
    if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: ' "$log"; then
        why=$(grep -m1 -E '^fuzz-[a-z0-9-]+: ' "$log")
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
