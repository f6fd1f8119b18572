/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86-64 back end of the tier-2 JIT (DESIGN.md §3): encodes IR ops as
 * host instructions (Intel SDM vol. 2 encodings, System V AMD64 ABI).
 * rbx holds the CPUState pointer for the whole TB; guest registers live
 * in the CPU struct and IR temporaries in the stack frame, but within a
 * TB both are cached in rbp, r12-r15 and r8-r11 (the value read again
 * last evicted), written back before helper calls, slow paths (in their
 * stub), exits, and branches and labels other than a forward branch to
 * a label only it reaches; rax, rcx, rdx, rsi, rdi are scratch.  A TB
 * that loops on itself keeps the registers it reads across iterations.
 * Guest loads and stores inline the softmmu TLB hit path and branch to
 * an out-of-line stub calling tlb_load_slow / tlb_store_slow on a miss,
 * after recording the instruction in cpu->cur_insn for precise faults.
 * With BMI2 on the host, shifts by a register use shlx/shrx/sarx (no cl)
 * and rotates by a constant rorx.
 */
#include <cpuid.h>
#include <stddef.h>
#include <string.h>

#include "tcg/ir.h"
#include "tcg/jit.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/*
 * Host registers caching IR values (guest registers and temporaries)
 * within a TB: the callee-saved ones survive helper and slow-path calls,
 * r8-r11 are reloaded after slow-path calls.
 */
#define NCACHE 9
static const int cache_reg[NCACHE] = { R12, R13, R14, R15, RBP, R10, R11, R8, R9 };
static const bool cache_saved[NCACHE] = { true, true, true, true, true, false, false, false,
                                          false };
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_A = 7, CC_L = 0xc, CC_GE = 0xd,
       CC_G = 0xf };

#define MAX_FIXUPS 1024
#define MAX_STUBS 512
/*
 * One frame layout for every TB, so a chained TB runs in its
 * predecessor's frame: temporaries, then the chain budget.  Entry rsp is
 * 8 mod 16; six pushes and a frame of 8 mod 16 keep calls aligned.
 */
#define FRAME_BUDGET_OFF (IR_MAX_TEMPS * 8)
#define FRAME_MXCSR_HOST (FRAME_BUDGET_OFF + 8)     /* IR_FPOP: the host MXCSR to restore */
#define FRAME_MXCSR_GUEST (FRAME_BUDGET_OFF + 12)   /* IR_FPOP: the guest's, then flags */
/*
 * A loop TB's page cache (Emitter.loop): per memory access, the last page
 * its TLB check passed and that page's addend.
 */
#define MAX_PAGE_SLOTS 8
#define FRAME_PAGE_TAG(i) (FRAME_BUDGET_OFF + 16 + 16 * (i))
#define FRAME_PAGE_ADDEND(i) (FRAME_PAGE_TAG(i) + 8)
#define FRAME_SIZE (IR_MAX_TEMPS * 8 + 16 + 16 * MAX_PAGE_SLOTS + 8)
_Static_assert(FRAME_SIZE % 16 == 8, "calls from compiled code need rsp 16-aligned");
/* Bytes from a TB's entry to its body (after the budget initialisation). */
#define PROLOGUE_LEN 31

/* The register cache at one point of the code: the value each register holds (-1: none). */
typedef struct CacheSnap {
    int val[NCACHE];
    bool dirty[NCACHE];
} CacheSnap;

typedef struct Stub {
    const IROp *op;
    size_t jcc_pos;     /* rel32 of the jne to the stub */
    size_t done_pos;    /* where the stub returns */
    CacheSnap cache;    /* at the access: dirty values are written back before the call */
    bool fp_run;        /* inside an MXCSR run: end it around the call */
    int data_reg;       /* a store: the register holding the value */
    int page_slot;      /* a loop's page cache slot (refill_pos: its miss), or -1 */
    size_t refill_pos, access_pos;
} Stub;

typedef struct Emitter {
    uint8_t *buf;
    size_t pos, room;
    bool overflow;
    const IRFunc *f;
    /* After the labels: the epilogue, count + epilogue, store rax to pc + epilogue. */
    size_t label_pos[IR_MAX_LABELS + 3];
    struct { size_t pos; int label; } fixup[MAX_FIXUPS];
    unsigned n_fixups;
    Stub stub[MAX_STUBS];
    unsigned n_stubs;
    int32_t frame;
    /* Register cache: the value each cache register holds (-1: none). */
    int reg_val[NCACHE];
    bool reg_dirty[NCACHE];
    unsigned reg_use[NCACHE], tick;
    int8_t val_reg[IR_TEMP_BASE + IR_MAX_TEMPS];
    bool fs_dirty_done;     /* the FS-dirty bits are set on this straight-line path */
    /*
     * An MXCSR run (see fp_run_begin): the guest's MXCSR is loaded, with
     * rounding for fp_run_rm (a RISC-V rm, 7: dynamic).
     */
    bool fp_run;
    int fp_run_rm;
    /*
     * Labels reached only by one forward brcond, right after an exit:
     * they start with the cache the brcond left (label_cache), so the
     * branch writes nothing back.
     */
    bool label_carry[IR_MAX_LABELS];
    CacheSnap label_cache[IR_MAX_LABELS];
    /*
     * A TB that exits to its own pc loops inside its code: the guest
     * registers it reads stay pinned in callee-saved cache registers
     * (head.val, all dirty) from loop_head on, and the back edge only
     * brings them back there.
     */
    bool loop;
    size_t loop_head;
    CacheSnap head;
    unsigned cur_op;    /* the op being emitted (register allocation looks ahead) */
    /*
     * In a loop, each guest memory access (up to MAX_PAGE_SLOTS) first
     * compares its page with the one its previous iteration used
     * (FRAME_PAGE_TAG): a match skips the TLB walk.  Every call out of
     * the code may change the TLB, so the slots are emptied after it and
     * on entry.
     */
    int page_slot[IR_MAX_OPS];
    int n_page_slots;
} Emitter;

static void b1(Emitter *e, uint8_t v)
{
    if (e->pos < e->room) {
        e->buf[e->pos] = v;
    } else {
        e->overflow = true;
    }
    e->pos++;
}

static void b4(Emitter *e, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b1(e, (uint8_t)(v >> (8 * i)));
    }
}

static void b8(Emitter *e, uint64_t v)
{
    b4(e, (uint32_t)v);
    b4(e, (uint32_t)(v >> 32));
}

static void patch4(Emitter *e, size_t at, uint32_t v)
{
    if (at + 4 <= e->room) {
        memcpy(e->buf + at, &v, 4);
    }
}

static bool fits32(int64_t v)
{
    return v == (int32_t)v;
}

/* REX prefix; `force` emits it even when empty (byte registers sil/dil). */
static void rex(Emitter *e, bool w, int r, int x, int b, bool force)
{
    uint8_t v = 0x40 | (w << 3) | ((r >> 3) << 2) | ((x >> 3) << 1) | (b >> 3);

    if (v != 0x40 || force) {
        b1(e, v);
    }
}

/* ModRM (+SIB) for [base + disp] with reg field `reg`: no, 8- or 32-bit displacement. */
static void modrm_mem(Emitter *e, int reg, int base, int32_t disp)
{
    int mod = disp == 0 && (base & 7) != RBP ? 0 : disp == (int8_t)disp ? 1 : 2;

    b1(e, (mod << 6) | ((reg & 7) << 3) | (base & 7));
    if ((base & 7) == RSP) {
        b1(e, 0x24);
    }
    if (mod == 1) {
        b1(e, (uint8_t)disp);
    } else if (mod == 2) {
        b4(e, (uint32_t)disp);
    }
}

/* op reg, [base + index*8 + disp32] (64-bit). */
static void op_rm_idx8(Emitter *e, uint8_t opc, int reg, int base, int index, int32_t disp)
{
    rex(e, true, reg, index, base, false);
    b1(e, opc);
    b1(e, 0x84 | ((reg & 7) << 3));
    b1(e, (3 << 6) | ((index & 7) << 3) | (base & 7));
    b4(e, (uint32_t)disp);
}

static void modrm_rr(Emitter *e, int reg, int rm)
{
    b1(e, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* op r/m, reg (64 or 32-bit). */
static void op_rr(Emitter *e, uint8_t opc, bool w, int rm, int reg)
{
    rex(e, w, reg, 0, rm, false);
    b1(e, opc);
    modrm_rr(e, reg, rm);
}

/* op reg, [base + disp]. */
static void op_rm(Emitter *e, uint8_t opc, bool w, int reg, int base, int32_t disp)
{
    rex(e, w, reg, 0, base, false);
    b1(e, opc);
    modrm_mem(e, reg, base, disp);
}

/*
 * A VEX-encoded register op (Intel SDM vol. 2 §2.3.5, three-byte form,
 * L = 0): map 2 is 0F38, 3 is 0F3A; pp 1 is 66, 2 is F3, 3 is F2; vvvv a
 * third register (0 when unused: stored inverted as 1111).
 */
static void vex_rr(Emitter *e, int map, int pp, bool w, uint8_t opc, int reg, int rm, int vvvv)
{
    b1(e, 0xc4);
    b1(e, (uint8_t)((!(reg >> 3) << 7) | (1 << 6) | (!(rm >> 3) << 5) | map));
    b1(e, (uint8_t)((w << 7) | ((~vvvv & 15) << 3) | pp));
    b1(e, opc);
    modrm_rr(e, reg, rm);
}

/* BMI2 shlx/shrx/sarx d, a, count: count masked to the width - 1, flags untouched. */
static void emit_shiftx(Emitter *e, int opc, bool w, int d, int a, int count)
{
    vex_rr(e, 2, opc == IR_SHL ? 1 : opc == IR_SAR ? 2 : 3, w, 0xf7, d, a, count);
}

static void mov_ri(Emitter *e, int r, int64_t v)
{
    if (v == 0) {
        op_rr(e, 0x31, false, r, r);                    /* xor r32, r32 */
    } else if ((uint64_t)v <= 0xffffffffull) {
        rex(e, false, 0, 0, r, false);
        b1(e, 0xb8 | (r & 7));
        b4(e, (uint32_t)v);
    } else if (fits32(v)) {
        rex(e, true, 0, 0, r, false);
        b1(e, 0xc7);
        modrm_rr(e, 0, r);
        b4(e, (uint32_t)v);
    } else {
        rex(e, true, 0, 0, r, false);
        b1(e, 0xb8 | (r & 7));
        b8(e, (uint64_t)v);
    }
}

static int32_t val_disp(Emitter *e, int v, int *base)
{
    if (v < IR_TEMP_BASE) {
        *base = RBX;
        return (int32_t)e->f->global_off[v];
    }
    *base = RSP;
    return (v - IR_TEMP_BASE) * 8;
}

static void mem_load(Emitter *e, int r, int v)
{
    int base;
    int32_t disp = val_disp(e, v, &base);

    op_rm(e, 0x8b, true, r, base, disp);
}

static void mem_store(Emitter *e, int v, int r)
{
    int base;
    int32_t disp = val_disp(e, v, &base);

    op_rm(e, 0x89, true, r, base, disp);
}

static void cache_reset(Emitter *e)
{
    for (int k = 0; k < NCACHE; k++) {
        e->reg_val[k] = -1;
        e->reg_dirty[k] = false;
        e->reg_use[k] = 0;
    }
    memset(e->val_reg, -1, sizeof(e->val_reg));
    e->tick = 0;
    e->fs_dirty_done = false;
    e->fp_run = false;
}

static void cache_drop(Emitter *e, int k)
{
    if (e->reg_val[k] >= 0) {
        e->val_reg[e->reg_val[k]] = -1;
    }
    e->reg_val[k] = -1;
    e->reg_dirty[k] = false;
}

static void cache_writeback(Emitter *e, int k)
{
    if (e->reg_val[k] >= 0 && e->reg_dirty[k]) {
        mem_store(e, e->reg_val[k], cache_reg[k]);
        e->reg_dirty[k] = false;
    }
}

/* Write back dirty values (globals only unless `temps`). */
static void cache_flush(Emitter *e, bool temps)
{
    for (int k = 0; k < NCACHE; k++) {
        if (e->reg_val[k] >= 0 && (temps || e->reg_val[k] < IR_TEMP_BASE)) {
            cache_writeback(e, k);
        }
    }
}

/* The IR values op reads as a / b (0, 1 or 2 of them). */
static int op_reads(const IROp *op, const IRArg **arg)
{
    int n = 0;

    if (ir_op_alu(op->opc) || op->opc == IR_LD || op->opc == IR_ST || op->opc == IR_BRCOND ||
        op->opc == IR_EXIT || op->opc == IR_SETF || op->opc == IR_LDF || op->opc == IR_STF) {
        arg[n++] = &op->a;
    }
    if ((ir_op_alu(op->opc) && !ir_op_unary(op->opc)) || op->opc == IR_ST ||
        op->opc == IR_BRCOND) {
        arg[n++] = &op->b;
    }
    return n;
}

/*
 * How soon value v is read again, from the op being emitted on: its
 * index, else (not read again) after the end, a loop's pinned registers
 * (read by the back edge) before other guest registers, and dead
 * temporaries last.
 */
static unsigned next_use(const Emitter *e, int v)
{
    const IRFunc *f = e->f;

    for (unsigned i = e->cur_op; i < f->n_ops; i++) {
        const IRArg *arg[2];
        int n = op_reads(&f->ops[i], arg);
        for (int j = 0; j < n; j++) {
            if (!arg[j]->is_const && arg[j]->v == v) {
                return i;
            }
        }
    }
    for (int k = 0; e->loop && k < NCACHE; k++) {
        if (e->head.val[k] == v) {
            return f->n_ops;
        }
    }
    return v < IR_TEMP_BASE ? f->n_ops + 1 : f->n_ops + 2;
}

/*
 * A cache register for v (not cached yet): a free one, else the one whose
 * value is read again last (Belady), clean before dirty, then the least
 * recently used.  A dead temporary goes without being written back.
 */
static int cache_alloc(Emitter *e, int v)
{
    int best = -1;
    unsigned best_next = 0;

    for (int k = 0; k < NCACHE; k++) {
        unsigned next;
        if (e->reg_val[k] < 0) {
            best = k;
            break;
        }
        next = next_use(e, e->reg_val[k]);
        if (best < 0 || next > best_next ||
            (next == best_next && (e->reg_dirty[best] > e->reg_dirty[k] ||
                                   (e->reg_dirty[best] == e->reg_dirty[k] &&
                                    e->reg_use[k] < e->reg_use[best])))) {
            best = k;
            best_next = next;
        }
    }
    if (e->reg_val[best] >= 0 && best_next < e->f->n_ops + 2) {
        cache_writeback(e, best);
    }
    cache_drop(e, best);
    e->reg_val[best] = v;
    e->val_reg[v] = (int8_t)best;
    return best;
}

static void cache_save(const Emitter *e, CacheSnap *s)
{
    for (int k = 0; k < NCACHE; k++) {
        s->val[k] = e->reg_val[k];
        s->dirty[k] = e->reg_dirty[k];
    }
}

/* Make the cache hold what s says; the registers already do at this point of the code. */
static void cache_restore(Emitter *e, const CacheSnap *s)
{
    for (int k = 0; k < NCACHE; k++) {
        cache_drop(e, k);
    }
    for (int k = 0; k < NCACHE; k++) {
        e->reg_val[k] = s->val[k];
        e->reg_dirty[k] = s->dirty[k];
        if (s->val[k] >= 0) {
            e->val_reg[s->val[k]] = (int8_t)k;
        }
    }
}

static void load_arg(Emitter *e, int r, IRArg a)
{
    int k;

    if (a.is_const) {
        mov_ri(e, r, a.c);
        return;
    }
    k = e->val_reg[a.v];
    if (k < 0) {
        k = cache_alloc(e, a.v);
        mem_load(e, cache_reg[k], a.v);
    }
    e->reg_use[k] = ++e->tick;
    op_rr(e, 0x89, true, r, cache_reg[k]);              /* mov r, host */
}

/* The host register that caches value v, marked dirty: v is about to be written. */
static int cache_slot_for_write(Emitter *e, int v)
{
    int k = e->val_reg[v];

    if (k < 0) {
        k = cache_alloc(e, v);
    }
    e->reg_use[k] = ++e->tick;
    e->reg_dirty[k] = true;
    return cache_reg[k];
}

/* The cache register holding value v (loaded on a miss), marked recently used. */
static int reg_of(Emitter *e, int v)
{
    int k = e->val_reg[v];

    if (k < 0) {
        k = cache_alloc(e, v);
        mem_load(e, cache_reg[k], v);
    }
    e->reg_use[k] = ++e->tick;
    return cache_reg[k];
}

static void store_val(Emitter *e, int v, int r)
{
    op_rr(e, 0x89, true, cache_slot_for_write(e, v), r);    /* mov host, r */
}

static void store_const(Emitter *e, int v, int64_t c)
{
    mov_ri(e, cache_slot_for_write(e, v), c);
}

static void jmp_label(Emitter *e, int cc, int label)
{
    if (cc < 0) {
        b1(e, 0xe9);
    } else {
        b1(e, 0x0f);
        b1(e, 0x80 | cc);
    }
    if (e->n_fixups < MAX_FIXUPS) {
        e->fixup[e->n_fixups].pos = e->pos;
        e->fixup[e->n_fixups].label = label;
        e->n_fixups++;
    } else {
        e->overflow = true;
    }
    b4(e, 0);
}

static void call_abs(Emitter *e, const void *fn)
{
    mov_ri(e, RAX, (int64_t)(uintptr_t)fn);
    b1(e, 0xff);
    b1(e, 0xd0);                                        /* call rax */
}

/* --jit-stats: inc qword [rbx + off] (a CPUState counter); nothing without the option. */
static void emit_stat(Emitter *e, size_t off)
{
    if (e->f->count_stats) {
        rex(e, true, 0, 0, RBX, false);
        b1(e, 0xff);
        modrm_mem(e, 0, RBX, (int32_t)off);
    }
}

/* cpu->cur_tb = this TB (tcg/jit.h: the TB that left, or the one a fault is in). */
static void set_cur_tb(Emitter *e)
{
    if (e->f->tb) {
        mov_ri(e, RAX, (int64_t)(uintptr_t)e->f->tb);
        op_rm(e, 0x89, true, RAX, RBX, offsetof(CPUState, cur_tb));
    }
}

/* Before a call out: the instruction running, for precise faults and tier-1 handlers. */
static void set_cur_insn(Emitter *e, const TBInsn *in)
{
    set_cur_tb(e);
    mov_ri(e, RAX, (int64_t)(uintptr_t)in);
    op_rm(e, 0x89, true, RAX, RBX, offsetof(CPUState, cur_insn));
}

/* Empty a loop's page cache: no page matches ~0. */
static void page_slots_reset(Emitter *e)
{
    for (int i = 0; i < e->n_page_slots; i++) {
        rex(e, true, 0, 0, RSP, false);
        b1(e, 0xc7);
        modrm_mem(e, 0, RSP, FRAME_PAGE_TAG(i));
        b4(e, 0xffffffffu);                             /* mov qword [tag], -1 */
    }
}

static int cond_cc(IRCond c)
{
    static const int cc[] = { CC_E, CC_NE, CC_L, CC_GE, CC_B, CC_AE };
    return cc[c];
}

/* cmp a, b (64-bit): a in its cache register (or rax when constant). */
static void emit_cmp_args(Emitter *e, IRArg a, IRArg b)
{
    int ra;

    if (a.is_const) {
        load_arg(e, RAX, a);
        ra = RAX;
    } else {
        ra = reg_of(e, a.v);
    }
    if (b.is_const && fits32(b.c)) {
        rex(e, true, 0, 0, ra, false);
        b1(e, 0x81);
        modrm_rr(e, 7, ra);
        b4(e, (uint32_t)b.c);                           /* cmp a, imm32 */
    } else if (b.is_const) {
        load_arg(e, RCX, b);
        op_rr(e, 0x39, true, ra, RCX);
    } else {
        op_rr(e, 0x39, true, ra, reg_of(e, b.v));       /* cmp a, b */
    }
}

/* Host features for the optional ops (cpuid, probed once); use_bmi2: emit BMI2. */
static int host_lzcnt = -1, host_bmi1, host_popcnt, host_bmi2, host_fma;
static bool use_bmi2;

static void emit_binop(Emitter *e, const IROp *op)
{
    bool w = !op->w32;
    static const uint8_t alu_rr[] = {
        [IR_ADD] = 0x01, [IR_SUB] = 0x29, [IR_AND] = 0x21, [IR_OR] = 0x09, [IR_XOR] = 0x31,
    };
    static const uint8_t alu_ext[] = {
        [IR_ADD] = 0, [IR_SUB] = 5, [IR_AND] = 4, [IR_OR] = 1, [IR_XOR] = 6,
    };
    static const uint8_t shift_ext[] = { [IR_SHL] = 4, [IR_SHR] = 5, [IR_SAR] = 7 };
    bool shift = op->opc == IR_SHL || op->opc == IR_SHR || op->opc == IR_SAR;
    bool bimm = op->b.is_const && fits32(op->b.c);

    /*
     * Operands in cache registers: compute straight into d's register
     * (LRU never evicts a or b for d: they were just used).  Shifts by a
     * register need cl and keep the rax/rcx path below, unless BMI2's
     * three-operand forms are there.
     */
    if (shift && !op->b.is_const && use_bmi2) {
        int ra = op->a.is_const ? RAX : reg_of(e, op->a.v), rb = reg_of(e, op->b.v);

        if (op->a.is_const) {
            load_arg(e, RAX, op->a);
        }
        emit_shiftx(e, op->opc, w, cache_slot_for_write(e, op->d), ra, rb);
        return;
    }
    if (!op->a.is_const && (bimm || (!op->b.is_const && !shift))) {
        int ra = reg_of(e, op->a.v), rb = bimm ? -1 : reg_of(e, op->b.v);
        int rd = cache_slot_for_write(e, op->d);

        if (rd == rb && rd != ra) {
            if (op->opc == IR_SUB) {
                op_rr(e, 0x89, true, RAX, ra);          /* mov rax, a */
                op_rr(e, 0x29, w, RAX, rb);             /* sub rax, b */
                op_rr(e, 0x89, true, rd, RAX);
                rb = -2;                                /* done */
            } else {
                rb = ra;                                /* commutative: d = d op a */
            }
        } else if (op->opc == IR_MUL && bimm) {
            rex(e, w, rd, 0, ra, false);
            b1(e, 0x69);
            modrm_rr(e, rd, ra);
            b4(e, (uint32_t)op->b.c);                   /* imul d, a, imm32 */
            rb = -2;
        } else if (op->opc == IR_ADD && bimm && w && rd != ra) {
            op_rm(e, 0x8d, true, rd, ra, (int32_t)op->b.c); /* lea d, [a + imm] */
            rb = -2;
        } else if (rd != ra) {
            op_rr(e, 0x89, true, rd, ra);               /* mov d, a */
        }
        if (rb == -1 && shift) {
            rex(e, w, 0, 0, rd, false);
            b1(e, 0xc1);
            modrm_rr(e, shift_ext[op->opc], rd);
            b1(e, (uint8_t)(op->b.c & (w ? 63 : 31)));
        } else if (rb == -1) {
            rex(e, w, 0, 0, rd, false);
            b1(e, 0x81);
            modrm_rr(e, alu_ext[op->opc], rd);
            b4(e, (uint32_t)op->b.c);
        } else if (rb >= 0 && op->opc == IR_MUL) {
            rex(e, w, rd, 0, rb, false);
            b1(e, 0x0f);
            b1(e, 0xaf);
            modrm_rr(e, rd, rb);                        /* imul d, b */
        } else if (rb >= 0) {
            op_rr(e, alu_rr[op->opc], w, rd, rb);       /* op d, b */
        }
        /*
         * 32-bit: the last op wrote d32 (or copied eax), which zero-extends;
         * a shift by 0 may leave d alone.
         */
        if (!w && shift && !(op->b.c & 31)) {
            op_rr(e, 0x89, false, rd, rd);              /* mov d32, d32: zero-extend */
        }
        return;
    }
    load_arg(e, RAX, op->a);
    switch (op->opc) {
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR:
        if (op->b.is_const && fits32(op->b.c)) {
            rex(e, w, 0, 0, RAX, false);
            b1(e, 0x81);
            modrm_rr(e, alu_ext[op->opc], RAX);
            b4(e, (uint32_t)op->b.c);
        } else {
            load_arg(e, RCX, op->b);
            op_rr(e, alu_rr[op->opc], w, RAX, RCX);
        }
        break;
    case IR_SHL: case IR_SHR: case IR_SAR:
        if (op->b.is_const) {
            rex(e, w, 0, 0, RAX, false);
            b1(e, 0xc1);
            modrm_rr(e, shift_ext[op->opc], RAX);
            b1(e, (uint8_t)(op->b.c & (w ? 63 : 31)));
        } else {
            load_arg(e, RCX, op->b);
            rex(e, w, 0, 0, RAX, false);
            b1(e, 0xd3);
            modrm_rr(e, shift_ext[op->opc], RAX);
        }
        break;
    case IR_MUL:
        load_arg(e, RCX, op->b);
        rex(e, w, RAX, 0, RCX, false);
        b1(e, 0x0f);
        b1(e, 0xaf);
        modrm_rr(e, RAX, RCX);                          /* imul rax, rcx */
        break;
    default:
        break;
    }
    if (!w && shift) {
        op_rr(e, 0x89, false, RAX, RAX);                /* mov eax, eax: shifts by 0 */
    }
    store_val(e, op->d, RAX);   /* other 32-bit ops wrote eax, which zero-extends rax */
}

static void host_probe(void)
{
    unsigned a, b, c, d;

    if (host_lzcnt >= 0) {
        return;
    }
    host_lzcnt = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        host_popcnt = (c >> 23) & 1;
        /* FMA3 is VEX-encoded: the OS must save the AVX state (OSXSAVE, XCR0 bits 1-2). */
        if ((c >> 12 & 1) && (c >> 27 & 1) && (c >> 28 & 1)) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            host_fma = (lo & 6) == 6;
        }
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
        host_lzcnt = (c >> 5) & 1;
    }
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        host_bmi1 = (b >> 3) & 1;
        host_bmi2 = (b >> 8) & 1;
    }
    use_bmi2 = host_bmi2;
}

bool jit_backend_use_bmi2(bool on)
{
    host_probe();
    use_bmi2 = on && host_bmi2;
    return use_bmi2;
}

bool ir_host_has(IROpc opc)
{
    host_probe();
    switch (opc) {
    case IR_CLZ: return host_lzcnt;
    case IR_CTZ: return host_bmi1;
    case IR_CPOP: return host_popcnt;
    default: return true;
    }
}

bool ir_host_has_fma(void)
{
    host_probe();
    return host_fma;
}

/* Short forward jump (jcc rel8, or jmp rel8 when cc < 0); returns the byte to patch. */
static size_t jmp8(Emitter *e, int cc)
{
    b1(e, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc));
    b1(e, 0);
    return e->pos - 1;
}

static void land8(Emitter *e, size_t at)
{
    if (at < e->room) {
        e->buf[at] = (uint8_t)(e->pos - (at + 1));
    }
}

/* Group-3 op (F7 /ext) on rcx: mul/imul/div/idiv/neg. */
static void grp3(Emitter *e, bool w, int ext, int rm)
{
    rex(e, w, 0, 0, rm, false);
    b1(e, 0xf7);
    modrm_rr(e, ext, rm);
}

/* rax = a, rcx = b; RISC-V division results (Table 7.1) into rax. */
static void emit_div(Emitter *e, const IROp *op)
{
    bool w = !op->w32;
    bool sign = op->opc == IR_DIV || op->opc == IR_REM;
    bool rem = op->opc == IR_REM || op->opc == IR_REMU;
    size_t zero, m1 = 0, done1 = 0, done2;

    op_rr(e, 0x85, w, RCX, RCX);                        /* test rcx, rcx */
    zero = jmp8(e, CC_E);
    if (sign) {
        rex(e, w, 0, 0, RCX, false);
        b1(e, 0x83);
        modrm_rr(e, 7, RCX);
        b1(e, 0xff);                                    /* cmp rcx, -1 */
        m1 = jmp8(e, CC_NE);
        if (rem) {
            op_rr(e, 0x31, false, RAX, RAX);            /* xor eax, eax */
        } else {
            grp3(e, w, 3, RAX);                         /* neg rax (MIN stays MIN) */
        }
        done1 = jmp8(e, -1);
        land8(e, m1);
        rex(e, w, 0, 0, 0, false);
        b1(e, 0x99);                                    /* cqo / cdq */
        grp3(e, w, 7, RCX);                             /* idiv rcx */
    } else {
        op_rr(e, 0x31, false, RDX, RDX);                /* xor edx, edx */
        grp3(e, w, 6, RCX);                             /* div rcx */
    }
    if (rem) {
        op_rr(e, 0x89, true, RAX, RDX);                 /* mov rax, rdx */
    }
    done2 = jmp8(e, -1);
    land8(e, zero);
    if (!rem) {
        mov_ri(e, RAX, -1);                             /* x/0 = all ones; x%0 = x (rax) */
    }
    if (sign) {
        land8(e, done1);
    }
    land8(e, done2);
}

/* --- IR_FPOP: inline SSE for F/D arithmetic and compares ---------------- */

/* MXCSR exception flags (IE DE ZE OE UE PE) -> RISC-V fflags (NV . DZ OF UF NX). */
#define MXF(x) ((((x) & 1) ? 0x10 : 0) | (((x) & 4) ? 8 : 0) | (((x) & 8) ? 4 : 0) | \
                (((x) & 16) ? 2 : 0) | (((x) & 32) ? 1 : 0))
#define MXF4(x) MXF(x), MXF((x) + 1), MXF((x) + 2), MXF((x) + 3)
#define MXF16(x) MXF4(x), MXF4((x) + 4), MXF4((x) + 8), MXF4((x) + 12)
static const uint8_t mxcsr_fflags[64] = { MXF16(0), MXF16(16), MXF16(32), MXF16(48) };

/* MXCSR with every exception masked, flags clear, DAZ/FTZ off, RC for RISC-V rm 0..3. */
#define MXCSR_BASE 0x1f80u
#define RC_FOR_RM 0x9cu     /* 2-bit RC per rm: RNE->00 RTZ->11 RDN->01 RUP->10 */

static size_t jcc32(Emitter *e, int cc)
{
    if (cc < 0) {
        b1(e, 0xe9);
    } else {
        b1(e, 0x0f);
        b1(e, 0x80 | cc);
    }
    b4(e, 0);
    return e->pos - 4;
}

static void land32(Emitter *e, size_t at)
{
    patch4(e, at, (uint32_t)(e->pos - (at + 4)));
}

/* ldmxcsr (ext 2) / stmxcsr (ext 3) [rsp + disp] */
static void mxcsr_op(Emitter *e, int ext, int32_t disp)
{
    b1(e, 0x0f);
    b1(e, 0xae);
    modrm_mem(e, ext, RSP, disp);
}

/* [pfx] 0f opc xmm_reg, xmm_rm */
static void sse_rr(Emitter *e, uint8_t pfx, uint8_t opc, int xr, int xm)
{
    if (pfx) {
        b1(e, pfx);
    }
    b1(e, 0x0f);
    b1(e, opc);
    modrm_rr(e, xr, xm);
}

/* movq xmm, r64 (to_xmm) or movq r64, xmm */
static void movq(Emitter *e, bool to_xmm, int x, int r)
{
    b1(e, 0x66);
    rex(e, true, x, 0, r, false);
    b1(e, 0x0f);
    b1(e, to_xmm ? 0x6e : 0x7e);
    modrm_rr(e, x, r);
}

static void setcc_al(Emitter *e, int cc)
{
    b1(e, 0x0f);
    b1(e, 0x90 | cc);
    modrm_rr(e, 0, RAX);
}

/*
 * MXCSR runs: consecutive IR_FPOPs, with only ops between them that
 * call nothing and cannot fault (integer ALU ops, f-register moves; guest
 * accesses end the run in their slow-path stub only), share one load of
 * the guest's MXCSR (exceptions masked, flags clear, the run's rounding)
 * and one fold of its sticky exception flags into fflags at the end, so
 * host code never runs with the guest's MXCSR and fflags are exact
 * whenever anything else can look at them.  The guest MXCSR lives in the
 * frame at FRAME_MXCSR_GUEST, the host's (this thread's at compile time:
 * the compiled code runs on the thread that compiles it, and nothing in
 * the emulator changes MXCSR) at FRAME_MXCSR_HOST.
 */
static void fp_run_begin(Emitter *e, int rm)
{
    if (rm == 7) {
        op_rm(e, 0x8b, false, RAX, RBX, (int32_t)e->f->frm_off);   /* mov eax, [frm] */
        op_rr(e, 0x01, false, RAX, RAX);                /* add eax, eax */
        op_rr(e, 0x89, false, RCX, RAX);                /* mov ecx, eax */
        mov_ri(e, RAX, RC_FOR_RM);
        b1(e, 0xd3);
        modrm_rr(e, 5, RAX);                            /* shr eax, cl (frm >= 4: RNE, unused) */
        b1(e, 0x83);
        modrm_rr(e, 4, RAX);
        b1(e, 3);                                       /* and eax, 3 */
        b1(e, 0xc1);
        modrm_rr(e, 4, RAX);
        b1(e, 13);                                      /* shl eax, 13 */
        b1(e, 0x81);
        modrm_rr(e, 1, RAX);
        b4(e, MXCSR_BASE);                              /* or eax, MXCSR_BASE */
        op_rm(e, 0x89, false, RAX, RSP, FRAME_MXCSR_GUEST);
    } else {
        b1(e, 0xc7);
        modrm_mem(e, 0, RSP, FRAME_MXCSR_GUEST);
        b4(e, MXCSR_BASE | ((RC_FOR_RM >> (2 * rm)) & 3) << 13);  /* mov dword [guest], mxcsr */
    }
    b1(e, 0xc7);
    modrm_mem(e, 0, RSP, FRAME_MXCSR_HOST);
    b4(e, __builtin_ia32_stmxcsr());                    /* mov dword [host], host MXCSR */
    mxcsr_op(e, 2, FRAME_MXCSR_GUEST);                  /* ldmxcsr [guest] */
    e->fp_run = true;
    e->fp_run_rm = rm;
}

/* The host's MXCSR back, the run's flags ORed into fflags (clobbers rax, rcx). */
static void fp_run_end_code(Emitter *e)
{
    size_t skip;

    mxcsr_op(e, 3, FRAME_MXCSR_GUEST);                  /* stmxcsr [guest]: the flags */
    mxcsr_op(e, 2, FRAME_MXCSR_HOST);                   /* ldmxcsr [host] */
    op_rm(e, 0x8b, false, RAX, RSP, FRAME_MXCSR_GUEST);
    b1(e, 0x83);
    modrm_rr(e, 4, RAX);
    b1(e, 0x3d);                                        /* and eax, flags but DE */
    skip = jmp8(e, CC_E);
    mov_ri(e, RCX, (int64_t)(uintptr_t)mxcsr_fflags);
    b1(e, 0x0f);
    b1(e, 0xb6);
    b1(e, 0x04 | (RAX << 3));
    b1(e, (RAX << 3) | RCX);                            /* movzx eax, byte [rcx + rax] */
    op_rm(e, 0x09, false, RAX, RBX, (int32_t)e->f->fflags_off);     /* or [fflags], eax */
    mov_ri(e, RCX, (int64_t)e->f->fs_dirty);
    op_rm(e, 0x09, true, RCX, RBX, (int32_t)e->f->fs_off);          /* or [status], rcx */
    land8(e, skip);
}

/* Back into the run after fp_run_end_code (keeps every register). */
static void fp_run_restart_code(Emitter *e)
{
    b1(e, 0x81);
    modrm_mem(e, 4, RSP, FRAME_MXCSR_GUEST);
    b4(e, ~0x3fu);                                      /* and dword [guest], ~flags */
    mxcsr_op(e, 2, FRAME_MXCSR_GUEST);                  /* ldmxcsr [guest] */
}

static void fp_run_end(Emitter *e)
{
    if (e->fp_run) {
        fp_run_end_code(e);
        e->fp_run = false;
    }
}

/*
 * An FP op about to write integer register rd in the CPU struct: rd's
 * cached value goes back first (the slow path may trap before writing
 * it), then leaves the cache.
 */
static void fp_drop_rd(Emitter *e, unsigned rd)
{
    int k = e->val_reg[rd];

    if (k >= 0) {
        cache_writeback(e, k);
        cache_drop(e, k);
    }
}

/* Load f-register r into xmm x; singles not NaN-boxed go to the slow path. */
static void fp_load(Emitter *e, int x, unsigned r, bool single, size_t *slow, int *n_slow)
{
    op_rm(e, 0x8b, true, RAX, RBX, (int32_t)(e->f->fpr_off + r * 8));
    if (single) {
        op_rr(e, 0x89, true, RDX, RAX);                 /* mov rdx, rax */
        rex(e, true, 0, 0, RDX, false);
        b1(e, 0xc1);
        modrm_rr(e, 5, RDX);
        b1(e, 32);                                      /* shr rdx, 32 */
        b1(e, 0x83);
        modrm_rr(e, 7, RDX);
        b1(e, 0xff);                                    /* cmp edx, -1 */
        slow[(*n_slow)++] = jcc32(e, CC_NE);
    }
    movq(e, true, x, RAX);
}

/*
 * The F/D instruction op->insn on host SSE, inside an MXCSR run
 * (fp_run_begin), NaN results canonicalized, singles NaN-boxed.
 * Operands and results go straight between the CPU struct and
 * xmm0/xmm1, so the register cache stays as it is (the slow path, the
 * tier-1 handler, writes it back without changing it) but for
 * compares, whose rd leaves it.
 */
static void emit_fp_slow(Emitter *e, const TBInsn *in, const size_t *slow, int n_slow,
                         int epilogue);
static void emit_fs_dirty(Emitter *e);

/*
 * fcvt.w/l.s/d with static RTZ (a C cast): cvtts{s,d}2si truncates
 * whatever MXCSR says.  Its "integer indefinite" answer (NaN, out of
 * range, or exactly the minimum) goes to the handler; otherwise the
 * result is exact, or inexact (NX) when converting it back differs.
 */
static void emit_fcvt_rtz(Emitter *e, const IROp *op, int epilogue)
{
    const TBInsn *in = op->insn;
    bool single = op->w32, wide = op->cond == IR_FP_CVT_L;
    uint8_t pfx = single ? 0xf3 : 0xf2;
    size_t slow[2], exact;
    int n_slow = 0;

    fp_drop_rd(e, in->rd);
    fp_load(e, 0, in->rs1, single, slow, &n_slow);
    b1(e, pfx);
    rex(e, wide, RAX, 0, 0, false);
    b1(e, 0x0f);
    b1(e, 0x2c);
    modrm_rr(e, RAX, 0);                                /* cvtts?2si rax/eax, xmm0 */
    mov_ri(e, RCX, wide ? INT64_MIN : (int64_t)0x80000000u);
    op_rr(e, 0x39, wide, RAX, RCX);                     /* cmp rax, indefinite */
    slow[n_slow++] = jcc32(e, CC_E);
    b1(e, pfx);
    rex(e, wide, 1, 0, RAX, false);
    b1(e, 0x0f);
    b1(e, 0x2a);
    modrm_rr(e, 1, RAX);                                /* cvtsi2s? xmm1, rax/eax */
    sse_rr(e, single ? 0 : 0x66, 0x2e, 0, 1);           /* ucomis? xmm0, xmm1 */
    exact = jmp8(e, CC_E);
    b1(e, 0x83);
    modrm_mem(e, 1, RBX, (int32_t)e->f->fflags_off);
    b1(e, 1);                                           /* or dword [fflags], NX */
    e->fs_dirty_done = false;
    emit_fs_dirty(e);
    land8(e, exact);
    e->fs_dirty_done = false;   /* set on one path only */
    if (!wide) {
        op_rr(e, 0x63, true, RAX, RAX);                 /* movsxd rax, eax */
    }
    op_rm(e, 0x89, true, RAX, RBX, (int32_t)e->f->global_off[in->rd]);
    emit_fp_slow(e, in, slow, n_slow, epilogue);
}

/*
 * After a compare of the result's magnitude with infinity's (above: a
 * NaN): the canonical NaN instead, or for a fused multiply-add the
 * handler, which alone knows whether inf * 0 + qNaN raised NV (RISC-V
 * requires it; the host's flags so far are a subset of the right ones).
 */
static void fp_nan_result(Emitter *e, bool fma, int64_t canonical, size_t *slow, int *n_slow)
{
    size_t skip;

    if (fma) {
        slow[(*n_slow)++] = jcc32(e, CC_A);
        return;
    }
    skip = jmp8(e, CC_B + 4);                           /* jbe (0x76): not a NaN */
    mov_ri(e, RAX, canonical);
    land8(e, skip);
}

static void emit_fpop(Emitter *e, const IROp *op, int epilogue)
{
    const TBInsn *in = op->insn;
    const IRFunc *f = e->f;
    int kind = op->cond;
    bool single = op->w32, cmp = kind >= IR_FP_EQ;
    bool fma = kind >= IR_FP_FMADD && kind <= IR_FP_FNMADD;
    uint8_t pfx = single ? 0xf3 : 0xf2;
    size_t slow[6];
    int n_slow = 0;

    if (kind >= IR_FP_CVT_W) {
        fp_run_end(e);          /* cvtts?2si and cvtsi2s? would raise flags of their own */
        emit_fcvt_rtz(e, op, epilogue);
        return;
    }
    if (cmp) {
        fp_drop_rd(e, in->rd);
    }
    /* Compares do not round: they join any run; a new run guesses dynamic rm. */
    if (e->fp_run && !cmp && e->fp_run_rm != op->size) {
        fp_run_end(e);
    }
    if (!e->fp_run) {
        fp_run_begin(e, cmp ? 7 : op->size);
    }
    if (!cmp && op->size == 7) {
        b1(e, 0x83);
        modrm_mem(e, 7, RBX, (int32_t)f->frm_off);
        b1(e, 3);                                       /* cmp dword [frm], 3 */
        slow[n_slow++] = jcc32(e, CC_A);                /* RMM, reserved: the handler */
    }
    fp_load(e, 0, in->rs1, single, slow, &n_slow);
    if (kind != IR_FP_SQRT) {
        fp_load(e, 1, in->rs2, single, slow, &n_slow);
    }
    if (fma) {
        fp_load(e, 2, in->rs3, single, slow, &n_slow);
    }
    switch (kind) {
    case IR_FP_FMADD: case IR_FP_FMSUB: case IR_FP_FNMSUB: case IR_FP_FNMADD:
        /*
         * vf[n]m{add,sub}213s{s,d} xmm0, xmm1, xmm2: xmm0 = +-(xmm1 * xmm0) +- xmm2
         * (VEX.LIG.66.0F38.W{0,1} a9/ab/ad/af; x86's fnmadd is RISC-V's fnmsub).
         */
        b1(e, 0xc4);
        b1(e, 0xe2);                                    /* R X B set (inverted: none), map 0F38 */
        b1(e, (single ? 0x00 : 0x80) | (uint8_t)(~1u & 15) << 3 | 1);  /* W, vvvv = xmm1, pp = 66 */
        b1(e, kind == IR_FP_FMADD ? 0xa9 : kind == IR_FP_FMSUB ? 0xab :
              kind == IR_FP_FNMSUB ? 0xad : 0xaf);
        modrm_rr(e, 0, 2);
        break;
    case IR_FP_ADD: sse_rr(e, pfx, 0x58, 0, 1); break;
    case IR_FP_SUB: sse_rr(e, pfx, 0x5c, 0, 1); break;
    case IR_FP_MUL: sse_rr(e, pfx, 0x59, 0, 1); break;
    case IR_FP_DIV: sse_rr(e, pfx, 0x5e, 0, 1); break;
    case IR_FP_SQRT: sse_rr(e, pfx, 0x51, 0, 0); break;
    case IR_FP_EQ:
        sse_rr(e, single ? 0 : 0x66, 0x2e, 0, 1);       /* ucomis xmm0, xmm1: quiet */
        setcc_al(e, CC_E);
        b1(e, 0x0f);
        b1(e, 0x9b);
        modrm_rr(e, 0, RCX);                            /* setnp cl */
        op_rr(e, 0x20, false, RAX, RCX);                /* and al, cl */
        break;
    default:
        sse_rr(e, single ? 0 : 0x66, 0x2f, 1, 0);       /* comis xmm1, xmm0: signaling */
        setcc_al(e, kind == IR_FP_LT ? CC_A : CC_AE);   /* b > a, b >= a; unordered: 0 */
        break;
    }
    if (cmp) {
        b1(e, 0x0f);
        b1(e, 0xb6);
        modrm_rr(e, RAX, RAX);                          /* movzx eax, al */
        op_rm(e, 0x89, true, RAX, RBX, (int32_t)f->global_off[in->rd]);
    } else {
        movq(e, false, 0, RAX);                         /* movq rax, xmm0 */
        if (single) {
            op_rr(e, 0x89, false, RAX, RAX);            /* mov eax, eax */
            op_rr(e, 0x89, false, RCX, RAX);            /* mov ecx, eax */
            op_rr(e, 0x01, false, RCX, RCX);            /* add ecx, ecx: drop the sign */
            b1(e, 0x81);
            modrm_rr(e, 7, RCX);
            b4(e, 0xff000000u);                         /* cmp ecx, inf << 1 */
            fp_nan_result(e, fma, 0x7fc00000, slow, &n_slow);
            mov_ri(e, RCX, (int64_t)0xffffffff00000000ull);
            op_rr(e, 0x09, true, RAX, RCX);             /* or rax, rcx: NaN-box */
        } else {
            op_rr(e, 0x89, true, RCX, RAX);             /* mov rcx, rax */
            op_rr(e, 0x01, true, RCX, RCX);             /* add rcx, rcx: drop the sign */
            mov_ri(e, RDX, (int64_t)0xffe0000000000000ull);
            op_rr(e, 0x39, true, RCX, RDX);             /* cmp rcx, rdx */
            fp_nan_result(e, fma, (int64_t)0x7ff8000000000000ull, slow, &n_slow);
        }
        op_rm(e, 0x89, true, RAX, RBX, (int32_t)(f->fpr_off + in->rd * 8));
        emit_fs_dirty(e);
    }
    emit_fp_slow(e, in, slow, n_slow, epilogue);
}

/*
 * The end of an IR_FPOP's fast path and its slow path: the tier-1
 * handler, reached from the n_slow jumps in slow[]: the dirty cached
 * values go back to the CPU struct first (the handler may trap), and
 * those in registers the handler may clobber are reloaded after it.
 */
static void emit_fp_slow(Emitter *e, const TBInsn *in, const size_t *slow, int n_slow,
                         int epilogue)
{
    size_t done = jcc32(e, -1);

    for (int i = 0; i < n_slow; i++) {
        land32(e, slow[i]);
    }
    if (e->fp_run) {
        fp_run_end_code(e);
    }
    for (int k = 0; k < NCACHE; k++) {
        if (e->reg_val[k] >= 0 && e->reg_dirty[k]) {
            mem_store(e, e->reg_val[k], cache_reg[k]);
        }
    }
    set_cur_insn(e, in);
    op_rr(e, 0x89, true, RSI, RAX);                     /* mov rsi, rax */
    op_rr(e, 0x89, true, RDI, RBX);                     /* mov rdi, rbx */
    call_abs(e, (const void *)in->fn);
    page_slots_reset(e);
    for (int k = 0; k < NCACHE; k++) {
        if (e->reg_val[k] >= 0 && !cache_saved[k]) {
            mem_load(e, cache_reg[k], e->reg_val[k]);
        }
    }
    op_rr(e, 0x85, false, RAX, RAX);                    /* test eax, eax */
    jmp_label(e, CC_NE, epilogue + 1);
    if (e->fp_run) {
        fp_run_restart_code(e);
    }
    land32(e, done);
}

/* Emit one of the extra ALU ops (IR_MULH..IR_BSWAP) into op->d. */
static void emit_extra(Emitter *e, const IROp *op)
{
    bool w = !op->w32;
    bool rorx = (op->opc == IR_ROTL || op->opc == IR_ROTR) && op->b.is_const && use_bmi2;

    load_arg(e, RAX, op->a);
    if (!ir_op_unary(op->opc) && !rorx) {
        load_arg(e, RCX, op->b);
    }
    switch (op->opc) {
    case IR_MULH:
        grp3(e, true, 5, RCX);                          /* imul rcx: rdx:rax */
        op_rr(e, 0x89, true, RAX, RDX);
        break;
    case IR_MULHU:
        grp3(e, true, 4, RCX);                          /* mul rcx */
        op_rr(e, 0x89, true, RAX, RDX);
        break;
    case IR_MULHSU:
        /* hi(a * b) signed x unsigned = hiu(a * b) - (a < 0 ? b : 0) */
        op_rr(e, 0x89, true, RSI, RAX);                 /* mov rsi, rax */
        rex(e, true, 0, 0, RSI, false);
        b1(e, 0xc1);
        modrm_rr(e, 7, RSI);
        b1(e, 63);                                      /* sar rsi, 63 */
        op_rr(e, 0x21, true, RSI, RCX);                 /* and rsi, rcx */
        grp3(e, true, 4, RCX);                          /* mul rcx */
        op_rr(e, 0x29, true, RDX, RSI);                 /* sub rdx, rsi */
        op_rr(e, 0x89, true, RAX, RDX);
        break;
    case IR_DIV: case IR_DIVU: case IR_REM: case IR_REMU:
        emit_div(e, op);
        break;
    case IR_ROTL: case IR_ROTR:
        if (rorx) {
            int bits = w ? 64 : 32;
            int n = (int)(op->b.c & (bits - 1));

            vex_rr(e, 3, 3, w, 0xf0, RAX, RAX, 0);     /* rorx rax, rax, imm8 */
            b1(e, (uint8_t)(op->opc == IR_ROTR ? n : (bits - n) & (bits - 1)));
            break;
        }
        rex(e, w, 0, 0, RAX, false);
        b1(e, 0xd3);
        modrm_rr(e, op->opc == IR_ROTL ? 0 : 1, RAX);  /* rol/ror rax, cl */
        break;
    case IR_MIN: case IR_MAX: case IR_MINU: case IR_MAXU: {
        static const uint8_t cc[] = { CC_G, CC_L, CC_A, CC_B };
        op_rr(e, 0x39, w, RAX, RCX);                    /* cmp rax, rcx */
        rex(e, w, RAX, 0, RCX, false);
        b1(e, 0x0f);
        b1(e, 0x40 | cc[op->opc - IR_MIN]);
        modrm_rr(e, RAX, RCX);                          /* cmovcc rax, rcx */
        break;
    }
    case IR_CLZ: case IR_CTZ: case IR_CPOP:
        b1(e, 0xf3);
        rex(e, w, RAX, 0, RAX, false);
        b1(e, 0x0f);
        b1(e, op->opc == IR_CLZ ? 0xbd : op->opc == IR_CTZ ? 0xbc : 0xb8);
        modrm_rr(e, RAX, RAX);                          /* lzcnt/tzcnt/popcnt rax, rax */
        break;
    case IR_EXT8S: case IR_EXT16S: case IR_EXT16U:
        rex(e, w && op->opc != IR_EXT16U, RAX, 0, RAX, false);
        b1(e, 0x0f);
        b1(e, op->opc == IR_EXT8S ? 0xbe : op->opc == IR_EXT16S ? 0xbf : 0xb7);
        modrm_rr(e, RAX, RAX);
        break;
    case IR_BSWAP:
        rex(e, w, 0, 0, RAX, false);
        b1(e, 0x0f);
        b1(e, 0xc8);                                    /* bswap rax */
        break;
    default:
        e->overflow = true;
        break;
    }
    if (!w) {
        op_rr(e, 0x89, false, RAX, RAX);                /* mov eax, eax: zero-extend */
    }
    store_val(e, op->d, RAX);
}

/*
 * rcx = op's TLB entry for rsi, compared with rdi (the last byte's page);
 * the caller emits the jne to the miss.
 */
static void emit_tlb_compare(Emitter *e, const IROp *op, bool write, int idx)
{
    int32_t tag_off = write ? offsetof(TLBEntry, addr_write) : offsetof(TLBEntry, addr_read);

    if (idx < 0) {
        op_rm(e, 0x8b, false, RAX, RBX, e->f->mmu_idx_off); /* mov eax, [mmu_idx] */
    }
    /* rcx = &table[(rsi >> PAGE_BITS) & mask]: entries of 1 << TLB_ENTRY_BITS bytes. */
    op_rr(e, 0x89, true, RCX, RSI);                     /* mov rcx, rsi */
    rex(e, true, 0, 0, RCX, false);
    b1(e, 0xc1);
    modrm_rr(e, 5, RCX);
    b1(e, PAGE_BITS - TLB_ENTRY_BITS);                  /* shr rcx, 7 */
    if (idx < 0) {
        op_rm_idx8(e, 0x23, RCX, RBX, RAX, offsetof(CPUState, tlb_index_mask));
    } else {
        op_rm(e, 0x23, true, RCX, RBX, offsetof(CPUState, tlb_index_mask) + 8 * idx);
    }                                                   /* and rcx, [index mask] */
    _Static_assert(sizeof(TLBEntry) == 1 << TLB_ENTRY_BITS, "TLBEntry index arithmetic");
    if (idx < 0) {
        op_rm_idx8(e, 0x03, RCX, RBX, RAX, offsetof(CPUState, tlb)); /* add rcx, [table] */
    } else {
        op_rm(e, 0x03, true, RCX, RBX, offsetof(CPUState, tlb) + 8 * idx);
    }
    op_rm(e, 0x3b, true, RDI, RCX, tag_off);            /* cmp rdi, [rcx + tag] */
}

/*
 * TLB hit path: rsi = guest address; on a hit rsi = host address and
 * control falls through; on a miss jumps to a stub recorded for op.  In
 * a loop, op's page slot is tried first; its miss (refill, out of line)
 * does the TLB check and fills the slot on a hit.
 */
static void emit_tlb_lookup(Emitter *e, const IROp *op, bool write)
{
    int idx = e->f->mmu_idx < NB_MMU_MODES ? e->f->mmu_idx : -1;
    int slot = e->page_slot[e->cur_op];
    Stub *st = &e->stub[e->n_stubs];

    if (e->n_stubs >= MAX_STUBS) {
        e->overflow = true;
        return;
    }
    if (!op->a.is_const) {
        op_rm(e, 0x8d, true, RSI, reg_of(e, op->a.v), (int32_t)op->imm); /* lea rsi, [a+imm] */
    } else {
        mov_ri(e, RSI, op->a.c + op->imm);
    }
    /* rdi = last byte's page: mismatches the tag when the access crosses a page. */
    if (op->size > 1) {
        op_rm(e, 0x8d, true, RDI, RSI, op->size - 1);   /* lea rdi, [rsi + size-1] */
    } else {
        op_rr(e, 0x89, true, RDI, RSI);                 /* mov rdi, rsi */
    }
    rex(e, true, 0, 0, RDI, false);
    b1(e, 0x81);
    modrm_rr(e, 4, RDI);
    b4(e, (uint32_t)PAGE_MASK);                         /* and rdi, PAGE_MASK */
    emit_stat(e, offsetof(CPUState, jit_tlb_lookups));
    st->op = op;
    st->page_slot = slot;
    cache_save(e, &st->cache);
    st->fp_run = e->fp_run;
    if (slot >= 0) {
        op_rm(e, 0x3b, true, RDI, RSP, FRAME_PAGE_TAG(slot));   /* cmp rdi, [tag] */
        st->refill_pos = jcc32(e, CC_NE);
        op_rm(e, 0x03, true, RSI, RSP, FRAME_PAGE_ADDEND(slot)); /* add rsi, [addend] */
        st->access_pos = e->pos;
        return;
    }
    emit_tlb_compare(e, op, write, idx);
    st->jcc_pos = jcc32(e, CC_NE);
    op_rm(e, 0x03, true, RSI, RCX, offsetof(TLBEntry, addend)); /* add rsi, [rcx + addend] */
}

/* Sign/zero-extend the loaded value in rax to 64 bits. */
static void emit_extend(Emitter *e, unsigned size, bool sign)
{
    switch (size) {
    case 1:
        rex(e, sign, RAX, 0, RAX, false);
        b1(e, 0x0f);
        b1(e, sign ? 0xbe : 0xb6);
        modrm_rr(e, RAX, RAX);
        break;
    case 2:
        rex(e, sign, RAX, 0, RAX, false);
        b1(e, 0x0f);
        b1(e, sign ? 0xbf : 0xb7);
        modrm_rr(e, RAX, RAX);
        break;
    case 4:
        if (sign) {
            op_rr(e, 0x63, true, RAX, RAX);             /* movsxd rax, eax */
        } else {
            op_rr(e, 0x89, false, RAX, RAX);
        }
        break;
    default:
        break;
    }
}

static void emit_ld(Emitter *e, const IROp *op)
{
    emit_tlb_lookup(e, op, false);
    /* Load [rsi] into rax, sign- or zero-extended (the stub extends the same way). */
    switch (op->size) {
    case 1: case 2:
        rex(e, op->sign, RAX, 0, RSI, false);
        b1(e, 0x0f);
        b1(e, (op->size == 1 ? 0xb6 : 0xb7) | (op->sign ? 8 : 0));
        b1(e, 0x06);                                    /* movzx/movsx rax, [rsi] */
        break;
    case 4:
        if (op->sign) {
            b1(e, 0x48); b1(e, 0x63); b1(e, 0x06);      /* movsxd rax, dword [rsi] */
        } else {
            b1(e, 0x8b); b1(e, 0x06);                   /* mov eax, [rsi] */
        }
        break;
    default: b1(e, 0x48); b1(e, 0x8b); b1(e, 0x06); break;       /* mov rax, [rsi] */
    }
    e->stub[e->n_stubs].done_pos = e->pos;
    e->n_stubs++;
    store_val(e, op->d, RAX);
}

/* Byte offset of f-register r in the CPU struct. */
static int32_t freg_off(const Emitter *e, unsigned r)
{
    return (int32_t)(e->f->fpr_off + r * 8);
}

/*
 * Set the FS-dirty bits in the status word (two `or dword` with
 * immediates, no register), once per straight-line run: helper calls
 * and labels forget it.
 */
static void emit_fs_dirty(Emitter *e)
{
    uint64_t bits = e->f->fs_dirty;

    if (e->fs_dirty_done) {
        return;
    }
    for (int half = 0; half < 2; half++) {
        uint32_t v = (uint32_t)(bits >> (32 * half));
        if (v) {
            b1(e, 0x81);
            modrm_mem(e, 1, RBX, (int32_t)(e->f->fs_off + 4 * half));
            b4(e, v);                                   /* or dword [status], v */
        }
    }
    e->fs_dirty_done = true;
}

/* IR_GETF / IR_SETF: raw moves between f-registers and IR values. */
static void emit_getf_setf(Emitter *e, const IROp *op)
{
    int r;

    if (op->opc == IR_GETF) {
        op_rm(e, 0x8b, true, cache_slot_for_write(e, op->d), RBX, freg_off(e, op->cond));
        return;
    }
    if (op->a.is_const) {
        mov_ri(e, RAX, op->a.c);
        r = RAX;
    } else {
        r = reg_of(e, op->a.v);
    }
    op_rm(e, 0x89, true, r, RBX, freg_off(e, op->cond));   /* mov [f], a */
    emit_fs_dirty(e);
}

/* IR_LDF: the load's value in rax (zero-extended) goes to the f-register. */
static void emit_ldf(Emitter *e, const IROp *op)
{
    emit_tlb_lookup(e, op, false);
    if (op->size == 4) {
        b1(e, 0x8b); b1(e, 0x06);                       /* mov eax, [rsi] */
    } else {
        b1(e, 0x48); b1(e, 0x8b); b1(e, 0x06);          /* mov rax, [rsi] */
    }
    e->stub[e->n_stubs].done_pos = e->pos;
    e->n_stubs++;
    if (op->size == 4) {
        mov_ri(e, RCX, (int64_t)0xffffffff00000000ull);
        op_rr(e, 0x09, true, RAX, RCX);                 /* or rax, rcx: NaN-box */
    }
    op_rm(e, 0x89, true, RAX, RBX, freg_off(e, op->cond));
    emit_fs_dirty(e);
}

/*
 * IR_ST / IR_STF: the value in its cache register (rdx for a constant or
 * an f-register), then the access.
 */
static void emit_st(Emitter *e, const IROp *op)
{
    int data = RDX;

    if (op->opc == IR_STF) {
        op_rm(e, 0x8b, true, RDX, RBX, freg_off(e, op->cond));
    } else if (op->b.is_const) {
        mov_ri(e, RDX, op->b.c);
    } else {
        data = reg_of(e, op->b.v);      /* stays: the address is the only other value used */
    }
    emit_tlb_lookup(e, op, true);
    if (op->size == 2) {
        b1(e, 0x66);
    }
    /* spl, bpl, sil and dil need a REX prefix */
    rex(e, op->size == 8, data, 0, RSI, op->size == 1 && data >= RSP && data <= RDI);
    b1(e, op->size == 1 ? 0x88 : 0x89);
    b1(e, ((data & 7) << 3) | RSI);                     /* mov [rsi], data */
    e->stub[e->n_stubs].data_reg = data;
    e->stub[e->n_stubs].done_pos = e->pos;
    e->n_stubs++;
}

/* Out-of-line miss paths; a load's stub returns to the extension of its result. */
static void emit_stubs(Emitter *e)
{
    for (unsigned i = 0; i < e->n_stubs; i++) {
        const Stub *s = &e->stub[i];
        const IROp *op = s->op;
        size_t jcc_slow;

        if (s->page_slot >= 0) {
            int idx = e->f->mmu_idx < NB_MMU_MODES ? e->f->mmu_idx : -1;
            land32(e, s->refill_pos);
            emit_tlb_compare(e, op, op->opc == IR_ST || op->opc == IR_STF, idx);
            jcc_slow = jcc32(e, CC_NE);
            op_rm(e, 0x89, true, RDI, RSP, FRAME_PAGE_TAG(s->page_slot));  /* mov [tag], rdi */
            op_rm(e, 0x8b, true, RAX, RCX, offsetof(TLBEntry, addend));
            op_rm(e, 0x89, true, RAX, RSP, FRAME_PAGE_ADDEND(s->page_slot)); /* [addend] */
            op_rr(e, 0x01, true, RSI, RAX);             /* add rsi, rax */
            b1(e, 0xe9);
            b4(e, (uint32_t)(s->access_pos - (e->pos + 4)));
            land32(e, jcc_slow);
        } else {
            patch4(e, s->jcc_pos, (uint32_t)(e->pos - (s->jcc_pos + 4)));
        }
        emit_stat(e, offsetof(CPUState, jit_tlb_slow));
        for (int k = 0; k < NCACHE; k++) {
            if (s->cache.val[k] >= 0 && s->cache.dirty[k]) {
                mem_store(e, s->cache.val[k], cache_reg[k]);  /* precise state for faults */
            }
        }
        if (s->fp_run) {
            fp_run_end_code(e);
        }
        set_cur_insn(e, op->insn);
        op_rr(e, 0x89, true, RDI, RBX);                 /* mov rdi, rbx */
        if (op->opc == IR_LD || op->opc == IR_LDF) {
            mov_ri(e, RDX, op->size);
            op_rm(e, 0x8b, false, RCX, RBX, e->f->mmu_idx_off);
            call_abs(e, (const void *)tlb_load_slow);
            if (op->opc == IR_LD) {
                emit_extend(e, op->size, op->sign);     /* as the inline load does */
            }
        } else {
            if (s->data_reg != RDX) {
                op_rr(e, 0x89, true, RDX, s->data_reg); /* mov rdx, data (before r8 is set) */
            }
            mov_ri(e, RCX, op->size);
            op_rm(e, 0x8b, false, R8, RBX, e->f->mmu_idx_off);
            call_abs(e, (const void *)tlb_store_slow);
        }
        page_slots_reset(e);
        for (int k = 0; k < NCACHE; k++) {
            if (s->cache.val[k] >= 0 && !cache_saved[k]) {
                mem_load(e, cache_reg[k], s->cache.val[k]);   /* clobbered by the call */
            }
        }
        if (s->fp_run) {
            fp_run_restart_code(e);
        }
        b1(e, 0xe9);
        b4(e, (uint32_t)(s->done_pos - (e->pos + 4)));
    }
}

/* cpu->icount += the TB's instructions (tier 1 does it after each TB). */
static void emit_count(Emitter *e)
{
    if (e->f->n_insns) {
        rex(e, true, 0, 0, RBX, false);
        b1(e, 0x81);
        modrm_mem(e, 0, RBX, offsetof(CPUState, icount));
        b4(e, e->f->n_insns);
    }
}

/* cpu->pc = pc */
static void store_pc_const(Emitter *e, int64_t pc)
{
    if (fits32(pc)) {
        rex(e, true, 0, 0, RBX, false);
        b1(e, 0xc7);
        modrm_mem(e, 0, RBX, offsetof(CPUState, pc));
        b4(e, (uint32_t)pc);                            /* mov qword [pc], imm32 */
    } else {
        mov_ri(e, RAX, pc);
        op_rm(e, 0x89, true, RAX, RBX, offsetof(CPUState, pc));
    }
}

/*
 * A constant exit to pc on the TB's page: count, then, unless an exit is
 * requested or the chain budget is spent, a jmp rel32 that jit_link
 * patches to the successor's body (tcg/jit.h JITExits); until then it
 * falls through to storing pc and leaving.  Only the first two constant
 * exits get one; others always leave.  `self`: the TB's own pc, with the
 * cache as at loop_head; the jump goes there from the start, and the way
 * out writes the pinned registers back.  A successor entered straight
 * never reads cpu->pc (faults take the pc of cur_insn).
 */
static void emit_chain(Emitter *e, int64_t pc, int epilogue, JITExits *x, bool self)
{
    emit_count(e);
    emit_stat(e, offsetof(CPUState, jit_chain_exits));
    if (x && x->n < 2) {
        size_t out[2], at;
        b1(e, 0x83);
        modrm_mem(e, 7, RBX, offsetof(CPUState, exit_request));
        b1(e, 0);                                       /* cmp dword [exit_request], 0 */
        out[0] = jcc32(e, CC_NE);
        b1(e, 0xff);
        modrm_mem(e, 1, RSP, FRAME_BUDGET_OFF);         /* dec dword [budget] */
        out[1] = jcc32(e, CC_E);
        emit_stat(e, offsetof(CPUState, jit_chain_taken));
        /*
         * The rel32 that jit_link patches while other harts may run this
         * code: 4-byte aligned (code starts 16-aligned), so the store is atomic.
         */
        while ((e->pos + 1) % 4) {
            b1(e, 0x90);                                /* nop */
        }
        b1(e, 0xe9);
        at = e->pos;
        x->off[x->n] = (uint32_t)at;
        x->pc[x->n] = (gva_t)pc;
        x->self[x->n] = self;
        x->n++;
        b4(e, self ? (uint32_t)(e->loop_head - (at + 4)) : 0);  /* jmp successor or next */
        if (e->f->count_stats) {
            rex(e, true, 0, 0, RBX, false);
            b1(e, 0xff);
            modrm_mem(e, 1, RBX, offsetof(CPUState, jit_chain_taken)); /* not taken after all */
        }
        land32(e, out[0]);
        land32(e, out[1]);
    }
    cache_flush(e, false);
    store_pc_const(e, pc);
    jmp_label(e, -1, epilogue);
}

/*
 * The back edge of a loop TB (Emitter.loop): the pinned guest registers
 * return to their registers (values now elsewhere are written back and
 * reloaded), everything else is written back, then emit_chain to the
 * TB's own pc, which jumps to loop_head.
 */
static void emit_loop_back(Emitter *e, int epilogue, JITExits *x)
{
    for (int k = 0; k < NCACHE; k++) {
        if (e->reg_val[k] >= 0 && e->reg_val[k] != e->head.val[k]) {
            if (e->reg_val[k] < IR_TEMP_BASE) {
                cache_writeback(e, k);
            }
            cache_drop(e, k);
        }
    }
    for (int k = 0; k < NCACHE; k++) {
        if (e->head.val[k] >= 0 && e->reg_val[k] != e->head.val[k]) {
            mem_load(e, cache_reg[k], e->head.val[k]);
        }
    }
    cache_restore(e, &e->head);
    emit_chain(e, (int64_t)e->f->tb->pc, epilogue, x, true);
}

void jit_backend_patch_jump(TranslationBlock *src, int slot, const TranslationBlock *dst)
{
    uint8_t *at = (uint8_t *)src->jit_code + src->jmp_off[slot];
    const uint8_t *target = dst ? (const uint8_t *)dst->jit_code + PROLOGUE_LEN : at + 4;

    jit_buffer_write4(at, (uint32_t)(target - (at + 4)));
}

/* shr/shl (ext 5/4) r64, imm8 */
static void shift_ri(Emitter *e, int ext, int r, uint8_t n)
{
    rex(e, true, 0, 0, r, false);
    b1(e, 0xc1);
    modrm_rr(e, ext, r);
    b1(e, n);
}

/* and r32, imm32 (zero-extends into r64) */
static void and_ri32(Emitter *e, int r, uint32_t v)
{
    rex(e, false, 0, 0, r, false);
    b1(e, 0x81);
    modrm_rr(e, 4, r);
    b4(e, v);
}

/*
 * A computed exit (rax = the new pc): count, then look the target up in
 * cpu->jmp_cache and jump straight into it when it is compiled, valid
 * and has this TB's pc and flags, and the entry is current (no TLB flush
 * since tb_find made it, so the mapping is the one it was found with),
 * and the chain budget lasts and no exit is requested.  Else store pc
 * and leave (epilogue + 2).  The emitted code computes
 * tb_jmp_cache_index() (tcg/tb.h).
 */
static void emit_lookup_goto(Emitter *e, int epilogue)
{
    emit_count(e);
    emit_stat(e, offsetof(CPUState, jit_jc_lookups));
    b1(e, 0x83);
    modrm_mem(e, 7, RBX, offsetof(CPUState, exit_request));
    b1(e, 0);                                           /* cmp dword [exit_request], 0 */
    jmp_label(e, CC_NE, epilogue + 2);
    b1(e, 0xff);
    modrm_mem(e, 1, RSP, FRAME_BUDGET_OFF);             /* dec dword [budget] */
    jmp_label(e, CC_E, epilogue + 2);
    /* rcx = ((pc >> 1) ^ (pc >> 15)) & (TB_JMP_CACHE_SIZE - 1) */
    op_rr(e, 0x89, true, RCX, RAX);
    shift_ri(e, 5, RCX, 1);
    op_rr(e, 0x89, true, RDX, RAX);
    shift_ri(e, 5, RDX, 1 + TB_JMP_CACHE_BITS);
    op_rr(e, 0x31, true, RCX, RDX);                     /* xor rcx, rdx */
    and_ri32(e, RCX, TB_JMP_CACHE_SIZE - 1);
    _Static_assert(sizeof(((CPUState *)0)->jmp_cache[0]) == 16, "jump cache entry size");
    op_rr(e, 0x01, true, RCX, RCX);                     /* add rcx, rcx: entries of 2 words */
    op_rm_idx8(e, 0x8b, RSI, RBX, RCX, offsetof(CPUState, jmp_cache[0].epoch));
    op_rm(e, 0x3b, true, RSI, RBX, offsetof(CPUState, jmp_cache_epoch));
    jmp_label(e, CC_NE, epilogue + 2);                      /* a stale entry: tb_find checks it */
    op_rm_idx8(e, 0x8b, RDX, RBX, RCX, offsetof(CPUState, jmp_cache[0].tb));
    op_rr(e, 0x85, true, RDX, RDX);
    jmp_label(e, CC_E, epilogue + 2);
    op_rm(e, 0x3b, true, RAX, RDX, offsetof(TranslationBlock, pc));
    jmp_label(e, CC_NE, epilogue + 2);                      /* tb->pc == pc */
    b1(e, 0x81);
    modrm_mem(e, 7, RDX, offsetof(TranslationBlock, flags));
    b4(e, e->f->tb->flags);                             /* cmp dword [tb.flags], flags */
    jmp_label(e, CC_NE, epilogue + 2);
    b1(e, 0x80);
    modrm_mem(e, 7, RDX, offsetof(TranslationBlock, invalid));
    b1(e, 0);
    jmp_label(e, CC_NE, epilogue + 2);
    op_rm(e, 0x8b, true, RDX, RDX, offsetof(TranslationBlock, jit_code));
    op_rr(e, 0x85, true, RDX, RDX);
    jmp_label(e, CC_E, epilogue + 2);
    emit_stat(e, offsetof(CPUState, jit_jc_hits));
    rex(e, true, 0, 0, RDX, false);
    b1(e, 0x83);
    modrm_rr(e, 0, RDX);
    b1(e, PROLOGUE_LEN);                                /* add rdx, PROLOGUE_LEN */
    b1(e, 0xff);
    b1(e, 0xe2);                                        /* jmp rdx */
}

/* Whether op can run inside an MXCSR run (fp_run_begin). */
static bool fp_run_keeps(const IROp *op)
{
    switch (op->opc) {
    case IR_NOP: case IR_FPOP: case IR_GETF: case IR_SETF:
    case IR_LD: case IR_ST: case IR_LDF: case IR_STF:
        return true;
    default:
        return ir_op_alu(op->opc);
    }
}

/*
 * Before emitting: which labels keep the cache their one brcond had
 * (label_carry: only a forward brcond reaches them and an exit precedes
 * them), and, when the TB may loop on itself (may_loop: its exits chain),
 * whether it does, with the guest registers to pin (head.val): those read
 * before any write, then the most read, in the callee-saved registers.
 */
static void scan_ir(Emitter *e, bool may_loop)
{
    const IRFunc *f = e->f;
    static unsigned reads[IR_TEMP_BASE];
    static bool written[IR_TEMP_BASE], exposed[IR_TEMP_BASE];
    uint8_t refs[IR_MAX_LABELS] = { 0 };
    int prev = IR_NOP;

    memset(reads, 0, sizeof(reads));
    memset(written, 0, sizeof(written));
    memset(exposed, 0, sizeof(exposed));
    memset(e->label_carry, 0, sizeof(e->label_carry));
    e->loop = false;
    e->n_page_slots = 0;
    for (unsigned i = 0; i < f->n_ops; i++) {
        const IROp *op = &f->ops[i];
        const IRArg *arg[2];
        int n = op_reads(op, arg);

        for (int j = 0; j < n; j++) {
            int v = arg[j]->v;
            if (!arg[j]->is_const && v < IR_TEMP_BASE && v != f->zero_global) {
                reads[v]++;
                exposed[v] |= !written[v];
            }
        }
        if (ir_op_defines(op->opc) && op->d < IR_TEMP_BASE) {
            written[op->d] = true;
        }
        switch (op->opc) {
        case IR_NOP:
            continue;
        case IR_BRCOND:
            refs[op->d] = refs[op->d] ? 2 : 1;
            if (e->label_carry[op->d]) {
                e->label_carry[op->d] = false;      /* a backward branch */
            }
            break;
        case IR_LABEL:
            e->label_carry[op->d] = refs[op->d] == 1 && prev == IR_EXIT;
            refs[op->d] = 2;    /* later brconds to it branch backwards */
            break;
        case IR_EXIT:
            e->loop |= may_loop && op->a.is_const && op->a.c == (int64_t)f->tb->pc;
            break;
        default:
            break;
        }
        prev = op->opc;
    }
    for (unsigned i = 0; i < f->n_ops; i++) {
        IROpc opc = f->ops[i].opc;
        bool mem = opc == IR_LD || opc == IR_ST || opc == IR_LDF || opc == IR_STF;
        e->page_slot[i] = -1;
        if (e->loop && mem && f->mmu_idx >= 0 && f->mmu_idx < NB_MMU_MODES &&
            e->n_page_slots < MAX_PAGE_SLOTS) {
            e->page_slot[i] = e->n_page_slots++;
        }
    }
    for (int k = 0; k < NCACHE; k++) {
        e->head.val[k] = -1;
        e->head.dirty[k] = false;
    }
    for (int k = 0; e->loop && k < NCACHE && cache_saved[k]; k++) {
        int best = -1;
        for (int v = 0; v < IR_TEMP_BASE; v++) {
            if (reads[v] && (best < 0 || exposed[v] > exposed[best] ||
                             (exposed[v] == exposed[best] && reads[v] > reads[best]))) {
                best = v;
            }
        }
        if (best < 0) {
            break;
        }
        e->head.val[k] = best;
        e->head.dirty[k] = true;    /* so every way out writes it back */
        reads[best] = 0;
    }
}

size_t jit_backend_emit(const IRFunc *f, uint8_t *code, size_t room, JITExits *exits)
{
    static Emitter em;      /* large; compilation runs under the TB lock */
    Emitter *e = &em;
    int epilogue = IR_MAX_LABELS;

    host_probe();
    e->buf = code;
    e->pos = 0;
    e->room = room;
    e->overflow = false;
    e->f = f;
    e->n_fixups = 0;
    e->n_stubs = 0;
    e->frame = FRAME_SIZE;
    cache_reset(e);

    b1(e, 0x53);                                        /* push rbx */
    b1(e, 0x55);                                        /* push rbp */
    for (int r = R12; r <= R15; r++) {
        b1(e, 0x41);
        b1(e, 0x50 | (r & 7));                          /* push r12..r15 */
    }
    rex(e, true, 0, 0, RSP, false);
    b1(e, 0x81);
    modrm_rr(e, 5, RSP);
    b4(e, (uint32_t)e->frame);                          /* sub rsp, frame */
    op_rr(e, 0x89, true, RBX, RDI);                     /* mov rbx, rdi */
    rex(e, false, 0, 0, RSP, false);
    b1(e, 0xc7);
    modrm_mem(e, 0, RSP, FRAME_BUDGET_OFF);
    b4(e, JIT_CHAIN_BUDGET);                            /* mov dword [budget], N */
    if (e->pos != PROLOGUE_LEN) {
        return 0;
    }
    if (exits) {
        exits->n = 0;
    }
    /* The body, also entered by chained predecessors; a loop's first loads its registers. */
    e->cur_op = 0;
    scan_ir(e, f->tb && exits && f->tb->chainable && f->tb->cacheable && !f->tb->two_pages);
    if (e->loop) {
        for (int k = 0; k < NCACHE; k++) {
            if (e->head.val[k] >= 0) {
                mem_load(e, cache_reg[k], e->head.val[k]);
            }
        }
        cache_restore(e, &e->head);
        page_slots_reset(e);
        e->loop_head = e->pos;
    }

    for (unsigned i = 0; i < f->n_ops && !e->overflow; i++) {
        const IROp *op = &f->ops[i];

        e->cur_op = i;
        if (!fp_run_keeps(op)) {
            fp_run_end(e);
        }
        switch (op->opc) {
        case IR_NOP:
            break;
        case IR_MOV:
            if (op->a.is_const) {
                store_const(e, op->d, op->a.c);
            } else if (op->a.v != op->d) {
                int ra = reg_of(e, op->a.v);
                op_rr(e, 0x89, true, cache_slot_for_write(e, op->d), ra);  /* mov d, a */
            }
            break;
        case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR:
        case IR_SHL: case IR_SHR: case IR_SAR: case IR_MUL:
            emit_binop(e, op);
            break;
        case IR_MULH: case IR_MULHU: case IR_MULHSU: case IR_DIV: case IR_DIVU:
        case IR_REM: case IR_REMU: case IR_ROTL: case IR_ROTR: case IR_MIN: case IR_MAX:
        case IR_MINU: case IR_MAXU: case IR_CLZ: case IR_CTZ: case IR_CPOP:
        case IR_EXT8S: case IR_EXT16S: case IR_EXT16U: case IR_BSWAP:
            emit_extra(e, op);
            break;
        case IR_SETCOND:
            emit_cmp_args(e, op->a, op->b);
            b1(e, 0x0f);
            b1(e, 0x90 | cond_cc(op->cond));
            modrm_rr(e, 0, RAX);                        /* setcc al */
            {
                int rd = cache_slot_for_write(e, op->d);
                rex(e, false, rd, 0, RAX, false);
                b1(e, 0x0f);
                b1(e, 0xb6);
                modrm_rr(e, rd, RAX);                   /* movzx d32, al */
            }
            break;
        case IR_EXT32S: case IR_EXT32U: {
            int ra, rd;
            if (op->a.is_const) {
                load_arg(e, RAX, op->a);
                emit_extend(e, 4, op->opc == IR_EXT32S);
                store_val(e, op->d, RAX);
                break;
            }
            ra = reg_of(e, op->a.v);
            rd = cache_slot_for_write(e, op->d);
            if (op->opc == IR_EXT32S) {
                op_rr(e, 0x63, true, ra, rd);           /* movsxd d, a32 */
            } else {
                op_rr(e, 0x89, false, rd, ra);          /* mov d32, a32 */
            }
            break;
        }
        case IR_LD:
            emit_ld(e, op);
            break;
        case IR_ST: case IR_STF:
            emit_st(e, op);
            break;
        case IR_LDF:
            emit_ldf(e, op);
            break;
        case IR_GETF: case IR_SETF:
            emit_getf_setf(e, op);
            break;
        case IR_BRCOND:
            if (!e->label_carry[op->d]) {
                cache_flush(e, true);   /* the target label starts with an empty cache */
            }
            if (op->a.is_const && op->b.is_const) {
                if (ir_eval_cond(op->cond, op->a.c, op->b.c)) {
                    cache_save(e, &e->label_cache[op->d]);
                    jmp_label(e, -1, op->d);
                }
                break;
            }
            emit_cmp_args(e, op->a, op->b);
            cache_save(e, &e->label_cache[op->d]);
            jmp_label(e, cond_cc(op->cond), op->d);
            break;
        case IR_LABEL:
            e->fs_dirty_done = false;
            if (e->label_carry[op->d]) {
                cache_restore(e, &e->label_cache[op->d]);
            } else {
                cache_flush(e, true);
                for (int k = 0; k < NCACHE; k++) {
                    cache_drop(e, k);
                }
            }
            e->label_pos[op->d] = e->pos;
            break;
        case IR_CALL_INSN:
            e->fs_dirty_done = false;
            /* The handler reads and writes guest registers in memory. */
            cache_flush(e, true);
            for (int k = 0; k < NCACHE; k++) {
                if (e->reg_val[k] < IR_TEMP_BASE || !cache_saved[k]) {
                    cache_drop(e, k);
                }
            }
            set_cur_insn(e, op->insn);
            op_rr(e, 0x89, true, RSI, RAX);             /* mov rsi, rax */
            op_rr(e, 0x89, true, RDI, RBX);             /* mov rdi, rbx */
            call_abs(e, (const void *)op->insn->fn);
            page_slots_reset(e);
            op_rr(e, 0x85, false, RAX, RAX);            /* test eax, eax */
            jmp_label(e, CC_NE, epilogue + 1);
            break;
        case IR_FPOP:
            emit_fpop(e, op, epilogue);
            break;
        case IR_EXIT:
            if (op->a.is_const && f->tb && !(((uint64_t)op->a.c ^ f->tb->pc) & PAGE_MASK)) {
                if (e->loop && op->a.c == (int64_t)f->tb->pc && exits->n < 2) {
                    emit_loop_back(e, epilogue, exits);
                } else {
                    cache_flush(e, false);  /* guest registers back in the CPU struct */
                    emit_chain(e, op->a.c, epilogue, exits, false);
                }
            } else {
                load_arg(e, RAX, op->a);
                cache_flush(e, false);
                if (f->tb) {
                    /* Computed, or to another page (never chained): the jump cache. */
                    emit_lookup_goto(e, epilogue);
                } else {
                    op_rm(e, 0x89, true, RAX, RBX, offsetof(CPUState, pc));
                    jmp_label(e, -1, epilogue + 1);
                }
            }
            for (int k = 0; k < NCACHE; k++) {
                cache_drop(e, k);       /* nothing falls through an exit */
            }
            break;
        }
    }
    fp_run_end(e);
    /* epilogue + 1: count the TB's instructions, then leave. */
    e->label_pos[epilogue + 1] = e->pos;
    emit_count(e);
    e->label_pos[epilogue] = e->pos;
    set_cur_tb(e);                                      /* the TB leaving (jit_exec) */
    rex(e, true, 0, 0, RSP, false);
    b1(e, 0x81);
    modrm_rr(e, 0, RSP);
    b4(e, (uint32_t)e->frame);                          /* add rsp, frame */
    for (int r = R15; r >= R12; r--) {
        b1(e, 0x41);
        b1(e, 0x58 | (r & 7));                          /* pop r15..r12 */
    }
    b1(e, 0x5d);                                        /* pop rbp */
    b1(e, 0x5b);                                        /* pop rbx */
    b1(e, 0xc3);                                        /* ret */
    /* epilogue + 2: a computed exit not taken, rax = the pc. */
    e->label_pos[epilogue + 2] = e->pos;
    op_rm(e, 0x89, true, RAX, RBX, offsetof(CPUState, pc));
    jmp_label(e, -1, epilogue);
    emit_stubs(e);
    for (unsigned i = 0; i < e->n_fixups; i++) {
        size_t at = e->fixup[i].pos;
        patch4(e, at, (uint32_t)(e->label_pos[e->fixup[i].label] - (at + 4)));
    }
    return e->overflow ? 0 : e->pos;
}
