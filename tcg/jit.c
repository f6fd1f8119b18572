/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tier-2 compilation driver (DESIGN.md §3, tcg/jit.h): TB -> IR through
 * the guest front end, IR optimizer, host back end into the code buffer,
 * and the --jit-stats report.
 */
#include "tcg/jit.h"
#include "tcg/ir.h"
#include "tcg/tlb.h"
#include "hw/core/machine.h"
#include "util/trace.h"

/* Room reserved per TB: 64 instructions need a few KiB; the back end checks. */
#define JIT_TB_ROOM (256u << 10)

JITStats jit_stats;

/* Record that src's jump `slot` leads to dst (dst's incoming list). */
static void jmp_list_add(TranslationBlock *src, int slot, TranslationBlock *dst)
{
    src->jmp_dest[slot] = dst;
    src->jmp_next[slot] = dst->jmp_incoming;
    dst->jmp_incoming = (uintptr_t)src | (uintptr_t)slot;
}

JITResult jit_compile(CPUState *cpu, TranslationBlock *tb, bool hot)
{
    static IRFunc func;     /* large; under the TB lock (the caller holds it) */
    IRFunc *f = &func;
    void *exec;
    uint8_t *code;
    size_t len;
    JITExits exits;
    unsigned before, after = 0;

    if (!cpu->cc->translate || !cpu->cc->translate(cpu, tb, f)) {
        tb->jit_failed = true;
        jit_stats.failed++;
        return JIT_UNSUPPORTED;
    }
    f->tb = tb;
    f->n_insns = tb->n_insns;
    f->count_stats = cpu->machine && cpu->machine->cfg && cpu->machine->cfg->jit_stats;
    before = f->n_ops;
    ir_optimize(f);
    for (unsigned i = 0; i < f->n_ops; i++) {
        after += f->ops[i].opc != IR_NOP;
    }
    code = jit_buffer_alloc(JIT_TB_ROOM, &exec);
    if (!code) {
        return JIT_FULL;
    }
    len = jit_backend_emit(f, code, JIT_TB_ROOM, &exits);
    jit_buffer_commit(len);
    if (len == 0) {
        tb->jit_failed = true;
        jit_stats.failed++;
        return JIT_UNSUPPORTED;
    }
    for (unsigned i = 0; i < exits.n; i++) {
        tb->jmp_off[i] = exits.off[i];
        tb->jmp_pc[i] = exits.pc[i];
        if (exits.self[i]) {
            jmp_list_add(tb, (int)i, tb);   /* invalidation unpatches it like any other */
        }
    }
    /* Published last: other harts run it as soon as they see it. */
    __atomic_store_n(&tb->jit_code, exec, __ATOMIC_RELEASE);
    jit_stats.code_bytes += len;
    jit_stats.ir_ops += before;
    jit_stats.ir_ops_removed += before - after;
    if (hot) {
        jit_stats.compiled_auto++;
    } else {
        jit_stats.compiled_jit++;
    }
    if (trace_enabled(TRACE_TB)) {
        trace_printf("jit: pc=0x%016" PRIx64 " insns=%u ir=%u->%u bytes=%zu", tb->pc,
                     tb->n_insns, before, after, len);
    }
    return JIT_OK;
}

/* Take src's jump `slot` out of its destination's incoming list. */
static void jmp_list_remove(TranslationBlock *src, int slot)
{
    uintptr_t me = (uintptr_t)src | (uintptr_t)slot;
    uintptr_t *p = &src->jmp_dest[slot]->jmp_incoming;

    while (*p) {
        TranslationBlock *t = (TranslationBlock *)(*p & ~(uintptr_t)1);
        if (*p == me) {
            *p = src->jmp_next[slot];
            return;
        }
        p = &t->jmp_next[*p & 1];
    }
}

void jit_link(TranslationBlock *src, TranslationBlock *dst)
{
    _Static_assert(_Alignof(TranslationBlock) >= 2, "slot in the pointer's low bit");

    for (int s = 0; s < 2; s++) {
        if (src->jmp_off[s] && src->jmp_pc[s] == dst->pc && src->jmp_dest[s] != dst) {
            if (src->jmp_dest[s]) {
                jmp_list_remove(src, s);
            }
            jit_backend_patch_jump(src, s, dst);
            jmp_list_add(src, s, dst);
        }
    }
}

void jit_unlink_incoming(TranslationBlock *tb)
{
    uintptr_t p = tb->jmp_incoming;

    tb->jmp_incoming = 0;
    while (p) {
        TranslationBlock *src = (TranslationBlock *)(p & ~(uintptr_t)1);
        int s = (int)(p & 1);
        p = src->jmp_next[s];
        if (src->jmp_dest[s] == tb) {
            jit_backend_patch_jump(src, s, NULL);
            src->jmp_dest[s] = NULL;
        }
    }
}

void jit_flush(void)
{
    if (jit_buffer_used()) {
        jit_stats.flushes++;
    }
    jit_buffer_reset();
}

/* Percentage of part in whole (0 when whole is 0). */
static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void jit_print_stats(CPUState *cpu, FILE *fp)
{
    uint64_t misses = cpu ? cpu->tlb_misses : 0;
    CPUState sum = { 0 };
    Machine *m = cpu ? cpu->machine : NULL;

    for (unsigned i = 0; m && i < m->nr_cpus; i++) {
        const CPUState *c = m->cpus[i];
        sum.stat_chain_hits += c->stat_chain_hits;
        sum.stat_jmp_cache_hits += c->stat_jmp_cache_hits;
        sum.stat_hash_lookups += c->stat_hash_lookups;
        sum.jit_tlb_lookups += c->jit_tlb_lookups;
        sum.jit_tlb_slow += c->jit_tlb_slow;
        sum.jit_chain_exits += c->jit_chain_exits;
        sum.jit_chain_taken += c->jit_chain_taken;
        sum.jit_jc_lookups += c->jit_jc_lookups;
        sum.jit_jc_hits += c->jit_jc_hits;
    }

    fprintf(fp, "jit-stats: TBs translated: %" PRIu64 " (tier 1), %" PRIu64 " compiled at "
            "first run, %" PRIu64 " compiled hot, %" PRIu64 " left to tier 1\n",
            tb_stats.translated, jit_stats.compiled_jit, jit_stats.compiled_auto,
            jit_stats.failed);
    fprintf(fp, "jit-stats: code bytes: %" PRIu64 " emitted, %zu in buffer; IR ops %" PRIu64
            ", %" PRIu64 " removed by the optimizer\n", jit_stats.code_bytes,
            jit_buffer_used(), jit_stats.ir_ops, jit_stats.ir_ops_removed);
    fprintf(fp, "jit-stats: chain hits: %" PRIu64 ", jump cache hits: %" PRIu64
            ", hash lookups: %" PRIu64 "\n", sum.stat_chain_hits, sum.stat_jmp_cache_hits,
            sum.stat_hash_lookups);
    fprintf(fp, "jit-stats: TLB misses (hart 0): %" PRIu64 ", slow-path hits: %" PRIu64 "\n",
            misses, cpu ? cpu->tlb_hits_slow : 0);
    if (cpu) {
        fprintf(fp, "jit-stats: TLB entries per MMU mode (hart 0):");
        for (int i = 0; i < NB_MMU_MODES; i++) {
            fprintf(fp, " %zu", tlb_size(cpu, i));
        }
        fprintf(fp, "\n");
    }
    fprintf(fp, "jit-stats: inline TLB (all harts): %" PRIu64 " lookups, %" PRIu64
            " hits (%.1f%%), %" PRIu64 " to the slow path\n", sum.jit_tlb_lookups,
            sum.jit_tlb_lookups - sum.jit_tlb_slow,
            pct(sum.jit_tlb_lookups - sum.jit_tlb_slow, sum.jit_tlb_lookups), sum.jit_tlb_slow);
    fprintf(fp, "jit-stats: compiled exits (all harts): %" PRIu64 " direct, %" PRIu64
            " chained (%.1f%%); %" PRIu64 " computed or to another page, %" PRIu64
            " jump cache hits (%.1f%%)\n",
            sum.jit_chain_exits, sum.jit_chain_taken,
            pct(sum.jit_chain_taken, sum.jit_chain_exits), sum.jit_jc_lookups, sum.jit_jc_hits,
            pct(sum.jit_jc_hits, sum.jit_jc_lookups));
    fprintf(fp, "jit-stats: flushes: %" PRIu64 " TB cache, %" PRIu64 " code buffer; "
            "invalidated TBs: %" PRIu64 "\n", tb_stats.flushes, jit_stats.flushes,
            tb_stats.invalidated);
}
