# Zihintpause: pause (the fence w,0 encoding, unpriv ch. 10) is a hint: it
# changes no register or memory and execution goes on with the next
# instruction, also in a spin loop hot enough to be compiled.
#include "test.h"
    TEST_BEGIN
    li a0, 0
    li a1, 300
    la s0, word
1:  lw t0, 0(s0)
    .4byte 0x0100000f                    # pause
    addi a0, a0, 1
    bne a0, a1, 1b
    CHECK_EQ a0, 300, 1
    CHECK_EQ t0, 0x1234, 2
    li t1, 7
    .4byte 0x0100000f                    # pause
    addi t1, t1, 1                       # the instruction after pause runs once
    CHECK_EQ t1, 8, 3
    PASS

    .data
    .align 3
word:
    .word 0x1234
