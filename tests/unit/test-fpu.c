/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for cpu/riscv/fpu.c, the RISC-V F/D software floating point.
 * Every expected value is a constant derived by hand from IEEE 754-2019 and
 * the RISC-V F/D chapters (and cross-checked against qemu-riscv64), never
 * computed by the code under test.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpu/riscv/fpu.h"

/* binary32 constants */
#define S_ONE       0x3f800000u
#define S_TWO       0x40000000u
#define S_THREE     0x40400000u
#define S_HALF      0x3f000000u
#define S_NEG_ONE   0xbf800000u
#define S_POS_ZERO  0x00000000u
#define S_NEG_ZERO  0x80000000u
#define S_POS_INF   0x7f800000u
#define S_NEG_INF   0xff800000u
#define S_MAX       0x7f7fffffu
#define S_NEG_MAX   0xff7fffffu
#define S_MIN_NORM  0x00800000u
#define S_MIN_SUB   0x00000001u
#define S_QNAN      0x7fc00000u
#define S_QNAN_PAY  0x7fc12345u
#define S_SNAN      0x7f800001u
#define S_ULP_HALF  0x33800000u /* 2^-24: half an ulp of 1.0 */

/* binary64 constants */
#define D_ONE       0x3ff0000000000000ull
#define D_THREE     0x4008000000000000ull
#define D_NEG_ONE   0xbff0000000000000ull
#define D_POS_ZERO  0x0000000000000000ull
#define D_NEG_ZERO  0x8000000000000000ull
#define D_POS_INF   0x7ff0000000000000ull
#define D_NEG_INF   0xfff0000000000000ull
#define D_MAX       0x7fefffffffffffffull
#define D_TWO       0x4000000000000000ull
#define D_QNAN      0x7ff8000000000000ull
#define D_SNAN      0x7ff0000000000001ull

/* ---- Addition and subtraction ---------------------------------------- */

static void test_f32_add_exact_raises_no_flags(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_ONE, S_TWO, FPU_RNE, &fl), S_THREE);
    assert_int_equal(fl, 0);
}

static void test_f32_add_rounds_halfway_to_even(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 1 + 2^-24 is halfway between 1.0 (even) and 1 + 2^-23 (odd) */
    assert_int_equal(f32_add(S_ONE, S_ULP_HALF, FPU_RNE, &fl), S_ONE);
    assert_int_equal(fl, FFLAG_NX);
    /* (1 + 2^-23) + 2^-24 is halfway between odd 0x..01 and even 0x..02 */
    fl = 0;
    assert_int_equal(f32_add(0x3f800001u, S_ULP_HALF, FPU_RNE, &fl), 0x3f800002u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_add_rmm_rounds_halfway_away_from_zero(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_ONE, S_ULP_HALF, FPU_RMM, &fl), 0x3f800001u);
    assert_int_equal(fl, FFLAG_NX);
    fl = 0;
    assert_int_equal(f32_add(S_NEG_ONE, 0xb3800000u, FPU_RMM, &fl), 0xbf800001u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_add_rtz_truncates(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 1 + 2^-24 * (1 + 2^-23) is above the halfway point */
    assert_int_equal(f32_add(S_ONE, 0x33800001u, FPU_RTZ, &fl), S_ONE);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_add_rdn_rounds_towards_minus_infinity(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_ONE, S_ULP_HALF, FPU_RDN, &fl), S_ONE);
    assert_int_equal(f32_add(S_NEG_ONE, 0xb3800000u, FPU_RDN, &fl), 0xbf800001u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_add_rup_rounds_towards_plus_infinity(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_ONE, S_ULP_HALF, FPU_RUP, &fl), 0x3f800001u);
    assert_int_equal(f32_add(S_NEG_ONE, 0xb3800000u, FPU_RUP, &fl), S_NEG_ONE);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_sub_exact_cancellation_is_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* (1 + 2^-23) - 1 = 2^-23 */
    assert_int_equal(f32_sub(0x3f800001u, S_ONE, FPU_RNE, &fl), 0x34000000u);
    assert_int_equal(fl, 0);
}

static void test_f32_sub_exact_zero_is_positive_except_rdn(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_sub(S_ONE, S_ONE, FPU_RNE, &fl), S_POS_ZERO);
    assert_int_equal(f32_sub(S_ONE, S_ONE, FPU_RUP, &fl), S_POS_ZERO);
    assert_int_equal(f32_sub(S_ONE, S_ONE, FPU_RDN, &fl), S_NEG_ZERO);
    assert_int_equal(fl, 0);
}

static void test_f32_add_of_signed_zeros(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_POS_ZERO, S_NEG_ZERO, FPU_RNE, &fl), S_POS_ZERO);
    assert_int_equal(f32_add(S_POS_ZERO, S_NEG_ZERO, FPU_RDN, &fl), S_NEG_ZERO);
    assert_int_equal(f32_add(S_NEG_ZERO, S_NEG_ZERO, FPU_RNE, &fl), S_NEG_ZERO);
    assert_int_equal(fl, 0);
}

static void test_f32_add_inf_minus_inf_is_invalid(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_POS_INF, S_NEG_INF, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_add_qnan_gives_canonical_nan_without_flags(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_QNAN_PAY, S_ONE, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, 0);
}

static void test_f32_add_snan_raises_nv(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_ONE, S_SNAN, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_add_subnormal_inputs_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_add(S_MIN_SUB, S_MIN_SUB, FPU_RNE, &fl), 0x00000002u);
    assert_int_equal(fl, 0);
}

static void test_f64_add_subnormals_carry_into_normal(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_add(0x000fffffffffffffull, 1, FPU_RNE, &fl), 0x0010000000000000ull);
    assert_int_equal(fl, 0);
}

/* ---- Overflow per rounding mode ---------------------------------------- */

static void test_f32_overflow_rne_gives_inf(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_MAX, S_TWO, FPU_RNE, &fl), S_POS_INF);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f32_overflow_rtz_gives_max_finite(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_MAX, S_TWO, FPU_RTZ, &fl), S_MAX);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
    fl = 0;
    assert_int_equal(f32_mul(S_NEG_MAX, S_TWO, FPU_RTZ, &fl), S_NEG_MAX);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f32_overflow_rdn_depends_on_sign(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_MAX, S_TWO, FPU_RDN, &fl), S_MAX);
    assert_int_equal(f32_mul(S_NEG_MAX, S_TWO, FPU_RDN, &fl), S_NEG_INF);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f32_overflow_rup_depends_on_sign(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_MAX, S_TWO, FPU_RUP, &fl), S_POS_INF);
    assert_int_equal(f32_mul(S_NEG_MAX, S_TWO, FPU_RUP, &fl), S_NEG_MAX);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f32_overflow_rmm_gives_inf(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_NEG_MAX, S_TWO, FPU_RMM, &fl), S_NEG_INF);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f32_rounding_up_to_overflow_sets_of(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* MAX + half an ulp of MAX (2^103) is a tie; RNE rounds to even = 2^128 */
    assert_int_equal(f32_add(S_MAX, 0x73000000u, FPU_RNE, &fl), S_POS_INF);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f64_mul_overflow_negative_rne(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_mul(D_MAX, 0xc000000000000000ull, FPU_RNE, &fl), D_NEG_INF);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

/* ---- Underflow and subnormals ------------------------------------------ */

static void test_f32_mul_exact_subnormal_result_raises_no_uf(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_mul(S_MIN_NORM, S_HALF, FPU_RNE, &fl), 0x00400000u);
    assert_int_equal(fl, 0);
}

static void test_f32_mul_inexact_subnormal_result_raises_uf(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* (2^-126 + 2^-149) / 2 is a tie between 0x00400000 and 0x00400001 */
    assert_int_equal(f32_mul(0x00800001u, S_HALF, FPU_RNE, &fl), 0x00400000u);
    assert_int_equal(fl, FFLAG_UF | FFLAG_NX);
}

static void test_underflow_detected_after_rounding(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /*
     * (1 - 2^-23) * (2^-126 * (1 + 2^-23)) = 2^-126 * (1 - 2^-46): below
     * 2^-126, but rounding to 24 bits with unbounded exponent gives 2^-126,
     * so it is not tiny after rounding: NX without UF.
     */
    assert_int_equal(f32_mul(0x3f7ffffeu, 0x00800001u, FPU_RNE, &fl), S_MIN_NORM);
    assert_int_equal(fl, FFLAG_NX);
    /* Rounded towards zero it stays below 2^-126: tiny and inexact. */
    fl = 0;
    assert_int_equal(f32_mul(0x3f7ffffeu, 0x00800001u, FPU_RTZ, &fl), 0x007fffffu);
    assert_int_equal(fl, FFLAG_UF | FFLAG_NX);
}

static void test_f64_to_f32_underflow_detected_after_rounding(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 2^-126 * (1 - 2^-25) rounds (RNE, 24 bits) to 2^-126: not tiny */
    assert_int_equal(f64_to_f32(0x380ffffff0000000ull, FPU_RNE, &fl), S_MIN_NORM);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_mul_underflow_to_zero_per_rounding_mode(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 2^-150 is a tie between +0 (even) and 2^-149 */
    assert_int_equal(f32_mul(S_MIN_SUB, S_HALF, FPU_RNE, &fl), S_POS_ZERO);
    assert_int_equal(fl, FFLAG_UF | FFLAG_NX);
    assert_int_equal(f32_mul(S_MIN_SUB, S_HALF, FPU_RMM, &fl), S_MIN_SUB);
    assert_int_equal(f32_mul(S_MIN_SUB, S_HALF, FPU_RUP, &fl), S_MIN_SUB);
    assert_int_equal(f32_mul(S_MIN_SUB, S_HALF, FPU_RTZ, &fl), S_POS_ZERO);
    assert_int_equal(f32_mul(0x80000001u, S_HALF, FPU_RDN, &fl), 0x80000001u);
}

/* ---- Division and square root ------------------------------------------ */

static void test_f32_div_by_zero_raises_dz(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_div(S_NEG_ONE, S_POS_ZERO, FPU_RNE, &fl), S_NEG_INF);
    assert_int_equal(fl, FFLAG_DZ);
}

static void test_f64_div_by_zero_raises_dz(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_div(D_ONE, D_NEG_ZERO, FPU_RNE, &fl), D_NEG_INF);
    assert_int_equal(fl, FFLAG_DZ);
}

static void test_f32_div_zero_by_zero_is_invalid(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_div(S_POS_ZERO, S_NEG_ZERO, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_div_one_third_per_rounding_mode(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_div(D_ONE, D_THREE, FPU_RNE, &fl), 0x3fd5555555555555ull);
    assert_int_equal(f64_div(D_ONE, D_THREE, FPU_RTZ, &fl), 0x3fd5555555555555ull);
    assert_int_equal(f64_div(D_ONE, D_THREE, FPU_RUP, &fl), 0x3fd5555555555556ull);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_sqrt_exact_and_inexact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_sqrt(0x40800000u, FPU_RNE, &fl), S_TWO);
    assert_int_equal(fl, 0);
    assert_int_equal(f32_sqrt(S_TWO, FPU_RNE, &fl), 0x3fb504f3u);
    assert_int_equal(f32_sqrt(S_TWO, FPU_RUP, &fl), 0x3fb504f4u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_sqrt_of_negative_is_invalid(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_sqrt(S_NEG_ONE, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f32_sqrt(S_NEG_INF, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_sqrt_of_negative_zero_is_negative_zero(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_sqrt(S_NEG_ZERO, FPU_RNE, &fl), S_NEG_ZERO);
    assert_int_equal(fl, 0);
}

static void test_f64_sqrt_of_subnormal_is_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* sqrt(2^-1074) = 2^-537 */
    assert_int_equal(f64_sqrt(1, FPU_RNE, &fl), 0x1e60000000000000ull);
    assert_int_equal(fl, 0);
}

/* ---- Fused multiply-add ------------------------------------------------ */

static void test_fma_rounds_once(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly; mul then add would give 0 */
    assert_int_equal(f64_muladd(0x3ff0000000000001ull, 0x3feffffffffffffeull, D_ONE, FPU_FMSUB,
                                FPU_RNE, &fl), 0xb970000000000000ull);
    assert_int_equal(fl, 0);
}

static void test_fma_inf_times_zero_plus_qnan_raises_nv(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_muladd(S_POS_INF, S_POS_ZERO, S_QNAN, FPU_FMADD, FPU_RNE, &fl),
                     F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f64_muladd(D_NEG_ZERO, D_POS_INF, D_QNAN, FPU_FNMADD, FPU_RNE, &fl),
                     F64_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_fma_qnan_addend_alone_raises_nothing(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_muladd(S_TWO, S_THREE, S_QNAN_PAY, FPU_FMADD, FPU_RNE, &fl),
                     F32_CANONICAL_NAN);
    assert_int_equal(fl, 0);
}

static void test_fma_inf_product_minus_inf_is_invalid(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_muladd(S_POS_INF, S_TWO, S_POS_INF, FPU_FMSUB, FPU_RNE, &fl),
                     F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_fma_variants_negate_product_and_addend(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_muladd(S_TWO, S_THREE, S_ONE, FPU_FMADD, FPU_RNE, &fl), 0x40e00000u);
    assert_int_equal(f32_muladd(S_TWO, S_THREE, S_ONE, FPU_FMSUB, FPU_RNE, &fl), 0x40a00000u);
    assert_int_equal(f32_muladd(S_TWO, S_THREE, S_ONE, FPU_FNMSUB, FPU_RNE, &fl), 0xc0a00000u);
    assert_int_equal(f32_muladd(S_TWO, S_THREE, S_ONE, FPU_FNMADD, FPU_RNE, &fl), 0xc0e00000u);
    assert_int_equal(fl, 0);
}

static void test_fma_exact_zero_sign_follows_rounding_mode(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_muladd(D_ONE, D_ONE, D_NEG_ONE, FPU_FMADD, FPU_RNE, &fl), D_POS_ZERO);
    assert_int_equal(f64_muladd(D_ONE, D_ONE, D_NEG_ONE, FPU_FMADD, FPU_RDN, &fl), D_NEG_ZERO);
    assert_int_equal(fl, 0);
}

static void test_fma_zero_product_plus_zero_keeps_common_sign(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* (-0 * 1) + -0 = -0 in every mode */
    assert_int_equal(f32_muladd(S_NEG_ZERO, S_ONE, S_NEG_ZERO, FPU_FMADD, FPU_RNE, &fl),
                     S_NEG_ZERO);
    /* -(+0 * 1) - (-0) = -0 + +0 = +0 except RDN */
    assert_int_equal(f32_muladd(S_POS_ZERO, S_ONE, S_NEG_ZERO, FPU_FNMADD, FPU_RNE, &fl),
                     S_POS_ZERO);
    assert_int_equal(fl, 0);
}

/* ---- fmin / fmax ------------------------------------------------------- */

static void test_f32_fmin_of_two_nans_is_canonical(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_min(S_QNAN_PAY, 0xffc00001u, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, 0);
}

static void test_f32_fmin_with_one_qnan_returns_other_operand(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_min(S_QNAN_PAY, S_NEG_ONE, &fl), S_NEG_ONE);
    assert_int_equal(f32_max(S_ONE, S_QNAN, &fl), S_ONE);
    assert_int_equal(fl, 0);
}

static void test_f64_fmax_with_snan_returns_other_and_raises_nv(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_max(D_SNAN, D_NEG_ONE, &fl), D_NEG_ONE);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_fmin_fmax_order_negative_zero_below_positive_zero(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_min(S_POS_ZERO, S_NEG_ZERO, &fl), S_NEG_ZERO);
    assert_int_equal(f32_max(S_NEG_ZERO, S_POS_ZERO, &fl), S_POS_ZERO);
    assert_int_equal(f64_min(D_POS_ZERO, D_NEG_ZERO, &fl), D_NEG_ZERO);
    assert_int_equal(f64_max(D_NEG_ZERO, D_POS_ZERO, &fl), D_POS_ZERO);
    assert_int_equal(fl, 0);
}

static void test_f64_fmin_fmax_of_ordinary_numbers(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_min(D_NEG_INF, D_NEG_ONE, &fl), D_NEG_INF);
    assert_int_equal(f64_max(D_NEG_ONE, D_THREE, &fl), D_THREE);
    assert_int_equal(fl, 0);
}

/* ---- Comparisons ------------------------------------------------------- */

static void test_f32_feq_is_quiet_on_qnan(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_eq(S_QNAN, S_QNAN, &fl), 0);
    assert_int_equal(fl, 0);
}

static void test_f32_feq_raises_nv_on_snan(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_eq(S_ONE, S_SNAN, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_feq_treats_zeros_as_equal(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_eq(S_POS_ZERO, S_NEG_ZERO, &fl), 1);
    assert_int_equal(f64_eq(D_NEG_ZERO, D_POS_ZERO, &fl), 1);
    assert_int_equal(f64_le(D_NEG_ZERO, D_POS_ZERO, &fl), 1);
    assert_int_equal(f64_lt(D_NEG_ZERO, D_POS_ZERO, &fl), 0);
    assert_int_equal(fl, 0);
}

static void test_f32_flt_fle_signal_on_qnan(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_lt(S_QNAN, S_ONE, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f32_le(S_ONE, S_QNAN, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_flt_fle_order_negative_numbers(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_lt(D_NEG_INF, D_NEG_ONE, &fl), 1);
    assert_int_equal(f64_lt(D_NEG_ONE, 0xbff0000000000001ull, &fl), 0);
    assert_int_equal(f64_le(D_NEG_ONE, D_NEG_ONE, &fl), 1);
    assert_int_equal(f64_lt(D_NEG_ONE, D_NEG_ONE, &fl), 0);
    assert_int_equal(fl, 0);
}

/* ---- Classification ---------------------------------------------------- */

static void test_f32_classify_every_class(void **state)
{
    (void)state;
    assert_int_equal(f32_classify(S_NEG_INF), 1u << 0);
    assert_int_equal(f32_classify(S_NEG_ONE), 1u << 1);
    assert_int_equal(f32_classify(0x80000001u), 1u << 2);
    assert_int_equal(f32_classify(S_NEG_ZERO), 1u << 3);
    assert_int_equal(f32_classify(S_POS_ZERO), 1u << 4);
    assert_int_equal(f32_classify(0x007fffffu), 1u << 5);
    assert_int_equal(f32_classify(S_MIN_NORM), 1u << 6);
    assert_int_equal(f32_classify(S_POS_INF), 1u << 7);
    assert_int_equal(f32_classify(S_SNAN), 1u << 8);
    assert_int_equal(f32_classify(0xffc00000u), 1u << 9);
}

static void test_f64_classify_every_class(void **state)
{
    (void)state;
    assert_int_equal(f64_classify(D_NEG_INF), 1u << 0);
    assert_int_equal(f64_classify(0xffefffffffffffffull), 1u << 1);
    assert_int_equal(f64_classify(0x800fffffffffffffull), 1u << 2);
    assert_int_equal(f64_classify(D_NEG_ZERO), 1u << 3);
    assert_int_equal(f64_classify(D_POS_ZERO), 1u << 4);
    assert_int_equal(f64_classify(1), 1u << 5);
    assert_int_equal(f64_classify(D_ONE), 1u << 6);
    assert_int_equal(f64_classify(D_POS_INF), 1u << 7);
    assert_int_equal(f64_classify(0x7ff7ffffffffffffull), 1u << 8);
    assert_int_equal(f64_classify(D_QNAN), 1u << 9);
}

/* ---- Float to integer -------------------------------------------------- */

static void test_f32_to_i32_each_rounding_mode(void **state)
{
    uint32_t fl = 0;
    const uint32_t pos = 0x40200000u;   /* 2.5 */
    const uint32_t neg = 0xc0200000u;   /* -2.5 */

    (void)state;
    assert_int_equal(f32_to_i32(pos, FPU_RNE, &fl), 2);
    assert_int_equal(f32_to_i32(pos, FPU_RTZ, &fl), 2);
    assert_int_equal(f32_to_i32(pos, FPU_RDN, &fl), 2);
    assert_int_equal(f32_to_i32(pos, FPU_RUP, &fl), 3);
    assert_int_equal(f32_to_i32(pos, FPU_RMM, &fl), 3);
    assert_int_equal(f32_to_i32(neg, FPU_RNE, &fl), -2);
    assert_int_equal(f32_to_i32(neg, FPU_RTZ, &fl), -2);
    assert_int_equal(f32_to_i32(neg, FPU_RDN, &fl), -3);
    assert_int_equal(f32_to_i32(neg, FPU_RUP, &fl), -2);
    assert_int_equal(f32_to_i32(neg, FPU_RMM, &fl), -3);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f32_to_i32_saturates_at_boundaries(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_i32(0x4effffffu, FPU_RNE, &fl), 2147483520);
    assert_int_equal(f32_to_i32(0xcf000000u, FPU_RNE, &fl), INT32_MIN);
    assert_int_equal(fl, 0);
    assert_int_equal(f32_to_i32(0x4f000000u, FPU_RNE, &fl), INT32_MAX);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f32_to_i32(0xcf000001u, FPU_RNE, &fl), INT32_MIN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_to_i32_nan_and_inf_saturate(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_i32(0xffc00000u, FPU_RNE, &fl), INT32_MAX);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f32_to_i32(S_NEG_INF, FPU_RNE, &fl), INT32_MIN);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f32_to_u32(S_QNAN, FPU_RNE, &fl), UINT32_MAX);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_to_u32_negative_saturates_to_zero_with_nv(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_u32(S_NEG_ONE, FPU_RTZ, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    /* -0.3 rounded down is -1: out of range */
    assert_int_equal(f32_to_u32(0xbe99999au, FPU_RDN, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_to_u32_negative_rounding_to_zero_is_only_inexact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_u32(0xbe99999au, FPU_RTZ, &fl), 0);   /* -0.3 */
    assert_int_equal(f32_to_u32(0xbe99999au, FPU_RNE, &fl), 0);
    assert_int_equal(f32_to_u32(0xbf000000u, FPU_RNE, &fl), 0);   /* -0.5 ties to even 0 */
    assert_int_equal(fl, FFLAG_NX);
    fl = 0;
    assert_int_equal(f32_to_u32(S_NEG_ZERO, FPU_RNE, &fl), 0);
    assert_int_equal(fl, 0);
}

static void test_f32_to_u32_rmm_negative_half_is_invalid(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* -0.5 ties away from zero to -1, which is out of range */
    assert_int_equal(f32_to_u32(0xbf000000u, FPU_RMM, &fl), 0);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_to_i32_rounding_past_limit_is_invalid_not_inexact(void **state)
{
    uint32_t fl = 0;
    const uint64_t v = 0x41dfffffffe00000ull;   /* 2147483647.5 */

    (void)state;
    assert_int_equal(f64_to_i32(v, FPU_RTZ, &fl), INT32_MAX);
    assert_int_equal(fl, FFLAG_NX);
    fl = 0;
    assert_int_equal(f64_to_i32(v, FPU_RNE, &fl), INT32_MAX);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_to_u32_at_boundaries(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_to_u32(0x41efffffffe00000ull, FPU_RNE, &fl), UINT32_MAX);
    assert_int_equal(fl, 0);
    assert_int_equal(f64_to_u32(0x41f0000000000000ull, FPU_RNE, &fl), UINT32_MAX);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_to_i64_at_boundaries(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_to_i64(0x43dfffffffffffffull, FPU_RNE, &fl), 0x7ffffffffffffc00ll);
    assert_int_equal(f64_to_i64(0xc3e0000000000000ull, FPU_RNE, &fl), INT64_MIN);
    assert_int_equal(fl, 0);
    assert_int_equal(f64_to_i64(0x43e0000000000000ull, FPU_RNE, &fl), INT64_MAX);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f64_to_u64_at_boundaries(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_to_u64(0x43efffffffffffffull, FPU_RNE, &fl), 0xfffffffffffff800ull);
    assert_int_equal(fl, 0);
    assert_int_equal(f64_to_u64(0x43f0000000000000ull, FPU_RNE, &fl), UINT64_MAX);
    assert_int_equal(fl, FFLAG_NV);
    fl = 0;
    assert_int_equal(f64_to_u64(D_QNAN, FPU_RNE, &fl), UINT64_MAX);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_to_i64_small_values_round_per_mode(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 2^-149 */
    assert_int_equal(f32_to_i64(S_MIN_SUB, FPU_RNE, &fl), 0);
    assert_int_equal(f32_to_i64(S_MIN_SUB, FPU_RUP, &fl), 1);
    assert_int_equal(f32_to_i64(0x80000001u, FPU_RDN, &fl), -1);
    assert_int_equal(f32_to_u64(S_MIN_SUB, FPU_RMM, &fl), 0);
    assert_int_equal(fl, FFLAG_NX);
}

/* ---- Integer to float -------------------------------------------------- */

static void test_i32_to_f32_rounds_large_values(void **state)
{
    uint32_t fl = 0;

    (void)state;
    /* 2^24 + 1 is a tie between 2^24 (even) and 2^24 + 2 */
    assert_int_equal(i32_to_f32(16777217, FPU_RNE, &fl), 0x4b800000u);
    assert_int_equal(i32_to_f32(16777217, FPU_RUP, &fl), 0x4b800001u);
    assert_int_equal(i32_to_f32(16777217, FPU_RMM, &fl), 0x4b800001u);
    assert_int_equal(i32_to_f32(-16777217, FPU_RDN, &fl), 0xcb800001u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_int_zero_converts_to_positive_zero(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(i32_to_f32(0, FPU_RDN, &fl), S_POS_ZERO);
    assert_int_equal(i64_to_f64(0, FPU_RDN, &fl), D_POS_ZERO);
    assert_int_equal(fl, 0);
}

static void test_u64_to_f64_max_per_rounding_mode(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(u64_to_f64(UINT64_MAX, FPU_RNE, &fl), 0x43f0000000000000ull);
    assert_int_equal(u64_to_f64(UINT64_MAX, FPU_RTZ, &fl), 0x43efffffffffffffull);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_i64_to_f32_min_is_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(i64_to_f32(INT64_MIN, FPU_RNE, &fl), 0xdf000000u);
    assert_int_equal(fl, 0);
}

static void test_u32_and_i32_to_f64_are_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(u32_to_f64(UINT32_MAX, FPU_RNE, &fl), 0x41efffffffe00000ull);
    assert_int_equal(i32_to_f64(INT32_MIN, FPU_RNE, &fl), 0xc1e0000000000000ull);
    assert_int_equal(u32_to_f32(UINT32_MAX, FPU_RTZ, &fl), 0x4f7fffffu);
    assert_int_equal(fl, FFLAG_NX);   /* only the f32 conversion is inexact */
}

/* ---- Float to float ---------------------------------------------------- */

static void test_f64_to_f32_rounds_per_mode(void **state)
{
    uint32_t fl = 0;
    const uint64_t v = 0x3ff0000010000000ull;   /* 1 + 2^-24 */

    (void)state;
    assert_int_equal(f64_to_f32(v, FPU_RNE, &fl), S_ONE);
    assert_int_equal(f64_to_f32(v, FPU_RTZ, &fl), S_ONE);
    assert_int_equal(f64_to_f32(v, FPU_RDN, &fl), S_ONE);
    assert_int_equal(f64_to_f32(v, FPU_RUP, &fl), 0x3f800001u);
    assert_int_equal(f64_to_f32(v, FPU_RMM, &fl), 0x3f800001u);
    assert_int_equal(fl, FFLAG_NX);
}

static void test_f64_to_f32_overflow(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_to_f32(0x47f0000000000000ull, FPU_RNE, &fl), S_POS_INF);
    assert_int_equal(f64_to_f32(0x47f0000000000000ull, FPU_RTZ, &fl), S_MAX);
    assert_int_equal(fl, FFLAG_OF | FFLAG_NX);
}

static void test_f64_to_f32_nan_is_canonical(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f64_to_f32(0xfff8dead00000000ull, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, 0);
    assert_int_equal(f64_to_f32(D_SNAN, FPU_RNE, &fl), F32_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

static void test_f32_to_f64_subnormal_is_exact(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_f64(S_MIN_SUB, &fl), 0x36a0000000000000ull);
    assert_int_equal(f32_to_f64(0x80000000u, &fl), D_NEG_ZERO);
    assert_int_equal(fl, 0);
}

static void test_f32_to_f64_snan_raises_nv(void **state)
{
    uint32_t fl = 0;

    (void)state;
    assert_int_equal(f32_to_f64(S_SNAN, &fl), F64_CANONICAL_NAN);
    assert_int_equal(fl, FFLAG_NV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32_add_exact_raises_no_flags),
        cmocka_unit_test(test_f32_add_rounds_halfway_to_even),
        cmocka_unit_test(test_f32_add_rmm_rounds_halfway_away_from_zero),
        cmocka_unit_test(test_f32_add_rtz_truncates),
        cmocka_unit_test(test_f32_add_rdn_rounds_towards_minus_infinity),
        cmocka_unit_test(test_f32_add_rup_rounds_towards_plus_infinity),
        cmocka_unit_test(test_f32_sub_exact_cancellation_is_exact),
        cmocka_unit_test(test_f32_sub_exact_zero_is_positive_except_rdn),
        cmocka_unit_test(test_f32_add_of_signed_zeros),
        cmocka_unit_test(test_f32_add_inf_minus_inf_is_invalid),
        cmocka_unit_test(test_f32_add_qnan_gives_canonical_nan_without_flags),
        cmocka_unit_test(test_f32_add_snan_raises_nv),
        cmocka_unit_test(test_f32_add_subnormal_inputs_exact),
        cmocka_unit_test(test_f64_add_subnormals_carry_into_normal),
        cmocka_unit_test(test_f32_overflow_rne_gives_inf),
        cmocka_unit_test(test_f32_overflow_rtz_gives_max_finite),
        cmocka_unit_test(test_f32_overflow_rdn_depends_on_sign),
        cmocka_unit_test(test_f32_overflow_rup_depends_on_sign),
        cmocka_unit_test(test_f32_overflow_rmm_gives_inf),
        cmocka_unit_test(test_f32_rounding_up_to_overflow_sets_of),
        cmocka_unit_test(test_f64_mul_overflow_negative_rne),
        cmocka_unit_test(test_f32_mul_exact_subnormal_result_raises_no_uf),
        cmocka_unit_test(test_f32_mul_inexact_subnormal_result_raises_uf),
        cmocka_unit_test(test_underflow_detected_after_rounding),
        cmocka_unit_test(test_f64_to_f32_underflow_detected_after_rounding),
        cmocka_unit_test(test_f32_mul_underflow_to_zero_per_rounding_mode),
        cmocka_unit_test(test_f32_div_by_zero_raises_dz),
        cmocka_unit_test(test_f64_div_by_zero_raises_dz),
        cmocka_unit_test(test_f32_div_zero_by_zero_is_invalid),
        cmocka_unit_test(test_f64_div_one_third_per_rounding_mode),
        cmocka_unit_test(test_f32_sqrt_exact_and_inexact),
        cmocka_unit_test(test_f32_sqrt_of_negative_is_invalid),
        cmocka_unit_test(test_f32_sqrt_of_negative_zero_is_negative_zero),
        cmocka_unit_test(test_f64_sqrt_of_subnormal_is_exact),
        cmocka_unit_test(test_fma_rounds_once),
        cmocka_unit_test(test_fma_inf_times_zero_plus_qnan_raises_nv),
        cmocka_unit_test(test_fma_qnan_addend_alone_raises_nothing),
        cmocka_unit_test(test_fma_inf_product_minus_inf_is_invalid),
        cmocka_unit_test(test_fma_variants_negate_product_and_addend),
        cmocka_unit_test(test_fma_exact_zero_sign_follows_rounding_mode),
        cmocka_unit_test(test_fma_zero_product_plus_zero_keeps_common_sign),
        cmocka_unit_test(test_f32_fmin_of_two_nans_is_canonical),
        cmocka_unit_test(test_f32_fmin_with_one_qnan_returns_other_operand),
        cmocka_unit_test(test_f64_fmax_with_snan_returns_other_and_raises_nv),
        cmocka_unit_test(test_fmin_fmax_order_negative_zero_below_positive_zero),
        cmocka_unit_test(test_f64_fmin_fmax_of_ordinary_numbers),
        cmocka_unit_test(test_f32_feq_is_quiet_on_qnan),
        cmocka_unit_test(test_f32_feq_raises_nv_on_snan),
        cmocka_unit_test(test_feq_treats_zeros_as_equal),
        cmocka_unit_test(test_f32_flt_fle_signal_on_qnan),
        cmocka_unit_test(test_f64_flt_fle_order_negative_numbers),
        cmocka_unit_test(test_f32_classify_every_class),
        cmocka_unit_test(test_f64_classify_every_class),
        cmocka_unit_test(test_f32_to_i32_each_rounding_mode),
        cmocka_unit_test(test_f32_to_i32_saturates_at_boundaries),
        cmocka_unit_test(test_f32_to_i32_nan_and_inf_saturate),
        cmocka_unit_test(test_f32_to_u32_negative_saturates_to_zero_with_nv),
        cmocka_unit_test(test_f32_to_u32_negative_rounding_to_zero_is_only_inexact),
        cmocka_unit_test(test_f32_to_u32_rmm_negative_half_is_invalid),
        cmocka_unit_test(test_f64_to_i32_rounding_past_limit_is_invalid_not_inexact),
        cmocka_unit_test(test_f64_to_u32_at_boundaries),
        cmocka_unit_test(test_f64_to_i64_at_boundaries),
        cmocka_unit_test(test_f64_to_u64_at_boundaries),
        cmocka_unit_test(test_f32_to_i64_small_values_round_per_mode),
        cmocka_unit_test(test_i32_to_f32_rounds_large_values),
        cmocka_unit_test(test_int_zero_converts_to_positive_zero),
        cmocka_unit_test(test_u64_to_f64_max_per_rounding_mode),
        cmocka_unit_test(test_i64_to_f32_min_is_exact),
        cmocka_unit_test(test_u32_and_i32_to_f64_are_exact),
        cmocka_unit_test(test_f64_to_f32_rounds_per_mode),
        cmocka_unit_test(test_f64_to_f32_overflow),
        cmocka_unit_test(test_f64_to_f32_nan_is_canonical),
        cmocka_unit_test(test_f32_to_f64_subnormal_is_exact),
        cmocka_unit_test(test_f32_to_f64_snan_raises_nv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
