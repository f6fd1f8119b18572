/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V hart (RV64GC, privileged architecture 1.12) as the engine
 * and the board see it: its architectural state and the functions that
 * the instruction handlers (insn_*.c), the CSR file (csr.c), the trap
 * logic (trap.c) and the MMU (mmu.c) provide each other.
 */
#ifndef VM_CPU_RISCV_CPU_H
#define VM_CPU_RISCV_CPU_H

#include "tcg/cpu.h"
#include "cpu/riscv/cpu_bits.h"
#include "hw/core/clock.h"

/*
 * MMU indexes: one softmmu TLB per effective data/fetch mode.  S-mode
 * with mstatus.SUM gets its own TLB so toggling SUM needs no flush;
 * MXR changes flush the S/U TLBs.
 */
enum {
    MMU_IDX_U = 0,
    MMU_IDX_S = 1,
    MMU_IDX_S_SUM = 2,
    MMU_IDX_M = 3,
};

/* Translation-state flags in TB keys (CPUClass.tb_flags). */
#define TB_FLAG_PRIV_MASK 0x3   /* current privilege level */
#define TB_FLAG_FS_ON     0x4   /* mstatus.FS != Off: F/D instructions legal */
#define TB_FLAG_MMU_SHIFT 3     /* data_mmu_idx (2 bits): compiled loads and stores use it */

typedef struct RISCVCPU {
    CPUState parent;            /* must be first */

    /* gpr[0] reads 0; gpr[32] is a write sink the decoder uses for rd = x0. */
    uint64_t gpr[33];
    uint64_t fpr[32];           /* raw bits; singles NaN-boxed */
    uint32_t fflags;            /* accrued exceptions, FFLAG_* */
    uint32_t frm;               /* dynamic rounding mode, 0..7 as written */

    int priv;                   /* PRV_U / PRV_S / PRV_M */
    int data_mmu_idx;           /* effective MMU index for loads/stores (MPRV aware) */

    /*
     * Machine and supervisor CSRs.  sstatus/sie/sip are views of these.
     * mip is shared: devices on other threads raise and lower their bits
     * (riscv_cpu_set_irq), so every write of it is an atomic
     * read-modify-write and reads use __atomic_load_n.
     */
    uint64_t mstatus, misa, medeleg, mideleg, mie, mip;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval, satp;
    uint64_t mcounteren, scounteren, mcountinhibit, menvcfg, senvcfg;
    /*
     * Sstc compare value.  sstc_timer's callback reads it and menvcfg from
     * the thread that runs timers (riscv_update_stip, under the big lock):
     * the hart writes both with __atomic_store_n.
     */
    uint64_t stimecmp;
    uint64_t mhartid;
    int64_t mcycle_offset;      /* mcycle = icount + offset */
    int64_t minstret_offset;    /* minstret = icount + offset */
    uint8_t pmpcfg[PMP_COUNT];
    uint64_t pmpaddr[PMP_COUNT];
    unsigned pmp_active;        /* number of entries with A != OFF (fast path when 0) */

    /*
     * Guest-virtual range [tlb_super_lo, tlb_super_hi] holding 4 KiB TLB
     * pieces of superpages (mmu.c): an sfence.vma of an address inside it
     * flushes the whole TLB, since the superpage's other pieces are stale too.
     */
    gva_t tlb_super_lo, tlb_super_hi;

    /*
     * LR/SC reservation (A extension; insn_mem.c): the address lr
     * reserved (or ~0) and the value it loaded (zero-extended for lr.w),
     * which sc compares-and-swaps.  Hart-private.
     */
    gva_t reservation;
    uint64_t reservation_val;

    /* Provided by the board: mtime in ticks (10 MHz) for the time CSR and Sstc. */
    uint64_t (*rdtime)(void *opaque);
    void *rdtime_opaque;
    uint64_t timebase_hz;       /* ticks per second of rdtime (board), for sstc_timer */
    Timer sstc_timer;           /* fires when time reaches stimecmp (Sstc); big lock */
} RISCVCPU;

static inline RISCVCPU *riscv_cpu(CPUState *cs)
{
    return (RISCVCPU *)cs;
}

/* The CPUClass the engine uses for RISC-V harts. */
extern const CPUClass riscv_cpu_class;

/* --- cpu.c: life cycle and wiring ------------------------------------ */

/* Initialise hart `hartid` of machine m in reset state (M-mode, pc 0). */
void riscv_cpu_init(RISCVCPU *cpu, struct Machine *m, int hartid);
/* Architectural reset: M-mode, mstatus.MIE=0, MPRV=0, pc = reset_pc. */
void riscv_cpu_reset(RISCVCPU *cpu, gva_t reset_pc);
/*
 * IRQ sink for devices (hw/core/irq.h handler): `n` is the mip bit
 * number (IRQ_M_TIMER, IRQ_S_EXT, ...), level 0/1.  Any thread: sets the
 * bit atomically and kicks the hart (cpu_kick), which wakes it from wfi.
 */
void riscv_cpu_set_irq(void *opaque, int n, int level);
/* Print pc, priv, x0..x31, f0..f31, fcsr and main CSRs (FILE *). */
void riscv_cpu_dump_state(CPUState *cs, void *file);

/* --- csr.c: the CSR file (priv. spec ch. 2, 3, 4) ---------------------- */

/*
 * Read-modify-write of CSR csrno as the Zicsr instructions do it:
 * *old_val receives the old value (when read is true); if write is true
 * the CSR becomes (old & ~wmask) | (new_val & wmask), with WARL fields
 * legalised.  Returns 0, or -1 when the access is illegal in the current
 * privilege/state (the handler then raises illegal instruction).
 * Returns 1 when the write changed translation state (priv-visible
 * fields of mstatus, satp, misa, FS, ...) so the TB must end.
 */
int riscv_csr_op(RISCVCPU *cpu, int csrno, uint64_t *old_val, bool read,
                 uint64_t new_val, uint64_t wmask, bool write);

/* Recompute data_mmu_idx from priv, mstatus.MPRV/MPP/SUM. */
void riscv_update_mmu_idx(RISCVCPU *cpu);

/* menvcfg fields (priv. spec §3.1.18; STCE from Sstc). */
#define MENVCFG_FIOM (1ull << 0)
#define MENVCFG_STCE (1ull << 63)

/*
 * Sstc: when menvcfg.STCE is set, recompute mip.STIP = (time >= stimecmp)
 * (time from cpu->rdtime; not pending without one) and arm sstc_timer
 * for the moment it becomes true; otherwise only disarm the timer.  Runs
 * on the hart's thread after a stimecmp/menvcfg write or a load, and on
 * the timer's; takes the big lock, which guards the timer.
 */
void riscv_update_stip(RISCVCPU *cpu);

/* --- trap.c: exceptions, interrupts, xRET, WFI (priv. spec §3.1, §3.3) -- */

/* CPUClass.do_exception: trap into M or S per medeleg/mideleg. */
void riscv_do_exception(CPUState *cs);
/* CPUClass.exec_interrupt. */
bool riscv_exec_interrupt(CPUState *cs);
/*
 * mret / sret: check legality (privilege, TSR) and perform the return,
 * setting cpu->parent.pc.  Return 0, or -1 for illegal instruction.
 */
int riscv_do_mret(RISCVCPU *cpu);
int riscv_do_sret(RISCVCPU *cpu);
/*
 * wfi at instruction pc_next - len: -1 when illegal (TW, or U-mode);
 * else 0, and the hart halts if no interrupt is pending.
 */
int riscv_do_wfi(RISCVCPU *cpu);
/*
 * sfence.vma rs1=vaddr (valid when has_vaddr), rs2=asid (when has_asid):
 * -1 when illegal (U-mode, TVM in S), else flushes what it must.
 */
/*
 * Drop the TLB entries of the current address space but its global
 * mappings (PTE.G) and M-mode's, which do not depend on satp: a satp
 * write within one translation scheme, sfence.vma rs1=x0, rs2!=x0
 * (privileged §4.2.1).  Superpage ranges stay recorded.
 */
void riscv_flush_address_space(RISCVCPU *cpu);
int riscv_do_sfence_vma(RISCVCPU *cpu, gva_t vaddr, bool has_vaddr, uint64_t asid,
                        bool has_asid);

/* --- mmu.c: page walk and PMP (priv. spec §3.7, §4.3-4.5) ------------- */

/* CPUClass.tlb_fill. */
gpa_t riscv_tlb_fill(CPUState *cs, gva_t addr, unsigned size, AccessType access, int mmu_idx);
/* CPUClass.access_fault. */
NORETURN void riscv_access_fault(CPUState *cs, gva_t addr, AccessType access);
/* Recount active PMP entries and flush the TLB after a pmpcfg/pmpaddr write. */
void riscv_pmp_update(RISCVCPU *cpu);
/*
 * Walk the page table for addr as the current satp says, without side
 * effects (no A/D updates, no faults): for the monitor and tests.
 * Returns 0 and the physical address, or -1 when not mapped.
 */
int riscv_debug_translate(RISCVCPU *cpu, gva_t addr, gpa_t *paddr);

/* --- decode.c, insn_*.c, disas.c: instructions --------------------- */

/* CPUClass.decode. */
unsigned riscv_decode(CPUState *cs, TBInsn *out, const uint8_t *code, size_t avail,
                      gva_t pc, uint32_t tb_flags);
/* ABI register names (x0..x31, f0..f31), as objdump prints them. */
extern const char *const riscv_gpr_names[32];
extern const char *const riscv_fpr_names[32];

/*
 * Whether the fence encoded in raw (unpriv. §2.7: pred = bits 27:24
 * PI PO PR PW, succ = bits 23:20 SI SO SR SW) orders an earlier store
 * or device output before a later load or device input: the one
 * ordering the x86-64 (TSO) host does not keep by itself, so it needs a
 * full host barrier (insn_sys.c, translate.c).  Device accesses are
 * counted too, though each takes the big lock (a barrier) on its own.
 */
static inline bool riscv_fence_needs_mb(uint32_t raw)
{
    unsigned pred = (raw >> 24) & 15, succ = (raw >> 20) & 15;

    return (pred & 0x5) && (succ & 0xa);
}

/* CPUClass.translate (translate.c): lower a TB to tier-2 IR. */
bool riscv_translate(CPUState *cs, struct TranslationBlock *tb, struct IRFunc *f);

/* CPUClass.disas. */
unsigned riscv_disas(char *buf, size_t size, gva_t pc, uint32_t raw);
/*
 * Expand a 16-bit compressed instruction to its 32-bit equivalent
 * (unprivileged spec ch. "C", table of expansions); 0 when reserved or
 * illegal.
 */
uint32_t riscv_expand_compressed(uint16_t c);

/* Mark the FP state dirty after an instruction writes f-registers or fflags. */
static inline void riscv_set_fs_dirty(RISCVCPU *cpu)
{
    cpu->mstatus |= MSTATUS_FS_DIRTY | MSTATUS_SD;
}

#endif /* VM_CPU_RISCV_CPU_H */
