/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watched host file descriptors and poll hooks (see fdwatch.h), on ppoll(2). */
#include <errno.h>
#include <time.h>

#include "hw/core/fdwatch.h"
#include "util/bql.h"

#define FDWATCH_MAX 16
/* Room for the poll hooks' fds (libslirp: a few per connection). */
#define FDWATCH_MAX_HOOK_FDS 1024
#define FDWATCH_MAX_HOOKS 8

void fdwatch_add(Machine *m, FDWatch *w, int fd, void (*readable)(void *opaque), void *opaque)
{
    w->fd = fd;
    w->readable = readable;
    w->opaque = opaque;
    w->next = m->fd_watches;
    m->fd_watches = w;
}

void fdwatch_add_hook(Machine *m, FDPollHook *h,
                      unsigned (*fill)(void *opaque, struct pollfd *pfd, unsigned max,
                                       int64_t *timeout_ns),
                      void (*dispatch)(void *opaque, struct pollfd *pfd, unsigned n,
                                       bool error),
                      void *opaque)
{
    h->fill = fill;
    h->dispatch = dispatch;
    h->opaque = opaque;
    h->next = m->poll_hooks;
    m->poll_hooks = h;
}

void fdwatch_poll(Machine *m, int64_t timeout_ns)
{
    struct pollfd pfd[FDWATCH_MAX + FDWATCH_MAX_HOOK_FDS];
    FDWatch *ws[FDWATCH_MAX];
    FDPollHook *hooks[FDWATCH_MAX_HOOKS];
    unsigned hook_first[FDWATCH_MAX_HOOKS], hook_num[FDWATCH_MAX_HOOKS];
    unsigned n = 0, nw, nh = 0;
    struct timespec ts;
    int ret;

    for (FDWatch *w = m->fd_watches; w && n < FDWATCH_MAX; w = w->next) {
        pfd[n] = (struct pollfd){ .fd = w->fd, .events = POLLIN };
        ws[n++] = w;
    }
    nw = n;
    for (FDPollHook *h = m->poll_hooks; h && nh < FDWATCH_MAX_HOOKS; h = h->next) {
        hooks[nh] = h;
        hook_first[nh] = n;
        hook_num[nh] = h->fill(h->opaque, pfd + n, FDWATCH_MAX + FDWATCH_MAX_HOOK_FDS - n,
                               &timeout_ns);
        n += hook_num[nh++];
    }
    if (timeout_ns < 0) {
        timeout_ns = 0;
    }
    ts = (struct timespec){ timeout_ns / 1000000000, timeout_ns % 1000000000 };
    {
        /* Harts on threads of their own reach devices meanwhile (util/bql.h). */
        unsigned depth = bql_release_all();
        ret = ppoll(pfd, n, &ts, NULL);
        bql_relock(depth);
    }
    if (ret < 0) {
        for (unsigned i = 0; i < n; i++) {
            pfd[i].revents = 0;
        }
    }
    if (ret > 0) {
        for (unsigned i = 0; i < nw; i++) {
            if (pfd[i].revents) {
                ws[i]->readable(ws[i]->opaque);
            }
        }
    }
    for (unsigned i = 0; i < nh; i++) {
        hooks[i]->dispatch(hooks[i]->opaque, pfd + hook_first[i], hook_num[i],
                           ret < 0 && errno != EINTR);
    }
}
