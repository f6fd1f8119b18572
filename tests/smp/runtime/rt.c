/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt.c - runtime of the SMP tests: hart count from the device tree,
 * serialised console output on the ns16550a, the finisher exit and a
 * spinning barrier.  The barrier does not sleep in wfi: waking a hart
 * from wfi is what the ipi test checks; the other tests should not
 * depend on it, nor pay for its latency.
 */
#include "smp.h"

unsigned nr_harts = 1;

/* ------------------------------------------------------------ start-up */

static u32 be32(const void *p)
{
    const unsigned char *b = p;
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* Hart 0, before the others run: count the /cpus/cpu@N nodes (flattened device tree v17). */
void rt_init(const void *fdt)
{
    const char *base = fdt, *p;
    unsigned n = 0;

    if (!fdt || be32(base) != 0xd00dfeed) {
        return;
    }
    p = base + be32(base + 8);                  /* off_dt_struct */
    for (;;) {
        u32 tok = be32(p);
        p += 4;
        if (tok == 1) {                          /* FDT_BEGIN_NODE: name, NUL, pad to 4 */
            const char *name = p;
            if (name[0] == 'c' && name[1] == 'p' && name[2] == 'u' && name[3] == '@') {
                n++;
            }
            while (*p) {
                p++;
            }
            p = base + ((p + 1 - base + 3) & ~3L);
        } else if (tok == 3) {                   /* FDT_PROP: len, nameoff, value */
            u32 len = be32(p);
            p += 8 + ((len + 3) & ~3U);
        } else if (tok == 2 || tok == 4) {       /* FDT_END_NODE, FDT_NOP */
            continue;
        } else {                                 /* FDT_END or garbage */
            break;
        }
    }
    if (n > MAX_HARTS) {
        n = MAX_HARTS;
    }
    if (n) {
        nr_harts = n;
    }
}

/* gcc may emit calls to these even with -ffreestanding. */
void *memset(void *d, int c, unsigned long n)
{
    unsigned char *p = d;
    while (n--) {
        *p++ = c;
    }
    return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) {
        *p++ = *q++;
    }
    return d;
}

/* ------------------------------------------------------------ console */

static u32 print_lock;

static void lock(u32 *l)
{
    u32 old;
    for (;;) {
        __asm__ volatile("amoswap.w.aq %0, %2, %1" : "=r"(old), "+A"(*l) : "r"(1) : "memory");
        if (!old) {
            return;
        }
        while (READ_ONCE(*l)) {
            cpu_relax();
        }
    }
}

static void unlock(u32 *l)
{
    __asm__ volatile("amoswap.w.rl zero, zero, %0" : "+A"(*l) :: "memory");
}

static void uart_putc(char c)
{
    volatile unsigned char *u = (volatile unsigned char *)UART_BASE;
    while (!(u[5] & 0x20)) {                     /* LSR.THRE */
    }
    u[0] = c;
}

static void put_u64(u64 v, unsigned base)
{
    char buf[24];
    int i = 0;
    do {
        unsigned d = v % base;
        buf[i++] = d < 10 ? '0' + d : 'a' + d - 10;
        v /= base;
    } while (v);
    while (i) {
        uart_putc(buf[--i]);
    }
}

void tprintf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    lock(&print_lock);
    for (; *fmt; fmt++) {
        int lng = 0;
        if (*fmt != '%') {
            uart_putc(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s) {
                uart_putc(*s++);
            }
            break;
        }
        case 'c':
            uart_putc(va_arg(ap, int));
            break;
        case 'd': {
            i64 v = lng ? va_arg(ap, long) : va_arg(ap, int);
            if (v < 0) {
                uart_putc('-');
                v = -v;
            }
            put_u64(v, 10);
            break;
        }
        case 'u':
            put_u64(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10);
            break;
        case 'x':
            put_u64(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16);
            break;
        case '%':
            uart_putc('%');
            break;
        default:
            uart_putc('?');
            break;
        }
    }
    unlock(&print_lock);
    va_end(ap);
}

/* ------------------------------------------------------------ exit, wait */

void test_exit(unsigned code)
{
    u32 v = code ? (code & 0xffff) << 16 | 0x3333 : 0x5555;

    __asm__ volatile("fence iorw, iorw" ::: "memory");
    *(volatile u32 *)FINISHER = v;
    park();
}

void park(void)
{
    __asm__ volatile("csrci mstatus, 8; csrw mie, zero" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi" ::: "memory");
    }
}

__attribute__((weak)) void trap_handler(struct trapframe *tf)
{
    u64 tval;
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));
    tprintf("hart %u: unexpected trap mcause=%lx mepc=%lx mtval=%lx\n", hartid(), tf->mcause,
            tf->mepc, tval);
    test_exit(254);
}

static struct {
    u32 count;
    u32 gen;
} bar __attribute__((aligned(64)));

void barrier(unsigned n)
{
    u32 gen = READ_ONCE(bar.gen), old;

    __asm__ volatile("amoadd.w.aqrl %0, %2, %1" : "=r"(old), "+A"(bar.count) : "r"(1) : "memory");
    if (old == n - 1) {
        WRITE_ONCE(bar.count, 0);
        __asm__ volatile("fence rw, w" ::: "memory");
        WRITE_ONCE(bar.gen, gen + 1);
        return;
    }
    while (READ_ONCE(bar.gen) == gen) {
        cpu_relax();
    }
    __asm__ volatile("fence r, rw" ::: "memory");
}
