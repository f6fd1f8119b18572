/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb: load buffering (RVWMO appendix A, "LB").  Hart 0: r0 = x; y = 1.
 * Hart 1: r1 = y; x = 1.  r0 r1 = 11 is forbidden when each load is
 * ordered before its store: by fence r,w ("lb"), by a data dependency of
 * the stored value on the loaded one ("lb_data", preserved program order
 * rule 9) or by a control dependency of the store ("lb_ctrl", rule 11).
 */
#include "litmus.h"

#define ITERS (1000000 / SMP_SCALE)

#define LB_SIDE(fn, body, from, to, res)                                     \
    static void fn(u64 *x, u64 *y, u64 *r0, u64 *r1)                       \
    {                                                                        \
        u64 v, tmp;                                                          \
        (void)r0, (void)r1;                                                  \
        __asm__ volatile(body : "=&r"(v), "=&r"(tmp) : "r"(from), "r"(to)    \
                         : "memory");                                        \
        *res = v;                                                            \
    }

#define LB_FENCE "ld %0, 0(%2)\n\tfence r, w\n\tli %1, 1\n\tsd %1, 0(%3)"
#define LB_DATA  "ld %0, 0(%2)\n\txor %1, %0, %0\n\taddi %1, %1, 1\n\tsd %1, 0(%3)"
#define LB_CTRL  "ld %0, 0(%2)\n\tli %1, 1\n\tbne %0, %1, 1f\n1:\n\tsd %1, 0(%3)"

LB_SIDE(lb0_fence, LB_FENCE, x, y, r0)
LB_SIDE(lb1_fence, LB_FENCE, y, x, r1)
LB_SIDE(lb0_data, LB_DATA, x, y, r0)
LB_SIDE(lb1_data, LB_DATA, y, x, r1)
LB_SIDE(lb0_ctrl, LB_CTRL, x, y, r0)
LB_SIDE(lb1_ctrl, LB_CTRL, y, x, r1)

static const struct litmus tests[] = {
    { .name = "lb", .side = { lb0_fence, lb1_fence }, .forbidden = OUT_11 },
    { .name = "lb_data", .side = { lb0_data, lb1_data }, .forbidden = OUT_11 },
    { .name = "lb_ctrl", .side = { lb0_ctrl, lb1_ctrl }, .forbidden = OUT_11 },
};

int main(unsigned me)
{
    return litmus_main(me, tests, ARRAY_SIZE(tests), ITERS);
}
