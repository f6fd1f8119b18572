/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipi: waking a hart from wfi with an IPI.  Harts 1..N-1 sleep in wfi
 * with only mie.MSIE set (mstatus.MIE clear: wfi resumes on a pending
 * enabled interrupt without taking it, privileged spec 3.3.3).  Hart 0
 * raises msip of each in turn (ACLINT MSWI) and waits until the woken
 * hart has cleared its msip and acknowledged; ROUNDS wake-ups in all.
 * With a host thread per hart, a hart in wfi sleeps on the host: this
 * checks that the msip store from another hart's thread wakes it.
 */
#include "smp.h"

#define ROUNDS 2000

static struct {
    u32 wakes;                  /* acknowledged wake-ups */
    u32 spurious;               /* wfi returned without msip pending */
} hs[MAX_HARTS] __attribute__((aligned(64)));

static void sleeper(unsigned me, u32 expect)
{
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MSIE) : "memory");
    for (u32 w = 0; w < expect;) {
        u64 mip;
        __asm__ volatile("wfi" ::: "memory");
        __asm__ volatile("csrr %0, mip" : "=r"(mip));
        if (!(mip & MIP_MSIP)) {
            hs[me].spurious++;
            continue;
        }
        clear_ipi(me);
        WRITE_ONCE(hs[me].wakes, ++w);
    }
}

int main(unsigned me)
{
    unsigned n = nr_harts;
    u32 per = 0;

    if (n < 2) {
        tprintf("ipi: needs --smp 2 or more\n");
        return 100;
    }
    per = ROUNDS / (n - 1);
    barrier(n);
    if (me != 0) {
        sleeper(me, per);
        park();
    }
    for (u32 r = 0; r < per; r++) {
        for (unsigned h = 1; h < n; h++) {
            send_ipi(h);
            while (READ_ONCE(hs[h].wakes) <= r) {
                cpu_relax();
            }
        }
    }
    for (unsigned h = 1; h < n; h++) {
        tprintf("ipi: hart %u: wakes=%u spurious=%u\n", h, hs[h].wakes, hs[h].spurious);
    }
    return 0;
}
