/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtual time and one-shot timers (see clock.h). */
#include <time.h>

#include "hw/core/clock.h"
#include "migration/vmstate.h"

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
    t->list = tl;
    t->next = tl->head;
    tl->head = t;
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    __atomic_store_n(&t->deadline_ns, deadline_ns, __ATOMIC_RELEASE);
    if (t->list->notify && deadline_ns != INT64_MAX) {
        t->list->notify(t->list->notify_opaque);
    }
}

void timers_set_notify(TimerList *tl, void (*notify)(void *opaque), void *opaque)
{
    tl->notify_opaque = opaque;
    tl->notify = notify;
}

int64_t timers_run(TimerList *tl)
{
    int64_t now = clock_virtual_ns(tl);
    int64_t next = INT64_MAX;

    for (Timer *t = tl->head; t; t = t->next) {
        int64_t d = __atomic_load_n(&t->deadline_ns, __ATOMIC_ACQUIRE);
        /* A re-arm from another thread between the load and here wins. */
        if (d <= now && __atomic_compare_exchange_n(&t->deadline_ns, &d, INT64_MAX, false,
                                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            t->cb(t->opaque);
        }
        d = __atomic_load_n(&t->deadline_ns, __ATOMIC_ACQUIRE);
        if (d < next) {
            next = d;
        }
    }
    return next;
}

static void timer_list_pre_save(void *opaque)
{
    TimerList *tl = opaque;

    tl->saved_ns = clock_virtual_ns(tl);
}

static void timer_list_post_load(void *opaque)
{
    TimerList *tl = opaque;

    tl->start_ns = clock_host_ns() - tl->saved_ns;
}

static const VMStateField timer_list_fields[] = {
    VMSTATE_SKIP(TimerList, head, "each timer is re-armed by its owner's post_load"),
    VMSTATE_SKIP(TimerList, start_ns, "host time: set from saved_ns by post_load"),
    VMSTATE_SCALAR(TimerList, saved_ns),
    VMSTATE_SKIP(TimerList, notify, "wiring: the run loop's wake-up"),
    VMSTATE_SKIP(TimerList, notify_opaque, "wiring: the run loop's wake-up"),
    VMSTATE_END,
};

const VMStateDescription vmstate_timer_list = {
    .name = "clock", .version = 1, .size = sizeof(TimerList), .fields = timer_list_fields,
    .pre_save = timer_list_pre_save, .post_load = timer_list_post_load,
};
