/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of framebuffer dirty tracking (hw/core/memory.c with the
 * softmmu TLB, tcg/tlb.c): a hart's first store to a clean page of a
 * tracked region takes the slow path and marks the page dirty, later
 * stores to it are TLB hits; memory_dirty_get_and_clear() reports and
 * clears the flags and makes the next store slow again; untouched pages
 * stay clean and a clean region costs nothing to ask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/riscv/cpu.h"
#include "hw/core/machine.h"
#include "tcg/tlb.h"

#define RAM_SIZE (1ull << 20)
#include "hart-fixture.h"
#define FB_BASE 0x40000000ull
#define FB_PAGES 8

static MemoryRegion *fb;

/* One hart, its RAM and a dirty-tracked framebuffer region. */
static int setup(void **state)
{
    hart_setup(state);
    fb = memory_add_ram(&m->as, "framebuffer", FB_BASE, FB_PAGES * PAGE_SIZE, false);
    assert_non_null(fb);
    assert_int_equal(memory_enable_dirty_tracking(fb), 0);
    m->as.reset_dirty = tlb_reset_dirty;
    m->cpus[0] = &cpu->parent;
    m->nr_cpus = 1;
    return 0;
}


static gva_t write_tag(gva_t addr)
{
    return tlb_entry(&cpu->parent, MMU_IDX_M, addr)->addr_write;
}

static void test_dirty_first_store_marks_page_and_goes_fast(void **state)
{
    uint8_t out[FB_PAGES];

    assert_false(memory_dirty_get_and_clear(&m->as, fb, out));   /* clean: nothing to do */
    cpu_store(&cpu->parent, FB_BASE + PAGE_SIZE + 8, 0x11223344, 4, MMU_IDX_M);
    assert_true(fb->dirty[1]);
    assert_false(fb->dirty[0]);
    assert_int_equal(ld_le32(fb->host + PAGE_SIZE + 8), 0x11223344);
    /* Dirty now: the slow path left a plain write tag, so the next store is a TLB hit. */
    assert_int_equal(write_tag(FB_BASE + PAGE_SIZE), FB_BASE + PAGE_SIZE);
}

static void test_dirty_get_and_clear_rearms_the_slow_path(void **state)
{
    uint8_t out[FB_PAGES] = { 0 };

    assert_true(memory_dirty_get_and_clear(&m->as, fb, out));
    assert_true(out[1]);
    assert_false(out[0] || out[2] || out[FB_PAGES - 1]);
    assert_false(fb->dirty[1]);
    assert_true(write_tag(FB_BASE + PAGE_SIZE) & TLB_NOTDIRTY);
    assert_false(memory_dirty_get_and_clear(&m->as, fb, out));
    cpu_store(&cpu->parent, FB_BASE + PAGE_SIZE, 1, 8, MMU_IDX_M);
    assert_true(fb->dirty[1]);
    assert_true(memory_dirty_get_and_clear(&m->as, fb, out));
}

static void test_dirty_refill_of_clean_page_is_slow(void **state)
{
    uint8_t out[FB_PAGES];

    tlb_flush(&cpu->parent);
    assert_int_equal(cpu_load(&cpu->parent, FB_BASE + 3 * PAGE_SIZE, 4, MMU_IDX_M), 0);
    assert_true(write_tag(FB_BASE + 3 * PAGE_SIZE) & TLB_NOTDIRTY);
    /* A store straddling pages 4 and 5 dirties both. */
    cpu_store(&cpu->parent, FB_BASE + 5 * PAGE_SIZE - 2, 0xaabbccdd, 4, MMU_IDX_M);
    assert_true(fb->dirty[4] && fb->dirty[5]);
    assert_false(fb->dirty[3]);
    memory_dirty_get_and_clear(&m->as, fb, out);
    /* Plain RAM is not tracked: its pages never take the slow path for this. */
    cpu_store(&cpu->parent, RAM_BASE + 0x8000, 5, 4, MMU_IDX_M);
    assert_int_equal(write_tag(RAM_BASE + 0x8000), RAM_BASE + 0x8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dirty_first_store_marks_page_and_goes_fast),
        cmocka_unit_test(test_dirty_get_and_clear_rearms_the_slow_path),
        cmocka_unit_test(test_dirty_refill_of_clean_page_is_slow),
    };

    return cmocka_run_group_tests(tests, setup, hart_teardown);
}
