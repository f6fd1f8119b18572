/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smc: cross-hart self-modifying code, the way Linux patches kernel text
 * (flush_icache_all: local fence.i, then an IPI whose handler runs
 * fence.i on every other hart).  Harts 1..N-1 call smc_fn (lui a0; addiw
 * a0; ret, alone on a page of RAM) over and over with interrupts on.
 * Each round hart 0 rewrites the lui/addiw pair to return a new value
 * K(r), executes fence.i, publishes r and sends every other hart an IPI
 * (ACLINT msip); the handler executes fence.i and acknowledges r.  The
 * first call a hart makes after it sees the acknowledgement must return
 * K(r) (unpriv spec ch. 6, Zifencei); calls before it may return the old
 * value, the new one or a mix of the two instructions ("early" counts
 * those that did not return the old value).  Hart 0 waits until every hart has checked round r
 * before it writes round r + 1, so the checked call never races a write.
 */
#include "smp.h"

/*
 * Rounds: 1000 with 2 harts, 1000 / (N - 1) with N (1000 checked calls in
 * all): every round needs each hart's host thread to run, and spinning
 * callers on a host with fewer cores than harts make a round slow.
 */
#define CHECKS 1000
static u32 rounds;

/* The patched function, on a page of its own in .data (M-mode: no PMP, RAM is RWX). */
__asm__(".pushsection .smc_code, \"awx\"\n"
        ".balign 4096\n"
        ".option push\n"
        ".option norvc\n"
        "smc_fn:\n"
        "    lui a0, 0\n"
        "    addiw a0, a0, 0\n"
        "    ret\n"
        ".option pop\n"
        ".balign 4096\n"
        ".popsection");
extern u32 smc_fn[];

static u32 round __attribute__((aligned(64)));
static struct {
    u32 ack;                    /* written by the hart's IPI handler: the round it flushed for */
    u32 checked;                /* the round whose value the hart has checked */
    u32 stale;                  /* checked calls that returned another value */
    u32 early;                  /* unchecked calls that returned another value */
    u32 bad_round;
    u32 bad_value;
    u32 irqs;
} hs[MAX_HARTS] __attribute__((aligned(64)));

/* Round r's value: 0 for the code as linked, then scattered 32-bit values. */
static i64 K(u32 r)
{
    return r ? (int32_t)(r * 0x9e3779b9u ^ 0x5bd1e995u) : 0;
}

static void patch(u32 r)
{
    u32 k = (u32)K(r), hi = (k + 0x800) >> 12, lo = k & 0xfff;

    WRITE_ONCE(smc_fn[0], hi << 12 | 10 << 7 | 0x37);                 /* lui a0, hi */
    WRITE_ONCE(smc_fn[1], lo << 20 | 10 << 15 | 10 << 7 | 0x1b);      /* addiw a0, a0, lo */
    __asm__ volatile("fence.i\n\tfence rw, rw" ::: "memory");
}

void trap_handler(struct trapframe *tf)
{
    unsigned me = hartid();

    if (tf->mcause != (IRQ_FLAG | IRQ_M_SOFT)) {
        u64 tval;
        __asm__ volatile("csrr %0, mtval" : "=r"(tval));
        tprintf("hart %u: unexpected trap mcause=%lx mepc=%lx mtval=%lx\n", me, tf->mcause,
                tf->mepc, tval);
        test_exit(254);
    }
    clear_ipi(me);
    __asm__ volatile("fence.i\n\tfence r, r" ::: "memory");
    hs[me].irqs++;
    WRITE_ONCE(hs[me].ack, READ_ONCE(round));
}

static void caller(unsigned me)
{
    i64 (*volatile fn)(void) = (i64 (*)(void))(void *)smc_fn;
    u32 last = 0;

    __asm__ volatile("csrs mie, %0\n\tcsrs mstatus, %1" :: "r"(MIE_MSIE), "r"(MSTATUS_MIE)
                     : "memory");
    for (;;) {
        u32 a = READ_ONCE(hs[me].ack);
        i64 v = fn();
        if (a == last) {
            hs[me].early += v != K(a);
            continue;
        }
        if (v != K(a) && !hs[me].stale++) {
            hs[me].bad_round = a;
            hs[me].bad_value = v;
        }
        last = a;
        WRITE_ONCE(hs[me].checked, a);
        if (a == READ_ONCE(rounds)) {
            break;
        }
    }
    __asm__ volatile("csrc mstatus, %0" :: "r"(MSTATUS_MIE) : "memory");
}

int main(unsigned me)
{
    unsigned n = nr_harts, stale = 0;

    if (n < 2) {
        tprintf("smc: needs --smp 2 or more\n");
        return 100;
    }
    if (me == 0) {
        rounds = CHECKS / (n - 1);
    }
    barrier(n);
    if (me != 0) {
        caller(me);
        park();
    }
    for (u32 r = 1; r <= rounds; r++) {
        patch(r);
        WRITE_ONCE(round, r);
        for (unsigned h = 1; h < n; h++) {
            send_ipi(h);
        }
        for (unsigned h = 1; h < n; h++) {
            while (READ_ONCE(hs[h].checked) < r) {
                cpu_relax();
            }
        }
    }
    for (unsigned h = 1; h < n; h++) {
        tprintf("smc: hart %u: rounds=%u irqs=%u stale=%u early=%u", h, rounds, hs[h].irqs,
                hs[h].stale, hs[h].early);
        if (hs[h].stale) {
            tprintf(" (first: round %u returned %x, expected %x)", hs[h].bad_round,
                    hs[h].bad_value, (u32)K(hs[h].bad_round));
        }
        tprintf("\n");
        stale += hs[h].stale;
    }
    return stale ? 1 : 0;
}
