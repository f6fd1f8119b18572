/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watched host file descriptors (see fdwatch.h), on ppoll(2). */
#include <poll.h>
#include <time.h>

#include "hw/core/fdwatch.h"

#define FDWATCH_MAX 16

void fdwatch_add(Machine *m, FDWatch *w, int fd, void (*readable)(void *opaque), void *opaque)
{
    w->fd = fd;
    w->readable = readable;
    w->opaque = opaque;
    w->next = m->fd_watches;
    m->fd_watches = w;
}

void fdwatch_poll(Machine *m, int64_t timeout_ns)
{
    struct pollfd pfd[FDWATCH_MAX];
    FDWatch *ws[FDWATCH_MAX];
    struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
    unsigned n = 0;

    for (FDWatch *w = m->fd_watches; w && n < FDWATCH_MAX; w = w->next) {
        pfd[n] = (struct pollfd){ .fd = w->fd, .events = POLLIN };
        ws[n++] = w;
    }
    if (ppoll(pfd, n, &ts, NULL) <= 0) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (pfd[i].revents) {
            ws[i]->readable(ws[i]->opaque);
        }
    }
}
