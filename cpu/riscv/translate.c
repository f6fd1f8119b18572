/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RISC-V front end of the tier-2 JIT (DESIGN.md §3): lowers the
 * pre-decoded instructions of a TB to IR (tcg/ir.h).  RV64I computation,
 * lui/auipc, loads/stores, branches, jal/jalr, M and Zba/Zbb/Zbs (but
 * orc.b, and clz/ctz/cpop on hosts without LZCNT/BMI1/POPCNT) are native
 * (unprivileged ISA 20191213 ch. 2, 5, 7; bitmanip 1.0.0), and so are
 * F/D add, sub, mul, div, sqrt (RNE or dynamic rm), feq, flt and fle
 * (ch. 11, 12: host SSE, see tr_fp); fences emit nothing on the TSO host
 * but those ordering stores before loads; every other instruction (other
 * FP, A, Zicsr, system, illegal, those fences) calls its tier-1 handler,
 * which therefore defines the semantics of both tiers.
 * Guest registers live in the RISCVCPU struct (gpr[32] is the decoder's
 * x0 write sink).
 */
#include <stddef.h>

#include "cpu/riscv/fpu.h"
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

/* rd = op(rs1) (w32: on the low 32 bits, result zero-extended, no sign extension). */
static void tr_un(IRFunc *f, IROpc opc, bool w32, const TBInsn *in)
{
    IROp *op = ir_emit(f, opc);

    op->w32 = w32;
    op->d = in->rd;
    op->a = G(in->rs1);
}

/* rd = (rs1 [zero-extended from 32 bits] << sh) + rs2 (Zba). */
static void tr_shadd(IRFunc *f, unsigned sh, bool uw, const TBInsn *in)
{
    int t = ir_new_temp(f);
    IRArg a = G(in->rs1);

    if (uw) {
        ir_unop(f, IR_EXT32U, t, a);
        a = ir_v(t);
    }
    if (sh) {
        ir_binop(f, IR_SHL, false, t, a, ir_c(sh));
        a = ir_v(t);
    }
    ir_binop(f, IR_ADD, false, in->rd, a, G(in->rs2));
}

/* rd = rs1 op ~rs2 (andn, orn) */
static void tr_notb(IRFunc *f, IROpc opc, const TBInsn *in)
{
    int t = ir_new_temp(f);

    ir_binop(f, IR_XOR, false, t, G(in->rs2), ir_c(-1));
    ir_binop(f, opc, false, in->rd, G(in->rs1), ir_v(t));
}

/* Zbs with a register bit index: rd = rs1 op (1 << rs2) (op IR_AND: clear). */
static void tr_bit(IRFunc *f, IROpc opc, const TBInsn *in)
{
    int t = ir_new_temp(f);

    ir_binop(f, IR_SHL, false, t, ir_c(1), G(in->rs2));
    if (opc == IR_AND) {
        ir_binop(f, IR_XOR, false, t, ir_v(t), ir_c(-1));
    }
    ir_binop(f, opc, false, in->rd, G(in->rs1), ir_v(t));
}

/* rd = (rs1 >> b) & 1 */
static void tr_bext(IRFunc *f, IRArg b, const TBInsn *in)
{
    int t = ir_new_temp(f);

    ir_binop(f, IR_SHR, false, t, G(in->rs1), b);
    ir_binop(f, IR_AND, false, in->rd, ir_v(t), ir_c(1));
}

/*
 * F/D arithmetic (the fused multiply-adds too, on hosts with FMA3) and
 * compares on host SSE (IR_FPOP): static rm RNE or
 * dynamic (the back end checks frm <= 3 at run time and calls the handler
 * otherwise); RMM and the reserved modes stay on the handler.  The back
 * end also does static RTZ, RDN and RUP exactly, but they stay on the
 * handler too: loading MXCSR with rounding modes that change from one
 * operation to the next costs the host (measured on AMD EPYC: ~12 ns per
 * change) more than the soft-float, and compiled code hardly uses static
 * directed rounding for arithmetic anyway, while frm stays put for long.
 */
static bool tr_fp(IRFunc *f, IRFpOp fop, bool single, const TBInsn *in)
{
    if (fop < IR_FP_EQ && in->rm != FPU_RNE && in->rm != 7) {
        return false;
    }
    if (fop >= IR_FP_FMADD && fop <= IR_FP_FNMADD && !ir_host_has_fma()) {
        return false;
    }
    ir_fpop(f, fop, single, in);
    return true;
}

/*
 * fsgnj.d / fsgnjn.d / fsgnjx.d (unpriv §12.6): rs1's bits but the sign,
 * which comes from rs2 (inverted for n, xored with rs1's for x).  Doubles
 * only: singles must check NaN-boxing, which the handler does.
 */
static void tr_fsgnj_d(IRFunc *f, const TBInsn *in)
{
    const int64_t sign = INT64_MIN;
    int a = ir_new_temp(f), b = ir_new_temp(f);

    ir_getf(f, a, in->rs1);
    ir_getf(f, b, in->rs2);
    if (in->op == RISCV_OP_fsgnjn_d) {
        ir_binop(f, IR_XOR, false, b, ir_v(b), ir_c(-1));
    }
    ir_binop(f, IR_AND, false, b, ir_v(b), ir_c(sign));
    if (in->op != RISCV_OP_fsgnjx_d) {
        ir_binop(f, IR_AND, false, a, ir_v(a), ir_c(~sign));
    }
    ir_binop(f, in->op == RISCV_OP_fsgnjx_d ? IR_XOR : IR_OR, false, a, ir_v(a), ir_v(b));
    ir_setf(f, in->rd, ir_v(a));
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
    case RISCV_OP_fence:
        /* No IR barrier op: a store -> load fence calls the handler (mfence). */
        if (riscv_fence_needs_mb(in->raw)) {
            break;
        }
        return false;
    case RISCV_OP_fence_tso: return false;
    /* M */
    case RISCV_OP_mulh: tr_rr(f, IR_MULH, false, in); return false;
    case RISCV_OP_mulhu: tr_rr(f, IR_MULHU, false, in); return false;
    case RISCV_OP_mulhsu: tr_rr(f, IR_MULHSU, false, in); return false;
    case RISCV_OP_div: tr_rr(f, IR_DIV, false, in); return false;
    case RISCV_OP_divu: tr_rr(f, IR_DIVU, false, in); return false;
    case RISCV_OP_rem: tr_rr(f, IR_REM, false, in); return false;
    case RISCV_OP_remu: tr_rr(f, IR_REMU, false, in); return false;
    case RISCV_OP_divw: tr_rr(f, IR_DIV, true, in); return false;
    case RISCV_OP_divuw: tr_rr(f, IR_DIVU, true, in); return false;
    case RISCV_OP_remw: tr_rr(f, IR_REM, true, in); return false;
    case RISCV_OP_remuw: tr_rr(f, IR_REMU, true, in); return false;
    /* Zba */
    case RISCV_OP_sh1add: tr_shadd(f, 1, false, in); return false;
    case RISCV_OP_sh2add: tr_shadd(f, 2, false, in); return false;
    case RISCV_OP_sh3add: tr_shadd(f, 3, false, in); return false;
    case RISCV_OP_add_uw: tr_shadd(f, 0, true, in); return false;
    case RISCV_OP_sh1add_uw: tr_shadd(f, 1, true, in); return false;
    case RISCV_OP_sh2add_uw: tr_shadd(f, 2, true, in); return false;
    case RISCV_OP_sh3add_uw: tr_shadd(f, 3, true, in); return false;
    case RISCV_OP_slli_uw: {
        int t = ir_new_temp(f);
        ir_unop(f, IR_EXT32U, t, G(in->rs1));
        ir_binop(f, IR_SHL, false, in->rd, ir_v(t), ir_c(in->imm));
        return false;
    }
    /* Zbb */
    case RISCV_OP_andn: tr_notb(f, IR_AND, in); return false;
    case RISCV_OP_orn: tr_notb(f, IR_OR, in); return false;
    case RISCV_OP_xnor: {
        int t = ir_new_temp(f);
        ir_binop(f, IR_XOR, false, t, G(in->rs1), G(in->rs2));
        ir_binop(f, IR_XOR, false, in->rd, ir_v(t), ir_c(-1));
        return false;
    }
    case RISCV_OP_min: tr_rr(f, IR_MIN, false, in); return false;
    case RISCV_OP_max: tr_rr(f, IR_MAX, false, in); return false;
    case RISCV_OP_minu: tr_rr(f, IR_MINU, false, in); return false;
    case RISCV_OP_maxu: tr_rr(f, IR_MAXU, false, in); return false;
    case RISCV_OP_sext_b: tr_un(f, IR_EXT8S, false, in); return false;
    case RISCV_OP_sext_h: tr_un(f, IR_EXT16S, false, in); return false;
    case RISCV_OP_zext_h: tr_un(f, IR_EXT16U, false, in); return false;
    case RISCV_OP_rev8: tr_un(f, IR_BSWAP, false, in); return false;
    case RISCV_OP_rol: tr_rr(f, IR_ROTL, false, in); return false;
    case RISCV_OP_ror: tr_rr(f, IR_ROTR, false, in); return false;
    case RISCV_OP_rolw: tr_rr(f, IR_ROTL, true, in); return false;
    case RISCV_OP_rorw: tr_rr(f, IR_ROTR, true, in); return false;
    case RISCV_OP_rori: tr_ri(f, IR_ROTR, false, in); return false;
    case RISCV_OP_roriw: tr_ri(f, IR_ROTR, true, in); return false;
    case RISCV_OP_clz: case RISCV_OP_clzw:
        if (!ir_host_has(IR_CLZ)) {
            break;
        }
        tr_un(f, IR_CLZ, in->op == RISCV_OP_clzw, in);
        return false;
    case RISCV_OP_ctz: case RISCV_OP_ctzw:
        if (!ir_host_has(IR_CTZ)) {
            break;
        }
        tr_un(f, IR_CTZ, in->op == RISCV_OP_ctzw, in);
        return false;
    case RISCV_OP_cpop: case RISCV_OP_cpopw:
        if (!ir_host_has(IR_CPOP)) {
            break;
        }
        tr_un(f, IR_CPOP, in->op == RISCV_OP_cpopw, in);
        return false;
    /* Zbs */
    case RISCV_OP_bset: tr_bit(f, IR_OR, in); return false;
    case RISCV_OP_bclr: tr_bit(f, IR_AND, in); return false;
    case RISCV_OP_binv: tr_bit(f, IR_XOR, in); return false;
    case RISCV_OP_bext: tr_bext(f, G(in->rs2), in); return false;
    case RISCV_OP_bseti: ir_binop(f, IR_OR, false, in->rd, G(in->rs1), ir_c((int64_t)(1ull << (in->imm & 63)))); return false;
    case RISCV_OP_bclri: ir_binop(f, IR_AND, false, in->rd, G(in->rs1), ir_c((int64_t)~(1ull << (in->imm & 63)))); return false;
    case RISCV_OP_binvi: ir_binop(f, IR_XOR, false, in->rd, G(in->rs1), ir_c((int64_t)(1ull << (in->imm & 63)))); return false;
    case RISCV_OP_bexti: tr_bext(f, ir_c(in->imm & 63), in); return false;
    /* F and D: loads, stores, moves and sign injection as raw bits */
    case RISCV_OP_flw: ir_ldf(f, in->rd, G(in->rs1), in->imm, 4, in); return false;
    case RISCV_OP_fld: ir_ldf(f, in->rd, G(in->rs1), in->imm, 8, in); return false;
    case RISCV_OP_fsw: ir_stf(f, in->rs2, G(in->rs1), in->imm, 4, in); return false;
    case RISCV_OP_fsd: ir_stf(f, in->rs2, G(in->rs1), in->imm, 8, in); return false;
    case RISCV_OP_fmv_x_d: ir_getf(f, in->rd, in->rs1); return false;
    case RISCV_OP_fmv_d_x: ir_setf(f, in->rd, G(in->rs1)); return false;
    case RISCV_OP_fmv_x_w: {
        int t = ir_new_temp(f);
        ir_getf(f, t, in->rs1);
        ir_unop(f, IR_EXT32S, in->rd, ir_v(t));
        return false;
    }
    case RISCV_OP_fmv_w_x: {
        int t = ir_new_temp(f);
        ir_binop(f, IR_OR, false, t, G(in->rs1), ir_c((int64_t)0xffffffff00000000ull));
        ir_setf(f, in->rd, ir_v(t));
        return false;
    }
    case RISCV_OP_fsgnj_d: case RISCV_OP_fsgnjn_d: case RISCV_OP_fsgnjx_d:
        tr_fsgnj_d(f, in);
        return false;
#define FP_CASE(name, fop) \
    case RISCV_OP_##name##_s: if (tr_fp(f, fop, true, in)) { return false; } break; \
    case RISCV_OP_##name##_d: if (tr_fp(f, fop, false, in)) { return false; } break;
    FP_CASE(fadd, IR_FP_ADD)
    FP_CASE(fsub, IR_FP_SUB)
    FP_CASE(fmul, IR_FP_MUL)
    FP_CASE(fdiv, IR_FP_DIV)
    FP_CASE(fsqrt, IR_FP_SQRT)
    FP_CASE(fmadd, IR_FP_FMADD)
    FP_CASE(fmsub, IR_FP_FMSUB)
    FP_CASE(fnmsub, IR_FP_FNMSUB)
    FP_CASE(fnmadd, IR_FP_FNMADD)
    FP_CASE(feq, IR_FP_EQ)
    FP_CASE(flt, IR_FP_LT)
    FP_CASE(fle, IR_FP_LE)
#undef FP_CASE
    case RISCV_OP_fcvt_w_s: case RISCV_OP_fcvt_l_s: case RISCV_OP_fcvt_w_d: case RISCV_OP_fcvt_l_d:
        if (in->rm != FPU_RTZ) {
            break;
        }
        ir_fpop(f, in->op == RISCV_OP_fcvt_w_s || in->op == RISCV_OP_fcvt_w_d ? IR_FP_CVT_W
                                                                            : IR_FP_CVT_L,
                in->op == RISCV_OP_fcvt_w_s || in->op == RISCV_OP_fcvt_l_s, in);
        return false;
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
    f->mmu_idx = (tb->flags >> TB_FLAG_MMU_SHIFT) & 3;
    f->zero_global = 0;
    f->sink_global = 32;
    f->fpr_off = offsetof(RISCVCPU, fpr);
    f->fflags_off = offsetof(RISCVCPU, fflags);
    f->frm_off = offsetof(RISCVCPU, frm);
    f->fs_off = offsetof(RISCVCPU, mstatus);
    f->fs_dirty = MSTATUS_FS_DIRTY | MSTATUS_SD;
    for (unsigned i = 0; i < n; i++) {
        if (tr_insn(f, &tb->insns[i])) {
            return !f->overflow;
        }
    }
    /* Fell off the end (length cap or page boundary): the synthetic last entry. */
    ir_exit(f, ir_c((int64_t)tb->insns[n].pc));
    return !f->overflow;
}
