/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bare-metal loop for the --jit-stats test (tests/cli/run.sh): 20000
 * iterations of a call and return (computed exits through the jump
 * cache), a load and a store to RAM (inline TLB), and a backward branch
 * (direct exits that chain); then exit 0 through the sifive_test finisher.
 */
    .section .text.init, "ax"
    .globl _start
_start:
    li s0, 20000
    la s1, data
loop:
    call bump
    addi s0, s0, -1
    bnez s0, loop
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
bump:
    ld t2, 0(s1)
    addi t2, t2, 1
    sd t2, 0(s1)
    ret
    .data
    .align 3
data: .dword 0
