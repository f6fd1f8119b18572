/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for backing-chain resolution (block/block.c: relative
 * names, loops, depth, missing files, probing, the backing format): the
 * input's first byte picks the backing format recorded in the image (0
 * none: probe, 1 raw, 2 qcow2, 3 a name no driver has) and the rest, up to
 * a NUL, is the backing file name.  Setup makes a temporary directory with
 * a small chain (base.raw, base.qcow2 <- mid.qcow2, a symlink to it,
 * loop-a.qcow2 <-> loop-b.qcow2, self.qcow2 naming itself, sub/base.raw,
 * a directory); each run creates top.qcow2 there naming the input's file,
 * opens it read-write with its chain, reads and writes a little (copy on
 * write from the backing image) and closes it.  A name that resolves
 * outside the directory is skipped (the run must not read host files).
 * The target aborts on a descriptor leak or a failure without a message.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

static char dir[PATH_MAX], top[PATH_MAX + 16];
static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */
static uint8_t buf[8192];

#define fail(...) (dprintf(report_fd, "fuzz-backing: " __VA_ARGS__), abort())

static void cleanup(void)
{
    char cmd[PATH_MAX + 16];

    if (dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            dprintf(report_fd, "fuzz-backing: could not remove %s\n", dir);
        }
    }
}

static void mk(const char *name, const char *format, const char *backing, const char *bfmt)
{
    char path[PATH_MAX + 64], err[256];
    BlockCreateOpts o = { .backing_file = backing, .backing_format = bfmt, .cluster_size = 512 };

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (bdrv_create(format, path, 256 * 1024, &o, err, sizeof(err)) < 0) {
        fail("creating %s: %s\n", path, err);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char tmpl[] = "/tmp/fuzz-backing-XXXXXX", path[PATH_MAX + 64];

    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    if (!mkdtemp(tmpl) || !realpath(tmpl, dir)) {
        fail("mkdtemp: %s\n", strerror(errno));
    }
    atexit(cleanup);
    snprintf(path, sizeof(path), "%s/sub", dir);
    mkdir(path, 0700);
    mk("base.raw", "raw", NULL, NULL);
    mk("sub/base.raw", "raw", NULL, NULL);
    mk("base.qcow2", "qcow2", NULL, NULL);
    mk("mid.qcow2", "qcow2", "base.qcow2", "qcow2");
    mk("mid-probe.qcow2", "qcow2", "sub/base.raw", NULL);
    /* Loops: created in an order that lets each name exist first. */
    mk("loop-b.qcow2", "qcow2", NULL, NULL);
    mk("loop-a.qcow2", "qcow2", "loop-b.qcow2", "qcow2");
    mk("loop-b.qcow2", "qcow2", "loop-a.qcow2", "qcow2");
    mk("self.qcow2", "qcow2", NULL, NULL);
    mk("self.qcow2", "qcow2", "self.qcow2", "qcow2");
    snprintf(path, sizeof(path), "%s/link.qcow2", dir);
    if (symlink("mid.qcow2", path) < 0) {
        fail("symlink: %s\n", strerror(errno));
    }
    snprintf(top, sizeof(top), "%s/top.qcow2", dir);
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

/* Whether `name`, relative to the directory or absolute, stays inside it (or does not exist). */
static bool confined(const char *name)
{
    char path[2 * PATH_MAX], real[PATH_MAX];
    size_t n = strlen(dir);

    snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/",
             name);
    if (!realpath(path, real)) {
        return errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG || errno == ELOOP;
    }
    return !strncmp(real, dir, n) && (real[n] == '/' || real[n] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = { NULL, "raw", "qcow2", "vmdk" };
    char name[1100], err[512] = "";
    BlockCreateOpts o = { .cluster_size = 512 };
    BlockDriverState *bs;
    int fds_before;
    size_t n;

    if (size < 2 || size - 1 >= sizeof(name)) {
        return 0;
    }
    n = strnlen((const char *)data + 1, size - 1);
    memcpy(name, data + 1, n);
    name[n] = '\0';
    if (!name[0] || !confined(name)) {
        return 0;
    }
    o.backing_file = name;
    o.backing_format = formats[data[0] & 3];
    fds_before = count_fds();
    unlink(top);
    if (bdrv_create("qcow2", top, 256 * 1024, &o, err, sizeof(err)) == 0) {
        err[0] = '\0';
        bs = bdrv_open(top, "qcow2", BDRV_O_RDWR, NULL, err, sizeof(err));
        if (bs) {
            bdrv_read(bs, 0, buf, sizeof(buf));
            memset(buf, 0x5a, 512);
            bdrv_write(bs, 1024, buf, 512);     /* cluster 2: the rest comes from the backing */
            bdrv_read(bs, 0, buf, sizeof(buf));
            bdrv_close(bs);
        } else if (!err[0]) {
            fail("bdrv_open failed without a message (backing '%s')\n", name);
        }
        /* Read-only, as a second opener (vm-img info) would. */
        bs = bdrv_open(top, NULL, 0, NULL, err, sizeof(err));
        if (bs) {
            bdrv_read(bs, bs->size - 512, buf, 512);
            bdrv_close(bs);
        }
    } else if (!err[0]) {
        fail("bdrv_create failed without a message (backing '%s')\n", name);
    }
    if (count_fds() != fds_before) {
        fail("file descriptor leak (%d open before, %d after)\n", fds_before, count_fds());
    }
    return 0;
}
