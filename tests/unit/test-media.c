/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of --cdrom's media check (block/media.c): ISO 9660 images,
 * qcow2 images and boot-signed raw disks are accepted with the format to
 * open them as; text, empty files, directories and missing files are
 * refused with a reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "block/block.h"

static char path[64];

static int setup(void **state)
{
    int fd;

    snprintf(path, sizeof(path), "/tmp/vm-test-media-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

/* Write `len` bytes of `data` at `offset` (the file grows as needed). */
static void put(long offset, const void *data, size_t len)
{
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int probe(const char **format, char *err, size_t errlen)
{
    *format = NULL;
    err[0] = '\0';
    return bdrv_probe_media(path, format, err, errlen);
}

static void test_media_iso9660_is_raw(void **state)
{
    static const uint8_t pvd[] = { 1, 'C', 'D', '0', '0', '1', 1 };
    const char *format;
    char err[256];

    put(16 * 2048, pvd, sizeof(pvd));
    put(17 * 2048 - 1, "", 1);
    assert_int_equal(probe(&format, err, sizeof(err)), 0);
    assert_string_equal(format, "raw");
}

static void test_media_qcow2_is_qcow2(void **state)
{
    const char *format;
    char err[256];

    put(0, "QFI\xfb\0\0\0\3", 8);
    assert_int_equal(probe(&format, err, sizeof(err)), 0);
    assert_string_equal(format, "qcow2");
}

static void test_media_boot_signature_is_raw_disk(void **state)
{
    const char *format;
    char err[256];

    put(510, "\x55\xaa", 2);
    assert_int_equal(probe(&format, err, sizeof(err)), 0);
    assert_string_equal(format, "raw");
}

/* A volume descriptor of another type (2: supplementary) is not a PVD. */
static void test_media_rejects_wrong_descriptor_type(void **state)
{
    static const uint8_t svd[] = { 2, 'C', 'D', '0', '0', '1', 1 };
    const char *format;
    char err[256];

    put(16 * 2048, svd, sizeof(svd));
    assert_int_equal(probe(&format, err, sizeof(err)), -EINVAL);
    assert_null(format);
    assert_non_null(strstr(err, "neither an ISO 9660 image"));
}

static void test_media_rejects_text(void **state)
{
    static const char text[] = "# notes\nnothing bootable here\n";
    const char *format;
    char err[256];

    put(0, text, sizeof(text) - 1);
    assert_int_equal(probe(&format, err, sizeof(err)), -EINVAL);
    assert_null(format);
    assert_non_null(strstr(err, "nor a disk image"));
}

static void test_media_rejects_empty_file(void **state)
{
    const char *format;
    char err[256];

    assert_int_equal(probe(&format, err, sizeof(err)), -EINVAL);
    assert_null(format);
}

static void test_media_rejects_directory(void **state)
{
    const char *format;
    char err[256];

    assert_int_equal(bdrv_probe_media("/tmp", &format, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "not a regular file or block device");
}

static void test_media_missing_file_gives_errno(void **state)
{
    const char *format;
    char err[256];

    assert_int_equal(bdrv_probe_media("/nonexistent/disc.iso", &format, err, sizeof(err)),
                     -ENOENT);
    assert_string_equal(err, strerror(ENOENT));
}

/* The check reads only: the file's bytes and size are what they were. */
static void test_media_probe_leaves_file_unchanged(void **state)
{
    const char *format;
    char err[256];
    struct stat before, after;

    put(510, "\x55\xaa", 2);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(probe(&format, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_media_iso9660_is_raw),
        T(test_media_qcow2_is_qcow2),
        T(test_media_boot_signature_is_raw_disk),
        T(test_media_rejects_wrong_descriptor_type),
        T(test_media_rejects_text),
        T(test_media_rejects_empty_file),
        T(test_media_rejects_directory),
        T(test_media_missing_file_gives_errno),
        T(test_media_probe_leaves_file_unchanged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
