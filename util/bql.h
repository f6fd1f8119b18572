/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The big lock (DESIGN.md §3, QEMU's BQL): device models, timers, the
 * main loop's fd callbacks and the machine's run state are touched only
 * with it held.  Until bql_enable() (the machine runs its harts on
 * threads of their own) every call is a no-op, so a machine on one
 * thread pays nothing.  The lock is recursive per thread: an MMIO access
 * made while the main loop already holds it nests.
 */
#ifndef VM_UTIL_BQL_H
#define VM_UTIL_BQL_H

#include <stdbool.h>

/* Turn the lock on (before the first vCPU thread starts; never turned off). */
void bql_enable(void);
/* Whether bql_enable() was called: harts run on threads of their own. */
bool bql_enabled(void);
/* Take the lock (nests: a thread that holds it only counts one more). */
void bql_lock(void);
/* Drop one level; the last one releases the lock. */
void bql_unlock(void);
/* Whether the calling thread holds it. */
bool bql_held(void);
/*
 * Release every level the calling thread holds and return how many
 * (0 when it held none); bql_relock(n) takes them back.  For waits that
 * must not hold the lock (poll, exclusive sections) and for the unwind
 * of a guest exception raised while an MMIO access held it.
 */
unsigned bql_release_all(void);
void bql_relock(unsigned depth);

#endif /* VM_UTIL_BQL_H */
