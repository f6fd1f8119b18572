/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the softmmu TLB's sizing (tcg/tlb.c, DESIGN.md §3): a
 * table grows when more than 70% of it fills between two flushes and
 * shrinks to fit when under 30% is used for a 100 ms window, within
 * 2^TLB_MIN_BITS..2^TLB_MAX_BITS entries, and doubles without a flush
 * when fills keep evicting; translations installed after a resize are
 * found at the new index; the jump cache goes stale on flushes of the
 * pages it depends on and is refilled from chain slots, and never hands
 * out an invalidated TB; misaligned accesses work.  Pages are installed with
 * tlb_set_page on a hart over a real RAM region.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "tcg/tlb.h"
#include "tcg/tb.h"
#include "tcg/jit.h"

#define RAM_SIZE (16ull << 20)
#include "hart-fixture.h"
#define ALIAS 64                /* virtual page i maps RAM page i % ALIAS */
#define VBASE 0x4000000000ull   /* guest-virtual base of the test mappings */
#define RWX ((1u << ACCESS_READ) | (1u << ACCESS_WRITE) | (1u << ACCESS_FETCH))


/* Map n consecutive virtual pages from VBASE onto the first ALIAS RAM pages in mode M. */
static void fill_pages(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        tlb_set_page(&cpu->parent, MMU_IDX_M, VBASE + ((gva_t)i << PAGE_BITS),
                     RAM_BASE + ((gpa_t)(i % ALIAS) << PAGE_BITS), RWX);
    }
}

/* Wait past the resizing window (not a timing assertion: a pause). */
static void wait_window(void)
{
    struct timespec ts = { 0, 150 * 1000 * 1000 };

    nanosleep(&ts, NULL);
}

static void test_tlb_starts_at_the_default_size(void **state)
{
    for (int i = 0; i < NB_MMU_MODES; i++) {
        assert_int_equal(tlb_size(&cpu->parent, i), 1u << TLB_DEFAULT_BITS);
    }
}

static void test_tlb_grows_when_over_70_percent_fills(void **state)
{
    size_t size = tlb_size(&cpu->parent, MMU_IDX_M);

    fill_pages(size * 3 / 4);
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), size * 2);
    /* other modes saw no use: they keep their size until a window passes */
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_U), size);
}

static void test_tlb_growth_stops_at_the_maximum(void **state)
{
    for (int i = 0; i < 2 * (TLB_MAX_BITS - TLB_DEFAULT_BITS) + 2; i++) {
        fill_pages(tlb_size(&cpu->parent, MMU_IDX_M));
        tlb_flush(&cpu->parent);
    }
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 1u << TLB_MAX_BITS);
}

static void test_tlb_shrinks_after_a_quiet_window(void **state)
{
    fill_pages(tlb_size(&cpu->parent, MMU_IDX_M));
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 2u << TLB_DEFAULT_BITS);
    /* a flush within the window keeps the size the window's peak needed */
    fill_pages(10);
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 2u << TLB_DEFAULT_BITS);
    wait_window();
    fill_pages(10);
    tlb_flush(&cpu->parent);
    wait_window();
    fill_pages(10);
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 1u << TLB_MIN_BITS);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_U), 1u << TLB_MIN_BITS);
}

static void test_tlb_shrinks_to_fit_the_window_peak(void **state)
{
    wait_window();
    fill_pages(600);            /* 600 of 1024 used: between 30% and 70%, no change */
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 1u << TLB_DEFAULT_BITS);
    wait_window();
    fill_pages(200);            /* 200 of 1024: shrink to 256 would be 78% full, so 512 */
    tlb_flush(&cpu->parent);
    wait_window();
    fill_pages(200);
    tlb_flush(&cpu->parent);
    assert_int_equal(tlb_size(&cpu->parent, MMU_IDX_M), 512);
}

static void test_tlb_translates_after_a_resize(void **state)
{
    CPUState *cs = &cpu->parent;
    unsigned n = tlb_size(cs, MMU_IDX_M);

    assert_int_equal(memory_write(&m->as, RAM_BASE + 5 * PAGE_SIZE + 8, 8, 0x1122334455667788ull),
                     0);
    fill_pages(n);
    tlb_flush(cs);
    assert_true(tlb_size(cs, MMU_IDX_M) > n);
    fill_pages(2 * n);
    assert_int_equal(cpu_load(cs, VBASE + 5 * PAGE_SIZE + 8, 8, MMU_IDX_M), 0x1122334455667788ull);
    cpu_store(cs, VBASE + (ALIAS + 5) * PAGE_SIZE + 8, 0xabcdull, 2, MMU_IDX_M);
    assert_int_equal(cpu_load(cs, VBASE + 5 * PAGE_SIZE + 8, 8, MMU_IDX_M), 0x112233445566abcdull);
    /* every page filled since the flush is still in the table */
    for (unsigned i = 0; i < 2 * n; i++) {
        gva_t va = VBASE + ((gva_t)i << PAGE_BITS);
        assert_int_equal(tlb_entry(cs, MMU_IDX_M, va)->addr_read, va);
    }
}

static void test_tlb_grows_when_fills_thrash(void **state)
{
    CPUState *cs = &cpu->parent;
    unsigned pages = RAM_SIZE / PAGE_SIZE;
    uint64_t misses;

    /* M-mode loads over all of RAM (4 times the table): no flush in between */
    for (int pass = 0; pass < 3; pass++) {
        for (unsigned i = 0; i < pages; i++) {
            cpu_load(cs, RAM_BASE + (gpa_t)i * PAGE_SIZE, 8, MMU_IDX_M);
        }
    }
    assert_int_equal(tlb_size(cs, MMU_IDX_M), pages);
    misses = cs->tlb_misses;
    for (unsigned i = 0; i < pages; i++) {
        cpu_load(cs, RAM_BASE + (gpa_t)i * PAGE_SIZE, 8, MMU_IDX_M);
    }
    assert_int_equal(cs->tlb_misses, misses);   /* the working set now fits */
    assert_int_equal(tlb_size(cs, MMU_IDX_U), 1u << TLB_DEFAULT_BITS);
}

/*
 * A single-page flush makes the jump cache stale only when a current
 * entry may depend on that page: the TB's own page, not another one.
 */
static void test_tlb_flush_page_stales_jump_cache_of_that_page_only(void **state)
{
    CPUState *cs = &cpu->parent;
    uint8_t *ram = memory_host_ptr(&m->as, RAM_BASE, PAGE_SIZE);
    uint64_t epoch;

    for (unsigned i = 0; i < 4; i++) {
        memcpy(ram + 4 * i, (const uint8_t[]){ 0x13, 0, 0, 0 }, 4);   /* nop */
    }
    memcpy(ram + 16, (const uint8_t[]){ 0x73, 0, 0x10, 0 }, 4);       /* ebreak */
    tb_init();
    cs->pc = RAM_BASE;
    assert_non_null(tb_find(cs));
    epoch = cs->jmp_cache_epoch;
    tlb_flush_page(cs, RAM_BASE + PAGE_SIZE);
    assert_int_equal(cs->jmp_cache_epoch, epoch);
    tlb_flush_page(cs, RAM_BASE);
    assert_int_not_equal(cs->jmp_cache_epoch, epoch);
    /* nothing current after that: a second flush of the page changes nothing */
    epoch = cs->jmp_cache_epoch;
    tlb_flush_page(cs, RAM_BASE);
    assert_int_equal(cs->jmp_cache_epoch, epoch);
}

/*
 * Compiled code that leaves through a computed exit (jr ra) finds its
 * successor in the jump cache inline; when the dispatcher finds it in a
 * chain slot instead (the entry went stale or was taken), it puts it
 * back, or every later run of that exit would go through the dispatcher.
 */
static void test_tb_chain_hit_from_compiled_code_refills_the_jump_cache(void **state)
{
    CPUState *cs = &cpu->parent;
    uint8_t *ram = memory_host_ptr(&m->as, RAM_BASE, PAGE_SIZE);
    TranslationBlock *a, *b;
    unsigned idx;

    memcpy(ram, (const uint8_t[]){ 0x67, 0x80, 0, 0 }, 4);           /* jr ra */
    memcpy(ram + 16, (const uint8_t[]){ 0x73, 0, 0x10, 0 }, 4);       /* ebreak */
    tb_init();
    tb_flush(cs);               /* the TB cache outlives the other tests' RAM */
    cpu->gpr[1] = RAM_BASE + 16;
    cs->pc = RAM_BASE;
    a = tb_find(cs);
    cs->pc = RAM_BASE + 16;
    b = tb_find_next(cs, a);    /* translates b and puts it in a's chain slot */
    assert_ptr_equal(a->chain[0], b);
    assert_int_equal(jit_compile(cs, a, true), JIT_OK);
    assert_int_equal(jit_compile(cs, b, true), JIT_OK);
    idx = tb_jmp_cache_index(b->pc);
    assert_ptr_equal(cs->jmp_cache[idx].tb, b);

    tb_jmp_cache_stale(cs);     /* a TLB flush */
    assert_ptr_equal(tb_find_next(cs, a), b);
    assert_ptr_equal(cs->jmp_cache[idx].tb, b);
    assert_int_equal(cs->jmp_cache[idx].epoch, cs->jmp_cache_epoch);

    cs->jmp_cache[idx].tb = NULL;   /* taken by another TB */
    assert_ptr_equal(tb_find_next(cs, a), b);
    assert_ptr_equal(cs->jmp_cache[idx].tb, b);
}

/*
 * A misaligned access inside one page leaves the hit path (which does
 * single-copy atomic aligned accesses only) and still reads and writes
 * the right bytes.
 */
static void test_tlb_misaligned_access_in_a_page(void **state)
{
    CPUState *cs = &cpu->parent;
    gva_t va = RAM_BASE + 2 * PAGE_SIZE;

    assert_int_equal(memory_write(&m->as, va, 8, 0x8877665544332211ull), 0);
    assert_int_equal(memory_write(&m->as, va + 8, 8, 0x100f0e0d0c0b0a99ull), 0);
    assert_int_equal(cpu_load(cs, va + 3, 4, MMU_IDX_M), 0x77665544);
    assert_int_equal(cpu_load(cs, va + 5, 8, MMU_IDX_M), 0x0d0c0b0a99887766ull);
    cpu_store(cs, va + 1, 0xa1b2, 2, MMU_IDX_M);
    assert_int_equal(cpu_load(cs, va, 8, MMU_IDX_M), 0x8877665544a1b211ull);
}

/*
 * Another hart may invalidate a TB between this hart's lookup and its
 * jump cache fill in tb_find, after clearing the entry: the current
 * entry then names an invalid TB, which tb_find must not return (or the
 * hart would run the old code even after a fence.i).
 */
static void test_tb_find_skips_an_invalid_tb_in_a_current_jump_cache_entry(void **state)
{
    CPUState *cs = &cpu->parent;
    uint8_t *ram = memory_host_ptr(&m->as, RAM_BASE, PAGE_SIZE);
    unsigned idx = tb_jmp_cache_index(RAM_BASE);
    TranslationBlock *old, *tb;

    memcpy(ram, (const uint8_t[]){ 0x13, 0, 0, 0 }, 4);               /* nop */
    memcpy(ram + 4, (const uint8_t[]){ 0x73, 0, 0x10, 0 }, 4);        /* ebreak */
    tb_init();
    tb_flush(cs);
    cs->pc = RAM_BASE;
    old = tb_find(cs);
    memcpy(ram, (const uint8_t[]){ 0x93, 0, 0x10, 0 }, 4);            /* li ra, 1 */
    tb_invalidate_phys_page(&m->as, memory_find(&m->as, RAM_BASE), RAM_BASE);
    assert_true(tb_invalid(old));
    cs->jmp_cache[idx].tb = old;                /* the late fill of the other hart's race */
    cs->jmp_cache[idx].epoch = cs->jmp_cache_epoch;
    tb = tb_find(cs);
    assert_ptr_not_equal(tb, old);
    assert_false(tb_invalid(tb));
    assert_int_equal(tb->insns[0].raw, 0x00100093);
}

#define T(f) cmocka_unit_test_setup_teardown(f, hart_setup, hart_teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tlb_starts_at_the_default_size),
        T(test_tlb_grows_when_over_70_percent_fills),
        T(test_tlb_growth_stops_at_the_maximum),
        T(test_tlb_shrinks_after_a_quiet_window),
        T(test_tlb_shrinks_to_fit_the_window_peak),
        T(test_tlb_translates_after_a_resize),
        T(test_tlb_grows_when_fills_thrash),
        T(test_tlb_flush_page_stales_jump_cache_of_that_page_only),
        T(test_tb_chain_hit_from_compiled_code_refills_the_jump_cache),
        T(test_tlb_misaligned_access_in_a_page),
        T(test_tb_find_skips_an_invalid_tb_in_a_current_jump_cache_entry),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
