# Machine software interrupt via CLINT msip: mip.MSIP mirrors msip, taken with MSIE+MIE as interrupt 3; vectored mtvec dispatches to base + 4*cause (priv 3.1.7, 3.1.9).
#include "test.h"
    TEST_BEGIN
    li s0, CLINT_MSIP
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_SOFT
    CHECK_EQ a0, 0, 1
    li t0, 1
    sw t0, 0(s0)
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_SOFT
    CHECK_EQ a0, 1 << IRQ_M_SOFT, 2
    li t0, 1 << IRQ_M_SOFT
    csrs mie, t0
    TRAP_EXPECT
    csrsi mstatus, MSTATUS_MIE           # taken right after this instruction
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_TRAP IRQ_BIT | IRQ_M_SOFT, 3
    sw zero, 0(s0)
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_SOFT
    CHECK_EQ a0, 0, 4
    # vectored mode: interrupt 3 enters at base + 12, exceptions at base
    la t0, vectors
    ori t0, t0, 1
    csrw mtvec, t0
    csrr a0, mtvec
    CHECK_REG a0, t0, 5
    li s1, 0
    li t0, 1
    sw t0, 0(s0)
    li t0, 1 << IRQ_M_SOFT
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_EQ s1, 3, 6
    li s1, 0
    ecall                                # exception: vector 0
    CHECK_EQ s1, 100, 7
    la t0, trap_entry
    csrw mtvec, t0
    PASS

    .align 8
    .option push
    .option norvc
vectors:
    j v_exc
    j v_bad
    j v_bad
    j v_msi
    j v_bad
    j v_bad
    j v_bad
    j v_bad
    .option pop
v_bad:
    li gp, 8
    li a7, MAGIC_FAIL
    j do_fail
v_msi:
    li s1, 3
    sw zero, 0(s0)                       # clear the source
    mret
v_exc:
    li s1, 100
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
