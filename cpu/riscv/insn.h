/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to cpu/riscv/decode.c, insn_*.c and disas.c: the one RISC-V
 * decode table (RV64I, M, A, F, D, Zicsr, Zifencei, Zihintpause, Zba, Zbb, Zbs and the
 * privileged instructions; unprivileged ISA 20191213 ch. 2-13 and 24,
 * bitmanip 1.0.0, privileged 1.12 §3.3) as an X-macro list, the entry
 * type built from it, and the handler each entry names.  The decoder and
 * the disassembler both scan riscv_insn_table[]; the JIT will use the
 * entry index (TBInsn.op, an RISCV_OP_* value) to pick its lowering.
 */
#ifndef VM_CPU_RISCV_INSN_H
#define VM_CPU_RISCV_INSN_H

#include "cpu/riscv/cpu.h"

/*
 * Operand formats: how the immediate is extracted, which register
 * fields are meaningful and how the disassembler lays the operands out
 * (GNU objdump -M no-aliases syntax).
 */
typedef enum RISCVFormat {
    FMT_NONE,       /* no operands: ecall, mret, fence.i */
    FMT_R,          /* rd,rs1,rs2 */
    FMT_R_RM,       /* rd,rs1,rs2[,rm] */
    FMT_R1,         /* rd,rs1 */
    FMT_R1_RM,      /* rd,rs1[,rm] */
    FMT_R4_RM,      /* rd,rs1,rs2,rs3[,rm] */
    FMT_I,          /* rd,rs1,imm12 */
    FMT_SHIFT,      /* rd,rs1,shamt (imm = bits 25:20) */
    FMT_LOAD,       /* rd,imm12(rs1); also jalr */
    FMT_STORE,      /* rs2,imm12(rs1) */
    FMT_B,          /* rs1,rs2,pc+imm13 */
    FMT_U,          /* rd,imm[31:12] (imm = sign-extended imm << 12) */
    FMT_J,          /* rd,pc+imm21 */
    FMT_CSR,        /* rd,csr,rs1 (imm = csr number) */
    FMT_CSRI,       /* rd,csr,zimm (imm = csr number, rs1 = zimm) */
    FMT_AMO,        /* rd,rs2,(rs1) */
    FMT_LR,         /* rd,(rs1) */
    FMT_FENCE,      /* pred,succ (imm = bits 31:20: fm, pred, succ) */
    FMT_SFENCE,     /* rs1,rs2 */
} RISCVFormat;

/* Entry flags. */
enum {
    IF_END = 1 << 0,    /* ends the TB (TBI_END) */
    IF_FP = 1 << 1,     /* F/D: illegal when mstatus.FS is Off */
    IF_RD_F = 1 << 2,   /* rd is an f-register */
    IF_RS1_F = 1 << 3,
    IF_RS2_F = 1 << 4,
    IF_RS3_F = 1 << 5,
    IF_NORM = 1 << 6,   /* exact conversion: rm is printed only when not RNE */
};

#define IF_FFF (IF_FP | IF_RD_F | IF_RS1_F | IF_RS2_F)
#define IF_FFFF (IF_FFF | IF_RS3_F)
#define IF_FF (IF_FP | IF_RD_F | IF_RS1_F)
#define IF_XFF (IF_FP | IF_RS1_F | IF_RS2_F)
#define IF_XF (IF_FP | IF_RS1_F)
#define IF_FX (IF_FP | IF_RD_F)

/* Common masks. */
#define M_OPC   0x0000007fu     /* opcode */
#define M_F3    0x0000707fu     /* funct3 + opcode */
#define M_F7    0xfe00707fu     /* funct7 + funct3 + opcode */
#define M_F6    0xfc00707fu     /* funct6 + funct3 + opcode (RV64 shifts) */
#define M_F12   0xfff0707fu     /* funct12 + funct3 + opcode */
#define M_FRM   0xfe00007fu     /* funct7 + opcode (FP with rm) */
#define M_FRM1  0xfff0007fu     /* funct7 + rs2 + opcode (FP unary with rm) */
#define M_R4    0x0600007fu     /* fmt + opcode */
#define M_AMO   0xf800707fu     /* funct5 + funct3 + opcode */
#define M_LR    0xf9f0707fu     /* funct5 + rs2 + funct3 + opcode */
#define M_ALL   0xffffffffu

#define E_F3(f3, opc) (((uint32_t)(f3) << 12) | (opc))
#define E_F7(f7, f3, opc) (((uint32_t)(f7) << 25) | E_F3(f3, opc))
#define E_FP(f7, rs2, f3) (((uint32_t)(f7) << 25) | ((uint32_t)(rs2) << 20) | E_F3(f3, 0x53))
#define E_AMO(f5, f3) (((uint32_t)(f5) << 27) | E_F3(f3, 0x2f))

/*
 * X(id, mnemonic, mask, match, format, flags).  First match wins; more
 * specific encodings come before less specific ones sharing bits.
 */
#define RISCV_INSN_LIST(X) \
    X(illegal, "illegal", 0, 1, FMT_NONE, IF_END) \
    /* RV64I */ \
    X(lui, "lui", M_OPC, 0x37, FMT_U, 0) \
    X(auipc, "auipc", M_OPC, 0x17, FMT_U, 0) \
    X(jal, "jal", M_OPC, 0x6f, FMT_J, IF_END) \
    X(jalr, "jalr", M_F3, E_F3(0, 0x67), FMT_LOAD, IF_END) \
    X(beq, "beq", M_F3, E_F3(0, 0x63), FMT_B, IF_END) \
    X(bne, "bne", M_F3, E_F3(1, 0x63), FMT_B, IF_END) \
    X(blt, "blt", M_F3, E_F3(4, 0x63), FMT_B, IF_END) \
    X(bge, "bge", M_F3, E_F3(5, 0x63), FMT_B, IF_END) \
    X(bltu, "bltu", M_F3, E_F3(6, 0x63), FMT_B, IF_END) \
    X(bgeu, "bgeu", M_F3, E_F3(7, 0x63), FMT_B, IF_END) \
    X(lb, "lb", M_F3, E_F3(0, 0x03), FMT_LOAD, 0) \
    X(lh, "lh", M_F3, E_F3(1, 0x03), FMT_LOAD, 0) \
    X(lw, "lw", M_F3, E_F3(2, 0x03), FMT_LOAD, 0) \
    X(ld, "ld", M_F3, E_F3(3, 0x03), FMT_LOAD, 0) \
    X(lbu, "lbu", M_F3, E_F3(4, 0x03), FMT_LOAD, 0) \
    X(lhu, "lhu", M_F3, E_F3(5, 0x03), FMT_LOAD, 0) \
    X(lwu, "lwu", M_F3, E_F3(6, 0x03), FMT_LOAD, 0) \
    X(sb, "sb", M_F3, E_F3(0, 0x23), FMT_STORE, 0) \
    X(sh, "sh", M_F3, E_F3(1, 0x23), FMT_STORE, 0) \
    X(sw, "sw", M_F3, E_F3(2, 0x23), FMT_STORE, 0) \
    X(sd, "sd", M_F3, E_F3(3, 0x23), FMT_STORE, 0) \
    X(addi, "addi", M_F3, E_F3(0, 0x13), FMT_I, 0) \
    X(slti, "slti", M_F3, E_F3(2, 0x13), FMT_I, 0) \
    X(sltiu, "sltiu", M_F3, E_F3(3, 0x13), FMT_I, 0) \
    X(xori, "xori", M_F3, E_F3(4, 0x13), FMT_I, 0) \
    X(ori, "ori", M_F3, E_F3(6, 0x13), FMT_I, 0) \
    X(andi, "andi", M_F3, E_F3(7, 0x13), FMT_I, 0) \
    X(slli, "slli", M_F6, E_F7(0x00, 1, 0x13), FMT_SHIFT, 0) \
    X(srli, "srli", M_F6, E_F7(0x00, 5, 0x13), FMT_SHIFT, 0) \
    X(srai, "srai", M_F6, E_F7(0x20, 5, 0x13), FMT_SHIFT, 0) \
    X(add, "add", M_F7, E_F7(0x00, 0, 0x33), FMT_R, 0) \
    X(sub, "sub", M_F7, E_F7(0x20, 0, 0x33), FMT_R, 0) \
    X(sll, "sll", M_F7, E_F7(0x00, 1, 0x33), FMT_R, 0) \
    X(slt, "slt", M_F7, E_F7(0x00, 2, 0x33), FMT_R, 0) \
    X(sltu, "sltu", M_F7, E_F7(0x00, 3, 0x33), FMT_R, 0) \
    X(xor, "xor", M_F7, E_F7(0x00, 4, 0x33), FMT_R, 0) \
    X(srl, "srl", M_F7, E_F7(0x00, 5, 0x33), FMT_R, 0) \
    X(sra, "sra", M_F7, E_F7(0x20, 5, 0x33), FMT_R, 0) \
    X(or, "or", M_F7, E_F7(0x00, 6, 0x33), FMT_R, 0) \
    X(and, "and", M_F7, E_F7(0x00, 7, 0x33), FMT_R, 0) \
    X(addiw, "addiw", M_F3, E_F3(0, 0x1b), FMT_I, 0) \
    X(slliw, "slliw", M_F7, E_F7(0x00, 1, 0x1b), FMT_SHIFT, 0) \
    X(srliw, "srliw", M_F7, E_F7(0x00, 5, 0x1b), FMT_SHIFT, 0) \
    X(sraiw, "sraiw", M_F7, E_F7(0x20, 5, 0x1b), FMT_SHIFT, 0) \
    X(addw, "addw", M_F7, E_F7(0x00, 0, 0x3b), FMT_R, 0) \
    X(subw, "subw", M_F7, E_F7(0x20, 0, 0x3b), FMT_R, 0) \
    X(sllw, "sllw", M_F7, E_F7(0x00, 1, 0x3b), FMT_R, 0) \
    X(srlw, "srlw", M_F7, E_F7(0x00, 5, 0x3b), FMT_R, 0) \
    X(sraw, "sraw", M_F7, E_F7(0x20, 5, 0x3b), FMT_R, 0) \
    X(fence_tso, "fence.tso", M_ALL, 0x8330000f, FMT_NONE, 0) \
    X(pause, "pause", M_ALL, 0x0100000f, FMT_NONE, IF_END) /* Zihintpause: fence w,0 */ \
    X(fence, "fence", M_F3, E_F3(0, 0x0f), FMT_FENCE, 0) \
    X(fence_i, "fence.i", M_F3, E_F3(1, 0x0f), FMT_NONE, IF_END) \
    /* System (privileged 1.12 §3.3, §4.2.1) */ \
    X(ecall, "ecall", M_ALL, 0x00000073, FMT_NONE, IF_END) \
    X(ebreak, "ebreak", M_ALL, 0x00100073, FMT_NONE, IF_END) \
    X(sret, "sret", M_ALL, 0x10200073, FMT_NONE, IF_END) \
    X(mret, "mret", M_ALL, 0x30200073, FMT_NONE, IF_END) \
    X(wfi, "wfi", M_ALL, 0x10500073, FMT_NONE, IF_END) \
    X(sfence_vma, "sfence.vma", 0xfe007fffu, 0x12000073, FMT_SFENCE, IF_END) \
    /* Zicsr */ \
    X(csrrw, "csrrw", M_F3, E_F3(1, 0x73), FMT_CSR, IF_END) \
    X(csrrs, "csrrs", M_F3, E_F3(2, 0x73), FMT_CSR, IF_END) \
    X(csrrc, "csrrc", M_F3, E_F3(3, 0x73), FMT_CSR, IF_END) \
    X(csrrwi, "csrrwi", M_F3, E_F3(5, 0x73), FMT_CSRI, IF_END) \
    X(csrrsi, "csrrsi", M_F3, E_F3(6, 0x73), FMT_CSRI, IF_END) \
    X(csrrci, "csrrci", M_F3, E_F3(7, 0x73), FMT_CSRI, IF_END) \
    /* M */ \
    X(mul, "mul", M_F7, E_F7(0x01, 0, 0x33), FMT_R, 0) \
    X(mulh, "mulh", M_F7, E_F7(0x01, 1, 0x33), FMT_R, 0) \
    X(mulhsu, "mulhsu", M_F7, E_F7(0x01, 2, 0x33), FMT_R, 0) \
    X(mulhu, "mulhu", M_F7, E_F7(0x01, 3, 0x33), FMT_R, 0) \
    X(div, "div", M_F7, E_F7(0x01, 4, 0x33), FMT_R, 0) \
    X(divu, "divu", M_F7, E_F7(0x01, 5, 0x33), FMT_R, 0) \
    X(rem, "rem", M_F7, E_F7(0x01, 6, 0x33), FMT_R, 0) \
    X(remu, "remu", M_F7, E_F7(0x01, 7, 0x33), FMT_R, 0) \
    X(mulw, "mulw", M_F7, E_F7(0x01, 0, 0x3b), FMT_R, 0) \
    X(divw, "divw", M_F7, E_F7(0x01, 4, 0x3b), FMT_R, 0) \
    X(divuw, "divuw", M_F7, E_F7(0x01, 5, 0x3b), FMT_R, 0) \
    X(remw, "remw", M_F7, E_F7(0x01, 6, 0x3b), FMT_R, 0) \
    X(remuw, "remuw", M_F7, E_F7(0x01, 7, 0x3b), FMT_R, 0) \
    /* A */ \
    X(lr_w, "lr.w", M_LR, E_AMO(0x02, 2), FMT_LR, 0) \
    X(sc_w, "sc.w", M_AMO, E_AMO(0x03, 2), FMT_AMO, 0) \
    X(amoswap_w, "amoswap.w", M_AMO, E_AMO(0x01, 2), FMT_AMO, 0) \
    X(amoadd_w, "amoadd.w", M_AMO, E_AMO(0x00, 2), FMT_AMO, 0) \
    X(amoxor_w, "amoxor.w", M_AMO, E_AMO(0x04, 2), FMT_AMO, 0) \
    X(amoand_w, "amoand.w", M_AMO, E_AMO(0x0c, 2), FMT_AMO, 0) \
    X(amoor_w, "amoor.w", M_AMO, E_AMO(0x08, 2), FMT_AMO, 0) \
    X(amomin_w, "amomin.w", M_AMO, E_AMO(0x10, 2), FMT_AMO, 0) \
    X(amomax_w, "amomax.w", M_AMO, E_AMO(0x14, 2), FMT_AMO, 0) \
    X(amominu_w, "amominu.w", M_AMO, E_AMO(0x18, 2), FMT_AMO, 0) \
    X(amomaxu_w, "amomaxu.w", M_AMO, E_AMO(0x1c, 2), FMT_AMO, 0) \
    X(lr_d, "lr.d", M_LR, E_AMO(0x02, 3), FMT_LR, 0) \
    X(sc_d, "sc.d", M_AMO, E_AMO(0x03, 3), FMT_AMO, 0) \
    X(amoswap_d, "amoswap.d", M_AMO, E_AMO(0x01, 3), FMT_AMO, 0) \
    X(amoadd_d, "amoadd.d", M_AMO, E_AMO(0x00, 3), FMT_AMO, 0) \
    X(amoxor_d, "amoxor.d", M_AMO, E_AMO(0x04, 3), FMT_AMO, 0) \
    X(amoand_d, "amoand.d", M_AMO, E_AMO(0x0c, 3), FMT_AMO, 0) \
    X(amoor_d, "amoor.d", M_AMO, E_AMO(0x08, 3), FMT_AMO, 0) \
    X(amomin_d, "amomin.d", M_AMO, E_AMO(0x10, 3), FMT_AMO, 0) \
    X(amomax_d, "amomax.d", M_AMO, E_AMO(0x14, 3), FMT_AMO, 0) \
    X(amominu_d, "amominu.d", M_AMO, E_AMO(0x18, 3), FMT_AMO, 0) \
    X(amomaxu_d, "amomaxu.d", M_AMO, E_AMO(0x1c, 3), FMT_AMO, 0) \
    /* F */ \
    X(flw, "flw", M_F3, E_F3(2, 0x07), FMT_LOAD, IF_FX) \
    X(fsw, "fsw", M_F3, E_F3(2, 0x27), FMT_STORE, IF_FP | IF_RS2_F) \
    X(fmadd_s, "fmadd.s", M_R4, 0x43, FMT_R4_RM, IF_FFFF) \
    X(fmsub_s, "fmsub.s", M_R4, 0x47, FMT_R4_RM, IF_FFFF) \
    X(fnmsub_s, "fnmsub.s", M_R4, 0x4b, FMT_R4_RM, IF_FFFF) \
    X(fnmadd_s, "fnmadd.s", M_R4, 0x4f, FMT_R4_RM, IF_FFFF) \
    X(fadd_s, "fadd.s", M_FRM, E_FP(0x00, 0, 0), FMT_R_RM, IF_FFF) \
    X(fsub_s, "fsub.s", M_FRM, E_FP(0x04, 0, 0), FMT_R_RM, IF_FFF) \
    X(fmul_s, "fmul.s", M_FRM, E_FP(0x08, 0, 0), FMT_R_RM, IF_FFF) \
    X(fdiv_s, "fdiv.s", M_FRM, E_FP(0x0c, 0, 0), FMT_R_RM, IF_FFF) \
    X(fsqrt_s, "fsqrt.s", M_FRM1, E_FP(0x2c, 0, 0), FMT_R1_RM, IF_FF) \
    X(fsgnj_s, "fsgnj.s", M_F7, E_FP(0x10, 0, 0), FMT_R, IF_FFF) \
    X(fsgnjn_s, "fsgnjn.s", M_F7, E_FP(0x10, 0, 1), FMT_R, IF_FFF) \
    X(fsgnjx_s, "fsgnjx.s", M_F7, E_FP(0x10, 0, 2), FMT_R, IF_FFF) \
    X(fmin_s, "fmin.s", M_F7, E_FP(0x14, 0, 0), FMT_R, IF_FFF) \
    X(fmax_s, "fmax.s", M_F7, E_FP(0x14, 0, 1), FMT_R, IF_FFF) \
    X(fcvt_w_s, "fcvt.w.s", M_FRM1, E_FP(0x60, 0, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_wu_s, "fcvt.wu.s", M_FRM1, E_FP(0x60, 1, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_l_s, "fcvt.l.s", M_FRM1, E_FP(0x60, 2, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_lu_s, "fcvt.lu.s", M_FRM1, E_FP(0x60, 3, 0), FMT_R1_RM, IF_XF) \
    X(fmv_x_w, "fmv.x.w", M_F12, E_FP(0x70, 0, 0), FMT_R1, IF_XF) \
    X(fclass_s, "fclass.s", M_F12, E_FP(0x70, 0, 1), FMT_R1, IF_XF) \
    X(feq_s, "feq.s", M_F7, E_FP(0x50, 0, 2), FMT_R, IF_XFF) \
    X(flt_s, "flt.s", M_F7, E_FP(0x50, 0, 1), FMT_R, IF_XFF) \
    X(fle_s, "fle.s", M_F7, E_FP(0x50, 0, 0), FMT_R, IF_XFF) \
    X(fcvt_s_w, "fcvt.s.w", M_FRM1, E_FP(0x68, 0, 0), FMT_R1_RM, IF_FX) \
    X(fcvt_s_wu, "fcvt.s.wu", M_FRM1, E_FP(0x68, 1, 0), FMT_R1_RM, IF_FX) \
    X(fcvt_s_l, "fcvt.s.l", M_FRM1, E_FP(0x68, 2, 0), FMT_R1_RM, IF_FX) \
    X(fcvt_s_lu, "fcvt.s.lu", M_FRM1, E_FP(0x68, 3, 0), FMT_R1_RM, IF_FX) \
    X(fmv_w_x, "fmv.w.x", M_F12, E_FP(0x78, 0, 0), FMT_R1, IF_FX) \
    /* D */ \
    X(fld, "fld", M_F3, E_F3(3, 0x07), FMT_LOAD, IF_FX) \
    X(fsd, "fsd", M_F3, E_F3(3, 0x27), FMT_STORE, IF_FP | IF_RS2_F) \
    X(fmadd_d, "fmadd.d", M_R4, 0x02000043, FMT_R4_RM, IF_FFFF) \
    X(fmsub_d, "fmsub.d", M_R4, 0x02000047, FMT_R4_RM, IF_FFFF) \
    X(fnmsub_d, "fnmsub.d", M_R4, 0x0200004b, FMT_R4_RM, IF_FFFF) \
    X(fnmadd_d, "fnmadd.d", M_R4, 0x0200004f, FMT_R4_RM, IF_FFFF) \
    X(fadd_d, "fadd.d", M_FRM, E_FP(0x01, 0, 0), FMT_R_RM, IF_FFF) \
    X(fsub_d, "fsub.d", M_FRM, E_FP(0x05, 0, 0), FMT_R_RM, IF_FFF) \
    X(fmul_d, "fmul.d", M_FRM, E_FP(0x09, 0, 0), FMT_R_RM, IF_FFF) \
    X(fdiv_d, "fdiv.d", M_FRM, E_FP(0x0d, 0, 0), FMT_R_RM, IF_FFF) \
    X(fsqrt_d, "fsqrt.d", M_FRM1, E_FP(0x2d, 0, 0), FMT_R1_RM, IF_FF) \
    X(fsgnj_d, "fsgnj.d", M_F7, E_FP(0x11, 0, 0), FMT_R, IF_FFF) \
    X(fsgnjn_d, "fsgnjn.d", M_F7, E_FP(0x11, 0, 1), FMT_R, IF_FFF) \
    X(fsgnjx_d, "fsgnjx.d", M_F7, E_FP(0x11, 0, 2), FMT_R, IF_FFF) \
    X(fmin_d, "fmin.d", M_F7, E_FP(0x15, 0, 0), FMT_R, IF_FFF) \
    X(fmax_d, "fmax.d", M_F7, E_FP(0x15, 0, 1), FMT_R, IF_FFF) \
    X(fcvt_s_d, "fcvt.s.d", M_FRM1, E_FP(0x20, 1, 0), FMT_R1_RM, IF_FF) \
    X(fcvt_d_s, "fcvt.d.s", M_FRM1, E_FP(0x21, 0, 0), FMT_R1_RM, IF_FF | IF_NORM) \
    X(feq_d, "feq.d", M_F7, E_FP(0x51, 0, 2), FMT_R, IF_XFF) \
    X(flt_d, "flt.d", M_F7, E_FP(0x51, 0, 1), FMT_R, IF_XFF) \
    X(fle_d, "fle.d", M_F7, E_FP(0x51, 0, 0), FMT_R, IF_XFF) \
    X(fclass_d, "fclass.d", M_F12, E_FP(0x71, 0, 1), FMT_R1, IF_XF) \
    X(fcvt_w_d, "fcvt.w.d", M_FRM1, E_FP(0x61, 0, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_wu_d, "fcvt.wu.d", M_FRM1, E_FP(0x61, 1, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_l_d, "fcvt.l.d", M_FRM1, E_FP(0x61, 2, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_lu_d, "fcvt.lu.d", M_FRM1, E_FP(0x61, 3, 0), FMT_R1_RM, IF_XF) \
    X(fcvt_d_w, "fcvt.d.w", M_FRM1, E_FP(0x69, 0, 0), FMT_R1_RM, IF_FX | IF_NORM) \
    X(fcvt_d_wu, "fcvt.d.wu", M_FRM1, E_FP(0x69, 1, 0), FMT_R1_RM, IF_FX | IF_NORM) \
    X(fcvt_d_l, "fcvt.d.l", M_FRM1, E_FP(0x69, 2, 0), FMT_R1_RM, IF_FX) \
    X(fcvt_d_lu, "fcvt.d.lu", M_FRM1, E_FP(0x69, 3, 0), FMT_R1_RM, IF_FX) \
    X(fmv_x_d, "fmv.x.d", M_F12, E_FP(0x71, 0, 0), FMT_R1, IF_XF) \
    X(fmv_d_x, "fmv.d.x", M_F12, E_FP(0x79, 0, 0), FMT_R1, IF_FX) \
    /* Zba */ \
    X(sh1add, "sh1add", M_F7, E_F7(0x10, 2, 0x33), FMT_R, 0) \
    X(sh2add, "sh2add", M_F7, E_F7(0x10, 4, 0x33), FMT_R, 0) \
    X(sh3add, "sh3add", M_F7, E_F7(0x10, 6, 0x33), FMT_R, 0) \
    X(add_uw, "add.uw", M_F7, E_F7(0x04, 0, 0x3b), FMT_R, 0) \
    X(sh1add_uw, "sh1add.uw", M_F7, E_F7(0x10, 2, 0x3b), FMT_R, 0) \
    X(sh2add_uw, "sh2add.uw", M_F7, E_F7(0x10, 4, 0x3b), FMT_R, 0) \
    X(sh3add_uw, "sh3add.uw", M_F7, E_F7(0x10, 6, 0x3b), FMT_R, 0) \
    X(slli_uw, "slli.uw", M_F6, E_F7(0x04, 1, 0x1b), FMT_SHIFT, 0) \
    /* Zbb */ \
    X(andn, "andn", M_F7, E_F7(0x20, 7, 0x33), FMT_R, 0) \
    X(orn, "orn", M_F7, E_F7(0x20, 6, 0x33), FMT_R, 0) \
    X(xnor, "xnor", M_F7, E_F7(0x20, 4, 0x33), FMT_R, 0) \
    X(clz, "clz", M_F12, 0x60001013, FMT_R1, 0) \
    X(ctz, "ctz", M_F12, 0x60101013, FMT_R1, 0) \
    X(cpop, "cpop", M_F12, 0x60201013, FMT_R1, 0) \
    X(sext_b, "sext.b", M_F12, 0x60401013, FMT_R1, 0) \
    X(sext_h, "sext.h", M_F12, 0x60501013, FMT_R1, 0) \
    X(clzw, "clzw", M_F12, 0x6000101b, FMT_R1, 0) \
    X(ctzw, "ctzw", M_F12, 0x6010101b, FMT_R1, 0) \
    X(cpopw, "cpopw", M_F12, 0x6020101b, FMT_R1, 0) \
    X(zext_h, "zext.h", M_F12, 0x0800403b, FMT_R1, 0) \
    X(max, "max", M_F7, E_F7(0x05, 6, 0x33), FMT_R, 0) \
    X(maxu, "maxu", M_F7, E_F7(0x05, 7, 0x33), FMT_R, 0) \
    X(min, "min", M_F7, E_F7(0x05, 4, 0x33), FMT_R, 0) \
    X(minu, "minu", M_F7, E_F7(0x05, 5, 0x33), FMT_R, 0) \
    X(rol, "rol", M_F7, E_F7(0x30, 1, 0x33), FMT_R, 0) \
    X(ror, "ror", M_F7, E_F7(0x30, 5, 0x33), FMT_R, 0) \
    X(rolw, "rolw", M_F7, E_F7(0x30, 1, 0x3b), FMT_R, 0) \
    X(rorw, "rorw", M_F7, E_F7(0x30, 5, 0x3b), FMT_R, 0) \
    X(orc_b, "orc.b", M_F12, 0x28705013, FMT_R1, 0) \
    X(rev8, "rev8", M_F12, 0x6b805013, FMT_R1, 0) \
    X(rori, "rori", M_F6, E_F7(0x30, 5, 0x13), FMT_SHIFT, 0) \
    X(roriw, "roriw", M_F7, E_F7(0x30, 5, 0x1b), FMT_SHIFT, 0) \
    /* Zbs */ \
    X(bclr, "bclr", M_F7, E_F7(0x24, 1, 0x33), FMT_R, 0) \
    X(bext, "bext", M_F7, E_F7(0x24, 5, 0x33), FMT_R, 0) \
    X(binv, "binv", M_F7, E_F7(0x34, 1, 0x33), FMT_R, 0) \
    X(bset, "bset", M_F7, E_F7(0x14, 1, 0x33), FMT_R, 0) \
    X(bclri, "bclri", M_F6, E_F7(0x24, 1, 0x13), FMT_SHIFT, 0) \
    X(bexti, "bexti", M_F6, E_F7(0x24, 5, 0x13), FMT_SHIFT, 0) \
    X(binvi, "binvi", M_F6, E_F7(0x34, 1, 0x13), FMT_SHIFT, 0) \
    X(bseti, "bseti", M_F6, E_F7(0x14, 1, 0x13), FMT_SHIFT, 0)

/* Decode-table indexes (TBInsn.op). */
enum {
#define RISCV_OP_ENUM(id, name, mask, match, fmt, flags) RISCV_OP_##id,
    RISCV_INSN_LIST(RISCV_OP_ENUM)
#undef RISCV_OP_ENUM
    RISCV_OP_COUNT
};

typedef struct RISCVInsnDesc {
    const char *name;   /* mnemonic as objdump -M no-aliases prints it */
    uint32_t mask;      /* bits that identify the instruction */
    uint32_t match;     /* their value */
    uint8_t fmt;        /* RISCVFormat */
    uint8_t flags;      /* IF_* */
    TBInsnFn fn;
} RISCVInsnDesc;

/* The decode table, indexed by RISCV_OP_*; entry 0 is "illegal". */
extern const RISCVInsnDesc riscv_insn_table[RISCV_OP_COUNT];

/* Index of the table entry matching 32-bit insn, or RISCV_OP_illegal. */
unsigned riscv_insn_lookup(uint32_t insn);

/*
 * Fill *out from the 32-bit encoding insn (already expanded when it came
 * from a 16-bit one): op, fn, imm, rd/rs1/rs2/rs3, rm, flags.  Does not set
 * pc, raw or len.  rd = x0 of an integer destination becomes 32.
 */
void riscv_decode_insn32(TBInsn *out, uint32_t insn, uint32_t tb_flags);

/* Handlers, one per table entry: riscv_op_<id>. */
#define RISCV_OP_DECL(id, name, mask, match, fmt, flags) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in);
RISCV_INSN_LIST(RISCV_OP_DECL)
#undef RISCV_OP_DECL

/* Raise illegal instruction with tval = the encoding as fetched. */
NORETURN void riscv_raise_illegal(CPUState *cs, const TBInsn *in);

/* rd was x0 (the decoder turned it into the write sink). */
static inline bool riscv_rd_is_x0(const TBInsn *in)
{
    return in->rd == 0 || in->rd == 32;
}

#endif /* VM_CPU_RISCV_INSN_H */
