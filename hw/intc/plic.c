/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RISC-V Platform-Level Interrupt Controller (RISC-V PLIC spec 1.0.0) as
 * QEMU's virt board configures it: 96 sources (source 0 reserved),
 * priorities 0..7 and two contexts per hart, 2*i = hart i M-mode (MEIP),
 * 2*i+1 = hart i S-mode (SEIP).  Every source has a level-triggered
 * gateway (spec §4): while the source is not in service its pending bit
 * follows the line; a claim takes it into service, and completion lets a
 * still-high line become pending again.  A context's output is high while
 * it has a claimable source (spec §5-§7).  All registers are 32 bits.
 */
#include <assert.h>
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"
#include "util/error.h"

#define PLIC_SIZE 0x600000
#define PLIC_NR_SOURCES 96            /* ids 0..95; 0 means "none" */
#define PLIC_WORDS (PLIC_NR_SOURCES / 32)
#define PLIC_PRIO_MASK 0x7            /* WARL: priorities 0..7, as QEMU's virt (7 levels) */
#define PLIC_MAX_CONTEXTS (2 * MACHINE_MAX_CPUS)

#define PLIC_PRIORITY 0x000000        /* + 4 * source */
#define PLIC_PENDING 0x001000         /* + 4 * word */
#define PLIC_ENABLE 0x002000          /* + 0x80 * context + 4 * word */
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000         /* + 0x1000 * context: threshold, claim/complete */
#define PLIC_CONTEXT_STRIDE 0x1000

#define IRQ_M_EXT_CAUSE 11
#define IRQ_S_EXT_CAUSE 9

typedef struct PlicContext {
    uint32_t enable[PLIC_WORDS];
    uint32_t threshold;
    IRQLine out;                      /* the hart's MEIP or SEIP */
} PlicContext;

struct Plic {
    Machine *machine;
    unsigned nr_contexts;
    uint32_t priority[PLIC_NR_SOURCES];
    uint32_t pending[PLIC_WORDS];
    uint32_t in_service[PLIC_WORDS];  /* claimed, not yet completed */
    uint32_t level[PLIC_WORDS];       /* current input line levels */
    PlicContext ctx[PLIC_MAX_CONTEXTS];
};

static bool bit_get(const uint32_t *w, unsigned n)
{
    return (w[n / 32] >> (n % 32)) & 1;
}

static void bit_set(uint32_t *w, unsigned n, bool v)
{
    if (v) {
        w[n / 32] |= 1u << (n % 32);
    } else {
        w[n / 32] &= ~(1u << (n % 32));
    }
}

/* The source a claim by `ctx` would return: highest priority, then lowest id; 0 if none. */
static unsigned plic_best(Plic *p, PlicContext *c)
{
    unsigned best = 0;
    uint32_t best_prio = c->threshold;

    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        uint32_t bits = p->pending[w] & c->enable[w];
        while (bits) {
            unsigned src = w * 32 + __builtin_ctz(bits);
            bits &= bits - 1;
            if (p->priority[src] > best_prio) {
                best_prio = p->priority[src];
                best = src;
            }
        }
    }
    return best;
}

static void plic_update(Plic *p)
{
    for (unsigned i = 0; i < p->nr_contexts; i++) {
        irq_set(p->ctx[i].out, plic_best(p, &p->ctx[i]) != 0);
    }
}

/* Gateway input: IRQLine handler for source n. */
static void plic_set_irq(void *opaque, int n, int level)
{
    Plic *p = opaque;

    bit_set(p->level, n, level);
    if (!bit_get(p->in_service, n)) {
        bit_set(p->pending, n, level);
    }
    plic_update(p);
}

IRQLine plic_input(Plic *p, int source)
{
    if (source <= 0 || source >= PLIC_NR_SOURCES) {
        return (IRQLine){ 0 };
    }
    return (IRQLine){ plic_set_irq, p, source };
}

static uint32_t plic_claim(Plic *p, PlicContext *c)
{
    unsigned src = plic_best(p, c);

    if (src) {
        bit_set(p->pending, src, false);
        bit_set(p->in_service, src, true);
        plic_update(p);
    }
    return src;
}

/* Spec §7: a completion for a source not enabled for the context is ignored. */
static void plic_complete(Plic *p, PlicContext *c, uint32_t src)
{
    if (src == 0 || src >= PLIC_NR_SOURCES || !bit_get(c->enable, src) ||
        !bit_get(p->in_service, src)) {
        guest_error("plic: completion of source %u not claimed by this context", src);
        return;
    }
    bit_set(p->in_service, src, false);
    if (bit_get(p->level, src)) {
        bit_set(p->pending, src, true);
    }
    plic_update(p);
}

/* The context whose register block holds `offset` (enable or context area), or NULL. */
static PlicContext *plic_context(Plic *p, gpa_t offset, gpa_t area, gpa_t stride, gpa_t *rel)
{
    gpa_t i = (offset - area) / stride;

    if (i >= p->nr_contexts) {
        return NULL;
    }
    *rel = (offset - area) % stride;
    return &p->ctx[i];
}

static const VMStateField plic_context_fields[] = {
    VMSTATE_ARRAY(PlicContext, enable),
    VMSTATE_SCALAR(PlicContext, threshold),
    VMSTATE_SKIP(PlicContext, out, "wiring"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_plic_context = {
    .name = "plic-context", .version = 1, .size = sizeof(PlicContext),
    .fields = plic_context_fields,
};

/* Re-drive every context's MEIP/SEIP from the loaded pending/enable/threshold state. */
static void plic_post_load(void *opaque)
{
    plic_update(opaque);
}

static const VMStateField plic_fields[] = {
    VMSTATE_SKIP(Plic, machine, "wiring"),
    VMSTATE_SKIP(Plic, nr_contexts, "board configuration"),
    VMSTATE_ARRAY(Plic, priority),
    VMSTATE_ARRAY(Plic, pending),
    VMSTATE_ARRAY(Plic, in_service),
    VMSTATE_ARRAY(Plic, level),
    VMSTATE_STRUCT_ARRAY(Plic, ctx, vmstate_plic_context),
    VMSTATE_END,
};

static const VMStateDescription vmstate_plic = {
    .name = "plic", .version = 1, .size = sizeof(Plic), .fields = plic_fields,
    .post_load = plic_post_load,
};

static uint64_t plic_read(void *opaque, gpa_t offset, unsigned size)
{
    Plic *p = opaque;
    PlicContext *c;
    gpa_t rel;

    if (size != 4 || (offset & 3)) {
        guest_error("plic: %u-byte read at 0x%" PRIx64, size, offset);
        return 0;
    }
    if (offset < PLIC_PENDING) {
        unsigned src = offset / 4;
        return src < PLIC_NR_SOURCES ? p->priority[src] : 0;
    }
    if (offset < PLIC_ENABLE) {
        unsigned w = (offset - PLIC_PENDING) / 4;
        return w < PLIC_WORDS ? p->pending[w] : 0;
    }
    if (offset < PLIC_CONTEXT) {
        c = plic_context(p, offset, PLIC_ENABLE, PLIC_ENABLE_STRIDE, &rel);
        if (c) {
            return rel / 4 < PLIC_WORDS ? c->enable[rel / 4] : 0;
        }
    } else {
        c = plic_context(p, offset, PLIC_CONTEXT, PLIC_CONTEXT_STRIDE, &rel);
        if (c && rel == 0) {
            return c->threshold;
        }
        if (c && rel == 4) {
            return plic_claim(p, c);
        }
    }
    guest_error("plic: read of unimplemented register 0x%" PRIx64, offset);
    return 0;
}

static void plic_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    Plic *p = opaque;
    PlicContext *c;
    gpa_t rel;

    if (size != 4 || (offset & 3)) {
        guest_error("plic: %u-byte write at 0x%" PRIx64, size, offset);
        return;
    }
    if (offset < PLIC_PENDING) {
        unsigned src = offset / 4;
        /* Source 0 and sources past ndev are hardwired to zero (WARL). */
        if (src > 0 && src < PLIC_NR_SOURCES) {
            p->priority[src] = val & PLIC_PRIO_MASK;
            plic_update(p);
        }
        return;
    }
    if (offset < PLIC_ENABLE) {
        guest_error("plic: write to read-only pending bits at 0x%" PRIx64, offset);
        return;
    }
    if (offset < PLIC_CONTEXT) {
        c = plic_context(p, offset, PLIC_ENABLE, PLIC_ENABLE_STRIDE, &rel);
        if (c) {
            if (rel / 4 < PLIC_WORDS) {
                /* Source 0 cannot be enabled. */
                c->enable[rel / 4] = rel == 0 ? (uint32_t)val & ~1u : (uint32_t)val;
                plic_update(p);
            }
            return;
        }
    } else {
        c = plic_context(p, offset, PLIC_CONTEXT, PLIC_CONTEXT_STRIDE, &rel);
        if (c && rel == 0) {
            c->threshold = val & PLIC_PRIO_MASK;
            plic_update(p);
            return;
        }
        if (c && rel == 4) {
            plic_complete(p, c, (uint32_t)val);
            return;
        }
    }
    guest_error("plic: write to unimplemented register 0x%" PRIx64, offset);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
};

/* Node per QEMU's virt: interrupts-extended lists M then S external for each hart. */
static void plic_add_fdt(Plic *p, gpa_t base, unsigned nr_harts)
{
    static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    Machine *m = p->machine;
    void *fdt = m->fdt;
    const char *what = "/soc/interrupt-controller";
    uint32_t phandle = fdt_alloc_phandle(m);
    int off = fdt_add_soc_device(m, "interrupt-controller", base, PLIC_SIZE, compat,
                                 sizeof(compat));

    fdt_check(fdt_setprop_u32(fdt, off, "#address-cells", 0), what);
    fdt_check(fdt_setprop_u32(fdt, off, "#interrupt-cells", 1), what);
    fdt_check(fdt_setprop(fdt, off, "interrupt-controller", NULL, 0), what);
    fdt_check(fdt_setprop_u32(fdt, off, "riscv,ndev", PLIC_NR_SOURCES - 1), what);
    fdt_check(fdt_setprop_u32(fdt, off, "phandle", phandle), what);
    fdt_check(fdt_setprop(fdt, off, "interrupts-extended", NULL, 0), what);
    for (unsigned i = 0; i < nr_harts; i++) {
        fdt_check(fdt_appendprop_u32(fdt, off, "interrupts-extended", m->cpu_intc_phandle[i]),
                  what);
        fdt_check(fdt_appendprop_u32(fdt, off, "interrupts-extended", IRQ_M_EXT_CAUSE), what);
        fdt_check(fdt_appendprop_u32(fdt, off, "interrupts-extended", m->cpu_intc_phandle[i]),
                  what);
        fdt_check(fdt_appendprop_u32(fdt, off, "interrupts-extended", IRQ_S_EXT_CAUSE), what);
    }
    m->irqchip_phandle = phandle;
}

Plic *plic_create(Machine *m, gpa_t base, unsigned nr_harts, const IRQLine *meip,
                  const IRQLine *seip)
{
    Plic *p;

    assert(nr_harts <= MACHINE_MAX_CPUS);
    p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->machine = m;
    p->nr_contexts = 2 * nr_harts;
    for (unsigned i = 0; i < nr_harts; i++) {
        p->ctx[2 * i].out = meip[i];
        p->ctx[2 * i + 1].out = seip[i];
    }
    if (!memory_add_mmio(&m->as, "plic", base, PLIC_SIZE, &plic_ops, p)) {
        free(p);
        return NULL;
    }
    vmstate_register(m, "plic", &vmstate_plic, p);
    if (m->fdt) {
        plic_add_fdt(p, base, nr_harts);
    }
    return p;
}
