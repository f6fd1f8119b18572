/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Create functions of the device models (hw/char, hw/intc, hw/misc).
 * Each maps its MMIO region into the machine's address space, wires its
 * IRQ outputs and owns its state (freed with the process).  Returns the
 * device, or NULL when the region overlaps another one.
 */
#ifndef VM_HW_CORE_DEVICES_H
#define VM_HW_CORE_DEVICES_H

#include <stdio.h>
#include "hw/core/machine.h"
#include "hw/core/irq.h"

typedef struct SifiveTest SifiveTest;
typedef struct NS16550A NS16550A;
typedef struct Aclint Aclint;

/* sifive_test finisher: 0x5555 powers off (status 0), (code << 16) | 0x3333 fails. */
SifiveTest *sifive_test_create(Machine *m, gpa_t base);

/* ns16550a UART, 1-byte registers; transmitted bytes go to `out`. */
NS16550A *ns16550a_create(Machine *m, gpa_t base, IRQLine irq, FILE *out);

/*
 * ACLINT/CLINT (SiFive CLINT layout): msip at +0, mtimecmp at +0x4000,
 * mtime at +0xbff8; mtime counts at `timebase_hz` from machine start.
 * mtip[i]/msip[i] are hart i's timer and software interrupt lines.
 */
Aclint *aclint_create(Machine *m, gpa_t base, unsigned nr_harts, uint64_t timebase_hz,
                      const IRQLine *mtip, const IRQLine *msip);
/* Current mtime in ticks (for the time CSR). */
uint64_t aclint_mtime(void *aclint);

#endif /* VM_HW_CORE_DEVICES_H */
