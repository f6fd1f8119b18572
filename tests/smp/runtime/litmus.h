/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * litmus.h - a small herd/litmus7-style driver for two-hart litmus tests
 * (RVWMO, unpriv spec ch. 17 and appendix A).
 *
 * Harts 0 and 1 run the two sides; any other hart parks.  Each iteration
 * g uses fresh zeroed slots x[i], y[i] (locations "x" and "y" of the test)
 * and fresh result words r0[i], r1[i], so there is no barrier per
 * iteration: the harts meet at a barrier only every LIT_BATCH iterations,
 * after which hart 0 tallies the outcomes (r0 r1 as two digits: "00" ..
 * "11") and zeroes the slots.  To make the two sides of one iteration run
 * at the same time, each hart publishes how many iterations it has done
 * and, before its iteration g (counting from 0), waits until the other
 * has done g iterations too (lock step).  That wait is bounded: after LIT_POLLS polls that see no
 * progress of the other hart, the hart counts it as stalled (descheduled,
 * or not its turn) and runs on without waiting until the other's count
 * moves again; hart 0's iterations run that way are "unsynced" in the
 * report.  When the harts take turns on one host thread, this costs a
 * few polls per turn; with a thread per hart, the harts run in lock step
 * except while the host deschedules one of them.
 * The waits order accesses of different iterations only, never the two
 * accesses of one side of one iteration, so they do not change which
 * outcomes RVWMO allows.
 */
#ifndef VM_TESTS_SMP_LITMUS_H
#define VM_TESTS_SMP_LITMUS_H

#include "smp.h"

#define LIT_BATCH   4096
#define LIT_STRIDE  1           /* u64 words between two iterations' slots */
#define LIT_POLLS   50          /* well below the 250-TB slice of round-robin (interpreter) */

/* One side of one iteration: x, y = this iteration's locations; r0, r1 = its results. */
typedef void lit_side(u64 *x, u64 *y, u64 *r0, u64 *r1);

struct litmus {
    const char *name;
    lit_side *side[2];
    unsigned forbidden;         /* bit k: outcome k (r0 * 2 + r1) must never be seen */
    unsigned required;          /* bit k: outcome k must be seen at least once */
    u64 max_iters;              /* iterations to try for a required outcome */
};

#define OUT_00 (1u << 0)
#define OUT_01 (1u << 1)
#define OUT_10 (1u << 2)
#define OUT_11 (1u << 3)

static struct {
    u64 x[LIT_BATCH * LIT_STRIDE] __attribute__((aligned(4096)));
    u64 y[LIT_BATCH * LIT_STRIDE] __attribute__((aligned(4096)));
    u64 r0[LIT_BATCH] __attribute__((aligned(4096)));
    u64 r1[LIT_BATCH] __attribute__((aligned(4096)));
} lit;
static u64 lit_prog[2][8] __attribute__((aligned(64)));     /* one cache line each */
static u64 lit_g[2];            /* per hart: iterations so far (the lock-step count) */
static u64 lit_run[2];          /* per hart: litmus_run calls so far */
static u64 lit_stop;            /* hart 0: the run whose last batch is done */

/*
 * Run t on harts 0 and 1 (both call this): iters iterations, or, if t has
 * required outcomes not seen by then, more batches until they are or
 * t->max_iters is reached.  Hart 0 prints "<name>: 00=.. 01=.. 10=.. 11=..
 * unsynced=.." and returns 0 iff no forbidden outcome was seen and every
 * required one was; hart 1 returns 0.
 */
static int __attribute__((noinline)) litmus_run(const struct litmus *t, u64 iters)
{
    unsigned me = hartid(), other = !me;
    lit_side *side = t->side[me];
    u64 count[4] = { 0, 0, 0, 0 }, unsynced = 0, g = lit_g[me], done = 0;
    u64 stalled_at = 0, run = ++lit_run[me];
    unsigned stalled = 0, bad = 0;

    for (;;) {
        u64 nb = LIT_BATCH;

        barrier(2);
        if (READ_ONCE(lit_stop) == run) {
            break;
        }
        for (u64 i = 0; i < nb; i++, g++) {
            u64 seen = READ_ONCE(lit_prog[other][0]);
            if (stalled && seen == stalled_at) {
                unsynced++;                     /* the other hart still does not run */
            } else {
                unsigned polls = LIT_POLLS;
                stalled = 0;
                while (seen < g) {
                    u64 now = READ_ONCE(lit_prog[other][0]);
                    if (now != seen) {
                        seen = now;             /* it runs: keep waiting */
                        polls = LIT_POLLS;
                    } else if (--polls == 0) {
                        stalled = 1;            /* it does not: go on without it */
                        stalled_at = seen;
                        unsynced++;
                        break;
                    }
                }
            }
            side(&lit.x[i * LIT_STRIDE], &lit.y[i * LIT_STRIDE], &lit.r0[i], &lit.r1[i]);
            WRITE_ONCE(lit_prog[me][0], g + 1);
        }
        done += nb;
        barrier(2);
        if (me == 0) {
            unsigned missing = 0;
            for (u64 i = 0; i < nb; i++) {
                u64 a = lit.r0[i], b = lit.r1[i];
                if (a > 1 || b > 1) {
                    bad++;
                } else {
                    count[a * 2 + b]++;
                }
                lit.x[i * LIT_STRIDE] = lit.y[i * LIT_STRIDE] = 0;
                lit.r0[i] = lit.r1[i] = 0;
            }
            for (unsigned k = 0; k < 4; k++) {
                missing |= (t->required >> k & 1) && !count[k];
            }
            if (done >= iters && (!missing || done >= t->max_iters)) {
                WRITE_ONCE(lit_stop, run);
            }
        }
    }
    lit_g[me] = g;
    if (me != 0) {
        return 0;
    }
    tprintf("%s: 00=%lu 01=%lu 10=%lu 11=%lu unsynced=%lu", t->name, count[0], count[1], count[2],
            count[3], unsynced);
    for (unsigned k = 0; k < 4; k++) {
        if ((t->forbidden >> k & 1) && count[k]) {
            tprintf(" FORBIDDEN %u%u seen", k >> 1, k & 1);
            bad++;
        }
        if ((t->required >> k & 1) && !count[k]) {
            tprintf(" REQUIRED %u%u never seen", k >> 1, k & 1);
            bad++;
        }
    }
    tprintf(bad ? " FAIL\n" : " ok\n");
    return bad != 0;
}

/*
 * main for a program of litmus tests: harts 0 and 1 run each of tests[0..n)
 * for iters iterations; exit status = 1 + index of the first failing test.
 */
static int litmus_main(unsigned me, const struct litmus *tests, unsigned n, u64 iters)
{
    int status = 0;

    if (nr_harts < 2) {
        tprintf("litmus: needs --smp 2 or more\n");
        return 100;
    }
    if (me >= 2) {
        park();
    }
    for (unsigned k = 0; k < n; k++) {
        if (litmus_run(&tests[k], iters) && !status) {
            status = k + 1;
        }
    }
    return status;
}

#endif /* VM_TESTS_SMP_LITMUS_H */
