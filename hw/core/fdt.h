/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-tree building helpers over libfdt's read-write API (Devicetree
 * Specification v0.4).  The board creates the tree and the /soc node;
 * each device model's create function adds its own node under /soc.
 * libfdt failures here are our own bugs or an undersized blob, so they
 * end the process with a message naming the node.
 */
#ifndef VM_HW_CORE_FDT_H
#define VM_HW_CORE_FDT_H

#include <libfdt.h>
#include "hw/core/machine.h"

/* Size of the blob under construction, bytes (packed before use). */
#define MACHINE_FDT_SIZE (64 * 1024)

/* Start an empty tree in m->fdt with #address-cells = #size-cells = 2 at / and /soc. */
void fdt_machine_begin(Machine *m);
/* Pack the tree; returns its size in bytes. */
size_t fdt_machine_finish(Machine *m);

/* A fresh phandle for a node of m's tree. */
uint32_t fdt_alloc_phandle(Machine *m);

/*
 * Add "/soc/<name>@<base>" with compatible and a reg of (base, size);
 * returns the node offset.  compat may hold several NUL-separated strings
 * (pass its full length in compat_len, or 0 for a single string).
 */
int fdt_add_soc_device(Machine *m, const char *name, gpa_t base, uint64_t size,
                       const char *compat, size_t compat_len);

/* End the process if a libfdt call failed (err < 0), naming what was being done. */
void fdt_check(int err, const char *what);

#endif /* VM_HW_CORE_FDT_H */
