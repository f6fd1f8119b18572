/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loaders for guest images: ELF64 executables (System V gABI, program
 * headers only), RISC-V Linux Images and raw binaries.  Every offset and
 * size from the file is checked against the file and the guest's
 * host-backed memory before a byte is copied, and only the ranges the
 * headers name are read.  The guest-physical ranges of every image loaded
 * into an address space are remembered: an image that would overlap
 * another one (a different file) is refused, while loading the same file
 * again (guest reset) replaces its ranges.  On failure nothing is loaded
 * and `err` holds one line saying what is wrong and where (without the
 * file name: callers add it).
 */
#ifndef VM_HW_CORE_LOADER_H
#define VM_HW_CORE_LOADER_H

#include "hw/core/memory.h"

#define EM_RISCV 243

/* True when the file starts with the ELF magic. */
bool loader_is_elf(const char *path);

/*
 * Load the PT_LOAD segments of the ELF64 little-endian executable at
 * `path` (e_machine must be `machine`) at their physical addresses.
 * Returns 0 with *entry, *low and *high (lowest and one-past-highest
 * guest-physical byte loaded), or a negative errno with `err` filled
 * (-EBUSY: a segment overlaps another segment or another image).
 */
int load_elf(AddressSpace *as, const char *path, uint16_t machine, gpa_t *entry, gpa_t *low,
             gpa_t *high, char *err, size_t errlen);

/*
 * Copy the whole file at `path` to guest-physical `addr`.  Returns 0 and
 * the size in bytes, or a negative errno with `err` filled (-EINVAL for
 * an empty file, -EBUSY when the range overlaps another image).
 */
int load_raw(AddressSpace *as, const char *path, gpa_t addr, uint64_t *size, char *err,
             size_t errlen);

/*
 * True when the file is a RISC-V Linux Image (boot image header with
 * magic2 "RSC\x05" at offset 0x38; Documentation/arch/riscv/boot-image-header.rst),
 * including the PE/EFI-stub Images Debian ships.
 */
bool loader_is_riscv_image(const char *path);

/*
 * Load a RISC-V Linux Image at guest-physical `addr` (2 MiB aligned by
 * the caller).  Checks that the header's image_size (the memory the
 * kernel needs, bss included) fits in RAM from addr and, for PE/EFI-stub
 * Images, that the file holds all the sections' raw data (not truncated).
 * Returns 0 and the bytes the image occupies in *size, or a negative
 * errno with `err`.
 */
int load_riscv_image(AddressSpace *as, const char *path, gpa_t addr, uint64_t *size,
                     char *err, size_t errlen);

/* Forget (and free) the ranges recorded for `as`; memory_destroy calls it. */
void loader_forget(AddressSpace *as);

#endif /* VM_HW_CORE_LOADER_H */
