/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error reporting.  User and start-up errors end the process with one
 * line and exit status 2 (STYLE.md "Errors"); guest misbehaviour is
 * logged, rate-limited, and never ends the process.
 */
#ifndef VM_UTIL_ERROR_H
#define VM_UTIL_ERROR_H

#include "util/osdep.h"

/* Program name used as the message prefix ("vm-cli"). */
void error_set_progname(const char *name);

/*
 * Print "<prog>: <message>" on stderr and exit with status 2.  The
 * message is one line, naming what was wrong and where.
 */
NORETURN PRINTF_FMT(1, 2) void error_exit(const char *fmt, ...);

/* Print "<prog>: warning: <message>" on stderr; the run goes on. */
PRINTF_FMT(1, 2) void warn_report(const char *fmt, ...);

/*
 * Log a guest error ("guest: <message>") on stderr.  Rate-limited to a
 * few dozen lines per process so a misbehaving guest cannot flood the
 * terminal; never exits.
 */
PRINTF_FMT(1, 2) void guest_error(const char *fmt, ...);

/*
 * Parse a size with an optional K/M/G/T suffix (binary units; a bare
 * number is bytes unless default_shift says otherwise, e.g. 20 for MiB).
 * Returns 0 and sets *out, or -EINVAL on a malformed value.
 */
int parse_size(const char *s, int default_shift, uint64_t *out);

#endif /* VM_UTIL_ERROR_H */
