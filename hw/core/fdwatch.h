/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host file descriptors watched by the execution loop (console input,
 * later sockets): polled every few hundred TBs and slept on by a halted
 * hart, so input wakes an idle guest at once and costs no CPU while
 * nothing happens.  The callback runs on the vCPU thread.
 */
#ifndef VM_HW_CORE_FDWATCH_H
#define VM_HW_CORE_FDWATCH_H

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
 * Poll the watched fds, waiting up to timeout_ns (0: don't wait), and run
 * the callbacks of readable ones.
 */
void fdwatch_poll(Machine *m, int64_t timeout_ns);

#endif /* VM_HW_CORE_FDWATCH_H */
