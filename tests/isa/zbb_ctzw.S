# vm-only: QEMU 7.2 ctzw returns the 64-bit ctz when the low word is zero (44 here, not 32)
# Zbb ctzw counts within the low 32 bits: a zero low word gives 32 (bitmanip spec 2.2, ctzw).
#include "test.h"
    TEST_BEGIN
    li a0, 0x0000100000000000
    ctzw a2, a0
    CHECK_EQ a2, 32, 1
    ctzw a2, zero
    CHECK_EQ a2, 32, 2
    PASS
