# C extension: explicit compressed forms (integer, loads/stores, sp-relative, jumps, branches) and their expansion semantics (unpriv spec 16).
#include "test.h"
    TEST_BEGIN
    .option push
    .option rvc
    c.li a0, -32
    CHECK_EQ a0, -32, 1
    c.addi a0, 31
    CHECK_EQ a0, -1, 2
    c.lui a1, 0xfffe1                    # sign-extended 20-bit
    CHECK_EQ a1, 0xfffffffffffe1000, 3
    c.addiw a1, 1
    CHECK_EQ a1, 0xfffffffffffe1001, 4
    li a2, 0x7fffffff
    c.addiw a2, 1
    CHECK_EQ a2, 0xffffffff80000000, 5
    c.mv a3, a2
    c.add a3, a2
    CHECK_EQ a3, 0xffffffff00000000, 6
    li s1, 0xf0
    li a4, 0x3c
    c.and s1, a4
    CHECK_EQ s1, 0x30, 7
    c.or s1, a4
    CHECK_EQ s1, 0x3c, 8
    c.xor s1, a4
    CHECK_EQ s1, 0, 9
    c.sub s1, a4
    CHECK_EQ s1, -0x3c, 10
    li s1, 0x80000000
    c.addw s1, s1
    CHECK_EQ s1, 0, 11
    li s1, 0
    c.subw s1, a4
    CHECK_EQ s1, -0x3c, 12
    c.srai s1, 2
    CHECK_EQ s1, -15, 13
    c.srli s1, 60
    CHECK_EQ s1, 15, 14
    c.andi s1, -2
    CHECK_EQ s1, 14, 15
    c.slli s1, 63
    CHECK_EQ s1, 0, 16
    # loads/stores through s0 and sp
    la s0, buf
    li a4, 0x1122334455667788
    c.sd a4, 8(s0)
    c.lw a5, 12(s0)
    CHECK_EQ a5, 0x11223344, 17
    c.sw a5, 0(s0)
    c.ld a5, 0(s0)
    CHECK_EQ a5, 0x11223344, 18          # upper word was zero
    mv t0, sp
    mv sp, s0
    c.sdsp a4, 16(sp)
    c.lwsp a5, 16(sp)
    CHECK_EQ a5, 0x55667788, 19
    c.ldsp a5, 16(sp)
    c.fldsp f1, 16(sp)
    c.fsdsp f1, 24(sp)
    c.swsp a5, 32(sp)
    c.addi16sp sp, 32
    c.addi4spn a5, sp, 8
    mv s1, sp
    mv sp, t0
    sub a5, a5, s1
    CHECK_EQ a5, 8, 20
    sub s1, s1, s0
    CHECK_EQ s1, 32, 21
    ld a5, 24(s0)
    CHECK_EQ a5, 0x1122334455667788, 22
    lwu a5, 32(s0)
    CHECK_EQ a5, 0x55667788, 23
    c.fld fs1, 8(s0)
    c.fsd fs1, 40(s0)
    ld a5, 40(s0)
    CHECK_EQ a5, 0x1122334455667788, 24
    # control transfer
    li a0, 0
    c.beqz a0, 1f
    FAIL 25
1:  c.bnez a0, 2f
    li s1, 1
    c.bnez s1, 3f
2:  FAIL 26
3:  c.j 4f
    FAIL 27
4:  la a1, 5f
    c.jalr a1
    j 6f
5:  c.mv a2, ra
    c.jr ra
6:  la a3, 4b
    addi a3, a3, 10                      # la (8 bytes) + c.jalr (2 bytes)
    CHECK_REG a2, a3, 28
    la a1, 7f
    c.jr a1
    FAIL 29
7:  c.nop
    .option pop
    PASS

    .data
    .align 3
buf: .fill 8, 8, 0
