/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPU execution loop (DESIGN.md §3).  cpu_exec() runs one hart for a
 * slice of TBs, taking exception unwinds, interrupts and exit requests
 * between TBs.  cpu_loop_run() round-robins the machine's harts on the
 * calling thread, polls timers and watched fds, performs guest resets
 * and, when every hart is halted in wfi, sleeps until the next timer
 * deadline or input, so an idle guest costs no host CPU.  While the
 * machine is stopped (gdb) no hart runs and the loop only waits on the
 * watched fds; a single step runs exactly one instruction of one hart.
 */
#include "tcg/tb.h"
#include "tcg/tlb.h"
#include "tcg/jit.h"
#include "tcg/cpus.h"
#include "util/bql.h"
#include "hw/core/fdwatch.h"
#include "gdbstub/gdbstub.h"
#include "migration/vmstate.h"

/*
 * Dispatcher passes between timer polls: bounds timer latency without a
 * clock read per TB.  A pass runs up to JIT_CHAIN_BUDGET chained TBs, so
 * a poll comes at least every 32 * 512 = 16k TBs.
 */
#define TIMER_POLL_TBS 32
/*
 * Timer polls between polls of watched fds (console input, network
 * sockets): every 256 passes.  A busy guest gets its network data only at
 * these polls: polling every 16k passes held a download through libslirp
 * to 9 MiB/s, every 256 lets it run at ~140 MiB/s for under 0.3% of the
 * installer boot's time.
 */
#define FD_POLL_TIMER_POLLS 8
/* Longest sleep of a halted machine with no timer armed (ns). */
#define HALT_MAX_SLEEP_NS 10000000
/* Dispatcher passes (up to JIT_CHAIN_BUDGET TBs each) a hart runs before the next one's turn. */
#define SMP_SLICE_TBS 250

void cpu_state_init(CPUState *cpu, const CPUClass *cc, struct Machine *m, int index)
{
    cpu->cc = cc;
    cpu->machine = m;
    cpu->as = &m->as;
    cpu->cpu_index = index;
    cpu->exception_cause = 0;
    tlb_init(cpu);
    tb_jmp_cache_clear(cpu);
}

static const VMStateField cpu_state_fields[] = {
    VMSTATE_SCALAR(CPUState, pc),
    VMSTATE_SKIP(CPUState, exit_request, "a request to the loop, not hart state"),
    VMSTATE_SCALAR(CPUState, halted),
    VMSTATE_SKIP(CPUState, cpu_index, "wiring"),
    VMSTATE_SCALAR(CPUState, exception_cause),
    VMSTATE_SCALAR(CPUState, exception_tval),
    VMSTATE_SCALAR(CPUState, icount),
    VMSTATE_SKIP(CPUState, cur_insn, "NULL between TBs, where state is saved"),
    VMSTATE_SKIP(CPUState, cur_tb, "NULL between TBs, where state is saved"),
    VMSTATE_SKIP(CPUState, jmp_env, "host unwind context"),
    VMSTATE_SKIP(CPUState, machine, "wiring"),
    VMSTATE_SKIP(CPUState, as, "wiring"),
    VMSTATE_SKIP(CPUState, cc, "wiring"),
    VMSTATE_SKIP(CPUState, tlb, "cache: flushed on load"),
    VMSTATE_SKIP(CPUState, tlb_mask, "cache geometry: host tuning"),
    VMSTATE_SKIP(CPUState, tlb_index_mask, "cache geometry: host tuning"),
    VMSTATE_SKIP(CPUState, tlb_victim, "cache: flushed on load"),
    VMSTATE_SKIP(CPUState, tlb_victim_paddr, "cache: flushed on load"),
    VMSTATE_SKIP(CPUState, tlb_victim_next, "cache: flushed on load"),
    VMSTATE_SKIP(CPUState, tlb_use, "cache geometry: host tuning"),
    VMSTATE_SKIP(CPUState, jmp_cache, "cache: cleared on load"),
    VMSTATE_SKIP(CPUState, jmp_cache_epoch, "cache: cleared on load"),
    VMSTATE_SKIP(CPUState, jmp_cache_pages, "cache: any superset is safe"),
    VMSTATE_SKIP(CPUState, tb_translated, "host statistics"),
    VMSTATE_SKIP(CPUState, tlb_misses, "host statistics"),
    VMSTATE_SKIP(CPUState, tlb_hits_slow, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_tlb_lookups, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_tlb_slow, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_chain_exits, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_chain_taken, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_jc_lookups, "host statistics"),
    VMSTATE_SKIP(CPUState, jit_jc_hits, "host statistics"),
    VMSTATE_SKIP(CPUState, stat_jmp_cache_hits, "host statistics"),
    VMSTATE_SKIP(CPUState, stat_hash_lookups, "host statistics"),
    VMSTATE_SKIP(CPUState, stat_chain_hits, "host statistics"),
    VMSTATE_SKIP(CPUState, thread, "host thread"),
    VMSTATE_SKIP(CPUState, wake_cond, "host thread"),
    VMSTATE_SKIP(CPUState, running, "host thread"),
    VMSTATE_SKIP(CPUState, kicked, "host thread"),
    VMSTATE_SKIP(CPUState, flush_request, "host thread"),
    VMSTATE_SKIP(CPUState, tlb_lock, "host thread"),
    VMSTATE_END,
};

const VMStateDescription vmstate_cpu_state = {
    .name = "cpu", .version = 1, .size = sizeof(CPUState), .fields = cpu_state_fields,
};

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

/*
 * Timers every TIMER_POLL_TBS TBs, watched fds every FD_POLL_TIMER_POLLS
 * of those.  Returns true when cpu must leave its TB chain now: a
 * callback asked it to (a monitor loadvm replaced its state and flushed
 * the TBs the caller still points to).
 */
static inline bool poll_events(Machine *m, CPUState *cpu)
{
    if (unlikely(--m->poll_countdown == 0)) {
        m->poll_countdown = TIMER_POLL_TBS;
        timers_run(&m->timers);
        if (--m->fd_poll_countdown == 0) {
            m->fd_poll_countdown = FD_POLL_TIMER_POLLS;
            fdwatch_poll(m, 0);
        }
        return cpu_exit_requested(cpu);
    }
    return false;
}

void cpu_exec(CPUState *cpu, uint64_t budget)
{
    Machine *m = cpu->machine;
    volatile uint64_t left = budget;
    /* The TB just run, for chaining; NULL after anything but a jump or fall-through. */
    TranslationBlock *volatile prev = NULL;
    ExecTier tier = m->cfg ? m->cfg->tier : TIER_INTERP;
    bool threaded = m->threads != NULL;

    switch (sigsetjmp(cpu->jmp_env, 0)) {
    case 0:
        break;
    case 1:
        /* Raised with a lock held (an MMIO atomic, a fault while translating)? */
        bql_release_all();
        tb_lock_reset();
        cpu->cc->do_exception(cpu);
        prev = NULL;
        break;
    case CPU_EXIT_FLUSH:
        /* tb_gen_code found the TB cache full: the thread loop flushes it. */
        tb_lock_reset();
        return;
    default:
        /* A watchpoint stopped the hart before its access (gdb_check_watch). */
        prev = NULL;
        break;
    }
    for (;;) {
        TranslationBlock *tb;

        if (unlikely(cpu_exit_requested(cpu))) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_RELAXED);
            return;
        }
        if (!threaded && poll_events(m, cpu)) {
            continue;
        }
        if (cpu->cc->exec_interrupt(cpu)) {
            prev = NULL;
            continue;
        }
        if (unlikely(cpu->halted) || left-- == 0) {
            return;
        }
        tb = tb_find_next(cpu, prev);
        if (tb_jit_code(tb)) {
            prev = jit_exec(cpu, tb);
            continue;
        } else if (tier != TIER_INTERP && tb->cacheable && !tb->jit_failed &&
                   (tier == TIER_JIT || tb_exec_count(tb) >= JIT_AUTO_THRESHOLD)) {
            JITResult r;
            tb_lock();
            /* Another hart may have compiled it meanwhile. */
            r = tb_jit_code(tb) ? JIT_OK : tb->jit_failed ? JIT_UNSUPPORTED
                                                           : jit_compile(cpu, tb, tier != TIER_JIT);
            tb_unlock();
            if (r == JIT_OK) {
                prev = jit_exec(cpu, tb);
                continue;
            } else {
                if (r == JIT_FULL) {
                    /* tb stays readable until the arena is reused: run it once more. */
                    if (threaded) {
                        cpu->flush_request = true;
                        tb_exec_interp(cpu, tb);
                        return;
                    }
                    tb_flush(cpu);
                    tb_exec_interp(cpu, tb);
                    prev = NULL;
                    continue;
                }
                tb_exec_interp(cpu, tb);
            }
        } else {
            tb_exec_interp(cpu, tb);
        }
        prev = tb;
    }
}

/* Every hart waits in wfi: sleep on the watched fds until the next timer deadline. */
static void halt_sleep(Machine *m)
{
    int64_t next = timers_run(&m->timers);
    int64_t now = clock_virtual_ns(&m->timers);
    int64_t wait = next == INT64_MAX ? HALT_MAX_SLEEP_NS : next - now;

    if (wait > HALT_MAX_SLEEP_NS) {
        wait = HALT_MAX_SLEEP_NS;
    }
    fdwatch_poll(m, wait > 0 ? wait : 0);
    timers_run(&m->timers);
}

/*
 * Debugger single step: exactly one instruction of cpu, in a TB of its
 * own that ignores breakpoints (the step must leave a breakpoint's
 * address), with interrupts held off unless the hart waits in wfi.  A
 * trap taken by the instruction counts as its step: pc is the vector.
 */
void cpu_exec_step(CPUState *cpu)
{
    Machine *m = cpu->machine;

    switch (sigsetjmp(cpu->jmp_env, 0)) {
    case 0:
        break;
    case 1:
        m->debug_single_step = false;
        cpu->cc->do_exception(cpu);
        return;
    default:
        m->debug_single_step = false;
        return;
    }
    if (cpu->halted) {
        cpu->cc->exec_interrupt(cpu);
        return;
    }
    m->debug_single_step = true;
    tb_exec_interp(cpu, tb_find(cpu));
    m->debug_single_step = false;
}

void cpu_loop_run(Machine *m)
{
    uint64_t slice = m->nr_cpus > 1 ? SMP_SLICE_TBS : UINT64_MAX;
    CPUState *last = m->cpus[0];

    if (m->cfg && m->cfg->thread_multi) {
        cpus_run(m);
        return;
    }
    m->poll_countdown = TIMER_POLL_TBS;
    m->fd_poll_countdown = FD_POLL_TIMER_POLLS;
    while (!m->shutdown_request) {
        bool all_halted = true;

        if (m->reset_request) {
            m->reset_request = 0;
            tb_flush(m->cpus[0]);
            m->reset(m);
        }
        if (m->stop_request) {
            gdb_stopped(m, last);
            m->stopped_host_ns = clock_host_ns(); /* for the monitor's cont */
        }
        if (m->gdb) {
            gdb_prepare_run(m);
        }
        if (m->run_state == RUN_STATE_STOPPED) {
            fdwatch_poll(m, HALT_MAX_SLEEP_NS);
            continue;
        }
        if (m->debug_step) {
            last = m->cpus[m->debug_step - 1];
            m->debug_step = 0;
            cpu_exec_step(last);
            gdb_request_stop(m, last, GDB_STOP_STEP, 0);
            continue;
        }
        for (unsigned i = 0; i < m->nr_cpus && !m->shutdown_request && !m->stop_request; i++) {
            CPUState *cpu = m->cpus[i];
            last = cpu;
            cpu_exec(cpu, slice);
            if (m->nr_cpus > 1 && cpu->cc->preempt) {
                cpu->cc->preempt(cpu);
            }
            all_halted &= cpu->halted;
        }
        if (m->stop_request) {
            continue;
        }
        if (all_halted && !m->shutdown_request && !m->reset_request) {
            halt_sleep(m);
        }
    }
}
