/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qcow2 format driver, versions 2 and 3 (QEMU docs/interop/qcow2.txt):
 * probing, open with validation of every header field, header extension
 * and table entry before use (an image that lies is refused with
 * -EINVAL and one line, never a crash or a stray write), header
 * write-back that keeps unknown extensions, create, flush and resize.
 * Mapping and I/O live in qcow2-cluster.c, refcounts in qcow2-refcount.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/osdep.h"

#define QCOW2_ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    /* The magic alone decides, so that a bad version is reported rather than read as raw. */
    if (len >= 4 && ld_be32(buf) == QCOW2_MAGIC) {
        return 100;
    }
    return 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

bool qcow2_overlaps_metadata(Qcow2State *s, uint64_t off, uint64_t len)
{
    return ranges_overlap(off, len, 0, s->cluster_size) ||
           ranges_overlap(off, len, s->l1_table_offset, (uint64_t)s->l1_size * 8) ||
           ranges_overlap(off, len, s->refcount_table_offset,
                          (uint64_t)s->refcount_table_clusters << s->cluster_bits) ||
           ranges_overlap(off, len, s->snapshots_offset, s->snapshots_size);
}

/* ---- metadata overlap check ---- */

static const char *const qcow2_meta_names[] = {
    [QCOW2_META_HEADER] = "header",
    [QCOW2_META_ACTIVE_L1] = "active L1 table",
    [QCOW2_META_ACTIVE_L2] = "active L2 table",
    [QCOW2_META_REFCOUNT_TABLE] = "refcount table",
    [QCOW2_META_REFCOUNT_BLOCK] = "refcount block",
    [QCOW2_META_SNAPSHOT_TABLE] = "snapshot table",
    [QCOW2_META_INACTIVE_L1] = "inactive L1 table",
};

static int meta_push(Qcow2State *s, uint64_t off, uint64_t bytes, unsigned type)
{
    uint64_t first = off >> s->cluster_bits;
    uint64_t last = (off + bytes - 1) >> s->cluster_bits;

    if (!bytes) {
        return 0;
    }
    for (uint64_t i = first; i <= last; i++) {
        if (s->nb_meta == s->meta_cap) {
            size_t cap = s->meta_cap ? s->meta_cap * 2 : 64;
            uint64_t *m = realloc(s->meta, cap * sizeof(*m));
            if (!m) {
                return -ENOMEM;
            }
            s->meta = m;
            s->meta_cap = cap;
        }
        s->meta[s->nb_meta++] = i << QCOW2_META_TYPE_BITS | type;
    }
    return 0;
}

static int meta_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Collect every metadata cluster from the in-memory tables (all validated at open). */
static int qcow2_meta_rebuild(Qcow2State *s)
{
    size_t n = 0;
    int ret;

    s->nb_meta = 0;
    ret = meta_push(s, 0, s->cluster_size, QCOW2_META_HEADER);
    if (ret == 0) {
        ret = meta_push(s, s->l1_table_offset, (uint64_t)s->l1_size * 8, QCOW2_META_ACTIVE_L1);
    }
    for (uint32_t i = 0; ret == 0 && i < s->l1_size; i++) {
        uint64_t off = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        if (off) {
            ret = meta_push(s, off, s->cluster_size, QCOW2_META_ACTIVE_L2);
        }
    }
    if (ret == 0) {
        ret = meta_push(s, s->refcount_table_offset,
                        (uint64_t)s->refcount_table_clusters << s->cluster_bits,
                        QCOW2_META_REFCOUNT_TABLE);
    }
    for (uint64_t i = 0; ret == 0 && i < s->refcount_table_size; i++) {
        uint64_t off = s->refcount_table[i] & QCOW2_RT_OFFSET_MASK;
        if (off) {
            ret = meta_push(s, off, s->cluster_size, QCOW2_META_REFCOUNT_BLOCK);
        }
    }
    if (ret == 0 && s->nb_snapshots) {
        ret = meta_push(s, s->snapshots_offset, s->snapshots_size, QCOW2_META_SNAPSHOT_TABLE);
    }
    for (uint32_t i = 0; ret == 0 && s->snapshots && i < s->nb_snapshots; i++) {
        ret = meta_push(s, s->snapshots[i].l1_table_offset, (uint64_t)s->snapshots[i].l1_size * 8,
                        QCOW2_META_INACTIVE_L1);
    }
    if (ret < 0) {
        s->nb_meta = 0;
        return ret;
    }
    qsort(s->meta, s->nb_meta, sizeof(*s->meta), meta_cmp);
    for (size_t i = 0; i < s->nb_meta; i++) {
        if (!n || s->meta[i] != s->meta[n - 1]) {
            s->meta[n++] = s->meta[i];
        }
    }
    s->nb_meta = n;
    s->meta_valid = true;
    s->meta_nb_snapshots = s->nb_snapshots;
    s->meta_snapshots_offset = s->snapshots_offset;
    return 0;
}

/* Index of the first key at or above `key`. */
static size_t meta_lower_bound(const Qcow2State *s, uint64_t key)
{
    size_t lo = 0, hi = s->nb_meta;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->meta[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int qcow2_meta_find(Qcow2State *s, uint64_t first, uint64_t last, uint64_t *key)
{
    size_t i;

    if (!s->meta_valid || s->meta_nb_snapshots != s->nb_snapshots ||
        s->meta_snapshots_offset != s->snapshots_offset) {
        int ret = qcow2_meta_rebuild(s);
        if (ret < 0) {
            return ret;
        }
    }
    i = meta_lower_bound(s, first << QCOW2_META_TYPE_BITS);
    if (i < s->nb_meta && s->meta[i] >> QCOW2_META_TYPE_BITS <= last) {
        *key = s->meta[i];
        return 1;
    }
    return 0;
}

void qcow2_meta_add(Qcow2State *s, uint64_t off, uint64_t n, unsigned type)
{
    for (uint64_t c = 0; s->meta_valid && c < n; c++) {
        uint64_t key = ((off >> s->cluster_bits) + c) << QCOW2_META_TYPE_BITS | type;
        size_t i = meta_lower_bound(s, key);

        if (i < s->nb_meta && s->meta[i] == key) {
            continue;
        }
        if (s->nb_meta == s->meta_cap) {
            size_t cap = s->meta_cap ? s->meta_cap * 2 : 64;
            uint64_t *m = realloc(s->meta, cap * sizeof(*m));
            if (!m) {
                s->meta_valid = false;   /* rebuilt (or -ENOMEM) at the next check */
                return;
            }
            s->meta = m;
            s->meta_cap = cap;
        }
        /* New tables usually go at the end of the file: the move is short. */
        memmove(s->meta + i + 1, s->meta + i, (s->nb_meta - i) * sizeof(*s->meta));
        s->meta[i] = key;
        s->nb_meta++;
    }
}

int qcow2_signal_corruption(BlockDriverState *bs, uint64_t off, uint64_t key)
{
    Qcow2State *s = bs->opaque;
    unsigned type = (unsigned)(key & ((1u << QCOW2_META_TYPE_BITS) - 1));
    uint64_t at = (key >> QCOW2_META_TYPE_BITS) << s->cluster_bits;
    bool first = !s->corrupt;
    int ret = 0;

    /* Multi-cluster tables are named by where they start. */
    if (type == QCOW2_META_ACTIVE_L1) {
        at = s->l1_table_offset;
    } else if (type == QCOW2_META_REFCOUNT_TABLE) {
        at = s->refcount_table_offset;
    } else if (type == QCOW2_META_SNAPSHOT_TABLE) {
        at = s->snapshots_offset;
    }
    s->corrupt = true;
    if (s->version >= 3 && !(s->incompat & QCOW2_INCOMPAT_CORRUPT)) {
        ret = qcow2_write_incompat(bs, s->incompat | QCOW2_INCOMPAT_CORRUPT);
    }
    if (first) {
        fprintf(stderr, "qcow2: %s: preventing write at host offset 0x%" PRIx64 ": overlaps the "
                "%s at 0x%" PRIx64 "; %s\n", bs->filename, off, qcow2_meta_names[type], at,
                s->version < 3 ? "writes refused (a v2 image has no corrupt bit)"
                : ret < 0      ? "marking the image corrupt failed, writes refused"
                               : "image marked corrupt");
    }
    return -EIO;
}

int qcow2_pre_write_check(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t key;
    int ret;

    if (s->corrupt) {
        return -EIO;
    }
    if (!len) {
        return 0;
    }
    ret = qcow2_meta_find(s, off >> s->cluster_bits, (off + len - 1) >> s->cluster_bits, &key);
    if (ret <= 0) {
        return ret;
    }
    return qcow2_signal_corruption(bs, off, key);
}

/*
 * Every metadata cluster must have a refcount: one that reads 0 would be
 * handed out by the allocator and overwritten.  Checked on a read-write
 * open (only clusters the tables in memory name, so reading at most the
 * refcount blocks that cover them; data clusters: qcow2_check_data_refcounts).
 */
static int qcow2_check_meta_refcounts(BlockDriverState *bs, char *err, size_t errlen)
{
    Qcow2State *s = bs->opaque;
    uint64_t key, rc;
    int ret = qcow2_meta_find(s, 0, 0, &key);   /* builds the set */

    if (ret < 0) {
        return ret;
    }
    for (size_t i = 0; i < s->nb_meta; i++) {
        uint64_t idx = s->meta[i] >> QCOW2_META_TYPE_BITS;
        unsigned type = (unsigned)(s->meta[i] & ((1u << QCOW2_META_TYPE_BITS) - 1));
        if (i && idx == s->meta[i - 1] >> QCOW2_META_TYPE_BITS) {
            continue;
        }
        ret = qcow2_get_refcount(bs, idx, &rc);
        if (ret < 0) {
            return QCOW2_ERR("could not read refcounts: %s", strerror(-ret));
        }
        if (rc == 0) {
            return QCOW2_ERR("the %s cluster at 0x%" PRIx64 " has refcount 0: refcounts are "
                             "inconsistent; open it read-only or repair it (vm-img check -r all)",
                             qcow2_meta_names[type], idx << s->cluster_bits);
        }
    }
    return 0;
}

/* Host clusters the active L2 tables use, for qcow2_check_data_refcounts. */
typedef struct Qcow2DataRefs {
    uint64_t *used;                  /* bitmap, one bit per host cluster below n */
    uint64_t n;                      /* host clusters the file holds */
    bool find;                       /* look for the entry that uses cluster `want` */
    uint64_t want;                   /* host cluster index with refcount 0 */
    uint64_t guest, entry;           /* found: guest offset (bytes), L2 entry (host order) */
} Qcow2DataRefs;

/*
 * One L2 entry of the active image: mark the host clusters it uses, or
 * (find) return 1 if it uses r->want, with r->guest and r->entry set.
 * Clusters past the end of the file are skipped: every use of such an
 * entry is refused (qcow2_check_l2_entry) and `vm-img check` reports it.
 */
static int qcow2_data_ref(BlockDriverState *bs, Qcow2DataRefs *r, uint64_t guest, uint64_t e)
{
    Qcow2State *s = bs->opaque;
    uint64_t first, last;

    if (e & QCOW2_OFLAG_COMPRESSED) {
        /* The sectors the descriptor names, as check_l1 counts them. */
        uint32_t x = 62 - (s->cluster_bits - 8);
        uint64_t coff = (e & ((1ull << x) - 1)) & ~511ull;
        uint64_t nsec = ((e >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
        first = coff >> s->cluster_bits;
        last = (coff + nsec * 512 - 1) >> s->cluster_bits;
    } else {
        /* Zero clusters keep a host cluster too (and free it when rewritten). */
        uint64_t host = e & QCOW2_L2E_OFFSET_MASK;
        if (!host || (host & (s->cluster_size - 1))) {
            return 0;   /* unallocated, or unaligned (refused on use; check reports it) */
        }
        first = last = host >> s->cluster_bits;
    }
    if (r->find) {
        if (r->want < first || r->want > last) {
            return 0;
        }
        r->guest = guest;
        r->entry = e;
        return 1;
    }
    for (uint64_t c = first; c <= last && c < r->n; c++) {
        r->used[c / 64] |= 1ull << (c % 64);
    }
    return 0;
}

/*
 * Every entry of every active L2 table through qcow2_data_ref, each table
 * read once into s->cluster_buf.  Not through the L2 cache: filling its 16
 * slots (1 MiB to fault in) made the check 5x dearer on a 12 GiB image, and
 * the cache is write-through, so the file is as current as the cache.
 */
static int qcow2_walk_active_l2(BlockDriverState *bs, Qcow2DataRefs *r)
{
    Qcow2State *s = bs->opaque;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_off = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        const uint64_t *l2;
        int ret;

        if (!l2_off) {
            continue;
        }
        ret = bdrv_pread(bs->fd, l2_off, s->cluster_buf, s->cluster_size);
        if (ret < 0) {
            return ret;
        }
        l2 = (const uint64_t *)s->cluster_buf;
        for (uint32_t j = 0; j < s->l2_size; j++) {
            uint64_t guest = ((uint64_t)i << (s->cluster_bits + s->l2_bits)) |
                             ((uint64_t)j << s->cluster_bits);
            ret = qcow2_data_ref(bs, r, guest, __builtin_bswap64(l2[j]));
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

/*
 * Every host cluster the active L2 tables use for data must have a
 * refcount, as metadata must (qcow2_check_meta_refcounts): one that reads
 * 0 would be allocated again and the guest's data overwritten.  Checked
 * on a read-write open.  Each active L2 table and each refcount block is
 * read once; the clusters in use are gathered in a bitmap (one bit per
 * host cluster: 2 MiB per TiB of file with 64 KiB clusters) first, so
 * that a fragmented image does not thrash the refcount block cache.
 * Snapshots' L2 tables are left to `vm-img check`: their clusters are
 * shared with, or were copied from, clusters that once had a refcount.
 */
static int qcow2_check_data_refcounts(BlockDriverState *bs, char *err, size_t errlen)
{
    Qcow2State *s = bs->opaque;
    Qcow2DataRefs r = { .n = (s->file_size + s->cluster_size - 1) >> s->cluster_bits };
    int ret;

    r.used = calloc((r.n + 63) / 64 ? (r.n + 63) / 64 : 1, sizeof(*r.used));
    if (!r.used) {
        return -ENOMEM;
    }
    ret = qcow2_walk_active_l2(bs, &r);
    if (ret == 0) {
        ret = qcow2_find_zero_refcount(bs, r.used, r.n, &r.want);
    }
    if (ret == 1) {
        /* Rare: walk again to name the guest offset that uses it. */
        r.find = true;
        ret = qcow2_walk_active_l2(bs, &r);
        ret = ret == 0 ? -EIO : ret;   /* the file changed under us */
    }
    free(r.used);
    if (ret < 0) {
        return QCOW2_ERR("could not check the refcounts of data clusters: %s", strerror(-ret));
    }
    if (ret == 0) {
        return 0;
    }
    if (r.entry & QCOW2_OFLAG_COMPRESSED) {
        return QCOW2_ERR("the host cluster at 0x%" PRIx64 " holding compressed data (guest "
                         "offset 0x%" PRIx64 ") has refcount 0: refcounts are inconsistent; "
                         "open it read-only or repair it (vm-img check -r all)",
                         r.want << s->cluster_bits, r.guest);
    }
    return QCOW2_ERR("the data cluster at 0x%" PRIx64 " (guest offset 0x%" PRIx64 ") has "
                     "refcount 0: refcounts are inconsistent; open it read-only or repair it "
                     "(vm-img check -r all)", r.want << s->cluster_bits, r.guest);
}

/* Name an incompatible feature bit from the image's feature table, else from the spec. */
static const char *qcow2_incompat_name(Qcow2State *s, int bit, char *buf, size_t len)
{
    static const char *const known[] = {
        "dirty bit", "corrupt bit", "external data file", "compression type", "extended L2 entries",
    };

    for (uint32_t i = 0; i < s->nb_exts; i++) {
        Qcow2Extension *e = &s->exts[i];
        if (e->type != QCOW2_EXT_FEATURE_TABLE) {
            continue;
        }
        for (uint32_t j = 0; j + 48 <= e->len; j += 48) {
            if (e->data[j] == 0 && e->data[j + 1] == bit) {
                snprintf(buf, len, "%.46s", (const char *)e->data + j + 2);
                return buf;
            }
        }
    }
    return bit < (int)ARRAY_SIZE(known) ? known[bit] : "unknown feature";
}

static void qcow2_free_state(Qcow2State *s)
{
    qcow2_refcount_close(s);
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        free(s->l2_cache[i].data);
        s->l2_cache[i].data = NULL;
        s->l2_cache[i].offset = 0;
    }
    for (uint32_t i = 0; i < s->nb_exts; i++) {
        free(s->exts[i].data);
    }
    free(s->exts);
    s->exts = NULL;
    s->nb_exts = 0;
    qcow2_free_snapshots(s);
    free(s->l1_table);
    free(s->refcount_table);
    free(s->header_raw);
    free(s->cluster_buf);
    free(s->compressed_buf);
    free(s->decomp_buf);
    free(s->meta);
    s->meta = NULL;
    s->nb_meta = s->meta_cap = 0;
    s->meta_valid = false;
    s->l1_table = NULL;
    s->refcount_table = NULL;
    s->header_raw = NULL;
    s->cluster_buf = s->compressed_buf = s->decomp_buf = NULL;
}

/* Parse the header extensions in cluster 0 from `start` up to `end` (spec "Header extensions"). */
static int qcow2_read_extensions(BlockDriverState *bs, const uint8_t *c0, uint64_t start,
                                 uint64_t end, char *err, size_t errlen)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = start;

    for (;;) {
        uint32_t type, len;

        if (off + 8 > end) {
            return QCOW2_ERR("header extensions run past the end of the header cluster");
        }
        type = ld_be32(c0 + off);
        len = ld_be32(c0 + off + 4);
        off += 8;
        if (type == QCOW2_EXT_END) {
            return 0;
        }
        if (len > end - off) {
            return QCOW2_ERR("header extension 0x%08x of %u bytes runs past the header cluster",
                             type, len);
        }
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (len == 0 || len > 64 || memchr(c0 + off, 0, len)) {
                return QCOW2_ERR("invalid backing format extension (%u bytes)", len);
            }
            free(bs->backing_format);
            bs->backing_format = strndup((const char *)c0 + off, len);
        }
        Qcow2Extension *n = realloc(s->exts, (s->nb_exts + 1) * sizeof(*n));
        if (!n) {
            return -ENOMEM;
        }
        s->exts = n;
        n[s->nb_exts].type = type;
        n[s->nb_exts].len = len;
        n[s->nb_exts].data = malloc(len ? len : 1);
        if (!n[s->nb_exts].data) {
            return -ENOMEM;
        }
        memcpy(n[s->nb_exts].data, c0 + off, len);
        s->nb_exts++;
        off += (len + 7ull) & ~7ull;
    }
}

/* Read and validate a table of `n` big-endian u64 at `off` into host order. */
static int qcow2_load_table(int fd, uint64_t off, uint64_t n, uint64_t **out)
{
    uint64_t *t = calloc(n ? n : 1, 8);
    int ret;

    if (!t) {
        return -ENOMEM;
    }
    ret = bdrv_pread(fd, off, t, n * 8);
    if (ret < 0) {
        free(t);
        return ret;
    }
    for (uint64_t i = 0; i < n; i++) {
        t[i] = __builtin_bswap64(t[i]);
    }
    *out = t;
    return 0;
}

/*
 * The image was left dirty (spec: incompatible bit 0, "refcounts may be
 * inconsistent"): before anything allocates, rebuild the refcounts from
 * the tables (QEMU does the same on a read-write open), which clears the
 * bit.  One line on stderr says what was repaired.
 */
static int qcow2_repair_dirty(BlockDriverState *bs, char *err, size_t errlen)
{
    Qcow2CheckResult r;
    int ret = qcow2_check(bs, QCOW2_CHECK_REPAIR_ALL | QCOW2_CHECK_QUIET, &r);

    if (ret < 0) {
        return QCOW2_ERR("image was not closed cleanly and rebuilding its refcounts failed: %s",
                         strerror(-ret));
    }
    if (r.corruptions) {
        return QCOW2_ERR("image was not closed cleanly and %" PRIu64 " errors remain after "
                         "rebuilding its refcounts; open it read-only", r.corruptions);
    }
    fprintf(stderr, "qcow2: '%s' was not closed cleanly: refcounts rebuilt (%" PRIu64
            " errors and %" PRIu64 " leaked clusters repaired)\n", bs->filename,
            r.corruptions_fixed, r.leaks_fixed);
    return 0;
}

static int qcow2_do_open(BlockDriverState *bs, int flags, char *err, size_t errlen)
{
    Qcow2State *s = bs->opaque;
    uint8_t h[QCOW2_V3_HEADER_SIZE + 8];
    uint8_t *c0 = NULL;
    struct stat st;
    uint64_t size, l1_needed, ext_end;
    uint32_t crypt;
    char name[64];
    int ret;

    if (fstat(bs->fd, &st) < 0) {
        return QCOW2_ERR("could not stat image: %s", strerror(errno));
    }
    s->file_size = (uint64_t)st.st_size;
    if (s->file_size < QCOW2_V2_HEADER_SIZE) {
        return QCOW2_ERR("image is too short for a qcow2 header (%" PRIu64 " bytes)",
                         s->file_size);
    }
    ret = bdrv_pread(bs->fd, 0, h, sizeof(h));
    if (ret < 0) {
        return QCOW2_ERR("could not read header: %s", strerror(-ret));
    }
    if (ld_be32(h) != QCOW2_MAGIC) {
        return QCOW2_ERR("not a qcow2 image (bad magic)");
    }
    s->version = ld_be32(h + 4);
    if (s->version != 2 && s->version != 3) {
        return QCOW2_ERR("unsupported qcow2 version %u", s->version);
    }
    s->cluster_bits = ld_be32(h + 20);
    if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS || s->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        return QCOW2_ERR("cluster_bits %u out of range %d..%d", s->cluster_bits,
                         QCOW2_MIN_CLUSTER_BITS, QCOW2_MAX_CLUSTER_BITS);
    }
    s->cluster_size = 1u << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->l2_size = 1u << s->l2_bits;
    if (s->version == 2) {
        s->header_length = QCOW2_V2_HEADER_SIZE;
        s->refcount_order = 4;
    } else {
        s->incompat = ld_be64(h + 72);
        s->compat = ld_be64(h + 80);
        s->autoclear = ld_be64(h + 88);
        s->refcount_order = ld_be32(h + 96);
        s->header_length = ld_be32(h + 100);
        if (s->header_length < QCOW2_V3_HEADER_SIZE || (s->header_length & 7) ||
            s->header_length > s->cluster_size) {
            return QCOW2_ERR("invalid header_length %u", s->header_length);
        }
        if (s->refcount_order > 6) {
            return QCOW2_ERR("refcount_order %u out of range 0..6", s->refcount_order);
        }
    }
    if (s->file_size < s->header_length) {
        return QCOW2_ERR("image is too short for its %u-byte header", s->header_length);
    }
    c0 = malloc(s->cluster_size);
    if (!c0) {
        return -ENOMEM;
    }
    ret = bdrv_pread(bs->fd, 0, c0, s->cluster_size);
    if (ret < 0) {
        free(c0);
        return QCOW2_ERR("could not read header: %s", strerror(-ret));
    }
    s->header_raw = malloc(s->header_length);
    if (!s->header_raw) {
        free(c0);
        return -ENOMEM;
    }
    memcpy(s->header_raw, c0, s->header_length);
    if (s->header_length > QCOW2_V3_HEADER_SIZE) {
        s->compression_type = c0[104];
    }

    /* Extensions end where the backing file name starts, or at the end of cluster 0. */
    s->backing_file_offset = ld_be64(c0 + 8);
    s->backing_file_size = ld_be32(c0 + 16);
    ext_end = s->cluster_size;
    if (s->backing_file_offset) {
        if (s->backing_file_size == 0 || s->backing_file_size > QCOW2_MAX_BACKING_NAME ||
            s->backing_file_offset < s->header_length ||
            s->backing_file_offset > s->cluster_size - s->backing_file_size ||
            s->backing_file_offset + s->backing_file_size > s->file_size) {
            free(c0);
            return QCOW2_ERR("backing file name (offset %" PRIu64 ", %u bytes) outside the "
                             "header cluster", s->backing_file_offset, s->backing_file_size);
        }
        if (memchr(c0 + s->backing_file_offset, 0, s->backing_file_size)) {
            free(c0);
            return QCOW2_ERR("backing file name contains a NUL byte");
        }
        ext_end = s->backing_file_offset;
    }
    if (s->header_length + 8 <= ext_end) {
        /* v2 may carry extensions too (backing format); an absent list reads as zeros. */
        ret = qcow2_read_extensions(bs, c0, s->header_length, ext_end, err, errlen);
        if (ret < 0) {
            free(c0);
            return ret;
        }
    }
    if (s->backing_file_offset) {
        bs->backing_file = strndup((const char *)c0 + s->backing_file_offset,
                                   s->backing_file_size);
    }
    free(c0);

    /* Feature bits: refuse what we do not implement, naming the bit. */
    for (int bit = 0; bit < 64; bit++) {
        uint64_t m = 1ull << bit;
        if (!(s->incompat & m)) {
            continue;
        }
        if (m == QCOW2_INCOMPAT_DIRTY) {
            continue;   /* refcounts rebuilt below when opened read-write */
        }
        if (m == QCOW2_INCOMPAT_CORRUPT) {
            if ((flags & BDRV_O_RDWR) && !(flags & BDRV_O_CHECK)) {
                return QCOW2_ERR("image has incompatible feature bit %d (%s) set; open it "
                                 "read-only or repair it (vm-img check -r all)", bit,
                                 qcow2_incompat_name(s, bit, name, sizeof(name)));
            }
            continue;
        }
        return QCOW2_ERR("unsupported incompatible feature bit %d (%s)", bit,
                         qcow2_incompat_name(s, bit, name, sizeof(name)));
    }
    if (s->compression_type != 0) {
        return QCOW2_ERR("compression_type %u without its incompatible feature bit",
                         s->compression_type);
    }
    crypt = ld_be32(h + 32);
    if (crypt != 0) {
        return QCOW2_ERR("encrypted images are not supported (crypt_method %u)", crypt);
    }

    /* Virtual size against the L1 table. */
    size = ld_be64(h + 24);
    s->l1_size = ld_be32(h + 36);
    s->l1_table_offset = ld_be64(h + 40);
    if (size > (1ull << 56)) {
        return QCOW2_ERR("virtual size %" PRIu64 " is too large", size);
    }
    if ((uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return QCOW2_ERR("L1 table of %u entries is too large", s->l1_size);
    }
    l1_needed = (size + ((uint64_t)s->cluster_size << s->l2_bits) - 1) >>
                (s->cluster_bits + s->l2_bits);
    if (s->l1_size < l1_needed) {
        return QCOW2_ERR("L1 table of %u entries is too small for a virtual size of %" PRIu64
                         " bytes", s->l1_size, size);
    }
    if (s->l1_size) {
        if (s->l1_table_offset & (s->cluster_size - 1)) {
            return QCOW2_ERR("L1 table offset 0x%" PRIx64 " is not cluster-aligned",
                             s->l1_table_offset);
        }
        if (s->l1_table_offset == 0 || s->l1_table_offset > s->file_size ||
            (uint64_t)s->l1_size * 8 > s->file_size - s->l1_table_offset) {
            return QCOW2_ERR("L1 table (offset 0x%" PRIx64 ", %u entries) is past the end of "
                             "the file", s->l1_table_offset, s->l1_size);
        }
    }

    /* Refcount table. */
    s->refcount_table_offset = ld_be64(h + 48);
    s->refcount_table_clusters = ld_be32(h + 56);
    if (s->refcount_table_clusters == 0 ||
        (uint64_t)s->refcount_table_clusters << s->cluster_bits > QCOW2_MAX_RT_BYTES) {
        return QCOW2_ERR("refcount table of %u clusters is out of range",
                         s->refcount_table_clusters);
    }
    if (s->refcount_table_offset & (s->cluster_size - 1)) {
        return QCOW2_ERR("refcount table offset 0x%" PRIx64 " is not cluster-aligned",
                         s->refcount_table_offset);
    }
    if (s->refcount_table_offset == 0 || s->refcount_table_offset >= s->file_size ||
        ((uint64_t)s->refcount_table_clusters << s->cluster_bits) >
            s->file_size - s->refcount_table_offset) {
        return QCOW2_ERR("refcount table (offset 0x%" PRIx64 ", %u clusters) is past the end "
                         "of the file", s->refcount_table_offset, s->refcount_table_clusters);
    }
    if (ranges_overlap(s->l1_table_offset, (uint64_t)s->l1_size * 8, s->refcount_table_offset,
                       (uint64_t)s->refcount_table_clusters << s->cluster_bits)) {
        return QCOW2_ERR("L1 table and refcount table overlap");
    }
    s->refcount_table_size = ((uint64_t)s->refcount_table_clusters << s->cluster_bits) / 8;
    s->refcount_block_bits = s->cluster_bits + 3 - s->refcount_order;
    s->refcount_max = s->refcount_order == 6 ? UINT64_MAX
                                              : (1ull << (1u << s->refcount_order)) - 1;

    /* Snapshot table position (entries are checked by qcow2_read_snapshots). */
    s->nb_snapshots = ld_be32(h + 60);
    s->snapshots_offset = ld_be64(h + 64);
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        return QCOW2_ERR("%u snapshots is too many", s->nb_snapshots);
    }
    if (s->nb_snapshots && ((s->snapshots_offset & (s->cluster_size - 1)) ||
                            s->snapshots_offset == 0 || s->snapshots_offset >= s->file_size)) {
        return QCOW2_ERR("snapshot table offset 0x%" PRIx64 " is invalid", s->snapshots_offset);
    }

    /* Tables, each entry checked before anything uses it. */
    ret = qcow2_load_table(bs->fd, s->l1_table_offset, s->l1_size, &s->l1_table);
    if (ret < 0) {
        return QCOW2_ERR("could not read L1 table: %s", strerror(-ret));
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t off = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        if (!off) {
            continue;
        }
        if ((off & (s->cluster_size - 1)) || off > s->file_size - s->cluster_size ||
            s->file_size < s->cluster_size) {
            return QCOW2_ERR("L1 entry %u points to an L2 table at 0x%" PRIx64
                             " that is unaligned or past the end of the file", i, off);
        }
        if (qcow2_overlaps_metadata(s, off, s->cluster_size)) {
            return QCOW2_ERR("L1 entry %u points into image metadata (0x%" PRIx64 ")", i, off);
        }
    }
    ret = qcow2_load_table(bs->fd, s->refcount_table_offset, s->refcount_table_size,
                           &s->refcount_table);
    if (ret < 0) {
        return QCOW2_ERR("could not read refcount table: %s", strerror(-ret));
    }
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t off = s->refcount_table[i] & QCOW2_RT_OFFSET_MASK;
        if (!off) {
            continue;
        }
        if ((off & (s->cluster_size - 1)) || off >= s->file_size) {
            return QCOW2_ERR("refcount table entry %" PRIu64 " (0x%" PRIx64 ") is unaligned or "
                             "past the end of the file", i, off);
        }
        if (qcow2_overlaps_metadata(s, off, s->cluster_size)) {
            return QCOW2_ERR("refcount block %" PRIu64 " overlaps other metadata", i);
        }
    }
    ret = qcow2_read_snapshots(bs, err, errlen);
    if (ret < 0) {
        return ret;
    }

    s->cluster_buf = malloc(s->cluster_size);
    s->decomp_buf = malloc(s->cluster_size);
    s->compressed_buf = malloc(2 * (size_t)s->cluster_size);
    if (!s->cluster_buf || !s->decomp_buf || !s->compressed_buf) {
        return -ENOMEM;
    }
    bs->size = size;
    if ((flags & BDRV_O_RDWR) && !(flags & BDRV_O_CHECK)) {
        if (s->incompat & QCOW2_INCOMPAT_DIRTY) {
            ret = qcow2_repair_dirty(bs, err, errlen);
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_check_meta_refcounts(bs, err, errlen);
        if (ret < 0) {
            return ret;
        }
        return qcow2_check_data_refcounts(bs, err, errlen);
    }
    return 0;
}

static void qcow2_close(BlockDriverState *bs)
{
    qcow2_free_state(bs->opaque);
}

static int qcow2_open(BlockDriverState *bs, int flags, char *err, size_t errlen)
{
    int ret = qcow2_do_open(bs, flags, err, errlen);

    if (ret < 0) {
        if (ret == -ENOMEM) {
            snprintf(err, errlen, "out of memory");
        }
        qcow2_free_state(bs->opaque);
        free(bs->backing_file);
        free(bs->backing_format);
        bs->backing_file = bs->backing_format = NULL;
    }
    return ret;
}

int qcow2_update_header(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t *c0 = calloc(1, s->cluster_size);
    uint64_t off;
    int ret;

    if (s->corrupt) {
        free(c0);
        return -EIO;
    }
    if (!c0) {
        return -ENOMEM;
    }
    memcpy(c0, s->header_raw, s->header_length);
    st_be32(c0, QCOW2_MAGIC);
    st_be32(c0 + 4, s->version);
    st_be32(c0 + 20, s->cluster_bits);
    st_be64(c0 + 24, bs->size);
    st_be32(c0 + 36, s->l1_size);
    st_be64(c0 + 40, s->l1_table_offset);
    st_be64(c0 + 48, s->refcount_table_offset);
    st_be32(c0 + 56, s->refcount_table_clusters);
    st_be32(c0 + 60, s->nb_snapshots);
    st_be64(c0 + 64, s->snapshots_offset);
    if (s->version >= 3) {
        st_be64(c0 + 72, s->incompat);
        st_be64(c0 + 80, s->compat);
        st_be64(c0 + 88, s->autoclear);
        st_be32(c0 + 96, s->refcount_order);
        st_be32(c0 + 100, s->header_length);
    }
    off = s->header_length;
    for (uint32_t i = 0; i < s->nb_exts; i++) {
        uint64_t padded = (s->exts[i].len + 7ull) & ~7ull;
        if (off + 8 + padded + 8 > s->cluster_size) {
            free(c0);
            return -EFBIG;
        }
        st_be32(c0 + off, s->exts[i].type);
        st_be32(c0 + off + 4, s->exts[i].len);
        memcpy(c0 + off + 8, s->exts[i].data, s->exts[i].len);
        off += 8 + padded;
    }
    if (s->nb_exts || s->version >= 3) {
        off += 8; /* end-of-extensions marker, already zero */
    }
    if (bs->backing_file) {
        size_t n = strlen(bs->backing_file);
        if (off + n > s->cluster_size) {
            free(c0);
            return -EFBIG;
        }
        memcpy(c0 + off, bs->backing_file, n);
        st_be64(c0 + 8, off);
        st_be32(c0 + 16, (uint32_t)n);
        s->backing_file_offset = off;
        s->backing_file_size = (uint32_t)n;
        off += n;
    } else {
        st_be64(c0 + 8, 0);
        st_be32(c0 + 16, 0);
    }
    ret = bdrv_pwrite(bs->fd, 0, c0, off);
    memcpy(s->header_raw, c0, s->header_length);
    free(c0);
    return ret;
}

int qcow2_write_incompat(BlockDriverState *bs, uint64_t incompat)
{
    Qcow2State *s = bs->opaque;
    uint8_t be[8];
    int ret;

    if (s->version < 3) {
        return -ENOTSUP;
    }
    st_be64(be, incompat);
    ret = bdrv_pwrite(bs->fd, 72, be, 8);
    if (ret == 0) {
        ret = fdatasync(bs->fd) < 0 ? -errno : 0;
    }
    if (ret == 0) {
        s->incompat = incompat;
        memcpy(s->header_raw + 72, be, 8);
    }
    return ret;
}

static int qcow2_flush(BlockDriverState *bs)
{
    return fsync(bs->fd) < 0 ? -errno : 0;
}

static int qcow2_discard(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t start = (offset + s->cluster_size - 1) & ~(uint64_t)(s->cluster_size - 1);
    uint64_t end = (offset + len) & ~(uint64_t)(s->cluster_size - 1);

    if (offset + len == bs->size) {
        end = offset + len;
    }
    /* Only whole clusters, and only where the result reads as zeros (a hint anyway). */
    if (end <= start || (s->version < 3 && bs->backing)) {
        return 0;
    }
    return qcow2_write_zeroes(bs, start, end - start);
}

int qcow2_truncate(BlockDriverState *bs, uint64_t size)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1_needed;
    uint8_t be[8];
    int ret;

    if (s->corrupt) {
        return -EIO;
    }
    if (size < bs->size) {
        return -ENOTSUP;
    }
    if (size > (1ull << 56)) {
        return -EFBIG;
    }
    l1_needed = (size + ((uint64_t)s->cluster_size << s->l2_bits) - 1) >>
                (s->cluster_bits + s->l2_bits);
    if (l1_needed > s->l1_size) {
        ret = qcow2_grow_l1(bs, l1_needed);
        if (ret < 0) {
            return ret;
        }
    }
    st_be64(be, size);
    ret = bdrv_pwrite(bs->fd, 24, be, 8);
    if (ret == 0) {
        bs->size = size;
    }
    return ret;
}

/*
 * A new image: header in cluster 0, a one-cluster refcount table in
 * cluster 1 and its first refcount block in cluster 2 (16-bit refcounts,
 * clusters 0..2 in use), no L1 table yet; then the image is opened and
 * grown to `size`, which allocates the L1 table through the ordinary
 * allocator (and so grows the refcount structures if needed).
 */
static int qcow2_create(const char *path, uint64_t size, const BlockCreateOpts *opts,
                        char *err, size_t errlen)
{
    uint32_t cs = opts->cluster_size ? opts->cluster_size : 65536;
    int version = opts->compat_version ? opts->compat_version : 3;
    uint32_t cluster_bits;
    uint8_t *buf;
    BlockDriverState *bs;
    int fd, ret;
    char sub[256];

    if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1))) {
        return QCOW2_ERR("cluster size %u must be a power of two between 512 and 2M", cs);
    }
    if (version != 2 && version != 3) {
        return QCOW2_ERR("compat version %d is not 2 or 3", version);
    }
    if (size > (1ull << 56)) {
        return QCOW2_ERR("size %" PRIu64 " is too large", size);
    }
    if (opts->backing_file && strlen(opts->backing_file) > QCOW2_MAX_BACKING_NAME) {
        return QCOW2_ERR("backing file name is longer than %d bytes", QCOW2_MAX_BACKING_NAME);
    }
    if (opts->backing_format && (strlen(opts->backing_format) > 64 ||
                                 !bdrv_find_format(opts->backing_format))) {
        return QCOW2_ERR("unknown backing format '%s'", opts->backing_format);
    }
    size = (size + 511) & ~511ull;  /* QEMU counts qcow2 sizes in 512-byte sectors */
    cluster_bits = (uint32_t)__builtin_ctz(cs);
    buf = calloc(3, cs);
    if (!buf) {
        return QCOW2_ERR("out of memory");
    }
    st_be32(buf, QCOW2_MAGIC);
    st_be32(buf + 4, (uint32_t)version);
    st_be32(buf + 20, cluster_bits);
    st_be64(buf + 48, cs);            /* refcount table in cluster 1 */
    st_be32(buf + 56, 1);
    if (version == 3) {
        st_be32(buf + 96, 4);
        st_be32(buf + 100, QCOW2_V3_HEADER_SIZE);
    }
    st_be64(buf + cs, 2ull * cs);     /* refcount block in cluster 2 */
    for (int i = 0; i < 3; i++) {
        st_be16(buf + 2ull * cs + 2 * i, 1);
    }
    fd = bdrv_create_file(path, err, errlen);
    if (fd < 0) {
        free(buf);
        return fd;
    }
    ret = bdrv_pwrite(fd, 0, buf, 3ull * cs);
    free(buf);
    close(fd);
    if (ret < 0) {
        snprintf(err, errlen, "could not write: %s", strerror(-ret));
        return ret;
    }

    bs = bdrv_open(path, "qcow2", BDRV_O_RDWR | BDRV_O_NO_BACKING, NULL, sub, sizeof(sub));
    if (!bs) {
        snprintf(err, errlen, "could not reopen new image: %s", sub);
        return -EIO;
    }
    Qcow2State *s = bs->opaque;
    if (opts->backing_file) {
        bs->backing_file = strdup(opts->backing_file);
        if (opts->backing_format) {
            Qcow2Extension *e = calloc(1, sizeof(*e));
            if (e) {
                e->type = QCOW2_EXT_BACKING_FORMAT;
                e->len = (uint32_t)strlen(opts->backing_format);
                e->data = (uint8_t *)strdup(opts->backing_format);
                s->exts = e;
                s->nb_exts = 1;
            }
        }
        ret = qcow2_update_header(bs);
        if (ret < 0) {
            snprintf(err, errlen, "could not write header: %s", strerror(-ret));
            bdrv_close(bs);
            return ret;
        }
    }
    ret = qcow2_truncate(bs, size);
    if (ret < 0) {
        snprintf(err, errlen, "could not size the image: %s", strerror(-ret));
    }
    bdrv_close(bs);
    return ret;
}

const BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(Qcow2State),
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .read = qcow2_read,
    .write = qcow2_write,
    .flush = qcow2_flush,
    .discard = qcow2_discard,
    .write_zeroes = qcow2_write_zeroes,
    .create = qcow2_create,
};
