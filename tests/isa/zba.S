# Zba address generation: sh[123]add, add.uw, sh[123]add.uw, slli.uw (bitmanip spec 2.1).
#include "test.h"
    TEST_BEGIN
    li a0, 0xffffffff80000001
    li a1, 0x1000
    sh1add a2, a0, a1
    CHECK_EQ a2, 0xffffffff00001002, 1
    sh2add a2, a0, a1
    CHECK_EQ a2, 0xfffffffe00001004, 2
    sh3add a2, a0, a1
    CHECK_EQ a2, 0xfffffffc00001008, 3
    add.uw a2, a0, a1                    # zero-extends rs1's low word
    CHECK_EQ a2, 0x80001001, 4
    sh1add.uw a2, a0, a1
    CHECK_EQ a2, 0x100001002, 5
    sh2add.uw a2, a0, a1
    CHECK_EQ a2, 0x200001004, 6
    sh3add.uw a2, a0, a1
    CHECK_EQ a2, 0x400001008, 7
    slli.uw a2, a0, 4
    CHECK_EQ a2, 0x800000010, 8
    slli.uw a2, a0, 0                    # zext.w
    CHECK_EQ a2, 0x80000001, 9
    PASS
