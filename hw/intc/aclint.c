/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACLINT in the SiFive CLINT layout (RISC-V ACLINT spec: MSWI and MTIMER
 * devices): per-hart msip at +4*i, mtimecmp at +0x4000+8*i, one mtime at
 * +0xbff8.  mtime follows the machine's virtual clock at the timebase;
 * a one-shot timer raises MTIP when mtime reaches a hart's mtimecmp.
 */
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"

#define ACLINT_MSIP 0x0000
#define ACLINT_MTIMECMP 0x4000
#define ACLINT_MTIME 0xbff8
#define ACLINT_SIZE 0x10000
/* Interrupt numbers at the hart's local interrupt controller (mip bits). */
#define IRQ_MSOFT 3
#define IRQ_MTIMER 7

typedef struct AclintHart {
    struct Aclint *aclint;
    unsigned index;
    uint64_t mtimecmp;
    uint32_t msip;
    IRQLine mtip_irq, msip_irq;
    Timer timer;
} AclintHart;

struct Aclint {
    Machine *machine;
    uint64_t timebase_hz;
    unsigned nr_harts;
    AclintHart harts[MACHINE_MAX_CPUS];
};

uint64_t aclint_mtime(void *opaque)
{
    Aclint *s = opaque;
    int64_t ns = clock_virtual_ns(&s->machine->timers);

    return (uint64_t)((unsigned __int128)ns * s->timebase_hz / 1000000000u);
}

/* Virtual ns at which mtime reaches `ticks` (rounded up). */
static int64_t ticks_to_ns(Aclint *s, uint64_t ticks)
{
    unsigned __int128 ns = ((unsigned __int128)ticks * 1000000000u + s->timebase_hz - 1) /
                           s->timebase_hz;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

static void aclint_update_mtip(AclintHart *h)
{
    Aclint *s = h->aclint;

    if (aclint_mtime(s) >= h->mtimecmp) {
        irq_set(h->mtip_irq, 1);
        timer_mod(&h->timer, INT64_MAX);
    } else {
        irq_set(h->mtip_irq, 0);
        timer_mod(&h->timer, ticks_to_ns(s, h->mtimecmp));
    }
}

static void aclint_timer_cb(void *opaque)
{
    aclint_update_mtip(opaque);
}

static uint64_t aclint_read(void *opaque, gpa_t offset, unsigned size)
{
    Aclint *s = opaque;
    uint64_t val = 0;
    unsigned shift = (offset & 7) * 8;

    if (offset < ACLINT_MSIP + 4 * s->nr_harts) {
        return s->harts[offset / 4].msip;
    }
    if (offset >= ACLINT_MTIMECMP && offset < ACLINT_MTIMECMP + 8 * s->nr_harts) {
        val = s->harts[(offset - ACLINT_MTIMECMP) / 8].mtimecmp;
    } else if (offset >= ACLINT_MTIME && offset < ACLINT_MTIME + 8) {
        val = aclint_mtime(s);
    } else {
        return 0;
    }
    val >>= shift;
    return size == 8 ? val : val & ((1ull << (size * 8)) - 1);
}

static void aclint_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    Aclint *s = opaque;

    if (offset < ACLINT_MSIP + 4 * s->nr_harts) {
        AclintHart *h = &s->harts[offset / 4];
        h->msip = val & 1;
        irq_set(h->msip_irq, h->msip);
    } else if (offset >= ACLINT_MTIMECMP && offset < ACLINT_MTIMECMP + 8 * s->nr_harts) {
        AclintHart *h = &s->harts[(offset - ACLINT_MTIMECMP) / 8];
        unsigned shift = (offset & 7) * 8;
        uint64_t mask = (size == 8 ? ~0ull : (1ull << (size * 8)) - 1) << shift;
        h->mtimecmp = (h->mtimecmp & ~mask) | ((val << shift) & mask);
        aclint_update_mtip(h);
    }
    /* mtime writes are ignored: it follows the host clock. */
}

static const VMStateField aclint_hart_fields[] = {
    VMSTATE_SKIP(AclintHart, aclint, "wiring"),
    VMSTATE_SKIP(AclintHart, index, "wiring"),
    VMSTATE_SCALAR(AclintHart, mtimecmp),
    VMSTATE_SCALAR(AclintHart, msip),
    VMSTATE_SKIP(AclintHart, mtip_irq, "wiring"),
    VMSTATE_SKIP(AclintHart, msip_irq, "wiring"),
    VMSTATE_SKIP(AclintHart, timer, "re-armed from mtimecmp by post_load"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_aclint_hart = {
    .name = "aclint-hart", .version = 1, .size = sizeof(AclintHart),
    .fields = aclint_hart_fields,
};

/* mtime is the machine clock ("clock" record); MTIP and MSIP follow the loaded registers. */
static void aclint_post_load(void *opaque)
{
    Aclint *s = opaque;

    for (unsigned i = 0; i < s->nr_harts; i++) {
        irq_set(s->harts[i].msip_irq, s->harts[i].msip);
        aclint_update_mtip(&s->harts[i]);
    }
}

static const VMStateField aclint_fields[] = {
    VMSTATE_SKIP(Aclint, machine, "wiring"),
    VMSTATE_SKIP(Aclint, timebase_hz, "board configuration"),
    VMSTATE_SKIP(Aclint, nr_harts, "board configuration"),
    VMSTATE_STRUCT_ARRAY(Aclint, harts, vmstate_aclint_hart),
    VMSTATE_END,
};

static const VMStateDescription vmstate_aclint = {
    .name = "aclint", .version = 1, .size = sizeof(Aclint), .fields = aclint_fields,
    .post_load = aclint_post_load,
};

static const MemoryRegionOps aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
};

Aclint *aclint_create(Machine *m, gpa_t base, unsigned nr_harts, uint64_t timebase_hz,
                      const IRQLine *mtip, const IRQLine *msip)
{
    Aclint *s = calloc(1, sizeof(*s));

    s->machine = m;
    s->timebase_hz = timebase_hz;
    s->nr_harts = nr_harts;
    for (unsigned i = 0; i < nr_harts; i++) {
        AclintHart *h = &s->harts[i];
        h->aclint = s;
        h->index = i;
        h->mtimecmp = ~0ull;
        h->mtip_irq = mtip[i];
        h->msip_irq = msip[i];
    }
    if (!memory_add_mmio(&m->as, "aclint", base, ACLINT_SIZE, &aclint_ops, s)) {
        free(s);
        return NULL;
    }
    for (unsigned i = 0; i < nr_harts; i++) {
        timer_init(&m->timers, &s->harts[i].timer, aclint_timer_cb, &s->harts[i]);
    }
    vmstate_register(m, "aclint", &vmstate_aclint, s);
    if (m->fdt) {
        static const char compat[] = "sifive,clint0\0riscv,clint0";
        int node = fdt_add_soc_device(m, "clint", base, ACLINT_SIZE, compat, sizeof(compat));
        for (unsigned i = 0; i < nr_harts; i++) {
            uint32_t intc = m->cpu_intc_phandle[i];
            fdt_check(fdt_appendprop_u32(m->fdt, node, "interrupts-extended", intc), "clint");
            fdt_check(fdt_appendprop_u32(m->fdt, node, "interrupts-extended", IRQ_MSOFT), "clint");
            fdt_check(fdt_appendprop_u32(m->fdt, node, "interrupts-extended", intc), "clint");
            fdt_check(fdt_appendprop_u32(m->fdt, node, "interrupts-extended", IRQ_MTIMER), "clint");
        }
    }
    return s;
}
