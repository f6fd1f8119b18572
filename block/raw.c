/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The raw format driver: guest disk byte N is file byte N.  Discard
 * punches a hole (FALLOC_FL_PUNCH_HOLE), write_zeroes tries
 * FALLOC_FL_ZERO_RANGE and falls back to writing zeros; create is an
 * ftruncate, so new images are sparse.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1; /* anything is a raw image, but any other format wins */
}

static int raw_open(BlockDriverState *bs, int flags, char *err, size_t errlen)
{
    struct stat st;

    if (fstat(bs->fd, &st) < 0) {
        snprintf(err, errlen, "could not stat image: %s", strerror(errno));
        return -errno;
    }
    bs->size = (uint64_t)st.st_size;
    return 0;
}

static int raw_read(BlockDriverState *bs, uint64_t offset, void *buf, size_t len)
{
    return bdrv_pread(bs->fd, offset, buf, len);
}

static int raw_write(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len)
{
    return bdrv_pwrite(bs->fd, offset, buf, len);
}

static int raw_flush(BlockDriverState *bs)
{
    return fsync(bs->fd) < 0 ? -errno : 0;
}

static int raw_discard(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    if (fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)len) < 0) {
        /* Discard is advisory: a file system without holes keeps the data. */
        return errno == EOPNOTSUPP ? 0 : -errno;
    }
    return 0;
}

static int raw_write_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    enum { CHUNK = 64 * 1024 };
    uint8_t *zero;
    int ret = 0;

    if (fallocate(bs->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)len) == 0) {
        return 0;
    }
    if (fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)len) == 0) {
        return 0;
    }
    zero = calloc(1, CHUNK);
    if (!zero) {
        return -ENOMEM;
    }
    while (len && ret == 0) {
        size_t n = len < CHUNK ? (size_t)len : CHUNK;
        ret = bdrv_pwrite(bs->fd, offset, zero, n);
        offset += n;
        len -= n;
    }
    free(zero);
    return ret;
}

static int raw_create(const char *path, uint64_t size, const BlockCreateOpts *opts,
                      char *err, size_t errlen)
{
    int fd;

    if (opts->backing_file) {
        snprintf(err, errlen, "raw images have no backing file");
        return -EINVAL;
    }
    fd = bdrv_create_file(path, err, errlen);
    if (fd < 0) {
        return fd;
    }
    if (ftruncate(fd, (off_t)size) < 0) {
        int ret = -errno;
        snprintf(err, errlen, "could not resize to %" PRIu64 " bytes: %s", size,
                 strerror(errno));
        close(fd);
        return ret;
    }
    close(fd);
    return 0;
}

const BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = 0,
    .probe = raw_probe,
    .open = raw_open,
    .read = raw_read,
    .write = raw_write,
    .flush = raw_flush,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
    .create = raw_create,
};
