# SPDX-License-Identifier: GPL-2.0-or-later
# Start-up of the gdb test program (tests/gdb/run.sh), M-mode, bare metal:
# a stack, a trap vector that skips the trapping instruction, a
# compressed instruction and an ecall to single-step across, then
# main(7); the finisher exit code is main's return value.
    .section .text.init
    .globl _start
_start:
    lla     sp, _stack_top
    lla     t0, trap_vector
    csrw    mtvec, t0
    .option push
    .option norvc
    .globl  cstep
cstep:
    .option rvc
    c.li    a1, 1               # 2 bytes
    .option norvc
    addi    a1, a1, 1           # 4 bytes
    .globl  ecall_at
ecall_at:
    ecall                       # traps to trap_vector, which returns past it
    .option pop
    li      a0, 7
    call    main
    li      t0, 0x100000        # sifive_test finisher: (code << 16) | 0x3333
    slli    a0, a0, 16
    li      t1, 0x3333
    or      a0, a0, t1
    sw      a0, 0(t0)
1:  j       1b

    .balign 4
    .globl  trap_vector
trap_vector:
    csrr    t0, mepc
    addi    t0, t0, 4
    csrw    mepc, t0
    mret
