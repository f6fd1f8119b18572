/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sb: store buffering with fences (RVWMO appendix A, "SB").  Hart 0:
 * x = 1; fence; r0 = y.  Hart 1: y = 1; fence; r1 = x.  With fence rw,rw
 * (and with the minimal fence w,r) r0 r1 = 00 is forbidden.  The variant
 * without a fence, where 00 is allowed, is sb_relaxed.c.
 */
#include "litmus.h"

#define ITERS (1000000 / SMP_SCALE)

#define SB_SIDE(fn, fence, mine, theirs, res)                                      \
    static void fn(u64 *x, u64 *y, u64 *r0, u64 *r1)                             \
    {                                                                              \
        u64 v;                                                                     \
        (void)r0, (void)r1;                                                        \
        __asm__ volatile("sd %2, 0(%1)\n\t" fence "ld %0, 0(%3)"                   \
                         : "=&r"(v) : "r"(mine), "r"(1L), "r"(theirs) : "memory"); \
        *res = v;                                                                  \
    }

SB_SIDE(sb0_rwrw, "fence rw, rw\n\t", x, y, r0)
SB_SIDE(sb1_rwrw, "fence rw, rw\n\t", y, x, r1)
SB_SIDE(sb0_wr, "fence w, r\n\t", x, y, r0)
SB_SIDE(sb1_wr, "fence w, r\n\t", y, x, r1)

static const struct litmus tests[] = {
    { .name = "sb", .side = { sb0_rwrw, sb1_rwrw }, .forbidden = OUT_00 },
    { .name = "sb_fence_wr", .side = { sb0_wr, sb1_wr }, .forbidden = OUT_00 },
};

int main(unsigned me)
{
    return litmus_main(me, tests, ARRAY_SIZE(tests), ITERS);
}
