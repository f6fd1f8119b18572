/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the block layer (block/block.c, block/raw.c) and the
 * qcow2 driver (block/qcow2*.c): header validation against lying images
 * (QEMU docs/interop/qcow2.txt "Header"), reads of unallocated, zero and
 * compressed clusters, copy-on-write from a backing file and from
 * snapshots, refcount table growth, and consistency (qcow2_check, and
 * `qemu-img check` when qemu-img is installed).  Images live in a
 * temporary directory removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "block/block.h"
#include "block/qcow2.h"
#include "util/osdep.h"

static char dir[64];
static char err[512];

static const char *path(const char *name)
{
    static char buf[4][128];
    static int n;
    char *p = buf[n++ & 3];

    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

static void make_qcow2(const char *name, uint64_t size, uint32_t cs, int compat,
                       const char *backing, const char *backing_fmt)
{
    BlockCreateOpts o = { .backing_file = backing, .backing_format = backing_fmt,
                          .cluster_size = cs, .compat_version = compat };
    int ret = bdrv_create("qcow2", path(name), size, &o, err, sizeof(err));
    if (ret < 0) {
        fail_msg("create %s: %s", name, err);
    }
}

static BlockDriverState *open_rw(const char *name)
{
    BlockDriverState *bs = bdrv_open(path(name), NULL, BDRV_O_RDWR, NULL, err, sizeof(err));
    if (!bs) {
        fail_msg("open %s: %s", name, err);
    }
    return bs;
}

static void poke(const char *name, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path(name), O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

static void poke_be32(const char *name, uint64_t off, uint32_t v)
{
    uint8_t b[4];
    st_be32(b, v);
    poke(name, off, b, 4);
}

static void poke_be64(const char *name, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    st_be64(b, v);
    poke(name, off, b, 8);
}

static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

static void assert_clean(BlockDriverState *bs)
{
    Qcow2CheckResult r;
    assert_int_equal(qcow2_check(bs, 0, &r), 0);
    assert_int_equal(r.corruptions, 0);
    assert_int_equal(r.leaks, 0);
}

/* Runs `qemu-img check` on an image when qemu-img is installed. */
static void assert_qemu_img_clean(const char *name)
{
    char cmd[256];
    if (system("command -v qemu-img >/dev/null 2>&1") != 0) {
        return;
    }
    snprintf(cmd, sizeof(cmd), "qemu-img check -q '%s' >/dev/null 2>&1", path(name));
    assert_int_equal(system(cmd), 0);
}

static BlockDriverState *expect_open_fails(const char *name, const char *needle)
{
    BlockDriverState *bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_null(bs);
    if (!strstr(err, needle)) {
        fail_msg("error '%s' lacks '%s'", err, needle);
    }
    assert_null(strchr(err, '\n'));
    return bs;
}

static void test_qcow2_rejects_l1_past_eof(void **state)
{
    make_qcow2("l1.qcow2", 1 << 20, 0, 3, NULL, NULL);
    poke_be64("l1.qcow2", 40, 1ull << 40);
    expect_open_fails("l1.qcow2", "L1 table");
}

static void test_qcow2_rejects_cluster_bits_out_of_range(void **state)
{
    make_qcow2("cb.qcow2", 1 << 20, 0, 3, NULL, NULL);
    poke_be32("cb.qcow2", 20, 22);
    expect_open_fails("cb.qcow2", "cluster_bits 22");
    poke_be32("cb.qcow2", 20, 8);
    expect_open_fails("cb.qcow2", "cluster_bits 8");
}

static void test_qcow2_rejects_l1_too_small_for_size(void **state)
{
    make_qcow2("sz.qcow2", 1 << 20, 0, 3, NULL, NULL);
    poke_be64("sz.qcow2", 24, 1ull << 40);
    expect_open_fails("sz.qcow2", "too small");
}

static void test_qcow2_rejects_unknown_incompat_bit_by_number(void **state)
{
    make_qcow2("ic.qcow2", 1 << 20, 0, 3, NULL, NULL);
    poke_be64("ic.qcow2", 72, 1ull << 9);
    expect_open_fails("ic.qcow2", "bit 9");
}

static void test_qcow2_rejects_overlapping_tables(void **state)
{
    make_qcow2("ov.qcow2", 1 << 20, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("ov.qcow2");
    uint64_t l1 = ((Qcow2State *)bs->opaque)->l1_table_offset;
    bdrv_close(bs);
    poke_be64("ov.qcow2", 48, l1);  /* refcount table on top of the L1 table */
    expect_open_fails("ov.qcow2", "overlap");
}

static void test_qcow2_rejects_backing_name_outside_header(void **state)
{
    make_qcow2("bn.qcow2", 1 << 20, 0, 3, NULL, NULL);
    poke_be64("bn.qcow2", 8, 65530);
    poke_be32("bn.qcow2", 16, 100);
    expect_open_fails("bn.qcow2", "backing file name");
}

static void test_qcow2_rejects_truncated_header(void **state)
{
    int fd = open(path("tr.qcow2"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    uint8_t h[40] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    assert_int_equal(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
    close(fd);
    expect_open_fails("tr.qcow2", "too short");
}

static void test_qcow2_rejects_l2_entry_past_eof(void **state)
{
    uint8_t buf[4096];
    struct stat before, after;
    make_qcow2("l2.qcow2", 1 << 20, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("l2.qcow2");
    memset(buf, 0xab, sizeof(buf));
    assert_int_equal(bdrv_write(bs, 0, buf, sizeof(buf)), 0);
    uint64_t l2 = ((Qcow2State *)bs->opaque)->l1_table[0] & QCOW2_L1E_OFFSET_MASK;
    bdrv_close(bs);
    poke_be64("l2.qcow2", l2, QCOW2_OFLAG_COPIED | (1ull << 40));
    stat(path("l2.qcow2"), &before);
    bs = open_rw("l2.qcow2");
    assert_int_equal(bdrv_read(bs, 0, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(bdrv_write(bs, 100, buf, 10), -EINVAL);
    bdrv_close(bs);
    stat(path("l2.qcow2"), &after);
    assert_int_equal(before.st_size, after.st_size);
}

static void test_qcow2_rejects_backing_loop(void **state)
{
    make_qcow2("loop-a.qcow2", 1 << 20, 0, 3, "loop-b.qcow2", "qcow2");
    make_qcow2("loop-b.qcow2", 1 << 20, 0, 3, "loop-a.qcow2", "qcow2");
    BlockDriverState *bs = bdrv_open(path("loop-a.qcow2"), NULL, 0, NULL, err, sizeof(err));
    assert_null(bs);
    assert_non_null(strstr(err, "loops"));
}

static void test_qcow2_rejects_backing_chain_too_deep(void **state)
{
    char name[32], prev[32];
    make_qcow2("deep0.qcow2", 65536, 0, 3, NULL, NULL);
    for (int i = 1; i <= BDRV_MAX_BACKING_DEPTH + 1; i++) {
        snprintf(name, sizeof(name), "deep%d.qcow2", i);
        snprintf(prev, sizeof(prev), "deep%d.qcow2", i - 1);
        make_qcow2(name, 65536, 0, 3, prev, "qcow2");
    }
    BlockDriverState *bs = bdrv_open(path("deep16.qcow2"), NULL, 0, NULL, err, sizeof(err));
    assert_non_null(bs);    /* 16 images below the top: allowed */
    bdrv_close(bs);
    bs = bdrv_open(path(name), NULL, 0, NULL, err, sizeof(err));
    assert_null(bs);
    assert_non_null(strstr(err, "deeper than"));
}

static void test_bdrv_probes_raw_and_reports_it(void **state)
{
    bool probed_raw = false;
    assert_int_equal(bdrv_create("raw", path("p.raw"), 8192, NULL, err, sizeof(err)), 0);
    BlockDriverState *bs = bdrv_open(path("p.raw"), NULL, 0, &probed_raw, err, sizeof(err));
    assert_non_null(bs);
    assert_true(probed_raw);
    assert_string_equal(bs->drv->format_name, "raw");
    assert_int_equal(bs->size, 8192);
    bdrv_close(bs);
    make_qcow2("p.qcow2", 8192, 0, 3, NULL, NULL);
    bs = bdrv_open(path("p.qcow2"), NULL, 0, &probed_raw, err, sizeof(err));
    assert_non_null(bs);
    assert_false(probed_raw);
    assert_string_equal(bs->drv->format_name, "qcow2");
    bdrv_close(bs);
}

static void test_bdrv_rejects_out_of_bounds_and_read_only_writes(void **state)
{
    uint8_t buf[16] = { 0 };
    make_qcow2("b.qcow2", 4096, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("b.qcow2");
    assert_int_equal(bdrv_read(bs, 4090, buf, 16), -EINVAL);
    assert_int_equal(bdrv_write(bs, UINT64_MAX - 4, buf, 16), -EINVAL);
    bdrv_close(bs);
    bs = bdrv_open(path("b.qcow2"), NULL, 0, NULL, err, sizeof(err));
    assert_int_equal(bdrv_write(bs, 0, buf, 16), -EROFS);
    bdrv_close(bs);
}

static void test_raw_write_zeroes_and_discard(void **state)
{
    uint8_t buf[8192], zero[8192] = { 0 };
    assert_int_equal(bdrv_create("raw", path("z.raw"), 65536, NULL, err, sizeof(err)), 0);
    BlockDriverState *bs = bdrv_open(path("z.raw"), "raw", BDRV_O_RDWR, NULL, err, sizeof(err));
    fill(buf, sizeof(buf), 1);
    assert_int_equal(bdrv_write(bs, 4096, buf, sizeof(buf)), 0);
    assert_int_equal(bdrv_write_zeroes(bs, 4096, 100), 0);
    assert_int_equal(bdrv_read(bs, 4096, buf, 100), 0);
    assert_memory_equal(buf, zero, 100);
    assert_int_equal(bdrv_discard(bs, 4096, 8192), 0);
    assert_int_equal(bdrv_read(bs, 4096, buf, 8192), 0);
    assert_memory_equal(buf, zero, 8192);
    bdrv_close(bs);
}

/* Refcounts that call the header free: a write must fail, not loop or overwrite it. */
static void test_qcow2_write_refuses_clusters_over_metadata(void **state)
{
    uint8_t hdr[64], zero[512] = { 0 }, data[512], rt[8];
    int fd;

    make_qcow2("lie.qcow2", 1 << 20, 512, 3, NULL, NULL);
    fd = open(path("lie.qcow2"), O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
    assert_int_equal(pread(fd, rt, 8, ld_be64(hdr + 48)), 8);   /* refcount table entry 0 */
    assert_int_equal(pwrite(fd, zero, sizeof(zero), ld_be64(rt)), sizeof(zero));
    close(fd);

    /* A read-write open sees the header's refcount of 0 and refuses. */
    assert_null(bdrv_open(path("lie.qcow2"), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "refcount 0"));
    /* Past that (as a repair opens it), the allocator still refuses to hand out the header. */
    BlockDriverState *bs = bdrv_open(path("lie.qcow2"), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK,
                                     NULL, err, sizeof(err));
    assert_non_null(bs);
    memset(data, 0xab, sizeof(data));
    assert_int_equal(bdrv_write(bs, 0, data, sizeof(data)), -EIO);
    bdrv_close(bs);
    fd = open(path("lie.qcow2"), O_RDONLY);
    assert_int_equal(pread(fd, hdr, 4, 0), 4);
    close(fd);
    assert_memory_equal(hdr, "QFI\xfb", 4);
}

static void test_qcow2_write_then_read_roundtrip(void **state)
{
    enum { SIZE = 4 << 20 };
    uint8_t *mirror = calloc(1, SIZE), *buf = malloc(SIZE);
    uint32_t seed = 7;

    make_qcow2("rt.qcow2", SIZE, 4096, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("rt.qcow2");
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t off = seed % SIZE;
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + seed % 20000;
        if (off + n > SIZE) {
            n = SIZE - off;
        }
        fill(mirror + off, n, seed);
        assert_int_equal(bdrv_write(bs, off, mirror + off, n), 0);
    }
    assert_int_equal(bdrv_read(bs, 0, buf, SIZE), 0);
    assert_memory_equal(buf, mirror, SIZE);
    assert_clean(bs);
    bdrv_close(bs);
    bs = bdrv_open(path("rt.qcow2"), NULL, 0, NULL, err, sizeof(err));
    assert_int_equal(bdrv_read(bs, 0, buf, SIZE), 0);
    assert_memory_equal(buf, mirror, SIZE);
    bdrv_close(bs);
    assert_qemu_img_clean("rt.qcow2");
    free(mirror);
    free(buf);
}

static void test_qcow2_reads_zero_cluster(void **state)
{
    uint8_t buf[65536], zero[65536] = { 0 };
    assert_int_equal(bdrv_create("raw", path("zb.raw"), 1 << 20, NULL, err, sizeof(err)), 0);
    BlockDriverState *base = bdrv_open(path("zb.raw"), "raw", BDRV_O_RDWR, NULL, err,
                                       sizeof(err));
    memset(buf, 0x5a, sizeof(buf));
    assert_int_equal(bdrv_write(base, 0, buf, sizeof(buf)), 0);
    bdrv_close(base);
    for (int compat = 2; compat <= 3; compat++) {
        make_qcow2("zc.qcow2", 1 << 20, 0, compat, "zb.raw", "raw");
        BlockDriverState *bs = open_rw("zc.qcow2");
        assert_int_equal(bdrv_read(bs, 0, buf, sizeof(buf)), 0);
        assert_int_equal(buf[100], 0x5a);   /* unallocated: from the backing file */
        assert_int_equal(bdrv_write_zeroes(bs, 0, 65536), 0);
        assert_int_equal(bdrv_read(bs, 0, buf, sizeof(buf)), 0);
        assert_memory_equal(buf, zero, sizeof(buf));
        if (compat == 3) {
            uint64_t l2 = ((Qcow2State *)bs->opaque)->l1_table[0] & QCOW2_L1E_OFFSET_MASK;
            uint64_t *t;
            assert_int_equal(qcow2_l2_load(bs, l2, &t), 0);
            assert_int_equal(__builtin_bswap64(t[0]), QCOW2_OFLAG_ZERO);
        }
        assert_clean(bs);
        bdrv_close(bs);
    }
}

static void test_qcow2_partial_write_copies_backing(void **state)
{
    uint8_t base_data[65536], buf[65536];
    fill(base_data, sizeof(base_data), 3);
    make_qcow2("cb-base.qcow2", 1 << 20, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("cb-base.qcow2");
    assert_int_equal(bdrv_write(bs, 65536, base_data, sizeof(base_data)), 0);
    bdrv_close(bs);
    make_qcow2("cb-top.qcow2", 1 << 20, 0, 3, "cb-base.qcow2", "qcow2");
    bs = open_rw("cb-top.qcow2");
    assert_int_equal(bdrv_write(bs, 65536 + 1000, "hello", 5), 0);
    memcpy(base_data + 1000, "hello", 5);
    assert_int_equal(bdrv_read(bs, 65536, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, base_data, sizeof(buf));
    assert_clean(bs);
    bdrv_close(bs);
    assert_qemu_img_clean("cb-top.qcow2");
}

static void test_qcow2_refcount_table_grows(void **state)
{
    enum { SIZE = 16 << 20 };
    uint8_t *buf = malloc(SIZE), *back = malloc(SIZE);
    fill(buf, SIZE, 11);
    /* 512-byte clusters: one refcount table cluster covers only 64 * 256 clusters (8 MiB). */
    make_qcow2("grow.qcow2", SIZE, 512, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("grow.qcow2");
    uint32_t before = ((Qcow2State *)bs->opaque)->refcount_table_clusters;
    assert_int_equal(bdrv_write(bs, 0, buf, SIZE), 0);
    assert_true(((Qcow2State *)bs->opaque)->refcount_table_clusters > before);
    assert_clean(bs);
    bdrv_close(bs);
    bs = open_rw("grow.qcow2");
    assert_int_equal(bdrv_read(bs, 0, back, SIZE), 0);
    assert_memory_equal(buf, back, SIZE);
    bdrv_close(bs);
    assert_qemu_img_clean("grow.qcow2");
    free(buf);
    free(back);
}

static void test_qcow2_compressed_roundtrip(void **state)
{
    uint8_t buf[65536], back[65536];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i / 100);
    }
    make_qcow2("cmp.qcow2", 1 << 20, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("cmp.qcow2");
    assert_int_equal(qcow2_write_compressed(bs, 0, buf, sizeof(buf)), 0);
    assert_int_equal(qcow2_write_compressed(bs, 65536, buf, sizeof(buf)), 0);
    assert_int_equal(qcow2_write_compressed(bs, 0, buf, sizeof(buf)), -EEXIST);
    assert_int_equal(bdrv_read(bs, 65536, back, sizeof(back)), 0);
    assert_memory_equal(buf, back, sizeof(buf));
    /* A partial write over a compressed cluster copies it out first. */
    assert_int_equal(bdrv_write(bs, 10, "xyz", 3), 0);
    memcpy(buf + 10, "xyz", 3);
    assert_int_equal(bdrv_read(bs, 0, back, sizeof(back)), 0);
    assert_memory_equal(buf, back, sizeof(buf));
    assert_clean(bs);
    bdrv_close(bs);
    assert_qemu_img_clean("cmp.qcow2");
}

static void test_qcow2_snapshot_keeps_old_data(void **state)
{
    uint8_t a[8192], b[8192], back[8192];
    fill(a, sizeof(a), 21);
    fill(b, sizeof(b), 22);
    make_qcow2("snap.qcow2", 1 << 20, 4096, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("snap.qcow2");
    assert_int_equal(bdrv_write(bs, 0, a, sizeof(a)), 0);
    assert_int_equal(qcow2_snapshot_create(bs, "s1"), 0);
    assert_int_equal(qcow2_snapshot_create(bs, "s1"), -EEXIST);
    assert_int_equal(bdrv_write(bs, 100, b, 5000), 0);
    assert_clean(bs);
    assert_int_equal(qcow2_snapshot_apply(bs, "s1"), 0);
    assert_int_equal(bdrv_read(bs, 0, back, sizeof(back)), 0);
    assert_memory_equal(a, back, sizeof(a));
    assert_int_equal(qcow2_snapshot_delete(bs, "s1"), 0);
    assert_int_equal(qcow2_snapshot_delete(bs, "s1"), -ENOENT);
    assert_clean(bs);
    bdrv_close(bs);
    assert_qemu_img_clean("snap.qcow2");
}

static void test_qcow2_grow_keeps_backing_format_extension(void **state)
{
    uint8_t buf[512];
    make_qcow2("ext-base.qcow2", 1 << 20, 0, 3, NULL, NULL);
    make_qcow2("ext.qcow2", 1 << 20, 0, 3, "ext-base.qcow2", "qcow2");
    BlockDriverState *bs = open_rw("ext.qcow2");
    assert_int_equal(qcow2_truncate(bs, 1ull << 40), 0);
    assert_int_equal(qcow2_update_header(bs), 0);
    bdrv_close(bs);
    bs = open_rw("ext.qcow2");
    assert_int_equal(bs->size, 1ull << 40);
    assert_string_equal(bs->backing_format, "qcow2");
    assert_string_equal(bs->backing_file, "ext-base.qcow2");
    assert_int_equal(bdrv_read(bs, (1ull << 40) - 512, buf, 512), 0);
    assert_clean(bs);
    bdrv_close(bs);
}

static void test_qcow2_check_finds_leak(void **state)
{
    Qcow2CheckResult r;
    make_qcow2("leak.qcow2", 1 << 20, 0, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("leak.qcow2");
    assert_true(qcow2_alloc_cluster(bs) > 0);   /* allocated, never referenced */
    assert_int_equal(qcow2_check(bs, 0, &r), 0);
    assert_int_equal(r.leaks, 1);
    assert_int_equal(r.corruptions, 0);
    assert_int_equal(qcow2_check(bs, QCOW2_CHECK_REPAIR_LEAKS, &r), 0);
    assert_int_equal(r.leaks_fixed, 1);
    assert_clean(bs);
    bdrv_close(bs);
}

static uint64_t peek_be64(const char *name, uint64_t off)
{
    uint8_t b[8];
    int fd = open(path(name), O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, b, 8, (off_t)off), 8);
    close(fd);
    return ld_be64(b);
}

/* Whole file contents (caller frees), to prove a read-only open wrote nothing. */
static uint8_t *slurp(const char *name, size_t *len)
{
    struct stat st;
    int fd = open(path(name), O_RDONLY);
    assert_true(fd >= 0 && fstat(fd, &st) == 0);
    uint8_t *p = malloc((size_t)st.st_size + 1);
    assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return p;
}

/* Host offset of refcount block `b`, read through a read-only open. */
static uint64_t refcount_block(const char *name, uint64_t b)
{
    BlockDriverState *bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_non_null(bs);
    uint64_t rb = ((Qcow2State *)bs->opaque)->refcount_table[b];
    bdrv_close(bs);
    return rb;
}

/* Zero the (16-bit) refcounts of clusters [first, first + n) in refcount block `b`. */
static void zero_refcounts(const char *name, uint64_t b, uint64_t first, uint64_t n)
{
    uint8_t *z = calloc(n, 2);
    poke(name, refcount_block(name, b) + 2 * first, z, 2 * n);
    free(z);
}

static void check_counts(BlockDriverState *bs, int flags, uint64_t corruptions, uint64_t leaks)
{
    Qcow2CheckResult r;
    assert_int_equal(qcow2_check(bs, flags, &r), 0);
    assert_int_equal(r.corruptions, corruptions);
    assert_int_equal(r.leaks, leaks);
}

/*
 * A guest disk with data, a snapshot (clusters shared, refcount 2) and
 * data written after it; `expect` gets the guest view (1 MiB).
 */
static void make_used_image(const char *name, uint32_t cs, uint8_t *expect)
{
    make_qcow2(name, 1 << 20, cs, 3, NULL, NULL);
    BlockDriverState *bs = open_rw(name);
    fill(expect, 1 << 20, 5);
    assert_int_equal(bdrv_write(bs, 0, expect, 1 << 20), 0);
    assert_int_equal(qcow2_snapshot_create(bs, "before"), 0);
    fill(expect + 4096, 65536, 6);
    assert_int_equal(bdrv_write(bs, 4096, expect + 4096, 65536), 0);
    bdrv_close(bs);
}

static void assert_content(const char *name, const uint8_t *expect)
{
    uint8_t *back = malloc(1 << 20);
    BlockDriverState *bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_non_null(bs);
    assert_int_equal(bdrv_read(bs, 0, back, 1 << 20), 0);
    assert_memory_equal(back, expect, 1 << 20);
    bdrv_close(bs);
    free(back);
}

static void test_qcow2_rw_open_rebuilds_dirty_refcounts(void **state)
{
    uint8_t *expect = malloc(1 << 20);
    size_t len1, len2;
    make_used_image("dirty.qcow2", 4096, expect);
    /* As a lazy-refcounts writer killed mid-write leaves it: refcounts behind, dirty bit set. */
    zero_refcounts("dirty.qcow2", 0, 5, 200);
    poke_be64("dirty.qcow2", 72, QCOW2_INCOMPAT_DIRTY);

    /* Read-only: opens, reads, reports the errors, writes nothing. */
    uint8_t *before = slurp("dirty.qcow2", &len1);
    assert_content("dirty.qcow2", expect);
    BlockDriverState *bs = bdrv_open(path("dirty.qcow2"), "qcow2", 0, NULL, err, sizeof(err));
    Qcow2CheckResult r;
    assert_int_equal(qcow2_check(bs, 0, &r), 0);
    assert_true(r.corruptions >= 200);
    bdrv_close(bs);
    uint8_t *after = slurp("dirty.qcow2", &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(before, after, len1);

    /* Read-write: repaired on open, dirty bit cleared, content intact. */
    bs = open_rw("dirty.qcow2");
    assert_int_equal(((Qcow2State *)bs->opaque)->incompat & QCOW2_INCOMPAT_DIRTY, 0);
    assert_clean(bs);
    bdrv_close(bs);
    assert_int_equal(peek_be64("dirty.qcow2", 72), 0);
    assert_content("dirty.qcow2", expect);
    assert_qemu_img_clean("dirty.qcow2");
    free(before);
    free(after);
    free(expect);
}

static void test_qcow2_check_repair_all_fixes_refcount_errors(void **state)
{
    uint8_t *expect = malloc(1 << 20);
    make_used_image("rc.qcow2", 65536, expect);
    zero_refcounts("rc.qcow2", 0, 4, 1);          /* an L2 table or data cluster: too low */
    poke("rc.qcow2", refcount_block("rc.qcow2", 0), "\0\2", 2);   /* header: a leak */
    BlockDriverState *bs = bdrv_open(path("rc.qcow2"), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK,
                                     NULL, err, sizeof(err));
    assert_non_null(bs);
    Qcow2CheckResult r;
    assert_int_equal(qcow2_check(bs, 0, &r), 0);
    assert_true(r.corruptions >= 1);
    /* -r leaks leaves errors alone; -r all rebuilds them. */
    assert_int_equal(r.leaks, 1);
    assert_int_equal(qcow2_check(bs, QCOW2_CHECK_REPAIR_LEAKS, &r), 0);
    assert_int_equal(r.leaks_fixed, 1);
    assert_true(r.corruptions >= 1);
    assert_int_equal(qcow2_check(bs, QCOW2_CHECK_REPAIR_ALL, &r), 0);
    assert_true(r.corruptions_fixed >= 1);
    assert_int_equal(r.corruptions, 0);
    check_counts(bs, 0, 0, 0);
    bdrv_close(bs);
    assert_int_equal(peek_be64("rc.qcow2", 72), 0);   /* the dirty bit it set is gone again */
    assert_content("rc.qcow2", expect);
    assert_qemu_img_clean("rc.qcow2");
    free(expect);
}

enum { BIG_SIZE = 12 << 20 };

/*
 * 512-byte clusters filled with BIG_SIZE bytes of data (returned in a
 * new buffer): a refcount block covers 256 clusters, so the file needs
 * many and a refcount table of more than one cluster.  Left open (rw).
 */
static BlockDriverState *make_big_image(const char *name, uint32_t seed, uint8_t **data)
{
    *data = malloc(BIG_SIZE);
    fill(*data, BIG_SIZE, seed);
    make_qcow2(name, BIG_SIZE, 512, 3, NULL, NULL);
    BlockDriverState *bs = open_rw(name);
    assert_int_equal(bdrv_write(bs, 0, *data, BIG_SIZE), 0);
    return bs;
}

/* The image reads back as `data` (then freed) and qemu-img finds it clean. */
static void assert_big_content(const char *name, uint8_t *data)
{
    uint8_t *back = malloc(BIG_SIZE);
    BlockDriverState *bs = open_rw(name);
    assert_int_equal(bdrv_read(bs, 0, back, BIG_SIZE), 0);
    assert_memory_equal(data, back, BIG_SIZE);
    bdrv_close(bs);
    assert_qemu_img_clean(name);
    free(data);
    free(back);
}

static void test_qcow2_repair_replaces_missing_refcount_block(void **state)
{
    uint8_t *data;
    BlockDriverState *bs = make_big_image("rb.qcow2", 21, &data);
    uint64_t rt = ((Qcow2State *)bs->opaque)->refcount_table_offset;
    bdrv_close(bs);
    poke_be64("rb.qcow2", rt + 8 * 7, 0);     /* block 7 gone: 256 clusters uncounted */
    bs = bdrv_open(path("rb.qcow2"), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK, NULL, err,
                   sizeof(err));
    assert_non_null(bs);
    Qcow2CheckResult r;
    assert_int_equal(qcow2_check(bs, QCOW2_CHECK_REPAIR_ALL, &r), 0);
    /* Its 256 clusters but the old block itself, which described itself and is now unused. */
    assert_int_equal(r.corruptions_fixed, 255);
    assert_int_equal(r.leaks_fixed, 0);
    assert_int_equal(r.corruptions, 0);
    check_counts(bs, 0, 0, 0);
    bdrv_close(bs);
    assert_big_content("rb.qcow2", data);
}

static void test_qcow2_dirty_repair_grows_refcount_table(void **state)
{
    uint8_t *data;
    BlockDriverState *bs = make_big_image("rt.qcow2", 31, &data);
    uint32_t clusters = ((Qcow2State *)bs->opaque)->refcount_table_clusters;
    bdrv_close(bs);
    assert_true(clusters > 1);
    /* The table claims one cluster (64 blocks): most of the file has no refcounts. */
    poke_be32("rt.qcow2", 56, 1);
    poke_be64("rt.qcow2", 72, QCOW2_INCOMPAT_DIRTY);
    bs = open_rw("rt.qcow2");
    Qcow2State *s = bs->opaque;
    assert_true(s->refcount_table_clusters > 1);
    assert_int_equal(s->incompat, 0);
    assert_clean(bs);
    /* Writes after the repair allocate from the rebuilt refcounts. */
    assert_int_equal(qcow2_snapshot_create(bs, "after"), 0);
    assert_int_equal(bdrv_write(bs, 0, data + 4096, 8192), 0);
    memmove(data, data + 4096, 8192);
    assert_clean(bs);
    bdrv_close(bs);
    assert_big_content("rt.qcow2", data);
}

static void test_qcow2_corrupt_bit_opens_rw_only_for_check(void **state)
{
    uint8_t *expect = malloc(1 << 20);
    make_used_image("cor.qcow2", 65536, expect);
    poke_be64("cor.qcow2", 72, QCOW2_INCOMPAT_CORRUPT);
    assert_null(bdrv_open(path("cor.qcow2"), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "corrupt"));
    BlockDriverState *bs = bdrv_open(path("cor.qcow2"), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK,
                                     NULL, err, sizeof(err));
    assert_non_null(bs);
    check_counts(bs, QCOW2_CHECK_REPAIR_ALL, 0, 0);
    bdrv_close(bs);
    assert_int_equal(peek_be64("cor.qcow2", 72), 0);
    bdrv_close(open_rw("cor.qcow2"));
    free(expect);
}

static void test_qcow2_lazy_refcounts_image_written_eagerly(void **state)
{
    uint8_t buf[8192];
    make_qcow2("lazy.qcow2", 1 << 20, 4096, 3, NULL, NULL);
    poke_be64("lazy.qcow2", 80, QCOW2_COMPAT_LAZY_REFCOUNTS);
    BlockDriverState *bs = open_rw("lazy.qcow2");
    fill(buf, sizeof(buf), 41);
    assert_int_equal(bdrv_write(bs, 12288, buf, sizeof(buf)), 0);
    /* Refcounts are exact while the image is open: never marked dirty. */
    assert_int_equal(peek_be64("lazy.qcow2", 72), 0);
    assert_clean(bs);
    bdrv_close(bs);
    assert_int_equal(peek_be64("lazy.qcow2", 80), QCOW2_COMPAT_LAZY_REFCOUNTS);
    assert_qemu_img_clean("lazy.qcow2");
}

/* ---- metadata overlap checks (QEMU's overlap-check=cached) ---- */

static bool have_qemu_io(void)
{
    return system("command -v qemu-img >/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1")
           == 0;
}

/*
 * A 4 MiB v3 image, 64 KiB clusters, whose first 256 KiB hold 0x5a: made
 * by qemu-img and qemu-io when installed (the layout QEMU writes), else by
 * this driver.  Returns the host offsets of the first L2 table and the
 * first refcount block, read from the header as the spec lays it out.
 */
static void make_written_image(const char *name, uint64_t *l2_off, uint64_t *rb_off)
{
    char cmd[512];

    if (have_qemu_io()) {
        snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 -o cluster_size=65536 '%s' 4M && "
                 "qemu-io -c 'write -P 0x5a 0 256k' '%s' >/dev/null", path(name), path(name));
        assert_int_equal(system(cmd), 0);
    } else {
        uint8_t *buf = malloc(256 << 10);
        make_qcow2(name, 4 << 20, 65536, 3, NULL, NULL);
        BlockDriverState *bs = open_rw(name);
        memset(buf, 0x5a, 256 << 10);
        assert_int_equal(bdrv_write(bs, 0, buf, 256 << 10), 0);
        bdrv_close(bs);
        free(buf);
    }
    *l2_off = peek_be64(name, peek_be64(name, 40)) & QCOW2_L1E_OFFSET_MASK;
    *rb_off = peek_be64(name, peek_be64(name, 48)) & QCOW2_RT_OFFSET_MASK;
    assert_true(*l2_off && *rb_off);
}

/* Bytes [off, off + 64 KiB) of the file (caller frees). */
static uint8_t *read_cluster(const char *name, uint64_t off)
{
    uint8_t *p = malloc(65536);
    int fd = open(path(name), O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, p, 65536, (off_t)off), 65536);
    close(fd);
    return p;
}

/* Exit status of a shell command on the image, -1 when `tool` is not installed. */
static int run_on(const char *tool, const char *fmt, const char *name)
{
    char cmd[512];
    int st;

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    if (system(cmd) != 0) {
        return -1;
    }
    snprintf(cmd, sizeof(cmd), fmt, path(name));
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * After a refused write: the corrupt bit is on disk, a read-write open is
 * refused, a read-only open reads the guest data that was not touched,
 * and qemu-img (and ./vm-img when run from the tree) call it corrupt.
 */
static void assert_marked_corrupt(const char *name)
{
    uint8_t buf[65536], want[65536];

    assert_int_equal(peek_be64(name, 72) & QCOW2_INCOMPAT_CORRUPT, QCOW2_INCOMPAT_CORRUPT);
    assert_null(bdrv_open(path(name), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "corrupt"));
    BlockDriverState *bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_non_null(bs);
    memset(want, 0x5a, sizeof(want));
    assert_int_equal(bdrv_read(bs, 65536, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, want, sizeof(buf));
    bdrv_close(bs);
    int qi = run_on("qemu-img", "qemu-img info '%s' | grep -q 'corrupt: true'", name);
    assert_true(qi == 0 || qi == -1);
    /* qemu-img check: 2 means corruptions found. */
    int qc = run_on("qemu-img", "qemu-img check '%s' >/dev/null 2>&1", name);
    assert_true(qc == 2 || qc == -1);
    if (access("./vm-img", X_OK) == 0) {
        assert_int_equal(run_on("./vm-img", "./vm-img info '%s' | grep -q 'corrupt: true'", name),
                         0);
    }
}

/* Point L2 entry 0 (guest cluster 0) at host offset `target`, then write there as a guest. */
static void overlap_write_refused(const char *name, bool at_refcount_block)
{
    uint64_t l2_off, rb_off, target;
    uint8_t data[512], *before, *after;
    uint8_t back[512], want[512];

    make_written_image(name, &l2_off, &rb_off);
    target = at_refcount_block ? rb_off : l2_off;
    poke_be64(name, l2_off, target | QCOW2_OFLAG_COPIED);
    before = read_cluster(name, target);

    BlockDriverState *bs = open_rw(name);
    memset(data, 0xee, sizeof(data));
    assert_int_equal(bdrv_write(bs, 0, data, sizeof(data)), -EIO);
    /* From then on every write is refused, even one to a sound cluster; reads go on. */
    assert_int_equal(bdrv_write(bs, 65536, data, sizeof(data)), -EIO);
    assert_int_equal(bdrv_write_zeroes(bs, 131072, 65536), -EIO);
    assert_int_equal(bdrv_read(bs, 65536, back, sizeof(back)), 0);
    memset(want, 0x5a, sizeof(want));
    assert_memory_equal(back, want, sizeof(back));
    assert_true(((Qcow2State *)bs->opaque)->corrupt);
    bdrv_close(bs);

    after = read_cluster(name, target);
    assert_memory_equal(before, after, 65536);
    assert_marked_corrupt(name);
    free(before);
    free(after);
}

static void test_qcow2_refuses_write_over_its_own_l2_table(void **state)
{
    overlap_write_refused("ovl-l2.qcow2", false);
}

static void test_qcow2_refuses_write_over_a_refcount_block(void **state)
{
    overlap_write_refused("ovl-rb.qcow2", true);
}

/*
 * The L2 table's refcount reads 0: a read-write open refuses; opened for
 * repair, the allocator would hand the table out for new data and is
 * stopped; `check -r all` then makes the image writable again.
 */
static void test_qcow2_refuses_allocating_a_zero_refcount_l2_table(void **state)
{
    const char *name = "ovl-rc0.qcow2";
    uint64_t l2_off, rb_off;
    uint8_t data[512], zero[2] = { 0 }, *before, *after;

    make_written_image(name, &l2_off, &rb_off);
    poke(name, rb_off + 2 * (l2_off >> 16), zero, 2);
    before = read_cluster(name, l2_off);

    assert_null(bdrv_open(path(name), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "active L2 table"));
    assert_non_null(strstr(err, "refcount 0"));
    assert_null(strchr(err, '\n'));

    BlockDriverState *bs = bdrv_open(path(name), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK, NULL, err,
                                     sizeof(err));
    assert_non_null(bs);
    memset(data, 0xee, sizeof(data));
    assert_int_equal(bdrv_write(bs, 1 << 20, data, sizeof(data)), -EIO);
    bdrv_close(bs);
    after = read_cluster(name, l2_off);
    assert_memory_equal(before, after, 65536);
    assert_marked_corrupt(name);

    /* Repair: refcounts rebuilt, corrupt bit cleared, writable and clean again. */
    bs = bdrv_open(path(name), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK, NULL, err, sizeof(err));
    assert_non_null(bs);
    check_counts(bs, QCOW2_CHECK_REPAIR_ALL, 0, 0);
    bdrv_close(bs);
    assert_int_equal(peek_be64(name, 72) & QCOW2_INCOMPAT_CORRUPT, 0);
    bs = open_rw(name);
    assert_int_equal(bdrv_write(bs, 1 << 20, data, sizeof(data)), 0);
    assert_clean(bs);
    bdrv_close(bs);
    assert_qemu_img_clean(name);
    free(before);
    free(after);
}

/*
 * A data cluster the active L2 table maps (guest cluster 2) whose
 * refcount reads 0 would be allocated again and the guest's data
 * overwritten: a read-write open refuses, naming it, and writes nothing;
 * a read-only open reads it and qcow2_check counts the error; `check -r
 * all` repairs it.
 */
static void test_qcow2_rw_open_refuses_data_cluster_with_refcount_0(void **state)
{
    const char *name = "data-rc0.qcow2";
    uint64_t l2_off, rb_off, host;
    uint8_t buf[65536], want[65536], *before, *after;
    char needle[128];
    size_t len1, len2;

    make_written_image(name, &l2_off, &rb_off);
    host = peek_be64(name, l2_off + 2 * 8) & QCOW2_L2E_OFFSET_MASK;
    assert_true(host != 0);
    zero_refcounts(name, 0, host >> 16, 1);
    before = slurp(name, &len1);

    assert_null(bdrv_open(path(name), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    snprintf(needle, sizeof(needle), "the data cluster at 0x%" PRIx64 " (guest offset 0x20000) "
             "has refcount 0", host);
    if (!strstr(err, needle)) {
        fail_msg("error '%s' lacks '%s'", err, needle);
    }
    assert_non_null(strstr(err, "vm-img check -r all"));
    assert_null(strchr(err, '\n'));
    after = slurp(name, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(before, after, len1);

    /* Read-only: opens and reads the cluster; the check finds it (and its COPIED flag). */
    BlockDriverState *bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_non_null(bs);
    assert_int_equal(bdrv_read(bs, 2 * 65536, buf, sizeof(buf)), 0);
    memset(want, 0x5a, sizeof(want));
    assert_memory_equal(buf, want, sizeof(buf));
    check_counts(bs, 0, 2, 0);
    bdrv_close(bs);

    /* Repaired, it opens read-write and new data goes elsewhere. */
    bs = bdrv_open(path(name), "qcow2", BDRV_O_RDWR | BDRV_O_CHECK, NULL, err, sizeof(err));
    assert_non_null(bs);
    check_counts(bs, QCOW2_CHECK_REPAIR_ALL, 0, 0);
    bdrv_close(bs);
    bs = open_rw(name);
    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(bdrv_write(bs, 1 << 20, buf, sizeof(buf)), 0);
    assert_int_equal(bdrv_read(bs, 2 * 65536, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, want, sizeof(buf));
    assert_clean(bs);
    bdrv_close(bs);
    assert_qemu_img_clean(name);
    free(before);
    free(after);
}

/* The same for the host cluster a compressed guest cluster is stored in. */
static void test_qcow2_rw_open_refuses_compressed_cluster_with_refcount_0(void **state)
{
    const char *name = "cmp-rc0.qcow2";
    uint8_t buf[65536], back[65536];
    uint32_t x = 62 - (16 - 8);
    char needle[160];

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i / 100);
    }
    make_qcow2(name, 1 << 20, 65536, 3, NULL, NULL);
    BlockDriverState *bs = open_rw(name);
    assert_int_equal(qcow2_write_compressed(bs, 3 * 65536, buf, sizeof(buf)), 0);
    uint64_t l2_off = ((Qcow2State *)bs->opaque)->l1_table[0] & QCOW2_L1E_OFFSET_MASK;
    bdrv_close(bs);
    uint64_t e = peek_be64(name, l2_off + 3 * 8);
    assert_true(e & QCOW2_OFLAG_COMPRESSED);
    uint64_t host = (e & ((1ull << x) - 1)) & ~65535ull;
    zero_refcounts(name, 0, host >> 16, 1);

    assert_null(bdrv_open(path(name), "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err)));
    snprintf(needle, sizeof(needle), "the host cluster at 0x%" PRIx64 " holding compressed data "
             "(guest offset 0x30000) has refcount 0", host);
    if (!strstr(err, needle)) {
        fail_msg("error '%s' lacks '%s'", err, needle);
    }
    bs = bdrv_open(path(name), "qcow2", 0, NULL, err, sizeof(err));
    assert_non_null(bs);
    assert_int_equal(bdrv_read(bs, 3 * 65536, back, sizeof(back)), 0);
    assert_memory_equal(buf, back, sizeof(buf));
    bdrv_close(bs);
}

/*
 * Metadata made while the image is open (L2 tables, refcount blocks, a
 * bigger refcount table and L1, snapshot tables) is tracked, and freed
 * metadata is let go: a long mixed workload with snapshots never trips
 * the check.
 */
static void test_qcow2_overlap_check_follows_metadata_changes(void **state)
{
    enum { SIZE = 8 << 20 };
    uint8_t *buf = malloc(SIZE), *back = malloc(SIZE);

    make_qcow2("ovl-live.qcow2", 1 << 20, 512, 3, NULL, NULL);
    BlockDriverState *bs = open_rw("ovl-live.qcow2");
    fill(buf, SIZE, 77);
    assert_int_equal(qcow2_truncate(bs, SIZE), 0);
    assert_int_equal(bdrv_write(bs, 0, buf, SIZE / 2), 0);
    assert_int_equal(qcow2_snapshot_create(bs, "a"), 0);
    assert_int_equal(bdrv_write(bs, SIZE / 4, buf + SIZE / 4, SIZE / 2), 0);
    assert_int_equal(qcow2_snapshot_create(bs, "b"), 0);
    assert_int_equal(bdrv_discard(bs, 0, SIZE / 8), 0);
    assert_int_equal(qcow2_snapshot_delete(bs, "a"), 0);
    assert_int_equal(bdrv_write(bs, SIZE / 2, buf + SIZE / 2, SIZE / 2), 0);
    assert_int_equal(qcow2_snapshot_apply(bs, "b"), 0);
    assert_int_equal(bdrv_write(bs, 0, buf, SIZE), 0);
    assert_false(((Qcow2State *)bs->opaque)->corrupt);
    assert_int_equal(bdrv_read(bs, 0, back, SIZE), 0);
    assert_memory_equal(back, buf, SIZE);
    assert_clean(bs);
    bdrv_close(bs);
    assert_int_equal(peek_be64("ovl-live.qcow2", 72), 0);
    assert_qemu_img_clean("ovl-live.qcow2");
    free(buf);
    free(back);
}

static int setup(void **state)
{
    strcpy(dir, "/tmp/test-qcow2-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qcow2_rejects_l1_past_eof),
        cmocka_unit_test(test_qcow2_rejects_cluster_bits_out_of_range),
        cmocka_unit_test(test_qcow2_rejects_l1_too_small_for_size),
        cmocka_unit_test(test_qcow2_rejects_unknown_incompat_bit_by_number),
        cmocka_unit_test(test_qcow2_rejects_overlapping_tables),
        cmocka_unit_test(test_qcow2_rejects_backing_name_outside_header),
        cmocka_unit_test(test_qcow2_rejects_truncated_header),
        cmocka_unit_test(test_qcow2_rejects_l2_entry_past_eof),
        cmocka_unit_test(test_qcow2_rejects_backing_loop),
        cmocka_unit_test(test_qcow2_rejects_backing_chain_too_deep),
        cmocka_unit_test(test_bdrv_probes_raw_and_reports_it),
        cmocka_unit_test(test_bdrv_rejects_out_of_bounds_and_read_only_writes),
        cmocka_unit_test(test_raw_write_zeroes_and_discard),
        cmocka_unit_test(test_qcow2_write_then_read_roundtrip),
        cmocka_unit_test(test_qcow2_write_refuses_clusters_over_metadata),
        cmocka_unit_test(test_qcow2_reads_zero_cluster),
        cmocka_unit_test(test_qcow2_partial_write_copies_backing),
        cmocka_unit_test(test_qcow2_refcount_table_grows),
        cmocka_unit_test(test_qcow2_compressed_roundtrip),
        cmocka_unit_test(test_qcow2_snapshot_keeps_old_data),
        cmocka_unit_test(test_qcow2_grow_keeps_backing_format_extension),
        cmocka_unit_test(test_qcow2_check_finds_leak),
        cmocka_unit_test(test_qcow2_rw_open_rebuilds_dirty_refcounts),
        cmocka_unit_test(test_qcow2_check_repair_all_fixes_refcount_errors),
        cmocka_unit_test(test_qcow2_repair_replaces_missing_refcount_block),
        cmocka_unit_test(test_qcow2_dirty_repair_grows_refcount_table),
        cmocka_unit_test(test_qcow2_corrupt_bit_opens_rw_only_for_check),
        cmocka_unit_test(test_qcow2_lazy_refcounts_image_written_eagerly),
        cmocka_unit_test(test_qcow2_refuses_write_over_its_own_l2_table),
        cmocka_unit_test(test_qcow2_refuses_write_over_a_refcount_block),
        cmocka_unit_test(test_qcow2_refuses_allocating_a_zero_refcount_l2_table),
        cmocka_unit_test(test_qcow2_rw_open_refuses_data_cluster_with_refcount_0),
        cmocka_unit_test(test_qcow2_rw_open_refuses_compressed_cluster_with_refcount_0),
        cmocka_unit_test(test_qcow2_overlap_check_follows_metadata_changes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
