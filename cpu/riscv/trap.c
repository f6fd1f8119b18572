/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traps of one RISC-V hart (privileged architecture 1.12): taking
 * synchronous exceptions and interrupts into M or S mode through
 * medeleg/mideleg (§3.1.8, §3.1.9, §4.1.1), the interrupt priority and
 * enable rules (§3.1.9), trap return with mret/sret (§3.3.2), wfi (§3.3.3)
 * and sfence.vma (§4.2.1), including the TW/TSR/TVM traps (§3.1.6.5).
 */
#include <inttypes.h>
#include "cpu/riscv/cpu.h"
#include "tcg/tlb.h"
#include "tcg/tb.h"
#include "util/trace.h"

static const char *const priv_names[4] = { "U", "S", "?", "M" };

void riscv_do_exception(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    uint64_t cause = cs->exception_cause;
    bool irq = (cause & CAUSE_INTERRUPT) != 0;
    uint64_t code = cause & ~CAUSE_INTERRUPT;
    uint64_t tval = irq ? 0 : cs->exception_tval;
    uint64_t deleg = irq ? cpu->mideleg : cpu->medeleg;
    int prev = cpu->priv;
    uint64_t tvec;

    if (prev <= PRV_S && code < 64 && ((deleg >> code) & 1)) {
        uint64_t s = cpu->mstatus;
        cpu->sepc = cs->pc;
        cpu->scause = cause;
        cpu->stval = tval;
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~MSTATUS_SIE;
        s = (s & ~MSTATUS_SPP) | (prev == PRV_S ? MSTATUS_SPP : 0);
        cpu->mstatus = s;
        cpu->priv = PRV_S;
        tvec = cpu->stvec;
    } else {
        uint64_t s = cpu->mstatus;
        cpu->mepc = cs->pc;
        cpu->mcause = cause;
        cpu->mtval = tval;
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~MSTATUS_MIE;
        s = (s & ~MSTATUS_MPP) | ((uint64_t)prev << MSTATUS_MPP_SHIFT);
        cpu->mstatus = s;
        cpu->priv = PRV_M;
        tvec = cpu->mtvec;
    }
    /* §3.1.7: vectored mode sends interrupts to BASE + 4 * cause. */
    cs->pc = tvec & ~3ull;
    if (irq && (tvec & 3) == 1) {
        cs->pc += 4 * code;
    }
    riscv_update_mmu_idx(cpu);
    /* An SC after a trap may fail (unpriv. §8.2): drop the reservation. */
    cpu->reservation = ~0ull;

    if (trace_enabled(TRACE_INT)) {
        trace_printf("hart %d: %s %" PRIu64 " %s->%s epc=0x%" PRIx64 " tval=0x%" PRIx64
                     " -> pc=0x%" PRIx64,
                     cs->cpu_index, irq ? "interrupt" : "exception", code,
                     priv_names[prev & 3], priv_names[cpu->priv], cpu->priv == PRV_M
                     ? cpu->mepc : cpu->sepc, tval, cs->pc);
    }
}

/* §3.1.9: MEI, MSI, MTI, SEI, SSI, STI. */
static const int irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

static int pick_irq(uint64_t set)
{
    for (size_t i = 0; i < ARRAY_SIZE(irq_priority); i++) {
        if (set & (1ull << irq_priority[i])) {
            return irq_priority[i];
        }
    }
    return -1;
}

/*
 * mip & mie; Sstc's STIP is kept current by sstc_timer (csr.c).  Devices
 * on other threads change mip, hence the atomic load.
 */
static uint64_t pending_irqs(RISCVCPU *cpu)
{
    return __atomic_load_n(&cpu->mip, __ATOMIC_ACQUIRE) & cpu->mie;
}

bool riscv_exec_interrupt(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    uint64_t pending = pending_irqs(cpu);
    uint64_t m_set, s_set;
    int irq;

    if (likely(!pending)) {
        return false;
    }
    /* §3.3.3: wfi resumes on any locally enabled pending interrupt. */
    cs->halted = false;

    /*
     * An interrupt destined for M is taken below M always and in M when
     * MIE is set; one delegated to S is taken in U always, in S when SIE
     * is set, and never in M.
     */
    m_set = pending & ~cpu->mideleg;
    if (cpu->priv == PRV_M && !(cpu->mstatus & MSTATUS_MIE)) {
        m_set = 0;
    }
    s_set = pending & cpu->mideleg;
    if (cpu->priv == PRV_M || (cpu->priv == PRV_S && !(cpu->mstatus & MSTATUS_SIE))) {
        s_set = 0;
    }
    /* Interrupts for a higher destination mode go first. */
    irq = pick_irq(m_set);
    if (irq < 0) {
        irq = pick_irq(s_set);
    }
    if (irq < 0) {
        return false;
    }
    cs->exception_cause = CAUSE_INTERRUPT | (uint64_t)irq;
    cs->exception_tval = 0;
    riscv_do_exception(cs);
    return true;
}

int riscv_do_mret(RISCVCPU *cpu)
{
    uint64_t s = cpu->mstatus;
    int mpp;

    if (cpu->priv < PRV_M) {
        return -1;
    }
    mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP;          /* MPP <- U (least-privileged mode) */
    if (mpp != PRV_M) {
        /* §3.1.6.1: xRET to a mode below M clears MPRV. */
        s &= ~MSTATUS_MPRV;
    }
    cpu->mstatus = s;
    cpu->priv = mpp;
    cpu->parent.pc = cpu->mepc;
    riscv_update_mmu_idx(cpu);
    if (trace_enabled(TRACE_INT)) {
        trace_printf("hart %d: mret -> %s pc=0x%" PRIx64, cpu->parent.cpu_index,
                     priv_names[mpp & 3], cpu->parent.pc);
    }
    return 0;
}

int riscv_do_sret(RISCVCPU *cpu)
{
    uint64_t s = cpu->mstatus;
    int spp;

    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (s & MSTATUS_TSR))) {
        return -1;
    }
    spp = (s & MSTATUS_SPP) ? PRV_S : PRV_U;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~MSTATUS_SPP;
    s &= ~MSTATUS_MPRV;         /* sret never returns to M */
    cpu->mstatus = s;
    cpu->priv = spp;
    cpu->parent.pc = cpu->sepc;
    riscv_update_mmu_idx(cpu);
    if (trace_enabled(TRACE_INT)) {
        trace_printf("hart %d: sret -> %s pc=0x%" PRIx64, cpu->parent.cpu_index,
                     priv_names[spp], cpu->parent.pc);
    }
    return 0;
}

int riscv_do_wfi(RISCVCPU *cpu)
{
    /*
     * §3.1.6.5: wfi in U is illegal (S exists); with TW it is illegal
     * below M.  The spec allows trapping at once rather than after a
     * bounded wait.
     */
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TW))) {
        return -1;
    }
    if (!pending_irqs(cpu)) {
        cpu->parent.halted = true;
    }
    return 0;
}

void riscv_flush_address_space(RISCVCPU *cpu)
{
    tlb_flush_nonglobal(&cpu->parent, (1u << MMU_IDX_U) | (1u << MMU_IDX_S) |
                                      (1u << MMU_IDX_S_SUM));
}

int riscv_do_sfence_vma(RISCVCPU *cpu, gva_t vaddr, bool has_vaddr, uint64_t asid,
                        bool has_asid)
{
    CPUState *cs = &cpu->parent;

    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM))) {
        return -1;
    }
    /*
     * The TLB is not tagged with ASIDs, so the ASID operand only narrows
     * what must be flushed and is ignored.  A page inside the range that
     * holds superpage pieces needs a full flush.
     */
    if (has_vaddr && !(vaddr >= cpu->tlb_super_lo && vaddr <= cpu->tlb_super_hi)) {
        tlb_flush_page(cs, vaddr);
    } else if (!has_vaddr && has_asid) {
        riscv_flush_address_space(cpu);   /* one ASID's non-global mappings */
    } else {
        tlb_flush(cs);
        cpu->tlb_super_lo = ~0ull;
        cpu->tlb_super_hi = 0;
    }
    return 0;
}
