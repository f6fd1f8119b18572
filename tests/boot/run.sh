#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot tests of the virt board: the device tree (checked by dtc), and
# OpenSBI fw_dynamic from Debian's opensbi package entering an S-mode
# payload.  Usage: tests/boot/run.sh VM_CLI BUILD_DIR
set -u
vm=$1 out=$2
mkdir -p "$out"
pass=0 fail=0
ok() { echo "PASS boot/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL boot/$1: $2"; fail=$((fail + 1)); }

riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,-N \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-Ttext=0x80200000 \
    -o "$out/smode-hello.elf" tests/boot/smode-hello.S || { echo "0 passed, 1 failed"; exit 1; }

# The device tree: dtc parses it and it has the nodes firmware and Linux need.
if "$vm" --arch riscv64 --kernel "$out/smode-hello.elf" --memory 256M --smp 1 \
        --append "console=ttyS0 quiet" --dump-dtb "$out/virt.dtb" 2>"$out/dtb.err" &&
   dtc -I dtb -O dts -o "$out/virt.dts" "$out/virt.dtb" 2>"$out/dtc.err"; then
    missing=""
    for want in 'memory@80000000' 'reg = <0x00 0x80000000 0x00 0x10000000>' \
                'cpu@0' 'riscv,isa-extensions' 'timebase-frequency = <0x989680>' \
                'serial@10000000' 'interrupt-controller@c000000' 'clint@2000000' \
                'test@100000' 'rtc@101000' 'syscon-poweroff' 'bootargs = "console=ttyS0 quiet"' \
                'stdout-path = "/soc/serial@10000000"'; do
        grep -qF "$want" "$out/virt.dts" || missing="$missing [$want]"
    done
    if [ -z "$missing" ]; then ok dtb-parses-with-dtc; else bad dtb-parses-with-dtc "missing$missing"; fi
else
    bad dtb-parses-with-dtc "$(cat "$out/dtb.err" "$out/dtc.err" 2>/dev/null | head -2)"
fi

# OpenSBI (--bios default) boots and enters the S-mode payload, which powers off.
timeout 60 "$vm" --arch riscv64 --kernel "$out/smode-hello.elf" </dev/null \
    >"$out/opensbi.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "OpenSBI v" "$out/opensbi.log" &&
   grep -q "Domain0 Next Mode *: S-mode" "$out/opensbi.log" &&
   grep -q "smode-hello: running in S-mode with a device tree" "$out/opensbi.log"; then
    ok opensbi-enters-smode-payload
else
    bad opensbi-enters-smode-payload "exit $rc; $(tail -3 "$out/opensbi.log")"
fi

# A file that is not a kernel: one clear line, exit 2.
head -c 4096 /dev/urandom >"$out/not-a-kernel"
"$vm" --arch riscv64 --kernel "$out/not-a-kernel" >/dev/null 2>"$out/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$out/err")" -eq 1 ] && grep -q "not a kernel" "$out/err"; then
    ok not-a-kernel-refused
else
    bad not-a-kernel-refused "exit $rc: $(cat "$out/err")"
fi
"$vm" --arch riscv64 --kernel "$out/smode-hello.elf" --initrd /nonexistent >/dev/null 2>"$out/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "^vm-cli: --initrd: /nonexistent" "$out/err"; then
    ok missing-initrd-refused
else
    bad missing-initrd-refused "exit $rc: $(cat "$out/err")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
