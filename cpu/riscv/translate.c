/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RISC-V front end of the tier-2 JIT (DESIGN.md §3): lowers the
 * pre-decoded instructions of a TB to IR (tcg/ir.h).  RV64I computation,
 * lui/auipc, loads/stores, branches, jal/jalr and mul/mulw are native
 * (unprivileged ISA 20191213 ch. 2, 5, 7); every other instruction (FP,
 * A, Zicsr, system, Zb*, the rest of M, illegal) calls its tier-1
 * handler, which therefore defines the semantics of both tiers.
 * Guest registers live in the RISCVCPU struct (gpr[32] is the decoder's
 * x0 write sink).
 */
#include <stddef.h>

#include "cpu/riscv/insn.h"
#include "tcg/ir.h"
#include "tcg/tb.h"

#define G(r) ir_v(r)

static void tr_rr(IRFunc *f, IROpc opc, bool w32, const TBInsn *in)
{
    ir_binop(f, opc, w32, in->rd, G(in->rs1), G(in->rs2));
    if (w32) {
        ir_unop(f, IR_EXT32S, in->rd, G(in->rd));
    }
}

static void tr_ri(IRFunc *f, IROpc opc, bool w32, const TBInsn *in)
{
    ir_binop(f, opc, w32, in->rd, G(in->rs1), ir_c(in->imm));
    if (w32) {
        ir_unop(f, IR_EXT32S, in->rd, G(in->rd));
    }
}

static void tr_branch(IRFunc *f, IRCond cond, const TBInsn *in)
{
    int taken = ir_new_label(f);

    ir_brcond(f, cond, G(in->rs1), G(in->rs2), taken);
    ir_exit(f, ir_c((int64_t)(in->pc + in->len)));
    ir_label(f, taken);
    ir_exit(f, ir_c((int64_t)(in->pc + (uint64_t)in->imm)));
}

static void tr_load(IRFunc *f, const TBInsn *in, unsigned size, bool sign)
{
    ir_ld(f, in->rd, G(in->rs1), in->imm, size, sign, in);
}

static void tr_store(IRFunc *f, const TBInsn *in, unsigned size)
{
    ir_st(f, G(in->rs2), G(in->rs1), in->imm, size, in);
}

/* Lower one instruction; returns true when it ended the TB's code path. */
static bool tr_insn(IRFunc *f, const TBInsn *in)
{
    /* A decoder that swapped the handler (e.g. FP with FS off) keeps its semantics. */
    if (in->op >= RISCV_OP_COUNT || in->fn != riscv_insn_table[in->op].fn) {
        goto helper;
    }
    switch (in->op) {
    case RISCV_OP_lui: ir_mov(f, in->rd, ir_c(in->imm)); return false;
    case RISCV_OP_auipc: ir_mov(f, in->rd, ir_c((int64_t)(in->pc + (uint64_t)in->imm))); return false;
    case RISCV_OP_jal:
        ir_mov(f, in->rd, ir_c((int64_t)(in->pc + in->len)));
        ir_exit(f, ir_c((int64_t)(in->pc + (uint64_t)in->imm)));
        return true;
    case RISCV_OP_jalr: {
        int t = ir_new_temp(f);
        ir_binop(f, IR_ADD, false, t, G(in->rs1), ir_c(in->imm));
        ir_binop(f, IR_AND, false, t, ir_v(t), ir_c(~1ll));
        ir_mov(f, in->rd, ir_c((int64_t)(in->pc + in->len)));
        ir_exit(f, ir_v(t));
        return true;
    }
    case RISCV_OP_beq: tr_branch(f, IR_EQ, in); return true;
    case RISCV_OP_bne: tr_branch(f, IR_NE, in); return true;
    case RISCV_OP_blt: tr_branch(f, IR_LT, in); return true;
    case RISCV_OP_bge: tr_branch(f, IR_GE, in); return true;
    case RISCV_OP_bltu: tr_branch(f, IR_LTU, in); return true;
    case RISCV_OP_bgeu: tr_branch(f, IR_GEU, in); return true;
    case RISCV_OP_lb: tr_load(f, in, 1, true); return false;
    case RISCV_OP_lh: tr_load(f, in, 2, true); return false;
    case RISCV_OP_lw: tr_load(f, in, 4, true); return false;
    case RISCV_OP_ld: tr_load(f, in, 8, false); return false;
    case RISCV_OP_lbu: tr_load(f, in, 1, false); return false;
    case RISCV_OP_lhu: tr_load(f, in, 2, false); return false;
    case RISCV_OP_lwu: tr_load(f, in, 4, false); return false;
    case RISCV_OP_sb: tr_store(f, in, 1); return false;
    case RISCV_OP_sh: tr_store(f, in, 2); return false;
    case RISCV_OP_sw: tr_store(f, in, 4); return false;
    case RISCV_OP_sd: tr_store(f, in, 8); return false;
    case RISCV_OP_addi: tr_ri(f, IR_ADD, false, in); return false;
    case RISCV_OP_slti: ir_setcond(f, IR_LT, in->rd, G(in->rs1), ir_c(in->imm)); return false;
    case RISCV_OP_sltiu: ir_setcond(f, IR_LTU, in->rd, G(in->rs1), ir_c(in->imm)); return false;
    case RISCV_OP_xori: tr_ri(f, IR_XOR, false, in); return false;
    case RISCV_OP_ori: tr_ri(f, IR_OR, false, in); return false;
    case RISCV_OP_andi: tr_ri(f, IR_AND, false, in); return false;
    case RISCV_OP_slli: tr_ri(f, IR_SHL, false, in); return false;
    case RISCV_OP_srli: tr_ri(f, IR_SHR, false, in); return false;
    case RISCV_OP_srai: tr_ri(f, IR_SAR, false, in); return false;
    case RISCV_OP_add: tr_rr(f, IR_ADD, false, in); return false;
    case RISCV_OP_sub: tr_rr(f, IR_SUB, false, in); return false;
    case RISCV_OP_sll: tr_rr(f, IR_SHL, false, in); return false;
    case RISCV_OP_slt: ir_setcond(f, IR_LT, in->rd, G(in->rs1), G(in->rs2)); return false;
    case RISCV_OP_sltu: ir_setcond(f, IR_LTU, in->rd, G(in->rs1), G(in->rs2)); return false;
    case RISCV_OP_xor: tr_rr(f, IR_XOR, false, in); return false;
    case RISCV_OP_srl: tr_rr(f, IR_SHR, false, in); return false;
    case RISCV_OP_sra: tr_rr(f, IR_SAR, false, in); return false;
    case RISCV_OP_or: tr_rr(f, IR_OR, false, in); return false;
    case RISCV_OP_and: tr_rr(f, IR_AND, false, in); return false;
    case RISCV_OP_addiw: tr_ri(f, IR_ADD, true, in); return false;
    case RISCV_OP_slliw: tr_ri(f, IR_SHL, true, in); return false;
    case RISCV_OP_srliw: tr_ri(f, IR_SHR, true, in); return false;
    case RISCV_OP_sraiw: tr_ri(f, IR_SAR, true, in); return false;
    case RISCV_OP_addw: tr_rr(f, IR_ADD, true, in); return false;
    case RISCV_OP_subw: tr_rr(f, IR_SUB, true, in); return false;
    case RISCV_OP_sllw: tr_rr(f, IR_SHL, true, in); return false;
    case RISCV_OP_srlw: tr_rr(f, IR_SHR, true, in); return false;
    case RISCV_OP_sraw: tr_rr(f, IR_SAR, true, in); return false;
    case RISCV_OP_mul: tr_rr(f, IR_MUL, false, in); return false;
    case RISCV_OP_mulw: tr_rr(f, IR_MUL, true, in); return false;
    case RISCV_OP_fence: case RISCV_OP_fence_tso: return false;
    default:
        break;
    }
helper:
    ir_call_insn(f, in);
    if (in->flags & TBI_END) {
        /* Handlers of TB-ending instructions always set pc; be safe anyway. */
        ir_exit(f, ir_c((int64_t)(in->pc + in->len)));
        return true;
    }
    return false;
}

bool riscv_translate(CPUState *cs, TranslationBlock *tb, IRFunc *f)
{
    unsigned n = tb->n_insns;

    ir_init(f);
    for (unsigned i = 0; i < IR_NB_GLOBALS; i++) {
        f->global_off[i] = offsetof(RISCVCPU, gpr) + i * sizeof(uint64_t);
    }
    f->mmu_idx_off = offsetof(RISCVCPU, data_mmu_idx);
    f->zero_global = 0;
    f->sink_global = 32;
    for (unsigned i = 0; i < n; i++) {
        if (tr_insn(f, &tb->insns[i])) {
            return !f->overflow;
        }
    }
    /* Fell off the end (length cap or page boundary): the synthetic last entry. */
    ir_exit(f, ir_c((int64_t)tb->insns[n].pc));
    return !f->overflow;
}
