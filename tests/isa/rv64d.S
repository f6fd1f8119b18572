# D extension: arithmetic with rounding modes, fused multiply-add (single rounding), conversions incl. saturation and fcvt.s.d/d.s, fmin/fmax, fclass (unpriv spec 12).
#include "test.h"
.macro LI_D freg, bits
    li t4, \bits
    fmv.d.x \freg, t4
.endm
    TEST_BEGIN
    csrwi fflags, 0
    LI_D f1, 0x3ff0000000000000          # 1.0
    LI_D f2, 0x4000000000000000          # 2.0
    LI_D f3, 0x4008000000000000          # 3.0
    fadd.d f4, f1, f2
    CHECK_FBITS f4, 0x4008000000000000, 1
    CHECK_FFLAGS 0, 2
    fdiv.d f4, f1, f3, rtz
    CHECK_FBITS f4, 0x3fd5555555555555, 3
    fdiv.d f4, f1, f3, rup
    CHECK_FBITS f4, 0x3fd5555555555556, 4
    fdiv.d f4, f2, f3, rne
    CHECK_FBITS f4, 0x3fe5555555555555, 5
    CHECK_FFLAGS 1, 6
    fsqrt.d f4, f1
    CHECK_FBITS f4, 0x3ff0000000000000, 7
    LI_D f5, 0xbff0000000000000          # -1.0
    fsqrt.d f4, f5
    CHECK_FBITS f4, 0x7ff8000000000000, 8
    CHECK_FFLAGS 0x10, 9
    LI_D f6, 0x7fefffffffffffff          # max
    fmul.d f4, f6, f2
    CHECK_FBITS f4, 0x7ff0000000000000, 10
    CHECK_FFLAGS 5, 11                   # OF | NX
    fmul.d f4, f6, f2, rtz
    CHECK_FBITS f4, 0x7fefffffffffffff, 12
    csrwi fflags, 0
    LI_D f7, 0x0010000000000000          # min normal
    LI_D f8, 0x3fe0000000000000          # 0.5
    fmul.d f4, f7, f8                    # exact subnormal: no UF without NX
    CHECK_FBITS f4, 0x0008000000000000, 13
    CHECK_FFLAGS 0, 14
    LI_D f9, 0x0000000000000001
    fmul.d f4, f9, f8                    # tiny and inexact: UF | NX, ties to even -> 0
    CHECK_FBITS f4, 0, 15
    CHECK_FFLAGS 3, 16
    # fused: (1 + 2^-52)(1 - 2^-53) - 1 rounded once
    LI_D f10, 0x3ff0000000000001
    LI_D f11, 0x3fefffffffffffff
    fmsub.d f4, f10, f11, f1
    CHECK_FBITS f4, 0x3c9ffffffffffffe, 17
    fnmadd.d f4, f2, f3, f1
    CHECK_FBITS f4, 0xc01c000000000000, 18  # -7
    fnmsub.d f4, f2, f3, f1
    CHECK_FBITS f4, 0xc014000000000000, 19  # -5
    csrwi fflags, 0
    # inf * 0 + qNaN: NV (fmadd 12.6 / 11.6)
    LI_D f12, 0x7ff0000000000000
    fmv.d.x f13, zero
    fmadd.d f4, f12, f13, f1
    CHECK_FBITS f4, 0x7ff8000000000000, 20
    CHECK_FFLAGS 0x10, 21
    # conversions
    LI_D f14, 0x41dfffffffe00000         # 2147483647.5
    fcvt.w.d a0, f14, rtz
    CHECK_EQ a0, 0x7fffffff, 22
    CHECK_FFLAGS 1, 23
    fcvt.w.d a0, f14, rne                # rounds to 2^31: out of range
    CHECK_EQ a0, 0x7fffffff, 24
    CHECK_FFLAGS 0x10, 25
    LI_D f15, 0xc3e0000000000000         # -2^63 fits exactly
    fcvt.l.d a0, f15
    CHECK_EQ a0, 0x8000000000000000, 26
    CHECK_FFLAGS 0, 27
    fcvt.lu.d a0, f12
    CHECK_EQ a0, -1, 28
    fcvt.wu.d a0, f15
    CHECK_EQ a0, 0, 29
    CHECK_FFLAGS 0x10, 30
    li a0, 0x7fffffffffffffff
    fcvt.d.l f4, a0, rtz
    CHECK_FBITS f4, 0x43dfffffffffffff, 31
    fcvt.d.lu f4, a0, rne
    CHECK_FBITS f4, 0x43e0000000000000, 32
    CHECK_FFLAGS 1, 33
    li a0, -1
    fcvt.d.wu f4, a0
    CHECK_FBITS f4, 0x41efffffffe00000, 34
    fcvt.d.w f4, a0
    CHECK_FBITS f4, 0xbff0000000000000, 35
    # between formats
    fdiv.d f16, f1, f3
    fcvt.s.d f4, f16
    CHECK_FBITS f4, 0xffffffff3eaaaaab, 36
    fcvt.s.d f4, f6, rtz
    CHECK_FBITS f4, 0xffffffff7f7fffff, 37
    csrwi fflags, 0
    li a0, 0xffffffff7f800001            # boxed single sNaN
    fmv.d.x f17, a0
    fcvt.d.s f4, f17
    CHECK_FBITS f4, 0x7ff8000000000000, 38
    CHECK_FFLAGS 0x10, 39
    li a0, 0xffffffffc0490fdb
    fmv.d.x f17, a0
    fcvt.d.s f4, f17
    CHECK_FBITS f4, 0xc00921fb60000000, 40
    # min/max and compare
    LI_D f18, 0x7ff0000000000001         # sNaN
    fmax.d f4, f18, f5
    CHECK_FBITS f4, 0xbff0000000000000, 41
    CHECK_FFLAGS 0x10, 42
    LI_D f19, 0x8000000000000000
    fmax.d f4, f19, f13
    CHECK_FBITS f4, 0, 43
    fmin.d f4, f13, f19
    CHECK_FBITS f4, 0x8000000000000000, 44
    LI_D f20, 0x7ff8000000000000
    fmin.d f4, f20, f20
    CHECK_FBITS f4, 0x7ff8000000000000, 45
    fle.d a0, f5, f1
    CHECK_EQ a0, 1, 46
    feq.d a0, f19, f13
    CHECK_EQ a0, 1, 47
    CHECK_FFLAGS 0, 48
    fclass.d a0, f18
    CHECK_EQ a0, 1 << 8, 49
    fclass.d a0, f9
    CHECK_EQ a0, 1 << 5, 50
    fclass.d a0, f15
    CHECK_EQ a0, 1 << 1, 51
    fsgnjx.d f4, f5, f5
    CHECK_FBITS f4, 0x3ff0000000000000, 52
    # fld / fsd
    la a1, dbuf
    fld f4, 0(a1)
    CHECK_FBITS f4, 0x400921fb54442d18, 53
    fsd f5, 8(a1)
    ld a0, 8(a1)
    CHECK_EQ a0, 0xbff0000000000000, 54
    fmv.x.d a0, f5
    CHECK_EQ a0, 0xbff0000000000000, 55
    PASS

    .data
    .align 3
dbuf: .dword 0x400921fb54442d18, 0
