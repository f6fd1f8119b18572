/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block layer (DESIGN.md §6): an image file opened through a format
 * driver (raw, qcow2) behind one BlockDriverState handle.  Offsets and
 * lengths are guest-visible disk bytes; reads and writes need not be
 * sector-aligned.  Every function that can fail returns 0 or a negative
 * errno and leaves its outputs untouched on failure; callers that talk to
 * the user add the file name.  Used by virtio-blk (hw/virtio) and vm-img.
 */
#ifndef VM_BLOCK_BLOCK_H
#define VM_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BlockDriverState BlockDriverState;

/* Open flags. */
enum {
    BDRV_O_RDWR = 1 << 0,       /* else read-only */
    BDRV_O_NO_BACKING = 1 << 1, /* do not open the backing chain (vm-img info) */
    /*
     * Opened to be checked (vm-img check): a qcow2 image left dirty is not
     * repaired on open, and one marked corrupt may be opened read-write.
     */
    BDRV_O_CHECK = 1 << 2,
    /*
     * Take no image lock (--drive file.locking=off, vm-img -U): the
     * caller accepts that another process may be writing the image.
     * Applies to the whole backing chain.
     */
    BDRV_O_NO_LOCK = 1 << 3,
};

typedef struct BlockCreateOpts {
    const char *backing_file;     /* NULL: none */
    const char *backing_format;   /* NULL: probe */
    uint32_t cluster_size;        /* bytes, 0: default (64 KiB) */
    int compat_version;           /* qcow2: 2 or 3, 0: 3 */
} BlockCreateOpts;

/*
 * A format driver: one static table per format.  The generic layer
 * (block.c) checks bounds (offset + len <= size) before calling read/
 * write, so drivers only see in-range requests.
 */
typedef struct BlockDriver {
    const char *format_name;            /* "raw", "qcow2" */
    size_t instance_size;               /* bytes of driver state (bs->opaque) */
    /* Score 0..100 of how sure the driver is that buf (first bytes of the file) is its format. */
    int (*probe)(const uint8_t *buf, size_t len);
    int (*open)(BlockDriverState *bs, int flags, char *err, size_t errlen);
    void (*close)(BlockDriverState *bs);
    int (*read)(BlockDriverState *bs, uint64_t offset, void *buf, size_t len);
    int (*write)(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len);
    int (*flush)(BlockDriverState *bs);
    int (*discard)(BlockDriverState *bs, uint64_t offset, uint64_t len);      /* optional */
    int (*write_zeroes)(BlockDriverState *bs, uint64_t offset, uint64_t len); /* optional */
    /* Create a new image of `size` bytes; opts: backing file/format, cluster size. */
    int (*create)(const char *path, uint64_t size, const BlockCreateOpts *opts,
                  char *err, size_t errlen);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    char *filename;
    int fd;                       /* the image file */
    bool read_only;
    uint64_t size;                /* guest-visible disk size, bytes */
    BlockDriverState *backing;    /* backing image (qcow2) or NULL */
    void *opaque;                 /* driver state, drv->instance_size bytes */
    /*
     * Set by a driver's open when the image names a backing file (owned
     * by bs, freed by bdrv_close); the generic layer then opens the chain
     * (depth-limited to BDRV_MAX_BACKING_DEPTH, loops refused) unless
     * BDRV_O_NO_BACKING.  backing_format NULL: probe.
     */
    char *backing_file;
    char *backing_format;
};

/* Longest backing chain bdrv_open follows (images below the top one). */
#define BDRV_MAX_BACKING_DEPTH 16

/*
 * Image locking, QEMU's scheme (file-posix.c) so that vm and QEMU see each
 * other: Linux OFD byte-range locks (F_OFD_SETLK, never waiting) on byte
 * BDRV_LOCK_PERM_BASE + i while holding permission bit i (consistent read,
 * write, write unchanged, resize) and on BDRV_LOCK_SHARED_BASE + i while
 * refusing to share it.  Every opener reads and shares neither write nor
 * resize (a format's metadata must not change under it); a writer also
 * holds write and resize.  So any number of readers, or one writer alone.
 * The locks live as long as the file descriptor.
 */
#define BDRV_LOCK_PERM_BASE 100
#define BDRV_LOCK_SHARED_BASE 200

/*
 * Lock the image open on `fd` (readable) for reading, or for writing if
 * `write`.  Returns 0, or -EAGAIN with `err` set to one line saying which
 * lock is held elsewhere (no file name); other errors are -errno.  A file
 * system without OFD locks leaves the image unlocked (as QEMU's
 * locking=auto does).
 */
int bdrv_lock_fd(int fd, bool write, char *err, size_t errlen);

/*
 * For a driver's create: open or create `path` read-write, take the
 * writer lock, then truncate it to 0 bytes, so an image in use is never
 * emptied.  Returns the file descriptor (the caller closes it) or a
 * negative errno with `err` set to one line (no file name).
 */
int bdrv_create_file(const char *path, char *err, size_t errlen);

/*
 * Open `filename` as `format` ("raw", "qcow2", or NULL to probe; probing
 * a raw image is allowed and reported through *probed_raw so the caller
 * can warn as QEMU does).  Every image of the chain is locked (readers
 * shared, the writable top image exclusive) before its first byte is read,
 * unless BDRV_O_NO_LOCK.  On failure returns NULL with `err` set to one
 * line (no file name) and nothing written to the file.
 */
BlockDriverState *bdrv_open(const char *filename, const char *format, int flags,
                            bool *probed_raw, char *err, size_t errlen);
void bdrv_close(BlockDriverState *bs);

int bdrv_read(BlockDriverState *bs, uint64_t offset, void *buf, size_t len);
int bdrv_write(BlockDriverState *bs, uint64_t offset, const void *buf, size_t len);
int bdrv_flush(BlockDriverState *bs);
int bdrv_discard(BlockDriverState *bs, uint64_t offset, uint64_t len);
int bdrv_write_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t len);

/* Create an image with the named format's driver (-EINVAL for unknown formats). */
int bdrv_create(const char *format, const char *filename, uint64_t size,
                const BlockCreateOpts *opts, char *err, size_t errlen);

/* The driver table for a format name, or NULL. */
const BlockDriver *bdrv_find_format(const char *name);

/*
 * Helpers for drivers: whole-buffer pread/pwrite on bs->fd (EINTR/short
 * I/O retried).  Bytes past the end of the file read as zeros (a sparse
 * tail); drivers check metadata offsets against the file size themselves.
 */
int bdrv_pread(int fd, uint64_t offset, void *buf, size_t len);
int bdrv_pwrite(int fd, uint64_t offset, const void *buf, size_t len);

/*
 * Check that `filename` is a disc or disk image a --cdrom may attach (see
 * block/media.c): sets *format to "raw" (ISO 9660 image, or a disk image
 * with a boot signature) or "qcow2".  On anything else returns a negative
 * errno with `err` set to one line (no file name).  Reads only.
 */
int bdrv_probe_media(const char *filename, const char **format, char *err, size_t errlen);

/* Host bytes the image file occupies (st_blocks * 512), or a negative errno. */
int64_t bdrv_allocated_file_size(BlockDriverState *bs);

extern const BlockDriver bdrv_raw;
extern const BlockDriver bdrv_qcow2;

#endif /* VM_BLOCK_BLOCK_H */
