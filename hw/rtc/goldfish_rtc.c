/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Android goldfish RTC ("google,goldfish-rtc", as on QEMU's virt board at
 * 0x101000, IRQ 11), with the register layout Linux's rtc-goldfish driver
 * expects: a 64-bit count of ns since the Unix epoch read as TIME_LOW then
 * TIME_HIGH (the low read latches the high half), a one-shot alarm armed
 * by writing ALARM_LOW after ALARM_HIGH, and a level interrupt that is
 * pending from the alarm until CLEAR_INTERRUPT and reaches the line only
 * while IRQ_ENABLED is set.  The count is the host's realtime at machine
 * start plus the machine's virtual clock, plus whatever offset the guest
 * set by writing TIME.  Only 32-bit accesses are defined.
 */
#include <stdlib.h>
#include <time.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"
#include "util/error.h"

#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_ALARM 0x14
#define RTC_ALARM_STATUS 0x18
#define RTC_CLEAR_INTERRUPT 0x1c
#define RTC_SIZE 0x1000

struct GoldfishRTC {
    Machine *machine;
    IRQLine irq;
    Timer timer;
    /* RTC ns minus virtual ns: realtime at machine start plus guest TIME writes. */
    int64_t offset_ns;
    uint64_t alarm_ns;     /* ns since the epoch; high half latched until ALARM_LOW */
    uint32_t time_high;    /* latched by the last TIME_LOW read */
    bool irq_enabled;
    bool irq_pending;
    bool alarm_running;    /* armed and not yet fired or cleared (ALARM_STATUS) */
};

static int64_t clock_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t goldfish_rtc_now(GoldfishRTC *s)
{
    return (uint64_t)s->offset_ns + (uint64_t)clock_virtual_ns(&s->machine->timers);
}

static void goldfish_rtc_update_irq(GoldfishRTC *s)
{
    irq_set(s->irq, s->irq_enabled && s->irq_pending);
}

static void goldfish_rtc_alarm_cb(void *opaque)
{
    GoldfishRTC *s = opaque;

    s->alarm_running = false;
    s->irq_pending = true;
    goldfish_rtc_update_irq(s);
}

/*
 * Arm the timer for alarm_ns.  A time already past gets a deadline of
 * "now", so the alarm fires at the next timer poll; one beyond the virtual
 * clock's range stays armed without ever firing (INT64_MAX would disarm).
 */
static void goldfish_rtc_arm(GoldfishRTC *s)
{
    int64_t now = clock_virtual_ns(&s->machine->timers);
    __int128 deadline = (__int128)s->alarm_ns - s->offset_ns;

    if (deadline < now) {
        deadline = now;
    } else if (deadline >= INT64_MAX) {
        deadline = INT64_MAX - 1;
    }
    s->alarm_running = true;
    timer_mod(&s->timer, (int64_t)deadline);
}

/* Replace half of the count (shift 0 or 32) with val by moving the offset. */
static void goldfish_rtc_set_time(GoldfishRTC *s, unsigned shift, uint32_t val)
{
    uint64_t now = goldfish_rtc_now(s);
    uint64_t mask = 0xffffffffull << shift;
    uint64_t want = (now & ~mask) | ((uint64_t)val << shift);

    s->offset_ns = (int64_t)((uint64_t)s->offset_ns + (want - now));
}

static uint64_t goldfish_rtc_read(void *opaque, gpa_t offset, unsigned size)
{
    GoldfishRTC *s = opaque;
    uint64_t now;

    if (size != 4) {
        guest_error("goldfish_rtc: %u-byte read at 0x%" PRIx64 " (only 4)", size, offset);
        return 0;
    }
    switch (offset) {
    case RTC_TIME_LOW:
        now = goldfish_rtc_now(s);
        s->time_high = (uint32_t)(now >> 32);
        return (uint32_t)now;
    case RTC_TIME_HIGH:
        return s->time_high;
    case RTC_ALARM_LOW:
        return (uint32_t)s->alarm_ns;
    case RTC_ALARM_HIGH:
        return (uint32_t)(s->alarm_ns >> 32);
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        guest_error("goldfish_rtc: read of unknown register 0x%" PRIx64, offset);
        return 0;
    }
}

static void goldfish_rtc_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    GoldfishRTC *s = opaque;
    uint32_t v = (uint32_t)val;

    if (size != 4) {
        guest_error("goldfish_rtc: %u-byte write at 0x%" PRIx64 " (only 4)", size, offset);
        return;
    }
    switch (offset) {
    case RTC_TIME_LOW:
        goldfish_rtc_set_time(s, 0, v);
        break;
    case RTC_TIME_HIGH:
        goldfish_rtc_set_time(s, 32, v);
        break;
    case RTC_ALARM_LOW:
        s->alarm_ns = (s->alarm_ns & ~0xffffffffull) | v;
        goldfish_rtc_arm(s);
        break;
    case RTC_ALARM_HIGH:
        s->alarm_ns = (s->alarm_ns & 0xffffffffull) | ((uint64_t)v << 32);
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        goldfish_rtc_update_irq(s);
        break;
    case RTC_CLEAR_ALARM:
        s->alarm_running = false;
        timer_mod(&s->timer, INT64_MAX);
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        goldfish_rtc_update_irq(s);
        break;
    default:
        guest_error("goldfish_rtc: write of 0x%" PRIx32 " to unknown register 0x%" PRIx64,
                    v, offset);
    }
}

/* The count continues from the loaded clock; a running alarm gets its timer back. */
static void goldfish_rtc_post_load(void *opaque)
{
    GoldfishRTC *s = opaque;

    if (s->alarm_running) {
        goldfish_rtc_arm(s);
    } else {
        timer_mod(&s->timer, INT64_MAX);
    }
    goldfish_rtc_update_irq(s);
}

static const VMStateField goldfish_rtc_fields[] = {
    VMSTATE_SKIP(GoldfishRTC, machine, "wiring"),
    VMSTATE_SKIP(GoldfishRTC, irq, "wiring"),
    VMSTATE_SKIP(GoldfishRTC, timer, "re-armed from alarm_ns by post_load"),
    VMSTATE_SCALAR(GoldfishRTC, offset_ns),
    VMSTATE_SCALAR(GoldfishRTC, alarm_ns),
    VMSTATE_SCALAR(GoldfishRTC, time_high),
    VMSTATE_SCALAR(GoldfishRTC, irq_enabled),
    VMSTATE_SCALAR(GoldfishRTC, irq_pending),
    VMSTATE_SCALAR(GoldfishRTC, alarm_running),
    VMSTATE_END,
};

static const VMStateDescription vmstate_goldfish_rtc = {
    .name = "goldfish_rtc", .version = 1, .size = sizeof(GoldfishRTC),
    .fields = goldfish_rtc_fields, .post_load = goldfish_rtc_post_load,
};

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
};

GoldfishRTC *goldfish_rtc_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num)
{
    GoldfishRTC *s = calloc(1, sizeof(*s));

    if (!s) {
        return NULL;
    }
    s->machine = m;
    s->irq = irq;
    s->offset_ns = clock_realtime_ns() - clock_virtual_ns(&m->timers);
    if (!memory_add_mmio(&m->as, "goldfish_rtc", base, RTC_SIZE, &goldfish_rtc_ops, s)) {
        free(s);
        return NULL;
    }
    /* Only once the region is ours: the timer list keeps a pointer to s. */
    timer_init(&m->timers, &s->timer, goldfish_rtc_alarm_cb, s);
    vmstate_register(m, "goldfish_rtc", &vmstate_goldfish_rtc, s);
    if (m->fdt) {
        const char *what = "/soc/rtc";
        int off = fdt_add_soc_device(m, "rtc", base, RTC_SIZE, "google,goldfish-rtc", 0);

        if (m->irqchip_phandle) {
            fdt_check(fdt_setprop_u32(m->fdt, off, "interrupts", irq_num), what);
            fdt_check(fdt_setprop_u32(m->fdt, off, "interrupt-parent", m->irqchip_phandle),
                      what);
        }
    }
    return s;
}
