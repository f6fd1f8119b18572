# SPDX-License-Identifier: GPL-2.0-or-later
# Bare-metal demo for `make run`: prints a greeting on the virt board's
# ns16550a UART, then powers the machine off through the sifive_test
# finisher (exit status 0).
    .section .text.start
    .globl _start
_start:
    li      t0, 0x10000000          # UART THR
    la      t1, msg
1:  lbu     t2, 0(t1)
    beqz    t2, 2f
    sb      t2, 0(t0)
    addi    t1, t1, 1
    j       1b
2:  li      t0, 0x100000            # sifive_test finisher
    li      t1, 0x5555              # pass: power off, status 0
    sw      t1, 0(t0)
3:  j       3b

    .section .rodata
msg:
    .string "Hello from vm: a RISC-V 64 hart running bare-metal code on the tier-1 engine.\n"
