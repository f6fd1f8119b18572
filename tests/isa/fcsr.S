# fcsr/frm/fflags CSR behaviour, dynamic rounding, invalid frm -> illegal, mstatus.FS off/dirty (unpriv spec 11.2, priv 3.1.6.6).
#include "test.h"
    TEST_BEGIN
    li a0, -1
    csrw fcsr, a0
    csrr a1, fcsr
    CHECK_EQ a1, 0xff, 1                 # bits above 7 are zero
    csrr a1, frm
    CHECK_EQ a1, 7, 2
    csrr a1, fflags
    CHECK_EQ a1, 0x1f, 3
    csrrwi a1, frm, 2                    # old value returned
    CHECK_EQ a1, 7, 4
    csrr a1, fcsr
    CHECK_EQ a1, (2 << 5) | 0x1f, 5
    csrrci a1, fflags, 0x11
    CHECK_EQ a1, 0x1f, 6
    csrr a1, fcsr
    CHECK_EQ a1, (2 << 5) | 0x0e, 7
    csrwi fflags, 0
    # dynamic rounding uses frm
    li a0, 0xffffffffc0200000            # -2.5f
    fmv.d.x f1, a0
    csrwi frm, 0
    fcvt.w.s a1, f1, dyn
    CHECK_EQ a1, -2, 8
    csrwi frm, 2                         # RDN
    fcvt.w.s a1, f1, dyn
    CHECK_EQ a1, -3, 9
    csrwi frm, 3                         # RUP
    fcvt.w.s a1, f1
    CHECK_EQ a1, -2, 10
    csrwi frm, 4                         # RMM
    fcvt.w.s a1, f1
    CHECK_EQ a1, -3, 11
    CHECK_FFLAGS 1, 12
    # flags accrue
    li a0, 0x3ff0000000000000
    fmv.d.x f2, a0
    fmv.d.x f3, zero
    fdiv.d f4, f2, f3
    li a0, 0x4008000000000000
    fmv.d.x f5, a0
    fdiv.d f4, f2, f5
    CHECK_FFLAGS 9, 13                   # DZ | NX
    # frm 5..7 with a dynamic-rounding instruction is illegal
    csrwi frm, 5
    TRAP_EXPECT
    fadd.d f4, f2, f5
    CHECK_TRAP CAUSE_ILLEGAL, 14
    csrwi frm, 7
    TRAP_EXPECT
    fcvt.w.d a1, f2
    CHECK_TRAP CAUSE_ILLEGAL, 15
    fsgnj.d f4, f2, f2                   # no rounding mode: legal
    csrwi frm, 0
    # mstatus.FS: Off makes FP instructions and FP CSRs illegal
    li t0, MSTATUS_FS
    csrc mstatus, t0
    TRAP_EXPECT
    fadd.d f4, f2, f5
    CHECK_TRAP CAUSE_ILLEGAL, 16
    TRAP_EXPECT
    csrr a1, fflags
    CHECK_TRAP CAUSE_ILLEGAL, 17
    TRAP_EXPECT
    fld f4, 0(sp)
    CHECK_TRAP CAUSE_ILLEGAL, 18
    # FS = Initial, then an FP write makes it Dirty and sets SD
    li t0, (1 << 13)
    csrs mstatus, t0
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK_EQ a2, 1, 19
    fadd.d f4, f2, f5
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK_EQ a2, 3, 20
    srli a2, a1, 63
    CHECK_EQ a2, 1, 21
    PASS
