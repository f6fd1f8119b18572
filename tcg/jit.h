/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tier 2 of the execution engine (DESIGN.md §3): compiles a TB's
 * pre-decoded instructions through the IR (tcg/ir.h, the guest's
 * CPUClass.translate, tcg/opt.c) into host code (tcg/x86_64/) placed in a
 * W^X code buffer, and runs it.  A compiled TB behaves exactly like its
 * tier-1 run: it sets cpu->pc, counts tb->n_insns into cpu->icount, and
 * raises faults precisely through cpu->cur_insn.  Code is freed only by
 * tb_flush() (which calls jit_flush()).
 */
#ifndef VM_TCG_JIT_H
#define VM_TCG_JIT_H

#include <stdio.h>

#include "tcg/tb.h"

/* Executions in tier 1 before tier=auto compiles a TB. */
#define JIT_AUTO_THRESHOLD 50

typedef void (*JITCodeFn)(CPUState *cpu);

typedef enum { JIT_OK = 0, JIT_UNSUPPORTED = -1, JIT_FULL = -2 } JITResult;

typedef struct JITStats {
    uint64_t compiled_jit, compiled_auto; /* TBs compiled at first run / once hot */
    uint64_t failed;                       /* TBs left to tier 1 (IR too large) */
    uint64_t code_bytes;                   /* host code emitted since start (bytes) */
    uint64_t flushes;                      /* code buffer full: everything dropped */
    uint64_t ir_ops, ir_ops_removed;       /* IR ops before and removed by the optimizer */
} JITStats;
extern JITStats jit_stats;

/*
 * Compile tb into host code and set tb->jit_code.  JIT_FULL: the code
 * buffer is full (the caller calls tb_flush() and goes on in tier 1);
 * JIT_UNSUPPORTED: never compile this TB (tb->jit_failed is set).
 */
JITResult jit_compile(CPUState *cpu, TranslationBlock *tb, bool hot);

/* Drop all host code (from tb_flush). */
void jit_flush(void);

/*
 * Chained TBs run at most this many in a row before the dispatcher polls
 * timers and interrupts again (exit_request is checked at every link).
 * Each return to the dispatcher costs a jump-cache lookup and an
 * interrupt check, so the budget is large; tcg/exec.c scales its poll
 * intervals (counted in dispatcher passes) by it.
 */
#define JIT_CHAIN_BUDGET 512

/*
 * Run a compiled TB (the tier-2 counterpart of tb_exec_interp) and the
 * compiled TBs it chains to.  The code counts each TB's instructions into
 * cpu->icount and keeps cpu->cur_tb on the TB running.  Returns the last
 * TB run, the one the dispatcher may link a successor to.
 */
static inline TranslationBlock *jit_exec(CPUState *cpu, TranslationBlock *tb)
{
    TranslationBlock *last;

    cpu->cur_tb = tb;
    ((JITCodeFn)tb->jit_code)(cpu);
    last = cpu->cur_tb;
    cpu->cur_insn = NULL;
    cpu->cur_tb = NULL;
    return last;
}

/* Print the --jit-stats summary (TB, code buffer, chaining and TLB counters). */
void jit_print_stats(CPUState *cpu, FILE *fp);

/*
 * Direct chaining: make src's compiled constant exit to dst->pc jump
 * straight into dst's code (both compiled, dst on src's page with src's
 * flags: the caller checks), and remember it in dst's incoming list.
 */
void jit_link(TranslationBlock *src, TranslationBlock *dst);

/* Whether jit_link(src, dst) would patch anything (read without the TB lock). */
static inline bool jit_link_needed(const TranslationBlock *src, const TranslationBlock *dst)
{
    for (int s = 0; s < 2; s++) {
        if (src->jmp_off[s] && src->jmp_pc[s] == dst->pc &&
            __atomic_load_n(&src->jmp_dest[s], __ATOMIC_RELAXED) != dst) {
            return true;
        }
    }
    return false;
}
/* Send every compiled jump into tb back to the dispatcher (tb is invalidated). */
void jit_unlink_incoming(TranslationBlock *tb);

/* --- Back end contract (tcg/x86_64/) ------------------------------------ */

struct IRFunc;
/* The patchable direct jumps of one TB's code: byte offsets of their rel32 and targets. */
typedef struct JITExits {
    unsigned n;
    uint32_t off[2];
    gva_t pc[2];
    bool self[2];       /* a loop: the jump already leads into the TB's own code */
} JITExits;
/*
 * Emit host code for f at code (writable view), at most `room` bytes.
 * Returns the number of bytes written, or 0 when it did not fit.  With
 * f->tb set, the first two constant exits become patchable jumps,
 * reported in *exits (may be NULL: no chaining).
 */
size_t jit_backend_emit(const struct IRFunc *f, uint8_t *code, size_t room, JITExits *exits);
/*
 * Whether the back end emits BMI2 (shlx/shrx/sarx, rorx; CPUID.7.0:EBX
 * bit 8): on by default when the host has it.  on = false forces the
 * legacy encodings (tests cover both); returns the setting now in effect.
 */
bool jit_backend_use_bmi2(bool on);
/* Point src's jump `slot` at dst's code, or back at the dispatcher when dst is NULL. */
void jit_backend_patch_jump(TranslationBlock *src, int slot, const TranslationBlock *dst);
/* Overwrite 4 bytes of emitted code at its executable address (through the writable view). */
void jit_buffer_write4(void *exec_at, uint32_t v);
/*
 * The code buffer: a writable and an executable view of the same pages.
 * jit_buffer_alloc returns the writable address for `room` bytes and sets
 * *exec to where that code will run, or NULL when the buffer is full.
 */
uint8_t *jit_buffer_alloc(size_t room, void **exec);
void jit_buffer_commit(size_t used);
void jit_buffer_reset(void);
size_t jit_buffer_used(void);

#endif /* VM_TCG_JIT_H */
