# mstatus.TW/TVM/TSR: wfi, satp/sfence.vma and sret from S raise illegal instruction when set; legal when clear (wfi not run: it may sleep) (priv 3.1.6.5).
#include "test.h"
    TEST_BEGIN
    li t0, MSTATUS_TW | MSTATUS_TVM | MSTATUS_TSR
    csrs mstatus, t0
    GOTO_MODE 1, s1
s1: TRAP_EXPECT
    wfi
    CHECK_TRAP CAUSE_ILLEGAL, 1
    TRAP_EXPECT
    csrr a0, satp
    CHECK_TRAP CAUSE_ILLEGAL, 2
    TRAP_EXPECT
    csrw satp, zero
    CHECK_TRAP CAUSE_ILLEGAL, 3
    TRAP_EXPECT
    sfence.vma
    CHECK_TRAP CAUSE_ILLEGAL, 4
    la t0, s2
    csrw sepc, t0
    TRAP_EXPECT
    sret
    CHECK_TRAP CAUSE_ILLEGAL, 5
    GOTO_M
    # cleared: the same instructions are legal in S
    li t0, MSTATUS_TW | MSTATUS_TVM | MSTATUS_TSR
    csrc mstatus, t0
    GOTO_MODE 1, s3
s3: csrr a0, satp
    csrw satp, zero
    sfence.vma
    la t0, s2
    csrw sepc, t0
    li t0, MSTATUS_SPP
    csrs sstatus, t0
    sret                                 # to S at s2
    FAIL 6
s2: GOTO_M
    CHECK_NO_TRAP 7, strap_frame
    PASS
