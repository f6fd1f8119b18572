# wfi resumes when an enabled interrupt becomes pending even with mstatus.MIE = 0, and the interrupt is not taken (priv 3.3.3).
#include "test.h"
    TEST_BEGIN
    li s0, CLINT_MTIMECMP
    li s1, CLINT_MTIME
    li t0, 1 << IRQ_M_TIMER
    csrs mie, t0
    csrci mstatus, MSTATUS_MIE
    ld t0, 0(s1)
    li t1, 20000                         # 2 ms
    add t0, t0, t1
    sd t0, 0(s0)
    mv s2, t0
1:  wfi
    csrr a0, mip                         # wfi may return early (spurious): loop
    andi a0, a0, 1 << IRQ_M_TIMER
    beqz a0, 1b
    ld a1, 0(s1)
    li gp, 1
    bgeu a1, s2, 2f
    j fail
2:  CHECK_NO_TRAP 2
    li t0, -1
    sd t0, 0(s0)
    PASS
