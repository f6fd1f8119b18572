# medeleg/mideleg: delegated exceptions (ecall from U, illegal with stval) and interrupts (STIP set by M software, SSIP) go to S; M-mode traps never delegate; direct and vectored stvec (priv 3.1.8, 4.1.2).
#include "test.h"
    TEST_BEGIN
    SET_STVEC
    li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL)
    csrw medeleg, t0
    li t0, (1 << IRQ_S_TIMER) | (1 << IRQ_S_SOFT)
    csrw mideleg, t0
    csrr a0, mideleg
    andi a0, a0, 0x222                   # (VS bits are read-only one when H exists)
    CHECK_EQ a0, (1 << IRQ_S_TIMER) | (1 << IRQ_S_SOFT), 1
    TRAP_EXPECT                          # M-mode exception: stays in M
    .word 0x00b0007b
    CHECK_TRAP CAUSE_ILLEGAL, 2
    CHECK_NO_TRAP 3, strap_frame
    GOTO_MODE 0, u1
u1: STRAP_EXPECT
u_ecall:
    ecall
    CHECK_STRAP CAUSE_ECALL_U, 4
    CHECK_TF_ADDR TF_EPC, u_ecall, 5, strap_frame
    STRAP_EXPECT
    .word 0x00b0007b
    CHECK_STRAP CAUSE_ILLEGAL, 6
    CHECK_TF TF_TVAL, 0x00b0007b, 7, strap_frame
    la t0, trap_frame
    ld a0, TF_COUNT(t0)
    CHECK_EQ a0, 1, 8                    # M saw only the M-mode trap
    GOTO_M                               # (delegated ecall: runtime hops through S)
    csrr a0, mscratch                    # an M CSR: traps unless we are in M
    la a1, trap_frame
    CHECK_REG a0, a1, 9
    # STIP raised by M software, delegated: taken in S when sie.STIE and sstatus.SIE
    li t0, 1 << IRQ_S_TIMER
    csrs mip, t0
    csrs mie, t0
    GOTO_MODE 1, s1
s1: STRAP_EXPECT
    csrsi sstatus, MSTATUS_SIE
    nop
    csrci sstatus, MSTATUS_SIE
    CHECK_STRAP IRQ_BIT | IRQ_S_TIMER, 10
    la t0, strap_frame
    ld a0, TF_STATUS(t0)
    andi a0, a0, MSTATUS_SPP
    CHECK_EQ a0, MSTATUS_SPP, 11         # came from S
    csrr a0, sip
    andi a0, a0, 1 << IRQ_S_TIMER
    CHECK_EQ a0, 1 << IRQ_S_TIMER, 12    # still pending (only M can clear STIP)
    # vectored stvec: SSIP set by S itself enters at base + 4
    la t0, svec
    ori t0, t0, 1
    csrw stvec, t0
    li s1, 0
    li t0, 1 << IRQ_S_SOFT
    csrs sie, t0
    csrs sip, t0
    csrsi sstatus, MSTATUS_SIE
    nop
    csrci sstatus, MSTATUS_SIE
    CHECK_EQ s1, 1, 13
    SET_STVEC
    GOTO_M
    li t0, 1 << IRQ_S_TIMER
    csrc mip, t0
    csrw mideleg, zero
    csrw medeleg, zero
    PASS

    .align 8
    .option push
    .option norvc
svec:
    j sv_bad
    j sv_ssi
    j sv_bad
    .option pop
sv_bad:
    li gp, 14
    j fail
sv_ssi:
    li s1, 1
    li t0, 1 << IRQ_S_SOFT
    csrc sip, t0
    sret
