/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PLIC model (hw/intc/plic.c) through its MMIO
 * registers and input lines, against the RISC-V PLIC spec 1.0.0: gateway
 * and claim/complete (§4, §7), priorities and thresholds (§5, §6),
 * per-context enables, and M/S context routing as on QEMU's virt board.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"

#define PLIC_BASE 0x0c000000ull
#define NR_HARTS 2
#define PRIORITY(src) (4ull * (src))
#define PENDING 0x1000ull
#define ENABLE(ctx) (0x2000ull + 0x80ull * (ctx))
#define THRESHOLD(ctx) (0x200000ull + 0x1000ull * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4)

static Machine *m;
static Plic *plic;
static int out_level[2 * NR_HARTS]; /* context n's output line */

static void record_irq(void *opaque, int n, int level)
{
    out_level[n] = level;
}

static int setup(void **state)
{
    IRQLine meip[NR_HARTS], seip[NR_HARTS];

    m = calloc(1, sizeof(*m));
    fdt_machine_begin(m);
    for (unsigned i = 0; i < NR_HARTS; i++) {
        m->cpu_intc_phandle[i] = fdt_alloc_phandle(m);
        meip[i] = (IRQLine){ record_irq, NULL, 2 * i };
        seip[i] = (IRQLine){ record_irq, NULL, 2 * i + 1 };
    }
    memset(out_level, 0, sizeof(out_level));
    plic = plic_create(m, PLIC_BASE, NR_HARTS, meip, seip);
    assert_non_null(plic);
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    free(m->fdt);
    free(m);
    return 0;
}

static uint32_t rd(gpa_t off)
{
    uint64_t v;

    assert_int_equal(memory_read(&m->as, PLIC_BASE + off, 4, &v), 0);
    return (uint32_t)v;
}

static void wr(gpa_t off, uint32_t v)
{
    assert_int_equal(memory_write(&m->as, PLIC_BASE + off, 4, v), 0);
}

static void raise_src(int src, int level)
{
    irq_set(plic_input(plic, src), level);
}

/* Give `src` priority `prio` and enable it for context `ctx`. */
static void arm(int ctx, int src, uint32_t prio)
{
    wr(PRIORITY(src), prio);
    wr(ENABLE(ctx) + 4 * (src / 32), rd(ENABLE(ctx) + 4 * (src / 32)) | 1u << (src % 32));
}

static void test_plic_claim_prefers_higher_priority(void **state)
{
    arm(0, 3, 2);
    arm(0, 40, 5);
    raise_src(3, 1);
    raise_src(40, 1);
    assert_int_equal(rd(CLAIM(0)), 40);
    assert_int_equal(rd(CLAIM(0)), 3);
    assert_int_equal(rd(CLAIM(0)), 0);
}

static void test_plic_claim_breaks_ties_by_lowest_id(void **state)
{
    arm(0, 70, 4);
    arm(0, 9, 4);
    raise_src(70, 1);
    raise_src(9, 1);
    assert_int_equal(rd(CLAIM(0)), 9);
    assert_int_equal(rd(CLAIM(0)), 70);
}

static void test_plic_threshold_masks_priority_at_or_below(void **state)
{
    arm(0, 5, 3);
    wr(THRESHOLD(0), 3);
    raise_src(5, 1);
    assert_int_equal(out_level[0], 0);
    assert_int_equal(rd(CLAIM(0)), 0);
    wr(THRESHOLD(0), 2);
    assert_int_equal(out_level[0], 1);
    assert_int_equal(rd(CLAIM(0)), 5);
}

static void test_plic_priority_zero_never_interrupts(void **state)
{
    arm(0, 5, 0);
    raise_src(5, 1);
    assert_int_equal(out_level[0], 0);
    assert_int_equal(rd(CLAIM(0)), 0);
    assert_int_equal(rd(PENDING), 1u << 5);
}

static void test_plic_priority_keeps_three_bits(void **state)
{
    wr(PRIORITY(4), 0xffffffff);
    assert_int_equal(rd(PRIORITY(4)), 7);
    wr(THRESHOLD(1), 0xffffffff);
    assert_int_equal(rd(THRESHOLD(1)), 7);
}

static void test_plic_claim_clears_pending_and_output(void **state)
{
    arm(0, 33, 1);
    raise_src(33, 1);
    assert_int_equal(rd(PENDING + 4), 1u << 1);
    assert_int_equal(out_level[0], 1);
    assert_int_equal(rd(CLAIM(0)), 33);
    assert_int_equal(rd(PENDING + 4), 0);
    assert_int_equal(out_level[0], 0);
}

static void test_plic_line_high_in_service_is_not_pending(void **state)
{
    arm(0, 6, 1);
    raise_src(6, 1);
    assert_int_equal(rd(CLAIM(0)), 6);
    raise_src(6, 0);
    raise_src(6, 1);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(out_level[0], 0);
}

static void test_plic_complete_rearms_still_high_line(void **state)
{
    arm(0, 6, 1);
    raise_src(6, 1);
    assert_int_equal(rd(CLAIM(0)), 6);
    wr(CLAIM(0), 6);
    assert_int_equal(rd(PENDING), 1u << 6);
    assert_int_equal(out_level[0], 1);
    assert_int_equal(rd(CLAIM(0)), 6);
}

static void test_plic_complete_after_line_dropped_stays_idle(void **state)
{
    arm(0, 6, 1);
    raise_src(6, 1);
    assert_int_equal(rd(CLAIM(0)), 6);
    raise_src(6, 0);
    wr(CLAIM(0), 6);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(out_level[0], 0);
}

static void test_plic_line_dropped_before_claim_clears_pending(void **state)
{
    arm(0, 6, 1);
    raise_src(6, 1);
    raise_src(6, 0);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(out_level[0], 0);
}

static void test_plic_complete_of_unenabled_source_ignored(void **state)
{
    arm(0, 6, 1);
    raise_src(6, 1);
    assert_int_equal(rd(CLAIM(0)), 6);
    wr(CLAIM(1), 6); /* context 1 does not have source 6 enabled */
    assert_int_equal(rd(PENDING), 0);
    wr(CLAIM(0), 6);
    assert_int_equal(rd(PENDING), 1u << 6);
}

static void test_plic_enables_are_per_context(void **state)
{
    arm(2, 12, 1);
    raise_src(12, 1);
    assert_int_equal(rd(ENABLE(0)), 0);
    assert_int_equal(rd(ENABLE(2)), 1u << 12);
    assert_int_equal(rd(CLAIM(0)), 0);
    assert_int_equal(rd(CLAIM(2)), 12);
}

static void test_plic_contexts_route_to_meip_and_seip(void **state)
{
    arm(3, 10, 1); /* hart 1, S-mode */
    raise_src(10, 1);
    assert_int_equal(out_level[0], 0);
    assert_int_equal(out_level[1], 0);
    assert_int_equal(out_level[2], 0);
    assert_int_equal(out_level[3], 1);
    arm(2, 10, 1); /* hart 1, M-mode too */
    assert_int_equal(out_level[2], 1);
    assert_int_equal(rd(CLAIM(2)), 10);
    assert_int_equal(out_level[2], 0);
    assert_int_equal(out_level[3], 0);
}

static void test_plic_source_zero_ignored(void **state)
{
    IRQLine l = plic_input(plic, 0);

    assert_null(l.handler);
    wr(PRIORITY(0), 5);
    assert_int_equal(rd(PRIORITY(0)), 0);
    wr(ENABLE(0), 0xffffffff);
    assert_int_equal(rd(ENABLE(0)), 0xfffffffe);
    assert_int_equal(rd(CLAIM(0)), 0);
}

static void test_plic_sources_past_ndev_absent(void **state)
{
    assert_null(plic_input(plic, 96).handler);
    wr(PRIORITY(96), 5);
    assert_int_equal(rd(PRIORITY(96)), 0);
}

static void test_plic_pending_is_read_only(void **state)
{
    arm(0, 6, 1);
    wr(PENDING, 1u << 6);
    assert_int_equal(rd(PENDING), 0);
    assert_int_equal(out_level[0], 0);
}

static void test_plic_non_word_access_ignored(void **state)
{
    uint64_t v = 1;

    assert_int_equal(memory_write(&m->as, PLIC_BASE + PRIORITY(1), 1, 3), 0);
    assert_int_equal(rd(PRIORITY(1)), 0);
    assert_int_equal(memory_read(&m->as, PLIC_BASE + PRIORITY(1), 8, &v), 0);
    assert_int_equal(v, 0);
}

static void test_plic_context_past_last_hart_ignored(void **state)
{
    wr(THRESHOLD(2 * NR_HARTS), 3);
    assert_int_equal(rd(THRESHOLD(2 * NR_HARTS)), 0);
}

static void test_plic_overlapping_create_fails(void **state)
{
    IRQLine none[NR_HARTS] = { { 0 } };

    assert_null(plic_create(m, PLIC_BASE + 0x1000, NR_HARTS, none, none));
}

static void test_plic_fdt_node(void **state)
{
    static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    int off = fdt_path_offset(m->fdt, "/soc/interrupt-controller@c000000");
    const fdt32_t *cells;
    int len;

    assert_true(off >= 0);
    cells = fdt_getprop(m->fdt, off, "compatible", &len);
    assert_int_equal(len, sizeof(compat));
    assert_memory_equal(cells, compat, sizeof(compat));
    assert_int_equal(fdt_get_phandle(m->fdt, off), m->irqchip_phandle);
    assert_int_not_equal(m->irqchip_phandle, 0);
    cells = fdt_getprop(m->fdt, off, "riscv,ndev", &len);
    assert_int_equal(fdt32_to_cpu(cells[0]), 95);
    assert_non_null(fdt_getprop(m->fdt, off, "interrupt-controller", &len));
    assert_int_equal(len, 0);
    cells = fdt_getprop(m->fdt, off, "interrupts-extended", &len);
    assert_int_equal(len, 4 * 4 * NR_HARTS);
    for (unsigned i = 0; i < NR_HARTS; i++) {
        assert_int_equal(fdt32_to_cpu(cells[4 * i]), m->cpu_intc_phandle[i]);
        assert_int_equal(fdt32_to_cpu(cells[4 * i + 1]), 11);
        assert_int_equal(fdt32_to_cpu(cells[4 * i + 2]), m->cpu_intc_phandle[i]);
        assert_int_equal(fdt32_to_cpu(cells[4 * i + 3]), 9);
    }
    cells = fdt_getprop(m->fdt, off, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(cells[1]), PLIC_BASE);
    assert_int_equal(fdt32_to_cpu(cells[3]), 0x600000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_plic_claim_prefers_higher_priority),
        T(test_plic_claim_breaks_ties_by_lowest_id),
        T(test_plic_threshold_masks_priority_at_or_below),
        T(test_plic_priority_zero_never_interrupts),
        T(test_plic_priority_keeps_three_bits),
        T(test_plic_claim_clears_pending_and_output),
        T(test_plic_line_high_in_service_is_not_pending),
        T(test_plic_complete_rearms_still_high_line),
        T(test_plic_complete_after_line_dropped_stays_idle),
        T(test_plic_line_dropped_before_claim_clears_pending),
        T(test_plic_complete_of_unenabled_source_ignored),
        T(test_plic_enables_are_per_context),
        T(test_plic_contexts_route_to_meip_and_seip),
        T(test_plic_source_zero_ignored),
        T(test_plic_sources_past_ndev_absent),
        T(test_plic_pending_is_read_only),
        T(test_plic_non_word_access_ignored),
        T(test_plic_context_past_last_hart_ignored),
        T(test_plic_overlapping_create_fails),
        T(test_plic_fdt_node),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
