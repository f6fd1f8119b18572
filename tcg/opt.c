/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tier-2 IR optimizer (DESIGN.md §3): one forward pass of constant
 * propagation and folding (values known at a point are dropped at labels,
 * the only merge points, and guest registers after helper calls, which
 * may write any of them), then one backward pass of dead-code
 * elimination of temporaries and of writes to the x0 sink.  Loads stay
 * even when dead: they may fault.
 */
#include <string.h>

#include "tcg/ir.h"

typedef struct OptState {
    bool known[IR_TEMP_BASE + IR_MAX_TEMPS];
    uint64_t val[IR_TEMP_BASE + IR_MAX_TEMPS];
} OptState;

static void opt_subst(const IRFunc *f, OptState *s, IRArg *a)
{
    if (a->is_const) {
        return;
    }
    if (a->v == f->zero_global) {
        *a = ir_c(0);
    } else if (s->known[a->v]) {
        *a = ir_c((int64_t)s->val[a->v]);
    }
}

static void opt_forget_globals(OptState *s)
{
    memset(s->known, 0, IR_TEMP_BASE * sizeof(s->known[0]));
}

static bool op_defines(const IROp *op)
{
    return ir_op_alu(op->opc) || op->opc == IR_LD || op->opc == IR_GETF;
}

static void opt_propagate(IRFunc *f, OptState *s)
{
    memset(s->known, 0, sizeof(s->known));
    for (unsigned i = 0; i < f->n_ops; i++) {
        IROp *op = &f->ops[i];
        uint64_t r;

        switch (op->opc) {
        case IR_LABEL:
            memset(s->known, 0, sizeof(s->known));
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
        if (!op_defines(op)) {
            continue;
        }
        s->known[op->d] = false;
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
        if (op->opc == IR_MOV && op->a.is_const) {
            s->known[op->d] = true;
            s->val[op->d] = (uint64_t)op->a.c;
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

        if (op_defines(op) && op->opc != IR_LD &&
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
    static OptState state;  /* large; compilation runs on the one vCPU thread */

    opt_propagate(f, &state);
    opt_dce(f, &state);
}
