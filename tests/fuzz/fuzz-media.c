/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for disc and disk image probing (block/media.c, the
 * --cdrom check, and the generic layer's format probe in block/block.c):
 * the input bytes are the first bytes of an image file.  Each run writes
 * them to a memfd and calls bdrv_probe_media; an image it accepts is
 * opened read-only, without its backing chain, in the format it named,
 * and read at the start and the end; the file is also opened with the
 * format probed (NULL).  The target aborts when the probe accepts a file
 * with a format other than raw or qcow2, fails without a message, or
 * leaks a file descriptor.
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

static int img_fd = -1;
static char img_path[64];
static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */
static uint8_t buf[4096];

#define fail(...) (dprintf(report_fd, "fuzz-media: " __VA_ARGS__), abort())

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    return 0;
}

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

static void open_and_read(const char *format)
{
    char err[256];
    BlockDriverState *bs = bdrv_open(img_path, format, BDRV_O_NO_BACKING, NULL, err,
                                     sizeof(err));

    if (!bs) {
        if (!err[0]) {
            fail("bdrv_open(%s) failed without a message\n", format ? format : "probe");
        }
        return;
    }
    if (bs->size) {
        bdrv_read(bs, 0, buf, bs->size < sizeof(buf) ? bs->size : sizeof(buf));
        bdrv_read(bs, bs->size - (bs->size < 512 ? bs->size : 512), buf,
                  bs->size < 512 ? bs->size : 512);
    }
    bdrv_close(bs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *format = NULL;
    char err[256] = "";
    int fds_before, ret;

    if (img_fd < 0) {
        img_fd = memfd_create("fuzz-media", 0);
        if (img_fd < 0) {
            fail("memfd_create: %s\n", strerror(errno));
        }
        snprintf(img_path, sizeof(img_path), "/proc/self/fd/%d", img_fd);
    }
    if (size > (1 << 20)) {
        return 0;
    }
    /* An ISO's volume descriptor is at 32 KiB: inputs shorter than that are padded out. */
    if (ftruncate(img_fd, 0) < 0 || pwrite(img_fd, data, size, 0) != (ssize_t)size) {
        fail("writing the memfd: %s\n", strerror(errno));
    }
    fds_before = count_fds();
    ret = bdrv_probe_media(img_path, &format, err, sizeof(err));
    if (ret == 0) {
        if (!format || (strcmp(format, "raw") && strcmp(format, "qcow2"))) {
            fail("bdrv_probe_media accepted format '%s'\n", format ? format : "(null)");
        }
        open_and_read(format);
    } else if (!err[0]) {
        fail("bdrv_probe_media failed (%d) without a message\n", ret);
    }
    open_and_read(NULL);
    if (count_fds() != fds_before) {
        fail("file descriptor leak (%d open before, %d after)\n", fds_before, count_fds());
    }
    return 0;
}
