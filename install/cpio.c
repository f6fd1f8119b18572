/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appends files to an initrd as an uncompressed "newc" cpio archive, so
 * the installer finds them in its root (d-i reads /preseed.cfg from there).
 * Linux unpacks the initramfs buffer as a sequence of compressed and
 * uncompressed cpio archives with zero bytes allowed between them
 * (Documentation/driver-api/early-userspace/buffer-format.rst).  The
 * unpacker (init/initramfs.c, unpack_to_rootfs) only takes a '0' byte as
 * the start of an uncompressed archive when its offset in the buffer is a
 * multiple of 4, so the copied initrd is zero-padded to 4 bytes before the
 * new archive.  newc header: "070701" and 13 fields of 8 hex digits; the
 * name (with its NUL) and the data are each padded to 4 bytes; the archive
 * ends with the entry "TRAILER!!!".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "install/install.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_HEADER_LEN 110
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_NAME_MAX 255        /* one path component */

static void cpio_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Write all of buf; 0 or a negative errno. */
static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Zero bytes from `pos` up to the next multiple of 4. */
static int write_pad4(int fd, uint64_t pos)
{
    static const uint8_t zeros[4];
    size_t pad = (size_t)((4 - (pos & 3)) & 3);

    return pad ? write_all(fd, zeros, pad) : 0;
}

/*
 * One newc entry: header, name, NUL, padding, data, padding.  `*pos` is
 * the offset in the output (the padding is relative to it) and advances.
 */
static int cpio_write_entry(int fd, uint64_t *pos, uint32_t ino, uint32_t mode, uint32_t nlink,
                            const char *name, const void *data, uint32_t size)
{
    char hdr[CPIO_HEADER_LEN + 1];
    size_t namesize = strlen(name) + 1;
    int r;

    snprintf(hdr, sizeof(hdr),
             "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             CPIO_NEWC_MAGIC, ino, mode, 0u, 0u, nlink, 0u, size,
             0u, 0u, 0u, 0u, (unsigned)namesize, 0u);
    if ((r = write_all(fd, hdr, CPIO_HEADER_LEN)) < 0 ||
        (r = write_all(fd, name, namesize)) < 0) {
        return r;
    }
    *pos += CPIO_HEADER_LEN + namesize;
    if ((r = write_pad4(fd, *pos)) < 0) {
        return r;
    }
    *pos = (*pos + 3) & ~(uint64_t)3;
    if (size) {
        if ((r = write_all(fd, data, size)) < 0) {
            return r;
        }
        *pos += size;
        if ((r = write_pad4(fd, *pos)) < 0) {
            return r;
        }
        *pos = (*pos + 3) & ~(uint64_t)3;
    }
    return 0;
}

/* Copy `in` to `out`; the byte count goes to *pos.  -errno, *which says whose. */
static int copy_fd(int in, int out, uint64_t *pos, int *which)
{
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = malloc(CHUNK);
    int r = 0;

    if (!buf) {
        *which = 1;
        return -ENOMEM;
    }
    for (;;) {
        ssize_t n = read(in, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            *which = 0;
            r = -errno;
            break;
        }
        if (n == 0) {
            break;
        }
        r = write_all(out, buf, (size_t)n);
        if (r < 0) {
            *which = 1;
            break;
        }
        *pos += (uint64_t)n;
    }
    free(buf);
    return r;
}

/* A relative path of components that are neither empty, "." nor "..", no control bytes. */
static bool cpio_name_ok(const char *name)
{
    const char *c = name;

    if (!*name || strlen(name) > 4 * CPIO_NAME_MAX || !strcmp(name, CPIO_TRAILER)) {
        return false;
    }
    for (; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            return false;
        }
    }
    for (c = name; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL) {
        size_t len = strcspn(c, "/");
        if (len == 0 || len > CPIO_NAME_MAX || (len == 1 && c[0] == '.') ||
            (len == 2 && c[0] == '.' && c[1] == '.')) {
            return false;
        }
    }
    return true;
}

int cpio_append_file(const char *initrd_in, const char *initrd_out, const char *name,
                     const void *data, size_t len, char *err, size_t errlen)
{
    CpioFile f = { name, data, len };

    return cpio_append_files(initrd_in, initrd_out, &f, 1, err, errlen);
}

int cpio_append_files(const char *initrd_in, const char *initrd_out, const CpioFile *files,
                      size_t nr_files, char *err, size_t errlen)
{
    char *tmp = NULL;
    int in = -1, out = -1, r = 0, which = 0;
    uint64_t pos = 0;

    for (size_t i = 0; i < nr_files; i++) {
        const char *name = files[i].name;

        while (name && *name == '/') {
            name++;          /* newc names are relative to the root */
        }
        if (!name || !cpio_name_ok(name)) {
            cpio_err(err, errlen, "cpio: '%s' is not a path in the initrd",
                     files[i].name ? files[i].name : "");
            return -EINVAL;
        }
        if (files[i].len > UINT32_MAX) {
            cpio_err(err, errlen, "cpio: %s: %zu bytes is more than newc's 4 GiB - 1", name,
                     files[i].len);
            return -EFBIG;
        }
        if (files[i].len && !files[i].data) {
            cpio_err(err, errlen, "cpio: %s: no data", name);
            return -EINVAL;
        }
    }

    in = open(initrd_in, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        r = -errno;
        cpio_err(err, errlen, "%s: %s", initrd_in, strerror(-r));
        return r;
    }
    if (asprintf(&tmp, "%s.tmp", initrd_out) < 0) {
        close(in);
        cpio_err(err, errlen, "%s: %s", initrd_out, strerror(ENOMEM));
        return -ENOMEM;
    }
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        r = -errno;
        cpio_err(err, errlen, "%s: %s", tmp, strerror(-r));
        goto fail;
    }

    r = copy_fd(in, out, &pos, &which);
    if (r < 0) {
        cpio_err(err, errlen, "%s: %s", which ? tmp : initrd_in, strerror(-r));
        goto fail;
    }
    /* buffer-format.rst allows zero bytes between archives; align for the unpacker. */
    if ((r = write_pad4(out, pos)) < 0) {
        cpio_err(err, errlen, "%s: %s", tmp, strerror(-r));
        goto fail;
    }
    pos = (pos + 3) & ~(uint64_t)3;

    for (size_t i = 0; i < nr_files && r == 0; i++) {
        const char *name = files[i].name + strspn(files[i].name, "/");
        r = cpio_write_entry(out, &pos, i + 1, S_IFREG | 0644, 1, name, files[i].data,
                             (uint32_t)files[i].len);
    }
    if (r == 0) {
        r = cpio_write_entry(out, &pos, 0, 0, 1, CPIO_TRAILER, NULL, 0);
    }
    if (r == 0 && fsync(out) < 0) {
        r = -errno;
    }
    if (r < 0) {
        cpio_err(err, errlen, "%s: %s", tmp, strerror(-r));
        goto fail;
    }
    if (close(out) < 0) {
        out = -1;
        r = -errno;
        cpio_err(err, errlen, "%s: %s", tmp, strerror(-r));
        goto fail;
    }
    out = -1;
    if (rename(tmp, initrd_out) < 0) {
        r = -errno;
        cpio_err(err, errlen, "%s: %s", initrd_out, strerror(-r));
        goto fail;
    }
    close(in);
    free(tmp);
    return 0;

fail:
    if (out >= 0) {
        close(out);
    }
    if (in >= 0) {
        close(in);
    }
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    return r;
}
