/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-independent part of a vCPU and the table through which the
 * engine reaches a guest ISA (DESIGN.md §3).  A guest CPU struct embeds
 * CPUState as its first member; the engine only ever sees CPUState and
 * calls the ISA through CPUClass.
 */
#ifndef VM_TCG_CPU_H
#define VM_TCG_CPU_H

#include <pthread.h>
#include <setjmp.h>
#include "util/osdep.h"
#include "hw/core/memory.h"

struct Machine;
struct TranslationBlock;
struct IRFunc;
typedef struct CPUState CPUState;
typedef struct TBInsn TBInsn;

/* Kind of guest memory access, for permission checks and fault causes. */
typedef enum { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_FETCH = 2 } AccessType;

/*
 * Softmmu TLB (DESIGN.md §3).  Tags hold the guest-virtual page address;
 * low bits of a tag carry flags that force the slow path.  An invalid
 * entry has TLB_INVALID in every tag.  Each MMU mode's direct-mapped
 * table holds 2^TLB_MIN_BITS..2^TLB_MAX_BITS entries, resized at flushes
 * to the working set, and flushed to grow when fills keep evicting
 * (tcg/tlb.c).
 */
#define NB_MMU_MODES 4
#define TLB_MIN_BITS 8
#define TLB_DEFAULT_BITS 10
#define TLB_MAX_BITS 14
#define TLB_VICTIM_SIZE 8
#define TLB_INVALID  (1ull << 0)  /* never matches a page-aligned address */
#define TLB_MMIO     (1ull << 1)  /* not host-backed: go through the memory map */
#define TLB_NOTDIRTY (1ull << 2)  /* write tag only: page holds code or is a clean tracked page */

/*
 * 32 bytes, so compiled code turns a page number into an entry with one
 * shift and a mask (tlb_index_mask); the guest-physical page of entry i
 * is kept apart, in the table's paddr array (tcg/tlb.c).
 */
#define TLB_ENTRY_BITS 5
typedef struct TLBEntry {
    gva_t addr_read;    /* page | flags, or TLB_INVALID if not readable */
    gva_t addr_write;
    gva_t addr_code;
    uintptr_t addend;   /* host address = guest virtual + addend (RAM only) */
} TLBEntry;

/*
 * One pre-decoded instruction of a tier-1 TB.  The handler runs it and
 * returns 0 to go on with the next entry, or 1 when it has set cpu->pc
 * and the TB must end (branch taken, trap return, state change).
 */
typedef int (*TBInsnFn)(CPUState *cpu, const TBInsn *insn);

struct TBInsn {
    TBInsnFn fn;
    int64_t imm;        /* decoded immediate (sign-extended) */
    gva_t pc;           /* guest-virtual address of this instruction */
    uint32_t raw;       /* the encoding as fetched (16-bit ones zero-extended) */
    uint16_t op;        /* ISA decode-table index (disassembler, JIT) */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t len;        /* bytes: 2 or 4 */
    uint8_t rm;         /* FP rounding mode field / misc operand */
    uint8_t flags;      /* TBI_* */
};

enum {
    TBI_END = 1 << 0,   /* ends the TB (control flow or translation-state change) */
    TBI_JUMP = 1 << 1,  /* a branch or jump: changes only the pc (the TB may chain) */
};

/*
 * What the engine needs from a guest ISA.  All callbacks run on the
 * vCPU's thread.  "Raise" below means cpu_raise_exception().
 */
typedef struct CPUClass {
    const char *name;
    /*
     * Decode one instruction at guest-virtual `pc` from `avail` (2..)
     * host bytes at `code`.  Returns its length in bytes, or 0 when it
     * needs more bytes than `avail`.  Invalid encodings decode to a
     * handler that raises illegal instruction.  `tb_flags` is the TB's
     * translation state (see tb_flags).
     */
    unsigned (*decode)(CPUState *cpu, TBInsn *out, const uint8_t *code, size_t avail,
                       gva_t pc, uint32_t tb_flags);
    /* Translation state that changes how code is decoded (privilege, FS). */
    uint32_t (*tb_flags)(CPUState *cpu);
    /* MMU index used for instruction fetch in the current state. */
    int (*fetch_mmu_idx)(CPUState *cpu);
    /*
     * Translate guest-virtual `addr` for `access` in `mmu_idx`: page walk
     * and PMP.  On success returns the guest-physical address and, when
     * the whole page shares the same permissions, fills the TLB with
     * tlb_set_page().  On failure raises the page/access fault.
     */
    gpa_t (*tlb_fill)(CPUState *cpu, gva_t addr, unsigned size, AccessType access,
                      int mmu_idx);
    /* Raise an access fault for a physical access nobody claimed. */
    NORETURN void (*access_fault)(CPUState *cpu, gva_t addr, AccessType access);
    /* Take the exception in cpu->exception_cause (set by the raiser). */
    void (*do_exception)(CPUState *cpu);
    /*
     * Called at every TB boundary: take a pending, enabled interrupt if
     * any (return true), else false.  Also clears cpu->halted when an
     * interrupt is pending even if not enabled (wfi wake-up rule).
     */
    bool (*exec_interrupt)(CPUState *cpu);
    /* Disassemble one instruction into buf; returns its length in bytes. */
    unsigned (*disas)(char *buf, size_t size, gva_t pc, uint32_t raw);
    /* Print the architectural registers (trace, monitor). */
    void (*dump_state)(CPUState *cpu, void *file);
    /*
     * Optional: the hart is switched out (SMP round-robin) and another
     * may now touch memory; e.g. drop an LR reservation.
     */
    void (*preempt)(CPUState *cpu);
    /*
     * Optional, tier 2: lower tb's pre-decoded instructions to IR in *f
     * (tcg/ir.h).  Returns false when the TB must stay in tier 1.
     */
    bool (*translate)(CPUState *cpu, struct TranslationBlock *tb, struct IRFunc *f);
} CPUClass;

#define TB_JMP_CACHE_BITS 14
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)
#define TB_JMP_PAGES_BITS 4096

struct CPUState {
    gva_t pc;                       /* guest-virtual pc of the next TB */
    /*
     * Leave the exec loop at the next TB boundary: set by any thread
     * (cpu_exit), read and cleared by the hart, with atomics.
     */
    volatile int exit_request;
    bool halted;                    /* in wfi: no code runs until an interrupt is pending */
    int cpu_index;
    uint64_t exception_cause;       /* set before do_exception; bit 63 = interrupt */
    uint64_t exception_tval;
    uint64_t icount;                /* instructions retired (completed TBs) */
    const TBInsn *cur_insn;         /* tier 1: the instruction now executing */
    struct TranslationBlock *cur_tb;
    sigjmp_buf jmp_env;             /* cpu_raise_exception() lands here */
    struct Machine *machine;
    AddressSpace *as;
    const CPUClass *cc;
    /*
     * Per MMU mode: the table (owned, tcg/tlb.c allocates it: the entries,
     * then as many guest-physical page addresses), its entry count - 1,
     * and that mask in bytes, (count - 1) << TLB_ENTRY_BITS, which
     * compiled code applies to addr >> (PAGE_BITS - TLB_ENTRY_BITS).
     */
    TLBEntry *tlb[NB_MMU_MODES];
    uint64_t tlb_mask[NB_MMU_MODES];
    uint64_t tlb_index_mask[NB_MMU_MODES];
    TLBEntry tlb_victim[NB_MMU_MODES][TLB_VICTIM_SIZE];
    gpa_t tlb_victim_paddr[NB_MMU_MODES][TLB_VICTIM_SIZE];
    unsigned tlb_victim_next[NB_MMU_MODES];
    /*
     * Resizing: entries filled since the last flush, the most seen in the
     * current window and when that window began (host ns).
     */
    /*
     * Per MMU mode: valid entries, the most in the current window,
     * entries evicted by fills since the last flush (thrashing: tlb.c),
     * and non-global fills since the last flush of any kind.
     */
    struct TLBUse { size_t used, window_max, evicted, nonglobal; int64_t window_start; }
        tlb_use[NB_MMU_MODES];
    /*
     * Jump cache (tcg/tb.h): an entry is current while its epoch equals
     * jmp_cache_epoch, which every full TLB flush and every flush of a
     * page in jmp_cache_pages advances; a stale entry is
     * revalidated against the code mapping by tb_find.
     */
    struct { struct TranslationBlock *tb; uint64_t epoch; } jmp_cache[TB_JMP_CACHE_SIZE];
    uint64_t jmp_cache_epoch;
    /*
     * Guest-virtual code pages (hashed, one bit each) that current jump
     * cache entries depend on, a superset: a single-page TLB flush of a
     * page whose bit is clear leaves the entries current (tcg/tlb.c).
     */
    uint64_t jmp_cache_pages[TB_JMP_PAGES_BITS / 64];
    /* Statistics. */
    uint64_t tb_translated, tlb_misses, tlb_hits_slow;
    /*
     * --jit-stats: bumped by compiled code only when the option is on (the
     * code without it has no counting instructions).  Inline TLB lookups
     * and those that went to the slow path (miss, MMIO, code page, page
     * crossing); direct exits within the page and those chained straight
     * into the next TB; computed exits and exits to another page, and
     * those found in the jump cache inline.
     */
    uint64_t jit_tlb_lookups, jit_tlb_slow;
    uint64_t jit_chain_exits, jit_chain_taken, jit_jc_lookups, jit_jc_hits;
    /* Dispatcher counters, per hart so that threads never share their line. */
    uint64_t stat_jmp_cache_hits, stat_hash_lookups, stat_chain_hits;
    /*
     * Threaded run (tcg/cpus.c): the hart's thread and the condition it
     * sleeps on (wfi, pauses); running, kicked and flush_request are
     * under CPUThreads.lock.  tlb_lock guards the TLB tables against
     * other threads that mark entries not-dirty (tcg/tlb.c); the owner
     * reads its entries without it.
     */
    pthread_t thread;
    pthread_cond_t wake_cond;
    bool running, kicked, flush_request;
    pthread_mutex_t tlb_lock;
};

/* sigsetjmp value for cpu->jmp_env: leave cpu_exec to flush the TB cache (threaded). */
#define CPU_EXIT_FLUSH 3

/*
 * vmstate of the engine part of a vCPU (pc, halted, icount, pending
 * exception), for a guest CPU's description to embed with VMSTATE_STRUCT;
 * its TLB and jump cache are not saved: the ISA's post_load flushes them.
 */
extern const struct VMStateDescription vmstate_cpu_state;

/* Entries in the TLB table of mmu_idx (a power of two). */
static inline size_t tlb_size(const CPUState *cpu, int mmu_idx)
{
    return cpu->tlb_mask[mmu_idx] + 1;
}

/* Initialise the engine part of a vCPU (empty TLB and jump cache). */
void cpu_state_init(CPUState *cpu, const CPUClass *cc, struct Machine *m, int index);

/*
 * Raise a synchronous exception at the current instruction: records
 * cause and tval, sets cpu->pc to the faulting instruction, counts the
 * instructions of the TB that completed before it, and unwinds to the
 * execution loop, which calls cc->do_exception.  Never returns.
 */
NORETURN void cpu_raise_exception(CPUState *cpu, uint64_t cause, uint64_t tval);

/*
 * Instructions retired so far, exact at the current instruction (for
 * instret/cycle reads in the middle of a TB).
 */
uint64_t cpu_icount(CPUState *cpu);

/*
 * Run this hart for at most `budget` TBs; returns early when an exit is
 * requested (the request is cleared) or the hart is halted in wfi with
 * no interrupt pending.
 */
void cpu_exec(CPUState *cpu, uint64_t budget);

/*
 * Run the machine until it shuts down: round-robin its harts on this
 * thread, run timers and watched fds, perform guest resets, and sleep
 * while every hart is halted.
 */
void cpu_loop_run(struct Machine *m);

/* Ask a vCPU to leave its TB chain at the next TB boundary (any thread). */
static inline void cpu_exit(CPUState *cpu)
{
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_RELEASE);
}

/*
 * The guest on cpu is spinning (a spin-wait hint such as RISC-V pause):
 * with a thread per hart, yield the host CPU, which may be the one a
 * descheduled lock holder needs; with one thread, end cpu's slice so
 * the round robin runs the other harts.  The caller ends its TB.
 */
void cpu_spin_hint(CPUState *cpu);

/* Whether cpu_exit() was called since the hart last cleared the request (a plain mov). */
static inline bool cpu_exit_requested(const CPUState *cpu)
{
    return __atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE);
}

/*
 * Make cpu notice a new pending interrupt (any thread, e.g. a device
 * raising a line): it leaves its TB chain and, if it sleeps in wfi,
 * wakes to check (tcg/cpus.c).
 */
void cpu_kick(CPUState *cpu);

#endif /* VM_TCG_CPU_H */
