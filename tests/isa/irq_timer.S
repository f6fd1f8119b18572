# Machine timer interrupt: mtip follows mtime >= mtimecmp, taken when MTIE and MIE, mcause = interrupt 7, mepc (priv 3.1.9, 3.2.1).
#include "test.h"
    TEST_BEGIN
    li s0, CLINT_MTIMECMP
    li s1, CLINT_MTIME
    li t0, -1
    sd t0, 0(s0)                         # far future: not pending
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_TIMER
    CHECK_EQ a0, 0, 1
    ld t0, 0(s1)
    sd t0, 0(s0)                         # now: pending, but MTIE = 0 so not taken
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_TIMER
    CHECK_EQ a0, 1 << IRQ_M_TIMER, 2
    li t0, -1
    sd t0, 0(s0)                         # writing mtimecmp clears the pending bit
    csrr a0, mip
    andi a0, a0, 1 << IRQ_M_TIMER
    CHECK_EQ a0, 0, 3
    # take it: mtimecmp = mtime + 1000 ticks (100 us)
    li t0, 1 << IRQ_M_TIMER
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    TRAP_EXPECT
    ld t0, 0(s1)
    addi t0, t0, 1000
    sd t0, 0(s0)
    li t1, 100000000
1:  la t2, trap_frame
    ld t2, TF_EXPECT(t2)
    beqz t2, 2f                          # handler ran
    addi t1, t1, -1
    bnez t1, 1b
    FAIL 4                               # never arrived
2:  csrci mstatus, MSTATUS_MIE
    CHECK_TRAP IRQ_BIT | IRQ_M_TIMER, 5
    la t2, trap_frame
    ld a0, TF_STATUS(t2)
    andi a1, a0, MSTATUS_MPIE
    CHECK_EQ a1, MSTATUS_MPIE, 6         # MIE was 1 when taken
    ld a0, 0(s1)
    ld a1, 0(s0)
    li gp, 7
    bgeu a0, a1, 3f                      # not taken early
    j fail
3:  li t0, -1
    sd t0, 0(s0)
    PASS
