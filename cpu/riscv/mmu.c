/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address translation and memory protection of one RISC-V hart
 * (privileged architecture 1.12): the Sv39/Sv48/Sv57 page-table walk of
 * §4.3.2 (with §4.4 and §4.5 for the wider formats), hardware A/D updates,
 * the MXR/SUM/U-bit permission rules (§4.3.1, §3.1.6.3), and physical
 * memory protection (§3.7) on every physical access, the walk's own
 * page-table reads and A/D writes included.  Successful translations are
 * cached in the engine's softmmu TLB at 4 KiB granularity with only the
 * permissions that cannot fault and need no A/D update.
 */
#include <inttypes.h>
#include "cpu/riscv/cpu.h"
#include "tcg/tlb.h"
#include "tcg/tb.h"
#include "util/trace.h"

#define PROT_R (1u << ACCESS_READ)
#define PROT_W (1u << ACCESS_WRITE)
#define PROT_X (1u << ACCESS_FETCH)
#define PROT_RWX (PROT_R | PROT_W | PROT_X)

/* PTE bits that must be zero here: Svpbmt and Svnapot are not implemented. */
#define PTE_MBZ (PTE_RESERVED | PTE_PBMT | PTE_N)

enum { WALK_OK = 0, WALK_PAGE_FAULT = 1, WALK_ACCESS_FAULT = 2 };

/* --- PMP (§3.7) -------------------------------------------------------- */

/* Byte range [*lo, *hi) of PMP entry i; false when it is off or empty. */
static bool pmp_range(RISCVCPU *cpu, int i, gpa_t *lo, gpa_t *hi)
{
    uint64_t a = cpu->pmpaddr[i];

    switch (cpu->pmpcfg[i] & PMP_A) {
    case PMP_A_TOR:
        *lo = i == 0 ? 0 : cpu->pmpaddr[i - 1] << 2;
        *hi = a << 2;
        return *lo < *hi;
    case PMP_A_NA4:
        *lo = a << 2;
        *hi = *lo + 4;
        return true;
    case PMP_A_NAPOT: {
        /* Trailing ones t: a 2^(t+3)-byte region (pmpaddr is 54 bits, so no overflow). */
        int t = __builtin_ctzll(~a);
        *lo = (a & ~((1ull << t) - 1)) << 2;
        *hi = *lo + (1ull << (t + 3));
        return true;
    }
    default:
        return false;
    }
}

/* Permissions entry i grants an access at privilege priv (§3.7.1 L rules). */
static unsigned pmp_entry_prot(RISCVCPU *cpu, int i, int priv)
{
    uint8_t cfg = cpu->pmpcfg[i];

    if (priv == PRV_M && !(cfg & PMP_L)) {
        return PROT_RWX;
    }
    return ((cfg & PMP_R) ? PROT_R : 0) | ((cfg & PMP_W) ? PROT_W : 0) |
           ((cfg & PMP_X) ? PROT_X : 0);
}

/*
 * Permissions for the bytes [pa, pa + len) at privilege priv: the
 * lowest-numbered entry matching any byte decides, and must match all of
 * them.  Returns false when the range is only partly covered by that
 * entry (the access fails; for a page, the outcome is not uniform).
 */
static bool pmp_prot(RISCVCPU *cpu, gpa_t pa, uint64_t len, int priv, unsigned *prot)
{
    if (likely(cpu->pmp_active == 0)) {
        *prot = PROT_RWX;
        return true;
    }
    for (int i = 0; i < PMP_COUNT; i++) {
        gpa_t lo, hi;

        if (!pmp_range(cpu, i, &lo, &hi) || pa + len <= lo || pa >= hi) {
            continue;
        }
        if (pa < lo || pa + len > hi) {
            return false;
        }
        *prot = pmp_entry_prot(cpu, i, priv);
        return true;
    }
    /* No match: M-mode succeeds, S/U fail when any entry is active. */
    *prot = priv == PRV_M ? PROT_RWX : 0;
    return true;
}

static bool pmp_allows(RISCVCPU *cpu, gpa_t pa, unsigned size, AccessType access, int priv)
{
    unsigned prot;

    return pmp_prot(cpu, pa, size, priv, &prot) && (prot & (1u << access));
}

void riscv_pmp_update(RISCVCPU *cpu)
{
    unsigned n = 0;

    for (int i = 0; i < PMP_COUNT; i++) {
        if (cpu->pmpcfg[i] & PMP_A) {
            n++;
        }
    }
    cpu->pmp_active = n;
    /* Cached translations carry PMP permissions, fetch ones included. */
    tlb_flush(&cpu->parent);
}

/* --- page-table walk (§4.3.2) ------------------------------------------ */

typedef struct Walk {
    gpa_t paddr;        /* translated address */
    unsigned prot;      /* PROT_* usable from the TLB without fault or A/D update */
    int level;          /* level of the leaf: 0 = 4 KiB page */
    bool global;        /* the leaf PTE's G bit: the mapping is in every address space */
} Walk;

/*
 * Translate addr for access at privilege priv (S or U) with satp on.
 * `sum` is mstatus.SUM for S-mode.  With `debug` the walk has no side
 * effects and skips PMP and the leaf permission check.  Returns WALK_*.
 */
static int page_walk(RISCVCPU *cpu, gva_t addr, AccessType access, int priv, bool sum,
                     bool debug, Walk *w)
{
    uint64_t mode = cpu->satp >> SATP_MODE_SHIFT;
    int levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 : 5;
    int va_bits = 12 + 9 * levels;
    bool mxr = (cpu->mstatus & MSTATUS_MXR) != 0;
    gpa_t base = (cpu->satp & SATP_PPN_MASK) << PAGE_BITS;
    gpa_t pte_addr = 0;
    uint64_t pte = 0;
    const void *host;
    unsigned prot;
    int i;

    /* §4.3.1/§4.4.1: bits above the VA width must equal its top bit. */
    if ((uint64_t)sextract64(addr, va_bits) != addr) {
        return WALK_PAGE_FAULT;
    }
restart:
    base = (cpu->satp & SATP_PPN_MASK) << PAGE_BITS;
    for (i = levels - 1; ; i--) {
        uint64_t vpn = (addr >> (PAGE_BITS + 9 * i)) & 0x1ff;

        pte_addr = base + vpn * 8;
        /* §3.7.1: the walk's implicit accesses are checked as S-mode. */
        if (!debug && !pmp_allows(cpu, pte_addr, 8, ACCESS_READ, PRV_S)) {
            return WALK_ACCESS_FAULT;
        }
        /* Page tables must live in RAM/ROM; I/O space gives an access fault. */
        host = memory_host_ptr(cpu->parent.as, pte_addr, 8);
        if (!host) {
            return WALK_ACCESS_FAULT;
        }
        pte = memory_host_load_aligned(host, 8);    /* other harts store PTEs */
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_MBZ)) {
            return WALK_PAGE_FAULT;
        }
        if (pte & (PTE_R | PTE_X)) {
            break;
        }
        if (i == 0) {
            return WALK_PAGE_FAULT;     /* non-leaf at the last level */
        }
        base = ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << PAGE_BITS;
    }

    /* Leaf: what this mode may do with it (§4.3.1, §3.1.6.3). */
    prot = ((pte & PTE_R) || (mxr && (pte & PTE_X)) ? PROT_R : 0) |
           ((pte & PTE_W) ? PROT_W : 0) | ((pte & PTE_X) ? PROT_X : 0);
    if (priv == PRV_U) {
        if (!(pte & PTE_U)) {
            prot = 0;
        }
    } else if (pte & PTE_U) {
        /* S-mode never executes U pages and touches their data only with SUM. */
        prot &= sum ? (PROT_R | PROT_W) : 0;
    }
    if (!debug && !(prot & (1u << access))) {
        return WALK_PAGE_FAULT;
    }
    /* A superpage's PPN bits below its level must be zero (§4.3.2 step 6). */
    if (i > 0 && ((pte >> PTE_PPN_SHIFT) & ((1ull << (9 * i)) - 1))) {
        return WALK_PAGE_FAULT;
    }

    /* Hardware A/D update (§4.3.2 step 7, Svadu-style). */
    if (!(pte & PTE_A) || (access == ACCESS_WRITE && !(pte & PTE_D))) {
        uint64_t npte = pte | PTE_A | (access == ACCESS_WRITE ? PTE_D : 0);

        if (!debug) {
            MemoryRegion *r = memory_find(cpu->parent.as, pte_addr);
            if (!pmp_allows(cpu, pte_addr, 8, ACCESS_WRITE, PRV_S) || r->readonly) {
                return WALK_ACCESS_FAULT;
            }
            /*
             * §4.3.2 step 7: atomically with the PTE's value as read, so
             * an update another hart made meanwhile (the kernel clearing
             * the PTE) is never overwritten; on a mismatch, walk again.
             */
            memory_note_write(cpu->parent.as, r, pte_addr - r->base, 8);
            if (!__atomic_compare_exchange_n((uint64_t *)host, &pte, npte, false,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                goto restart;
            }
            pte = npte;
        }
    }
    /* Only what needs no A/D update later goes into the TLB. */
    if (!(pte & PTE_A)) {
        prot = 0;
    } else if (!(pte & PTE_D)) {
        prot &= ~PROT_W;
    }

    {
        uint64_t ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
        uint64_t low_mask = (1ull << (PAGE_BITS + 9 * i)) - 1;

        w->paddr = ((ppn << PAGE_BITS) & ~low_mask) | (addr & low_mask);
    }
    w->prot = prot;
    w->level = i;
    w->global = (pte & PTE_G) != 0;
    if (trace_enabled(TRACE_MMU)) {
        trace_printf("hart %d: walk va=0x%" PRIx64 " -> pa=0x%" PRIx64 " level %d pte=0x%"
                     PRIx64 " prot=%c%c%c", cpu->parent.cpu_index, addr, w->paddr, i, pte,
                     (prot & PROT_R) ? 'r' : '-', (prot & PROT_W) ? 'w' : '-',
                     (prot & PROT_X) ? 'x' : '-');
    }
    return WALK_OK;
}

/* --- entry points ------------------------------------------------------ */

static uint64_t fault_cause(AccessType access, bool page)
{
    switch (access) {
    case ACCESS_FETCH:
        return page ? EXC_INST_PAGE_FAULT : EXC_INST_ACCESS;
    case ACCESS_WRITE:
        return page ? EXC_STORE_PAGE_FAULT : EXC_STORE_ACCESS;
    default:
        return page ? EXC_LOAD_PAGE_FAULT : EXC_LOAD_ACCESS;
    }
}

NORETURN void riscv_access_fault(CPUState *cs, gva_t addr, AccessType access)
{
    cpu_raise_exception(cs, fault_cause(access, false), addr);
}

gpa_t riscv_tlb_fill(CPUState *cs, gva_t addr, unsigned size, AccessType access, int mmu_idx)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    int priv = mmu_idx == MMU_IDX_M ? PRV_M : mmu_idx == MMU_IDX_U ? PRV_U : PRV_S;
    Walk w = { .paddr = addr, .prot = PROT_RWX, .level = 0 };
    unsigned pmp;

    if (priv != PRV_M && (cpu->satp >> SATP_MODE_SHIFT) != SATP_MODE_BARE) {
        int r = page_walk(cpu, addr, access, priv, mmu_idx == MMU_IDX_S_SUM, false, &w);

        if (r != WALK_OK) {
            if (trace_enabled(TRACE_MMU)) {
                trace_printf("hart %d: %s fault va=0x%" PRIx64 " access %d",
                             cs->cpu_index, r == WALK_PAGE_FAULT ? "page" : "access",
                             addr, (int)access);
            }
            cpu_raise_exception(cs, fault_cause(access, r == WALK_PAGE_FAULT), addr);
        }
    }
    if (!pmp_allows(cpu, w.paddr, size, access, priv)) {
        if (trace_enabled(TRACE_MMU)) {
            trace_printf("hart %d: pmp denies pa=0x%" PRIx64 " size %u access %d priv %d",
                         cs->cpu_index, w.paddr, size, (int)access, priv);
        }
        cpu_raise_exception(cs, fault_cause(access, false), addr);
    }
    /* Cache the page only when PMP treats all of its bytes alike. */
    if (pmp_prot(cpu, w.paddr & PAGE_MASK, PAGE_SIZE, priv, &pmp)) {
        if (w.level > 0) {
            /* Remember superpage pieces so sfence.vma of one address flushes them all. */
            gva_t sp = addr & ~((1ull << (PAGE_BITS + 9 * w.level)) - 1);
            gva_t sp_end = sp + (1ull << (PAGE_BITS + 9 * w.level)) - 1;

            if (sp < cpu->tlb_super_lo) {
                cpu->tlb_super_lo = sp;
            }
            if (sp_end > cpu->tlb_super_hi) {
                cpu->tlb_super_hi = sp_end;
            }
        }
        tlb_set_page(cs, mmu_idx, addr & PAGE_MASK, w.paddr & PAGE_MASK,
                     (w.prot & pmp) | (w.global ? TLB_PROT_GLOBAL : 0));
    }
    return w.paddr;
}

int riscv_debug_translate(RISCVCPU *cpu, gva_t addr, gpa_t *paddr)
{
    Walk w;

    if (cpu->priv == PRV_M || (cpu->satp >> SATP_MODE_SHIFT) == SATP_MODE_BARE) {
        *paddr = addr;
        return 0;
    }
    /* Any valid, well-formed leaf counts as mapped, whatever its permissions. */
    if (page_walk(cpu, addr, ACCESS_READ, PRV_S, true, true, &w) == WALK_OK) {
        *paddr = w.paddr;
        return 0;
    }
    return -1;
}
