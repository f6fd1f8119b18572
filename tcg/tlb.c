/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Softmmu TLB slow paths, refill, flushes and resizing (DESIGN.md §3).
 * The main table is direct-mapped per MMU mode and sized at each flush
 * for the working set seen since (QEMU's policy, see tlb_flush in
 * tcg/tlb.h); entries it evicts go to a small fully associative victim
 * table, so two pages that collide on the index do not evict each other
 * on every access.  Accesses to MMIO,
 * to pages holding translated code and across page boundaries come
 * here and go through the guest physical memory map.
 */
#include "tcg/tlb.h"
#include "tcg/tb.h"
#include <stdlib.h>

#include "hw/core/machine.h"
#include "hw/core/clock.h"
#include "gdbstub/gdbstub.h"
#include "util/error.h"

/* A table under 30% filled for this long shrinks (host ns). */
#define TLB_WINDOW_NS 100000000

/*
 * Read/write tag flag of pages holding a gdb watchpoint: their accesses
 * take the slow path, which checks the watched ranges.
 */
#define TLB_WATCH (1ull << 3)

/*
 * cpu->tlb_lock, when the harts run on threads: other threads set
 * TLB_NOTDIRTY in this hart's write tags (tlb_set_notdirty_range), so the
 * owner holds it while it rewrites or frees entries; its lookups need not,
 * but read addr_write with relaxed atomic loads (plain movs).
 */
static inline void tlb_lock_cpu(CPUState *cpu)
{
    if (cpu->machine && cpu->machine->threads) {
        pthread_mutex_lock(&cpu->tlb_lock);
    }
}

static inline void tlb_unlock_cpu(CPUState *cpu)
{
    if (cpu->machine && cpu->machine->threads) {
        pthread_mutex_unlock(&cpu->tlb_lock);
    }
}

/* The owner's view of a tag, without tlb_lock: addr_write may change under it. */
static inline gva_t tag_for(const TLBEntry *e, AccessType access)
{
    return access == ACCESS_READ ? e->addr_read
         : access == ACCESS_WRITE ? __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED)
         : e->addr_code;
}

/* A tag that translates `page` (possibly with slow-path flags). */
static inline bool tag_matches(gva_t tag, gva_t page)
{
    return !(tag & TLB_INVALID) && (tag & PAGE_MASK) == page;
}

static const TLBEntry invalid_entry = {
    .addr_read = ~0ull, .addr_write = ~0ull, .addr_code = ~0ull,
};

static bool entry_valid(const TLBEntry *e)
{
    return !(e->addr_read & e->addr_write & e->addr_code & TLB_INVALID);
}

/* A table of `size` invalid entries followed by their `size` paddr words, or NULL. */
static TLBEntry *tlb_table_new(size_t size)
{
    TLBEntry *t = malloc(size * (sizeof(*t) + sizeof(gpa_t)));

    for (size_t i = 0; t && i < size; i++) {
        t[i] = invalid_entry;
        ((gpa_t *)(t + size))[i] = 0;
    }
    return t;
}

/* Install table t of `size` entries for mmu_idx. */
static void tlb_table_set(CPUState *cpu, int mmu_idx, TLBEntry *t, size_t size)
{
    cpu->tlb[mmu_idx] = t;
    cpu->tlb_mask[mmu_idx] = size - 1;
    cpu->tlb_index_mask[mmu_idx] = (size - 1) << TLB_ENTRY_BITS;
}

/* Guest-physical page of entry e, which is in mmu_idx's table or victim table. */
static gpa_t *tlb_paddr(CPUState *cpu, int mmu_idx, const TLBEntry *e)
{
    const TLBEntry *t = cpu->tlb[mmu_idx];
    size_t size = tlb_size(cpu, mmu_idx);

    if (e >= t && e < t + size) {
        return tlb_paddr_array(cpu, mmu_idx) + (e - t);
    }
    return &cpu->tlb_victim_paddr[mmu_idx][e - cpu->tlb_victim[mmu_idx]];
}

void tlb_init(CPUState *cpu)
{
    int64_t now = clock_host_ns();

    pthread_mutex_init(&cpu->tlb_lock, NULL);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        TLBEntry *t = tlb_table_new(1u << TLB_DEFAULT_BITS);
        if (!t) {
            error_exit("out of memory for the TLB");
        }
        tlb_table_set(cpu, m, t, 1u << TLB_DEFAULT_BITS);
        cpu->tlb_use[m] = (struct TLBUse){ .window_start = now };
    }
    tlb_flush(cpu);
}

/*
 * Size mmu_idx's table for its use since the last flush (QEMU's
 * tlb_mmu_resize_locked policy).  The table is refilled empty by the
 * caller; on allocation failure the old one stays.
 */
static void tlb_resize(CPUState *cpu, int mmu_idx, int64_t now)
{
    struct TLBUse *u = &cpu->tlb_use[mmu_idx];
    size_t size = tlb_size(cpu, mmu_idx), new_size = size, rate;
    bool window_over = now - u->window_start > TLB_WINDOW_NS;
    TLBEntry *t;

    if (u->used > u->window_max) {
        u->window_max = u->used;
    }
    rate = u->window_max * 100 / size;
    if (rate > 70 && size < (1u << TLB_MAX_BITS)) {
        new_size = size * 2;
    } else if (rate < 30 && window_over) {
        new_size = 1u << TLB_MIN_BITS;
        while (new_size < u->window_max) {
            new_size *= 2;
        }
        if (u->window_max * 100 / new_size > 70 && new_size < (1u << TLB_MAX_BITS)) {
            new_size *= 2;
        }
    }
    if (new_size == size || !(t = tlb_table_new(new_size))) {
        if (window_over) {
            u->window_start = now;
            u->window_max = u->used;
        }
        return;
    }
    free(cpu->tlb[mmu_idx]);
    tlb_table_set(cpu, mmu_idx, t, new_size);
    u->window_start = now;
    u->window_max = 0;
}

/* Find a valid entry for the page of addr: main table, then victim (swapped in). */
static TLBEntry *tlb_lookup(CPUState *cpu, int mmu_idx, gva_t addr, AccessType access)
{
    gva_t page = addr & PAGE_MASK;
    TLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (tag_matches(tag_for(e, access), page)) {
        return e;
    }
    for (unsigned i = 0; i < TLB_VICTIM_SIZE; i++) {
        TLBEntry *v = &cpu->tlb_victim[mmu_idx][i];
        if (tag_matches(tag_for(v, access), page)) {
            TLBEntry tmp;
            gpa_t *pe = tlb_paddr(cpu, mmu_idx, e), *pv = tlb_paddr(cpu, mmu_idx, v);
            gpa_t ptmp;
            tlb_lock_cpu(cpu);
            tmp = *e;
            ptmp = *pe;
            *e = *v;
            *v = tmp;
            *pe = *pv;
            *pv = ptmp;
            tlb_unlock_cpu(cpu);
            return e;
        }
    }
    return NULL;
}

void tlb_set_page(CPUState *cpu, int mmu_idx, gva_t vaddr, gpa_t paddr, unsigned prot)
{
    TLBEntry *e = tlb_entry(cpu, mmu_idx, vaddr);
    MemoryRegion *mr = memory_find(cpu->as, paddr);
    Machine *m = cpu->machine;
    gva_t flags = 0, wflags = 0, dflags = 0;

    tlb_lock_cpu(cpu);
    if (entry_valid(e)) {
        unsigned slot = cpu->tlb_victim_next[mmu_idx]++ % TLB_VICTIM_SIZE;
        cpu->tlb_victim[mmu_idx][slot] = *e;
        cpu->tlb_victim_paddr[mmu_idx][slot] = *tlb_paddr(cpu, mmu_idx, e);
        cpu->tlb_use[mmu_idx].evicted++;
    } else {
        cpu->tlb_use[mmu_idx].used++;
    }
    *e = invalid_entry;
    *tlb_paddr(cpu, mmu_idx, e) = paddr | ((prot & TLB_PROT_GLOBAL) ? TLB_PADDR_GLOBAL : 0);
    cpu->tlb_use[mmu_idx].nonglobal += !(prot & TLB_PROT_GLOBAL);
    if (mr && mr->host) {
        e->addend = (uintptr_t)(mr->host + (paddr - mr->base)) - vaddr;
        if (mr->readonly) {
            wflags = TLB_MMIO;
        } else if (memory_page_write_slow(mr, (paddr - mr->base) >> PAGE_BITS)) {
            wflags = TLB_NOTDIRTY;
        }
    } else {
        flags = TLB_MMIO;
    }
    if (unlikely(m->debug_watch) && gdb_watch_page(m->gdb, vaddr)) {
        dflags = TLB_WATCH;
    }
    if (prot & (1u << ACCESS_READ)) {
        e->addr_read = vaddr | flags | dflags;
    }
    if (prot & (1u << ACCESS_WRITE)) {
        e->addr_write = vaddr | flags | wflags | dflags;
    }
    if (prot & (1u << ACCESS_FETCH)) {
        e->addr_code = vaddr | flags;
    }
    tlb_unlock_cpu(cpu);
}

/*
 * A working set that does not fit the table (fills have evicted more
 * entries than it holds since the last flush) doubles it at once, not at
 * the next flush, which a long-running process without context switches
 * may never do: the flush sees it counted as full.  Called before a fill,
 * so no caller holds an entry of the old table.
 */
static void tlb_grow_if_thrashing(CPUState *cpu, int mmu_idx)
{
    struct TLBUse *u = &cpu->tlb_use[mmu_idx];
    size_t size = tlb_size(cpu, mmu_idx);

    if (u->evicted > size && size < (1u << TLB_MAX_BITS)) {
        u->used = size;
        tlb_flush_by_mmuidx(cpu, 1u << mmu_idx);
    }
}

/* Guest-physical address of addr for `access`: TLB, else the ISA's fill (may raise). */
static gpa_t tlb_translate(CPUState *cpu, gva_t addr, unsigned size, AccessType access,
                           int mmu_idx, TLBEntry **entry)
{
    TLBEntry *e = tlb_lookup(cpu, mmu_idx, addr, access);
    gpa_t gpa;

    if (!e) {
        cpu->tlb_misses++;
        tlb_grow_if_thrashing(cpu, mmu_idx);
        gpa = cpu->cc->tlb_fill(cpu, addr, size, access, mmu_idx);
        e = tlb_lookup(cpu, mmu_idx, addr, access);
        *entry = e;
        return gpa;
    }
    *entry = e;
    return (*tlb_paddr(cpu, mmu_idx, e) & PAGE_MASK) | (addr & ~PAGE_MASK);
}

void tlb_probe(CPUState *cpu, gva_t addr, unsigned size, AccessType access, int mmu_idx)
{
    TLBEntry *e;

    tlb_translate(cpu, addr, size, access, mmu_idx, &e);
    if (!tlb_in_page(addr, size)) {
        gva_t next = (addr & PAGE_MASK) + PAGE_SIZE;
        tlb_translate(cpu, next, size - (next - addr), access, mmu_idx, &e);
    }
}

void *tlb_atomic_host(CPUState *cpu, gva_t addr, unsigned size, int mmu_idx)
{
    TLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    gpa_t gpa;
    MemoryRegion *mr;

    /* A plain RAM page already writable in the TLB: no code, no tracking, no watchpoint. */
    if (likely(__atomic_load_n(&e->addr_write, __ATOMIC_RELAXED) == (addr & PAGE_MASK) &&
               tlb_in_page(addr, size))) {
        return (void *)(uintptr_t)(addr + e->addend);
    }
    if (unlikely(cpu->machine->debug_watch)) {
        gdb_check_watch(cpu, addr, size, ACCESS_WRITE);
    }
    gpa = tlb_translate(cpu, addr, size, ACCESS_WRITE, mmu_idx, &e);
    mr = memory_find(cpu->as, gpa);
    if (!mr || !mr->host || mr->readonly || size > mr->size - (gpa - mr->base)) {
        return NULL;
    }
    memory_note_write(cpu->as, mr, gpa - mr->base, size);
    return mr->host + (gpa - mr->base);
}

gpa_t tlb_translate_code(CPUState *cpu, gva_t addr)
{
    TLBEntry *e;

    return tlb_translate(cpu, addr, 2, ACCESS_FETCH, cpu->cc->fetch_mmu_idx(cpu), &e);
}

static uint64_t phys_read(CPUState *cpu, gva_t addr, gpa_t gpa, unsigned size)
{
    uint64_t val;

    if (memory_read(cpu->as, gpa, size, &val) < 0) {
        cpu->cc->access_fault(cpu, addr, ACCESS_READ);
    }
    return val;
}

static void phys_write(CPUState *cpu, gva_t addr, gpa_t gpa, uint64_t val, unsigned size)
{
    if (memory_write(cpu->as, gpa, size, val) < 0) {
        cpu->cc->access_fault(cpu, addr, ACCESS_WRITE);
    }
}

uint64_t tlb_load_slow(CPUState *cpu, gva_t addr, unsigned size, int mmu_idx)
{
    TLBEntry *e;
    gpa_t gpa;

    if (unlikely(cpu->machine->debug_watch)) {
        gdb_check_watch(cpu, addr, size, ACCESS_READ);
    }
    if (!tlb_in_page(addr, size)) {
        /* Misaligned across a page boundary: translate both pages first. */
        gva_t next = (addr & PAGE_MASK) + PAGE_SIZE;
        unsigned first = next - addr;
        gpa_t lo = tlb_translate(cpu, addr, first, ACCESS_READ, mmu_idx, &e);
        gpa_t hi = tlb_translate(cpu, next, size - first, ACCESS_READ, mmu_idx, &e);
        uint64_t val = 0;
        for (unsigned i = 0; i < size; i++) {
            gpa_t b = i < first ? lo + i : hi + (i - first);
            val |= phys_read(cpu, addr + i, b, 1) << (8 * i);
        }
        return val;
    }
    gpa = tlb_translate(cpu, addr, size, ACCESS_READ, mmu_idx, &e);
    if (e && e->addr_read == (addr & PAGE_MASK)) {
        cpu->tlb_hits_slow++;   /* a fill, or misaligned in one page */
        return memory_host_load((const void *)(uintptr_t)(addr + e->addend), size);
    }
    return phys_read(cpu, addr, gpa, size);
}

void tlb_store_slow(CPUState *cpu, gva_t addr, uint64_t val, unsigned size, int mmu_idx)
{
    TLBEntry *e;
    gpa_t gpa;

    if (unlikely(cpu->machine->debug_watch)) {
        gdb_check_watch(cpu, addr, size, ACCESS_WRITE);
    }
    if (!tlb_in_page(addr, size)) {
        gva_t next = (addr & PAGE_MASK) + PAGE_SIZE;
        unsigned first = next - addr;
        gpa_t lo = tlb_translate(cpu, addr, first, ACCESS_WRITE, mmu_idx, &e);
        gpa_t hi = tlb_translate(cpu, next, size - first, ACCESS_WRITE, mmu_idx, &e);
        for (unsigned i = 0; i < size; i++) {
            gpa_t b = i < first ? lo + i : hi + (i - first);
            phys_write(cpu, addr + i, b, (val >> (8 * i)) & 0xff, 1);
        }
        return;
    }
    gpa = tlb_translate(cpu, addr, size, ACCESS_WRITE, mmu_idx, &e);
    if (e && __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED) == (addr & PAGE_MASK)) {
        cpu->tlb_hits_slow++;   /* a fill, or misaligned in one page */
        memory_host_store((void *)(uintptr_t)(addr + e->addend), size, val);
        return;
    }
    phys_write(cpu, addr, gpa, val, size);
    if (e && (__atomic_load_n(&e->addr_write, __ATOMIC_RELAXED) & TLB_NOTDIRTY)) {
        /* The write invalidated the page's TBs and/or dirtied it: later writes may go fast. */
        MemoryRegion *mr = memory_find(cpu->as, gpa);
        /*
         * Except, with harts on threads, on a page that is not dirty-tracked:
         * another hart may be decoding it right now (tb_gen_code protects a
         * page before its first TB exists).
         */
        bool keep = cpu->machine->threads && mr && !mr->dirty;
        tlb_lock_cpu(cpu);      /* a translation on another hart may mark it again */
        if (mr && mr->host && !keep && !memory_page_write_slow(mr, (gpa - mr->base) >> PAGE_BITS)) {
            __atomic_fetch_and(&e->addr_write, ~TLB_NOTDIRTY, __ATOMIC_RELAXED);
        }
        tlb_unlock_cpu(cpu);
    }
}

void tlb_flush_by_mmuidx(CPUState *cpu, unsigned mmu_idx_mask)
{
    int64_t now = clock_host_ns();

    tb_jmp_cache_stale(cpu);
    tlb_lock_cpu(cpu);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        if (!(mmu_idx_mask & (1u << m))) {
            continue;
        }
        tlb_resize(cpu, m, now);
        for (size_t i = 0; i < tlb_size(cpu, m); i++) {
            cpu->tlb[m][i] = invalid_entry;
        }
        cpu->tlb_use[m].used = 0;
        cpu->tlb_use[m].evicted = 0;
        cpu->tlb_use[m].nonglobal = 0;
        for (unsigned i = 0; i < TLB_VICTIM_SIZE; i++) {
            cpu->tlb_victim[m][i] = invalid_entry;
        }
    }
    tlb_unlock_cpu(cpu);
}

void tlb_flush_nonglobal(CPUState *cpu, unsigned mmu_idx_mask)
{
    tb_jmp_cache_stale(cpu);
    tlb_lock_cpu(cpu);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        size_t size = tlb_size(cpu, m), kept = 0;
        const gpa_t *paddr = tlb_paddr_array(cpu, m);

        if (!(mmu_idx_mask & (1u << m)) || !cpu->tlb_use[m].nonglobal) {
            continue;   /* (S-mode: the kernel's mappings, all global) */
        }
        cpu->tlb_use[m].nonglobal = 0;
        for (size_t i = 0; i < size; i++) {
            if (!(paddr[i] & TLB_PADDR_GLOBAL)) {
                cpu->tlb[m][i] = invalid_entry;
            } else {
                kept += entry_valid(&cpu->tlb[m][i]);
            }
        }
        cpu->tlb_use[m].used = kept;
        for (unsigned i = 0; i < TLB_VICTIM_SIZE; i++) {
            if (!(cpu->tlb_victim_paddr[m][i] & TLB_PADDR_GLOBAL)) {
                cpu->tlb_victim[m][i] = invalid_entry;
            }
        }
    }
    tlb_unlock_cpu(cpu);
}

void tlb_flush(CPUState *cpu)
{
    tlb_flush_by_mmuidx(cpu, (1u << NB_MMU_MODES) - 1);
}

void tlb_flush_page(CPUState *cpu, gva_t vaddr)
{
    gva_t page = vaddr & PAGE_MASK;

    if (tb_jmp_page_used(cpu, vaddr)) {
        tb_jmp_cache_stale(cpu);    /* entries may depend on this page's mapping */
    }
    tlb_lock_cpu(cpu);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        TLBEntry *e = tlb_entry(cpu, m, vaddr);
        if (tag_matches(e->addr_read, page) || tag_matches(e->addr_write, page) ||
            tag_matches(e->addr_code, page)) {
            *e = invalid_entry;
            cpu->tlb_use[m].used -= cpu->tlb_use[m].used > 0;
        }
        for (unsigned i = 0; i < TLB_VICTIM_SIZE; i++) {
            TLBEntry *v = &cpu->tlb_victim[m][i];
            if (tag_matches(v->addr_read, page) || tag_matches(v->addr_write, page) ||
                tag_matches(v->addr_code, page)) {
                *v = invalid_entry;
            }
        }
    }
    tlb_unlock_cpu(cpu);
}

/* Make cpu's write entries for guest-physical [start, start + len) take the slow path. */
static void tlb_set_notdirty_range(CPUState *cpu, gpa_t start, uint64_t len)
{
    tlb_lock_cpu(cpu);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        size_t size = tlb_size(cpu, m);
        for (size_t i = 0; i < size + TLB_VICTIM_SIZE; i++) {
            TLBEntry *e = i < size ? &cpu->tlb[m][i] : &cpu->tlb_victim[m][i - size];
            gva_t tag = __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);
            if (!(tag & (TLB_INVALID | TLB_MMIO)) &&
                (*tlb_paddr(cpu, m, e) & PAGE_MASK) - start < len) {
                __atomic_fetch_or(&e->addr_write, TLB_NOTDIRTY, __ATOMIC_RELAXED);
            }
        }
    }
    tlb_unlock_cpu(cpu);
}

void tlb_set_notdirty(CPUState *cpu, gpa_t paddr)
{
    tlb_set_notdirty_range(cpu, paddr, PAGE_SIZE);
}

void tlb_reset_dirty(AddressSpace *as, MemoryRegion *mr)
{
    Machine *m = machine_from_as(as);

    for (unsigned c = 0; c < m->nr_cpus; c++) {
        tlb_set_notdirty_range(m->cpus[c], mr->base, mr->size);
    }
}
