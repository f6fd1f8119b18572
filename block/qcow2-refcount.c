/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 reference counts (QEMU docs/interop/qcow2.txt "Host cluster
 * management"): a two-level refcount table -> refcount blocks of
 * 2^refcount_order-bit entries (orders 0..6 read and written), a small
 * write-through cache of refcount blocks, cluster allocation, growth of
 * the refcount table when the file outgrows it, and the consistency
 * check and repair behind `vm-img check` and the open of a dirty image.
 *
 * Refcounts are always written eagerly, also for images with the
 * lazy_refcounts compatible bit (the spec lets a writer use lazy updates,
 * it does not require them): a cluster's refcount reaches the disk before
 * anything points to it, so a crash leaks clusters at worst and we never
 * set the dirty bit ourselves.  An image another writer left dirty
 * (incompatible bit 0, e.g. QEMU with lazy refcounts killed mid-write)
 * has its refcounts rebuilt from the L1/L2 tables on read-write open
 * (qcow2.c), then the bit is cleared; read-only opens need no refcounts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/osdep.h"

void qcow2_refcount_close(Qcow2State *s)
{
    for (int i = 0; i < QCOW2_RB_CACHE_SIZE; i++) {
        free(s->rb_cache[i].data);
        s->rb_cache[i].data = NULL;
        s->rb_cache[i].offset = 0;
    }
}

static uint64_t rb_get(Qcow2State *s, const uint8_t *blk, uint64_t i)
{
    uint32_t order = s->refcount_order;

    switch (order) {
    case 0: case 1: case 2: {
        uint32_t bits = 1u << order;
        return (blk[(i * bits) / 8] >> ((i * bits) % 8)) & ((1u << bits) - 1);
    }
    case 3: return blk[i];
    case 4: return ld_be16(blk + 2 * i);
    case 5: return ld_be32(blk + 4 * i);
    default: return ld_be64(blk + 8 * i);
    }
}

/* Store entry i; returns the byte offset and length within the block that changed. */
static void rb_set(Qcow2State *s, uint8_t *blk, uint64_t i, uint64_t v, uint64_t *boff,
                   uint32_t *blen)
{
    uint32_t order = s->refcount_order;

    switch (order) {
    case 0: case 1: case 2: {
        uint32_t bits = 1u << order;
        uint32_t sh = (uint32_t)((i * bits) % 8);
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << sh);
        *boff = (i * bits) / 8;
        *blen = 1;
        blk[*boff] = (uint8_t)((blk[*boff] & ~mask) | ((v << sh) & mask));
        return;
    }
    case 3: *boff = i; *blen = 1; blk[i] = (uint8_t)v; return;
    case 4: *boff = 2 * i; *blen = 2; st_be16(blk + *boff, (uint16_t)v); return;
    case 5: *boff = 4 * i; *blen = 4; st_be32(blk + *boff, (uint32_t)v); return;
    default: *boff = 8 * i; *blen = 8; st_be64(blk + *boff, v); return;
    }
}

/* Refcount block at host offset `off` through the LRU cache. */
static int rb_load(BlockDriverState *bs, uint64_t off, uint8_t **out)
{
    Qcow2State *s = bs->opaque;
    Qcow2CachedTable *victim = &s->rb_cache[0];
    int ret;

    for (int i = 0; i < QCOW2_RB_CACHE_SIZE; i++) {
        Qcow2CachedTable *c = &s->rb_cache[i];
        if (c->data && c->offset == off) {
            c->lru = ++s->lru_clock;
            *out = c->data;
            return 0;
        }
        if (!c->data || c->lru < victim->lru) {
            victim = c;
        }
    }
    if (!victim->data) {
        victim->data = malloc(s->cluster_size);
        if (!victim->data) {
            return -ENOMEM;
        }
    }
    victim->offset = 0;
    ret = bdrv_pread(bs->fd, off, victim->data, s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    victim->offset = off;
    victim->lru = ++s->lru_clock;
    *out = victim->data;
    return 0;
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t idx, uint64_t *refcount)
{
    Qcow2State *s = bs->opaque;
    uint64_t b = idx >> s->refcount_block_bits;
    uint8_t *blk;
    int ret;

    if (b >= s->refcount_table_size || !(s->refcount_table[b] & QCOW2_RT_OFFSET_MASK)) {
        *refcount = 0;
        return 0;
    }
    ret = rb_load(bs, s->refcount_table[b] & QCOW2_RT_OFFSET_MASK, &blk);
    if (ret < 0) {
        return ret;
    }
    *refcount = rb_get(s, blk, idx & ((1ull << s->refcount_block_bits) - 1));
    return 0;
}

int qcow2_find_zero_refcount(BlockDriverState *bs, const uint64_t *used, uint64_t n,
                             uint64_t *idx)
{
    Qcow2State *s = bs->opaque;
    uint64_t mask = (1ull << s->refcount_block_bits) - 1;
    uint64_t cur = UINT64_MAX;
    uint8_t *blk = NULL;

    for (uint64_t w = 0; w < (n + 63) / 64; w++) {
        for (uint64_t bits = used[w]; bits; bits &= bits - 1) {
            uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(bits);
            uint64_t b = i >> s->refcount_block_bits;

            if (i >= n) {
                break;
            }
            /* Ascending order: one block at a time, each loaded once. */
            if (b != cur) {
                if (b >= s->refcount_table_size ||
                    !(s->refcount_table[b] & QCOW2_RT_OFFSET_MASK)) {
                    *idx = i;
                    return 1;
                }
                int ret = rb_load(bs, s->refcount_table[b] & QCOW2_RT_OFFSET_MASK, &blk);
                if (ret < 0) {
                    return ret;
                }
                cur = b;
            }
            if (rb_get(s, blk, i & mask) == 0) {
                *idx = i;
                return 1;
            }
        }
    }
    return 0;
}

/* Set one refcount; the covering refcount block must exist. */
static int qcow2_set_refcount(BlockDriverState *bs, uint64_t idx, uint64_t v)
{
    Qcow2State *s = bs->opaque;
    uint64_t b = idx >> s->refcount_block_bits;
    uint64_t boff, rb_off;
    uint32_t blen;
    uint8_t *blk;
    int ret;

    if (b >= s->refcount_table_size || !(s->refcount_table[b] & QCOW2_RT_OFFSET_MASK)) {
        return -EIO;
    }
    rb_off = s->refcount_table[b] & QCOW2_RT_OFFSET_MASK;
    ret = rb_load(bs, rb_off, &blk);
    if (ret < 0) {
        return ret;
    }
    rb_set(s, blk, idx & ((1ull << s->refcount_block_bits) - 1), v, &boff, &blen);
    ret = bdrv_pwrite(bs->fd, rb_off + boff, blk + boff, blen);
    if (ret < 0) {
        /* Keep the cache equal to the disk: forget the block. */
        for (int i = 0; i < QCOW2_RB_CACHE_SIZE; i++) {
            if (s->rb_cache[i].offset == rb_off) {
                s->rb_cache[i].offset = 0;
            }
        }
        return ret;
    }
    if (v == 0) {
        uint64_t key;
        /* A tracked metadata cluster going free: the overlap set must let go of it. */
        if (s->meta_valid && qcow2_meta_find(s, idx, idx, &key) != 0) {
            qcow2_meta_invalidate(s);
        }
        if (idx < s->free_cluster_hint) {
            s->free_cluster_hint = idx;
        }
        qcow2_l2_cache_drop(s, idx << s->cluster_bits);
        if (s->compressed_next >> s->cluster_bits == idx) {
            s->compressed_next = 0;
        }
    }
    return 0;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t len, int64_t addend)
{
    Qcow2State *s = bs->opaque;
    uint64_t first, last;

    if (s->corrupt) {
        return -EIO;
    }
    if (!len) {
        return 0;
    }
    if (addend > 0) {
        /* Snapshot operations: tables may have become active that the overlap set lacks. */
        qcow2_meta_invalidate(s);
    }
    first = offset >> s->cluster_bits;
    last = (offset + len - 1) >> s->cluster_bits;
    for (uint64_t i = first; i <= last; i++) {
        uint64_t rc;
        int ret = qcow2_get_refcount(bs, i, &rc);
        if (ret < 0) {
            return ret;
        }
        if ((addend < 0 && rc < (uint64_t)-addend) ||
            (addend > 0 && s->refcount_max - rc < (uint64_t)addend)) {
            return -ERANGE;
        }
        ret = qcow2_set_refcount(bs, i, rc + (uint64_t)addend);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static void qcow2_note_file_end(Qcow2State *s, uint64_t end)
{
    if (end > s->file_size) {
        s->file_size = end;
    }
}

/*
 * Grow the refcount table so that it covers block index `need`.  All
 * clusters past the current coverage have refcount 0, so the new
 * refcount blocks (B of them, describing themselves and the table) and
 * the new table (T clusters) go right there; the header switches to the
 * new table only after both are written, then the old table is freed.
 */
static int qcow2_grow_refcount_table(BlockDriverState *bs, uint64_t need)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_block = 1ull << s->refcount_block_bits;
    uint64_t start = s->refcount_table_size * per_block;   /* first uncovered cluster */
    uint64_t nb = 1, nt = 0, entries = 0;
    uint64_t *table;
    uint8_t *blk, hdr[12];
    uint64_t old_off = s->refcount_table_offset;
    uint32_t old_clusters = s->refcount_table_clusters;
    int ret;

    for (int iter = 0; iter < 64; iter++) {
        uint64_t end = start + nb + nt;
        uint64_t last_b = (end - 1) / per_block;
        uint64_t e = last_b + 1 > need + 1 ? last_b + 1 : need + 1;
        uint64_t nnb, nnt;

        if (e < s->refcount_table_size * 2) {
            e = s->refcount_table_size * 2;
        }
        nnt = (e * 8 + s->cluster_size - 1) >> s->cluster_bits;
        nnb = last_b - start / per_block + 1;
        if (nnb == nb && nnt == nt) {
            entries = nt << (s->cluster_bits - 3);
            break;
        }
        nb = nnb > nb ? nnb : nb;
        nt = nnt > nt ? nnt : nt;
    }
    if (!entries || entries * 8 > QCOW2_MAX_RT_BYTES) {
        return -EFBIG;
    }

    /* Refcounts say these clusters are free; metadata there means they lie. */
    ret = qcow2_pre_write_check(bs, start << s->cluster_bits, (nb + nt) << s->cluster_bits);
    if (ret < 0) {
        return ret;
    }
    table = calloc(entries, 8);
    blk = calloc(1, s->cluster_size);
    if (!table || !blk) {
        free(table);
        free(blk);
        return -ENOMEM;
    }
    for (uint64_t j = 0; j < nb; j++) {
        uint64_t bidx = start / per_block + j;
        uint64_t boff, first = bidx * per_block;
        uint32_t blen;

        memset(blk, 0, s->cluster_size);
        for (uint64_t c = start; c < start + nb + nt; c++) {
            if (c >= first && c < first + per_block) {
                rb_set(s, blk, c - first, 1, &boff, &blen);
            }
        }
        ret = bdrv_pwrite(bs->fd, (start + j) << s->cluster_bits, blk, s->cluster_size);
        if (ret < 0) {
            goto out;
        }
        table[bidx] = __builtin_bswap64((start + j) << s->cluster_bits);
    }
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        table[i] = __builtin_bswap64(s->refcount_table[i]);
    }
    ret = bdrv_pwrite(bs->fd, (start + nb) << s->cluster_bits, table, nt << s->cluster_bits);
    if (ret < 0) {
        goto out;
    }
    qcow2_note_file_end(s, (start + nb + nt) << s->cluster_bits);
    st_be64(hdr, (start + nb) << s->cluster_bits);
    st_be32(hdr + 8, (uint32_t)nt);
    ret = bdrv_pwrite(bs->fd, 48, hdr, 12);
    if (ret < 0) {
        goto out;
    }
    for (uint64_t i = 0; i < entries; i++) {
        table[i] = __builtin_bswap64(table[i]);
    }
    free(s->refcount_table);
    s->refcount_table = table;
    table = NULL;
    s->refcount_table_size = entries;
    s->refcount_table_offset = (start + nb) << s->cluster_bits;
    s->refcount_table_clusters = (uint32_t)nt;
    qcow2_meta_invalidate(s);
    ret = qcow2_update_refcount(bs, old_off, (uint64_t)old_clusters << s->cluster_bits, -1);
out:
    free(table);
    free(blk);
    return ret;
}

/*
 * Make sure cluster `idx` has a refcount block.  Returns 1 if structures
 * were added (which may have used clusters: the caller searches again).
 */
static int qcow2_ensure_refcount_block(BlockDriverState *bs, uint64_t idx)
{
    Qcow2State *s = bs->opaque;
    uint64_t b = idx >> s->refcount_block_bits;
    uint64_t off = idx << s->cluster_bits;
    uint64_t boff;
    uint32_t blen;
    uint8_t *blk, be[8];
    int ret;

    if (b >= s->refcount_table_size) {
        ret = qcow2_grow_refcount_table(bs, b);
        return ret < 0 ? ret : 1;
    }
    if (s->refcount_table[b] & QCOW2_RT_OFFSET_MASK) {
        return 0;
    }
    /* No block: every cluster it would cover is free, so it can describe itself at idx. */
    blk = calloc(1, s->cluster_size);
    if (!blk) {
        return -ENOMEM;
    }
    rb_set(s, blk, idx & ((1ull << s->refcount_block_bits) - 1), 1, &boff, &blen);
    ret = bdrv_pwrite(bs->fd, off, blk, s->cluster_size);
    free(blk);
    if (ret < 0) {
        return ret;
    }
    qcow2_note_file_end(s, off + s->cluster_size);
    st_be64(be, off);
    ret = bdrv_pwrite(bs->fd, s->refcount_table_offset + b * 8, be, 8);
    if (ret < 0) {
        return ret;
    }
    s->refcount_table[b] = off;
    qcow2_meta_add(s, off, 1, QCOW2_META_REFCOUNT_BLOCK);
    return 1;
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n)
{
    Qcow2State *s = bs->opaque;
    uint64_t idx = s->free_cluster_hint;

    if (n == 0) {
        return -EINVAL;
    }
    if (s->corrupt) {
        return -EIO;
    }
    for (;;) {
        uint64_t run = 0, rc;
        int ret;

        /* Find n free clusters in a row starting at idx. */
        while (run < n) {
            ret = qcow2_get_refcount(bs, idx + run, &rc);
            if (ret < 0) {
                return ret;
            }
            if (rc) {
                if (idx + run == s->free_cluster_hint) {
                    s->free_cluster_hint++;
                }
                idx += run + 1;
                run = 0;
                continue;
            }
            /*
             * A "free" cluster that is metadata means the refcounts lie:
             * allocating it would overwrite the table (and a refcount
             * block at offset 0 cannot even be recorded).  The image is
             * corrupt; refuse the write and mark it.
             */
            uint64_t key;
            ret = qcow2_meta_find(s, idx + run, idx + run, &key);
            if (ret < 0) {
                return ret;
            }
            if (ret > 0) {
                return qcow2_signal_corruption(bs, (idx + run) << s->cluster_bits, key);
            }
            run++;
        }
        if (((idx + n) << s->cluster_bits) >> s->cluster_bits != idx + n ||
            (idx + n) << s->cluster_bits > (1ull << 56)) {
            return -EFBIG;
        }
        for (run = 0; run < n; run++) {
            ret = qcow2_ensure_refcount_block(bs, idx + run);
            if (ret < 0) {
                return ret;
            }
            if (ret > 0) {
                break;
            }
        }
        if (run < n) {
            continue;  /* metadata took clusters: search again from idx */
        }
        for (run = 0; run < n; run++) {
            ret = qcow2_set_refcount(bs, idx + run, 1);
            if (ret < 0) {
                return ret;
            }
        }
        if (s->free_cluster_hint == idx) {
            s->free_cluster_hint = idx + n;
        }
        qcow2_note_file_end(s, (idx + n) << s->cluster_bits);
        return (int64_t)(idx << s->cluster_bits);
    }
}

int64_t qcow2_alloc_cluster(BlockDriverState *bs)
{
    return qcow2_alloc_clusters(bs, 1);
}

/* ---- consistency check and repair ---- */

typedef struct Qcow2Checker {
    BlockDriverState *bs;
    Qcow2CheckResult *res;
    int flags;                        /* QCOW2_CHECK_* */
    uint32_t *refs;                   /* computed uses per host cluster (saturating) */
    uint64_t nclusters;               /* entries of refs: clusters the file holds */
    bool past_eof;                    /* something references a cluster past the file's end */
} Qcow2Checker;

static PRINTF_FMT(2, 3) void check_msg(Qcow2Checker *c, const char *fmt, ...)
{
    va_list ap;

    if (c->flags & QCOW2_CHECK_QUIET) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void check_ref(Qcow2Checker *c, uint64_t off, uint64_t len, const char *what)
{
    Qcow2State *s = c->bs->opaque;

    if (!len) {
        return;
    }
    for (uint64_t i = off >> s->cluster_bits; i <= (off + len - 1) >> s->cluster_bits; i++) {
        if (i >= c->nclusters) {
            check_msg(c, "ERROR %s at offset 0x%" PRIx64 " is past the end of the image\n",
                      what, off);
            c->res->corruptions++;
            c->past_eof = true;
            return;
        }
        if (c->refs[i] != UINT32_MAX) {
            c->refs[i]++;
        }
    }
}

static int check_l1(Qcow2Checker *c, uint64_t l1_off, uint32_t l1_size, bool active)
{
    Qcow2State *s = c->bs->opaque;
    uint64_t *l1 = NULL, *l2;
    int ret;

    check_ref(c, l1_off, (uint64_t)l1_size * 8, "L1 table");
    if (!l1_size) {
        return 0;
    }
    l1 = malloc((size_t)l1_size * 8);
    l2 = malloc(s->cluster_size);
    if (!l1 || !l2) {
        free(l1);
        free(l2);
        return -ENOMEM;
    }
    ret = bdrv_pread(c->bs->fd, l1_off, l1, (size_t)l1_size * 8);
    for (uint32_t i = 0; ret == 0 && i < l1_size; i++) {
        uint64_t l2_off = ld_be64(&l1[i]) & QCOW2_L1E_OFFSET_MASK;
        if (!l2_off) {
            continue;
        }
        if ((l2_off & (s->cluster_size - 1)) || l2_off >= s->file_size) {
            check_msg(c, "ERROR L2 table offset 0x%" PRIx64 " in L1 entry %u is invalid\n",
                      l2_off, i);
            c->res->corruptions++;
            continue;
        }
        check_ref(c, l2_off, s->cluster_size, "L2 table");
        ret = bdrv_pread(c->bs->fd, l2_off, l2, s->cluster_size);
        for (uint32_t j = 0; ret == 0 && j < s->l2_size; j++) {
            uint64_t e = ld_be64(&l2[j]);
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint32_t x = 62 - (s->cluster_bits - 8);
                uint64_t coff = e & ((1ull << x) - 1);
                uint64_t nsec = ((e >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
                check_ref(c, coff & ~511ull, nsec * 512, "compressed cluster");
                if (active) {
                    c->res->allocated_clusters++;
                    c->res->compressed_clusters++;
                }
                continue;
            }
            uint64_t host = e & QCOW2_L2E_OFFSET_MASK;
            if (active && (host || (s->version >= 3 && (e & QCOW2_OFLAG_ZERO)))) {
                c->res->allocated_clusters++;
            }
            if (!host) {
                continue;
            }
            if (host & (s->cluster_size - 1)) {
                check_msg(c, "ERROR data cluster offset 0x%" PRIx64 " is not aligned\n", host);
                c->res->corruptions++;
                continue;
            }
            check_ref(c, host, s->cluster_size, "data cluster");
        }
    }
    free(l1);
    free(l2);
    return ret;
}

/* Write one 8-byte table entry (host order `v`) at host offset `off`. */
static int write_entry(BlockDriverState *bs, uint64_t off, uint64_t v)
{
    uint8_t be[8];

    st_be64(be, v);
    return bdrv_pwrite(bs->fd, off, be, 8);
}

/*
 * COPIED must be set exactly where the stored refcount is 1 (active L1
 * and its L2 tables; spec "Cluster mapping").  `fix`: rewrite the
 * entries that disagree (refcounts must be right by then).
 */
static int check_copied(Qcow2Checker *c, bool fix)
{
    BlockDriverState *bs = c->bs;
    Qcow2State *s = bs->opaque;
    int ret = 0;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_off = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        uint64_t rc;
        uint64_t *l2;

        if (!l2_off || (l2_off & (s->cluster_size - 1)) || l2_off >= s->file_size) {
            continue;
        }
        ret = qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc);
        if (ret < 0) {
            return ret;
        }
        if ((rc == 1) != !!(s->l1_table[i] & QCOW2_OFLAG_COPIED)) {
            bool repair = fix && rc;
            check_msg(c, "%s OFLAG_COPIED L2 cluster: l1_index=%u l1_entry=%" PRIx64
                      " refcount=%" PRIu64 "\n", repair ? "Repairing" : "ERROR", i,
                      s->l1_table[i], rc);
            if (repair) {
                uint64_t e = s->l1_table[i] ^ QCOW2_OFLAG_COPIED;
                ret = write_entry(bs, s->l1_table_offset + 8ull * i, e);
                if (ret < 0) {
                    return ret;
                }
                s->l1_table[i] = e;
                c->res->corruptions_fixed++;
            } else {
                c->res->corruptions++;
            }
        }
        ret = qcow2_l2_load(bs, l2_off, &l2);
        if (ret < 0) {
            return ret;
        }
        for (uint32_t j = 0; j < s->l2_size; j++) {
            uint64_t e = __builtin_bswap64(l2[j]);
            uint64_t host = e & QCOW2_L2E_OFFSET_MASK;
            if ((e & QCOW2_OFLAG_COMPRESSED) || !host || (host & (s->cluster_size - 1))) {
                continue;
            }
            ret = qcow2_get_refcount(bs, host >> s->cluster_bits, &rc);
            if (ret < 0) {
                return ret;
            }
            if ((rc == 1) == !!(e & QCOW2_OFLAG_COPIED)) {
                continue;
            }
            bool repair = fix && rc;
            check_msg(c, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%"
                      PRIu64 "\n", repair ? "Repairing" : "ERROR", e, rc);
            if (!repair) {
                c->res->corruptions++;
                continue;
            }
            e ^= QCOW2_OFLAG_COPIED;
            ret = write_entry(bs, l2_off + 8ull * j, e);
            if (ret < 0) {
                qcow2_l2_cache_drop(s, l2_off);
                return ret;
            }
            l2[j] = __builtin_bswap64(e);
            c->res->corruptions_fixed++;
        }
    }
    return 0;
}

/* Fill one refcount block image for block index `b` from refs[0, n). */
static void build_refcount_block(Qcow2State *s, uint8_t *blk, uint64_t b, const uint32_t *refs,
                                 uint64_t n)
{
    uint64_t per = 1ull << s->refcount_block_bits;
    uint64_t boff;
    uint32_t blen;

    memset(blk, 0, s->cluster_size);
    for (uint64_t k = 0; k < per && b * per + k < n; k++) {
        uint64_t v = refs[b * per + k];
        if (v) {
            rb_set(s, blk, k, v < s->refcount_max ? v : s->refcount_max, &boff, &blen);
        }
    }
}

/*
 * Does refcount block index b describe a cluster in use?  used_old[] for
 * blocks over the old file; new clusters [e, total) are all in use.
 */
static bool block_in_use(const uint8_t *used_old, uint64_t nb_old, uint64_t per, uint64_t e,
                         uint64_t total, uint64_t b)
{
    return (b < nb_old && used_old[b]) || (total > e && b * per < total && (b + 1) * per > e);
}

/*
 * Rewrite the refcount structure so that every stored refcount equals
 * c->refs (repair of refcount errors and leaks, as QEMU's `check -r all`
 * and the open of an image left dirty do).  Existing refcount blocks and
 * the table stay where they are unless something else uses their
 * clusters; blocks that are missing (or were shared) and a table that is
 * too small (or shared) are placed past everything the image uses.
 *
 * Crash safety: a v3 image carries the dirty bit for the whole rewrite
 * (set first if it was clear), so an interrupted repair is redone on the
 * next read-write open; new blocks and a new table are written before
 * anything points to them, the header switches tables after an fsync.
 */
static int rebuild_refcounts(Qcow2Checker *c)
{
    BlockDriverState *bs = c->bs;
    Qcow2State *s = bs->opaque;
    uint64_t per = 1ull << s->refcount_block_bits;
    uint64_t old_size = s->refcount_table_size;
    uint64_t rt_first = s->refcount_table_offset >> s->cluster_bits;
    uint64_t e = c->nclusters, total = e, nb = 0, nt = 0, entries = 0, nb_old;
    uint64_t *kept = NULL, *table = NULL;
    uint8_t *used_old = NULL, *blk = NULL, *disk = NULL;
    uint32_t *refs = c->refs;
    bool keep_table = true, set_dirty = false;
    int ret = -ENOMEM;

    /* Uses of each cluster without the refcount structure itself. */
    for (uint64_t i = rt_first; i < rt_first + s->refcount_table_clusters && i < e; i++) {
        refs[i]--;
    }
    for (uint64_t b = 0; b < old_size; b++) {
        uint64_t i = (s->refcount_table[b] & QCOW2_RT_OFFSET_MASK) >> s->cluster_bits;
        if (i && i < e) {
            refs[i]--;
        }
    }
    /* Keep the table and each block whose cluster nothing else uses (and no other block). */
    for (uint64_t i = rt_first; i < rt_first + s->refcount_table_clusters; i++) {
        keep_table &= i < e && refs[i] == 0;
    }
    for (uint64_t i = rt_first; keep_table && i < rt_first + s->refcount_table_clusters; i++) {
        refs[i] = 1;
    }
    kept = calloc(old_size, 8);
    nb_old = (e + per - 1) / per;
    used_old = calloc(nb_old ? nb_old : 1, 1);
    blk = malloc(s->cluster_size);
    disk = malloc(s->cluster_size);
    if (!kept || !used_old || !blk || !disk) {
        goto out;
    }
    for (uint64_t b = 0; b < old_size; b++) {
        uint64_t off = s->refcount_table[b] & QCOW2_RT_OFFSET_MASK;
        uint64_t i = off >> s->cluster_bits;
        if (off && !(off & (s->cluster_size - 1)) && i < e && refs[i] == 0) {
            kept[b] = off;
            refs[i] = 1;
        }
    }
    for (uint64_t i = 0; i < e; i++) {
        used_old[i / per] |= refs[i] != 0;
    }

    /* New blocks, then a new table if needed, from cluster e on: iterate to a fixed point. */
    ret = -EFBIG;
    for (int iter = 0; iter < 64; iter++) {
        uint64_t nnb = 0, nnt = 0, max_b = 0;
        uint64_t last = total > e ? (total - 1) / per : 0;
        uint64_t nblocks = nb_old > last + 1 ? nb_old : last + 1;

        for (uint64_t b = 0; b < nblocks; b++) {
            bool in_use = block_in_use(used_old, nb_old, per, e, total, b);
            bool has = b < old_size && kept[b];
            nnb += in_use && !has;
            if (in_use || has) {
                max_b = b;
            }
        }
        for (uint64_t b = nblocks; b < old_size; b++) {
            if (kept[b]) {
                max_b = b;
            }
        }
        entries = old_size;
        if (!keep_table || max_b >= old_size) {
            entries = max_b + 1 > old_size ? max_b + 1 : old_size;
            nnt = (entries * 8 + s->cluster_size - 1) >> s->cluster_bits;
            entries = nnt << (s->cluster_bits - 3);
        }
        if (e + nnb + nnt == total) {
            nb = nnb;
            nt = nnt;
            ret = 0;
            break;
        }
        total = e + nnb + nnt;
    }
    if (ret < 0 || entries * 8 > QCOW2_MAX_RT_BYTES || total > (1ull << (56 - s->cluster_bits))) {
        ret = -EFBIG;
        goto out;
    }
    if (nt && keep_table) {
        /* The old table is replaced: its clusters become free. */
        for (uint64_t i = rt_first; i < rt_first + s->refcount_table_clusters; i++) {
            refs[i] = 0;
        }
    }
    refs = realloc(c->refs, (total ? total : 1) * sizeof(uint32_t));
    table = calloc(entries, 8);
    if (!refs || !table) {
        ret = -ENOMEM;
        goto out;
    }
    c->refs = refs;
    c->nclusters = total;
    for (uint64_t i = e; i < total; i++) {
        refs[i] = 1;
    }
    for (uint64_t b = 0, next = e; b < entries; b++) {
        if (b < old_size && kept[b]) {
            table[b] = kept[b];
        } else if (block_in_use(used_old, nb_old, per, e, total, b)) {
            table[b] = next++ << s->cluster_bits;
        }
    }

    if (s->version >= 3 && !(s->incompat & QCOW2_INCOMPAT_DIRTY)) {
        ret = qcow2_write_incompat(bs, s->incompat | QCOW2_INCOMPAT_DIRTY);
        if (ret < 0) {
            goto out;
        }
        set_dirty = true;
    }
    /* New blocks, and the new table, before anything points to them. */
    for (uint64_t b = 0; b < entries; b++) {
        if (table[b] >> s->cluster_bits >= e) {
            build_refcount_block(s, blk, b, refs, total);
            ret = bdrv_pwrite(bs->fd, table[b], blk, s->cluster_size);
            if (ret < 0) {
                goto out;
            }
        }
    }
    if (nt) {
        uint64_t off = (e + nb) << s->cluster_bits;
        for (uint64_t b = 0; b < entries; b++) {
            table[b] = __builtin_bswap64(table[b]);
        }
        ret = bdrv_pwrite(bs->fd, off, table, nt << s->cluster_bits);
        for (uint64_t b = 0; b < entries; b++) {
            table[b] = __builtin_bswap64(table[b]);
        }
        if (ret == 0) {
            ret = fdatasync(bs->fd) < 0 ? -errno : 0;
        }
        if (ret == 0) {
            uint8_t hdr[12];
            st_be64(hdr, off);
            st_be32(hdr + 8, (uint32_t)nt);
            ret = bdrv_pwrite(bs->fd, 48, hdr, 12);
        }
        if (ret < 0) {
            goto out;
        }
        s->refcount_table_offset = off;
        s->refcount_table_clusters = (uint32_t)nt;
    } else {
        for (uint64_t b = 0; b < entries; b++) {
            if (table[b] != (s->refcount_table[b] & QCOW2_RT_OFFSET_MASK)) {
                ret = write_entry(bs, s->refcount_table_offset + 8 * b, table[b]);
                if (ret < 0) {
                    goto out;
                }
            }
        }
    }
    free(s->refcount_table);
    s->refcount_table = table;
    s->refcount_table_size = entries;
    table = NULL;
    qcow2_meta_invalidate(s);
    for (int i = 0; i < QCOW2_RB_CACHE_SIZE; i++) {
        s->rb_cache[i].offset = 0;
    }
    s->free_cluster_hint = 0;
    s->compressed_next = 0;
    qcow2_note_file_end(s, total << s->cluster_bits);

    /* Blocks that stay in place: rewrite those whose contents change. */
    for (uint64_t b = 0; b < old_size; b++) {
        if (!kept[b]) {
            continue;
        }
        build_refcount_block(s, blk, b, refs, total);
        ret = bdrv_pread(bs->fd, kept[b], disk, s->cluster_size);
        if (ret == 0 && memcmp(blk, disk, s->cluster_size)) {
            ret = bdrv_pwrite(bs->fd, kept[b], blk, s->cluster_size);
        }
        if (ret < 0) {
            goto out;
        }
    }
    ret = fdatasync(bs->fd) < 0 ? -errno : 0;
    if (ret == 0 && set_dirty) {
        ret = qcow2_write_incompat(bs, s->incompat & ~QCOW2_INCOMPAT_DIRTY);
    }
out:
    free(kept);
    free(table);
    free(used_old);
    free(blk);
    free(disk);
    return ret;
}

int qcow2_check(BlockDriverState *bs, int flags, Qcow2CheckResult *res)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_block = 1ull << s->refcount_block_bits;
    Qcow2Checker c = { .bs = bs, .res = res, .flags = flags };
    bool fix_errors = flags & QCOW2_CHECK_REPAIR_ERRORS;
    bool fix_leaks = flags & QCOW2_CHECK_REPAIR_LEAKS;
    uint64_t errors = 0, leaks = 0;
    int ret;

    memset(res, 0, sizeof(*res));
    if ((fix_errors || fix_leaks) && bs->read_only) {
        return -EROFS;
    }
    c.nclusters = (s->file_size + s->cluster_size - 1) >> s->cluster_bits;
    c.refs = calloc(c.nclusters ? c.nclusters : 1, sizeof(uint32_t));
    if (!c.refs) {
        return -ENOMEM;
    }
    res->total_clusters = (bs->size + s->cluster_size - 1) >> s->cluster_bits;

    check_ref(&c, 0, s->cluster_size, "header");
    ret = check_l1(&c, s->l1_table_offset, s->l1_size, true);
    for (uint32_t i = 0; ret == 0 && i < s->nb_snapshots; i++) {
        ret = check_l1(&c, s->snapshots[i].l1_table_offset, s->snapshots[i].l1_size, false);
    }
    if (ret < 0) {
        goto out;
    }
    check_ref(&c, s->snapshots_offset, s->snapshots_size, "snapshot table");
    check_ref(&c, s->refcount_table_offset,
              (uint64_t)s->refcount_table_clusters << s->cluster_bits, "refcount table");
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t off = s->refcount_table[i] & QCOW2_RT_OFFSET_MASK;
        if (off) {
            check_ref(&c, off, s->cluster_size, "refcount block");
        }
    }
    /* References past the end of the file, or more than a refcount holds, are beyond repair. */
    fix_errors &= !c.past_eof;
    for (uint64_t i = 0; i < c.nclusters; i++) {
        if (c.refs[i] > s->refcount_max) {
            check_msg(&c, "ERROR cluster %" PRIu64 " has %u references, more than a %u-bit "
                      "refcount holds\n", i, c.refs[i], 1u << s->refcount_order);
            res->corruptions++;
            fix_errors = false;
        }
    }

    /*
     * Compare with the stored refcounts: every cluster of the file a
     * refcount block describes, then the clusters in use that no block
     * describes.  Refcounts past the end of the file are not compared (as
     * qemu-img check): a writer killed between its refcount update and its
     * data write leaves them, and they name no data.
     */
    for (uint64_t b = 0; b < s->refcount_table_size; b++) {
        if (!(s->refcount_table[b] & QCOW2_RT_OFFSET_MASK)) {
            continue;
        }
        uint64_t end = (b + 1) * per_block < c.nclusters ? (b + 1) * per_block : c.nclusters;
        for (uint64_t i = b * per_block; i < end; i++) {
            uint64_t stored, want = c.refs[i];
            ret = qcow2_get_refcount(bs, i, &stored);
            if (ret < 0) {
                goto out;
            }
            if (stored == want || want > s->refcount_max) {
                continue;
            }
            if (stored < want) {
                check_msg(&c, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%"
                          PRIu64 "\n", fix_errors ? "Repairing" : "ERROR", i, stored, want);
                errors++;
                continue;
            }
            if (fix_leaks && !fix_errors) {
                ret = qcow2_set_refcount(bs, i, want);
                if (ret < 0) {
                    goto out;
                }
                res->leaks_fixed++;
            } else {
                leaks++;
            }
            check_msg(&c, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64
                      "\n", fix_leaks ? "Repairing" : "Leaked", i, stored, want);
        }
    }
    for (uint64_t i = 0; i < c.nclusters; i++) {
        uint64_t b = i >> s->refcount_block_bits;
        if (c.refs[i] && c.refs[i] <= s->refcount_max &&
            (b >= s->refcount_table_size || !(s->refcount_table[b] & QCOW2_RT_OFFSET_MASK))) {
            check_msg(&c, "%s cluster %" PRIu64 " refcount=0 reference=%u\n",
                      fix_errors ? "Repairing" : "ERROR", i, c.refs[i]);
            errors++;
        }
    }

    if (fix_errors && (errors || leaks)) {
        ret = rebuild_refcounts(&c);
        if (ret < 0) {
            goto out;
        }
        res->corruptions_fixed += errors;
        res->leaks_fixed += leaks;
        errors = leaks = 0;
    }
    res->corruptions += errors;
    res->leaks += leaks;
    for (uint64_t i = 0; i < c.nclusters; i++) {
        if (c.refs[i]) {
            res->image_end_offset = (i + 1) << s->cluster_bits;
        }
    }
    ret = check_copied(&c, fix_errors && res->corruptions == 0);
    if (ret == 0 && (fix_errors || fix_leaks) && res->corruptions == 0 &&
        (s->incompat & (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT))) {
        /* Consistent again (spec: clear the dirty bit once refcounts are right). */
        ret = fdatasync(bs->fd) < 0 ? -errno : 0;
        if (ret == 0) {
            ret = qcow2_write_incompat(bs, s->incompat &
                                           ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT));
        }
    }
out:
    free(c.refs);
    return ret;
}
