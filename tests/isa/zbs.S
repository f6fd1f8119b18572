# Zbs single-bit ops: bclr/bext/binv/bset and immediate forms, index taken mod 64 (bitmanip spec 2.4).
#include "test.h"
    TEST_BEGIN
    li a0, 0x8000000000000001
    li a1, 127                           # index 63
    bclr a2, a0, a1
    CHECK_EQ a2, 1, 1
    bext a2, a0, a1
    CHECK_EQ a2, 1, 2
    li a1, 1
    bext a2, a0, a1
    CHECK_EQ a2, 0, 3
    binv a2, a0, a1
    CHECK_EQ a2, 0x8000000000000003, 4
    li a1, 40
    bset a2, a0, a1
    CHECK_EQ a2, 0x8000010000000001, 5
    bclri a2, a0, 0
    CHECK_EQ a2, 0x8000000000000000, 6
    bexti a2, a0, 63
    CHECK_EQ a2, 1, 7
    binvi a2, a0, 63
    CHECK_EQ a2, 1, 8
    bseti a2, zero, 31
    CHECK_EQ a2, 0x80000000, 9           # not sign-extended
    PASS
