/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error reporting helpers: the single exit-status-2 path for user errors,
 * warnings, and the rate-limited guest error log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/error.h"

/* Process-wide: the program name is a single process-wide thing. */
static const char *progname = "vm";
static unsigned guest_error_count;

#define GUEST_ERROR_LIMIT 50

void error_set_progname(const char *name)
{
    progname = name;
}

void error_exit(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: warning: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void guest_error(const char *fmt, ...)
{
    va_list ap;

    if (guest_error_count >= GUEST_ERROR_LIMIT) {
        return;
    }
    fprintf(stderr, "guest: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (++guest_error_count == GUEST_ERROR_LIMIT) {
        fprintf(stderr, "guest: further guest errors suppressed\n");
    }
}

int parse_size(const char *s, int default_shift, uint64_t *out)
{
    char *end;
    unsigned long long v;
    int shift = default_shift;

    if (!s || *s < '0' || *s > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno) {
        return -EINVAL;
    }
    switch (*end) {
    case '\0':
        break;
    case 'b': case 'B': shift = 0; end++; break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default:
        return -EINVAL;
    }
    if (*end == 'i' || *end == 'I') {
        end++;
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end != '\0' || (shift && v > (~0ull >> shift))) {
        return -EINVAL;
    }
    *out = (uint64_t)v << shift;
    return 0;
}
