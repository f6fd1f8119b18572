# F extension: arithmetic, fused multiply-add, conversions with saturation, fmin/fmax NaN rules, fclass, compares, NaN-boxing (unpriv spec 11).
#include "test.h"
.macro LI_S freg, bits                    # properly NaN-boxed single
    li t4, 0xffffffff00000000 | \bits
    fmv.d.x \freg, t4
.endm
    TEST_BEGIN
    csrwi fflags, 0
    LI_S f1, 0x3f800000                  # 1.0
    LI_S f2, 0x40000000                  # 2.0
    LI_S f3, 0x40400000                  # 3.0
    fadd.s f4, f1, f2
    CHECK_FBITS f4, 0xffffffff40400000, 1 # result is NaN-boxed
    CHECK_FFLAGS 0, 2
    fdiv.s f4, f1, f3, rne
    CHECK_FBITS f4, 0xffffffff3eaaaaab, 3
    CHECK_FFLAGS 1, 4                    # NX
    fdiv.s f4, f1, f3, rtz
    CHECK_FBITS f4, 0xffffffff3eaaaaaa, 5
    fdiv.s f4, f1, f3, rup
    CHECK_FBITS f4, 0xffffffff3eaaaaab, 6
    fdiv.s f4, f1, f3, rdn
    CHECK_FBITS f4, 0xffffffff3eaaaaaa, 7
    csrwi fflags, 0
    fmv.w.x f5, zero
    fdiv.s f4, f1, f5
    CHECK_FBITS f4, 0xffffffff7f800000, 8
    CHECK_FFLAGS 8, 9                    # DZ
    LI_S f6, 0xbf800000                  # -1.0
    fsqrt.s f4, f6
    CHECK_FBITS f4, 0xffffffff7fc00000, 10 # canonical NaN
    CHECK_FFLAGS 0x10, 11                # NV
    fsub.s f4, f1, f1, rdn
    CHECK_FBITS f4, 0xffffffff80000000, 12 # x - x = -0 in RDN
    fmul.s f4, f2, f3
    CHECK_FBITS f4, 0xffffffff40c00000, 13
    # fused multiply-add family: 2*3 (+/-) 1
    fmadd.s f4, f2, f3, f1
    CHECK_FBITS f4, 0xffffffff40e00000, 14
    fmsub.s f4, f2, f3, f1
    CHECK_FBITS f4, 0xffffffff40a00000, 15
    fnmsub.s f4, f2, f3, f1
    CHECK_FBITS f4, 0xffffffffc0a00000, 16
    fnmadd.s f4, f2, f3, f1
    CHECK_FBITS f4, 0xffffffffc0e00000, 17
    CHECK_FFLAGS 0, 18
    # conversions and saturation (11.7, table 11.4)
    LI_S f7, 0x4f32d05e                  # 3e9
    fcvt.w.s a0, f7
    CHECK_EQ a0, 0x7fffffff, 19
    CHECK_FFLAGS 0x10, 20
    LI_S f8, 0xff800000                  # -inf
    fcvt.w.s a0, f8
    CHECK_EQ a0, 0xffffffff80000000, 21
    LI_S f9, 0x7fc00000                  # qNaN
    fcvt.w.s a0, f9
    CHECK_EQ a0, 0x7fffffff, 22
    fcvt.wu.s a0, f9
    CHECK_EQ a0, -1, 23                  # 0xffffffff sign-extended
    fcvt.wu.s a0, f6
    CHECK_EQ a0, 0, 24
    CHECK_FFLAGS 0x10, 25
    fcvt.l.s a0, f7
    CHECK_EQ a0, 3000000000, 26
    fcvt.lu.s a0, f8
    CHECK_EQ a0, 0, 27
    fcvt.l.s a0, f9
    CHECK_EQ a0, 0x7fffffffffffffff, 28
    csrwi fflags, 0
    LI_S f10, 0xc0200000                 # -2.5
    fcvt.w.s a0, f10, rne
    CHECK_EQ a0, -2, 29
    fcvt.w.s a0, f10, rmm
    CHECK_EQ a0, -3, 30
    fcvt.w.s a0, f10, rdn
    CHECK_EQ a0, -3, 31
    fcvt.w.s a0, f10, rup
    CHECK_EQ a0, -2, 32
    CHECK_FFLAGS 1, 33
    li a0, -1
    fcvt.s.w f4, a0
    CHECK_FBITS f4, 0xffffffffbf800000, 34
    fcvt.s.wu f4, a0
    CHECK_FBITS f4, 0xffffffff4f800000, 35 # 2^32
    li a0, 16777217
    fcvt.s.l f4, a0, rne
    CHECK_FBITS f4, 0xffffffff4b800000, 36
    fcvt.s.l f4, a0, rup
    CHECK_FBITS f4, 0xffffffff4b800001, 37
    CHECK_FFLAGS 1, 38
    # fmin/fmax (11.6): one NaN -> the other operand; sNaN raises NV; -0 < +0
    fmin.s f4, f9, f1
    CHECK_FBITS f4, 0xffffffff3f800000, 39
    CHECK_FFLAGS 0, 40
    LI_S f11, 0x7f800001                 # sNaN
    fmax.s f4, f1, f11
    CHECK_FBITS f4, 0xffffffff3f800000, 41
    CHECK_FFLAGS 0x10, 42
    fmin.s f4, f9, f11
    CHECK_FBITS f4, 0xffffffff7fc00000, 43
    LI_S f12, 0x80000000                 # -0
    fmin.s f4, f5, f12
    CHECK_FBITS f4, 0xffffffff80000000, 44
    fmax.s f4, f12, f5
    CHECK_FBITS f4, 0xffffffff00000000, 45
    csrwi fflags, 0
    # compares: feq quiet, flt/fle signalling on qNaN
    feq.s a0, f9, f9
    CHECK_EQ a0, 0, 46
    CHECK_FFLAGS 0, 47
    flt.s a0, f9, f1
    CHECK_EQ a0, 0, 48
    CHECK_FFLAGS 0x10, 49
    feq.s a0, f11, f1
    CHECK_FFLAGS 0x10, 50
    fle.s a0, f12, f5                    # -0 <= +0
    CHECK_EQ a0, 1, 51
    flt.s a0, f12, f5
    CHECK_EQ a0, 0, 52
    # fclass
    fclass.s a0, f8
    CHECK_EQ a0, 1 << 0, 53
    fclass.s a0, f6
    CHECK_EQ a0, 1 << 1, 54
    LI_S f13, 0x80000001
    fclass.s a0, f13
    CHECK_EQ a0, 1 << 2, 55
    fclass.s a0, f12
    CHECK_EQ a0, 1 << 3, 56
    fclass.s a0, f5
    CHECK_EQ a0, 1 << 4, 57
    LI_S f13, 0x00000001
    fclass.s a0, f13
    CHECK_EQ a0, 1 << 5, 58
    fclass.s a0, f1
    CHECK_EQ a0, 1 << 6, 59
    LI_S f13, 0x7f800000
    fclass.s a0, f13
    CHECK_EQ a0, 1 << 7, 60
    fclass.s a0, f11
    CHECK_EQ a0, 1 << 8, 61
    fclass.s a0, f9
    CHECK_EQ a0, 1 << 9, 62
    # sign injection
    fsgnjn.s f4, f1, f1
    CHECK_FBITS f4, 0xffffffffbf800000, 63
    fsgnjx.s f4, f6, f10
    CHECK_FBITS f4, 0xffffffff3f800000, 64
    fsgnj.s f4, f2, f6
    CHECK_FBITS f4, 0xffffffffc0000000, 65
    # NaN-boxing (11.2): an improperly boxed input reads as the canonical NaN
    li a0, 0x000000003f800000
    fmv.d.x f14, a0
    csrwi fflags, 0
    fadd.s f4, f14, f1
    CHECK_FBITS f4, 0xffffffff7fc00000, 66
    CHECK_FFLAGS 0, 67                   # canonical NaN is quiet
    fsgnj.s f4, f14, f1
    CHECK_FBITS f4, 0xffffffff7fc00000, 68
    fclass.s a0, f14
    CHECK_EQ a0, 1 << 9, 69
    fmv.x.w a0, f14                      # moves read the raw low bits
    CHECK_EQ a0, 0x3f800000, 70
    li a0, 0x80000000
    fmv.w.x f4, a0
    CHECK_FBITS f4, 0xffffffff80000000, 71
    fmv.x.w a0, f4
    CHECK_EQ a0, 0xffffffff80000000, 72  # sign-extended
    # flw boxes, fsw stores the low 32 bits
    la a1, fbuf
    flw f4, 0(a1)
    CHECK_FBITS f4, 0xffffffffc0490fdb, 73
    fsw f14, 4(a1)
    lwu a0, 4(a1)
    CHECK_EQ a0, 0x3f800000, 74
    PASS

    .data
    .align 3
fbuf: .word 0xc0490fdb, 0
