/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tier-2 IR optimizer (DESIGN.md §3): one forward pass of constant
 * and copy propagation and folding (values known at a point are dropped
 * at labels, the only merge points, and guest registers after helper
 * calls, which may write any of them), then one backward pass of
 * dead-code elimination of temporaries and of writes to the x0 sink.
 * Loads stay even when dead: they may fault.
 */
#include <string.h>

#include "tcg/ir.h"

#define OPT_NB_VALUES (IR_TEMP_BASE + IR_MAX_TEMPS)

/*
 * Per value: its constant when known; the value it is a copy of (copy_of,
 * -1: none), valid while the source's definition count still equals
 * copy_gen (a redefinition of the source bumps n_defs and so ends every
 * copy of it at once).
 */
typedef struct OptState {
    bool known[OPT_NB_VALUES];
    uint64_t val[OPT_NB_VALUES];
    int copy_of[OPT_NB_VALUES];
    unsigned copy_gen[OPT_NB_VALUES];
    unsigned n_defs[OPT_NB_VALUES];
} OptState;

static void opt_subst(const IRFunc *f, OptState *s, IRArg *a)
{
    int src;

    if (a->is_const) {
        return;
    }
    if (a->v == f->zero_global) {
        *a = ir_c(0);
    } else if (s->known[a->v]) {
        *a = ir_c((int64_t)s->val[a->v]);
    } else if ((src = s->copy_of[a->v]) >= 0 && s->n_defs[src] == s->copy_gen[a->v]) {
        a->v = src;
    }
}

/* Value v gets a new definition: its constant and copies of and from it end. */
static void opt_redefine(OptState *s, int v)
{
    s->known[v] = false;
    s->copy_of[v] = -1;
    s->n_defs[v]++;
}

/* A helper may have written any guest register. */
static void opt_forget_globals(OptState *s)
{
    for (int v = 0; v < IR_TEMP_BASE; v++) {
        opt_redefine(s, v);
    }
}

static void opt_forget_all(OptState *s)
{
    memset(s->known, 0, sizeof(s->known));
    memset(s->copy_of, -1, sizeof(s->copy_of));
}

/*
 * d = x << n then d = d >> n (n = 32, 48, 56, the same d): RV64 code
 * without Zba/Zbb zero- and sign-extends this way (slli + srli/srai).
 * The pair becomes one extension of x, prev a no-op.
 */
static void opt_shift_pair(IROp *op, IROp *prev)
{
    static const struct { int64_t n; IROpc shr, sar; } ext[] = {
        { 32, IR_EXT32U, IR_EXT32S }, { 48, IR_EXT16U, IR_EXT16S }, { 56, IR_AND, IR_EXT8S },
    };

    if (!prev || prev->opc != IR_SHL || (op->opc != IR_SHR && op->opc != IR_SAR) ||
        prev->w32 || op->w32 || !prev->b.is_const || !op->b.is_const ||
        prev->b.c != op->b.c || op->a.is_const || op->a.v != prev->d || op->d != prev->d) {
        return;
    }
    for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++) {
        if (ext[k].n == op->b.c) {
            op->opc = op->opc == IR_SHR ? ext[k].shr : ext[k].sar;
            op->a = prev->a;
            op->b = ir_c(0xff);     /* read by IR_AND only (zero-extending a byte) */
            prev->opc = IR_NOP;
            return;
        }
    }
}

/*
 * Algebraic identities on op i (after constant substitution): x op 0 for
 * add, sub, or, xor and shifts is a move (32-bit: a zero extension), and
 * a 32-bit extension of d right after d = mov/ext32 x reads x directly
 * (both look at the low 32 bits only), the first op becoming a no-op.
 */
static void opt_simplify(IRFunc *f, unsigned i)
{
    IROp *op = &f->ops[i], *prev = i ? &f->ops[i - 1] : NULL;

    if (!op->a.is_const && op->b.is_const && op->b.c == 0 &&
        (op->opc == IR_ADD || op->opc == IR_SUB || op->opc == IR_OR || op->opc == IR_XOR ||
         op->opc == IR_SHL || op->opc == IR_SHR || op->opc == IR_SAR)) {
        op->opc = op->w32 ? IR_EXT32U : IR_MOV;
        op->w32 = 0;
    }
    if ((op->opc == IR_EXT32S || op->opc == IR_EXT32U) && !op->a.is_const &&
        prev && prev->d == op->d &&
        (op->a.v == op->d ||    /* or a copy already propagated from prev */
         (prev->opc == IR_MOV && !prev->a.is_const && op->a.v == prev->a.v)) &&
        (prev->opc == IR_MOV || prev->opc == IR_EXT32S || prev->opc == IR_EXT32U)) {
        op->a = prev->a;
        prev->opc = IR_NOP;
    }
    if (op->opc == IR_MOV && !op->a.is_const && op->a.v == op->d) {
        op->opc = IR_NOP;       /* d = d, e.g. a copy moved back to its source */
    }
    opt_shift_pair(op, prev);
}

static void opt_propagate(IRFunc *f, OptState *s)
{
    opt_forget_all(s);
    for (unsigned i = 0; i < f->n_ops; i++) {
        IROp *op = &f->ops[i];
        uint64_t r;

        switch (op->opc) {
        case IR_LABEL:
            opt_forget_all(s);
            continue;
        case IR_CALL_INSN:
        case IR_FPOP:       /* compares write a guest register */
            opt_forget_globals(s);
            continue;
        case IR_NOP:
            continue;
        default:
            break;
        }
        opt_subst(f, s, &op->a);
        if (!ir_op_unary(op->opc) && op->opc != IR_LD && op->opc != IR_EXIT) {
            opt_subst(f, s, &op->b);
        }
        if (!ir_op_defines(op->opc)) {
            continue;
        }
        opt_redefine(s, op->d);
        if (op->opc == IR_LD) {
            continue;
        }
        if (op->opc == IR_SETCOND) {
            if (op->a.is_const && op->b.is_const) {
                r = ir_eval_cond(op->cond, op->a.c, op->b.c);
                op->opc = IR_MOV;
                op->a = ir_c((int64_t)r);
            }
        } else if (op->a.is_const &&
                   (ir_op_unary(op->opc) || op->b.is_const) &&
                   ir_fold(op->opc, op->w32, op->a.c, op->b.c, &r)) {
            op->opc = IR_MOV;
            op->w32 = 0;
            op->a = ir_c((int64_t)r);
        }
        opt_simplify(f, i);
        if (op->opc == IR_MOV && op->a.is_const) {
            s->known[op->d] = true;
            s->val[op->d] = (uint64_t)op->a.c;
        } else if (op->opc == IR_MOV && op->d != f->sink_global) {
            s->copy_of[op->d] = op->a.v;
            s->copy_gen[op->d] = s->n_defs[op->a.v];
        }
    }
}

static void opt_mark_use(bool *used, IRArg a)
{
    if (!a.is_const) {
        used[a.v] = true;
    }
}

static void opt_dce(IRFunc *f, OptState *s)
{
    bool *used = s->known;  /* reuse the storage: "used later" per value */

    memset(used, 0, sizeof(s->known));
    for (unsigned i = f->n_ops; i-- > 0;) {
        IROp *op = &f->ops[i];

        if (ir_op_defines(op->opc) && op->opc != IR_LD &&
            ((op->d >= IR_TEMP_BASE && !used[op->d]) || op->d == f->sink_global)) {
            op->opc = IR_NOP;
            continue;
        }
        if (op->opc == IR_NOP || op->opc == IR_LABEL || op->opc == IR_CALL_INSN ||
            op->opc == IR_FPOP) {
            continue;
        }
        opt_mark_use(used, op->a);
        if (!ir_op_unary(op->opc) && op->opc != IR_LD && op->opc != IR_EXIT) {
            opt_mark_use(used, op->b);
        }
    }
}

void ir_optimize(IRFunc *f)
{
    static OptState state;  /* large; compilation runs under the TB lock */

    opt_propagate(f, &state);
    opt_dce(f, &state);
}
