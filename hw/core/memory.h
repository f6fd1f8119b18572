/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest physical memory map: RAM/ROM regions backed by host memory
 * and MMIO regions dispatched to device callbacks.  Every guest physical
 * access that does not hit a softmmu TLB fast path comes through here;
 * an address that no region claims is an access fault for the caller to
 * raise.  Lookups are a short sorted array walk: a board has a dozen
 * regions, not thousands.
 */
#ifndef VM_HW_CORE_MEMORY_H
#define VM_HW_CORE_MEMORY_H

#include "util/osdep.h"

#define PAGE_BITS 12
#define PAGE_SIZE (1ull << PAGE_BITS)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/*
 * MMIO callbacks.  offset is relative to the region base (bytes); size
 * is 1, 2, 4 or 8.  Reads return the value zero-extended.  A device that
 * does not implement an access returns 0 / ignores it and may log it
 * with guest_error(); it never aborts.
 */
typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, gpa_t offset, unsigned size);
    void (*write)(void *opaque, gpa_t offset, uint64_t val, unsigned size);
} MemoryRegionOps;

/* Per-page bookkeeping for host-backed regions (translated-code tracking). */
typedef struct PageDesc {
    struct TranslationBlock *first_tb; /* TBs with code on this page (tcg/) */
} PageDesc;

typedef struct MemoryRegion {
    const char *name;
    gpa_t base;           /* guest physical base, bytes */
    uint64_t size;        /* bytes; page multiple for host-backed regions */
    uint8_t *host;        /* host memory for RAM/ROM, NULL for MMIO */
    bool readonly;        /* ROM: guest stores are access faults */
    const MemoryRegionOps *ops; /* MMIO only */
    void *opaque;
    PageDesc *pages;      /* host-backed only: size / PAGE_SIZE entries */
} MemoryRegion;

#define MEMORY_MAX_REGIONS 64

typedef struct AddressSpace {
    MemoryRegion regions[MEMORY_MAX_REGIONS];
    unsigned nr_regions;
    /*
     * Called before a write (CPU slow path or DMA) lands on a host-backed
     * page whose PageDesc has translated code: the engine drops those TBs.
     */
    void (*invalidate_code)(struct AddressSpace *as, MemoryRegion *mr, gpa_t page_addr);
} AddressSpace;

/*
 * Add RAM (or ROM when readonly) of `size` bytes at `base`.  The host
 * memory is allocated here (anonymous mmap, zeroed) and owned by the
 * address space.  Returns the region, or NULL if it overlaps another one
 * or the host has no memory for it.
 */
MemoryRegion *memory_add_ram(AddressSpace *as, const char *name, gpa_t base,
                             uint64_t size, bool readonly);

/* Add an MMIO region; NULL on overlap.  `opaque` is the device. */
MemoryRegion *memory_add_mmio(AddressSpace *as, const char *name, gpa_t base, uint64_t size,
                              const MemoryRegionOps *ops, void *opaque);

/* The region containing `addr`, or NULL. */
MemoryRegion *memory_find(AddressSpace *as, gpa_t addr);

/*
 * Host pointer for `len` bytes of host-backed memory at `addr`, or NULL
 * if the range is not entirely inside one RAM/ROM region.  This is the
 * bounds check every DMA and loader access goes through.
 */
void *memory_host_ptr(AddressSpace *as, gpa_t addr, uint64_t len);

/*
 * Physical read/write of 1, 2, 4 or 8 bytes (naturally aligned or not,
 * but not crossing a region boundary).  Return 0, or -EFAULT when no
 * region claims the address or a write hits ROM.  Writes to host-backed
 * pages holding translated code invalidate those TBs first.
 */
int memory_read(AddressSpace *as, gpa_t addr, unsigned size, uint64_t *val);
int memory_write(AddressSpace *as, gpa_t addr, unsigned size, uint64_t val);

/* Free every region's host memory. */
void memory_destroy(AddressSpace *as);

#endif /* VM_HW_CORE_MEMORY_H */
