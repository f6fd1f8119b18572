# Zicntr: cycle/time/instret advance; mcounteren gates S/U, scounteren gates U -> illegal instruction (unpriv spec 10, priv 3.1.11, 4.1.5).
#include "test.h"
    TEST_BEGIN
    rdcycle a0
    rdinstret a1
    rdtime a2
    li t0, 20000
1:  addi t0, t0, -1
    bnez t0, 1b
    rdcycle a3
    rdinstret a4
    rdtime a5
    li gp, 1
    bgtu a3, a0, 2f
    j fail
2:  sub a6, a4, a1
    li t0, 20000                         # at least the loop's 40000 instructions
    li gp, 2
    bgeu a6, t0, 3f
    j fail
3:  li gp, 3
    bgtu a5, a2, 4f
    j fail
4:  csrr a0, mcycle                      # M-mode aliases agree in direction
    csrr a1, minstret
    li gp, 4
    bnez a1, 5f
    j fail
5:  # mcounteren = 0: all three are illegal from S
    csrw mcounteren, zero
    csrw scounteren, zero
    GOTO_MODE 1, s1
s1: TRAP_EXPECT
    rdcycle a0
    CHECK_TRAP CAUSE_ILLEGAL, 5
    TRAP_EXPECT
    rdtime a0
    CHECK_TRAP CAUSE_ILLEGAL, 6
    TRAP_EXPECT
    rdinstret a0
    CHECK_TRAP CAUSE_ILLEGAL, 7
    GOTO_M
    # mcounteren CY|TM|IR = 1: legal from S, still illegal from U while scounteren = 0
    li t0, 7
    csrw mcounteren, t0
    GOTO_MODE 1, s2
s2: rdcycle a0
    rdtime a0
    rdinstret a0
    GOTO_M
    GOTO_MODE 0, u1
u1: TRAP_EXPECT
    rdcycle a0
    CHECK_TRAP CAUSE_ILLEGAL, 8
    TRAP_EXPECT
    rdinstret a0
    CHECK_TRAP CAUSE_ILLEGAL, 9
    GOTO_M
    li t0, 7
    csrw scounteren, t0
    GOTO_MODE 0, u2
u2: rdcycle a0
    rdtime a1
    rdinstret a2
    CHECK_NE a2, 0, 10
    GOTO_M
    csrw scounteren, zero                # only IR disabled in mcounteren: CY still legal from S
    li t0, 3
    csrw mcounteren, t0
    GOTO_MODE 1, s3
s3: rdcycle a0
    TRAP_EXPECT
    rdinstret a0
    CHECK_TRAP CAUSE_ILLEGAL, 11
    GOTO_M
    PASS
