/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bare-metal program for the monitor tests: loops forever incrementing
 * the 64-bit counter at the symbol `counter` (M-mode, no paging), so a
 * stopped machine shows a frozen counter and a running one an advancing
 * one.
 */
    .section .text.init
    .globl _start
_start:
    la      t0, counter
    li      t1, 0
loop:
    addi    t1, t1, 1
    sd      t1, 0(t0)
    j       loop

    .data
    .balign 8
    .globl counter
counter:
    .dword  0
