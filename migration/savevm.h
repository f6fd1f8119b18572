/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * savevm / loadvm / delvm (DESIGN.md §7): the whole machine state -- the
 * vmstate records of every device and hart (vmstate.h) and guest RAM in
 * LZ4-compressed runs of pages, zero pages skipped -- saved into an
 * internal snapshot of the first writable qcow2 drive together with the
 * disk state of every writable qcow2 drive, as QEMU does (`qemu-img
 * snapshot -l` lists it with its VM SIZE), or into a plain file with
 * --state-file PATH.  The snapshot table update (or the file's rename) is
 * the commit point: a process killed during savevm leaves the earlier
 * snapshots and the data intact, at worst with leaked clusters.
 *
 * All functions run on the vCPU thread between TBs (monitor commands,
 * start-up); they return 0, or a negative errno with one line in err
 * (what and where, no "savevm:" prefix), and a refused loadvm changes
 * nothing.
 */
#ifndef VM_MIGRATION_SAVEVM_H
#define VM_MIGRATION_SAVEVM_H

#include <stdio.h>

#include "hw/core/machine.h"

/*
 * Save the machine as snapshot `name` (replacing one of that name).  The
 * guest's virtual clock does not advance while it saves.  lz4 false
 * stores RAM pages uncompressed (for comparison; zero pages are still
 * skipped).
 */
int savevm_save(Machine *m, const char *name, bool lz4, char *err, size_t errlen);

/*
 * Restore snapshot `name`: every section's checksum verified first (a
 * damaged one is named in err: "snapshot 's1': section 'plic' is damaged
 * (checksum mismatch)"; a snapshot of an older format without checksums
 * is refused), every LZ4 RAM chunk decompressed (into a scratch
 * buffer), and the config (memory size, harts, devices) and the device
 * records' values (vmstate_check_all: "snapshot 's1': section
 * 'virtio-blk' is damaged (field 'vdev.vq[0].ready' holds 208, not 0 or
 * 1)") checked; only then the disks reverted, RAM and device state
 * loaded, TBs and TLBs flushed, timers re-armed and IRQ lines
 * re-evaluated.  The run state (running or stopped) stays as it was.
 */
int savevm_load(Machine *m, const char *name, char *err, size_t errlen);

/* Delete snapshot `name` from every drive holding it (or the state file). */
int savevm_delete(Machine *m, const char *name, char *err, size_t errlen);

/* Print the snapshot list as the monitor's `info snapshots` shows it. */
void savevm_info(Machine *m, FILE *out);

/*
 * Names of the snapshots savevm_load can restore, at most max, each
 * malloc'd (the caller frees them); returns how many.
 */
unsigned savevm_names(Machine *m, char **names, unsigned max);

#endif /* VM_MIGRATION_SAVEVM_H */
