/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 internal snapshots (QEMU docs/interop/qcow2.txt "Snapshots"): the
 * snapshot table (read and validated at open, rewritten to fresh clusters
 * and switched in by one header write), and create/apply/delete, which
 * copy L1 tables and move refcounts so that a cluster shared between the
 * active image and a snapshot has refcount > 1 and its COPIED flag clear;
 * the next guest write to it then copies it (qcow2-cluster.c).
 * Refcount increases always come before the references they count.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block/qcow2.h"
#include "util/osdep.h"

void qcow2_free_snapshots(Qcow2State *s)
{
    for (uint32_t i = 0; s->snapshots && i < s->nb_snapshots; i++) {
        free(s->snapshots[i].id_str);
        free(s->snapshots[i].name);
        free(s->snapshots[i].extra);
    }
    free(s->snapshots);
    s->snapshots = NULL;
}

int qcow2_read_snapshots(BlockDriverState *bs, char *err, size_t errlen)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = s->snapshots_offset;
    uint8_t h[40];
    int ret;

    s->snapshots_size = 0;
    if (!s->nb_snapshots) {
        return 0;
    }
    s->snapshots = calloc(s->nb_snapshots, sizeof(Qcow2Snapshot));
    if (!s->snapshots) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        uint32_t id_len, name_len;

        if (off + sizeof(h) > s->file_size) {
            snprintf(err, errlen, "snapshot table entry %u is past the end of the file", i);
            return -EINVAL;
        }
        ret = bdrv_pread(bs->fd, off, h, sizeof(h));
        if (ret < 0) {
            snprintf(err, errlen, "could not read snapshot table: %s", strerror(-ret));
            return ret;
        }
        sn->l1_table_offset = ld_be64(h);
        sn->l1_size = ld_be32(h + 8);
        id_len = ld_be16(h + 12);
        name_len = ld_be16(h + 14);
        sn->date_sec = ld_be32(h + 16);
        sn->date_nsec = ld_be32(h + 20);
        sn->vm_clock_nsec = ld_be64(h + 24);
        sn->vm_state_size = ld_be32(h + 32);
        sn->extra_size = ld_be32(h + 36);
        sn->disk_size = bs->size ? bs->size : ld_be64((uint8_t *)s->header_raw + 24);
        if (sn->extra_size > 1024) {
            snprintf(err, errlen, "snapshot %u has %u bytes of extra data", i, sn->extra_size);
            return -EINVAL;
        }
        off += sizeof(h);
        if (off + sn->extra_size + id_len + name_len > s->file_size) {
            snprintf(err, errlen, "snapshot table entry %u is past the end of the file", i);
            return -EINVAL;
        }
        sn->extra = malloc(sn->extra_size + 1);
        sn->id_str = calloc(1, id_len + 1);
        sn->name = calloc(1, name_len + 1);
        if (!sn->extra || !sn->id_str || !sn->name) {
            return -ENOMEM;
        }
        ret = bdrv_pread(bs->fd, off, sn->extra, sn->extra_size);
        off += sn->extra_size;
        if (ret == 0) {
            ret = bdrv_pread(bs->fd, off, sn->id_str, id_len);
        }
        off += id_len;
        if (ret == 0) {
            ret = bdrv_pread(bs->fd, off, sn->name, name_len);
        }
        off += name_len;
        off = (off + 7) & ~7ull;
        if (ret < 0) {
            snprintf(err, errlen, "could not read snapshot table: %s", strerror(-ret));
            return ret;
        }
        if (sn->extra_size >= 16) {
            sn->disk_size = ld_be64(sn->extra + 8);
        }
        if ((uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES ||
            (sn->l1_size && ((sn->l1_table_offset & (s->cluster_size - 1)) ||
                             sn->l1_table_offset == 0 || sn->l1_table_offset > s->file_size ||
                             (uint64_t)sn->l1_size * 8 > s->file_size - sn->l1_table_offset))) {
            snprintf(err, errlen, "snapshot %u has an invalid L1 table (offset 0x%" PRIx64
                     ", %u entries)", i, sn->l1_table_offset, sn->l1_size);
            return -EINVAL;
        }
    }
    s->snapshots_size = off - s->snapshots_offset;
    return 0;
}

/* Add `addend` to the refcount of every cluster an L1 table (host order) reaches. */
static int qcow2_tree_refcount(BlockDriverState *bs, const uint64_t *l1, uint32_t l1_size,
                               int addend)
{
    Qcow2State *s = bs->opaque;
    uint64_t *l2 = malloc(s->cluster_size);
    int ret = 0;

    if (!l2) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; ret == 0 && i < l1_size; i++) {
        uint64_t l2_off = l1[i] & QCOW2_L1E_OFFSET_MASK;
        if (!l2_off) {
            continue;
        }
        if ((l2_off & (s->cluster_size - 1)) || l2_off >= s->file_size) {
            ret = -EINVAL;
            break;
        }
        ret = bdrv_pread(bs->fd, l2_off, l2, s->cluster_size);
        for (uint32_t j = 0; ret == 0 && j < s->l2_size; j++) {
            uint64_t e = __builtin_bswap64(l2[j]);
            if (qcow2_check_l2_entry(s, e) < 0) {
                ret = -EINVAL;
            } else if (e & QCOW2_OFLAG_COMPRESSED) {
                uint32_t x = 62 - (s->cluster_bits - 8);
                uint64_t coff = e & ((1ull << x) - 1);
                uint64_t nsec = ((e >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
                ret = qcow2_update_refcount(bs, coff & ~511ull, nsec * 512, addend);
            } else if (e & QCOW2_L2E_OFFSET_MASK) {
                ret = qcow2_update_refcount(bs, e & QCOW2_L2E_OFFSET_MASK, s->cluster_size,
                                            addend);
            }
        }
        if (ret == 0) {
            /* After the data, so a decrement never frees a table we still read. */
            ret = qcow2_update_refcount(bs, l2_off, s->cluster_size, addend);
        }
    }
    free(l2);
    return ret;
}

/* Make the active L1/L2 COPIED flags say exactly "refcount is 1". */
static int qcow2_fix_copied(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t be[8];
    int ret;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_off = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        uint64_t rc, want, *t;

        if (!l2_off) {
            continue;
        }
        ret = qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc == 1) {
            ret = qcow2_l2_load(bs, l2_off, &t);
            if (ret < 0) {
                return ret;
            }
            for (uint32_t j = 0; j < s->l2_size; j++) {
                uint64_t e = __builtin_bswap64(t[j]), host = e & QCOW2_L2E_OFFSET_MASK;
                uint64_t drc;
                if ((e & QCOW2_OFLAG_COMPRESSED) || !host) {
                    continue;
                }
                ret = qcow2_get_refcount(bs, host >> s->cluster_bits, &drc);
                if (ret < 0) {
                    return ret;
                }
                want = drc == 1 ? (e | QCOW2_OFLAG_COPIED) : (e & ~QCOW2_OFLAG_COPIED);
                if (want != e) {
                    st_be64(be, want);
                    ret = bdrv_pwrite(bs->fd, l2_off + j * 8ull, be, 8);
                    if (ret < 0) {
                        qcow2_l2_cache_drop(s, l2_off);
                        return ret;
                    }
                    t[j] = __builtin_bswap64(want);
                }
            }
        } else {
            /* A shared table: its entries stay as they are (their clusters are shared too). */
            ret = qcow2_l2_load(bs, l2_off, &t);
            if (ret < 0) {
                return ret;
            }
            for (uint32_t j = 0; j < s->l2_size; j++) {
                uint64_t e = __builtin_bswap64(t[j]);
                if (e & QCOW2_OFLAG_COPIED) {
                    e &= ~QCOW2_OFLAG_COPIED;
                    st_be64(be, e);
                    ret = bdrv_pwrite(bs->fd, l2_off + j * 8ull, be, 8);
                    if (ret < 0) {
                        qcow2_l2_cache_drop(s, l2_off);
                        return ret;
                    }
                    t[j] = __builtin_bswap64(e);
                }
            }
        }
        want = rc == 1 ? (s->l1_table[i] | QCOW2_OFLAG_COPIED)
                       : (s->l1_table[i] & ~QCOW2_OFLAG_COPIED);
        if (want != s->l1_table[i]) {
            st_be64(be, want);
            ret = bdrv_pwrite(bs->fd, s->l1_table_offset + i * 8ull, be, 8);
            if (ret < 0) {
                return ret;
            }
            s->l1_table[i] = want;
        }
    }
    return 0;
}

/* Write `sn[0..n)` as a new snapshot table, switch the header to it, free the old one. */
static int qcow2_write_snapshot_table(BlockDriverState *bs, Qcow2Snapshot *sn, uint32_t n)
{
    Qcow2State *s = bs->opaque;
    uint64_t size = 0, off = 0, old_off = s->snapshots_offset, old_size = s->snapshots_size;
    uint8_t *buf, hdr[12];
    int64_t table = 0;
    int ret;

    for (uint32_t i = 0; i < n; i++) {
        size += (40 + sn[i].extra_size + strlen(sn[i].id_str) + strlen(sn[i].name) + 7) & ~7ull;
    }
    buf = calloc(1, size ? size : 1);
    if (!buf) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t il = strlen(sn[i].id_str), nl = strlen(sn[i].name);
        st_be64(buf + off, sn[i].l1_table_offset);
        st_be32(buf + off + 8, sn[i].l1_size);
        st_be16(buf + off + 12, (uint16_t)il);
        st_be16(buf + off + 14, (uint16_t)nl);
        st_be32(buf + off + 16, sn[i].date_sec);
        st_be32(buf + off + 20, sn[i].date_nsec);
        st_be64(buf + off + 24, sn[i].vm_clock_nsec);
        st_be32(buf + off + 32, sn[i].vm_state_size);
        st_be32(buf + off + 36, sn[i].extra_size);
        memcpy(buf + off + 40, sn[i].extra, sn[i].extra_size);
        memcpy(buf + off + 40 + sn[i].extra_size, sn[i].id_str, il);
        memcpy(buf + off + 40 + sn[i].extra_size + il, sn[i].name, nl);
        off += (40 + sn[i].extra_size + il + nl + 7) & ~7ull;
    }
    if (size) {
        table = qcow2_alloc_clusters(bs, (size + s->cluster_size - 1) >> s->cluster_bits);
        if (table < 0) {
            free(buf);
            return (int)table;
        }
        ret = bdrv_pwrite(bs->fd, (uint64_t)table, buf, size);
        if (ret < 0) {
            free(buf);
            return ret;
        }
    }
    free(buf);
    st_be32(hdr, n);
    st_be64(hdr + 4, (uint64_t)table);
    ret = bdrv_pwrite(bs->fd, 60, hdr, 12);
    if (ret < 0) {
        return ret;
    }
    s->snapshots_offset = (uint64_t)table;
    s->snapshots_size = size;
    if (old_size) {
        ret = qcow2_update_refcount(bs, old_off, old_size, -1);
    }
    return ret;
}

static int qcow2_find_snapshot(Qcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].name, name) || !strcmp(s->snapshots[i].id_str, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Where the VM state starts for a disk of disk_size bytes. */
static uint64_t vmstate_offset_for(Qcow2State *s, uint64_t disk_size)
{
    uint64_t l1_span = (uint64_t)s->cluster_size << s->l2_bits;

    return (disk_size + l1_span - 1) / l1_span * l1_span;
}

uint64_t qcow2_vmstate_offset(BlockDriverState *bs)
{
    return vmstate_offset_for(bs->opaque, bs->size);
}

int qcow2_save_vmstate(BlockDriverState *bs, uint64_t pos, const void *buf, size_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t end = qcow2_vmstate_offset(bs) + pos + len;
    uint64_t l1_need = (end + ((uint64_t)s->cluster_size << s->l2_bits) - 1) >>
                       (s->cluster_bits + s->l2_bits);
    int ret;

    if (bs->read_only) {
        return -EROFS;
    }
    if (l1_need > s->l1_size) {
        ret = qcow2_grow_l1(bs, l1_need);
        if (ret < 0) {
            return ret;
        }
    }
    return qcow2_write(bs, qcow2_vmstate_offset(bs) + pos, buf, len);
}

int qcow2_drop_vmstate(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint64_t first = qcow2_vmstate_offset(bs) >> (s->cluster_bits + s->l2_bits);
    int ret = 0;

    for (uint64_t i = first; ret == 0 && i < s->l1_size; i++) {
        uint64_t e = s->l1_table[i];
        uint8_t zero[8] = { 0 };

        if (!(e & QCOW2_L1E_OFFSET_MASK)) {
            continue;
        }
        /* Unlink, then drop the references: a crash in between only leaks. */
        ret = bdrv_pwrite(bs->fd, s->l1_table_offset + i * 8, zero, 8);
        if (ret == 0) {
            s->l1_table[i] = 0;
            ret = qcow2_tree_refcount(bs, &e, 1, -1);
        }
        qcow2_l2_cache_drop(s, e & QCOW2_L1E_OFFSET_MASK);
    }
    return ret;
}

const Qcow2Snapshot *qcow2_snapshot_find(BlockDriverState *bs, const char *name)
{
    Qcow2State *s = bs->opaque;
    int i = qcow2_find_snapshot(s, name);

    return i < 0 ? NULL : &s->snapshots[i];
}

int qcow2_load_vmstate(BlockDriverState *bs, const Qcow2Snapshot *sn, uint64_t pos, void *buf,
                       size_t len)
{
    Qcow2State *s = bs->opaque;
    /* Past the disk as it was when the snapshot was taken (it may have been resized since). */
    uint64_t off = vmstate_offset_for(s, sn->disk_size) + pos, l2_cached = 0;
    uint64_t l1_cached_idx = UINT64_MAX;
    uint64_t l1e = 0;
    uint64_t run_host = 0, run_len = 0;
    uint8_t *p = buf, *run_dst = NULL;
    uint64_t *l2 = malloc(s->cluster_size);
    int ret = 0;

    if (!l2) {
        return -ENOMEM;
    }
    if (pos > qcow2_snapshot_vm_state_size(sn) || len > qcow2_snapshot_vm_state_size(sn) - pos) {
        free(l2);
        return -EINVAL;
    }
    /* Runs of clusters that follow each other in the file become one read. */
    while (ret == 0 && len) {
        uint64_t l1_idx = off >> (s->cluster_bits + s->l2_bits), e = 0, host;
        uint32_t in_off = (uint32_t)(off & (s->cluster_size - 1));
        size_t n = s->cluster_size - in_off < len ? s->cluster_size - in_off : len;

        if (l1_idx != l1_cached_idx) {
            l1e = 0;
            if (l1_idx < sn->l1_size) {
                ret = bdrv_pread(bs->fd, sn->l1_table_offset + l1_idx * 8, &l1e, 8);
                l1e = __builtin_bswap64(l1e) & QCOW2_L1E_OFFSET_MASK;
            }
            l1_cached_idx = l1_idx;
        }
        if (ret == 0 && l1e && l1e != l2_cached) {
            if ((l1e & (s->cluster_size - 1)) || l1e + s->cluster_size > s->file_size) {
                ret = -EINVAL;
            } else {
                ret = bdrv_pread(bs->fd, l1e, l2, s->cluster_size);
                l2_cached = ret == 0 ? l1e : 0;
            }
        }
        if (ret == 0 && l1e) {
            e = __builtin_bswap64(l2[(off >> s->cluster_bits) & (s->l2_size - 1)]);
            if (qcow2_check_l2_entry(s, e) < 0 || (e & QCOW2_OFLAG_COMPRESSED)) {
                ret = -EINVAL;
            }
        }
        if (ret < 0) {
            break;
        }
        host = (s->version >= 3 && (e & QCOW2_OFLAG_ZERO)) ? 0 : e & QCOW2_L2E_OFFSET_MASK;
        if (run_len && (!host || host + in_off != run_host + run_len)) {
            ret = bdrv_pread(bs->fd, run_host, run_dst, run_len);
            run_len = 0;
        }
        if (!host) {
            memset(p, 0, n);
        } else if (!run_len) {
            run_host = host + in_off;
            run_dst = p;
            run_len = n;
        } else {
            run_len += n;
        }
        p += n;
        off += n;
        len -= n;
    }
    if (ret == 0 && run_len) {
        ret = bdrv_pread(bs->fd, run_host, run_dst, run_len);
    }
    free(l2);
    return ret;
}

/* Drop snapshot sn's references (it is no longer in the table). */
static int qcow2_snapshot_release(BlockDriverState *bs, const Qcow2Snapshot *sn)
{
    uint64_t *l1 = calloc(sn->l1_size ? sn->l1_size : 1, 8);
    int ret;

    if (!l1) {
        return -ENOMEM;
    }
    ret = bdrv_pread(bs->fd, sn->l1_table_offset, l1, (size_t)sn->l1_size * 8);
    for (uint32_t i = 0; i < sn->l1_size; i++) {
        l1[i] = __builtin_bswap64(l1[i]);
    }
    if (ret == 0) {
        ret = qcow2_tree_refcount(bs, l1, sn->l1_size, -1);
    }
    if (ret == 0 && sn->l1_size) {
        ret = qcow2_update_refcount(bs, sn->l1_table_offset, (uint64_t)sn->l1_size * 8, -1);
    }
    if (ret == 0) {
        ret = qcow2_fix_copied(bs);
    }
    free(l1);
    return ret;
}

int qcow2_snapshot_create(BlockDriverState *bs, const char *name)
{
    return qcow2_snapshot_create_vm(bs, name, 0, 0, false);
}

int qcow2_snapshot_create_vm(BlockDriverState *bs, const char *name, uint64_t vm_state_size,
                             uint64_t vm_clock_ns, bool replace)
{
    Qcow2State *s = bs->opaque;
    Qcow2Snapshot *list, *sn, old = { 0 };
    uint64_t *be, next_id = 1;
    int64_t l1_off = 0;
    struct timespec ts;
    char id[24];
    int ret, old_idx = qcow2_find_snapshot(s, name);
    uint32_t kept = s->nb_snapshots;

    if (bs->read_only) {
        return -EROFS;
    }
    if (strlen(name) > 65535 || (old_idx >= 0 && !replace)) {
        return -EEXIST;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        uint64_t v = strtoull(s->snapshots[i].id_str, NULL, 10);
        if (v >= next_id) {
            next_id = v + 1;
        }
    }
    snprintf(id, sizeof(id), "%" PRIu64, next_id);

    /*
     * Between the refcount increases below and the COPIED flags cleared
     * after them, the active tables say "refcount 1" of clusters counted
     * twice (qemu-img check: "OFLAG_COPIED ... refcount=2"), and no order
     * of the writes avoids that.  The dirty bit (spec: incompatible bit 0,
     * "refcounts may be inconsistent") covers the window, so an open after
     * a crash in it rebuilds them, as QEMU's does; v2 images have no bit.
     */
    bool dirty = s->version >= 3 && !(s->incompat & QCOW2_INCOMPAT_DIRTY);
    if (dirty && (ret = qcow2_write_incompat(bs, s->incompat | QCOW2_INCOMPAT_DIRTY)) < 0) {
        return ret;
    }
    /* Count the new references first, then write the L1 copy that holds them. */
    ret = qcow2_tree_refcount(bs, s->l1_table, s->l1_size, 1);
    if (ret < 0) {
        return ret;
    }
    if (s->l1_size) {
        l1_off = qcow2_alloc_clusters(bs, ((uint64_t)s->l1_size * 8 + s->cluster_size - 1) >>
                                              s->cluster_bits);
        if (l1_off < 0) {
            return (int)l1_off;
        }
        be = malloc((size_t)s->l1_size * 8);
        if (!be) {
            return -ENOMEM;
        }
        for (uint32_t i = 0; i < s->l1_size; i++) {
            be[i] = __builtin_bswap64(s->l1_table[i] & ~QCOW2_OFLAG_COPIED);
        }
        ret = bdrv_pwrite(bs->fd, (uint64_t)l1_off, be, (size_t)s->l1_size * 8);
        free(be);
        if (ret < 0) {
            return ret;
        }
    }
    ret = qcow2_fix_copied(bs);
    if (ret == 0 && dirty) {
        /* Consistent again but for leaks, which the commit below turns into references. */
        ret = qcow2_write_incompat(bs, s->incompat & ~QCOW2_INCOMPAT_DIRTY);
    }
    if (ret < 0) {
        return ret;
    }

    list = calloc(s->nb_snapshots + 1, sizeof(*list));
    if (!list) {
        return -ENOMEM;
    }
    if (s->nb_snapshots) {
        memcpy(list, s->snapshots, s->nb_snapshots * sizeof(*list));
    }
    if (old_idx >= 0) {
        /* The old snapshot of this name leaves the table in the same write. */
        old = list[old_idx];
        memmove(list + old_idx, list + old_idx + 1, (kept - old_idx - 1) * sizeof(*list));
        kept--;
    }
    sn = &list[kept];
    clock_gettime(CLOCK_REALTIME, &ts);
    sn->l1_table_offset = (uint64_t)l1_off;
    sn->l1_size = s->l1_size;
    sn->id_str = strdup(id);
    sn->name = strdup(name);
    sn->date_sec = (uint32_t)ts.tv_sec;
    sn->date_nsec = (uint32_t)ts.tv_nsec;
    sn->vm_clock_nsec = vm_clock_ns;
    sn->vm_state_size = vm_state_size > UINT32_MAX ? 0 : (uint32_t)vm_state_size;
    sn->disk_size = bs->size;
    sn->extra_size = 24;
    sn->extra = calloc(1, 24);
    if (!sn->id_str || !sn->name || !sn->extra) {
        free(sn->id_str);
        free(sn->name);
        free(sn->extra);
        free(list);
        return -ENOMEM;
    }
    st_be64(sn->extra, vm_state_size);    /* vm_state_size_large */
    st_be64(sn->extra + 8, bs->size);
    st_be64(sn->extra + 16, UINT64_MAX);  /* icount: not recorded */
    /*
     * The commit point: before it the image has only leaks, after it the
     * snapshot.  Everything it points to is on stable storage first, so a
     * power loss cannot leave a table entry naming unwritten clusters.
     */
    ret = fdatasync(bs->fd) < 0 ? -errno : qcow2_write_snapshot_table(bs, list, kept + 1);
    if (ret < 0) {
        free(sn->id_str);
        free(sn->name);
        free(sn->extra);
        free(list);
        return ret;
    }
    free(s->snapshots);
    s->snapshots = list;
    s->nb_snapshots = kept + 1;
    /* The VM state stays in the snapshot only (as QEMU), and a replaced one goes. */
    ret = vm_state_size ? qcow2_drop_vmstate(bs) : 0;
    if (ret == 0 && old_idx >= 0) {
        ret = qcow2_snapshot_release(bs, &old);
    }
    if (old_idx >= 0) {
        free(old.id_str);
        free(old.name);
        free(old.extra);
    }
    return ret;
}

int qcow2_snapshot_apply(BlockDriverState *bs, const char *name)
{
    Qcow2State *s = bs->opaque;
    int idx = qcow2_find_snapshot(s, name);
    Qcow2Snapshot *sn;
    uint64_t *snap_l1 = NULL, *old_l1, *be;
    uint8_t size_be[8];
    int ret;

    if (bs->read_only) {
        return -EROFS;
    }
    if (idx < 0) {
        return -ENOENT;
    }
    sn = &s->snapshots[idx];
    if (sn->l1_size > s->l1_size) {
        ret = qcow2_grow_l1(bs, sn->l1_size);
        if (ret < 0) {
            return ret;
        }
    }
    snap_l1 = calloc(s->l1_size ? s->l1_size : 1, 8);
    old_l1 = malloc((s->l1_size ? s->l1_size : 1) * 8ull);
    be = calloc(s->l1_size ? s->l1_size : 1, 8);
    if (!snap_l1 || !old_l1 || !be) {
        free(snap_l1);
        free(old_l1);
        free(be);
        return -ENOMEM;
    }
    ret = bdrv_pread(bs->fd, sn->l1_table_offset, snap_l1, (size_t)sn->l1_size * 8);
    for (uint32_t i = 0; i < s->l1_size; i++) {
        snap_l1[i] = __builtin_bswap64(snap_l1[i]);
        if ((snap_l1[i] & QCOW2_L1E_OFFSET_MASK) &&
            (((snap_l1[i] & QCOW2_L1E_OFFSET_MASK) & (s->cluster_size - 1)) ||
             (snap_l1[i] & QCOW2_L1E_OFFSET_MASK) >= s->file_size)) {
            ret = -EINVAL;
        }
    }
    /* The snapshot's tree gains the active L1 as a user before the old tree loses it. */
    if (ret == 0) {
        ret = qcow2_tree_refcount(bs, snap_l1, s->l1_size, 1);
    }
    if (ret == 0) {
        memcpy(old_l1, s->l1_table, (size_t)s->l1_size * 8);
        for (uint32_t i = 0; i < s->l1_size; i++) {
            be[i] = __builtin_bswap64(snap_l1[i] & ~QCOW2_OFLAG_COPIED);
            s->l1_table[i] = snap_l1[i] & ~QCOW2_OFLAG_COPIED;
        }
        ret = bdrv_pwrite(bs->fd, s->l1_table_offset, be, (size_t)s->l1_size * 8);
    }
    if (ret == 0) {
        ret = qcow2_tree_refcount(bs, old_l1, s->l1_size, -1);
    }
    if (ret == 0) {
        ret = qcow2_fix_copied(bs);
    }
    if (ret == 0 && sn->disk_size != bs->size) {
        st_be64(size_be, sn->disk_size);
        ret = bdrv_pwrite(bs->fd, 24, size_be, 8);
        if (ret == 0) {
            bs->size = sn->disk_size;
        }
    }
    free(snap_l1);
    free(old_l1);
    free(be);
    return ret;
}

int qcow2_snapshot_delete(BlockDriverState *bs, const char *name)
{
    Qcow2State *s = bs->opaque;
    int idx = qcow2_find_snapshot(s, name);
    Qcow2Snapshot sn, *list;
    int ret;

    if (bs->read_only) {
        return -EROFS;
    }
    if (idx < 0) {
        return -ENOENT;
    }
    sn = s->snapshots[idx];
    list = calloc(s->nb_snapshots, sizeof(*list));
    if (!list) {
        return -ENOMEM;
    }
    memcpy(list, s->snapshots, (size_t)idx * sizeof(*list));
    memcpy(list + idx, s->snapshots + idx + 1, (s->nb_snapshots - (uint32_t)idx - 1) *
           sizeof(*list));
    /* Unlink first: a crash afterwards only leaks the snapshot's clusters. */
    ret = qcow2_write_snapshot_table(bs, list, s->nb_snapshots - 1);
    if (ret < 0) {
        free(list);
        return ret;
    }
    free(s->snapshots);
    s->snapshots = list;
    s->nb_snapshots--;
    ret = qcow2_snapshot_release(bs, &sn);
    free(sn.id_str);
    free(sn.name);
    free(sn.extra);
    return ret;
}
