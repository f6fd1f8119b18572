/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads (DESIGN.md §3): one host thread per hart with
 * `--accel thread=multi`, the main loop on the calling thread, and the
 * pauses that stop every hart at a TB boundary (tcg/cpus.c has the lock
 * order and the protocol).
 */
#ifndef VM_TCG_CPUS_H
#define VM_TCG_CPUS_H

#include "tcg/cpu.h"
#include "hw/core/machine.h"

/* Process-wide state of the threaded run (tcg/cpus.c). */
typedef struct CPUThreads CPUThreads;

/*
 * Run machine m with a host thread per hart until it shuts down; the
 * calling thread runs the main loop with the big lock held except while
 * it waits for fds or timers.
 */
void cpus_run(Machine *m);

/* Whether m's harts run on threads of their own (cpus_run). */
bool cpus_threaded(const Machine *m);

/*
 * Stop every hart at a TB boundary and keep it parked until the matching
 * cpus_resume().  Any thread outside cpu_exec may pause; the same thread
 * may nest pauses.  The big lock, if held, is dropped while waiting and
 * taken back.  No-op when the harts share one thread (they are already
 * between TBs wherever the main loop runs).
 */
void cpus_pause(Machine *m);
void cpus_resume(Machine *m);

/* Wake the main loop from its poll (any thread; no-op on the main thread). */
void cpus_wake_main(Machine *m);

/*
 * Debugger single step of one hart (tcg/exec.c): exactly one instruction,
 * run on the calling thread while every other hart is parked.
 */
void cpu_exec_step(CPUState *cpu);

#endif /* VM_TCG_CPUS_H */
