/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor (DESIGN.md §7): QEMU's HMP command spelling (help,
 * info ..., stop, cont, x, xp, p, system_reset, system_powerdown, quit)
 * on stdio, muxed with the serial console (Ctrl-A c switches, readline
 * with history and completion), or on a listening Unix socket
 * (line-based, one client at a time, the "(vm) " prompt after every
 * command so scripts can wait for it).  Commands run in fdwatch
 * callbacks, i.e. on the vCPU thread between TBs, so the machine state
 * they read and change is consistent.
 */
#ifndef VM_MONITOR_MONITOR_H
#define VM_MONITOR_MONITOR_H

#include <stdio.h>

#include "hw/core/machine.h"

#define MON_PROMPT "(vm) "

/* A parsed --monitor value: stdio, or unix:PATH[,server][,nowait]. */
typedef struct MonitorSpec {
    bool is_unix;
    char path[108];        /* sun_path */
    bool server, nowait;
} MonitorSpec;

/* Parse --monitor's value; returns 0, or -EINVAL with one line in err. */
int mon_parse_spec(const char *text, MonitorSpec *spec, char *err, size_t errlen);

/*
 * Start the monitor for machine m on the transport `spec` says.  stdio
 * joins the stdio serial console's Ctrl-A mux (or owns stdin when the
 * serial is elsewhere); a unix server listens at spec->path (an existing
 * socket file there is replaced) and, without nowait, waits for the first
 * client before returning.  Returns 0, or a negative errno with one line
 * in err.  The monitor lives as long as the process.
 */
int mon_start(Machine *m, const MonitorSpec *spec, char *err, size_t errlen);

#endif /* VM_MONITOR_MONITOR_H */
