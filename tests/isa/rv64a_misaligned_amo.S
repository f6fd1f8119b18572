# vm-only: QEMU 7.2 fails a misaligned sc (rd=1) instead of trapping, and reports misaligned AMOs as cause 4
# A extension: misaligned SC and AMO raise store/AMO address-misaligned (cause 6), mtval = address (unpriv 8.2).
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
    addi s1, s0, 1
    TRAP_EXPECT
    sc.w a2, a0, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_STORE, 6
    CHECK_TVAL_REG s1, 7
    addi s1, s0, 12
    TRAP_EXPECT
    sc.d a2, a0, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_STORE, 8
    addi s1, s0, 6
    li a2, 0x77                          # a trapping AMO leaves rd alone
    TRAP_EXPECT
    amoadd.w a2, a0, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_STORE, 9
    CHECK_TVAL_REG s1, 10
    CHECK_EQ a2, 0x77, 11
    addi s1, s0, 4
    TRAP_EXPECT
    amoswap.d a2, zero, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_STORE, 12
    CHECK_TVAL_REG s1, 13
    addi s1, s0, 3
    TRAP_EXPECT
    amomaxu.d a2, zero, (s1)
    CHECK_TRAP CAUSE_MISALIGNED_STORE, 14
    ld a3, 0(s0)                         # memory unchanged
    CHECK_EQ a3, 0x0123456789abcdef, 15
    ld a3, 8(s0)
    CHECK_EQ a3, 0x0123456789abcdef, 16
    PASS

    .data
    .align 6
buf: .fill 4, 8, 0
