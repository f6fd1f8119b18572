/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 guest-to-host mapping (QEMU docs/interop/qcow2.txt "Cluster
 * mapping", "Compressed Clusters Descriptor"): L1 -> L2 -> data cluster,
 * an LRU cache of L2 tables, reads of unallocated (backing file or
 * zeros), zero-flagged and deflate-compressed clusters, and writes that
 * allocate, copy-on-write partial clusters and L2 tables shared with
 * snapshots (COPIED flag clear), in the order data -> refcount -> L2 ->
 * L1.  Every L2 entry is checked before its offset is used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "block/qcow2.h"
#include "util/osdep.h"

static Qcow2CachedTable *l2_cache_slot(Qcow2State *s, uint64_t off)
{
    Qcow2CachedTable *victim = &s->l2_cache[0];

    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        Qcow2CachedTable *c = &s->l2_cache[i];
        if (c->data && c->offset == off) {
            return c;
        }
        if (!c->data || c->lru < victim->lru) {
            victim = c;
        }
    }
    if (!victim->data) {
        victim->data = malloc(s->cluster_size);
        if (!victim->data) {
            return NULL;
        }
    }
    victim->offset = 0;
    return victim;
}

int qcow2_l2_load(BlockDriverState *bs, uint64_t off, uint64_t **table)
{
    Qcow2State *s = bs->opaque;
    Qcow2CachedTable *c = l2_cache_slot(s, off);
    int ret;

    if (!c) {
        return -ENOMEM;
    }
    if (c->offset != off) {
        ret = bdrv_pread(bs->fd, off, c->data, s->cluster_size);
        if (ret < 0) {
            return ret;
        }
        c->offset = off;
    }
    c->lru = ++s->lru_clock;
    *table = c->data;
    return 0;
}

void qcow2_l2_cache_drop(Qcow2State *s, uint64_t off)
{
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        if (s->l2_cache[i].data && s->l2_cache[i].offset == off) {
            s->l2_cache[i].offset = 0;
        }
    }
}

int qcow2_check_l2_entry(Qcow2State *s, uint64_t e)
{
    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint32_t x = 62 - (s->cluster_bits - 8);
        uint64_t coff = e & ((1ull << x) - 1);
        return coff >= s->file_size || coff < s->cluster_size ? -EINVAL : 0;
    }
    uint64_t host = e & QCOW2_L2E_OFFSET_MASK;
    if (!host) {
        return 0;
    }
    if ((host & (s->cluster_size - 1)) || host >= s->file_size ||
        qcow2_overlaps_metadata(s, host, s->cluster_size)) {
        return -EINVAL;
    }
    return 0;
}

/* Inflate the compressed cluster of L2 entry `e` into s->decomp_buf (one cluster). */
static int qcow2_decompress(BlockDriverState *bs, uint64_t e)
{
    Qcow2State *s = bs->opaque;
    uint32_t x = 62 - (s->cluster_bits - 8);
    uint64_t coff = e & ((1ull << x) - 1);
    uint64_t nsec = ((e >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
    uint64_t csize = nsec * 512 - (coff & 511);
    z_stream z;
    int ret, zr;

    if (csize > 2ull * s->cluster_size) {
        csize = 2ull * s->cluster_size;
    }
    if (coff + csize > s->file_size) {
        csize = s->file_size - coff;  /* the last compressed cluster may end the file */
    }
    ret = bdrv_pread(bs->fd, coff, s->compressed_buf, csize);
    if (ret < 0) {
        return ret;
    }
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = s->compressed_buf;
    z.avail_in = (uInt)csize;
    z.next_out = s->decomp_buf;
    z.avail_out = s->cluster_size;
    zr = inflate(&z, Z_FINISH);
    ret = ((zr == Z_STREAM_END || zr == Z_BUF_ERROR || zr == Z_OK) && z.avail_out == 0) ? 0
                                                                                        : -EIO;
    inflateEnd(&z);
    return ret;
}

/* Read what an unallocated cluster shows: the backing file, zeros past its end. */
static int qcow2_read_backing(BlockDriverState *bs, uint64_t off, uint8_t *buf, size_t n)
{
    if (bs->backing && off < bs->backing->size) {
        uint64_t avail = bs->backing->size - off;
        size_t m = n < avail ? n : (size_t)avail;
        int ret = bdrv_read(bs->backing, off, buf, m);
        if (ret < 0) {
            return ret;
        }
        memset(buf + m, 0, n - m);
        return 0;
    }
    memset(buf, 0, n);
    return 0;
}

/*
 * Read n bytes at in_off of the guest cluster at guest offset `gcl`
 * (cluster-aligned) that L2 entry `e` maps.
 */
static int qcow2_read_entry(BlockDriverState *bs, uint64_t e, uint64_t gcl, uint32_t in_off,
                            uint8_t *buf, size_t n)
{
    Qcow2State *s = bs->opaque;
    int ret;

    if (qcow2_check_l2_entry(s, e) < 0) {
        return -EINVAL;
    }
    if (e & QCOW2_OFLAG_COMPRESSED) {
        ret = qcow2_decompress(bs, e);
        if (ret < 0) {
            return ret;
        }
        memcpy(buf, s->decomp_buf + in_off, n);
        return 0;
    }
    if (s->version >= 3 && (e & QCOW2_OFLAG_ZERO)) {
        memset(buf, 0, n);
        return 0;
    }
    if (!(e & QCOW2_L2E_OFFSET_MASK)) {
        return qcow2_read_backing(bs, gcl + in_off, buf, n);
    }
    return bdrv_pread(bs->fd, (e & QCOW2_L2E_OFFSET_MASK) + in_off, buf, n);
}

/* The L2 entry for guest offset `off` (0 when no L2 table). */
static int qcow2_get_entry(BlockDriverState *bs, uint64_t off, uint64_t *entry)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1_idx = off >> (s->cluster_bits + s->l2_bits);
    uint32_t l2_idx = (uint32_t)((off >> s->cluster_bits) & (s->l2_size - 1));
    uint64_t l2_off, *t;
    int ret;

    *entry = 0;
    if (l1_idx >= s->l1_size) {
        return 0;
    }
    l2_off = s->l1_table[l1_idx] & QCOW2_L1E_OFFSET_MASK;
    if (!l2_off) {
        return 0;
    }
    ret = qcow2_l2_load(bs, l2_off, &t);
    if (ret < 0) {
        return ret;
    }
    *entry = __builtin_bswap64(t[l2_idx]);
    return 0;
}

int qcow2_read(BlockDriverState *bs, uint64_t offset, void *buf, size_t len)
{
    Qcow2State *s = bs->opaque;
    uint8_t *p = buf;

    while (len) {
        uint32_t in_off = (uint32_t)(offset & (s->cluster_size - 1));
        size_t n = s->cluster_size - in_off;
        uint64_t e;
        int ret;

        if (n > len) {
            n = len;
        }
        ret = qcow2_get_entry(bs, offset, &e);
        if (ret == 0) {
            ret = qcow2_read_entry(bs, e, offset - in_off, in_off, p, n);
        }
        if (ret < 0) {
            return ret;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

static int qcow2_set_l1_entry(BlockDriverState *bs, uint64_t idx, uint64_t v)
{
    Qcow2State *s = bs->opaque;
    uint8_t be[8];
    int ret;

    st_be64(be, v);
    ret = bdrv_pwrite(bs->fd, s->l1_table_offset + idx * 8, be, 8);
    if (ret == 0) {
        s->l1_table[idx] = v;
        qcow2_meta_add(s, v & QCOW2_L1E_OFFSET_MASK, 1, QCOW2_META_ACTIVE_L2);
    }
    return ret;
}

/*
 * The L2 table for guest offset `off`, made private to the active L1
 * (allocated if absent, copied if shared with a snapshot).
 */
static int qcow2_l2_for_write(BlockDriverState *bs, uint64_t off, uint64_t *l2_off_out,
                              uint64_t **table)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1_idx = off >> (s->cluster_bits + s->l2_bits);
    uint64_t l1e, old, *t;
    Qcow2CachedTable *c;
    int64_t new_off;
    int ret;

    if (l1_idx >= s->l1_size) {
        return -EIO;  /* open checked size against l1_size */
    }
    l1e = s->l1_table[l1_idx];
    old = l1e & QCOW2_L1E_OFFSET_MASK;
    if (old && (l1e & QCOW2_OFLAG_COPIED)) {
        *l2_off_out = old;
        return qcow2_l2_load(bs, old, table);
    }
    new_off = qcow2_alloc_cluster(bs);
    if (new_off < 0) {
        return (int)new_off;
    }
    if (old) {
        ret = qcow2_l2_load(bs, old, &t);
        if (ret < 0) {
            return ret;
        }
        memcpy(s->cluster_buf, t, s->cluster_size);
    } else {
        memset(s->cluster_buf, 0, s->cluster_size);
    }
    ret = qcow2_pre_write_check(bs, (uint64_t)new_off, s->cluster_size);
    if (ret == 0) {
        ret = bdrv_pwrite(bs->fd, (uint64_t)new_off, s->cluster_buf, s->cluster_size);
    }
    if (ret < 0) {
        return ret;
    }
    c = l2_cache_slot(s, (uint64_t)new_off);
    if (!c) {
        return -ENOMEM;
    }
    memcpy(c->data, s->cluster_buf, s->cluster_size);
    c->offset = (uint64_t)new_off;
    c->lru = ++s->lru_clock;
    ret = qcow2_set_l1_entry(bs, l1_idx, (uint64_t)new_off | QCOW2_OFLAG_COPIED);
    if (ret < 0) {
        return ret;
    }
    if (old) {
        ret = qcow2_update_refcount(bs, old, s->cluster_size, -1);
        if (ret < 0) {
            return ret;
        }
    }
    *l2_off_out = (uint64_t)new_off;
    return qcow2_l2_load(bs, (uint64_t)new_off, table);
}

static int qcow2_set_l2_entry(BlockDriverState *bs, uint64_t l2_off, uint64_t *table,
                              uint32_t idx, uint64_t v)
{
    uint8_t be[8];
    int ret;

    st_be64(be, v);
    ret = bdrv_pwrite(bs->fd, l2_off + idx * 8ull, be, 8);
    if (ret == 0) {
        table[idx] = __builtin_bswap64(v);
    } else {
        qcow2_l2_cache_drop(bs->opaque, l2_off);
    }
    return ret;
}

/* Drop this mapping's reference to its host clusters (after the L2 entry moved away). */
static int qcow2_release_entry(BlockDriverState *bs, uint64_t e)
{
    Qcow2State *s = bs->opaque;

    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint32_t x = 62 - (s->cluster_bits - 8);
        uint64_t coff = e & ((1ull << x) - 1);
        uint64_t nsec = ((e >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
        return qcow2_update_refcount(bs, coff & ~511ull, nsec * 512, -1);
    }
    if (e & QCOW2_L2E_OFFSET_MASK) {
        return qcow2_update_refcount(bs, e & QCOW2_L2E_OFFSET_MASK, s->cluster_size, -1);
    }
    return 0;
}

/* Write within one guest cluster; src NULL writes zeros. */
static int qcow2_write_cluster(BlockDriverState *bs, uint64_t offset, const uint8_t *src,
                               size_t n)
{
    Qcow2State *s = bs->opaque;
    uint32_t in_off = (uint32_t)(offset & (s->cluster_size - 1));
    uint64_t gcl = offset - in_off;
    uint32_t l2_idx = (uint32_t)((offset >> s->cluster_bits) & (s->l2_size - 1));
    uint64_t l2_off, *t, e, host;
    const uint8_t *data;
    int64_t new_off;
    bool in_place;
    int ret;

    ret = qcow2_l2_for_write(bs, offset, &l2_off, &t);
    if (ret < 0) {
        return ret;
    }
    e = __builtin_bswap64(t[l2_idx]);
    host = e & QCOW2_L2E_OFFSET_MASK;
    in_place = !(e & QCOW2_OFLAG_COMPRESSED) && host && (e & QCOW2_OFLAG_COPIED) &&
               !(s->version >= 3 && (e & QCOW2_OFLAG_ZERO));
    if (!(e & QCOW2_OFLAG_COMPRESSED) && host) {
        /*
         * An entry that maps metadata (a flipped bit, another writer's
         * bug): writing in place would overwrite it, copying would drop
         * its refcount.  Either way the image is corrupt.
         */
        ret = in_place ? qcow2_pre_write_check(bs, host + in_off, n)
                       : qcow2_pre_write_check(bs, host, s->cluster_size);
        if (ret < 0) {
            return ret;
        }
    }
    if (qcow2_check_l2_entry(s, e) < 0) {
        return -EINVAL;
    }
    if (in_place) {
        /* Ours alone: write in place. */
        if (src) {
            return bdrv_pwrite(bs->fd, host + in_off, src, n);
        }
        memset(s->cluster_buf, 0, n);
        return bdrv_pwrite(bs->fd, host + in_off, s->cluster_buf, n);
    }

    /* Allocate, filling the rest of the cluster from what it showed before. */
    if (n == s->cluster_size && src) {
        data = src;
    } else {
        if (n < s->cluster_size) {
            ret = qcow2_read_entry(bs, e, gcl, 0, s->cluster_buf, s->cluster_size);
            if (ret < 0) {
                return ret;
            }
        }
        if (src) {
            memcpy(s->cluster_buf + in_off, src, n);
        } else {
            memset(s->cluster_buf + in_off, 0, n);
        }
        data = s->cluster_buf;
    }
    new_off = qcow2_alloc_cluster(bs);
    if (new_off < 0) {
        return (int)new_off;
    }
    ret = qcow2_pre_write_check(bs, (uint64_t)new_off, s->cluster_size);
    if (ret == 0) {
        ret = bdrv_pwrite(bs->fd, (uint64_t)new_off, data, s->cluster_size);
    }
    if (ret < 0) {
        return ret;
    }
    /* The allocation may have evicted or moved the table: reload it. */
    ret = qcow2_l2_load(bs, l2_off, &t);
    if (ret < 0) {
        return ret;
    }
    ret = qcow2_set_l2_entry(bs, l2_off, t, l2_idx, (uint64_t)new_off | QCOW2_OFLAG_COPIED);
    if (ret < 0) {
        return ret;
    }
    return qcow2_release_entry(bs, e);
}

int qcow2_write(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len)
{
    Qcow2State *s = bs->opaque;
    const uint8_t *p = buf;

    if (s->corrupt) {
        return -EIO;
    }
    while (len) {
        size_t n = s->cluster_size - (offset & (s->cluster_size - 1));
        int ret;

        if (n > len) {
            n = len;
        }
        ret = qcow2_write_cluster(bs, offset, p, n);
        if (ret < 0) {
            return ret;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

/*
 * Whole clusters become zero clusters (v3 flag) or, on v2 without a
 * backing file, unallocated; partial clusters and v2 images with a
 * backing file get written zeros.
 */
int qcow2_write_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    Qcow2State *s = bs->opaque;

    if (s->corrupt) {
        return -EIO;
    }
    while (len) {
        uint32_t in_off = (uint32_t)(offset & (s->cluster_size - 1));
        uint64_t n = s->cluster_size - in_off;
        bool whole;
        int ret;

        if (n > len) {
            n = len;
        }
        whole = in_off == 0 && (n == s->cluster_size || offset + n == bs->size);
        if (whole && (s->version >= 3 || !bs->backing)) {
            uint32_t l2_idx = (uint32_t)((offset >> s->cluster_bits) & (s->l2_size - 1));
            uint64_t l2_off, *t, e, want;

            ret = qcow2_get_entry(bs, offset, &e);
            if (ret < 0) {
                return ret;
            }
            want = s->version >= 3 ? QCOW2_OFLAG_ZERO : 0;
            if (e != want && !(e == 0 && !bs->backing)) {
                ret = qcow2_l2_for_write(bs, offset, &l2_off, &t);
                if (ret < 0) {
                    return ret;
                }
                e = __builtin_bswap64(t[l2_idx]);
                if (!(e & QCOW2_OFLAG_COMPRESSED) && (e & QCOW2_L2E_OFFSET_MASK)) {
                    /* Releasing a cluster that is metadata would free it for reuse. */
                    ret = qcow2_pre_write_check(bs, e & QCOW2_L2E_OFFSET_MASK,
                                                s->cluster_size);
                    if (ret < 0) {
                        return ret;
                    }
                }
                if (qcow2_check_l2_entry(s, e) < 0) {
                    return -EINVAL;
                }
                ret = qcow2_set_l2_entry(bs, l2_off, t, l2_idx, want);
                if (ret == 0) {
                    ret = qcow2_release_entry(bs, e);
                }
            }
        } else {
            ret = qcow2_write_cluster(bs, offset, NULL, (size_t)n);
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        len -= n;
    }
    return 0;
}

int qcow2_write_compressed(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len)
{
    Qcow2State *s = bs->opaque;
    uint32_t l2_idx = (uint32_t)((offset >> s->cluster_bits) & (s->l2_size - 1));
    uint32_t x = 62 - (s->cluster_bits - 8);
    uint64_t l2_off, *t, e, coff, nsec;
    uint8_t *in = s->decomp_buf, *out = s->compressed_buf;
    size_t clen;
    z_stream z;
    int ret, zr;

    if (offset & (s->cluster_size - 1) || len > s->cluster_size || bs->read_only ||
        offset + len > bs->size) {
        return -EINVAL;
    }
    if (s->corrupt) {
        return -EIO;
    }
    ret = qcow2_get_entry(bs, offset, &e);
    if (ret < 0) {
        return ret;
    }
    if (e) {
        return -EEXIST;
    }
    memcpy(in, buf, len);
    memset(in + len, 0, s->cluster_size - len);
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = in;
    z.avail_in = s->cluster_size;
    z.next_out = out;
    z.avail_out = s->cluster_size;
    zr = deflate(&z, Z_FINISH);
    clen = s->cluster_size - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END || clen >= s->cluster_size - 512) {
        return qcow2_write(bs, offset, in, len);  /* not worth it */
    }

    /* Pack into the current partly used cluster when it fits, else a new one. */
    if (s->compressed_next &&
        (s->compressed_next & (s->cluster_size - 1)) + clen <= s->cluster_size &&
        (s->compressed_next & (s->cluster_size - 1)) != 0) {
        bool meta_valid = s->meta_valid;

        coff = s->compressed_next;
        ret = qcow2_update_refcount(bs, coff, 1, 1);
        if (ret < 0) {
            return ret;
        }
        /* A data cluster gaining a user moves no metadata (update_refcount cannot know). */
        s->meta_valid = meta_valid;
    } else {
        int64_t c = qcow2_alloc_cluster(bs);
        if (c < 0) {
            return (int)c;
        }
        coff = (uint64_t)c;
    }
    ret = qcow2_pre_write_check(bs, coff, clen);
    if (ret == 0) {
        ret = bdrv_pwrite(bs->fd, coff, out, clen);
    }
    if (ret < 0) {
        return ret;
    }
    s->compressed_next = coff + clen;
    nsec = ((coff + clen - 1) >> 9) - (coff >> 9);
    ret = qcow2_l2_for_write(bs, offset, &l2_off, &t);
    if (ret < 0) {
        return ret;
    }
    return qcow2_set_l2_entry(bs, l2_off, t, l2_idx,
                              QCOW2_OFLAG_COMPRESSED | (nsec << x) | coff);
}

int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size)
{
    Qcow2State *s = bs->opaque;
    uint64_t bytes = min_size * 8;
    uint64_t nclusters = (bytes + s->cluster_size - 1) >> s->cluster_bits;
    uint64_t old_off = s->l1_table_offset, old_bytes = (uint64_t)s->l1_size * 8;
    uint64_t *t, *be;
    uint8_t hdr[12];
    int64_t off;
    int ret;

    if (bytes > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    t = calloc(nclusters << s->cluster_bits, 1);
    be = calloc(nclusters << s->cluster_bits, 1);
    if (!t || !be) {
        free(t);
        free(be);
        return -ENOMEM;
    }
    memcpy(t, s->l1_table, old_bytes);
    for (uint64_t i = 0; i < min_size; i++) {
        be[i] = __builtin_bswap64(t[i]);
    }
    off = qcow2_alloc_clusters(bs, nclusters);
    if (off < 0) {
        free(t);
        free(be);
        return (int)off;
    }
    ret = qcow2_pre_write_check(bs, (uint64_t)off, nclusters << s->cluster_bits);
    if (ret == 0) {
        ret = bdrv_pwrite(bs->fd, (uint64_t)off, be, nclusters << s->cluster_bits);
    }
    free(be);
    if (ret < 0) {
        free(t);
        return ret;
    }
    st_be32(hdr, (uint32_t)min_size);
    st_be64(hdr + 4, (uint64_t)off);
    ret = bdrv_pwrite(bs->fd, 36, hdr, 12);
    if (ret < 0) {
        free(t);
        return ret;
    }
    free(s->l1_table);
    s->l1_table = t;
    s->l1_size = (uint32_t)min_size;
    s->l1_table_offset = (uint64_t)off;
    qcow2_meta_invalidate(s);
    if (old_bytes) {
        return qcow2_update_refcount(bs, old_off, old_bytes, -1);
    }
    return 0;
}
