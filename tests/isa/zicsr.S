# Zicsr: csrrw/csrrs/csrrc and immediate forms, x0 source does not write, read-only and privileged CSRs -> illegal instruction (unpriv spec 9, priv 2.1).
#include "test.h"
    TEST_BEGIN
    li a1, 0x1234
    csrw sscratch, a1
    li a2, 0xff00
    csrrw a0, sscratch, a2
    CHECK_EQ a0, 0x1234, 1
    li a2, 0x00f0
    csrrs a0, sscratch, a2
    CHECK_EQ a0, 0xff00, 2
    li a2, 0x0f00
    csrrc a0, sscratch, a2
    CHECK_EQ a0, 0xfff0, 3
    csrr a0, sscratch
    CHECK_EQ a0, 0xf0f0, 4
    csrrwi a0, sscratch, 0x1f
    CHECK_EQ a0, 0xf0f0, 5
    csrrsi a0, sscratch, 0x10 << 0
    csrrci a0, sscratch, 0x3
    CHECK_EQ a0, 0x1f, 6
    csrr a0, sscratch
    CHECK_EQ a0, 0x1c, 7
    csrrw zero, sscratch, a1             # rd = x0: write only
    csrr a0, sscratch
    CHECK_EQ a0, 0x1234, 8
    # reads of read-only CSRs are fine with x0 / zero-immediate sources
    csrrs a0, mhartid, zero
    CHECK_EQ a0, 0, 9
    csrrsi a0, cycle, 0
    csrrci a0, mvendorid, 0
    # any write to a read-only CSR is illegal, even of the same value (priv 2.1)
    TRAP_EXPECT
    csrw cycle, zero
    CHECK_TRAP CAUSE_ILLEGAL, 10
    TRAP_EXPECT
    csrrs a0, mhartid, a1
    CHECK_TRAP CAUSE_ILLEGAL, 11
    TRAP_EXPECT
    csrrwi a0, mimpid, 0
    CHECK_TRAP CAUSE_ILLEGAL, 12
    # misa reports RV64 with I, M, A, F, D, C, S, U
    csrr a0, misa
    srli a1, a0, 62
    CHECK_EQ a1, 2, 14
    li a2, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a1, a0, a2
    CHECK_REG a1, a2, 15
    # M-mode CSRs are illegal from S
    GOTO_MODE 1, smode
smode:
    TRAP_EXPECT
    csrr a0, mscratch
    CHECK_TRAP CAUSE_ILLEGAL, 16
    csrw sscratch, a1                    # S CSRs are fine
    csrr a0, sscratch
    CHECK_REG a0, a1, 17
    GOTO_M
    PASS
