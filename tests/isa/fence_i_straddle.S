# Zifencei across a page boundary: an instruction whose upper half lies on
# the next page is re-fetched after a store to that half and fence.i, in
# a loop hot enough for tier 2 (unpriv spec 6).
#include "test.h"
    TEST_BEGIN
    la s0, page2
    li s1, 100                           # run it hot before the change
    li a0, 0
1:  jalr ra, -2(s0)
    addi s1, s1, -1
    bnez s1, 1b
    CHECK_EQ a0, 100, 1
    li t0, 0x0025                        # upper half of addi a0, a0, 2
    sh t0, 0(s0)
    fence.i
    li s1, 100
    li a0, 0
1:  jalr ra, -2(s0)
    addi s1, s1, -1
    bnez s1, 1b
    CHECK_EQ a0, 200, 2
    PASS

    .data
    .align 12
    .space 4094
    .half 0x0513                         # addi a0, a0, 1 (0x00150513), lower half
page2:
    .half 0x0015                         # ... upper half, on the next page
    .word 0x00008067                     # ret
