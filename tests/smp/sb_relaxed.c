/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sb_relaxed: store buffering without a fence (RVWMO appendix A, "SB").
 * Hart 0: x = 1; r0 = y.  Hart 1: y = 1; r1 = x.  r0 r1 = 00 is allowed,
 * and on a host with store buffers (x86 TSO, Arm) harts that really run
 * at the same time show it: this test passes only if 00 is seen at least
 * once, which proves the harts run on separate host threads.  It runs
 * 10^6 iterations, and more, up to 10^7, until 00 has been seen (a loaded
 * host seldom runs both threads at once).  Round-robin
 * on one thread never shows it (a TB runs to its end before a switch).
 */
#include "litmus.h"

#define ITERS (1000000 / SMP_SCALE)

static void side0(u64 *x, u64 *y, u64 *r0, u64 *r1)
{
    u64 v;
    (void)r1;
    __asm__ volatile("sd %2, 0(%1)\n\t"
                     "ld %0, 0(%3)"
                     : "=&r"(v) : "r"(x), "r"(1L), "r"(y) : "memory");
    *r0 = v;
}

static void side1(u64 *x, u64 *y, u64 *r0, u64 *r1)
{
    u64 v;
    (void)r0;
    __asm__ volatile("sd %2, 0(%1)\n\t"
                     "ld %0, 0(%3)"
                     : "=&r"(v) : "r"(y), "r"(1L), "r"(x) : "memory");
    *r1 = v;
}

static const struct litmus tests[] = {
    { .name = "sb_relaxed", .side = { side0, side1 }, .required = OUT_00, .max_iters = 10 * ITERS },
};

int main(unsigned me)
{
    return litmus_main(me, tests, ARRAY_SIZE(tests), ITERS);
}
