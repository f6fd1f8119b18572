/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution tracing (`--trace insn|tb|int|mmu`, like QEMU's -d
 * in_asm,exec,int,mmu).  The flags are one process-wide word so a
 * disabled trace costs one predictable branch on the paths that test it.
 */
#ifndef VM_UTIL_TRACE_H
#define VM_UTIL_TRACE_H

#include <stdio.h>
#include "util/osdep.h"

enum {
    TRACE_INSN = 1 << 0, /* every executed instruction, disassembled */
    TRACE_TB = 1 << 1,   /* every TB entry and every translation */
    TRACE_INT = 1 << 2,  /* traps and interrupts taken */
    TRACE_MMU = 1 << 3,  /* page walks and their results */
};

extern unsigned trace_flags;
extern FILE *trace_file;

/*
 * Parse a comma-separated list of trace names; returns 0 or -EINVAL
 * (bad name in *bad_name, pointing into a static copy).
 */
int trace_parse(const char *list, const char **bad_name);

/* Write one trace line to the trace file; the newline is added here. */
PRINTF_FMT(1, 2) void trace_printf(const char *fmt, ...);

#define trace_enabled(flag) unlikely(trace_flags & (flag))

#endif /* VM_UTIL_TRACE_H */
