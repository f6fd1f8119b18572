/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Software IEEE 754-2019 binary32/binary64 arithmetic for the RISC-V F and
 * D extensions (RISC-V unprivileged ISA, chapter "F" Standard Extension for
 * Single-Precision Floating-Point and chapter "D" Standard Extension for
 * Double-Precision Floating-Point).  Everything is done with integer
 * arithmetic on unpacked sign/exponent/significand triples, so results and
 * flags never depend on the host FPU.  One generic core, parameterised by a
 * format descriptor, serves both formats: operands are unpacked to a
 * significand normalised at bit 62 of a uint64_t (or bit 125 of an
 * unsigned __int128 for exact products), the operation keeps a sticky bit
 * for everything it drops, and a single rounding routine per format packs
 * the result honouring the five rounding modes, tininess after rounding,
 * overflow per rounding mode and the canonical NaN.
 */

#include <stddef.h>

#include "cpu/riscv/fpu.h"

typedef unsigned __int128 u128;

/* Description of one binary interchange format. */
struct fpu_format {
    int exp_bits;   /* width of the biased exponent field */
    int frac_bits;  /* width of the trailing significand field */
    int bias;
};

static const struct fpu_format fmt_f32 = { 8, 23, 127 };
static const struct fpu_format fmt_f64 = { 11, 52, 1023 };

/* Classes of an unpacked operand. */
enum fpu_class {
    CLS_ZERO,
    CLS_FINITE,     /* normal or subnormal, nonzero */
    CLS_INF,
    CLS_QNAN,
    CLS_SNAN,
};

/*
 * Unpacked operand.  For CLS_FINITE the value is
 * (-1)^sign * sig * 2^(exp - 62) with bit 62 of sig set, i.e. exp is the
 * unbiased exponent of the leading significand bit.
 */
struct unpacked {
    int cls;
    bool sign;
    int exp;
    uint64_t sig;
};

/* ---- Format helpers ---------------------------------------------------- */

static int exp_max_field(const struct fpu_format *f)
{
    return (1 << f->exp_bits) - 1;
}

static uint64_t frac_mask(const struct fpu_format *f)
{
    return (UINT64_C(1) << f->frac_bits) - 1;
}

static uint64_t sign_bit(const struct fpu_format *f, bool sign)
{
    return (uint64_t)sign << (f->exp_bits + f->frac_bits);
}

static uint64_t canonical_nan(const struct fpu_format *f)
{
    return ((uint64_t)exp_max_field(f) << f->frac_bits) | (UINT64_C(1) << (f->frac_bits - 1));
}

static uint64_t pack_inf(const struct fpu_format *f, bool sign)
{
    return sign_bit(f, sign) | ((uint64_t)exp_max_field(f) << f->frac_bits);
}

static uint64_t pack_zero(const struct fpu_format *f, bool sign)
{
    return sign_bit(f, sign);
}

static uint64_t pack_max_finite(const struct fpu_format *f, bool sign)
{
    return sign_bit(f, sign) | ((uint64_t)(exp_max_field(f) - 1) << f->frac_bits) | frac_mask(f);
}

static uint64_t negate(const struct fpu_format *f, uint64_t a)
{
    return a ^ sign_bit(f, true);
}

static struct unpacked unpack(const struct fpu_format *f, uint64_t a)
{
    struct unpacked u;
    int e = (int)((a >> f->frac_bits) & (uint64_t)exp_max_field(f));
    uint64_t frac = a & frac_mask(f);

    u.sign = (a >> (f->exp_bits + f->frac_bits)) & 1;
    u.exp = 0;
    u.sig = 0;
    if (e == exp_max_field(f)) {
        if (frac == 0) {
            u.cls = CLS_INF;
        } else if (frac >> (f->frac_bits - 1)) {
            u.cls = CLS_QNAN;
        } else {
            u.cls = CLS_SNAN;
        }
    } else if (e == 0 && frac == 0) {
        u.cls = CLS_ZERO;
    } else {
        int lz;

        u.cls = CLS_FINITE;
        if (e == 0) {
            e = 1;              /* subnormal: no hidden bit */
        } else {
            frac |= UINT64_C(1) << f->frac_bits;
        }
        /* value = frac * 2^(e - bias - frac_bits); move the leading bit to 62 */
        lz = __builtin_clzll(frac) - 1;
        u.sig = frac << lz;
        u.exp = e - f->bias - f->frac_bits + 62 - lz;
    }
    return u;
}

static bool is_nan(const struct unpacked *u)
{
    return u->cls == CLS_QNAN || u->cls == CLS_SNAN;
}

/* ---- Shifting and rounding --------------------------------------------- */

/* Shift right by n, ORing every bit shifted out into bit 0 ("jamming"). */
static uint64_t shift_right_jam64(uint64_t x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 64) {
        return x != 0;
    }
    return (x >> n) | ((x & ((UINT64_C(1) << n) - 1)) != 0);
}

static u128 shift_right_jam128(u128 x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 128) {
        return x != 0;
    }
    return (x >> n) | ((x & (((u128)1 << n) - 1)) != 0);
}

static int clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);

    if (hi) {
        return __builtin_clzll(hi);
    }
    return 64 + __builtin_clzll((uint64_t)x);
}

/*
 * Whether to add one unit in the last kept place.  half_cmp compares the
 * discarded part with half an ulp (<0, 0, >0), inexact says whether it is
 * nonzero, odd is the lowest kept bit.
 */
static bool round_increment(int rm, bool sign, bool odd, int half_cmp, bool inexact)
{
    switch (rm) {
    case FPU_RNE:
        return half_cmp > 0 || (half_cmp == 0 && odd);
    case FPU_RMM:
        return half_cmp >= 0;
    case FPU_RDN:
        return sign && inexact;
    case FPU_RUP:
        return !sign && inexact;
    default:            /* FPU_RTZ */
        return false;
    }
}

/* Compare the low n bits of x (1 <= n <= 63) with 2^(n-1). */
static int half_compare(uint64_t x, int n)
{
    uint64_t rem = x & ((UINT64_C(1) << n) - 1);
    uint64_t half = UINT64_C(1) << (n - 1);

    return rem < half ? -1 : rem > half;
}

static uint64_t overflow_result(const struct fpu_format *f, bool sign, int rm, uint32_t *flags)
{
    bool to_inf = rm == FPU_RNE || rm == FPU_RMM ||
                  (rm == FPU_RDN && sign) || (rm == FPU_RUP && !sign);

    *flags |= FFLAG_OF | FFLAG_NX;
    return to_inf ? pack_inf(f, sign) : pack_max_finite(f, sign);
}

/*
 * Round (-1)^sign * sig * 2^(exp - 62) to format f and pack it.  sig must
 * be nonzero; bit 0 may be a sticky bit.  Tininess is detected after
 * rounding: the value is tiny if, rounded to the format's precision with
 * an unbounded exponent range, it is still below the smallest normal.
 */
static uint64_t round_pack(const struct fpu_format *f, bool sign, int exp, uint64_t sig,
                           int rm, uint32_t *flags)
{
    int shift = 62 - f->frac_bits;      /* bits below the last kept place */
    int be;
    bool tiny = false;
    bool inexact;
    uint64_t kept;

    if (sig >> 63) {
        sig = shift_right_jam64(sig, 1);
        exp++;
    } else {
        int lz = __builtin_clzll(sig) - 1;

        sig <<= lz;
        exp -= lz;
    }
    be = exp + f->bias;
    if (be >= exp_max_field(f)) {
        return overflow_result(f, sign, rm, flags);
    }
    if (be < 1) {
        if (be < 0) {
            tiny = true;
        } else {
            /* be == 0: rounding at full precision may carry up to 2^emin. */
            bool inc = round_increment(rm, sign, (sig >> shift) & 1, half_compare(sig, shift),
                                       (sig & ((UINT64_C(1) << shift) - 1)) != 0);
            tiny = !(inc && (sig >> shift) == (UINT64_C(1) << (f->frac_bits + 1)) - 1);
        }
        sig = shift_right_jam64(sig, 1 - be);
        be = 1;
    }
    inexact = (sig & ((UINT64_C(1) << shift) - 1)) != 0;
    kept = sig >> shift;
    if (round_increment(rm, sign, kept & 1, half_compare(sig, shift), inexact)) {
        kept++;
        if (kept >> (f->frac_bits + 1)) {
            kept >>= 1;
            be++;
            if (be >= exp_max_field(f)) {
                return overflow_result(f, sign, rm, flags);
            }
        }
    }
    if (inexact) {
        *flags |= FFLAG_NX;
        if (tiny) {
            *flags |= FFLAG_UF;
        }
    }
    /* kept carries the hidden bit, which adds one to the exponent field. */
    return sign_bit(f, sign) + ((uint64_t)(be - 1) << f->frac_bits) + kept;
}

/*
 * Round (-1)^sign * x * 2^(exp - 125) where x is a nonzero 128-bit
 * significand (exact products and sums).
 */
static uint64_t round_pack_wide(const struct fpu_format *f, bool sign, int exp, u128 x,
                                int rm, uint32_t *flags)
{
    int lead = 127 - clz128(x);
    uint64_t sig;

    x <<= 126 - lead;
    sig = (uint64_t)(x >> 64) | ((uint64_t)x != 0);
    return round_pack(f, sign, exp + lead - 125, sig, rm, flags);
}

/* ---- NaN handling ------------------------------------------------------- */

/* Canonical NaN result; NV if any operand is a signaling NaN. */
static uint64_t nan_result(const struct fpu_format *f, const struct unpacked *a,
                           const struct unpacked *b, uint32_t *flags)
{
    if (a->cls == CLS_SNAN || (b && b->cls == CLS_SNAN)) {
        *flags |= FFLAG_NV;
    }
    return canonical_nan(f);
}

static uint64_t invalid_result(const struct fpu_format *f, uint32_t *flags)
{
    *flags |= FFLAG_NV;
    return canonical_nan(f);
}

/* ---- Addition and fused multiply-add core ------------------------------ */

/*
 * Add two exact wide values (-1)^sa * xa * 2^(ea - 125) and
 * (-1)^sb * xb * 2^(eb - 125), xa and xb in [2^125, 2^126), and round.
 */
static uint64_t add_wide(const struct fpu_format *f, bool sa, int ea, u128 xa,
                         bool sb, int eb, u128 xb, int rm, uint32_t *flags)
{
    u128 x;
    bool sign;

    if (ea < eb || (ea == eb && xa < xb)) {
        bool ts = sa;
        int te = ea;
        u128 tx = xa;

        sa = sb; ea = eb; xa = xb;
        sb = ts; eb = te; xb = tx;
    }
    /* Now |a| >= |b|; alignment loses bits only when ea - eb >= 2. */
    xb = shift_right_jam128(xb, ea - eb);
    sign = sa;
    if (sa == sb) {
        x = xa + xb;
    } else {
        x = xa - xb;
    }
    if (x == 0) {
        return pack_zero(f, rm == FPU_RDN);
    }
    return round_pack_wide(f, sign, ea, x, rm, flags);
}

static uint64_t gen_add(const struct fpu_format *f, uint64_t a, uint64_t b, int rm,
                        uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);

    if (is_nan(&ua) || is_nan(&ub)) {
        return nan_result(f, &ua, &ub, flags);
    }
    if (ua.cls == CLS_INF) {
        if (ub.cls == CLS_INF && ua.sign != ub.sign) {
            return invalid_result(f, flags);
        }
        return a;
    }
    if (ub.cls == CLS_INF) {
        return b;
    }
    if (ua.cls == CLS_ZERO) {
        if (ub.cls == CLS_ZERO && ua.sign != ub.sign) {
            return pack_zero(f, rm == FPU_RDN);
        }
        return b;
    }
    if (ub.cls == CLS_ZERO) {
        return a;
    }
    return add_wide(f, ua.sign, ua.exp, (u128)ua.sig << 63, ub.sign, ub.exp,
                    (u128)ub.sig << 63, rm, flags);
}

/* ---- Multiplication, division, square root ----------------------------- */

static uint64_t gen_mul(const struct fpu_format *f, uint64_t a, uint64_t b, int rm,
                        uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);
    bool sign = ua.sign ^ ub.sign;

    if (is_nan(&ua) || is_nan(&ub)) {
        return nan_result(f, &ua, &ub, flags);
    }
    if (ua.cls == CLS_INF || ub.cls == CLS_INF) {
        if (ua.cls == CLS_ZERO || ub.cls == CLS_ZERO) {
            return invalid_result(f, flags);
        }
        return pack_inf(f, sign);
    }
    if (ua.cls == CLS_ZERO || ub.cls == CLS_ZERO) {
        return pack_zero(f, sign);
    }
    /* sig_a * sig_b is in [2^124, 2^126), scaled by 2^(ea + eb - 124). */
    return round_pack_wide(f, sign, ua.exp + ub.exp + 1, (u128)ua.sig * ub.sig, rm, flags);
}

static uint64_t gen_div(const struct fpu_format *f, uint64_t a, uint64_t b, int rm,
                        uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);
    bool sign = ua.sign ^ ub.sign;
    u128 num;
    uint64_t q;

    if (is_nan(&ua) || is_nan(&ub)) {
        return nan_result(f, &ua, &ub, flags);
    }
    if (ua.cls == CLS_INF) {
        if (ub.cls == CLS_INF) {
            return invalid_result(f, flags);
        }
        return pack_inf(f, sign);
    }
    if (ub.cls == CLS_INF) {
        return pack_zero(f, sign);
    }
    if (ub.cls == CLS_ZERO) {
        if (ua.cls == CLS_ZERO) {
            return invalid_result(f, flags);
        }
        *flags |= FFLAG_DZ;
        return pack_inf(f, sign);
    }
    if (ua.cls == CLS_ZERO) {
        return pack_zero(f, sign);
    }
    /* (sig_a * 2^63) / sig_b is in (2^62, 2^64): plenty of quotient bits. */
    num = (u128)ua.sig << 63;
    q = (uint64_t)(num / ub.sig);
    q |= (num % ub.sig) != 0;
    return round_pack(f, sign, ua.exp - ub.exp - 1, q, rm, flags);
}

/* Integer square root of n (floor); *exact tells whether root^2 == n. */
static uint64_t isqrt128(u128 n, bool *exact)
{
    u128 rem = 0;
    u128 root = 0;
    int i;

    for (i = 0; i < 64; i++) {
        u128 trial;

        rem = (rem << 2) | (n >> 126);
        n <<= 2;
        root <<= 1;
        trial = (root << 1) | 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *exact = rem == 0;
    return (uint64_t)root;
}

static uint64_t gen_sqrt(const struct fpu_format *f, uint64_t a, int rm, uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    uint64_t sig = ua.sig;
    int exp = ua.exp;
    uint64_t root;
    bool exact;

    if (is_nan(&ua)) {
        return nan_result(f, &ua, NULL, flags);
    }
    if (ua.cls == CLS_ZERO) {
        return a;               /* sqrt(-0) = -0 */
    }
    if (ua.sign) {
        return invalid_result(f, flags);
    }
    if (ua.cls == CLS_INF) {
        return a;
    }
    /* Make the exponent even: value = sig * 2^(exp - 62), sig < 2^64. */
    if (exp & 1) {
        sig <<= 1;
        exp--;
    }
    /* sqrt(sig * 2^64) = root * 2^0, so value^(1/2) = root * 2^(exp/2 - 63). */
    root = isqrt128((u128)sig << 64, &exact);
    return round_pack(f, false, exp / 2 - 1, root | !exact, rm, flags);
}

/* ---- Fused multiply-add ------------------------------------------------- */

static uint64_t gen_muladd(const struct fpu_format *f, uint64_t a, uint64_t b, uint64_t c,
                           int op, int rm, uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);
    struct unpacked uc = unpack(f, c);
    bool neg_prod = op == FPU_FNMSUB || op == FPU_FNMADD;
    bool neg_add = op == FPU_FMSUB || op == FPU_FNMADD;
    bool inf_times_zero = (ua.cls == CLS_INF && ub.cls == CLS_ZERO) ||
                          (ua.cls == CLS_ZERO && ub.cls == CLS_INF);
    bool sp, sc;
    int ep;
    u128 xp;

    if (is_nan(&ua) || is_nan(&ub) || is_nan(&uc)) {
        /* inf * 0 is invalid even when the addend is a quiet NaN. */
        if (inf_times_zero || ua.cls == CLS_SNAN || ub.cls == CLS_SNAN || uc.cls == CLS_SNAN) {
            *flags |= FFLAG_NV;
        }
        return canonical_nan(f);
    }
    if (inf_times_zero) {
        return invalid_result(f, flags);
    }
    sp = ua.sign ^ ub.sign ^ neg_prod;
    sc = uc.sign ^ neg_add;
    if (ua.cls == CLS_INF || ub.cls == CLS_INF) {
        if (uc.cls == CLS_INF && sc != sp) {
            return invalid_result(f, flags);
        }
        return pack_inf(f, sp);
    }
    if (uc.cls == CLS_INF) {
        return pack_inf(f, sc);
    }
    if (ua.cls == CLS_ZERO || ub.cls == CLS_ZERO) {
        if (uc.cls == CLS_ZERO) {
            return pack_zero(f, sp == sc ? sp : rm == FPU_RDN);
        }
        return neg_add ? negate(f, c) : c;     /* exact */
    }
    /* Exact product, normalised to [2^125, 2^126) times 2^(ep - 125). */
    xp = (u128)ua.sig * ub.sig;
    ep = ua.exp + ub.exp + 1;
    if (!(xp >> 125)) {
        xp <<= 1;
        ep--;
    }
    if (uc.cls == CLS_ZERO) {
        return round_pack_wide(f, sp, ep, xp, rm, flags);
    }
    return add_wide(f, sp, ep, xp, sc, uc.exp, (u128)uc.sig << 63, rm, flags);
}

/* ---- Minimum, maximum, comparisons, classification ---------------------- */

enum { ORD_LT, ORD_EQ, ORD_GT, ORD_UN };

/* Order two operands numerically; -0 and +0 compare equal. */
static int compare(const struct fpu_format *f, uint64_t a, uint64_t b)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);
    uint64_t mag = sign_bit(f, true) - 1;
    uint64_t ma = a & mag;
    uint64_t mb = b & mag;

    if (is_nan(&ua) || is_nan(&ub)) {
        return ORD_UN;
    }
    if ((ma | mb) == 0 || a == b) {
        return ORD_EQ;
    }
    if (ua.sign != ub.sign) {
        return ua.sign ? ORD_LT : ORD_GT;
    }
    /* Same sign: magnitudes order like the raw bits, reversed if negative. */
    if ((ma < mb) != ua.sign) {
        return ORD_LT;
    }
    return ORD_GT;
}

/*
 * IEEE minimumNumber/maximumNumber as fmin/fmax use them: a single NaN
 * operand yields the other operand, two NaNs the canonical NaN, any sNaN
 * raises NV, and -0 is below +0.
 */
static uint64_t gen_minmax(const struct fpu_format *f, uint64_t a, uint64_t b, bool is_max,
                           uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);
    int ord;

    if (ua.cls == CLS_SNAN || ub.cls == CLS_SNAN) {
        *flags |= FFLAG_NV;
    }
    if (is_nan(&ua) && is_nan(&ub)) {
        return canonical_nan(f);
    }
    if (is_nan(&ua)) {
        return b;
    }
    if (is_nan(&ub)) {
        return a;
    }
    ord = compare(f, a, b);
    if (ord == ORD_EQ) {
        /* Only the zeros' signs can differ: min prefers -0, max +0. */
        bool pick_a = is_max ? !ua.sign : ua.sign;

        return pick_a ? a : b;
    }
    return (ord == ORD_GT) == is_max ? a : b;
}

static int gen_eq(const struct fpu_format *f, uint64_t a, uint64_t b, uint32_t *flags)
{
    struct unpacked ua = unpack(f, a);
    struct unpacked ub = unpack(f, b);

    if (ua.cls == CLS_SNAN || ub.cls == CLS_SNAN) {
        *flags |= FFLAG_NV;
    }
    return compare(f, a, b) == ORD_EQ;
}

/* Signaling comparison: NV on any NaN.  or_equal selects <= over <. */
static int gen_less(const struct fpu_format *f, uint64_t a, uint64_t b, bool or_equal,
                    uint32_t *flags)
{
    int ord = compare(f, a, b);

    if (ord == ORD_UN) {
        *flags |= FFLAG_NV;
        return 0;
    }
    return ord == ORD_LT || (or_equal && ord == ORD_EQ);
}

static uint32_t gen_classify(const struct fpu_format *f, uint64_t a)
{
    struct unpacked u = unpack(f, a);
    bool subnormal = ((a >> f->frac_bits) & (uint64_t)exp_max_field(f)) == 0;

    switch (u.cls) {
    case CLS_INF:
        return u.sign ? 1u << 0 : 1u << 7;
    case CLS_ZERO:
        return u.sign ? 1u << 3 : 1u << 4;
    case CLS_SNAN:
        return 1u << 8;
    case CLS_QNAN:
        return 1u << 9;
    default:
        if (subnormal) {
            return u.sign ? 1u << 2 : 1u << 5;
        }
        return u.sign ? 1u << 1 : 1u << 6;
    }
}

/* ---- Conversions -------------------------------------------------------- */

/* Convert between formats; used for both widening (exact) and narrowing. */
static uint64_t convert(const struct fpu_format *to, const struct fpu_format *from, uint64_t a,
                        int rm, uint32_t *flags)
{
    struct unpacked u = unpack(from, a);

    switch (u.cls) {
    case CLS_QNAN:
    case CLS_SNAN:
        return nan_result(to, &u, NULL, flags);
    case CLS_INF:
        return pack_inf(to, u.sign);
    case CLS_ZERO:
        return pack_zero(to, u.sign);
    default:
        return round_pack(to, u.sign, u.exp, u.sig, rm, flags);
    }
}

/*
 * Float to integer of the given width and signedness.  Out-of-range
 * inputs, infinities and NaNs raise NV (and only NV) and saturate: NaN and
 * positive overflow give the largest value, negative overflow the smallest.
 * A negative value that rounds to 0 is in range for unsigned targets.
 */
static uint64_t gen_to_int(const struct fpu_format *f, uint64_t a, int rm, int width,
                           bool is_signed, uint32_t *flags)
{
    struct unpacked u = unpack(f, a);
    uint64_t umax = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t pos_limit = is_signed ? umax >> 1 : umax;    /* largest positive magnitude */
    uint64_t neg_limit = is_signed ? (umax >> 1) + 1 : 0; /* largest negative magnitude */
    uint64_t sat_pos = pos_limit;
    uint64_t sat_neg = is_signed ? -neg_limit & umax : 0;
    uint64_t r;
    bool inexact = false;

    if (is_nan(&u)) {
        *flags |= FFLAG_NV;
        return sat_pos;
    }
    if (u.cls == CLS_ZERO) {
        return 0;
    }
    if (u.cls == CLS_INF || u.exp >= 64) {
        *flags |= FFLAG_NV;
        return u.sign ? sat_neg : sat_pos;
    }
    if (u.exp >= 62) {
        r = u.sig << (u.exp - 62);
    } else {
        int sh = 62 - u.exp;
        int half_cmp;

        if (sh >= 64) {
            r = 0;
            half_cmp = -1;      /* the whole value is below 2^-1 */
            inexact = true;
        } else {
            r = u.sig >> sh;
            half_cmp = half_compare(u.sig, sh);
            inexact = (u.sig & ((UINT64_C(1) << sh) - 1)) != 0;
        }
        if (round_increment(rm, u.sign, r & 1, half_cmp, inexact)) {
            r++;
        }
    }
    if (r > (u.sign ? neg_limit : pos_limit)) {
        *flags |= FFLAG_NV;
        return u.sign ? sat_neg : sat_pos;
    }
    if (inexact) {
        *flags |= FFLAG_NX;
    }
    return (u.sign ? -r : r) & umax;
}

/* Integer magnitude to float, rounding per rm. */
static uint64_t gen_from_int(const struct fpu_format *f, bool sign, uint64_t mag, int rm,
                             uint32_t *flags)
{
    if (mag == 0) {
        return pack_zero(f, false);
    }
    return round_pack(f, sign, 62, mag, rm, flags);
}

/* ---- Public binary32 interface ----------------------------------------- */

uint32_t f32_add(uint32_t a, uint32_t b, int rm, uint32_t *flags)
{
    return (uint32_t)gen_add(&fmt_f32, a, b, rm, flags);
}

uint32_t f32_sub(uint32_t a, uint32_t b, int rm, uint32_t *flags)
{
    return (uint32_t)gen_add(&fmt_f32, a, (uint32_t)negate(&fmt_f32, b), rm, flags);
}

uint32_t f32_mul(uint32_t a, uint32_t b, int rm, uint32_t *flags)
{
    return (uint32_t)gen_mul(&fmt_f32, a, b, rm, flags);
}

uint32_t f32_div(uint32_t a, uint32_t b, int rm, uint32_t *flags)
{
    return (uint32_t)gen_div(&fmt_f32, a, b, rm, flags);
}

uint32_t f32_sqrt(uint32_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_sqrt(&fmt_f32, a, rm, flags);
}

uint32_t f32_muladd(uint32_t a, uint32_t b, uint32_t c, int op, int rm, uint32_t *flags)
{
    return (uint32_t)gen_muladd(&fmt_f32, a, b, c, op, rm, flags);
}

uint32_t f32_min(uint32_t a, uint32_t b, uint32_t *flags)
{
    return (uint32_t)gen_minmax(&fmt_f32, a, b, false, flags);
}

uint32_t f32_max(uint32_t a, uint32_t b, uint32_t *flags)
{
    return (uint32_t)gen_minmax(&fmt_f32, a, b, true, flags);
}

int f32_eq(uint32_t a, uint32_t b, uint32_t *flags)
{
    return gen_eq(&fmt_f32, a, b, flags);
}

int f32_lt(uint32_t a, uint32_t b, uint32_t *flags)
{
    return gen_less(&fmt_f32, a, b, false, flags);
}

int f32_le(uint32_t a, uint32_t b, uint32_t *flags)
{
    return gen_less(&fmt_f32, a, b, true, flags);
}

uint32_t f32_classify(uint32_t a)
{
    return gen_classify(&fmt_f32, a);
}

/* ---- Public binary64 interface ----------------------------------------- */

uint64_t f64_add(uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    return gen_add(&fmt_f64, a, b, rm, flags);
}

uint64_t f64_sub(uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    return gen_add(&fmt_f64, a, negate(&fmt_f64, b), rm, flags);
}

uint64_t f64_mul(uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    return gen_mul(&fmt_f64, a, b, rm, flags);
}

uint64_t f64_div(uint64_t a, uint64_t b, int rm, uint32_t *flags)
{
    return gen_div(&fmt_f64, a, b, rm, flags);
}

uint64_t f64_sqrt(uint64_t a, int rm, uint32_t *flags)
{
    return gen_sqrt(&fmt_f64, a, rm, flags);
}

uint64_t f64_muladd(uint64_t a, uint64_t b, uint64_t c, int op, int rm, uint32_t *flags)
{
    return gen_muladd(&fmt_f64, a, b, c, op, rm, flags);
}

uint64_t f64_min(uint64_t a, uint64_t b, uint32_t *flags)
{
    return gen_minmax(&fmt_f64, a, b, false, flags);
}

uint64_t f64_max(uint64_t a, uint64_t b, uint32_t *flags)
{
    return gen_minmax(&fmt_f64, a, b, true, flags);
}

int f64_eq(uint64_t a, uint64_t b, uint32_t *flags)
{
    return gen_eq(&fmt_f64, a, b, flags);
}

int f64_lt(uint64_t a, uint64_t b, uint32_t *flags)
{
    return gen_less(&fmt_f64, a, b, false, flags);
}

int f64_le(uint64_t a, uint64_t b, uint32_t *flags)
{
    return gen_less(&fmt_f64, a, b, true, flags);
}

uint32_t f64_classify(uint64_t a)
{
    return gen_classify(&fmt_f64, a);
}

/* ---- Public conversions ------------------------------------------------- */

uint64_t f32_to_f64(uint32_t a, uint32_t *flags)
{
    return convert(&fmt_f64, &fmt_f32, a, FPU_RNE, flags);
}

uint32_t f64_to_f32(uint64_t a, int rm, uint32_t *flags)
{
    return (uint32_t)convert(&fmt_f32, &fmt_f64, a, rm, flags);
}

int32_t f32_to_i32(uint32_t a, int rm, uint32_t *flags)
{
    return (int32_t)(uint32_t)gen_to_int(&fmt_f32, a, rm, 32, true, flags);
}

uint32_t f32_to_u32(uint32_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_to_int(&fmt_f32, a, rm, 32, false, flags);
}

int64_t f32_to_i64(uint32_t a, int rm, uint32_t *flags)
{
    return (int64_t)gen_to_int(&fmt_f32, a, rm, 64, true, flags);
}

uint64_t f32_to_u64(uint32_t a, int rm, uint32_t *flags)
{
    return gen_to_int(&fmt_f32, a, rm, 64, false, flags);
}

int32_t f64_to_i32(uint64_t a, int rm, uint32_t *flags)
{
    return (int32_t)(uint32_t)gen_to_int(&fmt_f64, a, rm, 32, true, flags);
}

uint32_t f64_to_u32(uint64_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_to_int(&fmt_f64, a, rm, 32, false, flags);
}

int64_t f64_to_i64(uint64_t a, int rm, uint32_t *flags)
{
    return (int64_t)gen_to_int(&fmt_f64, a, rm, 64, true, flags);
}

uint64_t f64_to_u64(uint64_t a, int rm, uint32_t *flags)
{
    return gen_to_int(&fmt_f64, a, rm, 64, false, flags);
}

static uint64_t magnitude(int64_t a)
{
    return a < 0 ? -(uint64_t)a : (uint64_t)a;
}

uint32_t i32_to_f32(int32_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_from_int(&fmt_f32, a < 0, magnitude(a), rm, flags);
}

uint32_t u32_to_f32(uint32_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_from_int(&fmt_f32, false, a, rm, flags);
}

uint32_t i64_to_f32(int64_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_from_int(&fmt_f32, a < 0, magnitude(a), rm, flags);
}

uint32_t u64_to_f32(uint64_t a, int rm, uint32_t *flags)
{
    return (uint32_t)gen_from_int(&fmt_f32, false, a, rm, flags);
}

uint64_t i32_to_f64(int32_t a, int rm, uint32_t *flags)
{
    return gen_from_int(&fmt_f64, a < 0, magnitude(a), rm, flags);
}

uint64_t u32_to_f64(uint32_t a, int rm, uint32_t *flags)
{
    return gen_from_int(&fmt_f64, false, a, rm, flags);
}

uint64_t i64_to_f64(int64_t a, int rm, uint32_t *flags)
{
    return gen_from_int(&fmt_f64, a < 0, magnitude(a), rm, flags);
}

uint64_t u64_to_f64(uint64_t a, int rm, uint32_t *flags)
{
    return gen_from_int(&fmt_f64, false, a, rm, flags);
}
