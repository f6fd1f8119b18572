/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RISC-V instruction decode for the tier-1 engine: one 16- or 32-bit
 * instruction into a pre-decoded TBInsn (unprivileged ISA 20191213 ch. 2
 * "Base Instruction Formats" and "Immediate Encoding Variants", ch. 1.5
 * for instruction lengths, ch. 16 for compressed ones, which are expanded
 * by rvc.c and then decoded as their 32-bit equivalent).  The table
 * itself is the X-macro list in insn.h; it is scanned linearly, which is
 * fine because each instruction is decoded once per TB.
 */
#include "cpu/riscv/insn.h"

const RISCVInsnDesc riscv_insn_table[RISCV_OP_COUNT] = {
#define RISCV_OP_ENTRY(id, nm, mk, mt, fm, fl) \
    [RISCV_OP_##id] = { .name = nm, .mask = mk, .match = mt, .fmt = fm, .flags = fl, \
                        .fn = riscv_op_##id },
    RISCV_INSN_LIST(RISCV_OP_ENTRY)
#undef RISCV_OP_ENTRY
};

/* Register fields each format uses. */
enum { U_RD = 1, U_RS1 = 2, U_RS2 = 4, U_RS3 = 8 };

static const uint8_t fmt_fields[] = {
    [FMT_NONE] = 0,
    [FMT_R] = U_RD | U_RS1 | U_RS2,
    [FMT_R_RM] = U_RD | U_RS1 | U_RS2,
    [FMT_R1] = U_RD | U_RS1,
    [FMT_R1_RM] = U_RD | U_RS1,
    [FMT_R4_RM] = U_RD | U_RS1 | U_RS2 | U_RS3,
    [FMT_I] = U_RD | U_RS1,
    [FMT_SHIFT] = U_RD | U_RS1,
    [FMT_LOAD] = U_RD | U_RS1,
    [FMT_STORE] = U_RS1 | U_RS2,
    [FMT_B] = U_RS1 | U_RS2,
    [FMT_U] = U_RD,
    [FMT_J] = U_RD,
    [FMT_CSR] = U_RD | U_RS1,
    [FMT_CSRI] = U_RD | U_RS1,
    [FMT_AMO] = U_RD | U_RS1 | U_RS2,
    [FMT_LR] = U_RD | U_RS1,
    [FMT_FENCE] = 0,
    [FMT_SFENCE] = U_RS1 | U_RS2,
};

unsigned riscv_insn_lookup(uint32_t insn)
{
    for (unsigned i = 1; i < RISCV_OP_COUNT; i++) {
        if ((insn & riscv_insn_table[i].mask) == riscv_insn_table[i].match) {
            return i;
        }
    }
    return RISCV_OP_illegal;
}

/* The immediate of insn in format fmt (ISA ch. 2.3, Figure 2.4). */
static int64_t decode_imm(uint32_t insn, unsigned fmt)
{
    switch (fmt) {
    case FMT_I:
    case FMT_LOAD:
        return sextract64(insn >> 20, 12);
    case FMT_SHIFT:
        return (insn >> 20) & 0x3f;
    case FMT_STORE:
        return sextract64(((insn >> 20) & 0xfe0) | ((insn >> 7) & 0x1f), 12);
    case FMT_B:
        return sextract64(((insn >> 19) & 0x1000) | ((insn << 4) & 0x800) |
                          ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e), 13);
    case FMT_U:
        return (int32_t)(insn & 0xfffff000u);
    case FMT_J:
        return sextract64(((insn >> 11) & 0x100000) | (insn & 0xff000) |
                          ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe), 21);
    case FMT_CSR:
    case FMT_CSRI:
    case FMT_FENCE:
        return insn >> 20;
    default:
        return 0;
    }
}

/*
 * Zicsr accesses that can neither change the translation state (tb_flags,
 * MMU index) nor make an interrupt take, so need not end their TB (Zicsr
 * ch. 9 for which forms write): reads (csrrs/csrrc with rs1 = x0,
 * csrrsi/csrrci with zimm = 0); writes to the trap scratch, epc, cause and
 * tval registers; and csrrci of [sm]status, whose 5-bit zimm can only
 * clear interrupt enables.  The kernel's trap entry and exit and its
 * interrupt masking are made of these.
 */
static bool csr_keeps_tb(unsigned op, uint32_t insn)
{
    unsigned csr = insn >> 20;
    bool no_write = ((insn >> 15) & 0x1f) == 0;

    switch (op) {
    case RISCV_OP_csrrs: case RISCV_OP_csrrc: case RISCV_OP_csrrsi:
        if (no_write) {
            return true;
        }
        break;
    case RISCV_OP_csrrci:
        if (no_write || csr == CSR_SSTATUS || csr == CSR_MSTATUS) {
            return true;
        }
        break;
    case RISCV_OP_csrrw: case RISCV_OP_csrrwi:
        break;
    default:
        return false;
    }
    switch (csr) {
    case CSR_SSCRATCH: case CSR_SEPC: case CSR_SCAUSE: case CSR_STVAL:
    case CSR_MSCRATCH: case CSR_MEPC: case CSR_MCAUSE: case CSR_MTVAL:
        return true;
    default:
        return false;
    }
}

void riscv_decode_insn32(TBInsn *out, uint32_t insn, uint32_t tb_flags)
{
    unsigned op = riscv_insn_lookup(insn);
    const RISCVInsnDesc *d = &riscv_insn_table[op];
    unsigned used;

    if ((d->flags & IF_FP) && !(tb_flags & TB_FLAG_FS_ON)) {
        op = RISCV_OP_illegal;
        d = &riscv_insn_table[op];
    }
    used = fmt_fields[d->fmt];
    out->op = op;
    out->fn = d->fn;
    out->imm = decode_imm(insn, d->fmt);
    out->rd = (used & U_RD) ? (insn >> 7) & 0x1f : 0;
    out->rs1 = (used & U_RS1) ? (insn >> 15) & 0x1f : 0;
    out->rs2 = (used & U_RS2) ? (insn >> 20) & 0x1f : 0;
    out->rs3 = (used & U_RS3) ? insn >> 27 : 0;
    out->rm = (insn >> 12) & 7;
    out->flags = (d->flags & IF_END) && !csr_keeps_tb(op, insn) ? TBI_END : 0;
    /* Branches and jumps change nothing but the pc: their TBs may chain. */
    if (d->fmt == FMT_B || d->fmt == FMT_J || op == RISCV_OP_jalr) {
        out->flags |= TBI_JUMP;
    }
    if ((used & U_RD) && !(d->flags & IF_RD_F) && out->rd == 0) {
        out->rd = 32;
    }
}

unsigned riscv_decode(CPUState *cs, TBInsn *out, const uint8_t *code, size_t avail,
                      gva_t pc, uint32_t tb_flags)
{
    uint16_t lo;
    uint32_t insn;

    if (avail < 2) {
        return 0;
    }
    /* Guest RAM that other harts may store to (tcg/tb.c checks what it decoded). */
    lo = memory_host_load(code, 2);
    out->pc = pc;
    if ((lo & 3) != 3) {
        /* ISA §16.1: a zero expansion (reserved/illegal) decodes as illegal. */
        riscv_decode_insn32(out, riscv_expand_compressed(lo), tb_flags);
        out->raw = lo;
        out->len = 2;
        return 2;
    }
    if (avail < 4) {
        return 0;
    }
    /* Encodings longer than 32 bits (ISA §1.5) are not matched: illegal. */
    insn = memory_host_load(code, 4);
    riscv_decode_insn32(out, insn, tb_flags);
    out->raw = insn;
    out->len = 4;
    return 4;
}
