# A extension: misaligned LR traps (cause 4) with mtval = address; memory untouched (unpriv 8.2, priv 3.1.15).
#include "test.h"

.macro CHECK_TVAL_REG reg, num
    li gp, \num
    la t5, trap_frame
    ld t4, TF_TVAL(t5)
    beq t4, \reg, 1f
    j fail
1:
.endm

    TEST_BEGIN
    la s0, buf
    li a0, 0x0123456789abcdef
    sd a0, 0(s0)
    sd a0, 8(s0)
    li a2, 0x77
    addi s1, s0, 2
    TRAP_EXPECT
    lr.w a2, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_LOAD, 1
    CHECK_TVAL_REG s1, 2
    CHECK_EQ a2, 0x77, 3                 # rd not written
    addi s1, s0, 4
    TRAP_EXPECT
    lr.d a2, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_LOAD, 4
    CHECK_TVAL_REG s1, 5
    ld a3, 0(s0)                         # memory unchanged
    CHECK_EQ a3, 0x0123456789abcdef, 15
    ld a3, 8(s0)
    CHECK_EQ a3, 0x0123456789abcdef, 16
    PASS

    .data
    .align 6
buf: .fill 4, 8, 0
