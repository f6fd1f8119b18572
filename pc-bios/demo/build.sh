#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the bare-metal demo ELF for `make run` into OUTDIR.
set -eu
out=$1
mkdir -p "$out"
src=$(dirname "$0")/hello.S
if [ ! -f "$out/hello.elf" ] || [ "$src" -nt "$out/hello.elf" ]; then
    riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d \
        -Wl,-Ttext=0x80000000 -Wl,-N -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o "$out/hello.elf" "$src"
fi
