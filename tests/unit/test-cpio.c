/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the initrd appender (install/cpio.c): the appended newc
 * archive is read back by GNU cpio (Debian package cpio) with the file's
 * exact bytes; its header fields are those of newc (Linux
 * Documentation/driver-api/early-userspace/buffer-format.rst); after a
 * gzip'd initrd the archive starts at a 4-byte aligned offset, which the
 * kernel's unpack_to_rootfs (init/initramfs.c) needs, checked by a walker
 * that follows that function's rules with zlib; and a failure leaves one
 * error line naming the file and no output.  Files live in a temporary
 * directory removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "install/install.h"

static char dir[64];
static char err[512];

static const char preseed[] = "d-i debian-installer/locale string en_US.UTF-8\n"
                              "d-i mirror/suite string trixie\n";

static const char *path(const char *name)
{
    static char buf[4][160];
    static int n;
    char *p = buf[n++ & 3];

    snprintf(p, 160, "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0;

    assert_non_null(f);
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (!n) {
            break;
        }
        *len += n;
    }
    fclose(f);
    return buf;
}

static void spill(const char *file, const void *data, size_t len)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static bool have_gnu_cpio(void)
{
    if (system("cpio --version 2>/dev/null | grep -q 'GNU cpio'") != 0) {
        fprintf(stderr, "GNU cpio is not installed (apt-get install cpio); skipping\n");
        return false;
    }
    return true;
}

/* Runs a shell command in the test directory; returns its exit status. */
static int run_in_dir(const char *fmt, ...)
{
    char cmd[1024];
    int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", dir);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The 8-hex-digit newc field `i` (0 = c_ino) of the header at `h`. */
static uint32_t newc_field(const uint8_t *h, int i)
{
    char hex[9];
    memcpy(hex, h + 6 + 8 * i, 8);
    hex[8] = '\0';
    return (uint32_t)strtoul(hex, NULL, 16);
}

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_NAMESIZE = 11 };

/* What the kernel-rule walker found: the last file of each name. */
typedef struct Found {
    int nfiles;
    char names[8][64];
    uint8_t *data[8];
    uint32_t size[8];
    uint64_t archive_at[4];  /* buffer offset of each uncompressed archive */
    int narchives;
} Found;

/*
 * Parse one newc archive at buf[*pos] up to and including its trailer,
 * with padding relative to the buffer offset `base + *pos` as the kernel
 * counts it; 0, or -1 on a malformed archive.
 */
static int parse_newc(const uint8_t *buf, size_t len, size_t *pos, uint64_t base, Found *f)
{
    for (;;) {
        size_t p = *pos;
        if (p + 110 > len || memcmp(buf + p, "070701", 6)) {
            return -1;
        }
        uint32_t namesize = newc_field(buf + p, F_NAMESIZE);
        uint32_t size = newc_field(buf + p, F_SIZE);
        const char *name = (const char *)buf + p + 110;
        if (p + 110 + namesize > len || !namesize || name[namesize - 1]) {
            return -1;
        }
        p += 110 + namesize;
        p += (4 - ((base + p) & 3)) & 3;
        if (p + size > len) {
            return -1;
        }
        if (!strcmp(name, "TRAILER!!!")) {
            *pos = p;
            return 0;
        }
        if (f->nfiles < 8) {
            snprintf(f->names[f->nfiles], 64, "%s", name);
            f->data[f->nfiles] = malloc(size + 1);
            memcpy(f->data[f->nfiles], buf + p, size);
            f->size[f->nfiles++] = size;
        }
        p += size;
        p += (4 - ((base + p) & 3)) & 3;
        *pos = p;
    }
}

/*
 * unpack_to_rootfs's loop: a '0' at a 4-aligned offset starts an
 * uncompressed archive, zero bytes are skipped, anything else must be a
 * compressed archive (here gzip, through zlib) whose consumed length moves
 * the offset on.  Returns 0 or -1 where the kernel reports an error.
 */
static int walk_initramfs(const uint8_t *buf, size_t len, Found *f)
{
    uint64_t this_header = 0;
    size_t pos = 0;

    memset(f, 0, sizeof(*f));
    while (pos < len) {
        uint64_t saved = this_header;
        if (buf[pos] == '0' && !(this_header & 3)) {
            size_t start = pos;
            if (f->narchives < 4) {
                f->archive_at[f->narchives++] = pos;
            }
            if (parse_newc(buf, len, &pos, this_header - start, f) < 0) {
                return -1;
            }
            this_header += pos - start;
            continue;
        }
        if (buf[pos] == 0) {
            pos++;
            this_header++;
            continue;
        }
        if (len - pos < 2 || buf[pos] != 0x1f || buf[pos + 1] != 0x8b) {
            return -1;        /* "invalid magic at start of compressed archive" */
        }
        z_stream zs = { 0 };
        size_t cap = 1 << 20, out = 0;
        uint8_t *dec = malloc(cap);
        assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
        zs.next_in = (uint8_t *)buf + pos;
        zs.avail_in = (uInt)(len - pos);
        int zr;
        do {
            if (out == cap) {
                dec = realloc(dec, cap *= 2);
            }
            zs.next_out = dec + out;
            zs.avail_out = (uInt)(cap - out);
            zr = inflate(&zs, Z_NO_FLUSH);
            out = cap - zs.avail_out;
        } while (zr == Z_OK);
        size_t consumed = zs.total_in;
        inflateEnd(&zs);
        if (zr != Z_STREAM_END) {
            free(dec);
            return -1;
        }
        size_t dpos = 0;
        int r = parse_newc(dec, out, &dpos, 0, f);
        for (; r == 0 && dpos < out; dpos++) {
            r = dec[dpos] ? -1 : 0;      /* only padding after the trailer */
        }
        free(dec);
        if (r < 0) {
            return -1;
        }
        this_header = saved + consumed;
        pos += consumed;
    }
    return 0;
}

static int find(const Found *f, const char *name)
{
    for (int i = f->nfiles - 1; i >= 0; i--) {
        if (!strcmp(f->names[i], name)) {
            return i;
        }
    }
    return -1;
}

static void free_found(Found *f)
{
    for (int i = 0; i < f->nfiles; i++) {
        free(f->data[i]);
    }
}

/* A gzip'd newc initrd holding "x", whose length is not a multiple of 4. */
static size_t make_gzip_initrd(const char *name)
{
    for (int extra = 0; extra < 64; extra++) {
        assert_int_equal(run_in_dir("head -c %d /dev/urandom > x && echo x | "
                                    "cpio -o -H newc --quiet | gzip -n > %s", 100 + extra, name),
                         0);
        struct stat st;
        assert_int_equal(stat(path(name), &st), 0);
        if (st.st_size % 4) {
            return (size_t)st.st_size;
        }
    }
    fail_msg("no gzip'd initrd of unaligned length");
    return 0;
}

static void test_cpio_appended_file_reads_back_with_gnu_cpio(void **state)
{
    size_t in_len, out_len;

    if (!have_gnu_cpio()) {
        fail_msg("GNU cpio missing (scripts/install-deps.sh installs cpio)");
    }
    assert_int_equal(run_in_dir("printf 'hello\\n' > x && echo x | cpio -o -H newc --quiet > "
                                "raw.cpio"), 0);
    assert_int_equal(cpio_append_file(path("raw.cpio"), path("out.cpio"), "preseed.cfg",
                                      preseed, strlen(preseed), err, sizeof(err)), 0);
    uint8_t *in = slurp(path("raw.cpio"), &in_len);
    uint8_t *out = slurp(path("out.cpio"), &out_len);
    assert_true(out_len > in_len);
    assert_memory_equal(out, in, in_len);

    /* GNU cpio stops at the first trailer: extract the appended archive by its offset */
    size_t at = (in_len + 3) & ~(size_t)3;
    spill(path("tail.cpio"), out + at, out_len - at);
    assert_int_equal(run_in_dir("mkdir -p ex && cd ex && cpio -i --quiet < ../tail.cpio"), 0);
    size_t got_len;
    uint8_t *got = slurp(path("ex/preseed.cfg"), &got_len);
    assert_int_equal(got_len, strlen(preseed));
    assert_memory_equal(got, preseed, got_len);
    struct stat st;
    assert_int_equal(stat(path("ex/preseed.cfg"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_true(S_ISREG(st.st_mode));
    /* and the input archive in front is untouched */
    assert_int_equal(run_in_dir("cpio -t --quiet < out.cpio | grep -qx x"), 0);
    free(got);
    free(in);
    free(out);
}

static void test_cpio_appends_several_files_with_paths(void **state)
{
    static const char key[] = "\x99\x00\x33 a keyring";
    const CpioFile files[] = {
        { "preseed.cfg", preseed, strlen(preseed) },
        { "/usr/share/keyrings/archive.gpg", key, sizeof(key) - 1 },
    };
    size_t in_len, out_len, got_len;

    assert_int_equal(run_in_dir("printf 'x\\n' > y && echo y | cpio -o -H newc --quiet > "
                                "two.cpio"), 0);
    assert_int_equal(cpio_append_files(path("two.cpio"), path("two-out.cpio"), files, 2,
                                       err, sizeof(err)), 0);
    uint8_t *in = slurp(path("two.cpio"), &in_len);
    uint8_t *out = slurp(path("two-out.cpio"), &out_len);
    size_t at = (in_len + 3) & ~(size_t)3;
    spill(path("two-tail.cpio"), out + at, out_len - at);
    assert_int_equal(run_in_dir("mkdir -p ex2 && cd ex2 && cpio -id --quiet < ../two-tail.cpio"),
                     0);
    uint8_t *got = slurp(path("ex2/usr/share/keyrings/archive.gpg"), &got_len);
    assert_int_equal(got_len, sizeof(key) - 1);
    assert_memory_equal(got, key, got_len);
    free(got);
    got = slurp(path("ex2/preseed.cfg"), &got_len);
    assert_int_equal(got_len, strlen(preseed));
    free(got);
    free(in);
    free(out);
}

static void test_cpio_header_fields_are_newc_regular_file_and_trailer(void **state)
{
    size_t out_len;
    static const uint8_t four_zeros[4];

    spill(path("zeros.img"), four_zeros, sizeof(four_zeros));
    assert_int_equal(cpio_append_file(path("zeros.img"), path("hdr.img"), "/preseed.cfg",
                                      preseed, strlen(preseed), err, sizeof(err)), 0);
    uint8_t *out = slurp(path("hdr.img"), &out_len);
    const uint8_t *h = out + 4;
    assert_memory_equal(h, "070701", 6);
    assert_int_equal(newc_field(h, F_MODE), 0100644);
    assert_int_equal(newc_field(h, F_NLINK), 1);
    assert_int_equal(newc_field(h, F_SIZE), strlen(preseed));
    assert_int_equal(newc_field(h, F_NAMESIZE), strlen("preseed.cfg") + 1);
    assert_string_equal((const char *)h + 110, "preseed.cfg");  /* leading '/' dropped */
    size_t data_at = (4 + 110 + 12 + 3) & ~(size_t)3;
    assert_memory_equal(out + data_at, preseed, strlen(preseed));
    size_t trailer_at = (data_at + strlen(preseed) + 3) & ~(size_t)3;
    const uint8_t *t = out + trailer_at;
    assert_memory_equal(t, "070701", 6);
    assert_int_equal(newc_field(t, F_NAMESIZE), 11);
    assert_string_equal((const char *)t + 110, "TRAILER!!!");
    assert_int_equal(out_len, (trailer_at + 110 + 11 + 3) & ~(size_t)3);
    free(out);
}

static void test_cpio_after_gzip_initrd_starts_aligned_and_kernel_reads_both(void **state)
{
    size_t out_len;
    Found f;

    if (!have_gnu_cpio()) {
        fail_msg("GNU cpio missing (scripts/install-deps.sh installs cpio)");
    }
    size_t in_len = make_gzip_initrd("in.gz");
    assert_int_equal(cpio_append_file(path("in.gz"), path("out.img"), "preseed.cfg", preseed,
                                      strlen(preseed), err, sizeof(err)), 0);
    uint8_t *out = slurp(path("out.img"), &out_len);
    size_t at = (in_len + 3) & ~(size_t)3;
    for (size_t i = in_len; i < at; i++) {
        assert_int_equal(out[i], 0);
    }
    assert_memory_equal(out + at, "070701", 6);

    assert_int_equal(walk_initramfs(out, out_len, &f), 0);
    assert_int_equal(f.narchives, 1);
    assert_int_equal(f.archive_at[0], at);
    int x = find(&f, "x"), p = find(&f, "preseed.cfg");
    assert_true(x >= 0);
    assert_true(p >= 0);
    assert_int_equal(f.size[p], strlen(preseed));
    assert_memory_equal(f.data[p], preseed, f.size[p]);
    free_found(&f);

    /* the gzip member itself is unchanged: gzip still decompresses it to the cpio */
    spill(path("head.gz"), out, in_len);
    assert_int_equal(run_in_dir("gzip -dc head.gz | cpio -t --quiet | grep -qx x"), 0);
    free(out);
}

static void test_cpio_kernel_rules_reject_archive_unpadded_after_gzip(void **state)
{
    size_t out_len;
    Found f;

    /* Without the zero padding the same bytes are junk to the kernel: the walker agrees. */
    if (!have_gnu_cpio()) {
        fail_msg("GNU cpio missing (scripts/install-deps.sh installs cpio)");
    }
    size_t in_len = make_gzip_initrd("u.gz");
    assert_int_equal(cpio_append_file(path("u.gz"), path("u.img"), "preseed.cfg", preseed,
                                      strlen(preseed), err, sizeof(err)), 0);
    uint8_t *out = slurp(path("u.img"), &out_len);
    size_t at = (in_len + 3) & ~(size_t)3;
    memmove(out + in_len, out + at, out_len - at);
    assert_int_equal(walk_initramfs(out, out_len - (at - in_len), &f), -1);
    free_found(&f);
    free(out);
}

static void test_cpio_missing_input_names_it_and_writes_nothing(void **state)
{
    struct stat st;

    err[0] = '\0';
    assert_int_equal(cpio_append_file(path("no-such-initrd.gz"), path("never.img"),
                                      "preseed.cfg", preseed, strlen(preseed), err,
                                      sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, path("no-such-initrd.gz")));
    assert_null(strchr(err, '\n'));
    assert_int_equal(stat(path("never.img"), &st), -1);
    assert_int_equal(stat(path("never.img.tmp"), &st), -1);
}

static void test_cpio_failure_leaves_existing_output_untouched(void **state)
{
    size_t len;

    spill(path("keep.img"), "old", 3);
    assert_true(cpio_append_file(path("gone.gz"), path("keep.img"), "preseed.cfg", preseed,
                                 strlen(preseed), err, sizeof(err)) < 0);
    uint8_t *got = slurp(path("keep.img"), &len);
    assert_int_equal(len, 3);
    assert_memory_equal(got, "old", 3);
    free(got);
}

static void test_cpio_unwritable_output_names_it(void **state)
{
    static const uint8_t four_zeros[4];
    struct stat st;

    spill(path("z.img"), four_zeros, sizeof(four_zeros));
    assert_true(cpio_append_file(path("z.img"), path("no-dir/out.img"), "preseed.cfg", preseed,
                                 strlen(preseed), err, sizeof(err)) < 0);
    assert_non_null(strstr(err, path("no-dir/out.img")));
    assert_int_equal(stat(path("no-dir"), &st), -1);
}

static void test_cpio_refuses_name_outside_root(void **state)
{
    static const uint8_t four_zeros[4];
    struct stat st;

    spill(path("z2.img"), four_zeros, sizeof(four_zeros));
    assert_int_equal(cpio_append_file(path("z2.img"), path("n.img"), "etc/../preseed.cfg",
                                      preseed, strlen(preseed), err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "etc/../preseed.cfg"));
    assert_int_equal(cpio_append_file(path("z2.img"), path("n.img"), "etc//preseed.cfg",
                                      preseed, strlen(preseed), err, sizeof(err)), -EINVAL);
    assert_int_equal(cpio_append_file(path("z2.img"), path("n.img"), "/", preseed,
                                      strlen(preseed), err, sizeof(err)), -EINVAL);
    assert_int_equal(stat(path("n.img"), &st), -1);
}

static int setup(void **state)
{
    strcpy(dir, "/tmp/test-cpio-XXXXXX");
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
        cmocka_unit_test(test_cpio_appended_file_reads_back_with_gnu_cpio),
        cmocka_unit_test(test_cpio_appends_several_files_with_paths),
        cmocka_unit_test(test_cpio_header_fields_are_newc_regular_file_and_trailer),
        cmocka_unit_test(test_cpio_after_gzip_initrd_starts_aligned_and_kernel_reads_both),
        cmocka_unit_test(test_cpio_kernel_rules_reject_archive_unpadded_after_gzip),
        cmocka_unit_test(test_cpio_missing_input_names_it_and_writes_nothing),
        cmocka_unit_test(test_cpio_failure_leaves_existing_output_untouched),
        cmocka_unit_test(test_cpio_unwritable_output_names_it),
        cmocka_unit_test(test_cpio_refuses_name_outside_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
