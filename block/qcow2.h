/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 driver internals shared by qcow2.c (header, open, create),
 * qcow2-refcount.c (refcounts, allocation, check), qcow2-cluster.c
 * (L1/L2 mapping, read/write, compression) and qcow2-snapshot.c, plus the
 * qcow2-only operations vm-img uses (check, compressed writes, internal
 * snapshots).  Field names follow QEMU's docs/interop/qcow2.txt; all
 * on-disk integers are big-endian, in-memory copies are host order.
 *
 * Metadata caches (L2 tables, refcount blocks) are write-through: every
 * change is written to the file before the operation that depends on it,
 * in the order data -> refcount -> L2 -> L1 -> header, so a crash can
 * leak clusters but never leave a reference to an unwritten cluster.
 */
#ifndef VM_BLOCK_QCOW2_H
#define VM_BLOCK_QCOW2_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "util/osdep.h"

#define QCOW2_MAGIC 0x514649fbu          /* "QFI\xfb" */
#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_SIZE 104
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_MAX_L1_BYTES (32u << 20)   /* QEMU's limit too */
#define QCOW2_MAX_RT_BYTES (8u << 20)    /* refcount table */
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_BACKING_NAME 1023

/* Table entry bits (spec "Cluster mapping"). */
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO 1ull
#define QCOW2_L1E_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_L2E_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_RT_OFFSET_MASK 0xfffffffffffffe00ull

/* Incompatible feature bits (spec "Header", bytes 72-79). */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)

/* Compatible feature bits (spec "Header", bytes 80-87). */
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* Header extension types (spec "Header extensions"). */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u

/*
 * Kinds of metadata the overlap check tracks (QEMU's QCOW2_OL_* in its
 * "cached" mode: snapshot L2 tables are not tracked), the low bits of a
 * Qcow2State.meta key.
 */
enum {
    QCOW2_META_HEADER,
    QCOW2_META_ACTIVE_L1,
    QCOW2_META_ACTIVE_L2,
    QCOW2_META_REFCOUNT_TABLE,
    QCOW2_META_REFCOUNT_BLOCK,
    QCOW2_META_SNAPSHOT_TABLE,
    QCOW2_META_INACTIVE_L1,
};
#define QCOW2_META_TYPE_BITS 3

#define QCOW2_L2_CACHE_SIZE 16
#define QCOW2_RB_CACHE_SIZE 4

typedef struct Qcow2CachedTable {
    uint64_t offset;                 /* host offset of the table, 0: empty slot */
    uint64_t lru;
    void *data;                      /* one cluster, on-disk (big-endian) layout */
} Qcow2CachedTable;

/* An unknown or kept header extension, written back unchanged. */
typedef struct Qcow2Extension {
    uint32_t type;
    uint32_t len;
    uint8_t *data;
} Qcow2Extension;

/* One internal snapshot (spec "Snapshot table"). */
typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint32_t vm_state_size;
    uint64_t disk_size;              /* bytes, from extra data (v3) or the image size */
    uint32_t extra_size;
    uint8_t *extra;                  /* extra data as read, kept for write-back */
} Qcow2Snapshot;

typedef struct Qcow2State {
    uint32_t version;
    uint32_t cluster_bits;
    uint32_t cluster_size;           /* bytes */
    uint32_t l2_bits;                /* log2 of entries per L2 table */
    uint32_t l2_size;                /* entries per L2 table */
    uint64_t incompat, compat, autoclear;
    uint32_t header_length;          /* bytes; 72 for v2 */
    uint8_t *header_raw;             /* header_length bytes as read, for write-back */
    uint8_t compression_type;        /* 0: zlib */

    uint64_t l1_table_offset;
    uint32_t l1_size;                /* entries */
    uint64_t *l1_table;              /* host order */

    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint64_t refcount_table_size;    /* entries */
    uint64_t *refcount_table;        /* host order */
    uint32_t refcount_order;         /* refcount width is 1 << order bits */
    uint32_t refcount_block_bits;    /* log2 of entries per refcount block */
    uint64_t refcount_max;

    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;         /* bytes of the on-disk table */
    Qcow2Snapshot *snapshots;

    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    Qcow2Extension *exts;
    uint32_t nb_exts;

    uint64_t file_size;              /* bytes, tracked as the file grows */
    uint64_t free_cluster_hint;      /* cluster index; lower ones are all in use */
    uint64_t compressed_next;        /* host byte offset for the next compressed cluster, 0: none */

    /*
     * Metadata overlap check (QEMU's overlap-check=cached): one key per
     * metadata cluster, (host cluster index << QCOW2_META_TYPE_BITS) |
     * QCOW2_META_*, sorted, built from the in-memory L1 and refcount
     * tables and snapshot list.  New L2 tables and refcount blocks are
     * inserted as they are made; anything rarer (a table moves, a snapshot
     * operation raises refcounts, a tracked cluster's refcount drops to 0)
     * clears meta_valid and the next check rebuilds.  The snapshot table
     * is compared by position (meta_nb_snapshots, meta_snapshots_offset)
     * because qcow2-snapshot.c replaces it without telling.
     */
    uint64_t *meta;
    size_t nb_meta, meta_cap;
    bool meta_valid;
    uint32_t meta_nb_snapshots;
    uint64_t meta_snapshots_offset;
    /* A write would have hit metadata: the image is marked corrupt, writes get -EIO. */
    bool corrupt;

    uint64_t lru_clock;
    Qcow2CachedTable l2_cache[QCOW2_L2_CACHE_SIZE];
    Qcow2CachedTable rb_cache[QCOW2_RB_CACHE_SIZE];
    uint8_t *cluster_buf;            /* one cluster of scratch */
    uint8_t *compressed_buf;         /* 2 clusters of scratch (compressed bytes) */
    uint8_t *decomp_buf;             /* one cluster of scratch (inflated bytes) */
} Qcow2State;

/*
 * Result of qcow2_check (image consistency, as `qemu-img check` reports
 * it).  corruptions and leaks count what is still wrong after the check;
 * what a repair fixed is counted in the *_fixed fields only.
 */
typedef struct Qcow2CheckResult {
    uint64_t corruptions;            /* refcount too low, bad entries, wrong COPIED flags */
    uint64_t leaks;                  /* clusters with a refcount higher than their uses */
    uint64_t corruptions_fixed;      /* refcount errors and COPIED flags repaired */
    uint64_t leaks_fixed;
    uint64_t allocated_clusters;     /* guest clusters that are allocated */
    uint64_t total_clusters;         /* guest clusters of the virtual disk */
    uint64_t compressed_clusters;
    uint64_t image_end_offset;       /* bytes: end of the last cluster in use */
} Qcow2CheckResult;

/* qcow2_check flags. */
enum {
    QCOW2_CHECK_REPAIR_LEAKS = 1 << 0,   /* lower refcounts that are too high (`-r leaks`) */
    QCOW2_CHECK_REPAIR_ERRORS = 1 << 1,  /* rebuild refcounts that are too low, fix COPIED */
    QCOW2_CHECK_REPAIR_ALL = QCOW2_CHECK_REPAIR_LEAKS | QCOW2_CHECK_REPAIR_ERRORS, /* `-r all` */
    QCOW2_CHECK_QUIET = 1 << 2,          /* no per-cluster lines on stderr */
};

/* ---- qcow2.c ---- */
/* Rewrite the header, its extensions and the backing file name (cluster 0). */
int qcow2_update_header(BlockDriverState *bs);
/*
 * Write the incompatible feature bits (v3 header bytes 72-79) alone, then
 * fsync, so a dirty-bit change is ordered against the metadata writes
 * around it.  Updates s->incompat on success.
 */
int qcow2_write_incompat(BlockDriverState *bs, uint64_t incompat);
/* True if [off, off + len) overlaps header, L1, refcount table or snapshot table. */
bool qcow2_overlaps_metadata(Qcow2State *s, uint64_t off, uint64_t len);
/*
 * The overlap check proper, against every metadata cluster (header,
 * active L1 and L2 tables, refcount table and blocks, snapshot table and
 * snapshot L1 tables): returns 1 with *key (see Qcow2State.meta) for the
 * first metadata cluster among host clusters first..last (indices), 0 for
 * none, -ENOMEM if the set could not be rebuilt.
 */
int qcow2_meta_find(Qcow2State *s, uint64_t first, uint64_t last, uint64_t *key);
/* Record `n` new metadata clusters of `type` at host offset `off` (a no-op while stale). */
void qcow2_meta_add(Qcow2State *s, uint64_t off, uint64_t n, unsigned type);
/* Something moved that the set cannot follow incrementally: rebuild before the next check. */
static inline void qcow2_meta_invalidate(Qcow2State *s)
{
    s->meta_valid = false;
}
/*
 * Before writing [off, off + len) of the file with guest data or an
 * allocation's first bytes: 0 if that touches no metadata; else the
 * image is marked corrupt (qcow2_signal_corruption) and -EIO returned.
 * -EIO at once for an image already found corrupt.  Cheap: a binary
 * search over the metadata clusters.
 */
int qcow2_pre_write_check(BlockDriverState *bs, uint64_t off, uint64_t len);
/*
 * A write at host offset `off` would hit metadata `key`: from now on
 * refuse every write, set the corrupt bit (v3 header, incompatible bit 1)
 * and say so once on stderr.  Returns -EIO.
 */
int qcow2_signal_corruption(BlockDriverState *bs, uint64_t off, uint64_t key);

/* ---- qcow2-refcount.c ---- */
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount);
/*
 * The first host cluster (index) set in `used`, a bitmap of n clusters
 * (cluster i is bit i % 64 of used[i / 64]), whose stored refcount is 0
 * or that no refcount block describes: returns 1 with *idx, 0 for none,
 * a negative errno for an I/O error.  Reads each refcount block that
 * covers a set bit once, however the clusters are spread over the file.
 */
int qcow2_find_zero_refcount(BlockDriverState *bs, const uint64_t *used, uint64_t n,
                             uint64_t *idx);
/* Add `addend` to the refcount of each cluster touching [offset, offset + len) (bytes). */
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t len, int64_t addend);
/* Allocate one zero-refcount cluster and set its refcount to 1; returns host offset. */
int64_t qcow2_alloc_cluster(BlockDriverState *bs);
/* Allocate `n` contiguous clusters (refcount 1 each); returns host offset of the first. */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n);
void qcow2_refcount_close(Qcow2State *s);
/*
 * Recompute every refcount from the header, the L1/L2 tables of the
 * active image and of each snapshot, the snapshot table and the refcount
 * table and blocks; compare with the stored ones (and COPIED flags).
 * QCOW2_CHECK_REPAIR_LEAKS lowers refcounts that are too high;
 * QCOW2_CHECK_REPAIR_ERRORS (with leaks: REPAIR_ALL) rewrites the
 * refcount blocks from the recount, adding blocks and growing the table
 * as needed, and fixes COPIED flags.  A repair that leaves no corruption
 * clears the dirty and corrupt bits.  References past the end of the
 * file and bad table entries are reported, never repaired.  Repairs need
 * a read-write bs (-EROFS).  Returns 0 (findings in *res) or a negative
 * errno for an I/O error.
 */
int qcow2_check(BlockDriverState *bs, int flags, Qcow2CheckResult *res);

/* ---- qcow2-cluster.c ---- */
/* Load the L2 table at host offset `off` through the cache; returns big-endian entries. */
int qcow2_l2_load(BlockDriverState *bs, uint64_t off, uint64_t **table);
void qcow2_l2_cache_drop(Qcow2State *s, uint64_t off);
int qcow2_read(BlockDriverState *bs, uint64_t offset, void *buf, size_t len);
int qcow2_write(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len);
int qcow2_write_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t len);
/* Grow the L1 table to cover at least `min_size` entries (copy, then switch header). */
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size);
/* Check an L2 entry's host offset before use (-EINVAL with nothing done if it lies). */
int qcow2_check_l2_entry(Qcow2State *s, uint64_t l2e);

/*
 * Write one whole guest cluster (offset cluster-aligned, buf cluster_size
 * bytes, or less for the last cluster) deflate-compressed (spec
 * "Compressed Clusters Descriptor"); an incompressible cluster is written
 * normally.  The cluster must be unallocated (as in a fresh convert
 * target), else -EEXIST.
 */
int qcow2_write_compressed(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len);

/* Grow the virtual disk to `size` bytes (shrinking is refused with -ENOTSUP). */
int qcow2_truncate(BlockDriverState *bs, uint64_t size);

/* ---- qcow2-snapshot.c ---- */
/* Internal snapshots (spec "Snapshots"); names are unique, ids are decimal counters. */
int qcow2_snapshot_create(BlockDriverState *bs, const char *name);
int qcow2_snapshot_apply(BlockDriverState *bs, const char *name);
int qcow2_snapshot_delete(BlockDriverState *bs, const char *name);
int qcow2_read_snapshots(BlockDriverState *bs, char *err, size_t errlen);
/* Bytes of VM state of sn (the v3 64-bit field when present). */
static inline uint64_t qcow2_snapshot_vm_state_size(const Qcow2Snapshot *sn)
{
    return sn->extra_size >= 8 ? ld_be64(sn->extra) : sn->vm_state_size;
}

/* The snapshot with this name (or id), or NULL. */
const Qcow2Snapshot *qcow2_snapshot_find(BlockDriverState *bs, const char *name);

/*
 * VM state in internal snapshots, laid out as QEMU does: the state is
 * written into the active image's guest address space past the disk, at
 * qcow2_vmstate_offset() (the disk size rounded up to what one L1 entry
 * maps), so the snapshot's L1 copy takes it along; afterwards the active
 * image lets go of it (qcow2_drop_vmstate).  Offsets and lengths in bytes.
 */
uint64_t qcow2_vmstate_offset(BlockDriverState *bs);
/* Write len bytes of VM state at pos (growing the L1 table as needed). */
int qcow2_save_vmstate(BlockDriverState *bs, uint64_t pos, const void *buf, size_t len);
/* Unlink the VM state area from the active L1, then drop its refcounts (a crash: leaks). */
int qcow2_drop_vmstate(BlockDriverState *bs);
/*
 * Read len bytes of snapshot sn's VM state at pos straight through its
 * own L1 table (the active image is not touched), clusters that follow
 * each other in the file in one read.  -EINVAL past vm_state_size or on
 * a bad table entry.
 */
int qcow2_load_vmstate(BlockDriverState *bs, const Qcow2Snapshot *sn, uint64_t pos, void *buf,
                       size_t len);
/*
 * Create snapshot `name` of the active image with vm_state_size bytes of
 * VM state already written by qcow2_save_vmstate (0: disk only) and the
 * guest's virtual clock (ns).  With replace, an existing snapshot of that
 * name leaves the table in the same table write that adds the new one.
 * The table write is the commit point: a crash before it leaves only
 * leaked clusters, after it the complete snapshot.
 */
int qcow2_snapshot_create_vm(BlockDriverState *bs, const char *name, uint64_t vm_state_size,
                             uint64_t vm_clock_ns, bool replace);
void qcow2_free_snapshots(Qcow2State *s);

#endif /* VM_BLOCK_QCOW2_H */
