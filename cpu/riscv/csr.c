/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V CSR file of one RV64 hart as the Zicsr instructions see it
 * (privileged architecture 1.12 ch. 2-4, unprivileged Zicsr/Zicntr and
 * the F extension's fcsr, Sstc).  Access rules come from the CSR number
 * (§2.1: bits 11:10 read-only, bits 9:8 lowest privilege), then from the
 * per-CSR state gates (mstatus.FS, mcounteren/scounteren, mstatus.TVM,
 * menvcfg.STCE).  WARL fields are legalised on write; the supervisor
 * views (sstatus, sie, sip) are masks over the machine registers.
 */
#include "cpu/riscv/cpu.h"
#include "tcg/tlb.h"
#include "tcg/tb.h"
#include "util/bql.h"

/* sstatus: the part of mstatus S-mode sees (§4.1.1). */
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | \
                      MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | \
                      MSTATUS_SD)
/*
 * Writable mstatus bits.  VS/XS stay 0 (no V, no custom state), UBE/SBE/
 * MBE stay 0 (little-endian only), SXL/UXL are fixed at 64-bit.
 */
#define MSTATUS_WMASK (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | \
                       MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | \
                       MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define MSTATUS_XL64 ((2ull << 32) | (2ull << 34))

/* Interrupt bits: all that exist, and the supervisor ones (delegable). */
#define MIP_ALL  (MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP)
#define MIP_S    (MIP_SSIP | MIP_STIP | MIP_SEIP)

/* Delegable exceptions (§3.1.8): everything defined except ecall from M. */
#define MEDELEG_MASK ((1ull << EXC_INST_MISALIGNED) | (1ull << EXC_INST_ACCESS) | \
                      (1ull << EXC_ILLEGAL_INST) | (1ull << EXC_BREAKPOINT) | \
                      (1ull << EXC_LOAD_MISALIGNED) | (1ull << EXC_LOAD_ACCESS) | \
                      (1ull << EXC_STORE_MISALIGNED) | (1ull << EXC_STORE_ACCESS) | \
                      (1ull << EXC_ECALL_U) | (1ull << EXC_ECALL_S) | \
                      (1ull << EXC_INST_PAGE_FAULT) | (1ull << EXC_LOAD_PAGE_FAULT) | \
                      (1ull << EXC_STORE_PAGE_FAULT))

/* menvcfg/senvcfg: only FIOM and (menvcfg) STCE are implemented (§3.1.18). */
#define MENVCFG_WMASK (MENVCFG_STCE | MENVCFG_FIOM)
#define SENVCFG_WMASK MENVCFG_FIOM

/* Counter-enable bits (mcounteren/scounteren). */
#define COUNTEREN_TM (1u << 1)

/* mcountinhibit bits that exist: CY, IR (bit 1, TM, is read-only zero). */
#define MCOUNTINHIBIT_CY (1u << 0)
#define MCOUNTINHIBIT_IR (1u << 2)

/* pmpaddr holds bits 55:2 of an address on RV64 (§3.7.1). */
#define PMPADDR_MASK ((1ull << 54) - 1)

/* --- helpers shared with trap.c --------------------------------------- */

void riscv_update_mmu_idx(RISCVCPU *cpu)
{
    int priv = cpu->priv;

    /* §3.1.6.3: MPRV makes M-mode loads/stores use MPP's translation and protection. */
    if (priv == PRV_M && (cpu->mstatus & MSTATUS_MPRV)) {
        priv = (cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    switch (priv) {
    case PRV_M:
        cpu->data_mmu_idx = MMU_IDX_M;
        break;
    case PRV_S:
        cpu->data_mmu_idx = (cpu->mstatus & MSTATUS_SUM) ? MMU_IDX_S_SUM : MMU_IDX_S;
        break;
    default:
        cpu->data_mmu_idx = MMU_IDX_U;
        break;
    }
}

/* Sstc: time has reached stimecmp (never without a clock). */
static bool sstc_expired(RISCVCPU *cpu)
{
    return cpu->rdtime &&
           cpu->rdtime(cpu->rdtime_opaque) >= __atomic_load_n(&cpu->stimecmp, __ATOMIC_RELAXED);
}

void riscv_update_stip(RISCVCPU *cpu)
{
    bql_lock();
    if (!(__atomic_load_n(&cpu->menvcfg, __ATOMIC_RELAXED) & MENVCFG_STCE)) {
        timer_mod(&cpu->sstc_timer, INT64_MAX);
    } else if (sstc_expired(cpu)) {
        __atomic_fetch_or(&cpu->mip, MIP_STIP, __ATOMIC_SEQ_CST);
        timer_mod(&cpu->sstc_timer, INT64_MAX);
    } else {
        __atomic_fetch_and(&cpu->mip, ~MIP_STIP, __ATOMIC_SEQ_CST);
        if (cpu->rdtime && cpu->timebase_hz) {
            /* Virtual ns at which time reaches stimecmp, rounded up. */
            uint64_t cmp = __atomic_load_n(&cpu->stimecmp, __ATOMIC_RELAXED);
            unsigned __int128 ns = ((unsigned __int128)cmp * 1000000000u +
                                    cpu->timebase_hz - 1) / cpu->timebase_hz;
            timer_mod(&cpu->sstc_timer, ns > INT64_MAX ? INT64_MAX : (int64_t)ns);
        }
    }
    bql_unlock();
}

/*
 * Reading time, mip or sip: raise STIP at once if time has passed
 * stimecmp, before sstc_timer gets to it.  Time only grows, so the timer
 * already armed stays right and nothing else changes: no lock, the hot
 * path (rdtime) stays lock-free.
 */
static void sstc_poll(RISCVCPU *cpu)
{
    if ((cpu->menvcfg & MENVCFG_STCE) &&
        !(__atomic_load_n(&cpu->mip, __ATOMIC_RELAXED) & MIP_STIP) && sstc_expired(cpu)) {
        __atomic_fetch_or(&cpu->mip, MIP_STIP, __ATOMIC_SEQ_CST);
    }
}

/*
 * mip = (mip & ~mask) | (val & mask) for the bits software may write,
 * as one atomic step: devices on other threads set and clear the rest.
 */
static void mip_write_masked(RISCVCPU *cpu, uint64_t mask, uint64_t val)
{
    uint64_t old = __atomic_load_n(&cpu->mip, __ATOMIC_RELAXED);

    while (!__atomic_compare_exchange_n(&cpu->mip, &old, (old & ~mask) | (val & mask), true,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
}

/* --- counters (Zicntr, §3.1.10-3.1.13) -------------------------------- */

/*
 * mcycle/minstret are icount + offset while counting; while inhibited
 * by mcountinhibit the offset holds the frozen value itself.  This hart
 * counts one cycle per retired instruction.
 */
static uint64_t counter_read(RISCVCPU *cpu, int64_t off, uint32_t inhibit_bit)
{
    if (cpu->mcountinhibit & inhibit_bit) {
        return (uint64_t)off;
    }
    return cpu_icount(&cpu->parent) + (uint64_t)off;
}

/*
 * The written value is what the next instruction reads: the writing
 * instruction's own retirement does not increment it.
 */
static void counter_write(RISCVCPU *cpu, int64_t *off, uint32_t inhibit_bit, uint64_t val)
{
    if (cpu->mcountinhibit & inhibit_bit) {
        *off = (int64_t)val;
    } else {
        *off = (int64_t)(val - (cpu_icount(&cpu->parent) + 1));
    }
}

static void write_mcountinhibit(RISCVCPU *cpu, uint64_t val)
{
    uint32_t now = val & (MCOUNTINHIBIT_CY | MCOUNTINHIBIT_IR);
    uint32_t changed = now ^ cpu->mcountinhibit;
    uint64_t icount = cpu_icount(&cpu->parent);

    /* Convert each changed counter between the relative and frozen encodings. */
    if (changed & MCOUNTINHIBIT_CY) {
        cpu->mcycle_offset = (now & MCOUNTINHIBIT_CY)
            ? (int64_t)(icount + (uint64_t)cpu->mcycle_offset)
            : (int64_t)((uint64_t)cpu->mcycle_offset - icount);
    }
    if (changed & MCOUNTINHIBIT_IR) {
        cpu->minstret_offset = (now & MCOUNTINHIBIT_IR)
            ? (int64_t)(icount + (uint64_t)cpu->minstret_offset)
            : (int64_t)((uint64_t)cpu->minstret_offset - icount);
    }
    cpu->mcountinhibit = now;
}

/* §3.1.11/§4.1.3: U needs the M and S enable bits, S needs the M one. */
static bool counter_allowed(RISCVCPU *cpu, int idx)
{
    if (cpu->priv < PRV_M && !(cpu->mcounteren & (1u << idx))) {
        return false;
    }
    if (cpu->priv < PRV_S && !(cpu->scounteren & (1u << idx))) {
        return false;
    }
    return true;
}

/* --- mstatus and friends ---------------------------------------------- */

static uint64_t mstatus_legalise(uint64_t old, uint64_t val)
{
    uint64_t v = (old & ~MSTATUS_WMASK) | (val & MSTATUS_WMASK);

    /* MPP is WARL over {U, S, M}; the reserved value 2 keeps the old one. */
    if (((v & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {
        v = (v & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    v = (v & ~(MSTATUS_UXL | MSTATUS_SXL | MSTATUS_VS | MSTATUS_XS | MSTATUS_SD)) | MSTATUS_XL64;
    if ((v & MSTATUS_FS) == MSTATUS_FS_DIRTY) {
        v |= MSTATUS_SD;
    }
    return v;
}

/* Returns 1 when the value changed (the caller ends the TB). */
static int write_mstatus(RISCVCPU *cpu, uint64_t val)
{
    uint64_t old = cpu->mstatus;
    uint64_t v = mstatus_legalise(old, val);

    if (v == old) {
        return 0;
    }
    cpu->mstatus = v;
    riscv_update_mmu_idx(cpu);
    if ((v ^ old) & MSTATUS_MXR) {
        /* MXR changes what S/U loads may read; SUM has its own MMU index. */
        tlb_flush_by_mmuidx(&cpu->parent,
                            (1u << MMU_IDX_U) | (1u << MMU_IDX_S) | (1u << MMU_IDX_S_SUM));
    }
    return 1;
}

static uint64_t read_mip(RISCVCPU *cpu)
{
    sstc_poll(cpu);
    return __atomic_load_n(&cpu->mip, __ATOMIC_RELAXED);
}

static uint64_t tvec_legalise(uint64_t old, uint64_t val)
{
    /* §3.1.7: MODE 0 direct, 1 vectored; >= 2 reserved: keep the old mode. */
    uint64_t mode = val & 3;

    if (mode >= 2) {
        mode = old & 3;
    }
    return (val & ~3ull) | mode;
}

static int write_satp(RISCVCPU *cpu, uint64_t val)
{
    uint64_t mode = val >> SATP_MODE_SHIFT;

    /* §4.1.11: a write with an unsupported MODE has no effect at all. */
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48 &&
        mode != SATP_MODE_SV57) {
        return 0;
    }
    if (mode != SATP_MODE_BARE && mode == cpu->satp >> SATP_MODE_SHIFT) {
        /* Another address space, same scheme: global mappings stay (§4.3.1). */
        riscv_flush_address_space(cpu);
    } else {
        tlb_flush(&cpu->parent);
        cpu->tlb_super_lo = ~0ull;
        cpu->tlb_super_hi = 0;
    }
    cpu->satp = val;
    return 1;
}

/* --- PMP CSRs (§3.7.1) ------------------------------------------------- */

static bool pmpaddr_locked(RISCVCPU *cpu, int i)
{
    if (cpu->pmpcfg[i] & PMP_L) {
        return true;
    }
    /* A locked TOR entry also locks the pmpaddr below it. */
    return i + 1 < PMP_COUNT && (cpu->pmpcfg[i + 1] & PMP_L) &&
           (cpu->pmpcfg[i + 1] & PMP_A) == PMP_A_TOR;
}

static uint64_t read_pmpcfg(RISCVCPU *cpu, int reg)
{
    uint64_t v = 0;

    for (int b = 0; b < 8; b++) {
        v |= (uint64_t)cpu->pmpcfg[reg * 4 + b] << (8 * b);
    }
    return v;
}

static int write_pmpcfg(RISCVCPU *cpu, int reg, uint64_t val)
{
    bool changed = false;

    for (int b = 0; b < 8; b++) {
        int i = reg * 4 + b;
        uint8_t nv = (uint8_t)(val >> (8 * b)) & (PMP_R | PMP_W | PMP_X | PMP_A | PMP_L);

        if (cpu->pmpcfg[i] & PMP_L) {
            continue;
        }
        /* R=0, W=1 is reserved: the byte's write is ignored (WARL). */
        if ((nv & (PMP_R | PMP_W)) == PMP_W) {
            continue;
        }
        if (nv != cpu->pmpcfg[i]) {
            cpu->pmpcfg[i] = nv;
            changed = true;
        }
    }
    if (changed) {
        riscv_pmp_update(cpu);
    }
    return changed;
}

static int write_pmpaddr(RISCVCPU *cpu, int i, uint64_t val)
{
    val &= PMPADDR_MASK;
    if (pmpaddr_locked(cpu, i) || val == cpu->pmpaddr[i]) {
        return 0;
    }
    cpu->pmpaddr[i] = val;
    riscv_pmp_update(cpu);
    return 1;
}

/* --- the dispatcher ----------------------------------------------------- */

/*
 * Read CSR csrno into *val after the per-CSR state gates; -1 when the
 * CSR does not exist or the access is illegal in the current state.
 */
static int csr_read(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    switch (csrno) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
        if (!(cpu->mstatus & MSTATUS_FS)) {
            return -1;
        }
        *val = csrno == CSR_FFLAGS ? (cpu->fflags & 0x1f)
             : csrno == CSR_FRM ? (cpu->frm & 7)
             : ((cpu->frm & 7) << 5) | (cpu->fflags & 0x1f);
        return 0;
    case CSR_CYCLE ... CSR_HPMCOUNTER31:
        if (!counter_allowed(cpu, csrno - CSR_CYCLE)) {
            return -1;
        }
        if (csrno == CSR_CYCLE) {
            *val = counter_read(cpu, cpu->mcycle_offset, MCOUNTINHIBIT_CY);
        } else if (csrno == CSR_INSTRET) {
            *val = counter_read(cpu, cpu->minstret_offset, MCOUNTINHIBIT_IR);
        } else if (csrno == CSR_TIME) {
            if (!cpu->rdtime) {
                return -1;
            }
            *val = cpu->rdtime(cpu->rdtime_opaque);
            sstc_poll(cpu);
        } else {
            *val = 0;
        }
        return 0;
    case CSR_MCYCLE:
        *val = counter_read(cpu, cpu->mcycle_offset, MCOUNTINHIBIT_CY);
        return 0;
    case CSR_MINSTRET:
        *val = counter_read(cpu, cpu->minstret_offset, MCOUNTINHIBIT_IR);
        return 0;
    case CSR_MHPMCOUNTER3 ... CSR_MHPMCOUNTER31:
    case CSR_MHPMEVENT3 ... CSR_MHPMEVENT31:
        *val = 0;
        return 0;
    case CSR_MCOUNTINHIBIT:
        *val = cpu->mcountinhibit;
        return 0;

    case CSR_SSTATUS:
        *val = cpu->mstatus & SSTATUS_MASK;
        return 0;
    case CSR_SIE:
        *val = cpu->mie & cpu->mideleg;
        return 0;
    case CSR_SIP:
        *val = read_mip(cpu) & cpu->mideleg;
        return 0;
    case CSR_STVEC:
        *val = cpu->stvec;
        return 0;
    case CSR_SCOUNTEREN:
        *val = cpu->scounteren;
        return 0;
    case CSR_SENVCFG:
        *val = cpu->senvcfg;
        return 0;
    case CSR_SSCRATCH:
        *val = cpu->sscratch;
        return 0;
    case CSR_SEPC:
        *val = cpu->sepc;
        return 0;
    case CSR_SCAUSE:
        *val = cpu->scause;
        return 0;
    case CSR_STVAL:
        *val = cpu->stval;
        return 0;
    case CSR_STIMECMP:
        /* Sstc: S-mode access needs menvcfg.STCE and mcounteren.TM. */
        if (cpu->priv < PRV_M &&
            (!(cpu->menvcfg & MENVCFG_STCE) || !(cpu->mcounteren & COUNTEREN_TM))) {
            return -1;
        }
        *val = cpu->stimecmp;
        return 0;
    case CSR_SATP:
        /* §3.1.6.5: TVM traps S-mode satp accesses. */
        if (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM)) {
            return -1;
        }
        *val = cpu->satp;
        return 0;

    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        *val = 0;
        return 0;
    case CSR_MHARTID:
        *val = cpu->mhartid;
        return 0;
    case CSR_MSTATUS:
        *val = cpu->mstatus;
        return 0;
    case CSR_MISA:
        *val = cpu->misa;
        return 0;
    case CSR_MEDELEG:
        *val = cpu->medeleg;
        return 0;
    case CSR_MIDELEG:
        *val = cpu->mideleg;
        return 0;
    case CSR_MIE:
        *val = cpu->mie;
        return 0;
    case CSR_MTVEC:
        *val = cpu->mtvec;
        return 0;
    case CSR_MCOUNTEREN:
        *val = cpu->mcounteren;
        return 0;
    case CSR_MENVCFG:
        *val = cpu->menvcfg;
        return 0;
    case CSR_MSCRATCH:
        *val = cpu->mscratch;
        return 0;
    case CSR_MEPC:
        *val = cpu->mepc;
        return 0;
    case CSR_MCAUSE:
        *val = cpu->mcause;
        return 0;
    case CSR_MTVAL:
        *val = cpu->mtval;
        return 0;
    case CSR_MIP:
        *val = read_mip(cpu);
        return 0;
    case CSR_PMPCFG0 ... CSR_PMPCFG15:
        /* RV64 has only the even pmpcfg registers. */
        if (csrno & 1) {
            return -1;
        }
        *val = read_pmpcfg(cpu, (csrno - CSR_PMPCFG0) / 2 * 2);
        return 0;
    case CSR_PMPADDR0 ... CSR_PMPADDR63:
        *val = cpu->pmpaddr[csrno - CSR_PMPADDR0];
        return 0;
    case CSR_TSELECT:
    case CSR_TDATA1:
    case CSR_TDATA1 + 1:    /* tdata2 */
    case CSR_TDATA1 + 2:    /* tdata3 */
        /* No triggers: tdata1 reads 0 (type 0, "no trigger here"). */
        *val = 0;
        return 0;
    default:
        return -1;
    }
}

/* Write an already-merged value; returns 1 when the TB must end. */
static int csr_write(RISCVCPU *cpu, int csrno, uint64_t val)
{
    switch (csrno) {
    case CSR_FFLAGS:
        cpu->fflags = val & 0x1f;
        riscv_set_fs_dirty(cpu);
        return 0;
    case CSR_FRM:
        /* Any value is kept; reserved ones trap when an FP insn uses them. */
        cpu->frm = val & 7;
        riscv_set_fs_dirty(cpu);
        return 0;
    case CSR_FCSR:
        cpu->fflags = val & 0x1f;
        cpu->frm = (val >> 5) & 7;
        riscv_set_fs_dirty(cpu);
        return 0;
    case CSR_MCYCLE:
        counter_write(cpu, &cpu->mcycle_offset, MCOUNTINHIBIT_CY, val);
        return 0;
    case CSR_MINSTRET:
        counter_write(cpu, &cpu->minstret_offset, MCOUNTINHIBIT_IR, val);
        return 0;
    case CSR_MHPMCOUNTER3 ... CSR_MHPMCOUNTER31:
    case CSR_MHPMEVENT3 ... CSR_MHPMEVENT31:
        return 0;
    case CSR_MCOUNTINHIBIT:
        write_mcountinhibit(cpu, val);
        return 0;

    case CSR_SSTATUS:
        return write_mstatus(cpu, (cpu->mstatus & ~SSTATUS_MASK) | (val & SSTATUS_MASK));
    case CSR_SIE:
        cpu->mie = (cpu->mie & ~cpu->mideleg) | (val & cpu->mideleg & MIP_S);
        return 0;
    case CSR_SIP: {
        /* §4.1.3: only SSIP is writable through sip, and only when delegated. */
        mip_write_masked(cpu, cpu->mideleg & MIP_SSIP, val);
        return 0;
    }
    case CSR_STVEC:
        cpu->stvec = tvec_legalise(cpu->stvec, val);
        return 0;
    case CSR_SCOUNTEREN:
        cpu->scounteren = (uint32_t)val;
        return 0;
    case CSR_SENVCFG:
        cpu->senvcfg = val & SENVCFG_WMASK;
        return 0;
    case CSR_SSCRATCH:
        cpu->sscratch = val;
        return 0;
    case CSR_SEPC:
        cpu->sepc = val & ~1ull;
        return 0;
    case CSR_SCAUSE:
        cpu->scause = val;
        return 0;
    case CSR_STVAL:
        cpu->stval = val;
        return 0;
    case CSR_STIMECMP:
        __atomic_store_n(&cpu->stimecmp, val, __ATOMIC_RELAXED);
        riscv_update_stip(cpu);
        return 0;
    case CSR_SATP:
        return write_satp(cpu, val);

    case CSR_MSTATUS:
        return write_mstatus(cpu, val);
    case CSR_MISA:
        /* Extensions cannot be switched off: writes are ignored (WARL). */
        return 0;
    case CSR_MEDELEG:
        cpu->medeleg = val & MEDELEG_MASK;
        return 0;
    case CSR_MIDELEG:
        cpu->mideleg = val & MIP_S;
        return 0;
    case CSR_MIE:
        cpu->mie = val & MIP_ALL;
        return 0;
    case CSR_MTVEC:
        cpu->mtvec = tvec_legalise(cpu->mtvec, val);
        return 0;
    case CSR_MCOUNTEREN:
        cpu->mcounteren = (uint32_t)val;
        return 0;
    case CSR_MENVCFG:
        __atomic_store_n(&cpu->menvcfg, val & MENVCFG_WMASK, __ATOMIC_RELAXED);
        riscv_update_stip(cpu);
        return 0;
    case CSR_MSCRATCH:
        cpu->mscratch = val;
        return 0;
    case CSR_MEPC:
        cpu->mepc = val & ~1ull;
        return 0;
    case CSR_MCAUSE:
        cpu->mcause = val;
        return 0;
    case CSR_MTVAL:
        cpu->mtval = val;
        return 0;
    case CSR_MIP: {
        /*
         * §3.1.9: M-mode may write SSIP, STIP and SEIP; the M bits are
         * driven by devices.  With Sstc enabled STIP follows stimecmp.
         */
        uint64_t m = MIP_SSIP | MIP_SEIP;
        if (!(cpu->menvcfg & MENVCFG_STCE)) {
            m |= MIP_STIP;
        }
        mip_write_masked(cpu, m, val);
        return 0;
    }
    case CSR_PMPCFG0 ... CSR_PMPCFG15:
        return write_pmpcfg(cpu, (csrno - CSR_PMPCFG0) / 2 * 2, val);
    case CSR_PMPADDR0 ... CSR_PMPADDR63:
        return write_pmpaddr(cpu, csrno - CSR_PMPADDR0, val);
    default:
        /* Read-only in practice (ids, tselect/tdata): writes ignored. */
        return 0;
    }
}

int riscv_csr_op(RISCVCPU *cpu, int csrno, uint64_t *old_val, bool read,
                 uint64_t new_val, uint64_t wmask, bool write)
{
    uint64_t old = 0;
    int ret;

    csrno &= 0xfff;
    /* §2.1: bits 9:8 give the lowest privilege; 11:10 == 3 means read-only. */
    if (cpu->priv < ((csrno >> 8) & 3)) {
        return -1;
    }
    if (write && (csrno >> 10) == 3) {
        return -1;
    }
    /*
     * The old value is needed for the merge even when rd = x0; reading
     * has no side effects here beyond refreshing Sstc's STIP.
     */
    if (csr_read(cpu, csrno, &old) < 0) {
        return -1;
    }
    if (read && old_val) {
        *old_val = old;
    }
    if (!write) {
        return 0;
    }
    ret = csr_write(cpu, csrno, (old & ~wmask) | (new_val & wmask));
    return ret > 0 ? 1 : 0;
}
