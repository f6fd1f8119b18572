/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NS16550A UART, transmit side: enough for bare-metal programs and
 * early consoles that poll LSR.THRE and write THR.  Register layout per
 * the National Semiconductor PC16550D datasheet with 1-byte spacing.
 * Receive, FIFOs and interrupts are completed by the board issue.
 */
#include <stdlib.h>

#include "hw/core/devices.h"

#define UART_RBR 0   /* receive buffer (read), DLAB=0 */
#define UART_THR 0   /* transmit holding (write), DLAB=0 */
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01

struct NS16550A {
    FILE *out;
    IRQLine irq;
    uint8_t ier, lcr, mcr, scr, dll, dlm;
};

static uint64_t ns16550a_read(void *opaque, gpa_t offset, unsigned size)
{
    NS16550A *s = opaque;

    switch (offset) {
    case UART_RBR: return (s->lcr & LCR_DLAB) ? s->dll : 0;
    case UART_IER: return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case UART_IIR: return IIR_NO_INT;
    case UART_LCR: return s->lcr;
    case UART_MCR: return s->mcr;
    case UART_LSR: return LSR_THRE | LSR_TEMT;
    case UART_SCR: return s->scr;
    default: return 0;
    }
}

static void ns16550a_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    NS16550A *s = opaque;

    switch (offset) {
    case UART_THR:
        if (s->lcr & LCR_DLAB) {
            s->dll = val;
        } else {
            fputc((int)(val & 0xff), s->out);
            if ((val & 0xff) == '\n') {
                fflush(s->out);
            }
        }
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->dlm = val;
        } else {
            s->ier = val & 0x0f;
        }
        break;
    case UART_LCR: s->lcr = val; break;
    case UART_MCR: s->mcr = val & 0x1f; break;
    case UART_SCR: s->scr = val; break;
    default: break;
    }
}

static const MemoryRegionOps ns16550a_ops = {
    .read = ns16550a_read,
    .write = ns16550a_write,
};

NS16550A *ns16550a_create(Machine *m, gpa_t base, IRQLine irq, FILE *out)
{
    NS16550A *s = calloc(1, sizeof(*s));

    s->out = out;
    s->irq = irq;
    if (!memory_add_mmio(&m->as, "ns16550a", base, 0x100, &ns16550a_ops, s)) {
        free(s);
        return NULL;
    }
    return s;
}
