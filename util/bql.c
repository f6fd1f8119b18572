/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The big lock (util/bql.h): a mutex with a per-thread depth, so an
 * MMIO access from a path that already holds it nests.
 */
#include <pthread.h>

#include "util/bql.h"

static bool enabled;
static pthread_mutex_t bql_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread unsigned bql_depth;    /* levels the calling thread holds */

void bql_enable(void)
{
    enabled = true;
}

bool bql_enabled(void)
{
    return enabled;
}

void bql_lock(void)
{
    if (!enabled) {
        return;
    }
    if (bql_depth++ == 0) {
        pthread_mutex_lock(&bql_mutex);
    }
}

void bql_unlock(void)
{
    if (!enabled || bql_depth == 0) {
        return;
    }
    if (--bql_depth == 0) {
        pthread_mutex_unlock(&bql_mutex);
    }
}

bool bql_held(void)
{
    return !enabled || bql_depth > 0;
}

unsigned bql_release_all(void)
{
    unsigned depth = bql_depth;

    if (depth) {
        bql_depth = 0;
        pthread_mutex_unlock(&bql_mutex);
    }
    return depth;
}

void bql_relock(unsigned depth)
{
    if (depth) {
        pthread_mutex_lock(&bql_mutex);
        bql_depth = depth;
    }
}
