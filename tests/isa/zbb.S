# Zbb basic bit manipulation: andn/orn/xnor, clz/ctz/cpop (+w), min/max(u), sext/zext, rol/ror (+w, imm), orc.b, rev8 (bitmanip spec 2.2).
#include "test.h"
    TEST_BEGIN
    li a0, 0xff00ff00ff00ff00
    li a1, 0x0ff00ff00ff00ff0
    andn a2, a0, a1
    CHECK_EQ a2, 0xf000f000f000f000, 1
    orn a2, a0, a1
    CHECK_EQ a2, 0xff0fff0fff0fff0f, 2
    xnor a2, a0, a1
    CHECK_EQ a2, 0x0f0f0f0f0f0f0f0f, 3
    li a0, 0x0000100000000000
    clz a2, a0
    CHECK_EQ a2, 19, 4
    ctz a2, a0
    CHECK_EQ a2, 44, 5
    clz a2, zero
    CHECK_EQ a2, 64, 6
    ctz a2, zero
    CHECK_EQ a2, 64, 7
    clzw a2, a0                          # low word is zero
    CHECK_EQ a2, 32, 8
    li a3, 0x0000100000000100
    ctzw a2, a3
    CHECK_EQ a2, 8, 9
    li a0, 0xffffffff00010000
    clzw a2, a0
    CHECK_EQ a2, 15, 10
    cpop a2, a0
    CHECK_EQ a2, 33, 11
    cpopw a2, a0
    CHECK_EQ a2, 1, 12
    li a0, -5
    li a1, 3
    min a2, a0, a1
    CHECK_EQ a2, -5, 13
    max a2, a0, a1
    CHECK_EQ a2, 3, 14
    minu a2, a0, a1
    CHECK_EQ a2, 3, 15
    maxu a2, a0, a1
    CHECK_EQ a2, -5, 16
    li a0, 0x1234567890abcd80
    sext.b a2, a0
    CHECK_EQ a2, 0xffffffffffffff80, 17
    sext.h a2, a0
    CHECK_EQ a2, 0xffffffffffffcd80, 18
    zext.h a2, a0
    CHECK_EQ a2, 0xcd80, 19
    li a0, 0x8000000000000001
    li a1, 68                            # low 6 bits: 4
    rol a2, a0, a1
    CHECK_EQ a2, 0x18, 20
    ror a2, a0, a1
    CHECK_EQ a2, 0x1800000000000000, 21
    rori a2, a0, 1
    CHECK_EQ a2, 0xc000000000000000, 22
    li a0, 0x0000000080000001
    li a1, 1
    rolw a2, a0, a1
    CHECK_EQ a2, 3, 23
    rorw a2, a0, a1
    CHECK_EQ a2, 0xffffffffc0000000, 24
    roriw a2, a0, 4
    CHECK_EQ a2, 0x18000000, 25
    li a0, 0x0001008000ff0010
    orc.b a2, a0
    CHECK_EQ a2, 0x00ff00ff00ff00ff, 26
    li a0, 0x0102030405060708
    rev8 a2, a0
    CHECK_EQ a2, 0x0807060504030201, 27
    PASS
