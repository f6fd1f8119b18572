#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Command-line behaviour of vm-cli (DESIGN.md §2): bad options, values
# and files give one line on stderr naming what was wrong and exit
# status 2; good ones run.  Usage: tests/cli/run.sh VM_CLI BUILD_DIR
set -u
vm=$1 out=$2
mkdir -p "$out"
pass=0 fail=0

ok() { echo "PASS cli/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL cli/$1: $2"; fail=$((fail + 1)); }

# expect_error NAME PATTERN ARGS...: exit 2, exactly one stderr line matching PATTERN.
expect_error() {
    name=$1 pattern=$2; shift 2
    "$vm" "$@" >"$out/stdout" 2>"$out/stderr" </dev/null
    rc=$?
    lines=$(wc -l <"$out/stderr")
    if [ "$rc" -ne 2 ]; then
        bad "$name" "exit $rc, expected 2 ($(head -1 "$out/stderr"))"
    elif [ "$lines" -ne 1 ]; then
        bad "$name" "$lines stderr lines, expected 1"
    elif ! grep -q -- "$pattern" "$out/stderr"; then
        bad "$name" "stderr '$(cat "$out/stderr")' lacks '$pattern'"
    else
        ok "$name"
    fi
}

# Fixtures: a good bare-metal ELF and broken variants of it.
sh pc-bios/demo/build.sh "$out" || { echo "0 passed, 1 failed"; exit 1; }
elf=$out/hello.elf
head -c 40 "$elf" >"$out/truncated-header.elf"
head -c 200 "$elf" >"$out/truncated-segment.elf"
cp "$elf" "$out/wrong-machine.elf"
printf '\076\000' | dd of="$out/wrong-machine.elf" bs=1 seek=18 conv=notrunc 2>/dev/null
riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,-N \
    -Wl,--no-warn-rwx-segments -Wl,-Ttext=0x80fffff0 -o "$out/past-ram.elf" \
    pc-bios/demo/hello.S
cp "$elf" "$out/before.elf"

expect_error no-arch "--arch: required" --kernel "$elf" --bios none
expect_error bad-arch "supported: riscv64" --arch arm64 --kernel "$elf"
expect_error unknown-option "--frobnicate: unknown option" --arch riscv64 --frobnicate
expect_error memory-not-a-size "--memory: 'lots' is not a size" --arch riscv64 \
    --kernel "$elf" --memory lots
expect_error memory-too-big "exceeds the host's" --arch riscv64 --kernel "$elf" --memory 64T
expect_error memory-too-small "minimum" --arch riscv64 --kernel "$elf" -m 1M
expect_error smp-zero "--smp: '0'" --arch riscv64 --kernel "$elf" -smp 0
expect_error netdev-unknown-backend "--netdev: 'tap' is not a backend type" --arch riscv64 \
    --kernel "$elf" --netdev tap
expect_error drive-missing-file "--drive: /nonexistent.qcow2: No such file" --arch riscv64 \
    --kernel "$elf" -drive file=/nonexistent.qcow2
expect_error drive-bad-format "--drive: format 'vmdk' is not qcow2 or raw" --arch riscv64 \
    --kernel "$elf" --drive file="$elf",format=vmdk
expect_error drive-bad-param "--drive: unknown parameter 'cache'" --arch riscv64 \
    --kernel "$elf" --drive file="$elf",cache=none
expect_error drive-no-file "--drive: file=PATH is required" --arch riscv64 \
    --kernel "$elf" --drive format=raw
expect_error cdrom-not-a-disc "--cdrom: $elf: neither an ISO 9660 image" --arch riscv64 \
    --cdrom "$elf"
expect_error cdrom-directory "--cdrom: $out: not a regular file" --arch riscv64 --cdrom "$out"
expect_error boot-bad-menu "--boot: unknown parameter 'menu=maybe'" --arch riscv64 \
    --boot menu=maybe
expect_error boot-no-menu "--boot: menu=on or menu=off is required" --arch riscv64 \
    --boot splash-time=100
expect_error boot-bad-splash "--boot: splash-time 'soon'" --arch riscv64 --boot menu=on,splash-time=soon
expect_error accel-bad "--accel: 'tier=fast'" --arch riscv64 --kernel "$elf" --accel tier=fast
expect_error trace-bad "--trace: unknown trace 'bogus'" --arch riscv64 --kernel "$elf" -d bogus
expect_error kernel-missing "--kernel: /nonexistent" --arch riscv64 --kernel /nonexistent
expect_error elf-truncated-header "truncated ELF header" --arch riscv64 --bios none \
    --kernel "$out/truncated-header.elf"
expect_error elf-truncated-segment "past the end of the file" --arch riscv64 --bios none \
    --kernel "$out/truncated-segment.elf"
expect_error elf-wrong-machine "ELF machine 62, expected 243" --arch riscv64 --bios none \
    --kernel "$out/wrong-machine.elf"
expect_error elf-past-ram-end "is not inside RAM" --arch riscv64 --bios none -m 16M \
    --kernel "$out/past-ram.elf"
# Images whose headers name sizes the file, RAM or other images cannot
# hold (issue 22).  put OFFSET PRINTF-BYTES FILE: overwrite bytes in place.
put() { printf "$2" | dd of="$3" bs=1 seek=$(($1)) conv=notrunc 2>/dev/null; }
# A 3 GiB sparse ELF whose LOAD segment (program header 1) claims 2.75 GiB:
# refused from the headers alone, without reading the file.
cp "$elf" "$out/huge.elf"
put 152 '\000\000\000\260\000\000\000\000' "$out/huge.elf"     # p_filesz
put 160 '\000\000\000\260\000\000\000\000' "$out/huge.elf"     # p_memsz
truncate -s 3G "$out/huge.elf"
expect_error elf-huge-sparse "segment 1: guest-physical 0x80000000-0x12fffffff is not inside RAM" \
    --arch riscv64 --bios none -m 128M --kernel "$out/huge.elf"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$out/huge.time" "$vm" --arch riscv64 --bios none -m 128M \
        --kernel "$out/huge.elf" >/dev/null 2>&1
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/huge.time")
    if [ -n "$rss" ] && [ "$rss" -lt 100000 ]; then ok elf-huge-sparse-not-read; else
        bad elf-huge-sparse-not-read "peak RSS ${rss:-unknown} KiB"; fi
fi
rm -f "$out/huge.elf"
# The demo is linked at 0x8000_0000, where OpenSBI is: refused, naming both.
expect_error elf-overlaps-firmware \
    "guest-physical 0x80000000-0x8000009f overlaps .*fw_dynamic.bin at 0x80000000-" \
    --arch riscv64 --kernel "$elf"
cp "$elf" "$out/bss.elf"
put 160 '\000\000\000\005\000\000\000\000' "$out/bss.elf"      # 80 MiB p_memsz
echo initrd >"$out/small.initrd"
expect_error initrd-overlaps-kernel \
    "guest-physical 0x84000000-0x84000006 overlaps $out/bss.elf at 0x80000000-0x84ffffff" \
    --arch riscv64 --bios none -m 128M --kernel "$out/bss.elf" --initrd "$out/small.initrd"
cp "$elf" "$out/overlapping-segments.elf"
dd if="$elf" of="$out/overlapping-segments.elf" bs=1 skip=120 seek=64 count=56 conv=notrunc \
    2>/dev/null
expect_error elf-segments-overlap "segments at guest-physical 0x80000000-0x8000009f and " \
    --arch riscv64 --bios none --kernel "$out/overlapping-segments.elf"
# A raw kernel that reaches the device tree's place at the top of a 16 MiB RAM.
head -c $((15 << 20)) /dev/zero >"$out/15M.bin"
expect_error images-reach-device-tree \
    "--memory: the images loaded end at guest-physical 0x80f00000, past the device tree at 0x80" \
    --arch riscv64 --bios none --memory 16M --kernel "$out/15M.bin"
: >"$out/empty"
expect_error kernel-empty "--kernel: $out/empty: the file is empty (0 bytes)" \
    --arch riscv64 --bios none --kernel "$out/empty"
# Linux Image headers (boot-image-header.rst): image_size 2^64-1, and a
# PE/EFI-stub Image whose one section's raw data (0x1000+0x10000) is cut off.
head -c 4096 /dev/zero >"$out/huge-size.Image"
put 16 '\377\377\377\377\377\377\377\377' "$out/huge-size.Image"
put 0x38 'RSC\005' "$out/huge-size.Image"
expect_error image-size-exceeds-ram \
    "image_size 0xffffffffffffffff in the Image header exceeds RAM (128 MiB)" \
    --arch riscv64 --bios none -m 128M --kernel "$out/huge-size.Image"
head -c 8192 /dev/zero >"$out/truncated.Image"
put 0 'MZ' "$out/truncated.Image"
put 16 '\000\000\002' "$out/truncated.Image"
put 0x38 'RSC\005' "$out/truncated.Image"
put 0x3c '\100' "$out/truncated.Image"                 # PE header at 0x40
put 0x40 'PE\000\000' "$out/truncated.Image"
put 0x46 '\001' "$out/truncated.Image"                 # one section, at 0x58
put 0x68 '\000\000\001\000\000\020' "$out/truncated.Image"  # raw 0x10000 bytes at 0x1000
expect_error image-truncated "truncated: its PE sections end at byte 69632 but the file has 8192" \
    --arch riscv64 -m 128M --kernel "$out/truncated.Image"
# Firmware never comes from the current directory: a pc-bios/ there with
# the bare-metal demo as fw_dynamic.bin is ignored and OpenSBI boots.
vm_abs=$(cd "$(dirname "$vm")" && pwd)/$(basename "$vm")
out_abs=$(cd "$out" && pwd)
mkdir -p "$out/cwd/pc-bios"
cp "$elf" "$out/cwd/pc-bios/fw_dynamic.bin"
if riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,-N \
        -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-Ttext=0x80200000 \
        -o "$out/smode-hello.elf" tests/boot/smode-hello.S &&
   (cd "$out/cwd" && timeout 60 "$vm_abs" --arch riscv64 --kernel "$out_abs/smode-hello.elf" \
        </dev/null >"$out_abs/cwd.log" 2>&1) &&
   grep -q "OpenSBI v" "$out/cwd.log" && grep -q "smode-hello: running" "$out/cwd.log" &&
   ! grep -q "Hello from vm" "$out/cwd.log"; then ok firmware-not-from-cwd; else
    bad firmware-not-from-cwd "$(tail -2 "$out/cwd.log")"; fi
if cmp -s "$elf" "$out/before.elf"; then ok kernel-file-untouched; else
    bad kernel-file-untouched "the kernel file changed"; fi

# Good runs: the demo prints and exits 0, through long and QEMU spellings.
if "$vm" --arch riscv64 --bios none --kernel "$elf" >"$out/stdout" 2>&1 &&
   grep -q "Hello from vm" "$out/stdout"; then ok demo-runs; else
    bad demo-runs "$(head -3 "$out/stdout")"; fi
if "$vm" --arch riscv64 -bios none -kernel "$elf" -m 64M -nographic >"$out/stdout" 2>&1 &&
   grep -q "Hello from vm" "$out/stdout"; then ok qemu-aliases; else
    bad qemu-aliases "$(head -3 "$out/stdout")"; fi
if "$vm" --help | grep -q -- "--kernel"; then ok help; else bad help "no usage text"; fi
if "$vm" --arch riscv64 --bios none --kernel "$elf" --trace insn 2>"$out/trace" >/dev/null &&
   grep -q "sb *t2,0(t0)" "$out/trace"; then ok trace-insn-disassembles; else
    bad trace-insn-disassembles "$(head -3 "$out/trace")"; fi

# --jit-stats on a loop of calls, loads and stores in tier=jit: every
# counter line is there and the counts relate (hits never exceed lookups).
# jit_stat LINE WORDS: the number before WORDS on the --jit-stats line naming LINE.
jit_stat() { grep "$1" "$out/jit-stats.err" | sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p"; }
if riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,--build-id=none \
        -T tests/diff/link.ld -o "$out/jit-stats.elf" tests/cli/jit-stats.S &&
   "$vm" --arch riscv64 --bios none --kernel "$out/jit-stats.elf" --accel tier=jit \
        --jit-stats >/dev/null 2>"$out/jit-stats.err"; then
    tlb_look=$(jit_stat "inline TLB" lookups) tlb_hit=$(jit_stat "inline TLB" hits)
    direct=$(jit_stat "compiled exits" direct) chained=$(jit_stat "compiled exits" chained)
    computed=$(jit_stat "compiled exits" computed)
    jc_hit=$(jit_stat "compiled exits" "jump cache hits")
    why=
    for v in tlb_look tlb_hit direct chained computed jc_hit; do
        [ -n "${!v}" ] || why="$why; no $v"
    done
    if [ -z "$why" ]; then
        # 20000 iterations: a load and a store, a call, a ret, a taken branch each
        [ "$tlb_look" -ge 40000 ] || why="$why; $tlb_look TLB lookups < 40000"
        [ "$tlb_hit" -le "$tlb_look" ] || why="$why; TLB hits $tlb_hit > lookups $tlb_look"
        [ "$tlb_hit" -ge $((tlb_look - 100)) ] || why="$why; only $tlb_hit TLB hits"
        [ "$direct" -ge 40000 ] || why="$why; $direct direct exits < 40000"
        [ "$chained" -le "$direct" ] || why="$why; chained $chained > direct $direct"
        [ "$chained" -gt 0 ] || why="$why; nothing chained"
        [ "$computed" -ge 20000 ] || why="$why; $computed computed exits < 20000"
        [ "$jc_hit" -le "$computed" ] || why="$why; jump cache hits $jc_hit > $computed"
        [ "$jc_hit" -gt 0 ] || why="$why; no jump cache hit"
    fi
    if [ -z "$why" ]; then ok jit-stats-counters-relate; else
        bad jit-stats-counters-relate "${why#; }"; fi
else
    bad jit-stats-counters-relate "build or run failed: $(tail -1 "$out/jit-stats.err")"
fi

# A TB whose instruction straddles two pages is translated once, in every tier.
if riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,--build-id=none \
        -T tests/diff/link.ld -o "$out/straddle.elf" tests/cli/straddle.S; then
    for tier in interp jit; do
        if "$vm" --arch riscv64 --bios none --kernel "$out/straddle.elf" --accel "tier=$tier" \
                --jit-stats >/dev/null 2>"$out/straddle.err"; then
            n=$(sed -n 's/.*TBs translated: \([0-9]*\) .*/\1/p' "$out/straddle.err")
            if [ -n "$n" ] && [ "$n" -lt 100 ]; then ok "straddling-tb-cached-$tier"; else
                bad "straddling-tb-cached-$tier" "${n:-no} TBs translated for 20000 iterations"; fi
        else
            bad "straddling-tb-cached-$tier" "run failed: $(tail -1 "$out/straddle.err")"
        fi
    done
else
    bad straddling-tb-cached "build failed"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
