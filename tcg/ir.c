/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building, folding and printing tier-2 IR (tcg/ir.h, DESIGN.md §3).
 * A builder that runs out of room marks the function overflowed instead
 * of failing: the caller then leaves the TB to tier 1.
 */
#include <stdio.h>
#include <string.h>

#include "tcg/ir.h"

void ir_init(IRFunc *f)
{
    f->n_ops = 0;
    f->next_temp = IR_TEMP_BASE;
    f->n_labels = 0;
    f->overflow = false;
    f->zero_global = -1;
    f->sink_global = -1;
    f->tb = NULL;
    f->n_insns = 0;
    f->count_stats = false;
    f->mmu_idx = -1;
}

int ir_new_temp(IRFunc *f)
{
    if (f->next_temp >= IR_TEMP_BASE + IR_MAX_TEMPS) {
        f->overflow = true;
        return IR_TEMP_BASE;
    }
    return f->next_temp++;
}

int ir_new_label(IRFunc *f)
{
    if (f->n_labels >= IR_MAX_LABELS) {
        f->overflow = true;
        return 0;
    }
    return f->n_labels++;
}

IROp *ir_emit(IRFunc *f, IROpc opc)
{
    static IROp scratch;
    IROp *op;

    if (f->n_ops >= IR_MAX_OPS) {
        f->overflow = true;
        op = &scratch;
    } else {
        op = &f->ops[f->n_ops++];
    }
    memset(op, 0, sizeof(*op));
    op->opc = opc;
    return op;
}

void ir_mov(IRFunc *f, int d, IRArg a)
{
    IROp *op = ir_emit(f, IR_MOV);

    op->d = d;
    op->a = a;
}

void ir_binop(IRFunc *f, IROpc opc, bool w32, int d, IRArg a, IRArg b)
{
    IROp *op = ir_emit(f, opc);

    op->w32 = w32;
    op->d = d;
    op->a = a;
    op->b = b;
}

void ir_setcond(IRFunc *f, IRCond cond, int d, IRArg a, IRArg b)
{
    IROp *op = ir_emit(f, IR_SETCOND);

    op->cond = cond;
    op->d = d;
    op->a = a;
    op->b = b;
}

void ir_unop(IRFunc *f, IROpc opc, int d, IRArg a)
{
    IROp *op = ir_emit(f, opc);

    op->d = d;
    op->a = a;
}

void ir_ld(IRFunc *f, int d, IRArg addr, int64_t off, unsigned size, bool sign,
           const TBInsn *in)
{
    IROp *op = ir_emit(f, IR_LD);

    op->d = d;
    op->a = addr;
    op->imm = off;
    op->size = size;
    op->sign = sign;
    op->insn = in;
}

void ir_st(IRFunc *f, IRArg val, IRArg addr, int64_t off, unsigned size, const TBInsn *in)
{
    IROp *op = ir_emit(f, IR_ST);

    op->a = addr;
    op->b = val;
    op->imm = off;
    op->size = size;
    op->insn = in;
}

void ir_brcond(IRFunc *f, IRCond cond, IRArg a, IRArg b, int label)
{
    IROp *op = ir_emit(f, IR_BRCOND);

    op->cond = cond;
    op->a = a;
    op->b = b;
    op->d = label;
}

void ir_label(IRFunc *f, int label)
{
    ir_emit(f, IR_LABEL)->d = label;
}

void ir_call_insn(IRFunc *f, const TBInsn *in)
{
    ir_emit(f, IR_CALL_INSN)->insn = in;
}

void ir_exit(IRFunc *f, IRArg pc)
{
    ir_emit(f, IR_EXIT)->a = pc;
}

void ir_fpop(IRFunc *f, IRFpOp fop, bool single, const TBInsn *in)
{
    IROp *op = ir_emit(f, IR_FPOP);

    op->cond = (uint8_t)fop;
    op->w32 = single;
    op->size = in->rm;
    op->insn = in;
}

/* An op on f-register freg with no operands yet (b unused, kept constant). */
static IROp *ir_fop(IRFunc *f, IROpc opc, unsigned freg)
{
    IROp *op = ir_emit(f, opc);

    op->cond = (uint8_t)freg;
    op->a = ir_c(0);
    op->b = ir_c(0);
    return op;
}

void ir_getf(IRFunc *f, int d, unsigned freg)
{
    ir_fop(f, IR_GETF, freg)->d = d;
}

void ir_setf(IRFunc *f, unsigned freg, IRArg a)
{
    ir_fop(f, IR_SETF, freg)->a = a;
}

static void ir_fmem(IRFunc *f, IROpc opc, unsigned freg, IRArg addr, int64_t off,
                    unsigned size, const TBInsn *in)
{
    IROp *op = ir_fop(f, opc, freg);

    op->a = addr;
    op->imm = off;
    op->size = (uint8_t)size;
    op->insn = in;
}

void ir_ldf(IRFunc *f, unsigned freg, IRArg addr, int64_t off, unsigned size, const TBInsn *in)
{
    ir_fmem(f, IR_LDF, freg, addr, off, size, in);
}

void ir_stf(IRFunc *f, unsigned freg, IRArg addr, int64_t off, unsigned size, const TBInsn *in)
{
    ir_fmem(f, IR_STF, freg, addr, off, size, in);
}

bool ir_eval_cond(IRCond cond, uint64_t a, uint64_t b)
{
    switch (cond) {
    case IR_EQ: return a == b;
    case IR_NE: return a != b;
    case IR_LT: return (int64_t)a < (int64_t)b;
    case IR_GE: return (int64_t)a >= (int64_t)b;
    case IR_LTU: return a < b;
    default: return a >= b;
    }
}

static uint64_t fold_div(IROpc opc, bool w32, uint64_t a, uint64_t b)
{
    if (w32) {
        int32_t x = (int32_t)a, y = (int32_t)b;
        uint32_t ux = (uint32_t)a, uy = (uint32_t)b;
        switch (opc) {
        case IR_DIV: return y == 0 ? 0xffffffffu : (x == INT32_MIN && y == -1) ? (uint32_t)x
                            : (uint32_t)(x / y);
        case IR_REM: return y == 0 ? ux : (x == INT32_MIN && y == -1) ? 0 : (uint32_t)(x % y);
        case IR_DIVU: return uy ? ux / uy : 0xffffffffu;
        default: return uy ? ux % uy : ux;
        }
    } else {
        int64_t x = (int64_t)a, y = (int64_t)b;
        switch (opc) {
        case IR_DIV: return y == 0 ? ~0ull : (x == INT64_MIN && y == -1) ? a : (uint64_t)(x / y);
        case IR_REM: return y == 0 ? a : (x == INT64_MIN && y == -1) ? 0 : (uint64_t)(x % y);
        case IR_DIVU: return b ? a / b : ~0ull;
        default: return b ? a % b : a;
        }
    }
}

bool ir_fold(IROpc opc, bool w32, uint64_t a, uint64_t b, uint64_t *out)
{
    uint64_t r;

    switch (opc) {
    case IR_DIV: case IR_DIVU: case IR_REM: case IR_REMU:
        *out = fold_div(opc, w32, a, b);
        return true;
    default:
        break;
    }
    if (w32) {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        switch (opc) {
        case IR_ADD: r = (uint32_t)(x + y); break;
        case IR_SUB: r = (uint32_t)(x - y); break;
        case IR_AND: r = x & y; break;
        case IR_OR: r = x | y; break;
        case IR_XOR: r = x ^ y; break;
        case IR_SHL: r = (uint32_t)(x << (y & 31)); break;
        case IR_SHR: r = x >> (y & 31); break;
        case IR_SAR: r = (uint32_t)((int32_t)x >> (y & 31)); break;
        case IR_MUL: r = (uint32_t)(x * y); break;
        case IR_ROTL: y &= 31; r = y ? (uint32_t)((x << y) | (x >> (32 - y))) : x; break;
        case IR_ROTR: y &= 31; r = y ? (uint32_t)((x >> y) | (x << (32 - y))) : x; break;
        case IR_MIN: r = (int32_t)x < (int32_t)y ? x : y; break;
        case IR_MAX: r = (int32_t)x > (int32_t)y ? x : y; break;
        case IR_MINU: r = x < y ? x : y; break;
        case IR_MAXU: r = x > y ? x : y; break;
        case IR_CLZ: r = x ? (uint32_t)__builtin_clz(x) : 32; break;
        case IR_CTZ: r = x ? (uint32_t)__builtin_ctz(x) : 32; break;
        case IR_CPOP: r = (uint32_t)__builtin_popcount(x); break;
        case IR_EXT8S: r = (uint32_t)(int32_t)(int8_t)x; break;
        case IR_EXT16S: r = (uint32_t)(int32_t)(int16_t)x; break;
        case IR_EXT16U: r = (uint16_t)x; break;
        case IR_BSWAP: r = __builtin_bswap32(x); break;
        default: return false;
        }
    } else {
        switch (opc) {
        case IR_MOV: r = a; break;
        case IR_ADD: r = a + b; break;
        case IR_SUB: r = a - b; break;
        case IR_AND: r = a & b; break;
        case IR_OR: r = a | b; break;
        case IR_XOR: r = a ^ b; break;
        case IR_SHL: r = a << (b & 63); break;
        case IR_SHR: r = a >> (b & 63); break;
        case IR_SAR: r = (uint64_t)((int64_t)a >> (b & 63)); break;
        case IR_MUL: r = a * b; break;
        case IR_EXT32S: r = (uint64_t)(int64_t)(int32_t)a; break;
        case IR_EXT32U: r = (uint32_t)a; break;
        case IR_MULH: r = (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64); break;
        case IR_MULHU: r = (uint64_t)(((unsigned __int128)a * b) >> 64); break;
        case IR_MULHSU: r = (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64); break;
        case IR_ROTL: b &= 63; r = b ? (a << b) | (a >> (64 - b)) : a; break;
        case IR_ROTR: b &= 63; r = b ? (a >> b) | (a << (64 - b)) : a; break;
        case IR_MIN: r = (int64_t)a < (int64_t)b ? a : b; break;
        case IR_MAX: r = (int64_t)a > (int64_t)b ? a : b; break;
        case IR_MINU: r = a < b ? a : b; break;
        case IR_MAXU: r = a > b ? a : b; break;
        case IR_CLZ: r = a ? (uint64_t)__builtin_clzll(a) : 64; break;
        case IR_CTZ: r = a ? (uint64_t)__builtin_ctzll(a) : 64; break;
        case IR_CPOP: r = (uint64_t)__builtin_popcountll(a); break;
        case IR_EXT8S: r = (uint64_t)(int64_t)(int8_t)a; break;
        case IR_EXT16S: r = (uint64_t)(int64_t)(int16_t)a; break;
        case IR_EXT16U: r = (uint16_t)a; break;
        case IR_BSWAP: r = __builtin_bswap64(a); break;
        default: return false;
        }
    }
    *out = r;
    return true;
}

static const char *const ir_names[] = {
    [IR_NOP] = "nop", [IR_MOV] = "mov", [IR_ADD] = "add", [IR_SUB] = "sub",
    [IR_AND] = "and", [IR_OR] = "or", [IR_XOR] = "xor", [IR_SHL] = "shl",
    [IR_SHR] = "shr", [IR_SAR] = "sar", [IR_MUL] = "mul", [IR_SETCOND] = "setcond",
    [IR_EXT32S] = "ext32s", [IR_EXT32U] = "ext32u", [IR_LD] = "ld", [IR_ST] = "st",
    [IR_BRCOND] = "brcond", [IR_LABEL] = "label", [IR_CALL_INSN] = "call_insn",
    [IR_EXIT] = "exit", [IR_FPOP] = "fpop",
    [IR_GETF] = "getf", [IR_SETF] = "setf", [IR_LDF] = "ldf", [IR_STF] = "stf",
    [IR_MULH] = "mulh", [IR_MULHU] = "mulhu", [IR_MULHSU] = "mulhsu",
    [IR_DIV] = "div", [IR_DIVU] = "divu", [IR_REM] = "rem", [IR_REMU] = "remu",
    [IR_ROTL] = "rotl", [IR_ROTR] = "rotr", [IR_MIN] = "min", [IR_MAX] = "max",
    [IR_MINU] = "minu", [IR_MAXU] = "maxu", [IR_CLZ] = "clz", [IR_CTZ] = "ctz",
    [IR_CPOP] = "cpop", [IR_EXT8S] = "ext8s", [IR_EXT16S] = "ext16s", [IR_EXT16U] = "ext16u",
    [IR_BSWAP] = "bswap",
};

static void ir_print_arg(FILE *fp, IRArg a)
{
    if (a.is_const) {
        fprintf(fp, " $0x%" PRIx64, (uint64_t)a.c);
    } else if (a.v < IR_TEMP_BASE) {
        fprintf(fp, " g%d", a.v);
    } else {
        fprintf(fp, " t%d", a.v - IR_TEMP_BASE);
    }
}

void ir_dump(const IRFunc *f, void *file)
{
    FILE *fp = file;

    for (unsigned i = 0; i < f->n_ops; i++) {
        const IROp *op = &f->ops[i];
        fprintf(fp, "  %s%s", ir_names[op->opc], op->w32 ? "32" : "");
        if (op->opc == IR_LABEL || op->opc == IR_BRCOND) {
            fprintf(fp, " L%d", op->d);
        } else if (op->opc == IR_FPOP) {
            fprintf(fp, " kind=%u rm=%u insn@0x%" PRIx64 "\n", op->cond, op->size,
                    op->insn->pc);
            continue;
        } else if (op->opc != IR_ST && op->opc != IR_EXIT && op->opc != IR_CALL_INSN &&
                   op->opc != IR_NOP) {
            ir_print_arg(fp, ir_v(op->d));
        }
        if (op->opc != IR_LABEL && op->opc != IR_CALL_INSN && op->opc != IR_NOP) {
            ir_print_arg(fp, op->a);
        }
        if (op->opc == IR_ST || (op->opc >= IR_ADD && op->opc <= IR_SETCOND) ||
            op->opc == IR_BRCOND || (op->opc >= IR_MULH && op->opc <= IR_MAXU)) {
            ir_print_arg(fp, op->b);
        }
        if (op->opc == IR_LD || op->opc == IR_ST) {
            fprintf(fp, " off=%" PRId64 " size=%u%s", op->imm, op->size, op->sign ? " s" : "");
        }
        fprintf(fp, "\n");
    }
}
