/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GDB remote stub (GDB manual, appendix "Remote Serial Protocol"):
 * one TCP client at a time, all-stop mode, one thread per hart (ids
 * 1..N).  It lives on the execution loop's thread: its sockets are
 * watched fds (hw/core/fdwatch.h), breakpoints are compiled into TBs by
 * tcg/tb.c (the guest's memory is never patched), watchpoints make their
 * pages take the TLB slow path (tcg/tlb.c), and the loop (tcg/exec.c)
 * stops and single-steps harts on its requests.
 */
#ifndef VM_GDBSTUB_GDBSTUB_H
#define VM_GDBSTUB_GDBSTUB_H

#include "tcg/cpu.h"
#include "hw/core/machine.h"

typedef struct GDBState GDBState;

/* Why the machine stopped, as reported in the stop reply. */
typedef enum {
    GDB_STOP_SIGINT,    /* Ctrl-C from the client: T02 */
    GDB_STOP_TRAP,      /* client attached, or -S: T05 */
    GDB_STOP_STEP,      /* single step done: T05 */
    GDB_STOP_SWBREAK,   /* Z0 breakpoint: T05 swbreak */
    GDB_STOP_HWBREAK,   /* Z1 breakpoint: T05 hwbreak */
    GDB_STOP_WATCH,     /* Z2 write watchpoint, before the store: T05 watch:ADDR */
    GDB_STOP_RWATCH,    /* Z3 read watchpoint */
    GDB_STOP_AWATCH,    /* Z4 access watchpoint */
} GDBStopReason;

/*
 * Parse "tcp::PORT" or "tcp:ADDR:PORT" (ADDR a numeric IPv4 address or
 * "localhost"; empty means 127.0.0.1: the stub gives full control of the
 * guest, so other hosts must be asked for by address).  host receives
 * the address.  Returns 0, or -EINVAL with a reason in err.
 */
int gdb_parse_spec(const char *spec, char *host, size_t host_len, int *port,
                   char *err, size_t err_len);

/*
 * Listen on `spec` and attach the stub to m (m->gdb).  With start_stopped
 * the machine starts in RUN_STATE_STOPPED until a client resumes it.
 * Returns 0, or a negative errno with a reason in err.
 */
int gdb_start(Machine *m, const char *spec, bool start_stopped, char *err, size_t err_len);

/* True when a Z0/Z1 breakpoint is set at guest-virtual pc (tb.c, at translation). */
bool gdb_breakpoint_at(GDBState *gs, gva_t pc);

/*
 * TBInsnFn of the synthetic entry tb.c puts where a breakpoint is: sets
 * cpu->pc to the breakpoint and requests a stop; the instruction there
 * has not run.
 */
int gdb_tb_break(CPUState *cpu, const TBInsn *in);

/* True when a watchpoint covers part of the guest-virtual page at page (tlb.c). */
bool gdb_watch_page(GDBState *gs, gva_t page);

/*
 * Called by the TLB slow paths while m->debug_watch is set, before the
 * access: when [addr, addr+size) hits a watchpoint of the access's kind,
 * requests a stop and unwinds to the execution loop with cpu->pc at the
 * accessing instruction, which has not run (siglongjmp value 2).
 */
void gdb_check_watch(CPUState *cpu, gva_t addr, unsigned size, AccessType access);

/*
 * Ask the machine to stop at the next TB boundary (any hart) for `reason`;
 * cpu is the hart to report (NULL: the one that was running).  The first
 * request until the stop is handled wins.
 */
void gdb_request_stop(Machine *m, CPUState *cpu, GDBStopReason reason, gva_t addr);

/*
 * The execution loop has stopped every hart (m->stop_request seen);
 * `last` is the hart that ran last.  Sends the stop reply if the client
 * is waiting for one.
 */
void gdb_stopped(Machine *m, CPUState *last);

/* Between rounds of the loop, outside cpu_exec: apply deferred TB/TLB flushes. */
void gdb_prepare_run(Machine *m);

#endif /* VM_GDBSTUB_GDBSTUB_H */
