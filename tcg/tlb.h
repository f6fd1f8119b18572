/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Softmmu TLB: guest-virtual loads and stores for instruction handlers
 * (DESIGN.md §3).  The hit path is inline here: index by page number,
 * compare the tag, add the host addend.  Everything else (miss, MMIO,
 * code pages, page-crossing accesses) goes to the out-of-line slow path,
 * which calls the ISA's tlb_fill and raises the ISA's faults.
 * Loads return the value zero-extended; handlers sign-extend.
 */
#ifndef VM_TCG_TLB_H
#define VM_TCG_TLB_H

#include "tcg/cpu.h"

uint64_t tlb_load_slow(CPUState *cpu, gva_t addr, unsigned size, int mmu_idx);
void tlb_store_slow(CPUState *cpu, gva_t addr, uint64_t val, unsigned size, int mmu_idx);

static inline TLBEntry *tlb_entry(CPUState *cpu, int mmu_idx, gva_t addr)
{
    return &cpu->tlb[mmu_idx][(addr >> PAGE_BITS) & cpu->tlb_mask[mmu_idx]];
}

/* True when [addr, addr+size) lies in one page. */
/*
 * Guest-physical page addresses of mmu_idx's table entries, by entry
 * index; bit 0 (TLB_PADDR_GLOBAL) marks a global mapping.
 */
#define TLB_PADDR_GLOBAL 1ull
static inline gpa_t *tlb_paddr_array(const CPUState *cpu, int mmu_idx)
{
    return (gpa_t *)(cpu->tlb[mmu_idx] + tlb_size(cpu, mmu_idx));
}

static inline bool tlb_in_page(gva_t addr, unsigned size)
{
    return (addr & ~PAGE_MASK) <= PAGE_SIZE - size;
}

/*
 * Load `size` (1, 2, 4, 8) bytes at guest-virtual addr; raises on fault.
 * The hit path takes naturally aligned accesses only, so that each is one
 * relaxed atomic access of guest RAM (memory_host_load_aligned); the slow
 * path does misaligned ones.
 */
static inline uint64_t cpu_load(CPUState *cpu, gva_t addr, unsigned size, int mmu_idx)
{
    TLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (likely(e->addr_read == (addr & PAGE_MASK) && !(addr & (size - 1)))) {
        return memory_host_load_aligned((const void *)(uintptr_t)(addr + e->addend), size);
    }
    return tlb_load_slow(cpu, addr, size, mmu_idx);
}

/*
 * Store the low `size` bytes of val at guest-virtual addr; raises on
 * fault.  addr_write is read atomically: other harts set TLB_NOTDIRTY in
 * it (tcg/tlb.c).
 */
static inline void cpu_store(CPUState *cpu, gva_t addr, uint64_t val, unsigned size,
                             int mmu_idx)
{
    TLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (likely(__atomic_load_n(&e->addr_write, __ATOMIC_RELAXED) == (addr & PAGE_MASK) &&
               !(addr & (size - 1)))) {
        memory_host_store_aligned((void *)(uintptr_t)(addr + e->addend), size, val);
        return;
    }
    tlb_store_slow(cpu, addr, val, size, mmu_idx);
}

/*
 * Check that `size` bytes at addr may be accessed as `access` in
 * mmu_idx, raising the fault if not (e.g. an AMO checks write permission
 * before its load).  Performs no access.
 */
void tlb_probe(CPUState *cpu, gva_t addr, unsigned size, AccessType access, int mmu_idx);

/*
 * Host pointer for an atomic read-modify-write (guest AMO, LR/SC) of
 * `size` bytes at guest-virtual addr, which the caller has aligned:
 * checks write permission and raises the store/AMO fault exactly as a
 * store would (and stops at a gdb watchpoint).  For RAM, invalidates
 * translated code on the page and marks it dirty, then returns the host
 * address, on which the caller uses host atomic instructions.  Returns
 * NULL for anything else (MMIO, ROM): the caller then performs the
 * load and store with bql_lock() held, which orders it against every
 * other MMIO access.
 */
void *tlb_atomic_host(CPUState *cpu, gva_t addr, unsigned size, int mmu_idx);

/*
 * Translate a guest-virtual code address for fetch (page walk, PMP,
 * execute permission); raises instruction faults.  Returns the
 * guest-physical address.
 */
gpa_t tlb_translate_code(CPUState *cpu, gva_t addr);

/*
 * Install a translation for one page (called from CPUClass.tlb_fill).
 * prot is a mask of 1 << AccessType, plus TLB_PROT_GLOBAL for a mapping
 * that exists in every address space (RISC-V PTE.G): tlb_flush_nonglobal
 * keeps it.  vaddr and paddr are page-aligned.
 */
#define TLB_PROT_GLOBAL (1u << 8)
void tlb_set_page(CPUState *cpu, int mmu_idx, gva_t vaddr, gpa_t paddr, unsigned prot);

/*
 * Allocate cpu's tables at the default size, all entries invalid
 * (vCPU creation).  Exits on allocation failure.
 */
void tlb_init(CPUState *cpu);
/*
 * Drop every entry of every MMU mode (satp write, global sfence.vma).
 * Flushes also resize each table to its working set, as QEMU does: a
 * table more than 70% filled between two flushes doubles (up to
 * 2^TLB_MAX_BITS entries); one under 30% filled for a whole 100 ms
 * window shrinks to fit the most it held in that window.
 */
void tlb_flush(CPUState *cpu);
/*
 * Drop the entries of the MMU modes in mmu_idx_mask except those
 * installed with TLB_PROT_GLOBAL (a switch of address space: RISC-V
 * satp write, sfence.vma of one ASID).  No resizing.
 */
void tlb_flush_nonglobal(CPUState *cpu, unsigned mmu_idx_mask);
/* Drop the entries for one guest-virtual page in every MMU mode. */
void tlb_flush_page(CPUState *cpu, gva_t vaddr);
/* Drop every entry of the MMU modes in `mmu_idx_mask`. */
void tlb_flush_by_mmuidx(CPUState *cpu, unsigned mmu_idx_mask);
/* Make writes to guest-physical page paddr take the slow path (it now holds code). */
void tlb_set_notdirty(CPUState *cpu, gpa_t paddr);

/*
 * The dirty flags of region mr were cleared (AddressSpace.reset_dirty):
 * make every hart's next write to any of its pages take the slow path.
 */
void tlb_reset_dirty(AddressSpace *as, MemoryRegion *mr);

#endif /* VM_TCG_TLB_H */
