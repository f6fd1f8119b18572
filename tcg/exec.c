/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPU execution loop (DESIGN.md §3): between TBs it takes exception
 * unwinds, interrupts, exit requests and timer deadlines; a halted hart
 * (wfi) sleeps until its next timer deadline instead of spinning.
 */
#include "tcg/tb.h"
#include "tcg/tlb.h"
#include "hw/core/fdwatch.h"

/* TBs between timer polls: bounds timer latency without a clock read per TB. */
#define TIMER_POLL_TBS 256
/* Timer polls between polls of watched fds (console input): ~16k TBs. */
#define FD_POLL_TIMER_POLLS 64
/* Longest sleep of a halted hart with no timer armed (ns). */
#define HALT_MAX_SLEEP_NS 10000000

void cpu_state_init(CPUState *cpu, const CPUClass *cc, struct Machine *m, int index)
{
    cpu->cc = cc;
    cpu->machine = m;
    cpu->as = &m->as;
    cpu->cpu_index = index;
    cpu->exception_cause = 0;
    tlb_flush(cpu);
    tb_jmp_cache_clear(cpu);
}

void cpu_raise_exception(CPUState *cpu, uint64_t cause, uint64_t tval)
{
    cpu->exception_cause = cause;
    cpu->exception_tval = tval;
    if (cpu->cur_insn) {
        cpu->pc = cpu->cur_insn->pc;
        cpu->icount += cpu->cur_insn - cpu->cur_tb->insns;
    }
    cpu->cur_insn = NULL;
    cpu->cur_tb = NULL;
    siglongjmp(cpu->jmp_env, 1);
}

uint64_t cpu_icount(CPUState *cpu)
{
    if (cpu->cur_insn) {
        return cpu->icount + (cpu->cur_insn - cpu->cur_tb->insns);
    }
    return cpu->icount;
}

static void halt_sleep(Machine *m)
{
    int64_t next = timers_run(&m->timers);
    int64_t now = clock_virtual_ns(&m->timers);
    int64_t wait = next == INT64_MAX ? HALT_MAX_SLEEP_NS : next - now;

    if (wait <= 0) {
        return;
    }
    if (wait > HALT_MAX_SLEEP_NS) {
        wait = HALT_MAX_SLEEP_NS;
    }
    /* Sleeps on the watched fds, so console input wakes the hart at once. */
    fdwatch_poll(m, wait);
}

void cpu_exec(CPUState *cpu)
{
    Machine *m = cpu->machine;
    volatile unsigned poll = TIMER_POLL_TBS, fd_poll = FD_POLL_TIMER_POLLS;

    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        cpu->cc->do_exception(cpu);
    }
    for (;;) {
        if (unlikely(cpu->exit_request)) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_RELAXED);
            if (m->shutdown_request) {
                return;
            }
        }
        if (unlikely(--poll == 0)) {
            poll = TIMER_POLL_TBS;
            timers_run(&m->timers);
            if (--fd_poll == 0) {
                fd_poll = FD_POLL_TIMER_POLLS;
                fdwatch_poll(m, 0);
            }
        }
        if (cpu->cc->exec_interrupt(cpu)) {
            continue;
        }
        if (unlikely(cpu->halted)) {
            halt_sleep(m);
            continue;
        }
        tb_exec_interp(cpu, tb_find(cpu));
    }
}
