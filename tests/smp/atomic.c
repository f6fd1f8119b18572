/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * atomic: every hart adds 1 to one shared 64-bit counter ITERS times with
 * amoadd.d and ITERS times with an lr.d/sc.d loop, interleaved (an AMO
 * from another hart between lr and sc must make the sc fail), and does
 * the same with amoadd.w and lr.w/sc.w on a 32-bit counter that starts
 * below 0x8000_0000 so it crosses the sign boundary (lr.w sign-extends).
 * Hart 0 waits for every hart's done-count and exits 0 iff both counters
 * hold exactly the sum (unpriv spec ch. 13, "A" extension).
 * Each hart does at least ITERS iterations, and goes on in chunks until
 * MIN_TICKS of the time CSR have passed (at most MAX_ITERS), so that the
 * harts contend for long enough in the fast tiers too: a non-atomic
 * read-modify-write there loses updates in most runs of 10^6 but not all.
 */
#include "smp.h"

#define ITERS     (1000000UL / SMP_SCALE)
#define CHUNK     100000UL
#define MAX_ITERS 20000000UL
#define MIN_TICKS 10000000UL    /* 1 s at the virt board's 10 MHz timebase */
#define INIT32  0x7ff00000U

static u64 c64 __attribute__((aligned(64)));
static u32 c32 __attribute__((aligned(64)));
static u32 done __attribute__((aligned(64)));
static struct {
    u64 iters;
    u64 sc_fail;
} hs[MAX_HARTS] __attribute__((aligned(64)));

static void add(u64 iters, u64 *fails)
{
    for (u64 i = 0; i < iters; i++) {
        u64 t;
        u32 w;
        __asm__ volatile("amoadd.d zero, %1, %0" : "+A"(c64) : "r"(1L) : "memory");
        __asm__ volatile("1: lr.d %0, %2\n\t"
                         "addi %0, %0, 1\n\t"
                         "sc.d %0, %0, %2\n\t"
                         "beqz %0, 2f\n\t"
                         "addi %1, %1, 1\n\t"
                         "j 1b\n"
                         "2:"
                         : "=&r"(t), "+r"(*fails), "+A"(c64) :: "memory");
        __asm__ volatile("amoadd.w zero, %1, %0" : "+A"(c32) : "r"(1) : "memory");
        __asm__ volatile("1: lr.w %0, %2\n\t"
                         "addiw %0, %0, 1\n\t"
                         "sc.w %0, %0, %2\n\t"
                         "beqz %0, 2f\n\t"
                         "addi %1, %1, 1\n\t"
                         "j 1b\n"
                         "2:"
                         : "=&r"(w), "+r"(*fails), "+A"(c32) :: "memory");
    }
}

int main(unsigned me)
{
    unsigned n = nr_harts;
    u64 fails = 0, iters = 0, total = 0, v64, t0;
    u32 v32;

    if (me == 0) {
        c32 = INIT32;
    }
    barrier(n);
    t0 = rdtime();
    while (iters < ITERS || (iters < MAX_ITERS && rdtime() - t0 < MIN_TICKS)) {
        add(CHUNK, &fails);
        iters += CHUNK;
    }
    hs[me].iters = iters;
    hs[me].sc_fail = fails;
    __asm__ volatile("amoadd.w.aqrl zero, %1, %0" : "+A"(done) : "r"(1) : "memory");
    if (me != 0) {
        park();
    }
    while (READ_ONCE(done) != n) {
        cpu_relax();
    }
    __asm__ volatile("fence rw, rw" ::: "memory");
    fails = 0;
    for (unsigned h = 0; h < n; h++) {
        total += 2 * hs[h].iters;
        fails += hs[h].sc_fail;
    }
    v64 = READ_ONCE(c64);
    v32 = READ_ONCE(c32);
    tprintf("atomic: harts=%u c64=%lu (expect %lu) c32=%x (expect %x) sc-retries=%lu iters/hart=",
            n, v64, total, v32, (u32)(INIT32 + total), fails);
    for (unsigned h = 0; h < n; h++) {
        tprintf(h ? ",%lu" : "%lu", hs[h].iters);
    }
    tprintf("\n");
    if (v64 != total) {
        return 1;
    }
    if (v32 != (u32)(INIT32 + total)) {
        return 2;
    }
    return 0;
}
