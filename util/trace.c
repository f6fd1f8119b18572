/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Execution trace flags and output (see trace.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/trace.h"

/* Process-wide trace state: one set of flags and one output per process. */
unsigned trace_flags;
FILE *trace_file;

int trace_parse(const char *list, const char **bad_name)
{
    static char copy[256];
    static const struct { const char *name; unsigned flag; } names[] = {
        { "insn", TRACE_INSN }, { "in_asm", TRACE_INSN },
        { "tb", TRACE_TB }, { "exec", TRACE_TB },
        { "int", TRACE_INT }, { "mmu", TRACE_MMU },
    };
    unsigned flags = 0;
    char *save, *tok;

    snprintf(copy, sizeof(copy), "%s", list);
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(names); i++) {
            if (!strcmp(tok, names[i].name)) {
                flags |= names[i].flag;
                break;
            }
        }
        if (i == ARRAY_SIZE(names)) {
            *bad_name = tok;
            return -EINVAL;
        }
    }
    trace_flags |= flags;
    return 0;
}

void trace_printf(const char *fmt, ...)
{
    va_list ap;

    FILE *f = trace_file ? trace_file : stderr;

    if (!fmt) {
        return;     /* keeps gcc 12's -fsanitize=undefined format check quiet */
    }
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}
