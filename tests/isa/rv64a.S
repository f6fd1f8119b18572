# A extension: every AMO .w/.d (returned old value, memory result), LR/SC success and failure (unpriv spec 8.2-8.4).
#include "test.h"
    TEST_BEGIN
    la s0, buf
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoswap.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 1
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000000000020, 2
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoswap.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 3
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffff9, 4
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoadd.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 5
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000000000010, 6
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoadd.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 7
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffffe, 8
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoxor.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 9
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000ffffffd0, 10
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoxor.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 11
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffffc, 12
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoand.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 13
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000000000020, 14
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoand.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 15
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000001, 16
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoor.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 17
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffff0, 18
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoor.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 19
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffffd, 20
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomin.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 21
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffff0, 22
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomin.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 23
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffff9, 24
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomax.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 25
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000000000020, 26
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomax.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 27
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000005, 28
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amominu.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 29
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000000000020, 30
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amominu.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 31
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000005, 32
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomaxu.w a2, a1, (s0)
    CHECK_EQ a2, 0xfffffffffffffff0, 33
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffff0, 34
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomaxu.w a2, a1, (s0)
    CHECK_EQ a2, 0x5, 35
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffffffffff9, 36
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoswap.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 37
    ld a3, 0(s0)
    CHECK_EQ a3, 0x100000020, 38
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoswap.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 39
    ld a3, 0(s0)
    CHECK_EQ a3, 0xfffffffffffffff9, 40
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoadd.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 41
    ld a3, 0(s0)
    CHECK_EQ a3, 0x8000000200000010, 42
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoadd.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 43
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7ffffffefffffffe, 44
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoxor.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 45
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000001ffffffd0, 46
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoxor.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 47
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffffc, 48
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoand.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 49
    ld a3, 0(s0)
    CHECK_EQ a3, 0x20, 50
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoand.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 51
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000001, 52
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amoor.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 53
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000001fffffff0, 54
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amoor.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 55
    ld a3, 0(s0)
    CHECK_EQ a3, 0xfffffffffffffffd, 56
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomin.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 57
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffff0, 58
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomin.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 59
    ld a3, 0(s0)
    CHECK_EQ a3, 0xfffffffffffffff9, 60
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomax.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 61
    ld a3, 0(s0)
    CHECK_EQ a3, 0x100000020, 62
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomax.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 63
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000005, 64
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amominu.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 65
    ld a3, 0(s0)
    CHECK_EQ a3, 0x100000020, 66
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amominu.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 67
    ld a3, 0(s0)
    CHECK_EQ a3, 0x7fffffff00000005, 68
    li a0, 0x80000000fffffff0
    sd a0, 0(s0)
    li a1, 0x100000020
    amomaxu.d a2, a1, (s0)
    CHECK_EQ a2, 0x80000000fffffff0, 69
    ld a3, 0(s0)
    CHECK_EQ a3, 0x80000000fffffff0, 70
    li a0, 0x7fffffff00000005
    sd a0, 0(s0)
    li a1, 0xfffffffffffffff9
    amomaxu.d a2, a1, (s0)
    CHECK_EQ a2, 0x7fffffff00000005, 71
    ld a3, 0(s0)
    CHECK_EQ a3, 0xfffffffffffffff9, 72
    # aq/rl variants and rd = x0
    li a0, 5
    sd a0, 0(s0)
    li a1, 3
    amoadd.d.aqrl zero, a1, (s0)
    ld a3, 0(s0)
    CHECK_EQ a3, 8, 200
    # LR/SC success: sc writes 0 and stores
    li a0, 0x1111
    sd a0, 8(s0)
    addi s1, s0, 8
    lr.d a2, (s1)
    CHECK_EQ a2, 0x1111, 201
    li a1, 0x2222
    sc.d a3, a1, (s1)
    CHECK_EQ a3, 0, 202
    ld a4, 8(s0)
    CHECK_EQ a4, 0x2222, 203
    # sc without a reservation (consumed by the previous sc) fails and does not store
    li a1, 0x3333
    sc.d a3, a1, (s1)
    CHECK_NE a3, 0, 204
    ld a4, 8(s0)
    CHECK_EQ a4, 0x2222, 205
    # sc to a different address than the lr fails
    lr.d a2, (s1)
    addi s2, s0, 16
    sd zero, 0(s2)
    li a1, 0x4444
    sc.d a3, a1, (s2)
    CHECK_NE a3, 0, 206
    ld a4, 0(s2)
    CHECK_EQ a4, 0, 207
    # lr.w sign-extends, sc.w stores 32 bits
    li a0, 0xaaaaaaaa80000001
    sd a0, 24(s0)
    addi s1, s0, 24
    lr.w a2, (s1)
    CHECK_EQ a2, 0xffffffff80000001, 208
    li a1, 0x7fffffff
    sc.w a3, a1, (s1)
    CHECK_EQ a3, 0, 209
    ld a4, 24(s0)
    CHECK_EQ a4, 0xaaaaaaaa7fffffff, 210
    PASS

    .data
    .align 6
buf: .fill 8, 8, 0
