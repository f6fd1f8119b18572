# RV64I loads/stores of every width, sign- and zero-extension, little-endian layout (unpriv spec 2.6, 5.3).
#include "test.h"
    TEST_BEGIN
    la a0, buf
    li a1, 0x8182838485868788
    sd a1, 0(a0)
    lb a2, 0(a0)
    CHECK_EQ a2, 0xffffffffffffff88, 1
    lbu a2, 0(a0)
    CHECK_EQ a2, 0x88, 2
    lh a2, 2(a0)
    CHECK_EQ a2, 0xffffffffffff8586, 3
    lhu a2, 2(a0)
    CHECK_EQ a2, 0x8586, 4
    lw a2, 4(a0)
    CHECK_EQ a2, 0xffffffff81828384, 5
    lwu a2, 4(a0)
    CHECK_EQ a2, 0x81828384, 6
    ld a2, 0(a0)
    CHECK_EQ a2, 0x8182838485868788, 7
    li a1, 0x7f
    sb a1, 8(a0)
    lb a2, 8(a0)
    CHECK_EQ a2, 0x7f, 8
    li a1, 0x1122334455667788
    sd zero, 16(a0)
    sb a1, 16(a0)
    sh a1, 18(a0)
    sw a1, 20(a0)
    ld a2, 16(a0)
    CHECK_EQ a2, 0x5566778877880088, 9
    sd a1, 24(a0)
    sh zero, 30(a0)
    ld a2, 24(a0)
    CHECK_EQ a2, 0x0000334455667788, 10
    addi a3, a0, 64
    sd a1, -8(a3)                        # negative offset
    ld a2, 56(a0)
    CHECK_EQ a2, 0x1122334455667788, 11
    lw a2, -4(a3)
    CHECK_EQ a2, 0x11223344, 12
    lbu a2, -1(a3)
    CHECK_EQ a2, 0x11, 13
    sw a1, 32(a0)                        # sw stores only the low word
    lwu a2, 36(a0)
    CHECK_EQ a2, 0, 14
    PASS

    .data
    .align 6
buf: .fill 16, 8, 0
