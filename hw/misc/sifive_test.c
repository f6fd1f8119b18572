/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SiFive test finisher ("sifive,test0", as on QEMU's virt board): a
 * 32-bit write of 0x5555 powers the machine off with status 0,
 * (code << 16) | 0x3333 ends it with exit status `code`, 0x7777 resets
 * the machine (reboot).
 */
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"
#include "util/error.h"

#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555
#define FINISHER_RESET 0x7777

struct SifiveTest {
    Machine *machine;
};

static uint64_t sifive_test_read(void *opaque, gpa_t offset, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    SifiveTest *s = opaque;

    if (offset != 0) {
        return;
    }
    switch (val & 0xffff) {
    case FINISHER_PASS:
        machine_request_shutdown(s->machine, 0);
        break;
    case FINISHER_RESET:
        machine_request_reset(s->machine);
        break;
    case FINISHER_FAIL:
        machine_request_shutdown(s->machine, (int)((val >> 16) & 0xffff));
        break;
    default:
        guest_error("sifive_test: unknown command 0x%" PRIx64, val);
    }
}

/* Write-only: the finisher has no state a guest can read back. */
static const VMStateField sifive_test_fields[] = {
    VMSTATE_SKIP(SifiveTest, machine, "wiring"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_sifive_test = {
    .name = "sifive_test", .version = 1, .size = sizeof(SifiveTest),
    .fields = sifive_test_fields,
};

static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
};

SifiveTest *sifive_test_create(Machine *m, gpa_t base)
{
    SifiveTest *s = calloc(1, sizeof(*s));

    static const char compat[] = "sifive,test1\0sifive,test0\0syscon";
    uint32_t phandle;
    int node;

    s->machine = m;
    if (!memory_add_mmio(&m->as, "sifive_test", base, 0x1000, &sifive_test_ops, s)) {
        free(s);
        return NULL;
    }
    vmstate_register(m, "sifive_test", &vmstate_sifive_test, s);
    if (m->fdt) {
        /* The syscon-poweroff/-reboot nodes let firmware and Linux find the finisher. */
        static const struct { const char *node, *compat; uint32_t value; } ctl[] = {
            { "poweroff", "syscon-poweroff", FINISHER_PASS },
            { "reboot", "syscon-reboot", FINISHER_RESET },
        };
        node = fdt_add_soc_device(m, "test", base, 0x1000, compat, sizeof(compat));
        phandle = fdt_alloc_phandle(m);
        fdt_check(fdt_setprop_u32(m->fdt, node, "phandle", phandle), "test");
        for (unsigned i = 0; i < ARRAY_SIZE(ctl); i++) {
            int off = fdt_add_subnode(m->fdt, 0, ctl[i].node);
            fdt_check(off, ctl[i].node);
            fdt_check(fdt_setprop_string(m->fdt, off, "compatible", ctl[i].compat), ctl[i].node);
            fdt_check(fdt_setprop_u32(m->fdt, off, "regmap", phandle), ctl[i].node);
            fdt_check(fdt_setprop_u32(m->fdt, off, "offset", 0), ctl[i].node);
            fdt_check(fdt_setprop_u32(m->fdt, off, "value", ctl[i].value), ctl[i].node);
        }
    }
    return s;
}
