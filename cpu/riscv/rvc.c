/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RV64C compressed instruction set as expansions into 32-bit
 * instructions (unprivileged ISA 20191213 ch. 16, Tables 16.4-16.6 and
 * the per-instruction expansions of §16.3-16.8).  Reserved encodings and
 * the all-zero illegal instruction expand to 0, which the 32-bit decoder
 * rejects.  HINT encodings expand to their (harmless) 32-bit meaning.
 */
#include "cpu/riscv/insn.h"

static inline uint32_t bits(uint16_t c, int hi, int lo)
{
    return (c >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Register x8 + the 3-bit field at bit lo (rd', rs1', rs2'). */
static inline uint32_t creg(uint16_t c, int lo)
{
    return 8 + bits(c, lo + 2, lo);
}

static uint32_t enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return ((uint32_t)imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
    uint32_t u = (uint32_t)imm;

    return ((u >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
           ((u & 0x1f) << 7) | opc;
}

static uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                      uint32_t opc)
{
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}

static uint32_t enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3)
{
    uint32_t u = (uint32_t)imm;

    return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (f3 << 12) | ((u >> 1 & 0xf) << 8) | ((u >> 11 & 1) << 7) | 0x63;
}

static uint32_t enc_j(int32_t imm, uint32_t rd)
{
    uint32_t u = (uint32_t)imm;

    return ((u >> 20 & 1) << 31) | ((u >> 1 & 0x3ff) << 21) | ((u >> 11 & 1) << 20) |
           (u & 0xff000) | (rd << 7) | 0x6f;
}

/* The 6-bit signed immediate imm[5] = bit 12, imm[4:0] = bits 6:2. */
static int32_t ci_imm(uint16_t c)
{
    return (int32_t)sextract64((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
}

static uint32_t ci_shamt(uint16_t c)
{
    return (bits(c, 12, 12) << 5) | bits(c, 6, 2);
}

/* Quadrant 0: stack-pointer-based addi and register-based loads/stores. */
static uint32_t expand_q0(uint16_t c)
{
    uint32_t rdp = creg(c, 2), rs1p = creg(c, 7);
    uint32_t off_d = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
    uint32_t off_w = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6);
    uint32_t imm;

    switch (bits(c, 15, 13)) {
    case 0: /* c.addi4spn; nzuimm = 0 is reserved (and covers the zero insn) */
        imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) |
              (bits(c, 5, 5) << 3);
        return imm ? enc_i(imm, 2, 0, rdp, 0x13) : 0;
    case 1: /* c.fld */
        return enc_i(off_d, rs1p, 3, rdp, 0x07);
    case 2: /* c.lw */
        return enc_i(off_w, rs1p, 2, rdp, 0x03);
    case 3: /* c.ld */
        return enc_i(off_d, rs1p, 3, rdp, 0x03);
    case 5: /* c.fsd */
        return enc_s(off_d, rdp, rs1p, 3, 0x27);
    case 6: /* c.sw */
        return enc_s(off_w, rdp, rs1p, 2, 0x23);
    case 7: /* c.sd */
        return enc_s(off_d, rdp, rs1p, 3, 0x23);
    default: /* 4: reserved */
        return 0;
    }
}

/* Quadrant 1: immediates, arithmetic on x8-x15, jumps and branches. */
static uint32_t expand_q1(uint16_t c)
{
    static const uint32_t alu_f3[4] = { 0, 4, 6, 7 };   /* sub, xor, or, and */
    uint32_t rd = bits(c, 11, 7), rdp = creg(c, 7), rs2p = creg(c, 2);
    int32_t imm = ci_imm(c);

    switch (bits(c, 15, 13)) {
    case 0: /* c.addi (c.nop when rd = 0) */
        return enc_i(imm, rd, 0, rd, 0x13);
    case 1: /* c.addiw (RV64); rd = 0 reserved */
        return rd ? enc_i(imm, rd, 0, rd, 0x1b) : 0;
    case 2: /* c.li */
        return enc_i(imm, 0, 0, rd, 0x13);
    case 3:
        if (rd == 2) {  /* c.addi16sp; nzimm = 0 reserved */
            imm = (int32_t)sextract64((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) |
                                      (bits(c, 5, 5) << 6) | (bits(c, 4, 3) << 7) |
                                      (bits(c, 2, 2) << 5), 10);
            return imm ? enc_i(imm, 2, 0, 2, 0x13) : 0;
        }
        /* c.lui; nzimm = 0 reserved */
        return imm ? (((uint32_t)imm << 12) | (rd << 7) | 0x37) : 0;
    case 4:
        switch (bits(c, 11, 10)) {
        case 0: /* c.srli */
            return enc_i(ci_shamt(c), rdp, 5, rdp, 0x13);
        case 1: /* c.srai */
            return enc_i(0x400 | ci_shamt(c), rdp, 5, rdp, 0x13);
        case 2: /* c.andi */
            return enc_i(imm, rdp, 7, rdp, 0x13);
        default:
            if (!bits(c, 12, 12)) { /* c.sub, c.xor, c.or, c.and */
                return enc_r(bits(c, 6, 5) == 0 ? 0x20 : 0, rs2p, rdp,
                             alu_f3[bits(c, 6, 5)], rdp, 0x33);
            }
            switch (bits(c, 6, 5)) {
            case 0: /* c.subw */
                return enc_r(0x20, rs2p, rdp, 0, rdp, 0x3b);
            case 1: /* c.addw */
                return enc_r(0, rs2p, rdp, 0, rdp, 0x3b);
            default: /* reserved */
                return 0;
            }
        }
    case 5: /* c.j */
        imm = (int32_t)sextract64((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) |
                                  (bits(c, 10, 9) << 8) | (bits(c, 8, 8) << 10) |
                                  (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) |
                                  (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5), 12);
        return enc_j(imm, 0);
    default: /* 6: c.beqz, 7: c.bnez */
        imm = (int32_t)sextract64((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) |
                                  (bits(c, 6, 5) << 6) | (bits(c, 4, 3) << 1) |
                                  (bits(c, 2, 2) << 5), 9);
        return enc_b(imm, 0, rdp, bits(c, 15, 13) & 1);
    }
}

/* Quadrant 2: sp-based loads/stores, slli, jr/jalr/mv/add, ebreak. */
static uint32_t expand_q2(uint16_t c)
{
    uint32_t rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
    uint32_t off_d = (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
    uint32_t off_w = (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
    uint32_t soff_d = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
    uint32_t soff_w = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);

    switch (bits(c, 15, 13)) {
    case 0: /* c.slli */
        return enc_i(ci_shamt(c), rd, 1, rd, 0x13);
    case 1: /* c.fldsp */
        return enc_i(off_d, 2, 3, rd, 0x07);
    case 2: /* c.lwsp; rd = 0 reserved */
        return rd ? enc_i(off_w, 2, 2, rd, 0x03) : 0;
    case 3: /* c.ldsp; rd = 0 reserved */
        return rd ? enc_i(off_d, 2, 3, rd, 0x03) : 0;
    case 4:
        if (!bits(c, 12, 12)) {
            if (rs2 == 0) { /* c.jr; rs1 = 0 reserved */
                return rd ? enc_i(0, rd, 0, 0, 0x67) : 0;
            }
            return enc_r(0, rs2, 0, 0, rd, 0x33);           /* c.mv */
        }
        if (rs2 == 0) {
            return rd ? enc_i(0, rd, 0, 1, 0x67) : 0x00100073; /* c.jalr, c.ebreak */
        }
        return enc_r(0, rs2, rd, 0, rd, 0x33);              /* c.add */
    case 5: /* c.fsdsp */
        return enc_s(soff_d, rs2, 2, 3, 0x27);
    case 6: /* c.swsp */
        return enc_s(soff_w, rs2, 2, 2, 0x23);
    default: /* 7: c.sdsp */
        return enc_s(soff_d, rs2, 2, 3, 0x23);
    }
}

uint32_t riscv_expand_compressed(uint16_t c)
{
    switch (c & 3) {
    case 0:
        return expand_q0(c);
    case 1:
        return expand_q1(c);
    case 2:
        return expand_q2(c);
    default:
        return 0;
    }
}
