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
    /*
     * Dirty-tracked regions only (a framebuffer), else NULL: one flag per
     * page, set by every guest write; memory_dirty_get_and_clear() reads them.
     */
    uint8_t *dirty;
    bool any_dirty;       /* some dirty[] flag is set (harts set both: relaxed atomics) */
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
    /*
     * Called when dirty flags of `mr` were cleared: the engine makes the
     * next CPU write to each of its pages take the slow path again.
     */
    void (*reset_dirty)(struct AddressSpace *as, MemoryRegion *mr);
    /*
     * The guest-physical ranges of the images hw/core/loader.c put here,
     * for its overlap check (loads run at start and at guest reset only).
     */
    struct LoadedRange *loaded;
    size_t nr_loaded;
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

/*
 * Bytes [off, off + len) of host-backed region r are about to be written
 * other than through memory_write (a guest atomic on its host pointer):
 * invalidate translated code on those pages and mark them dirty.
 */
void memory_note_write(AddressSpace *as, MemoryRegion *r, uint64_t off, uint64_t len);

/*
 * Track writes to the pages of host-backed region mr (a framebuffer): CPU
 * stores reach a clean page through the slow path, which marks it dirty
 * and lets later stores to it go fast again until the flags are cleared.
 * Returns 0 or -ENOMEM.
 */
int memory_enable_dirty_tracking(MemoryRegion *mr);

/*
 * Copy mr's dirty flags (size / PAGE_SIZE bytes) into `out`, clear them
 * and re-arm the slow path; returns whether any page was dirty (when
 * none was, this costs one test and `out` is left alone).
 */
bool memory_dirty_get_and_clear(AddressSpace *as, MemoryRegion *mr, uint8_t *out);

/*
 * Whether a CPU write to page `index` of host-backed region mr must take
 * the slow path: the page holds translated code, or it is a clean page
 * of a dirty-tracked region.
 */
static inline bool memory_page_write_slow(const MemoryRegion *mr, uint64_t index)
{
    return __atomic_load_n(&mr->pages[index].first_tb, __ATOMIC_RELAXED) ||
           (mr->dirty && !__atomic_load_n(&mr->dirty[index], __ATOMIC_RELAXED));
}

/*
 * Guest RAM as the harts see it: a load or store of `size` (1, 2, 4, 8)
 * bytes, little-endian, at a host pointer into a host-backed region that
 * harts on other threads may access at the same time.  A naturally
 * aligned access is one relaxed atomic access, single-copy atomic as
 * RVWMO wants (unpriv. §17.1, a plain mov on x86-64); a misaligned one
 * goes byte by byte, which RVWMO allows for it (unpriv. §2.6).
 */
static inline uint64_t memory_host_load_aligned(const void *host, unsigned size)
{
    switch (size) {
    case 1: return __atomic_load_n((const uint8_t *)host, __ATOMIC_RELAXED);
    case 2: return __atomic_load_n((const uint16_t *)host, __ATOMIC_RELAXED);
    case 4: return __atomic_load_n((const uint32_t *)host, __ATOMIC_RELAXED);
    default: return __atomic_load_n((const uint64_t *)host, __ATOMIC_RELAXED);
    }
}

static inline void memory_host_store_aligned(void *host, unsigned size, uint64_t val)
{
    switch (size) {
    case 1: __atomic_store_n((uint8_t *)host, val, __ATOMIC_RELAXED); return;
    case 2: __atomic_store_n((uint16_t *)host, val, __ATOMIC_RELAXED); return;
    case 4: __atomic_store_n((uint32_t *)host, val, __ATOMIC_RELAXED); return;
    default: __atomic_store_n((uint64_t *)host, val, __ATOMIC_RELAXED); return;
    }
}

static inline uint64_t memory_host_load(const void *host, unsigned size)
{
    uint64_t val = 0;

    if (likely(!((uintptr_t)host & (size - 1)))) {
        return memory_host_load_aligned(host, size);
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)__atomic_load_n((const uint8_t *)host + i, __ATOMIC_RELAXED) << (8 * i);
    }
    return val;
}

static inline void memory_host_store(void *host, unsigned size, uint64_t val)
{
    if (likely(!((uintptr_t)host & (size - 1)))) {
        memory_host_store_aligned(host, size, val);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        __atomic_store_n((uint8_t *)host + i, (uint8_t)(val >> (8 * i)), __ATOMIC_RELAXED);
    }
}

/* Free every region's host memory. */
void memory_destroy(AddressSpace *as);

#endif /* VM_HW_CORE_MEMORY_H */
