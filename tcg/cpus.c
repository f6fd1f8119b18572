/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads (DESIGN.md §3, QEMU's MTTCG): with `--accel thread=multi`
 * every hart runs cpu_exec() on a host thread of its own while the main
 * thread keeps the main loop (timers, watched fds, monitor, gdb, resets).
 *
 * Locks, outermost first: the big lock (util/bql.h: devices, timers, run
 * state), then CPUThreads.lock (the fields marked below), then the TB
 * lock (tcg/tb.c).  A hart holds none of them while it runs guest code;
 * an MMIO access takes the big lock for the device's callback only.
 *
 * A pause (cpus_pause) stops every hart at a TB boundary: the pauser
 * kicks the running harts and waits until none is inside cpu_exec.
 * The main thread pauses for a stopped machine (monitor `stop`, gdb),
 * for resets and for monitor commands; a hart pauses the others to flush
 * the TB cache.  A hart in wfi sleeps on its condition variable until a
 * device kicks it (cpu_kick), so an idle guest costs no host CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tcg/cpus.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"
#include "hw/core/fdwatch.h"
#include "gdbstub/gdbstub.h"
#include "util/bql.h"
#include "util/error.h"

/* Longest sleep of the main loop with no timer armed (ns). */
#define MAIN_MAX_SLEEP_NS 10000000

struct CPUThreads {
    pthread_mutex_t lock;
    /* Under lock: */
    unsigned nr_running;        /* harts inside cpu_exec */
    unsigned pause_depth;       /* pauses in effect (nested by the same thread) */
    pthread_t pauser;           /* the thread holding them */
    pthread_cond_t parked;      /* nr_running fell while a pause waits */
    pthread_cond_t resumed;     /* pause_depth went to 0 */
    bool quit;                  /* the machine shuts down: threads return */
    /* Written once before the threads start: */
    pthread_t main_thread;
    int wake_fd;                /* eventfd in the main loop's poll set */
    FDWatch wake_watch;
    bool stop_paused;           /* main thread: a pause held for RUN_STATE_STOPPED */
};

bool cpus_threaded(const Machine *m)
{
    return m->threads != NULL;
}

void cpus_wake_main(Machine *m)
{
    CPUThreads *t = m->threads;
    uint64_t one = 1;

    if (t && !pthread_equal(pthread_self(), t->main_thread)) {
        if (write(t->wake_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: the counter is already non-zero, the main loop will wake. */
        }
    }
}

static void wake_readable(void *opaque)
{
    CPUThreads *t = opaque;
    uint64_t v;

    if (read(t->wake_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing to drain. */
    }
}

/* Timer list notification (hw/core/clock.h): a deadline moved on another thread. */
static void timers_changed(void *opaque)
{
    cpus_wake_main(opaque);
}

void cpu_kick(CPUState *cpu)
{
    CPUThreads *t = cpu->machine ? cpu->machine->threads : NULL;

    cpu_exit(cpu);
    if (t) {
        pthread_mutex_lock(&t->lock);
        cpu->kicked = true;
        pthread_cond_signal(&cpu->wake_cond);
        pthread_mutex_unlock(&t->lock);
    }
}

void cpu_spin_hint(CPUState *cpu)
{
    Machine *m = cpu->machine;

    if (!m) {
        return;
    }
    if (m->threads) {
        sched_yield();
    } else if (m->nr_cpus > 1) {
        cpu_exit(cpu);
    }
}

void cpus_pause(Machine *m)
{
    CPUThreads *t = m->threads;
    unsigned depth;

    if (!t) {
        return;
    }
    depth = bql_release_all();
    pthread_mutex_lock(&t->lock);
    if (t->pause_depth && pthread_equal(t->pauser, pthread_self())) {
        t->pause_depth++;
    } else {
        while (t->pause_depth && !t->quit) {
            pthread_cond_wait(&t->resumed, &t->lock);
        }
        t->pause_depth = 1;
        t->pauser = pthread_self();
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            if (m->cpus[i]->running) {
                cpu_exit(m->cpus[i]);
            }
        }
        while (t->nr_running) {
            pthread_cond_wait(&t->parked, &t->lock);
        }
    }
    pthread_mutex_unlock(&t->lock);
    bql_relock(depth);
}

void cpus_resume(Machine *m)
{
    CPUThreads *t = m->threads;

    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    if (t->pause_depth && --t->pause_depth == 0) {
        pthread_cond_broadcast(&t->resumed);
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            pthread_cond_signal(&m->cpus[i]->wake_cond);
        }
    }
    pthread_mutex_unlock(&t->lock);
}

/* Whether a stop, reset or shutdown is requested (machine.h: read without the big lock). */
static bool machine_request_pending(Machine *m)
{
    return __atomic_load_n(&m->stop_request, __ATOMIC_RELAXED) ||
           __atomic_load_n(&m->reset_request, __ATOMIC_RELAXED) ||
           __atomic_load_n(&m->shutdown_request, __ATOMIC_RELAXED);
}

/* Whether the hart must stay parked (called with t->lock held). */
static bool vcpu_must_wait(Machine *m, CPUState *cpu)
{
    CPUThreads *t = m->threads;

    return !t->quit && (t->pause_depth || machine_request_pending(m) ||
                        (cpu->halted && !cpu->kicked));
}

static void *vcpu_thread(void *opaque)
{
    CPUState *cpu = opaque;
    Machine *m = cpu->machine;
    CPUThreads *t = m->threads;

    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (vcpu_must_wait(m, cpu)) {
            pthread_cond_wait(&cpu->wake_cond, &t->lock);
        }
        if (t->quit) {
            break;
        }
        /*
         * Both flags are consumed here: cpu_exec re-checks interrupts
         * before anything else, and a pause or kick from now on sees
         * running and sets exit_request again.
         */
        cpu->kicked = false;
        __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_RELAXED);
        cpu->running = true;
        t->nr_running++;
        pthread_mutex_unlock(&t->lock);

        cpu_exec(cpu, UINT64_MAX);

        pthread_mutex_lock(&t->lock);
        cpu->running = false;
        if (--t->nr_running == 0 && t->pause_depth) {
            pthread_cond_broadcast(&t->parked);
        }
        if (machine_request_pending(m)) {
            cpus_wake_main(m);
        }
        if (cpu->flush_request && !t->quit) {
            /* The TB cache or code buffer filled up: flush it with every hart parked. */
            cpu->flush_request = false;
            pthread_mutex_unlock(&t->lock);
            cpus_pause(m);
            tb_flush(cpu);
            cpus_resume(m);
            pthread_mutex_lock(&t->lock);
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/*
 * The stop side of the main loop: hold a pause while the machine is
 * stopped (monitor `stop`, gdb), release it when it runs again.
 */
static void main_sync_stop(Machine *m)
{
    CPUThreads *t = m->threads;
    bool stopped = m->run_state == RUN_STATE_STOPPED || m->stop_request;

    if (stopped && !t->stop_paused) {
        cpus_pause(m);
        t->stop_paused = true;
    }
    if (m->stop_request) {
        gdb_stopped(m, m->cpus[0]);
        m->stopped_host_ns = clock_host_ns(); /* for the monitor's cont */
    }
}

void cpus_run(Machine *m)
{
    CPUThreads *t = calloc(1, sizeof(*t));

    if (!t) {
        error_exit("out of memory for the vCPU threads");
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->parked, NULL);
    pthread_cond_init(&t->resumed, NULL);
    t->main_thread = pthread_self();
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (t->wake_fd < 0) {
        error_exit("eventfd: %s", strerror(errno));
    }
    fdwatch_add(m, &t->wake_watch, t->wake_fd, wake_readable, t);
    bql_enable();
    bql_lock();
    m->threads = t;
    timers_set_notify(&m->timers, timers_changed, m);
    /* Started stopped (-S): the harts must not run one instruction before gdb or cont. */
    main_sync_stop(m);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        CPUState *cpu = m->cpus[i];
        pthread_cond_init(&cpu->wake_cond, NULL);
        if (pthread_create(&cpu->thread, NULL, vcpu_thread, cpu) != 0) {
            error_exit("cannot start the thread of hart %u", i);
        }
    }

    while (!m->shutdown_request) {
        int64_t next, now, wait;

        if (m->reset_request) {
            cpus_pause(m);
            __atomic_store_n(&m->reset_request, 0, __ATOMIC_RELAXED);
            tb_flush(m->cpus[0]);
            m->reset(m);
            cpus_resume(m);
        }
        main_sync_stop(m);
        if (t->stop_paused && m->gdb) {
            gdb_prepare_run(m);
        }
        if (m->run_state == RUN_STATE_STOPPED) {
            fdwatch_poll(m, MAIN_MAX_SLEEP_NS);
            continue;
        }
        if (m->debug_step) {
            /* Harts are paused (stopped until now): step one on this thread. */
            CPUState *cpu = m->cpus[m->debug_step - 1];
            m->debug_step = 0;
            cpu_exec_step(cpu);
            gdb_request_stop(m, cpu, GDB_STOP_STEP, 0);
            continue;
        }
        if (t->stop_paused) {
            t->stop_paused = false;
            cpus_resume(m);
        }
        next = timers_run(&m->timers);
        now = clock_virtual_ns(&m->timers);
        wait = next == INT64_MAX ? MAIN_MAX_SLEEP_NS : next - now;
        if (wait > MAIN_MAX_SLEEP_NS) {
            wait = MAIN_MAX_SLEEP_NS;
        }
        if (!m->shutdown_request && !m->reset_request && !m->stop_request) {
            fdwatch_poll(m, wait > 0 ? wait : 0);
        }
    }

    /* Shut down: every hart leaves at its next TB boundary. */
    pthread_mutex_lock(&t->lock);
    t->quit = true;
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        cpu_exit(m->cpus[i]);
        pthread_cond_signal(&m->cpus[i]->wake_cond);
    }
    pthread_cond_broadcast(&t->resumed);
    pthread_mutex_unlock(&t->lock);
    bql_release_all();
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        pthread_join(m->cpus[i]->thread, NULL);
    }
    bql_lock();
}
