/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the RISC-V CSR file and trap logic (cpu/riscv/csr.c,
 * trap.c): WARL legalisation, privilege and state gates, counter
 * enables, the supervisor views, delegation, trap entry, xRET, and the
 * interrupt priority/enable rules.  Expected values are derived by hand
 * from the privileged spec 1.12 (sections cited per test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/riscv/cpu.h"
#include "hw/core/machine.h"

static Machine *m;
static RISCVCPU *cpu;
static uint64_t fake_time;

static uint64_t rdtime_stub(void *opaque)
{
    return *(uint64_t *)opaque;
}

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    cpu = calloc(1, sizeof(*cpu));
    assert_non_null(memory_add_ram(&m->as, "ram", 0x80000000, 1 << 20, false));
    riscv_cpu_init(cpu, m, 3);
    fake_time = 0;
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    free(cpu);
    free(m);
    return 0;
}

/* csrrw-style helpers: full-width write / plain read. */
static int csr_w(int csr, uint64_t v)
{
    return riscv_csr_op(cpu, csr, NULL, false, v, ~0ull, true);
}

static int csr_r(int csr, uint64_t *v)
{
    return riscv_csr_op(cpu, csr, v, true, 0, 0, false);
}

static uint64_t rd(int csr)
{
    uint64_t v = 0xdeadbeef;

    assert_int_equal(csr_r(csr, &v), 0);
    return v;
}

static void wr(int csr, uint64_t v)
{
    assert_true(csr_w(csr, v) >= 0);
}

/* --- privilege and existence (§2.1) ------------------------------------ */

static void test_csr_below_its_privilege_is_illegal(void **state)
{
    uint64_t v;

    cpu->priv = PRV_S;
    assert_int_equal(csr_r(CSR_MSTATUS, &v), -1);
    cpu->priv = PRV_U;
    assert_int_equal(csr_r(CSR_SSTATUS, &v), -1);
}

static void test_write_to_read_only_csr_is_illegal(void **state)
{
    assert_int_equal(rd(CSR_MHARTID), 3);
    assert_int_equal(csr_w(CSR_MHARTID, 5), -1);
    assert_int_equal(csr_w(CSR_CYCLE, 0), -1);
}

static void test_unknown_csr_is_illegal(void **state)
{
    uint64_t v;

    assert_int_equal(csr_r(0x7c0, &v), -1);
    assert_int_equal(csr_r(CSR_PMPCFG0 + 1, &v), -1);   /* odd pmpcfg: RV32 only */
    assert_int_equal(csr_r(0xc80, &v), -1);             /* cycleh: RV32 only */
}

static void test_id_csrs_read_zero(void **state)
{
    assert_int_equal(rd(CSR_MVENDORID), 0);
    assert_int_equal(rd(CSR_MARCHID), 0);
    assert_int_equal(rd(CSR_MIMPID), 0);
    assert_int_equal(rd(CSR_MCONFIGPTR), 0);
}

static void test_misa_is_rv64imafdcsu_and_ignores_writes(void **state)
{
    /* MXL=2 in bits 63:62; A=0 C=2 D=3 F=5 I=8 M=12 S=18 U=20. */
    uint64_t want = (2ull << 62) | 0x14112d;

    assert_int_equal(rd(CSR_MISA), want);
    wr(CSR_MISA, 0);
    assert_int_equal(rd(CSR_MISA), want);
}

static void test_trigger_csrs_read_zero_and_ignore_writes(void **state)
{
    wr(CSR_TSELECT, 1);
    assert_int_equal(rd(CSR_TSELECT), 0);
    wr(CSR_TDATA1, ~0ull);
    assert_int_equal(rd(CSR_TDATA1), 0);
}

/* --- mstatus / sstatus (§3.1.6, §4.1.1) --------------------------------- */

static void test_mstatus_xl_fields_fixed_at_64(void **state)
{
    wr(CSR_MSTATUS, 0);
    assert_int_equal(rd(CSR_MSTATUS) & (MSTATUS_UXL | MSTATUS_SXL), (2ull << 32) | (2ull << 34));
}

static void test_mstatus_mpp_reserved_value_keeps_old(void **state)
{
    wr(CSR_MSTATUS, 1ull << MSTATUS_MPP_SHIFT);
    wr(CSR_MSTATUS, 2ull << MSTATUS_MPP_SHIFT);
    assert_int_equal(rd(CSR_MSTATUS) & MSTATUS_MPP, 1ull << MSTATUS_MPP_SHIFT);
}

static void test_mstatus_sd_follows_fs_dirty(void **state)
{
    wr(CSR_MSTATUS, MSTATUS_FS_DIRTY);
    assert_true(rd(CSR_MSTATUS) & MSTATUS_SD);
    wr(CSR_MSTATUS, 1ull << MSTATUS_FS_SHIFT);
    assert_false(rd(CSR_MSTATUS) & MSTATUS_SD);
    wr(CSR_MSTATUS, MSTATUS_SD);     /* SD itself is read-only */
    assert_false(rd(CSR_MSTATUS) & MSTATUS_SD);
}

static void test_mstatus_vs_is_read_only_zero(void **state)
{
    wr(CSR_MSTATUS, MSTATUS_VS);
    assert_int_equal(rd(CSR_MSTATUS) & MSTATUS_VS, 0);
}

static void test_mstatus_write_changing_mprv_ends_tb(void **state)
{
    assert_int_equal(csr_w(CSR_MSTATUS, rd(CSR_MSTATUS) | MSTATUS_MPRV), 1);
    assert_int_equal(csr_w(CSR_MSTATUS, rd(CSR_MSTATUS)), 0);
}

static void test_mprv_selects_data_mmu_idx_from_mpp(void **state)
{
    wr(CSR_MSTATUS, MSTATUS_MPRV | (1ull << MSTATUS_MPP_SHIFT) | MSTATUS_SUM);
    assert_int_equal(cpu->data_mmu_idx, MMU_IDX_S_SUM);
    wr(CSR_MSTATUS, MSTATUS_MPRV);      /* MPP = U */
    assert_int_equal(cpu->data_mmu_idx, MMU_IDX_U);
    wr(CSR_MSTATUS, 0);
    assert_int_equal(cpu->data_mmu_idx, MMU_IDX_M);
}

static void test_sstatus_is_masked_view(void **state)
{
    wr(CSR_MSTATUS, MSTATUS_MIE | MSTATUS_SIE | (3ull << MSTATUS_MPP_SHIFT) | MSTATUS_TVM);
    assert_int_equal(rd(CSR_SSTATUS), MSTATUS_SIE | (2ull << 32));
}

static void test_sstatus_write_cannot_touch_m_fields(void **state)
{
    cpu->priv = PRV_S;
    wr(CSR_SSTATUS, MSTATUS_MIE | MSTATUS_TVM | MSTATUS_SUM | MSTATUS_SPP);
    cpu->priv = PRV_M;
    assert_int_equal(rd(CSR_MSTATUS) & (MSTATUS_MIE | MSTATUS_TVM | MSTATUS_SUM | MSTATUS_SPP),
                     MSTATUS_SUM | MSTATUS_SPP);
}

/* --- floating-point CSRs ------------------------------------------------ */

static void test_fcsr_illegal_when_fs_off(void **state)
{
    uint64_t v;

    wr(CSR_MSTATUS, 0);
    assert_int_equal(csr_r(CSR_FFLAGS, &v), -1);
    assert_int_equal(csr_r(CSR_FRM, &v), -1);
    assert_int_equal(csr_w(CSR_FCSR, 0), -1);
}

static void test_fflags_write_sets_fs_dirty(void **state)
{
    wr(CSR_MSTATUS, 1ull << MSTATUS_FS_SHIFT);     /* Initial */
    wr(CSR_FFLAGS, 0x3f);
    assert_int_equal(rd(CSR_FFLAGS), 0x1f);
    assert_int_equal(rd(CSR_MSTATUS) & (MSTATUS_FS | MSTATUS_SD), MSTATUS_FS_DIRTY | MSTATUS_SD);
}

static void test_fcsr_combines_frm_and_fflags(void **state)
{
    wr(CSR_MSTATUS, 1ull << MSTATUS_FS_SHIFT);
    wr(CSR_FRM, 7);                 /* reserved mode: kept, traps only when used */
    wr(CSR_FFLAGS, 0x05);
    assert_int_equal(rd(CSR_FCSR), (7 << 5) | 0x05);
    wr(CSR_FCSR, 0x1ff);
    assert_int_equal(rd(CSR_FRM), 7);
    assert_int_equal(rd(CSR_FFLAGS), 0x1f);
    assert_int_equal(rd(CSR_FCSR), 0xff);
}

/* --- counters (§3.1.10-3.1.13, §4.1.3) ------------------------------------ */

static void test_s_counter_access_needs_mcounteren(void **state)
{
    uint64_t v;

    cpu->priv = PRV_S;
    assert_int_equal(csr_r(CSR_CYCLE, &v), -1);
    cpu->mcounteren = 1;
    assert_int_equal(csr_r(CSR_CYCLE, &v), 0);
    assert_int_equal(csr_r(CSR_INSTRET, &v), -1);
}

static void test_u_counter_access_needs_both_enables(void **state)
{
    uint64_t v;

    cpu->priv = PRV_U;
    cpu->mcounteren = 1u << 2;
    assert_int_equal(csr_r(CSR_INSTRET, &v), -1);
    cpu->mcounteren = 0;
    cpu->scounteren = 1u << 2;
    assert_int_equal(csr_r(CSR_INSTRET, &v), -1);
    cpu->mcounteren = 1u << 2;
    assert_int_equal(csr_r(CSR_INSTRET, &v), 0);
}

static void test_hpmcounters_read_zero(void **state)
{
    assert_int_equal(rd(CSR_HPMCOUNTER3), 0);
    assert_int_equal(rd(CSR_HPMCOUNTER31), 0);
    wr(CSR_MHPMCOUNTER3, 123);
    assert_int_equal(rd(CSR_MHPMCOUNTER3), 0);
}

static void test_time_needs_a_clock(void **state)
{
    uint64_t v;

    assert_int_equal(csr_r(CSR_TIME, &v), -1);
    cpu->rdtime = rdtime_stub;
    cpu->rdtime_opaque = &fake_time;
    fake_time = 12345;
    assert_int_equal(rd(CSR_TIME), 12345);
}

static void test_minstret_write_is_seen_by_next_instruction(void **state)
{
    cpu->parent.icount = 50;
    wr(CSR_MINSTRET, 1000);
    cpu->parent.icount = 51;                /* the writing instruction retired */
    assert_int_equal(rd(CSR_MINSTRET), 1000);
    cpu->parent.icount = 61;
    assert_int_equal(rd(CSR_INSTRET), 1010);
}

static void test_mcountinhibit_freezes_minstret(void **state)
{
    cpu->parent.icount = 10;
    wr(CSR_MINSTRET, 100);                  /* next instruction (icount 11) reads 100 */
    cpu->parent.icount = 15;                /* minstret = 104 */
    wr(CSR_MCOUNTINHIBIT, 1u << 2);
    cpu->parent.icount = 500;
    assert_int_equal(rd(CSR_MINSTRET), 104);
    assert_int_equal(rd(CSR_MCOUNTINHIBIT), 1u << 2);
    wr(CSR_MCOUNTINHIBIT, 0);
    cpu->parent.icount = 510;
    assert_int_equal(rd(CSR_MINSTRET), 114);
}

/* --- delegation and interrupt registers (§3.1.8, §3.1.9, §4.1.3) ---------- */

static void test_medeleg_cannot_delegate_ecall_from_m(void **state)
{
    wr(CSR_MEDELEG, ~0ull);
    assert_int_equal(rd(CSR_MEDELEG), 0xb3ff);
}

static void test_mideleg_only_supervisor_interrupts(void **state)
{
    wr(CSR_MIDELEG, ~0ull);
    assert_int_equal(rd(CSR_MIDELEG), 0x222);
}

static void test_mie_only_implemented_bits(void **state)
{
    wr(CSR_MIE, ~0ull);
    assert_int_equal(rd(CSR_MIE), 0xaaa);
}

static void test_mip_machine_bits_read_only(void **state)
{
    wr(CSR_MIP, ~0ull);
    assert_int_equal(rd(CSR_MIP), 0x222);
    riscv_cpu_set_irq(cpu, IRQ_M_TIMER, 1);
    wr(CSR_MIP, 0);
    assert_int_equal(rd(CSR_MIP), MIP_MTIP);
}

static void test_sie_sip_are_views_through_mideleg(void **state)
{
    wr(CSR_MIDELEG, MIP_SSIP | MIP_STIP);
    wr(CSR_MIE, MIP_MTIP);
    cpu->priv = PRV_S;
    wr(CSR_SIE, 0xaaa);
    cpu->priv = PRV_M;
    assert_int_equal(rd(CSR_MIE), MIP_MTIP | MIP_SSIP | MIP_STIP);
    assert_int_equal(rd(CSR_SIE), MIP_SSIP | MIP_STIP);
}

static void test_sip_writes_only_ssip(void **state)
{
    wr(CSR_MIDELEG, 0x222);
    cpu->priv = PRV_S;
    wr(CSR_SIP, 0x222);
    cpu->priv = PRV_M;
    assert_int_equal(rd(CSR_MIP), MIP_SSIP);
}

/* --- trap vectors, epc, satp, envcfg --------------------------------------- */

static void test_tvec_reserved_mode_keeps_old_mode(void **state)
{
    wr(CSR_MTVEC, 0x80000001);
    wr(CSR_MTVEC, 0x80000102);
    assert_int_equal(rd(CSR_MTVEC), 0x80000101);
    wr(CSR_STVEC, 0x80000203);
    assert_int_equal(rd(CSR_STVEC), 0x80000200);
}

static void test_epc_bit0_cleared(void **state)
{
    wr(CSR_MEPC, 0x80000003);
    assert_int_equal(rd(CSR_MEPC), 0x80000002);
    wr(CSR_SEPC, 0x1001);
    assert_int_equal(rd(CSR_SEPC), 0x1000);
}

static void test_satp_unsupported_mode_write_ignored(void **state)
{
    uint64_t sv48 = (9ull << 60) | 0x80123;

    wr(CSR_SATP, sv48);
    assert_int_equal(rd(CSR_SATP), sv48);
    wr(CSR_SATP, (1ull << 60) | 0x5);       /* mode 1: reserved */
    wr(CSR_SATP, (11ull << 60) | 0x5);      /* Sv64: not supported */
    assert_int_equal(rd(CSR_SATP), sv48);
}

static void test_satp_write_ends_tb(void **state)
{
    assert_int_equal(csr_w(CSR_SATP, (8ull << 60) | 0x80001), 1);
}

static void test_satp_illegal_in_s_with_tvm(void **state)
{
    uint64_t v;

    wr(CSR_MSTATUS, MSTATUS_TVM);
    cpu->priv = PRV_S;
    assert_int_equal(csr_r(CSR_SATP, &v), -1);
    cpu->priv = PRV_M;
    assert_int_equal(csr_r(CSR_SATP, &v), 0);
}

static void test_menvcfg_keeps_stce_and_fiom_only(void **state)
{
    wr(CSR_MENVCFG, ~0ull);
    assert_int_equal(rd(CSR_MENVCFG), (1ull << 63) | 1);
}

static void test_stimecmp_gated_by_stce_and_tm_in_s(void **state)
{
    uint64_t v;

    cpu->priv = PRV_S;
    assert_int_equal(csr_r(CSR_STIMECMP, &v), -1);
    cpu->menvcfg = MENVCFG_STCE;
    assert_int_equal(csr_r(CSR_STIMECMP, &v), -1);
    cpu->mcounteren = 1u << 1;
    assert_int_equal(csr_r(CSR_STIMECMP, &v), 0);
}

static void test_stip_follows_stimecmp_with_stce(void **state)
{
    cpu->rdtime = rdtime_stub;
    cpu->rdtime_opaque = &fake_time;
    wr(CSR_MENVCFG, MENVCFG_STCE);
    fake_time = 100;
    wr(CSR_STIMECMP, 200);
    assert_int_equal(rd(CSR_MIP) & MIP_STIP, 0);
    fake_time = 200;
    assert_int_equal(rd(CSR_MIP) & MIP_STIP, MIP_STIP);
    wr(CSR_MIP, 0);                         /* read-only under STCE */
    assert_int_equal(rd(CSR_MIP) & MIP_STIP, MIP_STIP);
    wr(CSR_STIMECMP, 1000);
    assert_int_equal(rd(CSR_MIP) & MIP_STIP, 0);
}

/* --- PMP CSRs (§3.7.1) ------------------------------------------------------ */

static void test_pmpcfg_write_only_combination_ignored(void **state)
{
    /* Byte 0: W without R (reserved) is dropped; byte 1 is taken. */
    wr(CSR_PMPCFG0, (uint64_t)(PMP_A_NA4 | PMP_R) << 8 | (PMP_A_NA4 | PMP_W));
    assert_int_equal(rd(CSR_PMPCFG0), (uint64_t)(PMP_A_NA4 | PMP_R) << 8);
}

static void test_pmpcfg2_holds_entries_8_to_15(void **state)
{
    wr(CSR_PMPCFG0 + 2, PMP_A_TOR | PMP_X);
    assert_int_equal(cpu->pmpcfg[8], PMP_A_TOR | PMP_X);
    assert_int_equal(cpu->pmp_active, 1);
}

static void test_locked_pmp_entry_ignores_writes(void **state)
{
    wr(CSR_PMPADDR0, 0x1234);
    wr(CSR_PMPCFG0, PMP_L | PMP_A_NAPOT | PMP_R);
    wr(CSR_PMPCFG0, 0);
    wr(CSR_PMPADDR0, 0x5678);
    assert_int_equal(rd(CSR_PMPCFG0), PMP_L | PMP_A_NAPOT | PMP_R);
    assert_int_equal(rd(CSR_PMPADDR0), 0x1234);
}

static void test_locked_tor_entry_locks_previous_address(void **state)
{
    wr(CSR_PMPADDR0, 0x100);
    wr(CSR_PMPCFG0, (uint64_t)(PMP_L | PMP_A_TOR | PMP_R) << 8);
    wr(CSR_PMPADDR0, 0x200);
    assert_int_equal(rd(CSR_PMPADDR0), 0x100);
}

static void test_pmpaddr_holds_54_bits(void **state)
{
    wr(CSR_PMPADDR0 + 5, ~0ull);
    assert_int_equal(rd(CSR_PMPADDR0 + 5), (1ull << 54) - 1);
}

/* --- trap entry and return (§3.1.6.1, §3.3.2, §4.1.1) -------------------- */

static void take(uint64_t cause, uint64_t tval, gva_t pc)
{
    cpu->parent.pc = pc;
    cpu->parent.exception_cause = cause;
    cpu->parent.exception_tval = tval;
    riscv_do_exception(&cpu->parent);
}

static void test_delegated_exception_from_u_enters_s(void **state)
{
    cpu->medeleg = 1ull << EXC_LOAD_PAGE_FAULT;
    cpu->stvec = 0xffffffff80001000ull;
    cpu->mstatus |= MSTATUS_SIE;
    cpu->priv = PRV_U;
    take(EXC_LOAD_PAGE_FAULT, 0xdead000, 0x10074);
    assert_int_equal(cpu->priv, PRV_S);
    assert_int_equal(cpu->sepc, 0x10074);
    assert_int_equal(cpu->scause, EXC_LOAD_PAGE_FAULT);
    assert_int_equal(cpu->stval, 0xdead000);
    assert_int_equal(cpu->parent.pc, 0xffffffff80001000ull);
    assert_int_equal(cpu->mstatus & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE);
    assert_int_equal(cpu->mcause, 0);
}

static void test_delegated_exception_in_m_stays_in_m(void **state)
{
    cpu->medeleg = 1ull << EXC_ILLEGAL_INST;
    cpu->mtvec = 0x80000100;
    cpu->mstatus |= MSTATUS_MIE;
    take(EXC_ILLEGAL_INST, 0x13, 0x80000040);
    assert_int_equal(cpu->priv, PRV_M);
    assert_int_equal(cpu->mepc, 0x80000040);
    assert_int_equal(cpu->mcause, EXC_ILLEGAL_INST);
    assert_int_equal(cpu->mtval, 0x13);
    assert_int_equal(cpu->parent.pc, 0x80000100);
    assert_int_equal(cpu->mstatus & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP),
                     MSTATUS_MPIE | (3ull << MSTATUS_MPP_SHIFT));
}

static void test_undelegated_exception_from_s_enters_m(void **state)
{
    cpu->mtvec = 0x80000200;
    cpu->priv = PRV_S;
    take(EXC_ECALL_S, 0, 0x80200010);
    assert_int_equal(cpu->priv, PRV_M);
    assert_int_equal(cpu->mstatus & MSTATUS_MPP, 1ull << MSTATUS_MPP_SHIFT);
    assert_int_equal(cpu->mcause, EXC_ECALL_S);
    assert_int_equal(cpu->data_mmu_idx, MMU_IDX_M);
}

static void test_vectored_interrupt_uses_base_plus_4_cause(void **state)
{
    cpu->mtvec = 0x80000401;
    cpu->priv = PRV_U;
    take(CAUSE_INTERRUPT | IRQ_M_TIMER, 0x999, 0x1000);
    assert_int_equal(cpu->parent.pc, 0x80000400 + 4 * 7);
    assert_int_equal(cpu->mtval, 0);
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_TIMER);
}

static void test_vectored_mode_sends_exceptions_to_base(void **state)
{
    cpu->mtvec = 0x80000401;
    take(EXC_BREAKPOINT, 0, 0x1000);
    assert_int_equal(cpu->parent.pc, 0x80000400);
}

static void test_trap_clears_reservation(void **state)
{
    cpu->reservation = 0x80001000;
    take(EXC_BREAKPOINT, 0, 0x1000);
    assert_int_equal(cpu->reservation, ~0ull);
}

static void test_mret_to_s_restores_state_and_clears_mprv(void **state)
{
    cpu->mstatus |= MSTATUS_MPIE | MSTATUS_MPRV | (1ull << MSTATUS_MPP_SHIFT);
    cpu->mepc = 0x80200000;
    assert_int_equal(riscv_do_mret(cpu), 0);
    assert_int_equal(cpu->priv, PRV_S);
    assert_int_equal(cpu->parent.pc, 0x80200000);
    assert_int_equal(cpu->mstatus & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV),
                     MSTATUS_MIE | MSTATUS_MPIE);
    assert_int_equal(cpu->data_mmu_idx, MMU_IDX_S);
}

static void test_mret_to_m_keeps_mprv(void **state)
{
    cpu->mstatus |= MSTATUS_MPRV | (3ull << MSTATUS_MPP_SHIFT);
    assert_int_equal(riscv_do_mret(cpu), 0);
    assert_int_equal(cpu->priv, PRV_M);
    assert_true(cpu->mstatus & MSTATUS_MPRV);
    assert_int_equal(cpu->mstatus & MSTATUS_MPP, 0);
}

static void test_mret_below_m_is_illegal(void **state)
{
    cpu->priv = PRV_S;
    assert_int_equal(riscv_do_mret(cpu), -1);
}

static void test_sret_to_u(void **state)
{
    cpu->priv = PRV_S;
    cpu->mstatus |= MSTATUS_SPIE | MSTATUS_MPRV;
    cpu->sepc = 0x10000;
    assert_int_equal(riscv_do_sret(cpu), 0);
    assert_int_equal(cpu->priv, PRV_U);
    assert_int_equal(cpu->parent.pc, 0x10000);
    assert_int_equal(cpu->mstatus & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_MPRV),
                     MSTATUS_SIE | MSTATUS_SPIE);
}

static void test_sret_illegal_in_u_and_with_tsr(void **state)
{
    cpu->priv = PRV_U;
    assert_int_equal(riscv_do_sret(cpu), -1);
    cpu->priv = PRV_S;
    cpu->mstatus |= MSTATUS_TSR;
    assert_int_equal(riscv_do_sret(cpu), -1);
    cpu->priv = PRV_M;
    assert_int_equal(riscv_do_sret(cpu), 0);
}

static void test_wfi_legality(void **state)
{
    cpu->priv = PRV_U;
    assert_int_equal(riscv_do_wfi(cpu), -1);
    cpu->priv = PRV_S;
    cpu->mstatus |= MSTATUS_TW;
    assert_int_equal(riscv_do_wfi(cpu), -1);
    cpu->mstatus &= ~MSTATUS_TW;
    assert_int_equal(riscv_do_wfi(cpu), 0);
}

static void test_wfi_halts_only_without_pending_interrupt(void **state)
{
    assert_int_equal(riscv_do_wfi(cpu), 0);
    assert_true(cpu->parent.halted);
    cpu->parent.halted = false;
    cpu->mie = MIP_MTIP;
    cpu->mip = MIP_MTIP;
    assert_int_equal(riscv_do_wfi(cpu), 0);
    assert_false(cpu->parent.halted);
}

static void test_sfence_vma_legality(void **state)
{
    cpu->priv = PRV_U;
    assert_int_equal(riscv_do_sfence_vma(cpu, 0, false, 0, false), -1);
    cpu->priv = PRV_S;
    assert_int_equal(riscv_do_sfence_vma(cpu, 0x1000, true, 0, false), 0);
    cpu->mstatus |= MSTATUS_TVM;
    assert_int_equal(riscv_do_sfence_vma(cpu, 0x1000, true, 0, false), -1);
}

/* --- interrupt selection (§3.1.9) ------------------------------------------ */

static void test_no_interrupt_when_none_pending(void **state)
{
    cpu->mstatus |= MSTATUS_MIE;
    cpu->mie = 0xaaa;
    assert_false(riscv_exec_interrupt(&cpu->parent));
}

static void test_m_interrupt_masked_in_m_without_mie(void **state)
{
    cpu->mie = MIP_MTIP;
    cpu->mip = MIP_MTIP;
    cpu->parent.halted = true;
    assert_false(riscv_exec_interrupt(&cpu->parent));
    assert_false(cpu->parent.halted);       /* but wfi wakes up */
}

static void test_m_interrupt_taken_in_s_without_mie(void **state)
{
    cpu->priv = PRV_S;
    cpu->mie = MIP_MSIP;
    cpu->mip = MIP_MSIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_SOFT);
    assert_int_equal(cpu->priv, PRV_M);
}

static void test_interrupt_priority_mei_msi_mti(void **state)
{
    cpu->mstatus |= MSTATUS_MIE;
    cpu->mie = 0xaaa;
    cpu->mip = MIP_MTIP | MIP_MSIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_SOFT);
    cpu->priv = PRV_U;
    cpu->mip = MIP_MTIP | MIP_MEIP | MIP_SEIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_EXT);
}

static void test_undelegated_s_interrupt_goes_to_m_after_m_ones(void **state)
{
    /* Not delegated: SEI is an M-destined interrupt, below MTI in priority. */
    cpu->priv = PRV_U;
    cpu->mie = MIP_SEIP | MIP_MTIP;
    cpu->mip = MIP_SEIP | MIP_MTIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_TIMER);
    cpu->priv = PRV_U;
    cpu->mip = MIP_SEIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_S_EXT);
    assert_int_equal(cpu->priv, PRV_M);
}

static void test_delegated_interrupt_never_taken_in_m(void **state)
{
    cpu->mstatus |= MSTATUS_MIE | MSTATUS_SIE;
    cpu->mideleg = MIP_STIP;
    cpu->mie = MIP_STIP;
    cpu->mip = MIP_STIP;
    assert_false(riscv_exec_interrupt(&cpu->parent));
}

static void test_delegated_interrupt_in_s_needs_sie(void **state)
{
    cpu->priv = PRV_S;
    cpu->mideleg = MIP_STIP;
    cpu->mie = MIP_STIP;
    cpu->mip = MIP_STIP;
    assert_false(riscv_exec_interrupt(&cpu->parent));
    cpu->mstatus |= MSTATUS_SIE;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->scause, CAUSE_INTERRUPT | IRQ_S_TIMER);
    assert_int_equal(cpu->priv, PRV_S);
}

static void test_delegated_interrupt_taken_in_u_regardless_of_sie(void **state)
{
    cpu->priv = PRV_U;
    cpu->mideleg = 0x222;
    cpu->mie = MIP_SSIP | MIP_STIP;
    cpu->mip = MIP_SSIP | MIP_STIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->scause, CAUSE_INTERRUPT | IRQ_S_SOFT);
}

static void test_m_destined_interrupt_before_s_destined(void **state)
{
    /* MTI (to M) beats SEI (delegated to S) from U-mode. */
    cpu->priv = PRV_U;
    cpu->mideleg = MIP_SEIP;
    cpu->mie = MIP_SEIP | MIP_MTIP;
    cpu->mip = MIP_SEIP | MIP_MTIP;
    assert_true(riscv_exec_interrupt(&cpu->parent));
    assert_int_equal(cpu->priv, PRV_M);
    assert_int_equal(cpu->mcause, CAUSE_INTERRUPT | IRQ_M_TIMER);
}

static void test_set_irq_requests_exit(void **state)
{
    cpu->parent.exit_request = 0;
    riscv_cpu_set_irq(cpu, IRQ_M_EXT, 1);
    assert_int_equal(cpu->mip, MIP_MEIP);
    assert_int_equal(cpu->parent.exit_request, 1);
    riscv_cpu_set_irq(cpu, IRQ_M_EXT, 0);
    assert_int_equal(cpu->mip, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_csr_below_its_privilege_is_illegal),
        T(test_write_to_read_only_csr_is_illegal),
        T(test_unknown_csr_is_illegal),
        T(test_id_csrs_read_zero),
        T(test_misa_is_rv64imafdcsu_and_ignores_writes),
        T(test_trigger_csrs_read_zero_and_ignore_writes),
        T(test_mstatus_xl_fields_fixed_at_64),
        T(test_mstatus_mpp_reserved_value_keeps_old),
        T(test_mstatus_sd_follows_fs_dirty),
        T(test_mstatus_vs_is_read_only_zero),
        T(test_mstatus_write_changing_mprv_ends_tb),
        T(test_mprv_selects_data_mmu_idx_from_mpp),
        T(test_sstatus_is_masked_view),
        T(test_sstatus_write_cannot_touch_m_fields),
        T(test_fcsr_illegal_when_fs_off),
        T(test_fflags_write_sets_fs_dirty),
        T(test_fcsr_combines_frm_and_fflags),
        T(test_s_counter_access_needs_mcounteren),
        T(test_u_counter_access_needs_both_enables),
        T(test_hpmcounters_read_zero),
        T(test_time_needs_a_clock),
        T(test_minstret_write_is_seen_by_next_instruction),
        T(test_mcountinhibit_freezes_minstret),
        T(test_medeleg_cannot_delegate_ecall_from_m),
        T(test_mideleg_only_supervisor_interrupts),
        T(test_mie_only_implemented_bits),
        T(test_mip_machine_bits_read_only),
        T(test_sie_sip_are_views_through_mideleg),
        T(test_sip_writes_only_ssip),
        T(test_tvec_reserved_mode_keeps_old_mode),
        T(test_epc_bit0_cleared),
        T(test_satp_unsupported_mode_write_ignored),
        T(test_satp_write_ends_tb),
        T(test_satp_illegal_in_s_with_tvm),
        T(test_menvcfg_keeps_stce_and_fiom_only),
        T(test_stimecmp_gated_by_stce_and_tm_in_s),
        T(test_stip_follows_stimecmp_with_stce),
        T(test_pmpcfg_write_only_combination_ignored),
        T(test_pmpcfg2_holds_entries_8_to_15),
        T(test_locked_pmp_entry_ignores_writes),
        T(test_locked_tor_entry_locks_previous_address),
        T(test_pmpaddr_holds_54_bits),
        T(test_delegated_exception_from_u_enters_s),
        T(test_delegated_exception_in_m_stays_in_m),
        T(test_undelegated_exception_from_s_enters_m),
        T(test_vectored_interrupt_uses_base_plus_4_cause),
        T(test_vectored_mode_sends_exceptions_to_base),
        T(test_trap_clears_reservation),
        T(test_mret_to_s_restores_state_and_clears_mprv),
        T(test_mret_to_m_keeps_mprv),
        T(test_mret_below_m_is_illegal),
        T(test_sret_to_u),
        T(test_sret_illegal_in_u_and_with_tsr),
        T(test_wfi_legality),
        T(test_wfi_halts_only_without_pending_interrupt),
        T(test_sfence_vma_legality),
        T(test_no_interrupt_when_none_pending),
        T(test_m_interrupt_masked_in_m_without_mie),
        T(test_m_interrupt_taken_in_s_without_mie),
        T(test_interrupt_priority_mei_msi_mti),
        T(test_undelegated_s_interrupt_goes_to_m_after_m_ones),
        T(test_delegated_interrupt_never_taken_in_m),
        T(test_delegated_interrupt_in_s_needs_sie),
        T(test_delegated_interrupt_taken_in_u_regardless_of_sie),
        T(test_m_destined_interrupt_before_s_destined),
        T(test_set_irq_requests_exit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
