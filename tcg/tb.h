/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Translation blocks (DESIGN.md §3): a straight-line run of guest
 * instructions, pre-decoded for tier 1.  A TB is keyed by its
 * guest-physical pc, its guest-virtual pc and the ISA's translation
 * flags; found through the per-vCPU jump cache (keyed by virtual pc; a
 * TLB flush makes its entries stale, and tb_find checks a stale one
 * against the code mapping), then a global hash table; and linked into the page descriptor of the physical page its
 * code lives on, so a store to that page can invalidate it.
 */
#ifndef VM_TCG_TB_H
#define VM_TCG_TB_H

#include "tcg/cpu.h"

#define TB_MAX_INSNS 64

typedef struct TranslationBlock {
    /*
     * The first 64 bytes (TBs start on a cache line, TB_ALIGN) hold what
     * the dispatcher (tb_find, tb_find_next, cpu_exec), the hash chain
     * walk and the JIT's jump-cache lookup read, so that finding and
     * entering a TB touches one line of it.
     */
    gva_t pc;                       /* guest-virtual pc of the first instruction */
    uint32_t flags;                 /* CPUClass.tb_flags at translation */
    bool invalid;                   /* unlinked: never entered again */
    bool cacheable;                 /* false: a debugger single step, run once and dropped */
    bool two_pages;                 /* see phys_pc2 */
    bool chainable;                 /* ends in a jump or falls through: successors may be linked */
    void *jit_code;                 /* tier-2 host code (tcg/jit.h), or NULL */
    /*
     * Tier-1 chaining: up to two successors on the same guest-virtual
     * page (taken / not taken), found without a lookup: a slot serves a
     * pc equal to its TB's pc.  A successor is used only while it is
     * valid; same-page keeps the mapping checked.  Written under the TB
     * lock, read without it.
     */
    struct TranslationBlock *chain[2];
    struct TranslationBlock *hash_next;

    gpa_t phys_pc;                  /* guest-physical pc */
    uint32_t n_insns;               /* guest instructions (the final TBInsn may be synthetic) */
    uint32_t size;                  /* guest code bytes */
    unsigned chain_next;            /* which chain slot to replace when both are taken */
    uint64_t exec_count;            /* tier-1 executions (tiering heuristic) */
    /*
     * two_pages: one instruction straddling into the next virtual page,
     * whose physical page is phys_pc2: found only while that page still
     * maps there, never a chaining target, and listed on that page too
     * through an alias entry (alias_of: the real TB).
     */
    gpa_t phys_pc2;
    struct TranslationBlock *alias_of;
    /*
     * Tier-2 direct jumps (tcg/jit.h): constant exit `slot` to
     * guest-virtual jmp_pc[slot] is a jmp rel32 at byte jmp_off[slot] of
     * jit_code (0: none), leading to jmp_dest[slot]'s code (NULL: to the
     * dispatcher).  jmp_incoming lists the (TB | slot) jumping here,
     * chained through their jmp_next[slot].
     */
    uint32_t jmp_off[2];
    gva_t jmp_pc[2];
    struct TranslationBlock *jmp_dest[2];
    uintptr_t jmp_next[2];
    uintptr_t jmp_incoming;
    bool jit_failed;                /* tier 2 cannot compile it: stay in tier 1 */
    struct TranslationBlock *page_next;
    MemoryRegion *mr;               /* host-backed region holding the code */
    TBInsn insns[];                 /* n_insns entries + 1 synthetic end if needed */
} TranslationBlock;

/* Alignment of TBs in the arena (bytes): one host cache line. */
#define TB_ALIGN 64
_Static_assert(offsetof(TranslationBlock, hash_next) + sizeof(void *) <= TB_ALIGN,
               "the dispatcher's fields share the first cache line");

/* Global TB state: one per process (the TB arena and the hash table). */
void tb_init(void);

/*
 * The TB lock: translation, chaining, compilation and invalidation take
 * it; lookups (jump cache, hash chains, chain slots) never do.  Not
 * recursive.  tb_lock_reset() drops it if the calling thread holds it
 * (the unwind of a fault raised while translating).
 */
void tb_lock(void);
void tb_unlock(void);
void tb_lock_reset(void);

/* tb's compiled code, or NULL (published by the compiler with release order). */
static inline void *tb_jit_code(const TranslationBlock *tb)
{
    return __atomic_load_n(&tb->jit_code, __ATOMIC_ACQUIRE);
}

/* Whether tb was invalidated (another hart may do it at any time). */
static inline bool tb_invalid(const TranslationBlock *tb)
{
    return __atomic_load_n(&tb->invalid, __ATOMIC_ACQUIRE);
}

/* tb's tier-1 executions: a heuristic, counted without atomics' cost. */
static inline uint64_t tb_exec_count(const TranslationBlock *tb)
{
    return __atomic_load_n(&tb->exec_count, __ATOMIC_RELAXED);
}

/*
 * The TB for the current state of cpu at cpu->pc: jump cache, then hash
 * table, then translation.  Raises instruction faults (cpu_raise_exception).
 */
TranslationBlock *tb_find(CPUState *cpu);

/* Invalidate every TB with code in the physical page at page_addr. */
void tb_invalidate_phys_page(AddressSpace *as, MemoryRegion *mr, gpa_t page_addr);

/*
 * Drop every TB (arena full, or debugging).  With harts on threads, the
 * caller has paused them (cpus_pause); takes the TB lock unless held.
 */
void tb_flush(CPUState *cpu);

/*
 * Jump cache index: a hash of the virtual pc (instructions are 2-byte
 * aligned).  The JIT's lookup-and-goto emits the same computation.
 */
static inline unsigned tb_jmp_cache_index(gva_t pc)
{
    return ((pc >> 1) ^ (pc >> (1 + TB_JMP_CACHE_BITS))) & (TB_JMP_CACHE_SIZE - 1);
}

/* Bit of cpu->jmp_cache_pages for the guest-virtual page holding pc. */
static inline unsigned tb_jmp_page_bit(gva_t pc)
{
    return (pc >> PAGE_BITS) & (TB_JMP_PAGES_BITS - 1);
}

/* Whether a current jump cache entry may depend on the mapping of pc's page. */
static inline bool tb_jmp_page_used(const CPUState *cpu, gva_t pc)
{
    unsigned b = tb_jmp_page_bit(pc);
    return cpu->jmp_cache_pages[b / 64] >> (b % 64) & 1;
}

/* Make every jump cache entry stale (a TLB flush: the code mapping may change). */
static inline void tb_jmp_cache_stale(CPUState *cpu)
{
    cpu->jmp_cache_epoch++;
    memset(cpu->jmp_cache_pages, 0, sizeof(cpu->jmp_cache_pages));
}

/* Empty the jump cache (TB flush, vCPU creation). */
void tb_jmp_cache_clear(CPUState *cpu);

/*
 * The TB to run after `prev` for the current cpu->pc: a linked successor
 * when there is one, else tb_find(), linking the result into prev when
 * allowed.  prev may be NULL (after a trap, interrupt or state change).
 */
TranslationBlock *tb_find_next(CPUState *cpu, TranslationBlock *prev);

/* Tier 1: run one TB. */
void tb_exec_interp(CPUState *cpu, TranslationBlock *tb);

/* Counters for --jit-stats and the monitor. */
typedef struct TBStats {
    uint64_t translated, invalidated, flushes;
} TBStats;
extern TBStats tb_stats;

#endif /* VM_TCG_TB_H */
