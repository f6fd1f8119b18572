/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * F and D instruction handlers (unprivileged ISA 20191213 ch. 11 and 12)
 * on top of the soft-float in fpu.c.  Singles live NaN-boxed in the
 * 64-bit f-registers (§12.2): reads of an improperly boxed single give
 * the canonical NaN, except fmv.x.w and fsw, which move the low 32 bits
 * as they are; writes box.  The rm field selects the rounding mode, 7
 * meaning frm; reserved modes (5, 6, or frm >= 5 when dynamic) raise
 * illegal instruction when the instruction executes (§11.2).  Every
 * write of an f-register or of fflags marks mstatus.FS dirty.
 * The decoder has already made all of these illegal when FS is Off.
 */
#include "cpu/riscv/insn.h"
#include "cpu/riscv/fpu.h"
#include "tcg/tlb.h"

#define XREG(r) (riscv_cpu(cs)->gpr[(r)])
#define FREG(r) (riscv_cpu(cs)->fpr[(r)])

#define BOX32 0xffffffff00000000ull

/* The single in f-register r, or the canonical NaN when not NaN-boxed. */
static inline uint32_t get_f32(CPUState *cs, unsigned r)
{
    uint64_t v = FREG(r);

    return (v & BOX32) == BOX32 ? (uint32_t)v : F32_CANONICAL_NAN;
}

static inline void set_f32(CPUState *cs, unsigned r, uint32_t v)
{
    FREG(r) = BOX32 | v;
    riscv_set_fs_dirty(riscv_cpu(cs));
}

static inline void set_f64(CPUState *cs, unsigned r, uint64_t v)
{
    FREG(r) = v;
    riscv_set_fs_dirty(riscv_cpu(cs));
}

/* Resolve the instruction's rounding mode; raises for reserved ones. */
static int get_rm(CPUState *cs, const TBInsn *in)
{
    unsigned rm = in->rm == 7 ? riscv_cpu(cs)->frm : in->rm;

    if (rm >= 5) {
        riscv_raise_illegal(cs, in);
    }
    return (int)rm;
}

/* Accrue exception flags; writing fflags dirties the FP state. */
static inline void accrue(CPUState *cs, uint32_t flags)
{
    if (flags) {
        riscv_cpu(cs)->fflags |= flags;
        riscv_set_fs_dirty(riscv_cpu(cs));
    }
}

static inline uint64_t sext32(uint32_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* --- Loads and stores (§11.5, §12.3) ----------------------------------- */

int riscv_op_flw(CPUState *cs, const TBInsn *in)
{
    gva_t addr = XREG(in->rs1) + (uint64_t)in->imm;

    set_f32(cs, in->rd, (uint32_t)cpu_load(cs, addr, 4, riscv_cpu(cs)->data_mmu_idx));
    return 0;
}

int riscv_op_fld(CPUState *cs, const TBInsn *in)
{
    gva_t addr = XREG(in->rs1) + (uint64_t)in->imm;

    set_f64(cs, in->rd, cpu_load(cs, addr, 8, riscv_cpu(cs)->data_mmu_idx));
    return 0;
}

int riscv_op_fsw(CPUState *cs, const TBInsn *in)
{
    gva_t addr = XREG(in->rs1) + (uint64_t)in->imm;

    cpu_store(cs, addr, (uint32_t)FREG(in->rs2), 4, riscv_cpu(cs)->data_mmu_idx);
    return 0;
}

int riscv_op_fsd(CPUState *cs, const TBInsn *in)
{
    gva_t addr = XREG(in->rs1) + (uint64_t)in->imm;

    cpu_store(cs, addr, FREG(in->rs2), 8, riscv_cpu(cs)->data_mmu_idx);
    return 0;
}

/* --- Arithmetic with rounding ------------------------------------------ */

#define DEF_FMA(id, sfx, op) \
    int riscv_op_##id##_s(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0, r; \
        r = f32_muladd(get_f32(cs, in->rs1), get_f32(cs, in->rs2), get_f32(cs, in->rs3), \
                       op, rm, &fl); \
        set_f32(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    } \
    int riscv_op_##id##_d(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0; \
        uint64_t r = f64_muladd(FREG(in->rs1), FREG(in->rs2), FREG(in->rs3), op, rm, &fl); \
        set_f64(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    }

DEF_FMA(fmadd, s, FPU_FMADD)
DEF_FMA(fmsub, s, FPU_FMSUB)
DEF_FMA(fnmsub, s, FPU_FNMSUB)
DEF_FMA(fnmadd, s, FPU_FNMADD)

#define DEF_ARITH(id, fn) \
    int riscv_op_##id##_s(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0; \
        uint32_t r = f32_##fn(get_f32(cs, in->rs1), get_f32(cs, in->rs2), rm, &fl); \
        set_f32(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    } \
    int riscv_op_##id##_d(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0; \
        uint64_t r = f64_##fn(FREG(in->rs1), FREG(in->rs2), rm, &fl); \
        set_f64(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    }

DEF_ARITH(fadd, add)
DEF_ARITH(fsub, sub)
DEF_ARITH(fmul, mul)
DEF_ARITH(fdiv, div)

int riscv_op_fsqrt_s(CPUState *cs, const TBInsn *in)
{
    int rm = get_rm(cs, in);
    uint32_t fl = 0;
    uint32_t r = f32_sqrt(get_f32(cs, in->rs1), rm, &fl);

    set_f32(cs, in->rd, r);
    accrue(cs, fl);
    return 0;
}

int riscv_op_fsqrt_d(CPUState *cs, const TBInsn *in)
{
    int rm = get_rm(cs, in);
    uint32_t fl = 0;
    uint64_t r = f64_sqrt(FREG(in->rs1), rm, &fl);

    set_f64(cs, in->rd, r);
    accrue(cs, fl);
    return 0;
}

/* --- Sign injection, min/max (no rounding, no rm field) ---------------- */

#define SIGN32 0x80000000u
#define SIGN64 0x8000000000000000ull

int riscv_op_fsgnj_s(CPUState *cs, const TBInsn *in)
{
    uint32_t a = get_f32(cs, in->rs1), b = get_f32(cs, in->rs2);

    set_f32(cs, in->rd, (a & ~SIGN32) | (b & SIGN32));
    return 0;
}

int riscv_op_fsgnjn_s(CPUState *cs, const TBInsn *in)
{
    uint32_t a = get_f32(cs, in->rs1), b = get_f32(cs, in->rs2);

    set_f32(cs, in->rd, (a & ~SIGN32) | (~b & SIGN32));
    return 0;
}

int riscv_op_fsgnjx_s(CPUState *cs, const TBInsn *in)
{
    uint32_t a = get_f32(cs, in->rs1), b = get_f32(cs, in->rs2);

    set_f32(cs, in->rd, a ^ (b & SIGN32));
    return 0;
}

int riscv_op_fsgnj_d(CPUState *cs, const TBInsn *in)
{
    uint64_t a = FREG(in->rs1), b = FREG(in->rs2);

    set_f64(cs, in->rd, (a & ~SIGN64) | (b & SIGN64));
    return 0;
}

int riscv_op_fsgnjn_d(CPUState *cs, const TBInsn *in)
{
    uint64_t a = FREG(in->rs1), b = FREG(in->rs2);

    set_f64(cs, in->rd, (a & ~SIGN64) | (~b & SIGN64));
    return 0;
}

int riscv_op_fsgnjx_d(CPUState *cs, const TBInsn *in)
{
    uint64_t a = FREG(in->rs1), b = FREG(in->rs2);

    set_f64(cs, in->rd, a ^ (b & SIGN64));
    return 0;
}

#define DEF_MINMAX(id, fn) \
    int riscv_op_##id##_s(CPUState *cs, const TBInsn *in) \
    { \
        uint32_t fl = 0; \
        uint32_t r = f32_##fn(get_f32(cs, in->rs1), get_f32(cs, in->rs2), &fl); \
        set_f32(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    } \
    int riscv_op_##id##_d(CPUState *cs, const TBInsn *in) \
    { \
        uint32_t fl = 0; \
        uint64_t r = f64_##fn(FREG(in->rs1), FREG(in->rs2), &fl); \
        set_f64(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    }

DEF_MINMAX(fmin, min)
DEF_MINMAX(fmax, max)

/* --- Compares and classify: integer results ------------------------------ */

#define DEF_CMP(id, fn) \
    int riscv_op_##id##_s(CPUState *cs, const TBInsn *in) \
    { \
        uint32_t fl = 0; \
        uint64_t r = (uint64_t)f32_##fn(get_f32(cs, in->rs1), get_f32(cs, in->rs2), &fl); \
        XREG(in->rd) = r; \
        accrue(cs, fl); \
        return 0; \
    } \
    int riscv_op_##id##_d(CPUState *cs, const TBInsn *in) \
    { \
        uint32_t fl = 0; \
        uint64_t r = (uint64_t)f64_##fn(FREG(in->rs1), FREG(in->rs2), &fl); \
        XREG(in->rd) = r; \
        accrue(cs, fl); \
        return 0; \
    }

DEF_CMP(feq, eq)
DEF_CMP(flt, lt)
DEF_CMP(fle, le)

int riscv_op_fclass_s(CPUState *cs, const TBInsn *in)
{
    XREG(in->rd) = f32_classify(get_f32(cs, in->rs1));
    return 0;
}

int riscv_op_fclass_d(CPUState *cs, const TBInsn *in)
{
    XREG(in->rd) = f64_classify(FREG(in->rs1));
    return 0;
}

/* --- Moves (bit patterns, no NaN-box check on fmv.x.w) ------------------- */

int riscv_op_fmv_x_w(CPUState *cs, const TBInsn *in)
{
    XREG(in->rd) = sext32((uint32_t)FREG(in->rs1));
    return 0;
}

int riscv_op_fmv_w_x(CPUState *cs, const TBInsn *in)
{
    set_f32(cs, in->rd, (uint32_t)XREG(in->rs1));
    return 0;
}

int riscv_op_fmv_x_d(CPUState *cs, const TBInsn *in)
{
    XREG(in->rd) = FREG(in->rs1);
    return 0;
}

int riscv_op_fmv_d_x(CPUState *cs, const TBInsn *in)
{
    set_f64(cs, in->rd, XREG(in->rs1));
    return 0;
}

/* --- Conversions --------------------------------------------------------- */

/* Float -> integer: W results are sign-extended to 64 bits (§11.7). */
#define DEF_CVT_TO_INT(id, rtype, expr) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0; \
        rtype r = (expr); \
        XREG(in->rd) = (uint64_t)(int64_t)r; \
        accrue(cs, fl); \
        return 0; \
    }

DEF_CVT_TO_INT(fcvt_w_s, int32_t, f32_to_i32(get_f32(cs, in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_wu_s, int32_t, (int32_t)f32_to_u32(get_f32(cs, in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_l_s, int64_t, f32_to_i64(get_f32(cs, in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_lu_s, int64_t, (int64_t)f32_to_u64(get_f32(cs, in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_w_d, int32_t, f64_to_i32(FREG(in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_wu_d, int32_t, (int32_t)f64_to_u32(FREG(in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_l_d, int64_t, f64_to_i64(FREG(in->rs1), rm, &fl))
DEF_CVT_TO_INT(fcvt_lu_d, int64_t, (int64_t)f64_to_u64(FREG(in->rs1), rm, &fl))

/*
 * Integer or other format -> single/double (bits = 32 or 64).  The exact
 * ones (d from w, wu, s) still have an rm field whose reserved values
 * are illegal (§11.2).
 */
#define DEF_CVT_TO_F(id, bits, expr) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        int rm = get_rm(cs, in); \
        uint32_t fl = 0; \
        uint##bits##_t r = (expr); \
        (void)rm; \
        set_f##bits(cs, in->rd, r); \
        accrue(cs, fl); \
        return 0; \
    }
#define DEF_CVT_TO_S(id, expr) DEF_CVT_TO_F(id, 32, expr)
#define DEF_CVT_TO_D(id, expr) DEF_CVT_TO_F(id, 64, expr)

DEF_CVT_TO_S(fcvt_s_w, i32_to_f32((int32_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_S(fcvt_s_wu, u32_to_f32((uint32_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_S(fcvt_s_l, i64_to_f32((int64_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_S(fcvt_s_lu, u64_to_f32(XREG(in->rs1), rm, &fl))
DEF_CVT_TO_S(fcvt_s_d, f64_to_f32(FREG(in->rs1), rm, &fl))

DEF_CVT_TO_D(fcvt_d_w, i32_to_f64((int32_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_D(fcvt_d_wu, u32_to_f64((uint32_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_D(fcvt_d_l, i64_to_f64((int64_t)XREG(in->rs1), rm, &fl))
DEF_CVT_TO_D(fcvt_d_lu, u64_to_f64(XREG(in->rs1), rm, &fl))
DEF_CVT_TO_D(fcvt_d_s, f32_to_f64(get_f32(cs, in->rs1), &fl))
