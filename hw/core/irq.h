/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IRQ lines: a device output wired to a sink (an interrupt controller
 * input or a hart's interrupt-pending bit) by the board.  A line is a
 * value, not an object: the device stores the IRQLine it was given.
 */
#ifndef VM_HW_CORE_IRQ_H
#define VM_HW_CORE_IRQ_H

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler; /* NULL: unconnected, raising it does nothing */
    void *opaque;
    int n;              /* which input of the sink */
} IRQLine;

static inline void irq_set(IRQLine line, int level)
{
    if (line.handler) {
        line.handler(line.opaque, line.n, level);
    }
}

#endif /* VM_HW_CORE_IRQ_H */
