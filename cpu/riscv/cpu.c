/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V hart object: the CPUClass table through which the engine
 * reaches the RV64GC guest, hart initialisation and reset (privileged
 * architecture 1.12 §3.4), the interrupt-line sink devices drive
 * (§3.1.9 mip), and the register dump for traces and the monitor.
 */
#include <inttypes.h>
#include <stdio.h>
#include "cpu/riscv/cpu.h"
#include "hw/core/machine.h"
#include "migration/vmstate.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"

/* misa.MXL = 2 (64-bit) and the extension letters of RV64IMAFDC with S and U. */
#define MISA_EXT(c) (1ull << ((c) - 'A'))
#define MISA_RV64GC ((2ull << 62) | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | \
                     MISA_EXT('F') | MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | \
                     MISA_EXT('U'))

static uint32_t riscv_tb_flags(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    uint32_t flags = (uint32_t)cpu->priv & TB_FLAG_PRIV_MASK;

    if (cpu->mstatus & MSTATUS_FS) {
        flags |= TB_FLAG_FS_ON;
    }
    /* Every write of what it depends on (CSRs, traps, xRET) ends the TB. */
    flags |= (uint32_t)cpu->data_mmu_idx << TB_FLAG_MMU_SHIFT;
    return flags;
}

/* Fetch uses the current privilege; MPRV applies to loads and stores only. */
static int riscv_fetch_mmu_idx(CPUState *cs)
{
    switch (riscv_cpu(cs)->priv) {
    case PRV_M:
        return MMU_IDX_M;
    case PRV_S:
        return MMU_IDX_S;
    default:
        return MMU_IDX_U;
    }
}

static void riscv_cpu_preempt(CPUState *cs);

const CPUClass riscv_cpu_class = {
    .name = "riscv64",
    .decode = riscv_decode,
    .tb_flags = riscv_tb_flags,
    .fetch_mmu_idx = riscv_fetch_mmu_idx,
    .tlb_fill = riscv_tlb_fill,
    .access_fault = riscv_access_fault,
    .do_exception = riscv_do_exception,
    .exec_interrupt = riscv_exec_interrupt,
    .disas = riscv_disas,
    .dump_state = riscv_cpu_dump_state,
    .preempt = riscv_cpu_preempt,
    .translate = riscv_translate,
};

/*
 * The whole RISCVCPU is zeroed, so the board sets rdtime/rdtime_opaque
 * and timebase_hz after this call.
 */
/*
 * Another hart runs next on this thread (--accel thread=single) and may
 * store to the reserved address.  SC's compare-and-swap already catches
 * a changed value; dropping the reservation also fails an SC after an
 * ABA store (a spurious failure the A extension allows, unpriv. §8.2).
 */
static void riscv_cpu_preempt(CPUState *cs)
{
    riscv_cpu(cs)->reservation = ~0ull;
}

/*
 * Sstc timer, on the thread that runs timers: time reached stimecmp;
 * STIP rises and the hart notices at its next TB or wakes from wfi.
 */
static void sstc_timer_cb(void *opaque)
{
    RISCVCPU *cpu = opaque;

    riscv_update_stip(cpu);
    cpu_kick(&cpu->parent);
}

/*
 * After a load: caches derived from the CSRs (MMU index, PMP count,
 * superpage range, TLB, jump cache) are rebuilt, and the Sstc timer is
 * re-armed from stimecmp; mip already holds the loaded levels, which the
 * devices' post_load hooks drive again.
 */
static void riscv_cpu_post_load(void *opaque)
{
    RISCVCPU *cpu = opaque;

    cpu->tlb_super_lo = ~0ull;
    cpu->tlb_super_hi = 0;
    riscv_pmp_update(cpu);
    riscv_update_mmu_idx(cpu);
    tb_jmp_cache_clear(&cpu->parent);
    timer_mod(&cpu->sstc_timer, INT64_MAX);
    riscv_update_stip(cpu);
    cpu_kick(&cpu->parent);
}

static const VMStateField riscv_cpu_fields[] = {
    VMSTATE_STRUCT(RISCVCPU, parent, vmstate_cpu_state),
    VMSTATE_ARRAY(RISCVCPU, gpr),
    VMSTATE_ARRAY(RISCVCPU, fpr),
    VMSTATE_SCALAR(RISCVCPU, fflags),
    VMSTATE_SCALAR(RISCVCPU, frm),
    VMSTATE_SCALAR(RISCVCPU, priv),
    VMSTATE_SKIP(RISCVCPU, data_mmu_idx, "derived from priv and mstatus by post_load"),
    VMSTATE_SCALAR(RISCVCPU, mstatus),
    VMSTATE_SCALAR(RISCVCPU, misa),
    VMSTATE_SCALAR(RISCVCPU, medeleg),
    VMSTATE_SCALAR(RISCVCPU, mideleg),
    VMSTATE_SCALAR(RISCVCPU, mie),
    VMSTATE_SCALAR(RISCVCPU, mip),
    VMSTATE_SCALAR(RISCVCPU, mtvec),
    VMSTATE_SCALAR(RISCVCPU, mscratch),
    VMSTATE_SCALAR(RISCVCPU, mepc),
    VMSTATE_SCALAR(RISCVCPU, mcause),
    VMSTATE_SCALAR(RISCVCPU, mtval),
    VMSTATE_SCALAR(RISCVCPU, stvec),
    VMSTATE_SCALAR(RISCVCPU, sscratch),
    VMSTATE_SCALAR(RISCVCPU, sepc),
    VMSTATE_SCALAR(RISCVCPU, scause),
    VMSTATE_SCALAR(RISCVCPU, stval),
    VMSTATE_SCALAR(RISCVCPU, satp),
    VMSTATE_SCALAR(RISCVCPU, mcounteren),
    VMSTATE_SCALAR(RISCVCPU, scounteren),
    VMSTATE_SCALAR(RISCVCPU, mcountinhibit),
    VMSTATE_SCALAR(RISCVCPU, menvcfg),
    VMSTATE_SCALAR(RISCVCPU, senvcfg),
    VMSTATE_SCALAR(RISCVCPU, stimecmp),
    VMSTATE_SCALAR(RISCVCPU, mhartid),
    VMSTATE_SCALAR(RISCVCPU, mcycle_offset),
    VMSTATE_SCALAR(RISCVCPU, minstret_offset),
    VMSTATE_ARRAY(RISCVCPU, pmpcfg),
    VMSTATE_ARRAY(RISCVCPU, pmpaddr),
    VMSTATE_SKIP(RISCVCPU, pmp_active, "counted from pmpcfg by post_load"),
    VMSTATE_SKIP(RISCVCPU, tlb_super_lo, "TLB bookkeeping: reset with the TLB flush"),
    VMSTATE_SKIP(RISCVCPU, tlb_super_hi, "TLB bookkeeping: reset with the TLB flush"),
    VMSTATE_SCALAR(RISCVCPU, reservation),
    VMSTATE_SCALAR(RISCVCPU, reservation_val),
    VMSTATE_SKIP(RISCVCPU, rdtime, "wiring (board)"),
    VMSTATE_SKIP(RISCVCPU, rdtime_opaque, "wiring (board)"),
    VMSTATE_SKIP(RISCVCPU, timebase_hz, "board configuration"),
    VMSTATE_SKIP(RISCVCPU, sstc_timer, "re-armed from stimecmp by post_load"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_riscv_cpu = {
    .name = "riscv-hart", .version = 2, .size = sizeof(RISCVCPU), .fields = riscv_cpu_fields,
    .post_load = riscv_cpu_post_load,
};

void riscv_cpu_init(RISCVCPU *cpu, struct Machine *m, int hartid)
{
    char id[16];

    memset(cpu, 0, sizeof(*cpu));
    cpu_state_init(&cpu->parent, &riscv_cpu_class, m, hartid);
    timer_init(&m->timers, &cpu->sstc_timer, sstc_timer_cb, cpu);
    cpu->misa = MISA_RV64GC;
    cpu->mhartid = (uint64_t)hartid;
    riscv_cpu_reset(cpu, 0);
    snprintf(id, sizeof(id), "hart%d", hartid);
    vmstate_register(m, id, &vmstate_riscv_cpu, cpu);
}

void riscv_cpu_reset(RISCVCPU *cpu, gva_t reset_pc)
{
    CPUState *cs = &cpu->parent;

    /*
     * §3.4: M-mode, MIE = MPRV = 0, PMP entries off and unlocked; the
     * rest is unspecified and chosen as zero (FS off, satp bare, no
     * delegation).  mip keeps the levels the devices drive.
     */
    memset(cpu->gpr, 0, sizeof(cpu->gpr));
    memset(cpu->fpr, 0, sizeof(cpu->fpr));
    cpu->fflags = 0;
    cpu->frm = 0;
    cpu->priv = PRV_M;
    cpu->mstatus = (2ull << 32) | (2ull << 34);     /* UXL = SXL = 64-bit */
    cpu->medeleg = cpu->mideleg = cpu->mie = 0;
    __atomic_fetch_and(&cpu->mip, MIP_MSIP | MIP_MTIP | MIP_MEIP | MIP_SEIP, __ATOMIC_SEQ_CST);
    cpu->mtvec = cpu->mscratch = cpu->mepc = cpu->mcause = cpu->mtval = 0;
    cpu->stvec = cpu->sscratch = cpu->sepc = cpu->scause = cpu->stval = cpu->satp = 0;
    cpu->mcounteren = cpu->scounteren = cpu->mcountinhibit = 0;
    cpu->senvcfg = 0;
    __atomic_store_n(&cpu->menvcfg, 0, __ATOMIC_RELAXED);   /* read by sstc_timer_cb */
    __atomic_store_n(&cpu->stimecmp, ~0ull, __ATOMIC_RELAXED);
    cpu->mcycle_offset = cpu->minstret_offset = -(int64_t)cpu_icount(cs);
    memset(cpu->pmpcfg, 0, sizeof(cpu->pmpcfg));
    memset(cpu->pmpaddr, 0, sizeof(cpu->pmpaddr));
    cpu->reservation = ~0ull;
    cpu->reservation_val = 0;
    cpu->tlb_super_lo = ~0ull;
    cpu->tlb_super_hi = 0;
    riscv_pmp_update(cpu);          /* pmp_active = 0, TLB and jump cache flushed */
    riscv_update_mmu_idx(cpu);
    cs->pc = reset_pc;
    cs->halted = false;
}

void riscv_cpu_set_irq(void *opaque, int n, int level)
{
    RISCVCPU *cpu = opaque;
    uint64_t bit = 1ull << n;

    if (level) {
        __atomic_fetch_or(&cpu->mip, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&cpu->mip, ~bit, __ATOMIC_SEQ_CST);
    }
    /*
     * Any thread (devices, timers, another hart's MSIP store): the hart
     * leaves its chain for exec_interrupt, or wakes from wfi to check.
     */
    cpu_kick(&cpu->parent);
}

void riscv_cpu_dump_state(CPUState *cs, void *file)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    FILE *f = file;
    static const char priv_char[4] = { 'U', 'S', '?', 'M' };

    fprintf(f, "pc       %016" PRIx64 "  priv %c%s\n", cs->pc, priv_char[cpu->priv & 3],
            cs->halted ? "  (halted)" : "");
    for (int i = 0; i < 32; i++) {
        fprintf(f, "x%-2d/%-4s %016" PRIx64 "%s", i, riscv_gpr_names[i], cpu->gpr[i],
                (i & 3) == 3 ? "\n" : "  ");
    }
    for (int i = 0; i < 32; i++) {
        fprintf(f, "f%-2d/%-4s %016" PRIx64 "%s", i, riscv_fpr_names[i], cpu->fpr[i],
                (i & 3) == 3 ? "\n" : "  ");
    }
    fprintf(f, "fcsr     %08" PRIx32 "  (frm %" PRIu32 " fflags %02" PRIx32 ")\n",
            ((cpu->frm & 7) << 5) | (cpu->fflags & 0x1f), cpu->frm & 7, cpu->fflags & 0x1f);
    fprintf(f, "mstatus  %016" PRIx64 "  mip      %016" PRIx64 "  mie      %016" PRIx64 "\n",
            cpu->mstatus, __atomic_load_n(&cpu->mip, __ATOMIC_RELAXED), cpu->mie);
    fprintf(f, "mcause   %016" PRIx64 "  mepc     %016" PRIx64 "  mtval    %016" PRIx64 "\n",
            cpu->mcause, cpu->mepc, cpu->mtval);
    fprintf(f, "mtvec    %016" PRIx64 "  medeleg  %016" PRIx64 "  mideleg  %016" PRIx64 "\n",
            cpu->mtvec, cpu->medeleg, cpu->mideleg);
    fprintf(f, "scause   %016" PRIx64 "  sepc     %016" PRIx64 "  stval    %016" PRIx64 "\n",
            cpu->scause, cpu->sepc, cpu->stval);
    fprintf(f, "stvec    %016" PRIx64 "  satp     %016" PRIx64 "  menvcfg  %016" PRIx64 "\n",
            cpu->stvec, cpu->satp, cpu->menvcfg);
}
