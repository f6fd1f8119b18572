# RV64I conditional branches, jal and jalr (link value, lsb cleared target) (unpriv spec 2.5).
#include "test.h"
    TEST_BEGIN
    li a0, -1
    li a1, 1
    li a2, 0                             # a2 counts taken-correctly branches
    beq a1, a1, 1f
    FAIL 1
1:  bne a0, a1, 1f
    FAIL 2
1:  blt a0, a1, 1f                       # signed: -1 < 1
    FAIL 3
1:  bltu a1, a0, 1f                      # unsigned: 1 < 0xfff..f
    FAIL 4
1:  bge a1, a0, 1f
    FAIL 5
1:  bgeu a0, a1, 1f
    FAIL 6
1:  bge a1, a1, 1f                       # equal counts as >=
    FAIL 7
1:  beq a0, a1, 2f                       # not-taken cases fall through
    bne a1, a1, 2f
    blt a1, a0, 2f
    bltu a0, a1, 2f
    bge a0, a1, 2f
    bgeu a1, a0, 2f
    j 3f
2:  FAIL 8
3:  jal ra, 4f
5:  j 6f
4:  la a3, 5b
    CHECK_REG ra, a3, 9                  # jal links pc+4
    jr ra
6:  la a4, 7f
    addi a4, a4, 1                       # jalr clears bit 0 of the target
    jalr t0, 0(a4)
    FAIL 10
7:  la a4, 8f
    jalr t0, 4(a4)                       # offset is added to rs1
    FAIL 11
    .option push
    .option norvc
8:  j 11f                                # reached only if the offset was dropped
    j 9f
    .option pop
11: FAIL 12
9:  la a4, 10f
    jalr a4, 0(a4)                       # rd == rs1: target uses the old value
10: la a5, 10b
    CHECK_REG a4, a5, 14
    PASS
