/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device-tree building helpers over libfdt (see fdt.h). */
#include <stdio.h>
#include <stdlib.h>

#include "hw/core/fdt.h"
#include "util/error.h"

void fdt_check(int err, const char *what)
{
    if (err < 0) {
        error_exit("device tree: %s: %s", what, fdt_strerror(err));
    }
}

void fdt_machine_begin(Machine *m)
{
    void *fdt = calloc(1, MACHINE_FDT_SIZE);
    int soc;

    if (!fdt) {
        error_exit("out of memory for the device tree");
    }
    fdt_check(fdt_create_empty_tree(fdt, MACHINE_FDT_SIZE), "create");
    fdt_check(fdt_setprop_u32(fdt, 0, "#address-cells", 2), "/");
    fdt_check(fdt_setprop_u32(fdt, 0, "#size-cells", 2), "/");
    soc = fdt_add_subnode(fdt, 0, "soc");
    fdt_check(soc, "/soc");
    fdt_check(fdt_setprop_u32(fdt, soc, "#address-cells", 2), "/soc");
    fdt_check(fdt_setprop_u32(fdt, soc, "#size-cells", 2), "/soc");
    fdt_check(fdt_setprop_string(fdt, soc, "compatible", "simple-bus"), "/soc");
    fdt_check(fdt_setprop(fdt, soc, "ranges", NULL, 0), "/soc");
    m->fdt = fdt;
    m->fdt_next_phandle = 1;
}

size_t fdt_machine_finish(Machine *m)
{
    fdt_check(fdt_pack(m->fdt), "pack");
    return fdt_totalsize(m->fdt);
}

uint32_t fdt_alloc_phandle(Machine *m)
{
    return m->fdt_next_phandle++;
}

int fdt_add_soc_device(Machine *m, const char *name, gpa_t base, uint64_t size,
                       const char *compat, size_t compat_len)
{
    char node[64];
    int soc = fdt_path_offset(m->fdt, "/soc");
    int off;

    snprintf(node, sizeof(node), "%s@%" PRIx64, name, base);
    fdt_check(soc, "/soc");
    off = fdt_add_subnode(m->fdt, soc, node);
    fdt_check(off, node);
    fdt_check(fdt_setprop(m->fdt, off, "compatible", compat,
                          compat_len ? compat_len : strlen(compat) + 1), node);
    fdt_check(fdt_appendprop_u64(m->fdt, off, "reg", base), node);
    fdt_check(fdt_appendprop_u64(m->fdt, off, "reg", size), node);
    return off;
}
