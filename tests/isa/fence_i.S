# Zifencei: after storing a new instruction and fence.i, execution sees the new instruction (unpriv spec 6).
#include "test.h"
    TEST_BEGIN
    la s0, code
    jalr ra, 0(s0)
    CHECK_EQ a0, 1, 1
    li t0, 0x00200513                    # addi a0, zero, 2
    sw t0, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ a0, 2, 2
    li t0, 0x00300513                    # addi a0, zero, 3
    sw t0, 0(s0)
    li t0, 0x00150513                    # addi a0, a0, 1
    sw t0, 4(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ a0, 4, 3
    PASS

    .data
    .align 4
code:
    .word 0x00100513                     # addi a0, zero, 1
    .word 0x00000013                     # nop
    .word 0x00008067                     # ret
