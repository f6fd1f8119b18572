/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest physical memory map: host-backed RAM/ROM regions and MMIO
 * regions, and the physical read/write dispatch used by the softmmu slow
 * path, page-table walks, loaders and (later) DMA.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hw/core/memory.h"
#include "hw/core/loader.h"
#include "util/bql.h"

static bool overlaps(AddressSpace *as, gpa_t base, uint64_t size)
{
    for (unsigned i = 0; i < as->nr_regions; i++) {
        MemoryRegion *r = &as->regions[i];
        if (base < r->base + r->size && r->base < base + size) {
            return true;
        }
    }
    return false;
}

static MemoryRegion *add_region(AddressSpace *as, const char *name, gpa_t base, uint64_t size)
{
    MemoryRegion *r;

    if (size == 0 || base + size < base || as->nr_regions == MEMORY_MAX_REGIONS ||
        overlaps(as, base, size)) {
        return NULL;
    }
    r = &as->regions[as->nr_regions++];
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->base = base;
    r->size = size;
    return r;
}

MemoryRegion *memory_add_ram(AddressSpace *as, const char *name, gpa_t base, uint64_t size,
                             bool readonly)
{
    MemoryRegion *r;
    void *host;
    PageDesc *pages;

    if ((base | size) & ~PAGE_MASK) {
        return NULL;
    }
    host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                -1, 0);
    if (host == MAP_FAILED) {
        return NULL;
    }
    /*
     * Back RAM with transparent huge pages where the host allows: the
     * JIT's guest loads and stores then miss the host TLB far less.
     * Only a hint; without it RAM works the same.
     */
    madvise(host, size, MADV_HUGEPAGE);
    pages = calloc(size / PAGE_SIZE, sizeof(PageDesc));
    if (!pages) {
        munmap(host, size);
        return NULL;
    }
    r = add_region(as, name, base, size);
    if (!r) {
        munmap(host, size);
        free(pages);
        return NULL;
    }
    r->host = host;
    r->readonly = readonly;
    r->pages = pages;
    return r;
}

MemoryRegion *memory_add_mmio(AddressSpace *as, const char *name, gpa_t base, uint64_t size,
                              const MemoryRegionOps *ops, void *opaque)
{
    MemoryRegion *r = add_region(as, name, base, size);

    if (r) {
        r->ops = ops;
        r->opaque = opaque;
    }
    return r;
}

MemoryRegion *memory_find(AddressSpace *as, gpa_t addr)
{
    for (unsigned i = 0; i < as->nr_regions; i++) {
        MemoryRegion *r = &as->regions[i];
        if (addr - r->base < r->size) {
            return r;
        }
    }
    return NULL;
}

void *memory_host_ptr(AddressSpace *as, gpa_t addr, uint64_t len)
{
    MemoryRegion *r = memory_find(as, addr);

    if (!r || !r->host || len > r->size - (addr - r->base)) {
        return NULL;
    }
    return r->host + (addr - r->base);
}

/* Mark the pages of bytes [off, off + len) of r dirty. */
static void memory_set_dirty(MemoryRegion *r, uint64_t off, uint64_t len)
{
    for (uint64_t p = off >> PAGE_BITS; p <= (off + len - 1) >> PAGE_BITS; p++) {
        __atomic_store_n(&r->dirty[p], 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&r->any_dirty, true, __ATOMIC_RELAXED);
}

int memory_enable_dirty_tracking(MemoryRegion *mr)
{
    mr->dirty = calloc(mr->size >> PAGE_BITS, 1);
    return mr->dirty ? 0 : -ENOMEM;
}

bool memory_dirty_get_and_clear(AddressSpace *as, MemoryRegion *mr, uint8_t *out)
{
    if (!__atomic_load_n(&mr->any_dirty, __ATOMIC_RELAXED)) {
        return false;
    }
    __atomic_store_n(&mr->any_dirty, false, __ATOMIC_RELAXED);
    /* Harts on other threads may be setting flags: take each one atomically. */
    for (uint64_t p = 0; p < mr->size >> PAGE_BITS; p++) {
        out[p] = __atomic_exchange_n(&mr->dirty[p], 0, __ATOMIC_RELAXED);
    }
    if (as->reset_dirty) {
        as->reset_dirty(as, mr);
    }
    return true;
}

int memory_read(AddressSpace *as, gpa_t addr, unsigned size, uint64_t *val)
{
    MemoryRegion *r = memory_find(as, addr);
    gpa_t off;

    if (!r || size > r->size - (addr - r->base)) {
        return -EFAULT;
    }
    off = addr - r->base;
    if (r->host) {
        *val = memory_host_load(r->host + off, size);
    } else {
        bql_lock();
        *val = r->ops->read ? r->ops->read(r->opaque, off, size) : 0;
        bql_unlock();
    }
    return 0;
}

void memory_note_write(AddressSpace *as, MemoryRegion *r, uint64_t off, uint64_t len)
{
    /* A write may straddle two pages: check both for translated code. */
    for (gpa_t p = off & PAGE_MASK; p < off + len; p += PAGE_SIZE) {
        if (__atomic_load_n(&r->pages[p >> PAGE_BITS].first_tb, __ATOMIC_ACQUIRE) &&
            as->invalidate_code) {
            as->invalidate_code(as, r, r->base + p);
        }
    }
    if (r->dirty) {
        memory_set_dirty(r, off, len);
    }
}

int memory_write(AddressSpace *as, gpa_t addr, unsigned size, uint64_t val)
{
    MemoryRegion *r = memory_find(as, addr);
    gpa_t off;

    if (!r || size > r->size - (addr - r->base)) {
        return -EFAULT;
    }
    off = addr - r->base;
    if (r->host) {
        if (r->readonly) {
            return -EFAULT;
        }
        /*
         * Store first, then look for translated code: a hart decoding this
         * page's first TB publishes first_tb and then re-reads the code
         * (tb_gen_code), so with a fence on both sides either it sees this
         * store or this sees its TB and invalidates it.
         */
        memory_host_store(r->host + off, size, val);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        memory_note_write(as, r, off, size);
    } else if (r->ops->write) {
        bql_lock();
        r->ops->write(r->opaque, off, val, size);
        bql_unlock();
    }
    return 0;
}

void memory_destroy(AddressSpace *as)
{
    for (unsigned i = 0; i < as->nr_regions; i++) {
        MemoryRegion *r = &as->regions[i];
        if (r->host) {
            munmap(r->host, r->size);
            free(r->pages);
            free(r->dirty);
        }
    }
    as->nr_regions = 0;
    loader_forget(as);
}
