/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A loop whose first instruction straddles a page boundary (its upper
 * half on the next page), run 20000 times, then exit 0 through the
 * sifive_test finisher.  tests/cli/run.sh checks with --jit-stats that
 * its TB is translated once, not at every iteration.
 */
    .section .text.init, "ax"
    .globl _start
    .option norvc
_start:
    li s0, 20000
    j loop
    .org 0xffe
loop:
    addi s0, s0, -1
    bnez s0, loop
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
