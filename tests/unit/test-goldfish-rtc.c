/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the goldfish RTC model (hw/rtc/goldfish_rtc.c): the time
 * count against the host's realtime, the TIME_HIGH latch, guest writes to
 * the time, the alarm timer and its interrupt, access widths and the
 * device-tree node.  Register semantics are those Linux's rtc-goldfish
 * driver relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"

#define RTC_BASE 0x101000ull
#define RTC_IRQ 11
#define TIME_LOW 0x00
#define TIME_HIGH 0x04
#define ALARM_LOW 0x08
#define ALARM_HIGH 0x0c
#define IRQ_ENABLED 0x10
#define CLEAR_ALARM 0x14
#define ALARM_STATUS 0x18
#define CLEAR_INTERRUPT 0x1c

#define NS_PER_SEC 1000000000ll

static Machine *m;
static GoldfishRTC *rtc;
static int irq_level;

static void record_irq(void *opaque, int n, int level)
{
    irq_level = level;
}

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    fdt_machine_begin(m);
    m->irqchip_phandle = 7;
    irq_level = 0;
    rtc = goldfish_rtc_create(m, RTC_BASE, (IRQLine){ record_irq, NULL, 0 }, RTC_IRQ);
    assert_non_null(rtc);
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

    assert_int_equal(memory_read(&m->as, RTC_BASE + off, 4, &v), 0);
    return (uint32_t)v;
}

static void wr(gpa_t off, uint32_t v)
{
    assert_int_equal(memory_write(&m->as, RTC_BASE + off, 4, v), 0);
}

/* The guest's way to read the time: TIME_LOW first, it latches TIME_HIGH. */
static int64_t rtc_time(void)
{
    uint32_t lo = rd(TIME_LOW);

    return (int64_t)(((uint64_t)rd(TIME_HIGH) << 32) | lo);
}

static void rtc_set_time(int64_t ns)
{
    wr(TIME_HIGH, (uint32_t)((uint64_t)ns >> 32));
    wr(TIME_LOW, (uint32_t)ns);
}

/* As Linux arms it: ALARM_HIGH, then ALARM_LOW. */
static void rtc_set_alarm(int64_t ns)
{
    wr(ALARM_HIGH, (uint32_t)((uint64_t)ns >> 32));
    wr(ALARM_LOW, (uint32_t)ns);
}

static int64_t host_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void assert_near(int64_t got, int64_t want, int64_t tolerance)
{
    int64_t d = got > want ? got - want : want - got;

    if (d > tolerance) {
        fail_msg("%lld is %lld ns away from %lld", (long long)got, (long long)d,
                 (long long)want);
    }
}

static void test_rtc_time_close_to_host_realtime(void **state)
{
    assert_near(rtc_time(), host_realtime_ns(), 2 * NS_PER_SEC);
}

static void test_rtc_time_high_latched_by_time_low_read(void **state)
{
    uint32_t high;

    rd(TIME_LOW);
    high = rd(TIME_HIGH);
    /* Move the count's high half; TIME_HIGH keeps the latch until the next TIME_LOW. */
    wr(TIME_HIGH, high + 5);
    assert_int_equal(rd(TIME_HIGH), high);
    rd(TIME_LOW);
    assert_int_equal(rd(TIME_HIGH), high + 5);
}

static void test_rtc_time_write_moves_time(void **state)
{
    int64_t target = host_realtime_ns() + 1000 * NS_PER_SEC;

    rtc_set_time(target);
    assert_near(rtc_time(), target, NS_PER_SEC);
    rtc_set_time(NS_PER_SEC);
    assert_near(rtc_time(), NS_PER_SEC, NS_PER_SEC);
}

static void test_rtc_alarm_in_past_fires_on_next_timer_run(void **state)
{
    wr(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() - NS_PER_SEC);
    timers_run(&m->timers);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(ALARM_STATUS), 0);
}

static void test_rtc_alarm_in_future_arms_timer_deadline(void **state)
{
    int64_t now = clock_virtual_ns(&m->timers);

    wr(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() + 100 * NS_PER_SEC);
    assert_int_equal(rd(ALARM_STATUS), 1);
    /* The RTC's is the only timer: timers_run returns its deadline. */
    assert_near(timers_run(&m->timers), now + 100 * NS_PER_SEC, NS_PER_SEC);
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(ALARM_STATUS), 1);
}

static void test_rtc_alarm_deadline_follows_guest_set_time(void **state)
{
    int64_t now = clock_virtual_ns(&m->timers);

    rtc_set_time(50 * NS_PER_SEC);
    rtc_set_alarm(60 * NS_PER_SEC);
    assert_near(timers_run(&m->timers), now + 10 * NS_PER_SEC, NS_PER_SEC);
}

static void test_rtc_alarm_irq_only_when_enabled(void **state)
{
    rtc_set_alarm(rtc_time() - NS_PER_SEC);
    timers_run(&m->timers);
    assert_int_equal(rd(ALARM_STATUS), 0);
    assert_int_equal(irq_level, 0);
}

static void test_rtc_enabling_irq_delivers_pending_alarm(void **state)
{
    rtc_set_alarm(rtc_time() - NS_PER_SEC);
    timers_run(&m->timers);
    wr(IRQ_ENABLED, 1);
    assert_int_equal(rd(IRQ_ENABLED), 1);
    assert_int_equal(irq_level, 1);
}

static void test_rtc_clear_interrupt_lowers_line(void **state)
{
    wr(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() - NS_PER_SEC);
    timers_run(&m->timers);
    assert_int_equal(irq_level, 1);
    wr(CLEAR_INTERRUPT, 1);
    assert_int_equal(irq_level, 0);
}

static void test_rtc_clear_alarm_disarms_timer(void **state)
{
    wr(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() + 100 * NS_PER_SEC);
    wr(CLEAR_ALARM, 1);
    assert_int_equal(rd(ALARM_STATUS), 0);
    assert_true(timers_run(&m->timers) == INT64_MAX);
    assert_int_equal(irq_level, 0);
}

static void test_rtc_non_32bit_access_ignored(void **state)
{
    uint64_t v = 0xdead;
    int64_t before = rtc_time();

    assert_int_equal(memory_write(&m->as, RTC_BASE + IRQ_ENABLED, 8, 1), 0);
    assert_int_equal(memory_write(&m->as, RTC_BASE + IRQ_ENABLED, 1, 1), 0);
    assert_int_equal(rd(IRQ_ENABLED), 0);
    assert_int_equal(memory_write(&m->as, RTC_BASE + TIME_HIGH, 2, 0), 0);
    assert_near(rtc_time(), before, NS_PER_SEC);
    assert_int_equal(memory_read(&m->as, RTC_BASE + TIME_LOW, 8, &v), 0);
    assert_int_equal(v, 0);
}

static void test_rtc_overlapping_create_fails(void **state)
{
    assert_null(goldfish_rtc_create(m, RTC_BASE, (IRQLine){ 0 }, RTC_IRQ));
}

static void test_rtc_fdt_node(void **state)
{
    int off = fdt_path_offset(m->fdt, "/soc/rtc@101000");
    const fdt32_t *cells;
    int len;

    assert_true(off >= 0);
    assert_string_equal(fdt_getprop(m->fdt, off, "compatible", &len), "google,goldfish-rtc");
    cells = fdt_getprop(m->fdt, off, "interrupts", &len);
    assert_int_equal(len, 4);
    assert_int_equal(fdt32_to_cpu(cells[0]), RTC_IRQ);
    cells = fdt_getprop(m->fdt, off, "interrupt-parent", &len);
    assert_int_equal(fdt32_to_cpu(cells[0]), 7);
    cells = fdt_getprop(m->fdt, off, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(cells[1]), RTC_BASE);
    assert_int_equal(fdt32_to_cpu(cells[3]), 0x1000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rtc_time_close_to_host_realtime),
        T(test_rtc_time_high_latched_by_time_low_read),
        T(test_rtc_time_write_moves_time),
        T(test_rtc_alarm_in_past_fires_on_next_timer_run),
        T(test_rtc_alarm_in_future_arms_timer_deadline),
        T(test_rtc_alarm_deadline_follows_guest_set_time),
        T(test_rtc_alarm_irq_only_when_enabled),
        T(test_rtc_enabling_irq_delivers_pending_alarm),
        T(test_rtc_clear_interrupt_lowers_line),
        T(test_rtc_clear_alarm_disarms_timer),
        T(test_rtc_non_32bit_access_ignored),
        T(test_rtc_overlapping_create_fails),
        T(test_rtc_fdt_node),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
