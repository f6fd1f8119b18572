/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtual time and one-shot timers (see clock.h). */
#include <time.h>

#include "hw/core/clock.h"

int64_t clock_host_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_virtual_ns(TimerList *tl)
{
    return clock_host_ns() - tl->start_ns;
}

void timer_init(TimerList *tl, Timer *t, void (*cb)(void *opaque), void *opaque)
{
    t->deadline_ns = INT64_MAX;
    t->cb = cb;
    t->opaque = opaque;
    t->next = tl->head;
    tl->head = t;
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    t->deadline_ns = deadline_ns;
}

int64_t timers_run(TimerList *tl)
{
    int64_t now = clock_virtual_ns(tl);
    int64_t next = INT64_MAX;

    for (Timer *t = tl->head; t; t = t->next) {
        if (t->deadline_ns <= now) {
            t->deadline_ns = INT64_MAX;
            t->cb(t->opaque);
        }
        if (t->deadline_ns < next) {
            next = t->deadline_ns;
        }
    }
    return next;
}
