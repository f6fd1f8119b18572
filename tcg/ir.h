/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tier-2 intermediate representation (DESIGN.md §3): a linear list
 * of three-address ops on 64-bit (or 32-bit) values, produced by a guest
 * front end (cpu/<arch>/translate.c) from a TB's pre-decoded
 * instructions, simplified by tcg/opt.c and emitted by the host back end
 * (tcg/x86_64/).  Values are numbered: 0..IR_NB_GLOBALS-1 are guest
 * registers living in the CPU struct (offsets in IRFunc.global_off),
 * IR_TEMP_BASE.. are TB-local temporaries.  An operand may instead be a
 * constant (IRArg.is_const).
 */
#ifndef VM_TCG_IR_H
#define VM_TCG_IR_H

#include "tcg/cpu.h"

#define IR_NB_GLOBALS 33        /* RISC-V: x0..x31 and the x0 write sink */
#define IR_TEMP_BASE 64
#define IR_MAX_TEMPS 1024
#define IR_MAX_OPS 4096
#define IR_MAX_LABELS 256

typedef enum IROpc {
    IR_NOP,
    IR_MOV,         /* d = a */
    IR_ADD, IR_SUB, IR_AND, IR_OR, IR_XOR,
    IR_SHL, IR_SHR, IR_SAR,     /* count masked to the width - 1, like RISC-V and x86 */
    IR_MUL,
    IR_SETCOND,     /* d = cond(a, b) ? 1 : 0 */
    IR_EXT32S, IR_EXT32U,       /* d = a's low 32 bits sign/zero-extended */
    IR_LD,          /* d = guest load [a + imm] of size bytes (sign), insn for faults */
    IR_ST,          /* guest store b to [a + imm], size bytes */
    IR_BRCOND,      /* if cond(a, b) goto label */
    IR_LABEL,       /* label definition */
    IR_CALL_INSN,   /* run the tier-1 handler of insn; exit the TB when it returns nonzero */
    IR_EXIT,        /* cpu->pc = a; return to the dispatcher (slot >= 0: chainable exit) */
    /*
     * Inline host floating point for the F/D instruction insn (cond: an
     * IRFpOp, w32: single precision, size: the rm field, 0..3 or 7 for
     * dynamic); reads and writes the FP state in the CPU struct (IRFunc
     * fp offsets) and, for compares, the guest register insn->rd.  Falls
     * back to insn's tier-1 handler at run time when the operands or the
     * rounding mode do not fit the host (improperly NaN-boxed singles,
     * dynamic frm >= 4).  Optimizer: like IR_CALL_INSN (no IR operands).
     */
    IR_FPOP,
    /*
     * RISC-V-flavoured extras (w32: computed on the low 32 bits, result
     * zero-extended, like the ops above).  Division follows RISC-V (unpriv
     * Table 7.1): x/0 = all ones, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0.
     */
    IR_MULH, IR_MULHU, IR_MULHSU,   /* high half of the signed/unsigned/s*u product (64 only) */
    IR_DIV, IR_DIVU, IR_REM, IR_REMU,
    IR_ROTL, IR_ROTR,               /* count masked to the width - 1 */
    IR_MIN, IR_MAX, IR_MINU, IR_MAXU,
    /* Unary (a only). */
    IR_CLZ, IR_CTZ, IR_CPOP,        /* count of 0 is the width; need ir_host_has() */
    IR_EXT8S, IR_EXT16S, IR_EXT16U,
    IR_BSWAP,
    /*
     * Raw f-register access (cond: the f-register number; FP state
     * offsets in IRFunc).  IR_GETF: d = f[cond].  IR_SETF: f[cond] = a.
     * IR_LDF: f[cond] = guest load [a + imm] of size 4 (NaN-boxed) or 8.
     * IR_STF: guest store of f[cond]'s low size bytes to [a + imm].
     * Writes to an f-register set the fs_dirty bits.
     */
    IR_GETF, IR_SETF, IR_LDF, IR_STF,
    IR_NB_OPS
} IROpc;

/* IR_FPOP operations (IROp.cond). */
typedef enum IRFpOp {
    IR_FP_ADD, IR_FP_SUB, IR_FP_MUL, IR_FP_DIV, IR_FP_SQRT,    /* fd = rs1 op rs2 */
    /* fd = rs1 * rs2 + rs3, - rs3, -(..) + rs3, -(..) - rs3, one rounding; need ir_host_has_fma() */
    IR_FP_FMADD, IR_FP_FMSUB, IR_FP_FNMSUB, IR_FP_FNMADD,
    IR_FP_EQ, IR_FP_LT, IR_FP_LE,                              /* xd = rs1 cmp rs2 */
    IR_FP_CVT_W, IR_FP_CVT_L,   /* xd = rs1 truncated to int32 (sign-extended) / int64: RTZ only */
} IRFpOp;

typedef enum IRCond { IR_EQ, IR_NE, IR_LT, IR_GE, IR_LTU, IR_GEU } IRCond;

typedef struct IRArg {
    bool is_const;
    int v;                  /* value number when !is_const */
    int64_t c;              /* the constant when is_const */
} IRArg;

typedef struct IROp {
    uint8_t opc;            /* IROpc */
    uint8_t w32;            /* 32-bit operation (upper result bits undefined -> zeroed) */
    uint8_t cond;           /* IRCond */
    uint8_t size;           /* IR_LD/IR_ST: 1, 2, 4, 8 bytes */
    bool sign;              /* IR_LD: sign-extend */
    int d;                  /* destination value (or label for IR_BRCOND / IR_LABEL) */
    IRArg a, b;
    int64_t imm;            /* IR_LD/IR_ST address offset */
    const TBInsn *insn;     /* the guest instruction (faults, helper calls) */
} IROp;

/* One TB being compiled; owned by the caller (large: keep off the stack). */
typedef struct IRFunc {
    IROp ops[IR_MAX_OPS];
    unsigned n_ops;
    int next_temp;
    int n_labels;
    bool overflow;                      /* too many ops/temps: do not compile */
    uint32_t global_off[IR_NB_GLOBALS]; /* byte offset of each guest register in the CPU */
    uint32_t mmu_idx_off;               /* byte offset of the int data MMU index */
    int mmu_idx;                        /* that index when fixed for the TB, else -1 */
    int zero_global;                    /* a global that always reads 0 (x0), or -1 */
    int sink_global;                    /* a global whose writes are dead (x0 sink), or -1 */
    /*
     * Set by the driver for the back end: the TB (its exits add n_insns
     * to cpu->icount and may jump straight into a successor linked in
     * tb->chain[]), or NULL for code that neither counts nor chains (tests).
     */
    const struct TranslationBlock *tb;
    uint32_t n_insns;
    bool count_stats;   /* emit the CPUState jit_* counter increments (--jit-stats) */
    /*
     * IR_FPOP: byte offsets of the f-registers (64-bit each), the accrued
     * flags (32-bit, RISC-V fflags bit order), the dynamic rounding mode
     * (32-bit) and the 64-bit status word ORed with fs_dirty whenever an
     * f-register or the flags are written.
     */
    uint32_t fpr_off, fflags_off, frm_off, fs_off;
    uint64_t fs_dirty;
} IRFunc;

void ir_init(IRFunc *f);
int ir_new_temp(IRFunc *f);
int ir_new_label(IRFunc *f);
static inline IRArg ir_v(int v) { return (IRArg){ .v = v }; }
static inline IRArg ir_c(int64_t c) { return (IRArg){ .is_const = true, .c = c }; }

IROp *ir_emit(IRFunc *f, IROpc opc);
void ir_mov(IRFunc *f, int d, IRArg a);
void ir_binop(IRFunc *f, IROpc opc, bool w32, int d, IRArg a, IRArg b);
void ir_setcond(IRFunc *f, IRCond cond, int d, IRArg a, IRArg b);
void ir_unop(IRFunc *f, IROpc opc, int d, IRArg a);
void ir_ld(IRFunc *f, int d, IRArg addr, int64_t off, unsigned size, bool sign,
           const TBInsn *in);
void ir_st(IRFunc *f, IRArg val, IRArg addr, int64_t off, unsigned size, const TBInsn *in);
void ir_brcond(IRFunc *f, IRCond cond, IRArg a, IRArg b, int label);
void ir_label(IRFunc *f, int label);
void ir_call_insn(IRFunc *f, const TBInsn *in);
void ir_exit(IRFunc *f, IRArg pc);
void ir_fpop(IRFunc *f, IRFpOp fop, bool single, const TBInsn *in);
void ir_getf(IRFunc *f, int d, unsigned freg);
void ir_setf(IRFunc *f, unsigned freg, IRArg a);
void ir_ldf(IRFunc *f, unsigned freg, IRArg addr, int64_t off, unsigned size, const TBInsn *in);
void ir_stf(IRFunc *f, unsigned freg, IRArg addr, int64_t off, unsigned size, const TBInsn *in);

/* Ops that read only a (besides IR_LD and IR_EXIT). */
static inline bool ir_op_unary(int opc)
{
    return opc == IR_MOV || opc == IR_EXT32S || opc == IR_EXT32U ||
           (opc >= IR_CLZ && opc <= IR_BSWAP);
}

/* Ops that compute d from a (and b). */
static inline bool ir_op_alu(int opc)
{
    return (opc >= IR_MOV && opc <= IR_EXT32U) || (opc >= IR_MULH && opc <= IR_BSWAP);
}

/* Ops that write the value d (the ALU ops, guest loads and f-register reads). */
static inline bool ir_op_defines(int opc)
{
    return ir_op_alu(opc) || opc == IR_LD || opc == IR_GETF;
}

/*
 * Whether the host back end can emit an optional op (IR_CLZ, IR_CTZ,
 * IR_CPOP depend on LZCNT/BMI1/POPCNT, probed with cpuid); the front end
 * falls back to a helper when not.
 */
bool ir_host_has(IROpc opc);

/* Whether the host does fused multiply-adds (FMA3, with the OS saving AVX state). */
bool ir_host_has_fma(void);

/* Evaluate cond on two 64-bit values (shared by the optimizer and tests). */
bool ir_eval_cond(IRCond cond, uint64_t a, uint64_t b);
/*
 * Constant-fold opc on constants (w32: the 32-bit op, result zero-extended
 * like the back end).  Returns false for ops it cannot fold.
 */
bool ir_fold(IROpc opc, bool w32, uint64_t a, uint64_t b, uint64_t *out);

/*
 * tcg/opt.c: constant folding and propagation, copy propagation (a use
 * of d after d = mov s reads s while neither is redefined), dead-code
 * elimination of temporaries and of writes to the sink global.  Keeps the
 * semantics exactly, including fault points; redundant guest-register
 * loads and stores within a TB are removed by the back end's register
 * cache.
 */
void ir_optimize(IRFunc *f);

/* Print the ops (debugging, --trace). */
void ir_dump(const IRFunc *f, void *file);

#endif /* VM_TCG_IR_H */
