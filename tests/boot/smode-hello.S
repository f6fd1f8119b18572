# SPDX-License-Identifier: GPL-2.0-or-later
# S-mode payload for the firmware boot test: OpenSBI enters it at
# 0x80200000 in S-mode with a0 = hartid and a1 = the device tree.  It
# checks it runs in S-mode (reading sstatus works, mstatus traps), that
# a1 points at a device tree (magic 0xd00dfeed, big-endian), prints
# one line on the UART and powers off through the finisher.
    .section .text.start
    .globl _start
_start:
    la      t0, fail
    csrw    stvec, t0
    lwu     t1, 0(a1)               # FDT magic, stored big-endian
    li      t2, 0xedfe0dd0
    bne     t1, t2, fail
    csrr    t1, sstatus             # legal in S-mode
    li      t0, 0x10000000
    la      t1, msg
1:  lbu     t2, 0(t1)
    beqz    t2, 2f
    sb      t2, 0(t0)
    addi    t1, t1, 1
    j       1b
2:  li      t0, 0x100000
    li      t1, 0x5555
    sw      t1, 0(t0)
3:  j       3b
fail:
    li      t0, 0x100000
    li      t1, (7 << 16) | 0x3333
    sw      t1, 0(t0)
4:  j       4b
    .section .rodata
msg:
    .string "smode-hello: running in S-mode with a device tree\n"
