/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NS16550A UART per the National Semiconductor PC16550D datasheet, with
 * 1-byte register spacing as on QEMU's virt board.  Transmission is
 * instant (THR and the shift register are always empty again by the
 * time the guest looks), so THRE/TEMT read as 1 and each THR write is a
 * new "THR empty" event.  Receive has the 16-byte FIFO (1 byte with FIFOs
 * off) fed from a Console with flow control: bytes that do not fit stay
 * in the console, so the overrun error only arises in loopback.  The
 * character-timeout indication is given as soon as the FIFO holds fewer
 * bytes than the trigger level, not after four character times: guests
 * treat it like "data available", and there is no line speed to time.
 * Interrupt identification follows datasheet table 4 (IIR priorities);
 * the THRE interrupt follows the rules Linux's 8250 driver relies on.
 */
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"
#include "ui/console.h"
#include "util/error.h"

#define UART_SIZE 0x100
#define UART_CLOCK_HZ 3686400
#define UART_FIFO_SIZE 16

/* Register offsets (bytes). */
#define UART_RBR 0   /* receive buffer (read), DLAB=0 */
#define UART_THR 0   /* transmit holding (write), DLAB=0 */
#define UART_DLL 0   /* divisor latch low, DLAB=1 */
#define UART_IER 1   /* DLAB=0 */
#define UART_DLM 1   /* divisor latch high, DLAB=1 */
#define UART_IIR 2   /* read */
#define UART_FCR 2   /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_ERBFI 0x01  /* received data available */
#define IER_ETBEI 0x02  /* THR empty */
#define IER_ELSI 0x04   /* receiver line status */
#define IER_EDSSI 0x08  /* modem status */

#define IIR_NO_INT 0x01
#define IIR_RLS 0x06    /* receiver line status: highest */
#define IIR_RDA 0x04    /* received data available */
#define IIR_CTI 0x0c    /* character timeout */
#define IIR_THRE 0x02   /* THR empty */
#define IIR_MSI 0x00    /* modem status: lowest */
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER 0xc0

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DELTAS 0x0f
#define MSR_TERI 0x04
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

struct NS16550A {
    Console *con;
    IRQLine irq;
    uint8_t ier, fcr, lcr, mcr, msr, scr, dll, dlm;
    bool overrun;               /* LSR.OE, cleared by reading LSR */
    bool thr_ipending;          /* THRE interrupt condition latched, see uart_iir_id */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
};

static unsigned uart_rx_capacity(NS16550A *s)
{
    return (s->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

/* Receiver FIFO trigger level (datasheet FCR bits 7:6). */
static unsigned uart_rx_trigger(NS16550A *s)
{
    static const unsigned level[4] = { 1, 4, 8, 14 };

    return (s->fcr & FCR_ENABLE) ? level[s->fcr >> 6] : 1;
}

/* The highest-priority pending interrupt's IIR bits 3:0 (datasheet table 4). */
static uint8_t uart_iir_id(NS16550A *s)
{
    if ((s->ier & IER_ELSI) && s->overrun) {
        return IIR_RLS;
    }
    if ((s->ier & IER_ERBFI) && s->rx_count) {
        return s->rx_count >= uart_rx_trigger(s) ? IIR_RDA : IIR_CTI;
    }
    if ((s->ier & IER_ETBEI) && s->thr_ipending) {
        return IIR_THRE;
    }
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void uart_update_irq(NS16550A *s)
{
    irq_set(s->irq, uart_iir_id(s) != IIR_NO_INT);
}

static void uart_rx_clear(NS16550A *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
}

static void uart_rx_push(NS16550A *s, uint8_t b)
{
    if (s->rx_count == uart_rx_capacity(s)) {
        s->overrun = true; /* the byte in the shift register is lost */
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count++) % UART_FIFO_SIZE] = b;
}

static int uart_can_receive(void *opaque)
{
    NS16550A *s = opaque;

    return (int)(uart_rx_capacity(s) - s->rx_count);
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    NS16550A *s = opaque;

    for (size_t i = 0; i < len; i++) {
        uart_rx_push(s, buf[i]);
    }
    uart_update_irq(s);
}

/* Modem status inputs: CTS/DSR/DCD asserted, or MCR looped back (datasheet MCR bit 4). */
static void uart_update_msr(NS16550A *s)
{
    uint8_t in = MSR_CTS | MSR_DSR | MSR_DCD;
    uint8_t changed, deltas;

    if (s->mcr & MCR_LOOP) {
        in = ((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
             ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
    }
    changed = (s->msr ^ in) & 0xf0;
    deltas = (changed & (MSR_CTS | MSR_DSR | MSR_DCD)) >> 4;
    /* TERI marks RI's trailing edge (on -> off) only. */
    if ((changed & MSR_RI) && !(in & MSR_RI)) {
        deltas |= MSR_TERI;
    }
    s->msr = (s->msr & MSR_DELTAS) | deltas | in;
}

static void uart_transmit(NS16550A *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP) {
        uart_rx_push(s, b);
    } else if (s->con) {
        console_write(s->con, &b, 1);
    }
}

static uint64_t ns16550a_read(void *opaque, gpa_t offset, unsigned size)
{
    NS16550A *s = opaque;
    uint8_t v;

    switch (offset) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            return s->dll;
        }
        if (!s->rx_count) {
            return 0;
        }
        v = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
        uart_update_irq(s);
        if (s->con) {
            console_accept_input(s->con);
        }
        return v;
    case UART_IER:
        return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case UART_IIR:
        v = uart_iir_id(s);
        /* Reading IIR while it reports THRE clears that interrupt (datasheet table 4). */
        if (v == IIR_THRE) {
            s->thr_ipending = false;
            uart_update_irq(s);
        }
        return v | ((s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        v = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0) | (s->overrun ? LSR_OE : 0);
        if (s->overrun) {
            s->overrun = false;
            uart_update_irq(s);
        }
        return v;
    case UART_MSR:
        v = s->msr;
        if (v & MSR_DELTAS) {
            s->msr &= ~MSR_DELTAS;
            uart_update_irq(s);
        }
        return v;
    case UART_SCR:
        return s->scr;
    default:
        guest_error("ns16550a: read of unimplemented register 0x%" PRIx64, offset);
        return 0;
    }
}

static void uart_write_fcr(NS16550A *s, uint8_t val)
{
    bool cleared = false;

    /* Toggling the FIFO enable clears both FIFOs; other bits need FCR0 = 1. */
    if ((val ^ s->fcr) & FCR_ENABLE) {
        uart_rx_clear(s);
        cleared = true;
    }
    if (!(val & FCR_ENABLE)) {
        s->fcr = 0;
    } else {
        if (val & FCR_CLEAR_RX) {
            uart_rx_clear(s);
            cleared = true;
        }
        /* FCR_CLEAR_TX: the transmitter is always empty. */
        s->fcr = val & (FCR_ENABLE | FCR_TRIGGER);
    }
    uart_update_irq(s);
    if (cleared && s->con) {
        console_accept_input(s->con);
    }
}

static void ns16550a_write(void *opaque, gpa_t offset, uint64_t val64, unsigned size)
{
    NS16550A *s = opaque;
    uint8_t val = (uint8_t)val64;
    uint8_t changed;

    switch (offset) {
    case UART_THR:
        if (s->lcr & LCR_DLAB) {
            s->dll = val;
            return;
        }
        s->thr_ipending = false;
        uart_transmit(s, val);
        s->thr_ipending = true; /* sent at once: THR is empty again */
        uart_update_irq(s);
        return;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->dlm = val;
            return;
        }
        changed = (s->ier ^ val) & 0x0f;
        s->ier = val & 0x0f;
        /*
         * Enabling ETBEI while THR is empty raises THRE at once (Linux's
         * 8250 start_tx and QEMU rely on it; the datasheet is silent).
         */
        if (changed && (s->ier & IER_ETBEI)) {
            s->thr_ipending = true;
        }
        uart_update_irq(s);
        return;
    case UART_FCR:
        uart_write_fcr(s, val);
        return;
    case UART_LCR:
        s->lcr = val;
        return;
    case UART_MCR:
        s->mcr = val & 0x1f;
        uart_update_msr(s);
        uart_update_irq(s);
        return;
    case UART_LSR:
    case UART_MSR:
        return; /* factory test registers on the real part: writes ignored */
    case UART_SCR:
        s->scr = val;
        return;
    default:
        guest_error("ns16550a: write to unimplemented register 0x%" PRIx64, offset);
        return;
    }
}

/* The line follows the loaded registers; a FIFO with room takes console input again. */
static void ns16550a_post_load(void *opaque)
{
    NS16550A *s = opaque;

    uart_update_irq(s);
    if (s->con) {
        console_accept_input(s->con);
    }
}

static const VMStateField ns16550a_fields[] = {
    VMSTATE_SKIP(NS16550A, con, "wiring"),
    VMSTATE_SKIP(NS16550A, irq, "wiring"),
    VMSTATE_SCALAR(NS16550A, ier),
    VMSTATE_SCALAR(NS16550A, fcr),
    VMSTATE_SCALAR(NS16550A, lcr),
    VMSTATE_SCALAR(NS16550A, mcr),
    VMSTATE_SCALAR(NS16550A, msr),
    VMSTATE_SCALAR(NS16550A, scr),
    VMSTATE_SCALAR(NS16550A, dll),
    VMSTATE_SCALAR(NS16550A, dlm),
    VMSTATE_SCALAR(NS16550A, overrun),
    VMSTATE_SCALAR(NS16550A, thr_ipending),
    VMSTATE_ARRAY(NS16550A, rx_fifo),
    VMSTATE_SCALAR(NS16550A, rx_head),
    VMSTATE_SCALAR(NS16550A, rx_count),
    VMSTATE_END,
};

static const VMStateDescription vmstate_ns16550a = {
    .name = "ns16550a", .version = 1, .size = sizeof(NS16550A), .fields = ns16550a_fields,
    .post_load = ns16550a_post_load,
};

static const MemoryRegionOps ns16550a_ops = {
    .read = ns16550a_read,
    .write = ns16550a_write,
};

NS16550A *ns16550a_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num, Console *con)
{
    NS16550A *s = calloc(1, sizeof(*s));

    if (!s) {
        return NULL;
    }
    s->con = con;
    s->irq = irq;
    s->msr = MSR_CTS | MSR_DSR | MSR_DCD;
    if (!memory_add_mmio(&m->as, "ns16550a", base, UART_SIZE, &ns16550a_ops, s)) {
        free(s);
        return NULL;
    }
    vmstate_register(m, "ns16550a", &vmstate_ns16550a, s);
    if (m->fdt) {
        const char *what = "/soc/serial";
        int off = fdt_add_soc_device(m, "serial", base, UART_SIZE, "ns16550a", 0);

        fdt_check(fdt_setprop_u32(m->fdt, off, "clock-frequency", UART_CLOCK_HZ), what);
        if (m->irqchip_phandle) {
            fdt_check(fdt_setprop_u32(m->fdt, off, "interrupts", irq_num), what);
            fdt_check(fdt_setprop_u32(m->fdt, off, "interrupt-parent", m->irqchip_phandle),
                      what);
        }
    }
    if (con) {
        console_set_receiver(con, uart_receive, uart_can_receive, s);
    }
    return s;
}
