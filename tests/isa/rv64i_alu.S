# RV64I integer register/immediate ALU, shift and word ops, lui/auipc (unpriv spec 2.4, 5.2).
#include "test.h"
    TEST_BEGIN
    li a0, 0x7fffffffffffffff
    li a1, 1
    add a2, a0, a1
    CHECK_EQ a2, 0x8000000000000000, 1
    sub a2, zero, a1
    CHECK_EQ a2, -1, 2
    addi a2, a0, -0x800
    CHECK_EQ a2, 0x7ffffffffffff7ff, 3
    li a0, -5
    slti a2, a0, -4
    CHECK_EQ a2, 1, 4
    sltiu a2, a0, 1
    CHECK_EQ a2, 0, 5
    sltiu a2, zero, 1                    # seqz
    CHECK_EQ a2, 1, 6
    slt a2, a0, zero
    CHECK_EQ a2, 1, 7
    sltu a2, zero, a0
    CHECK_EQ a2, 1, 8
    li a0, 0xff00ff00ff00ff00
    li a1, 0x0ff00ff00ff00ff0
    and a2, a0, a1
    CHECK_EQ a2, 0x0f000f000f000f00, 9
    or a2, a0, a1
    CHECK_EQ a2, 0xfff0fff0fff0fff0, 10
    xor a2, a0, a1
    CHECK_EQ a2, 0xf0f0f0f0f0f0f0f0, 11
    andi a2, a0, -16
    CHECK_EQ a2, 0xff00ff00ff00ff00, 12
    ori a2, zero, -1
    CHECK_EQ a2, -1, 13
    xori a2, a1, -1
    CHECK_EQ a2, 0xf00ff00ff00ff00f, 14
    li a0, 0x8000000000000001
    slli a2, a0, 63
    CHECK_EQ a2, 0x8000000000000000, 15
    srli a2, a0, 63
    CHECK_EQ a2, 1, 16
    srai a2, a0, 62
    CHECK_EQ a2, -2, 17
    li a1, 65                            # shift amount uses low 6 bits
    sll a2, a0, a1
    CHECK_EQ a2, 2, 18
    srl a2, a0, a1
    CHECK_EQ a2, 0x4000000000000000, 19
    sra a2, a0, a1
    CHECK_EQ a2, 0xc000000000000000, 20
    # word ops sign-extend 32-bit results
    li a0, 0x7fffffff
    addiw a2, a0, 1
    CHECK_EQ a2, 0xffffffff80000000, 21
    li a0, 0x123456789
    addiw a2, a0, 0                      # sext.w
    CHECK_EQ a2, 0x23456789, 22
    li a0, 0x80000000
    li a1, 1
    addw a2, a0, zero
    CHECK_EQ a2, 0xffffffff80000000, 23
    subw a2, zero, a1
    CHECK_EQ a2, -1, 24
    li a0, 0xffffffff00000001
    slliw a2, a0, 31
    CHECK_EQ a2, 0xffffffff80000000, 25
    li a0, 0x0000000180000000
    srliw a2, a0, 31
    CHECK_EQ a2, 1, 26
    sraiw a2, a0, 31
    CHECK_EQ a2, -1, 27
    li a1, 33                            # word shifts use low 5 bits
    sllw a2, a1, a1
    CHECK_EQ a2, 0x42, 28
    srlw a2, a0, a1
    CHECK_EQ a2, 0x40000000, 29
    sraw a2, a0, a1
    CHECK_EQ a2, 0xffffffffc0000000, 30
    lui a2, 0x80000
    CHECK_EQ a2, 0xffffffff80000000, 31
    lui a2, 0x7ffff
    CHECK_EQ a2, 0x7ffff000, 32
1:  auipc a2, 0
    la a3, 1b
    CHECK_REG a2, a3, 33
2:  auipc a2, 0x1
    la a3, 2b
    sub a2, a2, a3
    CHECK_EQ a2, 0x1000, 34
    addi zero, zero, 5                   # writes to x0 are discarded
    CHECK_EQ zero, 0, 35
    PASS
