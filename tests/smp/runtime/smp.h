/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smp.h - runtime for the bare-metal SMP tests (tests/smp/).
 *
 * Every hart enters start.S at the ELF entry in M-mode with a0 = hartid
 * (--bios none).  Each gets its own stack; hart 0 zeroes .bss and counts
 * the harts in the device tree while the others wait, then every hart
 * calls main(hartid) with interrupts off (mie = 0).  Hart 0's return
 * value is the exit status; another hart that returns parks.  Traps go
 * to trap_handler(), which a test may define; the default reports the
 * trap and exits with status 254.
 */
#ifndef VM_TESTS_SMP_H
#define VM_TESTS_SMP_H

#include <stdarg.h>
#include <stdint.h>

#define MAX_HARTS   8               /* must match start.S and link.ld */
#define FINISHER    0x100000UL      /* sifive_test */
#define UART_BASE   0x10000000UL    /* ns16550a */
#define CLINT_BASE  0x2000000UL     /* ACLINT MSWI: msip of hart h at +4*h */

#define IRQ_FLAG    (1UL << 63)
#define IRQ_M_SOFT  3
#define MIE_MSIE    (1UL << 3)
#define MSTATUS_MIE (1UL << 3)
#define MIP_MSIP    (1UL << 3)

typedef uint64_t u64;
typedef uint32_t u32;
typedef int64_t i64;

/* Harts in the machine (device tree /cpus/cpu@*), set before main runs. */
extern unsigned nr_harts;

/* Registers saved by the trap vector (start.S), in this order. */
struct trapframe {
    u64 ra, t0, t1, t2, t3, t4, t5, t6, a0, a1, a2, a3, a4, a5, a6, a7;
    u64 mcause, mepc;
};

int main(unsigned hartid);
/* Called with MIE clear on every trap; returns to tf->mepc through mret. */
void trap_handler(struct trapframe *tf);

/* Console, serialised between harts: printf-like %s %c %d %u %x %ld %lu %lx %%. */
void tprintf(const char *fmt, ...);
/* Power off through the finisher: 0 = pass, 1..255 = exit status. */
__attribute__((noreturn)) void test_exit(unsigned code);
/* Wait in wfi with every interrupt masked, until the machine powers off. */
__attribute__((noreturn)) void park(void);
/* All of harts 0..n-1 meet (spinning on shared memory). */
void barrier(unsigned n);

static inline unsigned hartid(void)
{
    unsigned long h;
    __asm__ volatile("csrr %0, mhartid" : "=r"(h));
    return h;
}

static inline u64 rdtime(void)
{
    u64 t;
    __asm__ volatile("csrr %0, time" : "=r"(t));
    return t;
}

static inline void send_ipi(unsigned hart)
{
    /* Memory stores before the IPI are visible to its handler. */
    __asm__ volatile("fence iorw, iorw" ::: "memory");
    *(volatile u32 *)(CLINT_BASE + 4 * hart) = 1;
}

static inline void clear_ipi(unsigned hart)
{
    *(volatile u32 *)(CLINT_BASE + 4 * hart) = 0;
    __asm__ volatile("fence iorw, iorw" ::: "memory");
}

static inline void cpu_relax(void)
{
    /* pause (Zihintpause): a fence w,0 hint; plain gcc -march=rv64gc lacks the mnemonic */
    __asm__ volatile(".4byte 0x0100000f" ::: "memory");
}

/*
 * Iteration counts of the tests are divided by this (run.sh: env
 * SMP_SCALE); only the ThreadSanitizer run (tsan.sh) lowers them.
 */
#ifndef SMP_SCALE
#define SMP_SCALE 1
#endif

#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define READ_ONCE(x)     (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif /* VM_TESTS_SMP_H */
