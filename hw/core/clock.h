/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual time and timers.  Guest time follows the host monotonic clock
 * (ns) from machine start, minus the time the machine was stopped.  Timers are
 * one-shot deadlines polled by the execution loop between TBs and before
 * a halted hart sleeps; the callback runs on the thread that polls.
 */
#ifndef VM_HW_CORE_CLOCK_H
#define VM_HW_CORE_CLOCK_H

#include "util/osdep.h"

typedef struct Timer {
    int64_t deadline_ns;          /* virtual ns; INT64_MAX when not armed */
    void (*cb)(void *opaque);
    void *opaque;
    struct Timer *next;           /* in the machine's timer list */
    struct TimerList *list;       /* that list */
} Timer;

typedef struct TimerList {
    Timer *head;
    int64_t start_ns;             /* host monotonic ns at virtual time 0 */
    int64_t saved_ns;             /* virtual ns when last saved or loaded (vmstate) */
    /* Called by timer_mod (any thread) when set: the main loop re-plans its sleep. */
    void (*notify)(void *opaque);
    void *notify_opaque;
} TimerList;

/*
 * vmstate of the virtual clock (migration/vmstate.h): saves the virtual
 * time and, on load, moves start_ns so the clock continues from it.  The
 * board registers it before any device, so devices' post_load hooks
 * (timer deadlines, mtime comparisons) already see the loaded time.
 */
extern const struct VMStateDescription vmstate_timer_list;

/* Host monotonic clock, ns. */
int64_t clock_host_ns(void);

/* Virtual time, ns since the machine started. */
int64_t clock_virtual_ns(TimerList *tl);

/* Register a timer (initially disarmed); it is owned by the caller. */
void timer_init(TimerList *tl, Timer *t, void (*cb)(void *opaque), void *opaque);
/*
 * Arm (or re-arm) at virtual time deadline_ns; INT64_MAX disarms.  Safe
 * from any thread: the deadline is one atomic word, and the list's
 * notify hook wakes the thread that runs the timers.
 */
void timer_mod(Timer *t, int64_t deadline_ns);
/* Set tl's notify hook (the threaded run loop); NULL removes it. */
void timers_set_notify(TimerList *tl, void (*notify)(void *opaque), void *opaque);
/*
 * Run the callbacks of expired timers; returns the earliest remaining
 * deadline.  One thread runs them (with the big lock held when threaded).
 */
int64_t timers_run(TimerList *tl);

#endif /* VM_HW_CORE_CLOCK_H */
