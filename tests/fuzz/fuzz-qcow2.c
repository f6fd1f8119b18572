/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the qcow2 driver (DESIGN.md §8 "Fuzzing"): the
 * input bytes are an image file.  Each run writes them to a memfd, opens
 * it read-only as qcow2 through bdrv_open (backing files not followed:
 * the name in a fuzzed header must not make us open host files), reads a
 * few guest ranges, runs qcow2_check without repair and closes.
 * ASan/UBSan catch memory errors; the target itself aborts if a run
 * leaks a file descriptor or changes the (read-only) image bytes.
 *
 * Built with -DFUZZ_QCOW2_WRITE (binary fuzz-qcow2-write) it opens the
 * image read-write instead (an image with the dirty bit has its
 * refcounts rebuilt there) and, after the reads, writes a few ranges
 * (allocating clusters, L2 tables and refcount blocks next to whatever
 * the fuzzed metadata claims), writes zeroes, flushes, then repairs
 * (check -r all): a repair that reports success must leave a clean
 * image for a second check.  The image may change then.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/block.h"
#include "block/qcow2.h"

#define READ_MAX 65536

static int img_fd = -1;
static char img_path[64];
static uint8_t *readbuf;
static uint8_t *copybuf;
static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */

/* qcow2_check reports every bad refcount on stderr; run.sh silences that
 * with -close_fd_mask=2, so our own findings go to a copy taken first. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    return 0;
}

#define fail(...) (dprintf(report_fd, "fuzz-qcow2: " __VA_ARGS__), abort())

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (!d) {
        fail("opendir /proc/self/fd: %s\n", strerror(errno));
    }
    while ((e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void setup(void)
{
    img_fd = memfd_create("fuzz-qcow2", 0);
    if (img_fd < 0) {
        fail("memfd_create: %s\n", strerror(errno));
    }
    snprintf(img_path, sizeof(img_path), "/proc/self/fd/%d", img_fd);
    readbuf = malloc(READ_MAX);
    copybuf = malloc(1 << 20);
    if (!readbuf || !copybuf) {
        abort();
    }
}

/* A cheap deterministic mix of the input, to pick read offsets from. */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static void read_range(BlockDriverState *bs, uint64_t off, size_t len)
{
    if (!bs->size) {
        return;
    }
    if (off >= bs->size) {
        off %= bs->size;
    }
    if (len > READ_MAX) {
        len = READ_MAX;
    }
    if (len > bs->size - off) {
        len = bs->size - off;
    }
    if (bdrv_read(bs, off, readbuf, len) == 0) {
        /* Touch the bytes so MSan-style tools and the optimizer see them used. */
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < len; i += 512) {
            sink ^= readbuf[i];
        }
        (void)sink;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BlockDriverState *bs;
    char err[256];
    int fds_before;
    uint64_t h = 0;

    if (img_fd < 0) {
        setup();
    }
    if (size > (1 << 20)) {
        return 0;
    }
    if (ftruncate(img_fd, 0) < 0 || pwrite(img_fd, data, size, 0) != (ssize_t)size) {
        fail("writing the memfd: %s\n", strerror(errno));
    }
    fds_before = count_fds();

#ifdef FUZZ_QCOW2_WRITE
    bs = bdrv_open(img_path, "qcow2", BDRV_O_RDWR | BDRV_O_NO_BACKING, NULL, err, sizeof(err));
#else
    bs = bdrv_open(img_path, "qcow2", BDRV_O_NO_BACKING, NULL, err, sizeof(err));
#endif
    if (bs) {
        Qcow2CheckResult res;
        uint64_t cs = 512;

        if (bs->drv == &bdrv_qcow2) {
            cs = ((Qcow2State *)bs->opaque)->cluster_size;
        }
        for (size_t i = 0; i < size && i < 4096; i += 8) {
            uint64_t v = 0;
            memcpy(&v, data + i, size - i < 8 ? size - i : 8);
            h = mix(h, v);
        }
        /* The start, the end, and clusters picked from the input's hash. */
        read_range(bs, 0, READ_MAX);
        read_range(bs, bs->size > 4096 ? bs->size - 4096 : 0, 4096);
        for (int i = 0; i < 6; i++) {
            h = mix(h, (uint64_t)i);
            read_range(bs, (h % (bs->size ? bs->size : 1)) & ~(cs - 1), cs + (h >> 59) * 512);
            h = mix(h, (uint64_t)i + 100);
            read_range(bs, h, 1 + (h >> 48) % 3000);  /* unaligned, may straddle clusters */
        }
        if (bs->drv == &bdrv_qcow2) {
            Qcow2State *s = bs->opaque;
            qcow2_check(bs, 0, &res);
            /* Each snapshot's VM state, read through its own L1 table (loadvm's path). */
            for (uint32_t i = 0; i < s->nb_snapshots && i < 4; i++) {
                uint64_t vs = qcow2_snapshot_vm_state_size(&s->snapshots[i]);
                h = mix(h, (uint64_t)i + 400);
                qcow2_load_vmstate(bs, &s->snapshots[i], 0, readbuf, vs < READ_MAX ? vs : READ_MAX);
                qcow2_load_vmstate(bs, &s->snapshots[i], h, readbuf, 1 + (h >> 50) % READ_MAX);
            }
        }
#ifdef FUZZ_QCOW2_WRITE
        memset(readbuf, 0xa5, READ_MAX);
        for (int i = 0; i < 4 && bs->size; i++) {
            uint64_t off, len;

            h = mix(h, (uint64_t)i + 200);
            off = (h % bs->size) & ~(uint64_t)511;
            len = 512 + (h >> 52) % (3 * cs);
            if (len > READ_MAX) {
                len = READ_MAX;
            }
            if (len > bs->size - off) {
                len = bs->size - off;
            }
            if (bdrv_write(bs, off, readbuf, len) < 0) {
                break;
            }
        }
        if (bs->size) {
            h = mix(h, 300);
            bdrv_write_zeroes(bs, (h % bs->size) & ~(cs - 1), cs);
        }
        bdrv_flush(bs);
        read_range(bs, 0, READ_MAX);
        if (bs->drv == &bdrv_qcow2) {
            /* A repair that claims success must leave nothing for a second check to find. */
            if (qcow2_check(bs, QCOW2_CHECK_REPAIR_ALL | QCOW2_CHECK_QUIET, &res) == 0 &&
                res.corruptions == 0 && qcow2_check(bs, QCOW2_CHECK_QUIET, &res) == 0 &&
                (res.corruptions || res.leaks)) {
                fail("check -r all left %llu corruptions and %llu leaks\n",
                     (unsigned long long)res.corruptions, (unsigned long long)res.leaks);
            }
        }
#endif
        bdrv_close(bs);
    }

    if (count_fds() != fds_before) {
        fail("file descriptor leak (%d open before, %d after)\n", fds_before, count_fds());
    }
#ifndef FUZZ_QCOW2_WRITE
    /* Opened read-only: the image must be byte-for-byte what we wrote. */
    if (lseek(img_fd, 0, SEEK_END) != (off_t)size ||
        pread(img_fd, copybuf, size, 0) != (ssize_t)size || memcmp(copybuf, data, size)) {
        fail("a read-only open changed the image\n");
    }
#endif
    return 0;
}
