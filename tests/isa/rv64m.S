# M extension: mul/mulh*/div/rem incl. division by zero and signed overflow (unpriv spec 7.1, 7.2).
#include "test.h"
    TEST_BEGIN
    li a0, -3
    li a1, 7
    mul a2, a0, a1
    CHECK_EQ a2, -21, 1
    li a0, 0x8000000000000000
    li a1, -1
    mulh a2, a0, a1
    CHECK_EQ a2, 0, 2
    mulhu a2, a0, a1
    CHECK_EQ a2, 0x7fffffffffffffff, 3
    mulhsu a2, a1, a0                    # -1 * 2^63 (unsigned)
    CHECK_EQ a2, -1, 4
    li a0, 0x100000001
    mulw a2, a0, a0                      # (1 + 2^32)^2 low word = 1
    CHECK_EQ a2, 1, 5
    li a0, 0x10000
    mulw a2, a0, a0                      # 2^32 -> 0
    CHECK_EQ a2, 0, 6
    li a0, 0x8000
    li a1, 0x10000
    mulw a2, a0, a1                      # 2^31 sign-extended
    CHECK_EQ a2, 0xffffffff80000000, 7
    li a0, -7
    li a1, 2
    div a2, a0, a1
    CHECK_EQ a2, -3, 8                   # rounds toward zero
    rem a2, a0, a1
    CHECK_EQ a2, -1, 9                   # sign of dividend
    divu a2, a0, a1
    CHECK_EQ a2, 0x7ffffffffffffffc, 10
    remu a2, a0, a1
    CHECK_EQ a2, 1, 11
    # division by zero: quotient all ones, remainder = dividend (7.2 table 7.1)
    div a2, a0, zero
    CHECK_EQ a2, -1, 12
    divu a2, a0, zero
    CHECK_EQ a2, -1, 13
    rem a2, a0, zero
    CHECK_EQ a2, -7, 14
    remu a2, a0, zero
    CHECK_EQ a2, -7, 15
    divw a2, a0, zero
    CHECK_EQ a2, -1, 16
    divuw a2, a0, zero
    CHECK_EQ a2, -1, 17
    remw a2, a0, zero
    CHECK_EQ a2, -7, 18
    remuw a2, a0, zero
    CHECK_EQ a2, -7, 19                  # sign-extended 32-bit dividend
    # overflow: -2^63 / -1 = -2^63, remainder 0
    li a0, 0x8000000000000000
    li a1, -1
    div a2, a0, a1
    CHECK_EQ a2, 0x8000000000000000, 20
    rem a2, a0, a1
    CHECK_EQ a2, 0, 21
    li a0, 0xffffffff80000000
    divw a2, a0, a1
    CHECK_EQ a2, 0xffffffff80000000, 22
    remw a2, a0, a1
    CHECK_EQ a2, 0, 23
    li a0, 0x123456780000000a            # word ops ignore the upper half
    li a1, 0xfffffffffffffffd
    divw a2, a0, a1
    CHECK_EQ a2, -3, 24
    divuw a2, a0, a1
    CHECK_EQ a2, 0, 25
    remuw a2, a0, a1
    CHECK_EQ a2, 10, 26
    li a0, 0xffffffff
    li a1, 1
    divuw a2, a0, a1
    CHECK_EQ a2, -1, 27                  # 0xffffffff sign-extended
    PASS
