/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IEEE 754-2019 binary32/binary64 arithmetic as the RISC-V F and D
 * extensions define it (unprivileged ISA, chapters "F" and "D"):
 * five static rounding modes, exact accrued exception flags, tininess
 * detected after rounding, a canonical quiet NaN for every NaN result,
 * saturating float-to-integer conversions and IEEE minimumNumber /
 * maximumNumber for fmin/fmax.  Values are raw bit patterns; NaN-boxing
 * of binary32 in 64-bit registers is the instruction handlers' business,
 * not this file's.  Pure functions: no global state, thread-safe.
 */
#ifndef VM_CPU_RISCV_FPU_H
#define VM_CPU_RISCV_FPU_H

#include <stdint.h>
#include <stdbool.h>

/* Rounding modes, numbered as the frm field / instruction rm field. */
enum {
    FPU_RNE = 0, /* to nearest, ties to even */
    FPU_RTZ = 1, /* towards zero */
    FPU_RDN = 2, /* down, towards -inf */
    FPU_RUP = 3, /* up, towards +inf */
    FPU_RMM = 4, /* to nearest, ties to max magnitude */
};

/* Accrued exception flags, bit positions as in fflags. */
enum {
    FFLAG_NX = 1 << 0, /* inexact */
    FFLAG_UF = 1 << 1, /* underflow */
    FFLAG_OF = 1 << 2, /* overflow */
    FFLAG_DZ = 1 << 3, /* divide by zero */
    FFLAG_NV = 1 << 4, /* invalid */
};

#define F32_CANONICAL_NAN 0x7fc00000u
#define F64_CANONICAL_NAN 0x7ff8000000000000ull

/* Fused multiply-add variants, as the RISC-V instructions name them. */
enum {
    FPU_FMADD = 0,  /*  (a*b)+c */
    FPU_FMSUB = 1,  /*  (a*b)-c */
    FPU_FNMSUB = 2, /* -(a*b)+c */
    FPU_FNMADD = 3, /* -(a*b)-c */
};

/*
 * Every function takes raw operands, a rounding mode (0..4; callers
 * resolve the dynamic mode first and never pass an invalid one) where
 * rounding can happen, and ORs the exceptions it raises into *flags.
 * Comparisons return 0 or 1.  fclass returns the 10-bit class mask.
 * Float-to-integer conversions saturate as the spec's table says (NaN
 * converts to the largest positive value) and raise NV when out of range.
 */
uint32_t f32_add(uint32_t a, uint32_t b, int rm, uint32_t *flags);
uint32_t f32_sub(uint32_t a, uint32_t b, int rm, uint32_t *flags);
uint32_t f32_mul(uint32_t a, uint32_t b, int rm, uint32_t *flags);
uint32_t f32_div(uint32_t a, uint32_t b, int rm, uint32_t *flags);
uint32_t f32_sqrt(uint32_t a, int rm, uint32_t *flags);
uint32_t f32_muladd(uint32_t a, uint32_t b, uint32_t c, int op, int rm, uint32_t *flags);
uint32_t f32_min(uint32_t a, uint32_t b, uint32_t *flags);
uint32_t f32_max(uint32_t a, uint32_t b, uint32_t *flags);
int f32_eq(uint32_t a, uint32_t b, uint32_t *flags); /* quiet: NV on sNaN only */
int f32_lt(uint32_t a, uint32_t b, uint32_t *flags); /* signaling: NV on any NaN */
int f32_le(uint32_t a, uint32_t b, uint32_t *flags);
uint32_t f32_classify(uint32_t a);

uint64_t f64_add(uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t f64_sub(uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t f64_mul(uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t f64_div(uint64_t a, uint64_t b, int rm, uint32_t *flags);
uint64_t f64_sqrt(uint64_t a, int rm, uint32_t *flags);
uint64_t f64_muladd(uint64_t a, uint64_t b, uint64_t c, int op, int rm, uint32_t *flags);
uint64_t f64_min(uint64_t a, uint64_t b, uint32_t *flags);
uint64_t f64_max(uint64_t a, uint64_t b, uint32_t *flags);
int f64_eq(uint64_t a, uint64_t b, uint32_t *flags);
int f64_lt(uint64_t a, uint64_t b, uint32_t *flags);
int f64_le(uint64_t a, uint64_t b, uint32_t *flags);
uint32_t f64_classify(uint64_t a);

/* Conversions between formats (NaN in -> canonical NaN out). */
uint64_t f32_to_f64(uint32_t a, uint32_t *flags);
uint32_t f64_to_f32(uint64_t a, int rm, uint32_t *flags);

/* Float -> integer (fcvt.w/wu/l/lu); results are the raw integer. */
int32_t f32_to_i32(uint32_t a, int rm, uint32_t *flags);
uint32_t f32_to_u32(uint32_t a, int rm, uint32_t *flags);
int64_t f32_to_i64(uint32_t a, int rm, uint32_t *flags);
uint64_t f32_to_u64(uint32_t a, int rm, uint32_t *flags);
int32_t f64_to_i32(uint64_t a, int rm, uint32_t *flags);
uint32_t f64_to_u32(uint64_t a, int rm, uint32_t *flags);
int64_t f64_to_i64(uint64_t a, int rm, uint32_t *flags);
uint64_t f64_to_u64(uint64_t a, int rm, uint32_t *flags);

/* Integer -> float (fcvt.s.w etc.). */
uint32_t i32_to_f32(int32_t a, int rm, uint32_t *flags);
uint32_t u32_to_f32(uint32_t a, int rm, uint32_t *flags);
uint32_t i64_to_f32(int64_t a, int rm, uint32_t *flags);
uint32_t u64_to_f32(uint64_t a, int rm, uint32_t *flags);
uint64_t i32_to_f64(int32_t a, int rm, uint32_t *flags);
uint64_t u32_to_f64(uint32_t a, int rm, uint32_t *flags);
uint64_t i64_to_f64(int64_t a, int rm, uint32_t *flags);
uint64_t u64_to_f64(uint64_t a, int rm, uint32_t *flags);

#endif /* VM_CPU_RISCV_FPU_H */
