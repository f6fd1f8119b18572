/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mp: message passing (RVWMO appendix A, "MP").  Hart 0: data = 1;
 * fence w,w; flag = 1.  Hart 1: r0 = flag; fence r,r; r1 = data.
 * Forbidden: r0 r1 = 10 (flag seen, data not).  x = data, y = flag.
 */
#include "litmus.h"

#define ITERS (1000000 / SMP_SCALE)

static void writer(u64 *x, u64 *y, u64 *r0, u64 *r1)
{
    (void)r0, (void)r1;
    __asm__ volatile("sd %2, 0(%0)\n\t"
                     "fence w, w\n\t"
                     "sd %2, 0(%1)"
                     :: "r"(x), "r"(y), "r"(1L) : "memory");
}

static void reader(u64 *x, u64 *y, u64 *r0, u64 *r1)
{
    u64 flag, data;
    __asm__ volatile("ld %0, 0(%3)\n\t"
                     "fence r, r\n\t"
                     "ld %1, 0(%2)"
                     : "=&r"(flag), "=&r"(data) : "r"(x), "r"(y) : "memory");
    *r0 = flag;
    *r1 = data;
}

static const struct litmus tests[] = {
    { .name = "mp", .side = { writer, reader }, .forbidden = OUT_10 },
};

int main(unsigned me)
{
    return litmus_main(me, tests, ARRAY_SIZE(tests), ITERS);
}
