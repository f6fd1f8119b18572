/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integer instruction handlers: RV64I computational and control-transfer
 * instructions (unprivileged ISA 20191213 ch. 2 and 5), M (ch. 7,
 * including the division-by-zero and overflow results of Table 7.1), and
 * the Zba, Zbb and Zbs bit-manipulation extensions (bitmanip 1.0.0).
 * Control transfers never raise instruction-address-misaligned: C is
 * always enabled, so IALIGN is 16 and bit 0 is the only one dropped.
 */
#include "cpu/riscv/insn.h"

#define X(r) (riscv_cpu(cs)->gpr[(r)])
#define RD X(in->rd)
#define RS1 X(in->rs1)
#define RS2 X(in->rs2)

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* Define a handler computing rd from the expression e (a, b = rs1, rs2). */
#define DEF_RR(id, e) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        uint64_t a = RS1, b = RS2; \
        (void)a; (void)b; \
        RD = (e); \
        return 0; \
    }

/* Same, a = rs1, b = the immediate. */
#define DEF_RI(id, e) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        uint64_t a = RS1, b = (uint64_t)in->imm; \
        (void)b; \
        RD = (e); \
        return 0; \
    }

/* --- RV64I ------------------------------------------------------------- */

int riscv_op_lui(CPUState *cs, const TBInsn *in)
{
    RD = (uint64_t)in->imm;
    return 0;
}

int riscv_op_auipc(CPUState *cs, const TBInsn *in)
{
    RD = in->pc + (uint64_t)in->imm;
    return 0;
}

int riscv_op_jal(CPUState *cs, const TBInsn *in)
{
    RD = in->pc + in->len;
    cs->pc = in->pc + (uint64_t)in->imm;
    return 1;
}

int riscv_op_jalr(CPUState *cs, const TBInsn *in)
{
    gva_t target = (RS1 + (uint64_t)in->imm) & ~(gva_t)1;

    RD = in->pc + in->len;
    cs->pc = target;
    return 1;
}

#define DEF_BRANCH(id, cond) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        uint64_t a = RS1, b = RS2; \
        cs->pc = (cond) ? in->pc + (uint64_t)in->imm : in->pc + in->len; \
        return 1; \
    }

DEF_BRANCH(beq, a == b)
DEF_BRANCH(bne, a != b)
DEF_BRANCH(blt, (int64_t)a < (int64_t)b)
DEF_BRANCH(bge, (int64_t)a >= (int64_t)b)
DEF_BRANCH(bltu, a < b)
DEF_BRANCH(bgeu, a >= b)

DEF_RI(addi, a + b)
DEF_RI(slti, (int64_t)a < (int64_t)b)
DEF_RI(sltiu, a < b)
DEF_RI(xori, a ^ b)
DEF_RI(ori, a | b)
DEF_RI(andi, a & b)
DEF_RI(slli, a << b)
DEF_RI(srli, a >> b)
DEF_RI(srai, (uint64_t)((int64_t)a >> b))

DEF_RR(add, a + b)
DEF_RR(sub, a - b)
DEF_RR(sll, a << (b & 63))
DEF_RR(slt, (int64_t)a < (int64_t)b)
DEF_RR(sltu, a < b)
DEF_RR(xor, a ^ b)
DEF_RR(srl, a >> (b & 63))
DEF_RR(sra, (uint64_t)((int64_t)a >> (b & 63)))
DEF_RR(or, a | b)
DEF_RR(and, a & b)

DEF_RI(addiw, sext32(a + b))
DEF_RI(slliw, sext32((uint32_t)a << b))
DEF_RI(srliw, sext32((uint32_t)a >> b))
DEF_RI(sraiw, (uint64_t)(int64_t)((int32_t)a >> b))
DEF_RR(addw, sext32(a + b))
DEF_RR(subw, sext32(a - b))
DEF_RR(sllw, sext32((uint32_t)a << (b & 31)))
DEF_RR(srlw, sext32((uint32_t)a >> (b & 31)))
DEF_RR(sraw, (uint64_t)(int64_t)((int32_t)a >> (b & 31)))

/* --- M (ch. 7; Table 7.1: x/0 = -1 or x, overflow = dividend or 0) ------ */

static uint64_t mulh_s(int64_t a, int64_t b)
{
    return (uint64_t)(((__int128)a * b) >> 64);
}

static uint64_t mulh_u(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t mulh_su(int64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)a * (__int128)b) >> 64);
}

static uint64_t div_s(int64_t a, int64_t b)
{
    if (b == 0) {
        return ~0ull;
    }
    if (a == INT64_MIN && b == -1) {
        return (uint64_t)a;
    }
    return (uint64_t)(a / b);
}

static uint64_t rem_s(int64_t a, int64_t b)
{
    if (b == 0) {
        return (uint64_t)a;
    }
    if (a == INT64_MIN && b == -1) {
        return 0;
    }
    return (uint64_t)(a % b);
}

static uint64_t div_s32(int32_t a, int32_t b)
{
    if (b == 0) {
        return ~0ull;
    }
    if (a == INT32_MIN && b == -1) {
        return sext32((uint32_t)a);
    }
    return (uint64_t)(int64_t)(a / b);
}

static uint64_t rem_s32(int32_t a, int32_t b)
{
    if (b == 0) {
        return (uint64_t)(int64_t)a;
    }
    if (a == INT32_MIN && b == -1) {
        return 0;
    }
    return (uint64_t)(int64_t)(a % b);
}

DEF_RR(mul, a * b)
DEF_RR(mulh, mulh_s((int64_t)a, (int64_t)b))
DEF_RR(mulhsu, mulh_su((int64_t)a, b))
DEF_RR(mulhu, mulh_u(a, b))
DEF_RR(div, div_s((int64_t)a, (int64_t)b))
DEF_RR(divu, b ? a / b : ~0ull)
DEF_RR(rem, rem_s((int64_t)a, (int64_t)b))
DEF_RR(remu, b ? a % b : a)
DEF_RR(mulw, sext32((uint32_t)a * (uint32_t)b))
DEF_RR(divw, div_s32((int32_t)a, (int32_t)b))
DEF_RR(divuw, (uint32_t)b ? sext32((uint32_t)a / (uint32_t)b) : ~0ull)
DEF_RR(remw, rem_s32((int32_t)a, (int32_t)b))
DEF_RR(remuw, (uint32_t)b ? sext32((uint32_t)a % (uint32_t)b) : sext32(a))

/* --- Zba ----------------------------------------------------------------- */

DEF_RR(sh1add, (a << 1) + b)
DEF_RR(sh2add, (a << 2) + b)
DEF_RR(sh3add, (a << 3) + b)
DEF_RR(add_uw, (uint64_t)(uint32_t)a + b)
DEF_RR(sh1add_uw, ((uint64_t)(uint32_t)a << 1) + b)
DEF_RR(sh2add_uw, ((uint64_t)(uint32_t)a << 2) + b)
DEF_RR(sh3add_uw, ((uint64_t)(uint32_t)a << 3) + b)
DEF_RI(slli_uw, (uint64_t)(uint32_t)a << b)

/* --- Zbb ----------------------------------------------------------------- */

static uint64_t rol64(uint64_t a, unsigned n)
{
    n &= 63;
    return n ? (a << n) | (a >> (64 - n)) : a;
}

static uint64_t ror64(uint64_t a, unsigned n)
{
    n &= 63;
    return n ? (a >> n) | (a << (64 - n)) : a;
}

static uint64_t rol32(uint64_t a, unsigned n)
{
    uint32_t v = (uint32_t)a;

    n &= 31;
    return sext32(n ? (v << n) | (v >> (32 - n)) : v);
}

static uint64_t ror32(uint64_t a, unsigned n)
{
    uint32_t v = (uint32_t)a;

    n &= 31;
    return sext32(n ? (v >> n) | (v << (32 - n)) : v);
}

static uint64_t orc_b(uint64_t a)
{
    uint64_t r = 0;

    for (int i = 0; i < 64; i += 8) {
        if ((a >> i) & 0xff) {
            r |= 0xffull << i;
        }
    }
    return r;
}

DEF_RR(andn, a & ~b)
DEF_RR(orn, a | ~b)
DEF_RR(xnor, ~(a ^ b))
DEF_RR(clz, a ? (uint64_t)__builtin_clzll(a) : 64)
DEF_RR(ctz, a ? (uint64_t)__builtin_ctzll(a) : 64)
DEF_RR(cpop, (uint64_t)__builtin_popcountll(a))
DEF_RR(sext_b, (uint64_t)(int64_t)(int8_t)a)
DEF_RR(sext_h, (uint64_t)(int64_t)(int16_t)a)
DEF_RR(clzw, (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32)
DEF_RR(ctzw, (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32)
DEF_RR(cpopw, (uint64_t)__builtin_popcount((uint32_t)a))
DEF_RR(zext_h, (uint16_t)a)
DEF_RR(max, (int64_t)a > (int64_t)b ? a : b)
DEF_RR(maxu, a > b ? a : b)
DEF_RR(min, (int64_t)a < (int64_t)b ? a : b)
DEF_RR(minu, a < b ? a : b)
DEF_RR(rol, rol64(a, b))
DEF_RR(ror, ror64(a, b))
DEF_RR(rolw, rol32(a, b))
DEF_RR(rorw, ror32(a, b))
DEF_RR(orc_b, orc_b(a))
DEF_RR(rev8, __builtin_bswap64(a))
DEF_RI(rori, ror64(a, b))
DEF_RI(roriw, ror32(a, b))

/* --- Zbs ----------------------------------------------------------------- */

DEF_RR(bclr, a & ~(1ull << (b & 63)))
DEF_RR(bext, (a >> (b & 63)) & 1)
DEF_RR(binv, a ^ (1ull << (b & 63)))
DEF_RR(bset, a | (1ull << (b & 63)))
DEF_RI(bclri, a & ~(1ull << b))
DEF_RI(bexti, (a >> b) & 1)
DEF_RI(binvi, a ^ (1ull << b))
DEF_RI(bseti, a | (1ull << b))
