/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The generic block layer (DESIGN.md §6): format probing and open, image
 * locking (QEMU's OFD lock bytes, see block.h), the backing chain
 * (depth-limited, loops refused by device/inode identity), bounds and
 * read-only checks in front of every driver call, create dispatch, and
 * whole-buffer pread/pwrite helpers for drivers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "util/osdep.h"

static const BlockDriver *const bdrv_drivers[] = { &bdrv_qcow2, &bdrv_raw };

/* One link of the chain being opened, for loop detection (lives on the stack). */
typedef struct BdrvOpenChain {
    dev_t dev;
    ino_t ino;
    int depth;
    const struct BdrvOpenChain *child;
} BdrvOpenChain;

static void bdrv_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const BlockDriver *bdrv_find_format(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(bdrv_drivers); i++) {
        if (!strcmp(bdrv_drivers[i]->format_name, name)) {
            return bdrv_drivers[i];
        }
    }
    return NULL;
}

int bdrv_pread(int fd, uint64_t offset, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            /* Past end of file: a sparse tail reads as zeros. */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int bdrv_pwrite(int fd, uint64_t offset, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* QEMU's permission bits (BLK_PERM_*), whose index picks the lock byte. */
enum {
    BDRV_PERM_CONSISTENT_READ = 1 << 0,
    BDRV_PERM_WRITE = 1 << 1,
    BDRV_PERM_WRITE_UNCHANGED = 1 << 2,
    BDRV_PERM_RESIZE = 1 << 3,
    BDRV_PERM_ALL = (1 << 4) - 1,
};

static const char *const bdrv_perm_names[] = {
    "consistent read", "write", "write unchanged", "resize",
};

/* An OFD lock of one byte (F_RDLCK, F_UNLCK); never waits. */
static int bdrv_lock_byte(int fd, int offset, short type)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1 };

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* 1 if another open file description holds a lock on the byte, 0 if not, or -errno. */
static int bdrv_lock_held_elsewhere(int fd, int offset)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1 };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return -errno;
    }
    return fl.l_type != F_UNLCK;
}

static void bdrv_unlock_all(int fd)
{
    struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET,
                        .l_start = BDRV_LOCK_PERM_BASE,
                        .l_len = BDRV_LOCK_SHARED_BASE - BDRV_LOCK_PERM_BASE + 64 };

    fcntl(fd, F_OFD_SETLK, &fl);
}

int bdrv_lock_fd(int fd, bool write, char *err, size_t errlen)
{
    unsigned perm = BDRV_PERM_CONSISTENT_READ | (write ? BDRV_PERM_WRITE | BDRV_PERM_RESIZE : 0);
    unsigned shared = BDRV_PERM_ALL & ~(BDRV_PERM_WRITE | BDRV_PERM_RESIZE);
    const char *what = NULL, *holder;
    int ret = 0;

    /* Take our bytes first, then look for others: of two racing openers, one or both fail. */
    for (int i = 0; i < (int)ARRAY_SIZE(bdrv_perm_names) && ret == 0; i++) {
        if (perm & (1u << i)) {
            ret = bdrv_lock_byte(fd, BDRV_LOCK_PERM_BASE + i, F_RDLCK);
        }
        if (ret == 0 && !(shared & (1u << i))) {
            ret = bdrv_lock_byte(fd, BDRV_LOCK_SHARED_BASE + i, F_RDLCK);
        }
    }
    if (ret == -EINVAL || ret == -EOPNOTSUPP || ret == -ENOLCK) {
        bdrv_unlock_all(fd);
        return 0;   /* no OFD locks here: unlocked, as QEMU's locking=auto */
    }
    for (int i = 0; i < (int)ARRAY_SIZE(bdrv_perm_names) && ret == 0 && !what; i++) {
        if (perm & (1u << i)) {
            ret = bdrv_lock_held_elsewhere(fd, BDRV_LOCK_SHARED_BASE + i);
            if (ret > 0) {
                bdrv_err(err, errlen, "Failed to get \"%s\" lock", bdrv_perm_names[i]);
                what = bdrv_perm_names[i];
            }
        }
    }
    for (int i = 0; i < (int)ARRAY_SIZE(bdrv_perm_names) && ret == 0 && !what; i++) {
        if (!(shared & (1u << i))) {
            ret = bdrv_lock_held_elsewhere(fd, BDRV_LOCK_PERM_BASE + i);
            if (ret > 0) {
                bdrv_err(err, errlen, "Failed to get shared \"%s\" lock", bdrv_perm_names[i]);
                what = bdrv_perm_names[i];
            }
        }
    }
    if (ret < 0) {
        bdrv_err(err, errlen, "could not lock: %s", strerror(-ret));
        bdrv_unlock_all(fd);
        return ret;
    }
    if (!what) {
        return 0;
    }
    /* OFD locks carry no process id; say what the holder does, from its bytes. */
    holder = bdrv_lock_held_elsewhere(fd, BDRV_LOCK_PERM_BASE + 1) > 0
                 ? "another process has the image open for writing"
                 : "another process has the image open";
    if (err && errlen) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, ": %s (Is another process using the image?)", holder);
    }
    bdrv_unlock_all(fd);
    return -EAGAIN;
}

int bdrv_create_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), ret;

    if (fd < 0) {
        ret = -errno;
        bdrv_err(err, errlen, "could not create: %s", strerror(-ret));
        return ret;
    }
    ret = bdrv_lock_fd(fd, true, err, errlen);
    if (ret == 0 && ftruncate(fd, 0) < 0) {
        ret = -errno;
        bdrv_err(err, errlen, "could not truncate: %s", strerror(-ret));
    }
    if (ret < 0) {
        close(fd);
        return ret;
    }
    return fd;
}

/* A backing file name relative to the image that names it is relative to its directory. */
static char *bdrv_backing_path(const char *image, const char *backing)
{
    const char *slash = strrchr(image, '/');
    char *path;

    if (backing[0] == '/' || !slash) {
        return strdup(backing);
    }
    path = malloc((size_t)(slash - image) + 1 + strlen(backing) + 1);
    if (path) {
        sprintf(path, "%.*s/%s", (int)(slash - image), image, backing);
    }
    return path;
}

static BlockDriverState *bdrv_open_chain(const char *filename, const char *format, int flags,
                                         bool *probed_raw, const BdrvOpenChain *child,
                                         char *err, size_t errlen)
{
    const BlockDriver *drv = NULL;
    BlockDriverState *bs;
    BdrvOpenChain link;
    struct stat st;
    int fd, ret;

    fd = open(filename, ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        bdrv_err(err, errlen, "could not open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        bdrv_err(err, errlen, "could not stat: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    link.dev = st.st_dev;
    link.ino = st.st_ino;
    link.depth = child ? child->depth + 1 : 0;
    link.child = child;
    for (const BdrvOpenChain *c = child; c; c = c->child) {
        if (c->dev == st.st_dev && c->ino == st.st_ino) {
            bdrv_err(err, errlen, "backing chain loops back to '%s'", filename);
            close(fd);
            return NULL;
        }
    }
    if (link.depth > BDRV_MAX_BACKING_DEPTH) {
        bdrv_err(err, errlen, "backing chain deeper than %d images", BDRV_MAX_BACKING_DEPTH);
        close(fd);
        return NULL;
    }
    /* Locked before the first byte is read: another writer may be changing it. */
    if (!(flags & BDRV_O_NO_LOCK) &&
        bdrv_lock_fd(fd, flags & BDRV_O_RDWR, err, errlen) < 0) {
        close(fd);
        return NULL;
    }

    if (format) {
        drv = bdrv_find_format(format);
        if (!drv) {
            bdrv_err(err, errlen, "unknown format '%s'", format);
            close(fd);
            return NULL;
        }
    } else {
        uint8_t buf[512];
        int best = 0;
        ssize_t n = pread(fd, buf, sizeof(buf), 0);

        if (n < 0) {
            bdrv_err(err, errlen, "could not read: %s", strerror(errno));
            close(fd);
            return NULL;
        }
        for (size_t i = 0; i < ARRAY_SIZE(bdrv_drivers); i++) {
            int score = bdrv_drivers[i]->probe ? bdrv_drivers[i]->probe(buf, (size_t)n) : 0;
            if (score > best) {
                best = score;
                drv = bdrv_drivers[i];
            }
        }
        if (!drv) {
            drv = &bdrv_raw;
        }
        if (probed_raw) {
            *probed_raw = drv == &bdrv_raw;
        }
    }

    bs = calloc(1, sizeof(*bs));
    if (!bs) {
        close(fd);
        bdrv_err(err, errlen, "out of memory");
        return NULL;
    }
    bs->drv = drv;
    bs->fd = fd;
    bs->read_only = !(flags & BDRV_O_RDWR);
    bs->filename = strdup(filename);
    bs->opaque = calloc(1, drv->instance_size ? drv->instance_size : 1);
    if (!bs->filename || !bs->opaque) {
        bdrv_err(err, errlen, "out of memory");
        goto fail_early;
    }
    ret = drv->open(bs, flags, err, errlen);
    if (ret < 0) {
        goto fail_early;
    }
    if (bs->backing_file && !(flags & BDRV_O_NO_BACKING)) {
        char *path = bdrv_backing_path(filename, bs->backing_file);

        if (!path) {
            bdrv_err(err, errlen, "out of memory");
            bdrv_close(bs);
            return NULL;
        }
        /* Backing images are only read; writes go to the top image. */
        bs->backing = bdrv_open_chain(path, bs->backing_format, flags & ~BDRV_O_RDWR, NULL,
                                      &link, err, errlen);
        if (!bs->backing) {
            /* Name the image that failed once, at the deepest level. */
            if (err && errlen && strncmp(err, "backing file '", 14)) {
                char *sub = strdup(err);
                bdrv_err(err, errlen, "backing file '%s': %s", path, sub ? sub : "");
                free(sub);
            }
            free(path);
            bdrv_close(bs);
            return NULL;
        }
        free(path);
    }
    return bs;

fail_early:
    free(bs->backing_file);
    free(bs->backing_format);
    free(bs->opaque);
    free(bs->filename);
    free(bs);
    close(fd);
    return NULL;
}

BlockDriverState *bdrv_open(const char *filename, const char *format, int flags,
                            bool *probed_raw, char *err, size_t errlen)
{
    if (probed_raw) {
        *probed_raw = false;
    }
    return bdrv_open_chain(filename, format, flags, probed_raw, NULL, err, errlen);
}

void bdrv_close(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    if (bs->drv->close) {
        bs->drv->close(bs);
    }
    bdrv_close(bs->backing);
    free(bs->backing_file);
    free(bs->backing_format);
    free(bs->opaque);
    free(bs->filename);
    close(bs->fd);
    free(bs);
}

static int bdrv_check_request(BlockDriverState *bs, uint64_t offset, uint64_t len, bool write)
{
    if (write && bs->read_only) {
        return -EROFS;
    }
    if (offset > bs->size || len > bs->size - offset) {
        return -EINVAL;
    }
    return 0;
}

int bdrv_read(BlockDriverState *bs, uint64_t offset, void *buf, size_t len)
{
    int ret = bdrv_check_request(bs, offset, len, false);

    if (ret < 0 || !len) {
        return ret;
    }
    return bs->drv->read(bs, offset, buf, len);
}

int bdrv_write(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len)
{
    int ret = bdrv_check_request(bs, offset, len, true);

    if (ret < 0 || !len) {
        return ret;
    }
    return bs->drv->write(bs, offset, buf, len);
}

int bdrv_flush(BlockDriverState *bs)
{
    if (bs->read_only) {
        return 0;
    }
    return bs->drv->flush ? bs->drv->flush(bs) : 0;
}

/* Fallback for drivers without write_zeroes: write a zeroed buffer in 64 KiB pieces. */
static int bdrv_write_zero_buffer(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    enum { CHUNK = 64 * 1024 };
    void *zero = calloc(1, CHUNK);
    int ret = 0;

    if (!zero) {
        return -ENOMEM;
    }
    while (len && ret == 0) {
        size_t n = len < CHUNK ? (size_t)len : CHUNK;
        ret = bs->drv->write(bs, offset, zero, n);
        offset += n;
        len -= n;
    }
    free(zero);
    return ret;
}

int bdrv_discard(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    int ret = bdrv_check_request(bs, offset, len, true);

    if (ret < 0 || !len) {
        return ret;
    }
    /* Discard is a hint: a driver without it keeps the data. */
    return bs->drv->discard ? bs->drv->discard(bs, offset, len) : 0;
}

int bdrv_write_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t len)
{
    int ret = bdrv_check_request(bs, offset, len, true);

    if (ret < 0 || !len) {
        return ret;
    }
    if (bs->drv->write_zeroes) {
        return bs->drv->write_zeroes(bs, offset, len);
    }
    return bdrv_write_zero_buffer(bs, offset, len);
}

int bdrv_create(const char *format, const char *filename, uint64_t size,
                const BlockCreateOpts *opts, char *err, size_t errlen)
{
    static const BlockCreateOpts no_opts;
    const BlockDriver *drv = bdrv_find_format(format);

    if (!drv || !drv->create) {
        bdrv_err(err, errlen, "unknown format '%s'", format);
        return -EINVAL;
    }
    return drv->create(filename, size, opts ? opts : &no_opts, err, errlen);
}

int64_t bdrv_allocated_file_size(BlockDriverState *bs)
{
    struct stat st;

    if (fstat(bs->fd, &st) < 0) {
        return -errno;
    }
    return (int64_t)st.st_blocks * 512;
}
