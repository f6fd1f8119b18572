/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RISC-V disassembler for traces and the monitor, driven by the decode
 * table of insn.h.  Output follows GNU objdump -d -M no-aliases: ABI
 * register names, canonical mnemonics (no pseudo-instructions), c.*
 * names for compressed instructions, CSR names for the standard
 * unprivileged/supervisor/machine/debug CSRs and hex for the rest (no
 * H, V or AIA names), an explicit rounding mode only when it is not
 * dynamic ("unknown" for the reserved 5 and 6).  Encodings the decoder
 * rejects print as ".4byte 0x..." / ".2byte 0x..." as objdump does.
 * Differences from objdump: one space instead of a tab after the
 * mnemonic; branch and jump targets as absolute 0x addresses without a
 * symbol; no target comment on jalr; reserved fence fields (fm other
 * than TSO, rs1, rd; fence.i's imm, rs1, rd) are ignored as the ISA asks
 * (§2.7, §3.2), so such words print as fences; fcvt.d.s/d.w/d.wu with an
 * rm other than RNE print with it (binutils 2.40: ".4byte"); c.addi16sp
 * with a zero immediate is reserved (objdump names it).
 */
#include <stdio.h>
#include <stdarg.h>
#include <inttypes.h>
#include "cpu/riscv/insn.h"

const char *const riscv_gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char *const riscv_fpr_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const char *const rm_names[8] = {
    "rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn",
};

static const struct {
    uint16_t num;
    const char *name;
} csr_names[] = {
    { 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
    { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
    { 0xc80, "cycleh" }, { 0xc81, "timeh" }, { 0xc82, "instreth" },
    { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" }, { 0x106, "scounteren" },
    { 0x10a, "senvcfg" }, { 0x140, "sscratch" }, { 0x141, "sepc" }, { 0x142, "scause" },
    { 0x143, "stval" }, { 0x144, "sip" }, { 0x14d, "stimecmp" }, { 0x180, "satp" },
    { 0x5a8, "scontext" },
    { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" }, { 0xf14, "mhartid" },
    { 0xf15, "mconfigptr" },
    { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" }, { 0x303, "mideleg" },
    { 0x304, "mie" }, { 0x305, "mtvec" }, { 0x306, "mcounteren" }, { 0x30a, "menvcfg" },
    { 0x310, "mstatush" }, { 0x31a, "menvcfgh" }, { 0x320, "mcountinhibit" },
    { 0x340, "mscratch" }, { 0x341, "mepc" }, { 0x342, "mcause" }, { 0x343, "mtval" },
    { 0x344, "mip" }, { 0x34a, "mtinst" }, { 0x34b, "mtval2" },
    { 0x747, "mseccfg" }, { 0x757, "mseccfgh" },
    { 0xb00, "mcycle" }, { 0xb02, "minstret" }, { 0xb80, "mcycleh" }, { 0xb82, "minstreth" },
    { 0x7a0, "tselect" }, { 0x7a1, "tdata1" }, { 0x7a2, "tdata2" }, { 0x7a3, "tdata3" },
    { 0x7a4, "tinfo" }, { 0x7a5, "tcontrol" }, { 0x7a8, "mcontext" },
    { 0x7b0, "dcsr" }, { 0x7b1, "dpc" }, { 0x7b2, "dscratch0" }, { 0x7b3, "dscratch1" },
};

/* Numbered CSR families: [base + first, base + last] named prefix<n>suffix. */
static const struct {
    uint16_t base;
    uint8_t first, last;
    const char *prefix, *suffix;
} csr_ranges[] = {
    { 0xc00, 3, 31, "hpmcounter", "" },
    { 0xc80, 3, 31, "hpmcounter", "h" },
    { 0xb00, 3, 31, "mhpmcounter", "" },
    { 0xb80, 3, 31, "mhpmcounter", "h" },
    { 0x320, 3, 31, "mhpmevent", "" },
    { 0x720, 3, 31, "mhpmevent", "h" },
    { 0x3a0, 0, 15, "pmpcfg", "" },
    { 0x3b0, 0, 63, "pmpaddr", "" },
};

/* Append to buf[*pos..size), never overflowing; *pos keeps counting. */
PRINTF_FMT(4, 5)
static void out(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*pos < size ? buf + *pos : NULL, *pos < size ? size - *pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        *pos += (size_t)n;
    }
}

static void out_csr(char *buf, size_t size, size_t *pos, unsigned csr)
{
    for (size_t i = 0; i < ARRAY_SIZE(csr_names); i++) {
        if (csr_names[i].num == csr) {
            out(buf, size, pos, "%s", csr_names[i].name);
            return;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(csr_ranges); i++) {
        unsigned base = csr_ranges[i].base;
        if (csr >= base + csr_ranges[i].first && csr <= base + csr_ranges[i].last) {
            out(buf, size, pos, "%s%u%s", csr_ranges[i].prefix, csr - base,
                csr_ranges[i].suffix);
            return;
        }
    }
    out(buf, size, pos, "0x%x", csr);
}

/* "iorw" subset of a fence predecessor/successor set; objdump's "unknown" for none. */
static void out_fence_set(char *buf, size_t size, size_t *pos, unsigned set)
{
    if (!set) {
        out(buf, size, pos, "unknown");
        return;
    }
    out(buf, size, pos, "%s%s%s%s", set & 8 ? "i" : "", set & 4 ? "o" : "",
        set & 2 ? "r" : "", set & 1 ? "w" : "");
}

/* Compressed mnemonics and how their operands are shown. */
enum {
    CF_NONE,        /* c.ebreak */
    CF_RD_RS1_IMM,  /* c.addi4spn rd,sp,imm */
    CF_LOAD,        /* rd,imm(rs1) */
    CF_STORE,       /* rs2,imm(rs1) */
    CF_RD_IMM,      /* rd,imm */
    CF_LUI,         /* rd,0x<imm[31:12]> */
    CF_RD_SHAMT,    /* rd,0x<shamt> */
    CF_RD_RS2,      /* rd,rs2 */
    CF_J,           /* target */
    CF_RS1_TARGET,  /* rs1,target */
    CF_RS1,         /* rs1 */
};

static const struct {
    uint16_t mask, match;
    uint8_t cf;
    const char *name;
} rvc_names[] = {
    { 0xe003, 0x0000, CF_RD_RS1_IMM, "c.addi4spn" },
    { 0xe003, 0x2000, CF_LOAD, "c.fld" },
    { 0xe003, 0x4000, CF_LOAD, "c.lw" },
    { 0xe003, 0x6000, CF_LOAD, "c.ld" },
    { 0xe003, 0xa000, CF_STORE, "c.fsd" },
    { 0xe003, 0xc000, CF_STORE, "c.sw" },
    { 0xe003, 0xe000, CF_STORE, "c.sd" },
    { 0xe003, 0x0001, CF_RD_IMM, "c.addi" },
    { 0xe003, 0x2001, CF_RD_IMM, "c.addiw" },
    { 0xe003, 0x4001, CF_RD_IMM, "c.li" },
    { 0xef83, 0x6101, CF_RD_IMM, "c.addi16sp" },
    { 0xe003, 0x6001, CF_LUI, "c.lui" },
    { 0xec03, 0x8001, CF_RD_SHAMT, "c.srli" },
    { 0xec03, 0x8401, CF_RD_SHAMT, "c.srai" },
    { 0xec03, 0x8801, CF_RD_IMM, "c.andi" },
    { 0xfc63, 0x8c01, CF_RD_RS2, "c.sub" },
    { 0xfc63, 0x8c21, CF_RD_RS2, "c.xor" },
    { 0xfc63, 0x8c41, CF_RD_RS2, "c.or" },
    { 0xfc63, 0x8c61, CF_RD_RS2, "c.and" },
    { 0xfc63, 0x9c01, CF_RD_RS2, "c.subw" },
    { 0xfc63, 0x9c21, CF_RD_RS2, "c.addw" },
    { 0xe003, 0xa001, CF_J, "c.j" },
    { 0xe003, 0xc001, CF_RS1_TARGET, "c.beqz" },
    { 0xe003, 0xe001, CF_RS1_TARGET, "c.bnez" },
    { 0xe003, 0x0002, CF_RD_SHAMT, "c.slli" },
    { 0xe003, 0x2002, CF_LOAD, "c.fldsp" },
    { 0xe003, 0x4002, CF_LOAD, "c.lwsp" },
    { 0xe003, 0x6002, CF_LOAD, "c.ldsp" },
    { 0xf07f, 0x8002, CF_RS1, "c.jr" },
    { 0xf003, 0x8002, CF_RD_RS2, "c.mv" },
    { 0xffff, 0x9002, CF_NONE, "c.ebreak" },
    { 0xf07f, 0x9002, CF_RS1, "c.jalr" },
    { 0xf003, 0x9002, CF_RD_RS2, "c.add" },
    { 0xe003, 0xa002, CF_STORE, "c.fsdsp" },
    { 0xe003, 0xc002, CF_STORE, "c.swsp" },
    { 0xe003, 0xe002, CF_STORE, "c.sdsp" },
};

static const char *reg_name(unsigned r, bool f)
{
    return f ? riscv_fpr_names[r & 31] : riscv_gpr_names[r & 31];
}

/* Operands of a compressed instruction from the fields of its expansion. */
static void disas_rvc(char *buf, size_t size, size_t *pos, gva_t pc, uint16_t c,
                      const TBInsn *in, const RISCVInsnDesc *d)
{
    const char *rd = reg_name(in->rd, d->flags & IF_RD_F);
    const char *rs1 = reg_name(in->rs1, d->flags & IF_RS1_F);
    const char *rs2 = reg_name(in->rs2, d->flags & IF_RS2_F);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(rvc_names); i++) {
        if ((c & rvc_names[i].mask) == rvc_names[i].match) {
            break;
        }
    }
    if (i == ARRAY_SIZE(rvc_names)) {
        out(buf, size, pos, ".2byte 0x%x", c);
        return;
    }
    out(buf, size, pos, "%s", rvc_names[i].name);
    switch (rvc_names[i].cf) {
    case CF_RD_RS1_IMM:
        out(buf, size, pos, " %s,%s,%" PRId64, rd, rs1, in->imm);
        break;
    case CF_LOAD:
        out(buf, size, pos, " %s,%" PRId64 "(%s)", rd, in->imm, rs1);
        break;
    case CF_STORE:
        out(buf, size, pos, " %s,%" PRId64 "(%s)", rs2, in->imm, rs1);
        break;
    case CF_RD_IMM:
        out(buf, size, pos, " %s,%" PRId64, rd, in->imm);
        break;
    case CF_LUI:
        out(buf, size, pos, " %s,0x%x", rd, (unsigned)(in->imm >> 12) & 0xfffff);
        break;
    case CF_RD_SHAMT:
        if (in->imm == 0) {     /* the shamt = 0 HINTs: objdump's RV128 names */
            out(buf, size, pos, "64 %s", rd);
        } else {
            out(buf, size, pos, " %s,0x%x", rd, (unsigned)in->imm & 0x3f);
        }
        break;
    case CF_RD_RS2:
        out(buf, size, pos, " %s,%s", rd, rs2);
        break;
    case CF_J:
        out(buf, size, pos, " 0x%" PRIx64, pc + (uint64_t)in->imm);
        break;
    case CF_RS1_TARGET:
        out(buf, size, pos, " %s,0x%" PRIx64, rs1, pc + (uint64_t)in->imm);
        break;
    case CF_RS1:
        out(buf, size, pos, " %s", rs1);
        break;
    default:
        break;
    }
}

static void disas_insn32(char *buf, size_t size, size_t *pos, gva_t pc, uint32_t raw,
                         const TBInsn *in, const RISCVInsnDesc *d)
{
    const char *rd = reg_name(in->rd, d->flags & IF_RD_F);
    const char *rs1 = reg_name(in->rs1, d->flags & IF_RS1_F);
    const char *rs2 = reg_name(in->rs2, d->flags & IF_RS2_F);
    const char *rs3 = reg_name(in->rs3, d->flags & IF_RS3_F);
    /* The exact conversions' rm is expected to be RNE; show it when not. */
    unsigned no_rm = (d->flags & IF_NORM) ? 0 : 7;
    const char *rm = in->rm == no_rm ? NULL : rm_names[in->rm];
    unsigned aqrl = (raw >> 25) & 3;

    out(buf, size, pos, "%s", d->name);
    switch (d->fmt) {
    case FMT_R:
    case FMT_R_RM:
        out(buf, size, pos, " %s,%s,%s", rd, rs1, rs2);
        break;
    case FMT_R1:
    case FMT_R1_RM:
        out(buf, size, pos, " %s,%s", rd, rs1);
        break;
    case FMT_R4_RM:
        out(buf, size, pos, " %s,%s,%s,%s", rd, rs1, rs2, rs3);
        break;
    case FMT_I:
        out(buf, size, pos, " %s,%s,%" PRId64, rd, rs1, in->imm);
        break;
    case FMT_SHIFT:
        out(buf, size, pos, " %s,%s,0x%" PRIx64, rd, rs1, (uint64_t)in->imm);
        break;
    case FMT_LOAD:
        out(buf, size, pos, " %s,%" PRId64 "(%s)", rd, in->imm, rs1);
        break;
    case FMT_STORE:
        out(buf, size, pos, " %s,%" PRId64 "(%s)", rs2, in->imm, rs1);
        break;
    case FMT_B:
        out(buf, size, pos, " %s,%s,0x%" PRIx64, rs1, rs2, pc + (uint64_t)in->imm);
        break;
    case FMT_U:
        out(buf, size, pos, " %s,0x%x", rd, (unsigned)(in->imm >> 12) & 0xfffff);
        break;
    case FMT_J:
        out(buf, size, pos, " %s,0x%" PRIx64, rd, pc + (uint64_t)in->imm);
        break;
    case FMT_CSR:
        out(buf, size, pos, " %s,", rd);
        out_csr(buf, size, pos, (unsigned)in->imm);
        out(buf, size, pos, ",%s", rs1);
        break;
    case FMT_CSRI:
        out(buf, size, pos, " %s,", rd);
        out_csr(buf, size, pos, (unsigned)in->imm);
        out(buf, size, pos, ",%u", in->rs1);
        break;
    case FMT_AMO:
    case FMT_LR:
        out(buf, size, pos, "%s", aqrl == 3 ? ".aqrl" : aqrl == 2 ? ".aq" : aqrl ? ".rl" : "");
        if (d->fmt == FMT_LR) {
            out(buf, size, pos, " %s,(%s)", rd, rs1);
        } else {
            out(buf, size, pos, " %s,%s,(%s)", rd, rs2, rs1);
        }
        break;
    case FMT_FENCE:
        out(buf, size, pos, " ");
        out_fence_set(buf, size, pos, (raw >> 24) & 15);
        out(buf, size, pos, ",");
        out_fence_set(buf, size, pos, (raw >> 20) & 15);
        break;
    case FMT_SFENCE:
        out(buf, size, pos, " %s,%s", rs1, rs2);
        break;
    default:
        break;
    }
    if (rm && (d->fmt == FMT_R_RM || d->fmt == FMT_R1_RM || d->fmt == FMT_R4_RM)) {
        out(buf, size, pos, ",%s", rm);
    }
}

unsigned riscv_disas(char *buf, size_t size, gva_t pc, uint32_t raw)
{
    bool compressed = (raw & 3) != 3;
    uint32_t insn = compressed ? riscv_expand_compressed((uint16_t)raw) : raw;
    unsigned len = compressed ? 2 : 4;
    const RISCVInsnDesc *d;
    size_t pos = 0;
    TBInsn in;

    if (size) {
        buf[0] = '\0';
    }
    /* Decode as if FS were on: the disassembler names F/D instructions. */
    riscv_decode_insn32(&in, insn, TB_FLAG_FS_ON);
    d = &riscv_insn_table[in.op];
    if (in.rd == 32) {
        in.rd = 0;
    }
    /* objdump rejects a reserved rm on the conversions that cannot round. */
    if (in.op == RISCV_OP_illegal || ((d->flags & IF_NORM) && (in.rm == 5 || in.rm == 6))) {
        if (compressed) {
            out(buf, size, &pos, ".2byte 0x%x", raw & 0xffff);
        } else {
            out(buf, size, &pos, ".4byte 0x%x", raw);
        }
    } else if (compressed) {
        disas_rvc(buf, size, &pos, pc, (uint16_t)raw, &in, d);
    } else {
        disas_insn32(buf, size, &pos, pc, raw, &in, d);
    }
    return len;
}
