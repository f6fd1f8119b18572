/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the RISC-V page walker and PMP (cpu/riscv/mmu.c): page
 * tables are written by hand into a real RAM region and riscv_tlb_fill
 * is called directly.  Expected addresses, causes and PTE bits come from
 * the privileged spec (§3.7, §4.3-4.5), worked out by hand below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tcg/tlb.h"

#define RAM_SIZE (16ull << 20)
#include "hart-fixture.h"
#define NO_FAULT (~0ull)

/* Page-table pages (physical). */
#define ROOT 0x80001000ull
#define L1   0x80002000ull
#define L0   0x80003000ull
#define T4   0x80004000ull
#define T5   0x80005000ull
#define T6   0x80006000ull

#define PTE_LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)


static void wr64(gpa_t pa, uint64_t v)
{
    assert_int_equal(memory_write(&m->as, pa, 8, v), 0);
}

static uint64_t rd64(gpa_t pa)
{
    uint64_t v;

    assert_int_equal(memory_read(&m->as, pa, 8, &v), 0);
    return v;
}

/* A PTE pointing at physical address pa with the given flag bits. */
static uint64_t pte(gpa_t pa, uint64_t flags)
{
    return ((pa >> 12) << PTE_PPN_SHIFT) | flags;
}

static void set_satp(uint64_t mode, gpa_t root)
{
    cpu->satp = (mode << SATP_MODE_SHIFT) | (root >> 12);
}

/* Translate; returns the physical address, or sets *cause and returns NO_FAULT. */
static gpa_t fill(gva_t va, AccessType acc, int idx, uint64_t *cause)
{
    *cause = NO_FAULT;
    if (sigsetjmp(cpu->parent.jmp_env, 0) == 0) {
        return riscv_tlb_fill(&cpu->parent, va, 1, acc, idx);
    }
    *cause = cpu->parent.exception_cause;
    return NO_FAULT;
}

static gpa_t fill_ok(gva_t va, AccessType acc, int idx)
{
    uint64_t cause;
    gpa_t pa = fill(va, acc, idx, &cause);

    assert_int_equal(cause, NO_FAULT);
    return pa;
}

static void fill_faults(gva_t va, AccessType acc, int idx, uint64_t want_cause)
{
    uint64_t cause;

    fill(va, acc, idx, &cause);
    assert_int_equal(cause, want_cause);
    assert_int_equal(cpu->parent.exception_tval, va);
}

/*
 * Sv39 tables: va 0x40201234 has VPN[2] = 1, VPN[1] = 1, VPN[0] = 1,
 * offset 0x234.  ROOT[1] -> L1, L1[1] -> L0, L0[1] -> leaf.
 */
#define VA4K 0x40201234ull

static void sv39_4k(uint64_t leaf_flags)
{
    set_satp(SATP_MODE_SV39, ROOT);
    wr64(ROOT + 1 * 8, pte(L1, PTE_V));
    wr64(L1 + 1 * 8, pte(L0, PTE_V));
    wr64(L0 + 1 * 8, pte(0x80010000, leaf_flags));
}

static void test_sv39_4k_leaf_translates(void **state)
{
    sv39_4k(PTE_LEAF_RWX);
    assert_int_equal(fill_ok(VA4K, ACCESS_READ, MMU_IDX_S), 0x80010234);
}

static void test_sv39_2m_leaf_translates(void **state)
{
    /* va = VPN[2] 1, VPN[1] 2, offset 0x12345 within the 2 MiB page. */
    set_satp(SATP_MODE_SV39, ROOT);
    wr64(ROOT + 1 * 8, pte(L1, PTE_V));
    wr64(L1 + 2 * 8, pte(0x80200000, PTE_LEAF_RWX));
    assert_int_equal(fill_ok(0x40412345, ACCESS_WRITE, MMU_IDX_S), 0x80212345);
}

static void test_sv39_1g_leaf_translates(void **state)
{
    set_satp(SATP_MODE_SV39, ROOT);
    wr64(ROOT + 3 * 8, pte(0x80000000, PTE_LEAF_RWX));
    assert_int_equal(fill_ok(0xc0123456, ACCESS_FETCH, MMU_IDX_S), 0x80123456);
}

static void test_sv39_negative_half_translates(void **state)
{
    /* 0xffffffc000000000 is canonical in Sv39 with VPN[2] = 256. */
    set_satp(SATP_MODE_SV39, ROOT);
    wr64(ROOT + 256 * 8, pte(0x80000000, PTE_LEAF_RWX));
    assert_int_equal(fill_ok(0xffffffc000000abcull, ACCESS_READ, MMU_IDX_S), 0x80000abc);
}

static void test_sv48_translates(void **state)
{
    /* va bit 39 set: VPN[3] = 1, VPN[2] = 0, a 1 GiB leaf at level 2. */
    set_satp(SATP_MODE_SV48, T4);
    wr64(T4 + 1 * 8, pte(T5, PTE_V));
    wr64(T5 + 0 * 8, pte(0x80000000, PTE_LEAF_RWX));
    assert_int_equal(fill_ok((1ull << 39) | 0x5678, ACCESS_READ, MMU_IDX_S), 0x80005678);
}

static void test_sv57_translates(void **state)
{
    /* VPN[4] = 1, VPN[3] = 0, VPN[2] = 2 -> 1 GiB leaf. */
    set_satp(SATP_MODE_SV57, T4);
    wr64(T4 + 1 * 8, pte(T5, PTE_V));
    wr64(T5 + 0 * 8, pte(T6, PTE_V));
    wr64(T6 + 2 * 8, pte(0x80000000, PTE_LEAF_RWX));
    assert_int_equal(fill_ok((1ull << 48) | (2ull << 30) | 0x42, ACCESS_READ, MMU_IDX_S),
                     0x80000042);
}

static void test_sv39_non_canonical_is_page_fault(void **state)
{
    /* Bit 39 set with bits 63:40 clear is not a sign extension of bit 38. */
    sv39_4k(PTE_LEAF_RWX);
    fill_faults(1ull << 39, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
}

static void test_sv48_non_canonical_is_page_fault(void **state)
{
    set_satp(SATP_MODE_SV48, T4);
    fill_faults(1ull << 48, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_PAGE_FAULT);
}

static void test_invalid_pte_is_page_fault(void **state)
{
    sv39_4k(PTE_LEAF_RWX & ~PTE_V);
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_S, EXC_INST_PAGE_FAULT);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_PAGE_FAULT);
}

static void test_write_without_read_is_page_fault(void **state)
{
    sv39_4k(PTE_V | PTE_W | PTE_A | PTE_D);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_PAGE_FAULT);
}

static void test_store_to_read_only_page_is_page_fault(void **state)
{
    sv39_4k(PTE_V | PTE_R | PTE_A | PTE_D);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_PAGE_FAULT);
}

static void test_fetch_without_x_is_page_fault(void **state)
{
    sv39_4k(PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_S, EXC_INST_PAGE_FAULT);
}

static void test_reserved_pte_bits_are_page_fault(void **state)
{
    sv39_4k(PTE_LEAF_RWX | (1ull << 54));
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
}

static void test_pbmt_bits_are_page_fault_without_svpbmt(void **state)
{
    sv39_4k(PTE_LEAF_RWX | (1ull << 61));
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
}

static void test_misaligned_superpage_is_page_fault(void **state)
{
    /* A 2 MiB leaf whose PPN[0] is 1. */
    set_satp(SATP_MODE_SV39, ROOT);
    wr64(ROOT + 1 * 8, pte(L1, PTE_V));
    wr64(L1 + 2 * 8, pte(0x80201000, PTE_LEAF_RWX));
    fill_faults(0x40400000, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
}

static void test_non_leaf_at_level_0_is_page_fault(void **state)
{
    sv39_4k(PTE_V);
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
}

static void test_pte_outside_ram_is_access_fault(void **state)
{
    /* Root table at 0x10000000: no memory there. */
    set_satp(SATP_MODE_SV39, 0x10000000);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_ACCESS);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_S, EXC_INST_ACCESS);
}

static void test_s_access_to_u_page_needs_sum(void **state)
{
    sv39_4k(PTE_LEAF_RWX | PTE_U);
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
    assert_int_equal(fill_ok(VA4K, ACCESS_READ, MMU_IDX_S_SUM), 0x80010234);
    assert_int_equal(fill_ok(VA4K, ACCESS_WRITE, MMU_IDX_S_SUM), 0x80010234);
}

static void test_s_fetch_from_u_page_faults_even_with_sum(void **state)
{
    sv39_4k(PTE_LEAF_RWX | PTE_U);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_S_SUM, EXC_INST_PAGE_FAULT);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_S, EXC_INST_PAGE_FAULT);
}

static void test_u_access_to_s_page_faults(void **state)
{
    sv39_4k(PTE_LEAF_RWX);
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_U, EXC_LOAD_PAGE_FAULT);
    fill_faults(VA4K, ACCESS_FETCH, MMU_IDX_U, EXC_INST_PAGE_FAULT);
}

static void test_u_access_to_u_page_translates(void **state)
{
    sv39_4k(PTE_LEAF_RWX | PTE_U);
    assert_int_equal(fill_ok(VA4K, ACCESS_FETCH, MMU_IDX_U), 0x80010234);
}

static void test_mxr_makes_execute_only_page_readable(void **state)
{
    sv39_4k(PTE_V | PTE_X | PTE_A);
    fill_faults(VA4K, ACCESS_READ, MMU_IDX_S, EXC_LOAD_PAGE_FAULT);
    cpu->mstatus |= MSTATUS_MXR;
    assert_int_equal(fill_ok(VA4K, ACCESS_READ, MMU_IDX_S), 0x80010234);
}

static void test_m_mode_does_not_translate(void **state)
{
    sv39_4k(PTE_LEAF_RWX);
    assert_int_equal(fill_ok(0x80123456, ACCESS_READ, MMU_IDX_M), 0x80123456);
}

static void test_bare_satp_does_not_translate(void **state)
{
    cpu->satp = 0;
    assert_int_equal(fill_ok(0x80123456, ACCESS_WRITE, MMU_IDX_U), 0x80123456);
}

static void test_read_sets_accessed_not_dirty(void **state)
{
    sv39_4k(PTE_V | PTE_R | PTE_W);
    fill_ok(VA4K, ACCESS_READ, MMU_IDX_S);
    assert_int_equal(rd64(L0 + 8), pte(0x80010000, PTE_V | PTE_R | PTE_W | PTE_A));
}

static void test_write_sets_accessed_and_dirty(void **state)
{
    sv39_4k(PTE_V | PTE_R | PTE_W);
    fill_ok(VA4K, ACCESS_WRITE, MMU_IDX_S);
    assert_int_equal(rd64(L0 + 8), pte(0x80010000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
}

static void test_clean_page_is_not_cached_writable(void **state)
{
    /* The first store must come back through the walk to set D. */
    sv39_4k(PTE_V | PTE_R | PTE_W | PTE_A);
    fill_ok(VA4K, ACCESS_READ, MMU_IDX_S);
    assert_int_equal(tlb_entry(&cpu->parent, MMU_IDX_S, VA4K)->addr_read, VA4K & PAGE_MASK);
    assert_true(tlb_entry(&cpu->parent, MMU_IDX_S, VA4K)->addr_write & TLB_INVALID);
}

static void test_dirty_page_is_cached_writable(void **state)
{
    sv39_4k(PTE_LEAF_RWX);
    fill_ok(VA4K, ACCESS_READ, MMU_IDX_S);
    assert_int_equal(tlb_entry(&cpu->parent, MMU_IDX_S, VA4K)->addr_write, VA4K & PAGE_MASK);
}

static void test_faulting_walk_does_not_set_accessed(void **state)
{
    sv39_4k(PTE_V | PTE_R);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_PAGE_FAULT);
    assert_int_equal(rd64(L0 + 8), pte(0x80010000, PTE_V | PTE_R));
}

static void test_debug_translate_has_no_side_effects(void **state)
{
    gpa_t pa;

    sv39_4k(PTE_V | PTE_R | PTE_W);
    cpu->priv = PRV_S;
    assert_int_equal(riscv_debug_translate(cpu, VA4K, &pa), 0);
    assert_int_equal(pa, 0x80010234);
    assert_int_equal(rd64(L0 + 8), pte(0x80010000, PTE_V | PTE_R | PTE_W));
    assert_int_equal(riscv_debug_translate(cpu, 0x1000, &pa), -1);
}

/* --- PMP ----------------------------------------------------------------- */

static void pmp_set(int i, uint8_t cfg, uint64_t addr)
{
    cpu->pmpcfg[i] = cfg;
    cpu->pmpaddr[i] = addr;
    riscv_pmp_update(cpu);
}

/* NAPOT 64 KiB at 0x80000000: addr>>2 with 13 trailing ones (2^(13+3) bytes). */
#define NAPOT_64K ((0x80000000ull >> 2) | 0x1fff)

static void test_pmp_napot_allows_inside_denies_outside(void **state)
{
    pmp_set(0, PMP_A_NAPOT | PMP_R, NAPOT_64K);
    assert_int_equal(fill_ok(0x8000fff8, ACCESS_READ, MMU_IDX_S), 0x8000fff8);
    fill_faults(0x80010000, ACCESS_READ, MMU_IDX_S, EXC_LOAD_ACCESS);
    fill_faults(0x80000000, ACCESS_WRITE, MMU_IDX_U, EXC_STORE_ACCESS);
}

static void test_pmp_tor_matches_range(void **state)
{
    /* Entry 1 TOR: [pmpaddr0 << 2, pmpaddr1 << 2) = [0x80001000, 0x80002000). */
    pmp_set(0, 0, 0x80001000 >> 2);
    pmp_set(1, PMP_A_TOR | PMP_R | PMP_W | PMP_X, 0x80002000 >> 2);
    fill_ok(0x80001000, ACCESS_WRITE, MMU_IDX_S);
    fill_ok(0x80001fff, ACCESS_FETCH, MMU_IDX_U);
    fill_faults(0x80000fff, ACCESS_READ, MMU_IDX_S, EXC_LOAD_ACCESS);
    fill_faults(0x80002000, ACCESS_FETCH, MMU_IDX_S, EXC_INST_ACCESS);
}

static void test_pmp_na4_matches_four_bytes(void **state)
{
    pmp_set(0, PMP_A_NA4 | PMP_R, 0x80000100 >> 2);
    fill_ok(0x80000103, ACCESS_READ, MMU_IDX_S);
    fill_faults(0x80000104, ACCESS_READ, MMU_IDX_S, EXC_LOAD_ACCESS);
}

static void test_pmp_lowest_entry_wins(void **state)
{
    /* Entry 0 denies writes to a 4-byte word inside entry 1's RW region. */
    pmp_set(0, PMP_A_NA4 | PMP_R, 0x80000100 >> 2);
    pmp_set(1, PMP_A_NAPOT | PMP_R | PMP_W, NAPOT_64K);
    fill_faults(0x80000100, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_ACCESS);
    fill_ok(0x80000104, ACCESS_WRITE, MMU_IDX_S);
}

static void test_pmp_partial_match_fails(void **state)
{
    uint64_t cause;

    pmp_set(0, PMP_A_NA4 | PMP_R | PMP_W | PMP_X, 0x80000100 >> 2);
    pmp_set(1, PMP_A_NAPOT | PMP_R | PMP_W | PMP_X, NAPOT_64K);
    /* 8 bytes at 0x800000fc straddle entry 0: the access fails. */
    cause = NO_FAULT;
    if (sigsetjmp(cpu->parent.jmp_env, 0) == 0) {
        riscv_tlb_fill(&cpu->parent, 0x800000fc, 8, ACCESS_READ, MMU_IDX_S);
    } else {
        cause = cpu->parent.exception_cause;
    }
    assert_int_equal(cause, EXC_LOAD_ACCESS);
}

static void test_pmp_no_match_denies_s_allows_m(void **state)
{
    pmp_set(0, PMP_A_NA4 | PMP_R, 0x80000100 >> 2);
    fill_faults(0x80400000, ACCESS_READ, MMU_IDX_S, EXC_LOAD_ACCESS);
    fill_ok(0x80400000, ACCESS_READ, MMU_IDX_M);
}

static void test_pmp_unlocked_entry_does_not_bind_m(void **state)
{
    pmp_set(0, PMP_A_NAPOT, NAPOT_64K);
    fill_ok(0x80000000, ACCESS_WRITE, MMU_IDX_M);
}

static void test_pmp_locked_entry_binds_m(void **state)
{
    pmp_set(0, PMP_A_NAPOT | PMP_L | PMP_R, NAPOT_64K);
    fill_ok(0x80000000, ACCESS_READ, MMU_IDX_M);
    fill_faults(0x80000000, ACCESS_WRITE, MMU_IDX_M, EXC_STORE_ACCESS);
    fill_faults(0x80000000, ACCESS_FETCH, MMU_IDX_M, EXC_INST_ACCESS);
}

static void test_pmp_checks_page_table_reads(void **state)
{
    /* S may use RAM above 0x80010000 but not the page tables below it. */
    pmp_set(0, PMP_A_NAPOT, NAPOT_64K);     /* the tables: no permissions */
    /* 2 MiB at 0x80000000: 18 trailing ones. */
    pmp_set(1, PMP_A_NAPOT | PMP_R | PMP_W | PMP_X, (0x80000000ull >> 2) | 0x3ffff);
    fill_ok(0x80010000, ACCESS_WRITE, MMU_IDX_S);   /* the leaf's page, untranslated */
    sv39_4k(PTE_LEAF_RWX);
    fill_faults(VA4K, ACCESS_WRITE, MMU_IDX_S, EXC_STORE_ACCESS);
}

static void test_pmp_partly_covered_page_is_not_cached(void **state)
{
    pmp_set(0, PMP_A_NA4 | PMP_R, 0x80000100 >> 2);
    pmp_set(1, PMP_A_NAPOT | PMP_R | PMP_W, NAPOT_64K);
    fill_ok(0x80000200, ACCESS_READ, MMU_IDX_S);
    assert_true(tlb_entry(&cpu->parent, MMU_IDX_S, 0x80000200)->addr_read & TLB_INVALID);
    fill_ok(0x80001200, ACCESS_READ, MMU_IDX_S);
    assert_int_equal(tlb_entry(&cpu->parent, MMU_IDX_S, 0x80001200)->addr_read, 0x80001000);
}

/* --- TLB flushes on a change of address space (§4.1.11, §4.2.1) --------- */

static bool tlb_has(gva_t va, int idx)
{
    return tlb_entry(&cpu->parent, idx, va)->addr_read == (va & PAGE_MASK);
}

static void satp_write(uint64_t mode, gpa_t root, uint64_t asid)
{
    uint64_t v = (mode << SATP_MODE_SHIFT) | (asid << 44) | (root >> 12);

    assert_true(riscv_csr_op(cpu, CSR_SATP, NULL, false, v, ~0ull, true) >= 0);
}

static void test_address_space_switch_keeps_only_global_entries(void **state)
{
    /* Two address spaces: 1 GiB at va 0x40000000 global in both, 0x80000000 not. */
    /* (The pages used, 0x40001000 and 0x80002000, take different TLB entries.) */
    wr64(ROOT + 1 * 8, pte(0x80000000, PTE_LEAF_RWX | PTE_G));
    wr64(ROOT + 2 * 8, pte(0x80000000, PTE_LEAF_RWX));
    wr64(T4 + 1 * 8, pte(0x80000000, PTE_LEAF_RWX | PTE_G));
    wr64(T4 + 2 * 8, pte(0x80000000, PTE_LEAF_RWX));
    satp_write(SATP_MODE_SV39, ROOT, 1);
    fill_ok(0x40001000, ACCESS_READ, MMU_IDX_S);
    fill_ok(0x80002000, ACCESS_READ, MMU_IDX_S);
    fill_ok(0x80002000, ACCESS_READ, MMU_IDX_M);
    assert_true(tlb_has(0x40001000, MMU_IDX_S) && tlb_has(0x80002000, MMU_IDX_S));

    satp_write(SATP_MODE_SV39, T4, 2);
    assert_true(tlb_has(0x40001000, MMU_IDX_S));
    assert_false(tlb_has(0x80002000, MMU_IDX_S));
    assert_true(tlb_has(0x80002000, MMU_IDX_M));   /* M-mode does not translate */

    /* sfence.vma x0, asid: the same. */
    fill_ok(0x80002000, ACCESS_READ, MMU_IDX_S);
    assert_int_equal(riscv_do_sfence_vma(cpu, 0, false, 2, true), 0);
    assert_true(tlb_has(0x40001000, MMU_IDX_S));
    assert_false(tlb_has(0x80002000, MMU_IDX_S));

    /* sfence.vma x0, x0 drops global mappings too. */
    assert_int_equal(riscv_do_sfence_vma(cpu, 0, false, 0, false), 0);
    assert_false(tlb_has(0x40001000, MMU_IDX_S));

    /* So does a change of translation scheme. */
    fill_ok(0x40001000, ACCESS_READ, MMU_IDX_S);
    satp_write(SATP_MODE_BARE, 0, 0);
    assert_false(tlb_has(0x40001000, MMU_IDX_S));
}

#define T(f) cmocka_unit_test_setup_teardown(f, hart_setup, hart_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sv39_4k_leaf_translates),
        T(test_sv39_2m_leaf_translates),
        T(test_sv39_1g_leaf_translates),
        T(test_sv39_negative_half_translates),
        T(test_sv48_translates),
        T(test_sv57_translates),
        T(test_sv39_non_canonical_is_page_fault),
        T(test_sv48_non_canonical_is_page_fault),
        T(test_invalid_pte_is_page_fault),
        T(test_write_without_read_is_page_fault),
        T(test_store_to_read_only_page_is_page_fault),
        T(test_fetch_without_x_is_page_fault),
        T(test_reserved_pte_bits_are_page_fault),
        T(test_pbmt_bits_are_page_fault_without_svpbmt),
        T(test_misaligned_superpage_is_page_fault),
        T(test_non_leaf_at_level_0_is_page_fault),
        T(test_pte_outside_ram_is_access_fault),
        T(test_s_access_to_u_page_needs_sum),
        T(test_s_fetch_from_u_page_faults_even_with_sum),
        T(test_u_access_to_s_page_faults),
        T(test_u_access_to_u_page_translates),
        T(test_mxr_makes_execute_only_page_readable),
        T(test_m_mode_does_not_translate),
        T(test_bare_satp_does_not_translate),
        T(test_read_sets_accessed_not_dirty),
        T(test_write_sets_accessed_and_dirty),
        T(test_clean_page_is_not_cached_writable),
        T(test_dirty_page_is_cached_writable),
        T(test_faulting_walk_does_not_set_accessed),
        T(test_debug_translate_has_no_side_effects),
        T(test_pmp_napot_allows_inside_denies_outside),
        T(test_pmp_tor_matches_range),
        T(test_pmp_na4_matches_four_bytes),
        T(test_pmp_lowest_entry_wins),
        T(test_pmp_partial_match_fails),
        T(test_pmp_no_match_denies_s_allows_m),
        T(test_pmp_unlocked_entry_does_not_bind_m),
        T(test_pmp_locked_entry_binds_m),
        T(test_pmp_checks_page_table_reads),
        T(test_pmp_partly_covered_page_is_not_cached),
        T(test_address_space_switch_keeps_only_global_entries),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
