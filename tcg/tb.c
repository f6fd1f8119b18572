/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Translation-block cache (DESIGN.md §3): an arena of TBs, a global hash
 * table keyed by (guest-physical pc, guest-virtual pc, flags), the
 * per-vCPU jump cache, per-physical-page TB lists for invalidation on
 * stores to code, and tier 1's translation (decode loop) and runner.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tcg/tb.h"
#include "tcg/tlb.h"
#include "tcg/jit.h"
#include "hw/core/machine.h"
#include "gdbstub/gdbstub.h"
#include "util/error.h"
#include "util/trace.h"

#define TB_HASH_BITS 21
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
#define TB_ARENA_SIZE (256u << 20)
/* A TB with its instructions, and room for a two-page TB's alias, each rounded to TB_ALIGN. */
#define TB_MAX_BYTES (2 * sizeof(TranslationBlock) + (TB_MAX_INSNS + 1) * sizeof(TBInsn) + \
                      2 * TB_ALIGN)

/*
 * Process-wide: one code cache shared by all vCPUs, as in DESIGN.md §3.
 * Buckets and hash chains are written under tb_mutex (a TB is complete
 * before it is published) and read without it; the arena is reused only
 * by tb_flush, which runs with every hart parked.
 */
static TranslationBlock **tb_hash;  /* TB_HASH_SIZE buckets */
static uint8_t *tb_arena;
static size_t tb_arena_used;        /* under tb_mutex */
TBStats tb_stats;                   /* under tb_mutex, but for the dispatcher's (per hart) */
static pthread_mutex_t tb_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool tb_mutex_held;

void tb_lock(void)
{
    pthread_mutex_lock(&tb_mutex);
    tb_mutex_held = true;
}

void tb_unlock(void)
{
    tb_mutex_held = false;
    pthread_mutex_unlock(&tb_mutex);
}

void tb_lock_reset(void)
{
    if (tb_mutex_held) {
        tb_unlock();
    }
}

/*
 * Zeroed memory for the TB cache, backed by transparent huge pages where
 * the host allows: tb_find and compiled code's jump-cache lookups touch
 * TBs all over the arena and buckets all over the hash table, and with
 * 4 KiB pages nearly every such access also missed the host TLB.
 */
static void *tb_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);

    if (p == MAP_FAILED) {
        error_exit("out of memory for the translation cache (%zu MiB)", bytes >> 20);
    }
    madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

void tb_init(void)
{
    if (!tb_arena) {
        tb_arena = tb_alloc(TB_ARENA_SIZE);
        tb_hash = tb_alloc(TB_HASH_SIZE * sizeof(*tb_hash));
    }
}

/* Arena bytes taken by an object of `size` bytes: the next TB starts on a cache line. */
static inline size_t tb_arena_bytes(size_t size)
{
    return (size + TB_ALIGN - 1) & ~(size_t)(TB_ALIGN - 1);
}

static inline unsigned tb_hash_index(gpa_t phys_pc, gva_t pc, uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ull ^ pc * 0xc2b2ae3d27d4eb4full ^ flags;
    return (h >> 40) & (TB_HASH_SIZE - 1);
}

void tb_jmp_cache_clear(CPUState *cpu)
{
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

/* Unlink tb from its chain (TB lock held); a reader standing on tb still walks on. */
static void tb_hash_remove(TranslationBlock *tb)
{
    TranslationBlock **p = &tb_hash[tb_hash_index(tb->phys_pc, tb->pc, tb->flags)];

    for (; *p; p = &(*p)->hash_next) {
        if (*p == tb) {
            __atomic_store_n(p, tb->hash_next, __ATOMIC_RELEASE);
            return;
        }
    }
}

void tb_invalidate_phys_page(AddressSpace *as, MemoryRegion *mr, gpa_t page_addr)
{
    PageDesc *pd = &mr->pages[(page_addr - mr->base) >> PAGE_BITS];
    TranslationBlock *entry, *next;
    Machine *m = machine_from_as(as);
    bool locked = tb_mutex_held;

    if (!locked) {
        tb_lock();
    }
    entry = pd->first_tb;
    __atomic_store_n(&pd->first_tb, NULL, __ATOMIC_RELAXED);
    for (; entry; entry = next) {
        TranslationBlock *tb = entry->alias_of ? entry->alias_of : entry;
        next = entry->page_next;
        if (tb->invalid) {
            continue;           /* already dropped through its other page */
        }
        __atomic_store_n(&tb->invalid, true, __ATOMIC_RELEASE);
        tb_hash_remove(tb);
        jit_unlink_incoming(tb);
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            TranslationBlock **slot = &m->cpus[i]->jmp_cache[tb_jmp_cache_index(tb->pc)].tb;
            if (__atomic_load_n(slot, __ATOMIC_RELAXED) == tb) {
                __atomic_store_n(slot, NULL, __ATOMIC_RELAXED);
            }
        }
        tb_stats.invalidated++;
    }
    if (!locked) {
        tb_unlock();
    }
}

void tb_flush(CPUState *cpu)
{
    Machine *m = cpu->machine;
    bool locked = tb_mutex_held;

    /*
     * The harts are parked, but the main thread may be invalidating the
     * TBs of a page a device writes to (DMA, tb_invalidate_phys_page):
     * keep it off the lists while they are emptied and the arena reused.
     */
    if (!locked) {
        tb_lock();
    }
    memset(tb_hash, 0, TB_HASH_SIZE * sizeof(*tb_hash));
    for (unsigned i = 0; i < m->as.nr_regions; i++) {
        MemoryRegion *r = &m->as.regions[i];
        if (r->pages) {
            memset(r->pages, 0, (r->size >> PAGE_BITS) * sizeof(PageDesc));
        }
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        tb_jmp_cache_clear(m->cpus[i]);
    }
    tb_arena_used = 0;
    jit_flush();
    tb_stats.flushes++;
    if (!locked) {
        tb_unlock();
    }
}

/* Synthetic last entry of a TB that ends without a control transfer. */
static int tb_fallthrough(CPUState *cpu, const TBInsn *in)
{
    cpu->pc = in->pc;
    return 1;
}

/*
 * Host bytes of a 32-bit instruction whose upper half is on the next
 * page; returns that page's guest-physical address.
 */
static gpa_t fetch_straddling(CPUState *cpu, gva_t pc, const uint8_t *lo, uint8_t buf[4])
{
    gpa_t phys2 = tlb_translate_code(cpu, pc + 2);
    const uint8_t *hi = memory_host_ptr(cpu->as, phys2, 2);

    if (!hi) {
        cpu->cc->access_fault(cpu, pc + 2, ACCESS_FETCH);
    }
    st_le16(buf, memory_host_load(lo, 2));
    st_le16(buf + 2, memory_host_load(hi, 2));
    return phys2 & PAGE_MASK;
}

/* Make every hart's writes to the guest-physical page at paddr take the slow path. */
static void tb_protect_page(CPUState *cpu, gpa_t paddr)
{
    Machine *m = cpu->machine;

    for (unsigned i = 0; i < m->nr_cpus; i++) {
        tlb_set_notdirty(m->cpus[i], paddr & PAGE_MASK);
    }
}

/* Put tb on the TB list of the physical page at paddr (in mr), write-protecting it. */
static void tb_page_add(CPUState *cpu, TranslationBlock *tb, MemoryRegion *mr, gpa_t paddr)
{
    PageDesc *pd = &mr->pages[(paddr - mr->base) >> PAGE_BITS];

    tb->page_next = pd->first_tb;
    __atomic_store_n(&pd->first_tb, tb, __ATOMIC_RELEASE);
    if (!tb->page_next) {
        /* After first_tb is set, so that a TLB fill racing with this sees it. */
        tb_protect_page(cpu, paddr);
    }
}

/*
 * Whether tb's instructions (those on its first page) still read as
 * decoded from `host`, the code's bytes: another hart may have stored
 * into the page while it was decoded, before the page was protected.
 */
static bool tb_code_unchanged(const TranslationBlock *tb, const uint8_t *host, size_t avail)
{
    for (uint32_t i = 0; i < tb->n_insns; i++) {
        const TBInsn *in = &tb->insns[i];
        size_t off = in->pc - tb->pc;
        if (off + in->len > avail) {
            break;      /* straddles into the next page */
        }
        for (unsigned b = 0; b < in->len; b++) {
            if (__atomic_load_n(&host[off + b], __ATOMIC_RELAXED) != (uint8_t)(in->raw >> 8 * b)) {
                return false;
            }
        }
    }
    return true;
}

/*
 * Translate the TB at pc.  A single-step TB (debugger) holds one
 * instruction, ignores breakpoints and is never cached.  Otherwise a TB
 * ends before a gdb breakpoint address with an entry that stops there
 * (gdb_tb_break); such a TB stays in tier 1.
 */
static TranslationBlock *tb_gen_code(CPUState *cpu, gva_t pc, gpa_t phys_pc, uint32_t flags,
                                     bool step)
{
    MemoryRegion *mr = memory_find(cpu->as, phys_pc);
    GDBState *gdb = step ? NULL : cpu->machine->gdb;
    const uint8_t *host;
    size_t avail, off = 0;
    TranslationBlock *tb;
    unsigned n = 0, max_insns = step ? 1 : TB_MAX_INSNS, tries = 0;
    bool bp_stop = false, fresh_page;

    if (!mr || !mr->host) {
        cpu->cc->access_fault(cpu, pc, ACCESS_FETCH);
    }
    tb_lock();
retry:
    if (tb_arena_used + TB_MAX_BYTES > TB_ARENA_SIZE) {
        if (cpu->machine->threads) {
            /* Other harts run TBs in the arena: flush with them parked. */
            tb_unlock();
            cpu->flush_request = true;
            siglongjmp(cpu->jmp_env, CPU_EXIT_FLUSH);
        }
        tb_flush(cpu);
    }
    tb = (TranslationBlock *)(tb_arena + tb_arena_used);
    memset(tb, 0, sizeof(*tb));
    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->flags = flags;
    tb->mr = mr;
    tb->cacheable = true;
    host = mr->host + (phys_pc - mr->base);
    avail = PAGE_SIZE - (pc & ~PAGE_MASK);
    /*
     * With harts on threads, protect a page before its first TB's code is
     * read, so that a store from another hart is either seen by the
     * decoder or takes the slow path (tb_code_unchanged below catches one
     * that lands in between).
     */
    fresh_page = !step && cpu->machine->threads &&
                 !__atomic_load_n(&mr->pages[(phys_pc - mr->base) >> PAGE_BITS].first_tb,
                                  __ATOMIC_RELAXED);
    if (fresh_page) {
        tb_protect_page(cpu, phys_pc);
    }

    while (n < max_insns && off < avail) {
        TBInsn *in = &tb->insns[n];
        unsigned len;

        if (unlikely(gdb) && gdb_breakpoint_at(gdb, pc + off)) {
            bp_stop = true;
            break;
        }
        len = cpu->cc->decode(cpu, in, host + off, avail - off, pc + off, flags);
        if (len == 0) {
            if (n > 0) {
                break;          /* the next instruction straddles: a TB of its own */
            }
            uint8_t buf[4];
            tb->phys_pc2 = fetch_straddling(cpu, pc, host, buf);
            tb->two_pages = true;
            len = cpu->cc->decode(cpu, in, buf, 4, pc, flags);
        }
        n++;
        off += len;
        if (in->flags & TBI_END) {
            break;
        }
    }
    tb->n_insns = n;
    tb->size = off;
    if (step) {
        tb->cacheable = false;
    }
    if (bp_stop) {
        TBInsn *end = &tb->insns[n];
        memset(end, 0, sizeof(*end));
        end->fn = gdb_tb_break;
        end->pc = pc + off;
        end->flags = TBI_END;
        n++;
        tb->jit_failed = true;  /* tier 2 knows nothing of the stop entry */
    } else {
        tb->chainable = tb->cacheable && !tb->two_pages &&
                        (tb->insns[n - 1].flags & (TBI_END | TBI_JUMP)) != TBI_END;
    }
    if (!bp_stop && !(tb->insns[n - 1].flags & TBI_END)) {
        TBInsn *end = &tb->insns[n];
        memset(end, 0, sizeof(*end));
        end->fn = tb_fallthrough;
        end->pc = pc + off;
        end->flags = TBI_END;
        n++;
    }
    tb_arena_used += tb_arena_bytes(sizeof(*tb) + n * sizeof(TBInsn));
    tb_stats.translated++;
    cpu->tb_translated++;

    if (tb->cacheable) {
        unsigned h = tb_hash_index(phys_pc, pc, flags);
        MemoryRegion *mr2 = tb->two_pages ? memory_find(cpu->as, tb->phys_pc2) : NULL;
        /* Again once first_tb is set: a hart may have refilled its entry meanwhile. */
        tb_page_add(cpu, tb, mr, phys_pc);
        if (mr2 && mr2->host) {
            TranslationBlock *alias = (TranslationBlock *)(tb_arena + tb_arena_used);
            tb_arena_used += tb_arena_bytes(sizeof(*alias));
            memset(alias, 0, sizeof(*alias));
            alias->alias_of = tb;
            alias->invalid = true;
            tb_page_add(cpu, alias, mr2, tb->phys_pc2);
        }
        /*
         * A store from another hart either landed before this re-read or
         * sees first_tb afterwards (memory_write stores, fences, then
         * checks) and waits for the TB lock to invalidate this TB.
         */
        if (cpu->machine->threads) {
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
        }
        if (cpu->machine->threads && !tb_code_unchanged(tb, host, avail) && tries++ < 8) {
            /* Rewritten while decoded: drop what the page holds and decode again. */
            tb_invalidate_phys_page(cpu->as, mr, phys_pc & PAGE_MASK);
            n = 0;
            off = 0;
            bp_stop = false;
            goto retry;
        }
        tb->hash_next = tb_hash[h];
        __atomic_store_n(&tb_hash[h], tb, __ATOMIC_RELEASE);
    }
    tb_unlock();
    if (trace_enabled(TRACE_TB)) {
        trace_printf("translate: pc=0x%016" PRIx64 " phys=0x%016" PRIx64 " flags=%x insns=%u",
                     pc, phys_pc, flags, tb->n_insns);
    }
    return tb;
}

/* The code at pc is still on tb's physical page(s): translate (may raise) and compare. */
static bool tb_still_mapped(CPUState *cpu, const TranslationBlock *tb, gpa_t phys_pc)
{
    return phys_pc == tb->phys_pc &&
           (!tb->two_pages || (tlb_translate_code(cpu, tb->pc + 2) & PAGE_MASK) == tb->phys_pc2);
}

/* Stamp jump cache entry idx current for tb, noting the pages its mapping check covers. */
static void tb_jmp_cache_set(CPUState *cpu, unsigned idx, TranslationBlock *tb)
{
    unsigned b = tb_jmp_page_bit(tb->pc);

    cpu->jmp_cache_pages[b / 64] |= 1ull << (b % 64);
    if (tb->two_pages) {
        b = tb_jmp_page_bit(tb->pc + 2);
        cpu->jmp_cache_pages[b / 64] |= 1ull << (b % 64);
    }
    /* Atomic: tb_invalidate_phys_page on another hart may clear the slot. */
    __atomic_store_n(&cpu->jmp_cache[idx].tb, tb, __ATOMIC_RELAXED);
    cpu->jmp_cache[idx].epoch = cpu->jmp_cache_epoch;
}

/*
 * tb, found through a chain slot after compiled code left through a
 * computed exit: put it back in the jump cache when its entry was taken
 * by another TB or went stale, or that exit's inline lookup would miss,
 * and the chain slot serve it through the dispatcher, on every run.
 */
static void tb_jmp_cache_refill(CPUState *cpu, TranslationBlock *tb)
{
    unsigned idx = tb_jmp_cache_index(tb->pc);

    if (__atomic_load_n(&cpu->jmp_cache[idx].tb, __ATOMIC_RELAXED) == tb &&
        cpu->jmp_cache[idx].epoch == cpu->jmp_cache_epoch) {
        return;
    }
    if (tb_still_mapped(cpu, tb, tlb_translate_code(cpu, tb->pc))) {
        tb_jmp_cache_set(cpu, idx, tb);
    }
}

/* The cached TB for (pc, phys_pc, flags), or NULL; reads the chains without the lock. */
static TranslationBlock *tb_hash_find(CPUState *cpu, gva_t pc, gpa_t phys_pc, uint32_t flags)
{
    TranslationBlock *tb = __atomic_load_n(&tb_hash[tb_hash_index(phys_pc, pc, flags)],
                                           __ATOMIC_ACQUIRE);

    for (; tb; tb = __atomic_load_n(&tb->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb->pc == pc && tb->flags == flags && tb_still_mapped(cpu, tb, phys_pc)) {
            return tb;
        }
    }
    return NULL;
}

TranslationBlock *tb_find(CPUState *cpu)
{
    gva_t pc = cpu->pc;
    uint32_t flags = cpu->cc->tb_flags(cpu);
    unsigned idx = tb_jmp_cache_index(pc);
    TranslationBlock *tb;
    gpa_t phys_pc;

    if (unlikely(cpu->machine->debug_single_step)) {
        return tb_gen_code(cpu, pc, tlb_translate_code(cpu, pc), flags, true);
    }
    tb = __atomic_load_n(&cpu->jmp_cache[idx].tb, __ATOMIC_ACQUIRE);
    /*
     * A current entry is still mapped the same way: every TLB flush
     * (satp writes, sfence.vma, PMP changes) makes the entries stale, as
     * the mapping may only change for this hart after one.  A stale
     * entry is checked against the mapping and made current again.
     * An invalid TB may sit in a current entry: another hart can
     * invalidate it between our lookup and tb_jmp_cache_set below, after
     * it cleared the slot (compiled code's lookup checks it too).
     */
    if (likely(tb && tb->pc == pc && tb->flags == flags && !tb_invalid(tb))) {
        if (likely(cpu->jmp_cache[idx].epoch == cpu->jmp_cache_epoch)) {
            cpu->stat_jmp_cache_hits++;
            return tb;
        }
        phys_pc = tlb_translate_code(cpu, pc);
        if (tb_still_mapped(cpu, tb, phys_pc)) {
            tb_jmp_cache_set(cpu, idx, tb);
            cpu->stat_jmp_cache_hits++;
            return tb;
        }
    } else {
        phys_pc = tlb_translate_code(cpu, pc);
    }
    cpu->stat_hash_lookups++;
    tb = tb_hash_find(cpu, pc, phys_pc, flags);
    if (!tb) {
        tb = tb_gen_code(cpu, pc, phys_pc, flags, false);
    }
    if (tb->cacheable) {
        tb_jmp_cache_set(cpu, idx, tb);
    }
    return tb;
}

TranslationBlock *tb_find_next(CPUState *cpu, TranslationBlock *prev)
{
    gva_t pc = cpu->pc;
    TranslationBlock *tb;

    if (prev && prev->chainable && !tb_invalid(prev)) {
        for (int i = 0; i < 2; i++) {
            tb = __atomic_load_n(&prev->chain[i], __ATOMIC_ACQUIRE);
            if (tb && tb->pc == pc && !tb_invalid(tb)) {
                cpu->stat_chain_hits++;
                if (tb_jit_code(prev) && tb_jit_code(tb)) {
                    if (jit_link_needed(prev, tb)) {
                        tb_lock();
                        if (!tb_invalid(prev) && !tb_invalid(tb)) {
                            jit_link(prev, tb);
                        }
                        tb_unlock();
                    }
                    tb_jmp_cache_refill(cpu, tb);
                }
                return tb;
            }
        }
    }
    tb = tb_find(cpu);
    if (prev && prev->chainable && tb->cacheable && !tb->two_pages &&
        tb->flags == prev->flags && ((tb->pc ^ prev->pc) & PAGE_MASK) == 0) {
        tb_lock();
        if (!tb_invalid(prev) && !tb_invalid(tb)) {
            int slot = prev->chain[0] ? (prev->chain[1] ? prev->chain_next++ & 1 : 1) : 0;
            __atomic_store_n(&prev->chain[slot], tb, __ATOMIC_RELEASE);
            if (tb_jit_code(prev) && tb_jit_code(tb)) {
                jit_link(prev, tb);
            }
        }
        tb_unlock();
    }
    return tb;
}

static void trace_insn(CPUState *cpu, const TBInsn *in)
{
    char buf[128];

    cpu->cc->disas(buf, sizeof(buf), in->pc, in->raw);
    trace_printf("0x%016" PRIx64 ":  %08x  %s", in->pc, in->raw, buf);
}

void tb_exec_interp(CPUState *cpu, TranslationBlock *tb)
{
    const TBInsn *in = tb->insns;

    cpu->cur_tb = tb;
    __atomic_store_n(&tb->exec_count, tb_exec_count(tb) + 1, __ATOMIC_RELAXED);
    if (trace_enabled(TRACE_TB | TRACE_INSN)) {
        if (trace_flags & TRACE_TB) {
            trace_printf("exec: pc=0x%016" PRIx64 " flags=%x", tb->pc, tb->flags);
        }
        for (;; in++) {
            cpu->cur_insn = in;
            if ((trace_flags & TRACE_INSN) && in < tb->insns + tb->n_insns) {
                trace_insn(cpu, in);
            }
            if (in->fn(cpu, in)) {
                break;
            }
        }
    } else {
        for (;; in++) {
            cpu->cur_insn = in;
            if (in->fn(cpu, in)) {
                break;
            }
        }
    }
    cpu->icount += tb->n_insns;
    cpu->cur_insn = NULL;
    cpu->cur_tb = NULL;
}
