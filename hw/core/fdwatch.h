/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host file descriptors watched by the execution loop (console input,
 * later sockets): polled every few hundred TBs and slept on by a halted
 * hart, so input wakes an idle guest at once and costs no CPU while
 * nothing happens.  The callback runs on the vCPU thread.
 */
#ifndef VM_HW_CORE_FDWATCH_H
#define VM_HW_CORE_FDWATCH_H

#include <poll.h>

#include "hw/core/machine.h"

typedef struct FDWatch {
    int fd;                          /* set to -1 to stop watching (e.g. on EOF) */
    void (*readable)(void *opaque);  /* called when fd has data (or EOF/error) */
    void *opaque;
    struct FDWatch *next;
} FDWatch;

/* Watch fd for input; w is owned by the caller and stays registered. */
void fdwatch_add(Machine *m, FDWatch *w, int fd, void (*readable)(void *opaque), void *opaque);

/*
 * A poll hook: a subsystem with a changing set of fds of its own
 * (libslirp's sockets) joins the same ppoll(2), so its traffic wakes a
 * halted hart like console input does.  Before each poll fill() appends
 * at most `max` entries to pfd and may lower *timeout_ns (ns) to its own
 * next deadline; it returns how many it appended.  After the poll,
 * dispatch() always runs (also on timeout, for the hook's timers) with
 * the same entries and their revents; `error` is true when ppoll failed
 * (the revents are then all 0).  h is owned by the caller and stays
 * registered.
 */
typedef struct FDPollHook {
    unsigned (*fill)(void *opaque, struct pollfd *pfd, unsigned max, int64_t *timeout_ns);
    void (*dispatch)(void *opaque, struct pollfd *pfd, unsigned n, bool error);
    void *opaque;
    struct FDPollHook *next;
} FDPollHook;

void fdwatch_add_hook(Machine *m, FDPollHook *h,
                      unsigned (*fill)(void *opaque, struct pollfd *pfd, unsigned max,
                                       int64_t *timeout_ns),
                      void (*dispatch)(void *opaque, struct pollfd *pfd, unsigned n,
                                       bool error),
                      void *opaque);

/*
 * Poll the watched fds, waiting up to timeout_ns (0: don't wait), and run
 * the callbacks of readable ones, and the poll hooks.
 */
void fdwatch_poll(Machine *m, int64_t timeout_ns);

#endif /* VM_HW_CORE_FDWATCH_H */
