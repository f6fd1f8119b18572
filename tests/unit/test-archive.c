/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the Debian archive client (install/http.c,
 * install/archive.c): downloads through libcurl against a small HTTP
 * server on 127.0.0.1 run by this test and against file:// URLs; SHA-256
 * against FIPS 180-4's "abc" vector and sha256sum; gpgv's verdict on a
 * real Debian trixie InRelease (the one scripts/fetch-guest-images.sh keeps
 * in apt's lists, else fetched from this machine's apt mirror) against
 * /usr/share/keyrings/debian-archive-keyring.gpg, intact and with one byte
 * changed; the Release and SHA256SUMS parsers on real and hand-made files;
 * and the whole InRelease -> Release -> SHA256SUMS -> linux/initrd.gz chain
 * of archive_fetch_installer over a fixture mirror signed by a test key,
 * tampered in each link; its fallback, Release -> Packages -> the netboot
 * .deb, and archive_check_installer_mirror, over fixture mirrors whose
 * Release, InRelease and Release.gpg are signed at test time by a key gpg
 * makes in setup (gnupg needed) and whose .deb dpkg-deb builds; and both
 * against this machine's configured mirror, the installer's kernel and
 * initrd checked by their magic and by hashes other tools recompute.
 * Network use: the configured mirror, for its InRelease, Release,
 * Release.gpg and indexes, and the installer (tens of MiB, kept in
 * ~/.cache/vm/test-archive so re-runs fetch only what changed).
 * Everything else is written in a temporary directory removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib.h>

#include "install/install.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
/* Holds only the "Debian Stable Release Key (13/trixie)", one of InRelease's three signers. */
#define TRIXIE_STABLE_KEYRING "/usr/share/keyrings/debian-archive-trixie-stable.gpg"

/* Archive paths of the riscv64 netboot installer, as Debian lays them out. */
#define IMAGES "dists/trixie/main/installer-riscv64/current/images"
#define NETBOOT IMAGES "/netboot/debian-installer/riscv64"
#define SUMS_NAME "main/installer-riscv64/current/images/SHA256SUMS"

/*
 * The fixture mirror: a trixie InRelease signed by a test key, over a
 * Release listing the SHA256SUMS below, which lists the `linux` and
 * `initrd.gz` below.  Made once with GnuPG 2.2 (the key and signature dated
 * 2020-01-01, so that no host clock sees them in the future):
 *   export GNUPGHOME=$(mktemp -d); T='--faked-system-time 20200101T000000!'
 *   gpg $T --batch --passphrase '' --quick-gen-key \
 *       'vm test archive key <archive-test@invalid>' ed25519 sign never
 *   gpg --export > keyring.gpg          # FIXTURE_KEYRING
 *   gpg $T --batch --digest-algo SHA256 --clearsign -o InRelease Release
 * The secret key was thrown away.
 */
static const unsigned char FIXTURE_KEYRING[] = {
    0x98, 0x33, 0x04, 0x5e, 0x0b, 0xe1, 0x00, 0x16, 0x09, 0x2b, 0x06, 0x01,
    0x04, 0x01, 0xda, 0x47, 0x0f, 0x01, 0x01, 0x07, 0x40, 0x77, 0x69, 0xa6,
    0xdc, 0x90, 0x2c, 0x8c, 0xc5, 0x1c, 0x7e, 0xef, 0xaf, 0x78, 0x7c, 0x47,
    0xb9, 0xa5, 0xd6, 0x1d, 0x13, 0xcd, 0xe6, 0xee, 0xb3, 0x46, 0xef, 0xc8,
    0xa4, 0xf5, 0x18, 0xd4, 0x7e, 0xb4, 0x2a, 0x76, 0x6d, 0x20, 0x74, 0x65,
    0x73, 0x74, 0x20, 0x61, 0x72, 0x63, 0x68, 0x69, 0x76, 0x65, 0x20, 0x6b,
    0x65, 0x79, 0x20, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x69, 0x76, 0x65, 0x2d,
    0x74, 0x65, 0x73, 0x74, 0x40, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64,
    0x3e, 0x88, 0x90, 0x04, 0x13, 0x16, 0x08, 0x00, 0x38, 0x16, 0x21, 0x04,
    0xdc, 0xd3, 0xa5, 0x3a, 0xa4, 0x17, 0x10, 0x77, 0xe9, 0x6f, 0x5b, 0xee,
    0x7f, 0x7c, 0xa4, 0xcd, 0xc8, 0x9c, 0x0b, 0x3f, 0x05, 0x02, 0x5e, 0x0b,
    0xe1, 0x00, 0x02, 0x1b, 0x03, 0x05, 0x0b, 0x09, 0x08, 0x07, 0x02, 0x06,
    0x15, 0x0a, 0x09, 0x08, 0x0b, 0x02, 0x04, 0x16, 0x02, 0x03, 0x01, 0x02,
    0x1e, 0x01, 0x02, 0x17, 0x80, 0x00, 0x0a, 0x09, 0x10, 0x7f, 0x7c, 0xa4,
    0xcd, 0xc8, 0x9c, 0x0b, 0x3f, 0x0f, 0x12, 0x01, 0x00, 0xd3, 0xcb, 0x4e,
    0x70, 0x54, 0x66, 0x30, 0xa8, 0x68, 0xaa, 0x2a, 0xd9, 0xf5, 0x50, 0x57,
    0x28, 0x4c, 0xbd, 0x60, 0x70, 0x0e, 0x9f, 0xc2, 0xfe, 0xaa, 0x94, 0x33,
    0x48, 0xd9, 0x95, 0x57, 0x6f, 0x01, 0x00, 0x85, 0x51, 0x76, 0xf6, 0x98,
    0x79, 0xb4, 0x35, 0x79, 0xd2, 0x75, 0x03, 0x7b, 0x36, 0x41, 0xfc, 0x49,
    0xfc, 0x70, 0xcb, 0x8e, 0x50, 0xa5, 0x00, 0x07, 0xe6, 0x42, 0x75, 0x2b,
    0xdd, 0x73, 0x07
};

static const char FIXTURE_INRELEASE[] =
    "-----BEGIN PGP SIGNED MESSAGE-----\n"
    "Hash: SHA256\n"
    "\n"
    "Origin: vm-test\n"
    "Label: vm-test\n"
    "Suite: stable\n"
    "Codename: trixie\n"
    "Date: Wed, 01 Jan 2020 00:00:00 UTC\n"
    "Architectures: riscv64\n"
    "Components: main\n"
    "Description: vm unit-test archive (not Debian's)\n"
    "MD5Sum:\n"
    " d5262dbe9070b4f48faaa5a695e16efb      218 main/installer-riscv64/current/images/SHA256SUMS\n"
    "SHA256:\n"
    " 0000000000000000000000000000000000000000000000000000000000000000        0 "
    "main/binary-riscv64/Release\n"
    " f09a90e1d6ed1605f8377073ac167a83f52eac61946a8cf55b0d20437c6f8d9b      218 "
    "main/installer-riscv64/current/images/SHA256SUMS\n"
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEARYIAB0WIQTc06U6pBcQd+lvW+5/fKTNyJwLPwUCXgvhAAAKCRB/fKTNyJwL\n"
    "P44/AQCnoWbX0Jx/IT169AEspUG10MULsty1Goz4+O1VHOZdmgD9Fkny4U0d3iNm\n"
    "IHqj2y1spDecoR9hobmGhORrF7gJiwo=\n"
    "=fMbA\n"
    "-----END PGP SIGNATURE-----\n";

static const char FIXTURE_SUMS[] =
    "2fa9df19e120955c128d0dd5c9d98730f83f1ed0f9429671b94d8e3b4d162d38  "
    "./netboot/debian-installer/riscv64/initrd.gz\n"
    "bb909558e807d9e687c161ab0a2daf8293bea54076281173b8bfb0e069deb820  "
    "./netboot/debian-installer/riscv64/linux\n";

static const char FIXTURE_LINUX[] = "vm test netboot linux\n";
static const char FIXTURE_INITRD[] = "vm test netboot initrd.gz\n";

static char dir[64];
static char err[1024];
static char test_keyring[128];

/* A path under the test directory; a few stay valid at once. */
static G_GNUC_PRINTF(1, 2) const char *tpath(const char *fmt, ...)
{
    static char buf[8][4096];
    static int n;
    char *p = buf[n++ & 7];
    va_list ap;
    int len = snprintf(p, 4096, "%s/", dir);

    va_start(ap, fmt);
    vsnprintf(p + len, 4096 - len, fmt, ap);
    va_end(ap);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    char *parent = g_path_get_dirname(path);
    GError *gerr = NULL;

    if (g_mkdir_with_parents(parent, 0755) < 0) {
        fail_msg("mkdir %s: %s", parent, strerror(errno));
    }
    g_free(parent);
    if (!g_file_set_contents(path, data, len, &gerr)) {
        fail_msg("%s", gerr->message);
    }
}

static char *read_file(const char *path, size_t *len)
{
    GError *gerr = NULL;
    gchar *data;
    gsize n;

    if (!g_file_get_contents(path, &data, &n, &gerr)) {
        fail_msg("%s", gerr->message);
    }
    if (len) {
        *len = n;
    }
    return data;
}

/* Like assert_int_equal on a return value, quoting err when it fails. */
#define assert_ret(expr, want) do {                                                      \
        int ret_ = (expr), want_ = (want);                                              \
        if (ret_ != want_) {                                                            \
            fail_msg("%s returned %d, expected %d; err: %s", #expr, ret_, want_, err);  \
        }                                                                               \
    } while (0)

static bool exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

static bool file_equals(const char *path, const char *text)
{
    size_t len;
    char *data = read_file(path, &len);
    bool same = len == strlen(text) && memcmp(data, text, len) == 0;

    g_free(data);
    return same;
}

/* Replace the first `from` in a file by `to` (same length, so sizes stay). */
static void edit_file(const char *path, const char *from, const char *to)
{
    size_t len;
    char *data = read_file(path, &len);
    char *at = strstr(data, from);

    assert_int_equal(strlen(from), strlen(to));
    if (!at) {
        fail_msg("%s: no '%s' to change", path, from);
    }
    memcpy(at, to, strlen(to));
    write_file(path, data, len);
    g_free(data);
}

static void run(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fail_msg("'%s' failed", cmd);
    }
}

/* The fixture mirror (see FIXTURE_INRELEASE) under `root`. */
static const char *make_fixture_mirror(const char *root)
{
    char p[4096];

    snprintf(p, sizeof(p), "%s/dists/trixie/InRelease", root);
    write_file(p, FIXTURE_INRELEASE, strlen(FIXTURE_INRELEASE));
    snprintf(p, sizeof(p), "%s/" IMAGES "/SHA256SUMS", root);
    write_file(p, FIXTURE_SUMS, strlen(FIXTURE_SUMS));
    snprintf(p, sizeof(p), "%s/" NETBOOT "/linux", root);
    write_file(p, FIXTURE_LINUX, strlen(FIXTURE_LINUX));
    snprintf(p, sizeof(p), "%s/" NETBOOT "/initrd.gz", root);
    write_file(p, FIXTURE_INITRD, strlen(FIXTURE_INITRD));
    return root;
}

/* The Release inside FIXTURE_INRELEASE: after the armor headers, up to the signature. */
static char *fixture_release(void)
{
    const char *start = strstr(FIXTURE_INRELEASE, "\n\n") + 2;
    const char *end = strstr(FIXTURE_INRELEASE, "-----BEGIN PGP SIGNATURE-----");

    return g_strndup(start, end - start);
}

static const char *file_url(const char *root)
{
    static char buf[4][4200];
    static int n;
    char *p = buf[n++ & 3];

    snprintf(p, 4200, "file://%s", root);
    return p;
}

static int fetch_trixie(const char *mirror, const char *cache, InstallerImages *out)
{
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    return archive_fetch_installer(mirror, "trixie", "riscv64", cache, test_keyring, out, err,
                                   sizeof(err));
}

/* --- the package fixture: a mirror signed at test time ------------------ */

/*
 * A second fixture mirror, for the netboot package and the mirror check:
 * no installer images directory, but Packages indexes listing a netboot
 * .deb that dpkg-deb builds in setup, a udeb index, and a Release with
 * their SHA-256, signed both as InRelease and as the detached Release.gpg
 * by an ephemeral key made in setup in a private GNUPGHOME (gpg, from the
 * gnupg package; gpgconf stops its agent in teardown).  Each test builds
 * its own, flawed as `flags` say.
 */
#define PKG_VERSION "20250803+deb13u10"
#define POOL_DIR "pool/main/d/debian-installer-netboot-images"
#define POOL_DEB POOL_DIR "/debian-installer-13-netboot-riscv64_" PKG_VERSION "_all.deb"
#define DEB_NAME "debian-installer-13-netboot-riscv64_" PKG_VERSION "_all.deb"
#define PKG_DIR "netboot-pkg/riscv64/" PKG_VERSION
#define DEB_IMAGES "usr/lib/debian-installer/images/13/riscv64/text/debian-installer/riscv64"
#define PACKAGES "dists/trixie/main/binary-riscv64/Packages"
#define UDEBS "dists/trixie/main/debian-installer/binary-riscv64/Packages"
#define STALE_MIRROR "the mirror is stale or inconsistent; try another --mirror"

static const char PKG_LINUX[] = "vm test netboot package: linux\n";
static const char PKG_INITRD[] = "vm test netboot package: initrd.gz\n";

static char gnupg_home[128];       /* the ephemeral key's GNUPGHOME; "" when gpg is missing */
static char pkg_keyring[128];      /* its public key, for gpgv */
static char fixture_deb[2][128];   /* the netboot .deb; [1] lacks initrd.gz */

enum {
    PM_NO_XZ = 1 << 0,             /* Release lists, and the mirror has, Packages.gz only */
    PM_STALE_SUMS = 1 << 1,        /* an images SHA256SUMS, not the one Release lists */
    PM_OLD_RELEASE_GPG = 1 << 2,   /* Release.gpg signs an older Release */
    PM_STALE_UDEBS = 1 << 3,       /* the udeb Packages.xz is not the one Release lists */
    PM_DEB_WITHOUT_INITRD = 1 << 4,
};

static void sha256_of(const char *path, char hex[65], size_t *size)
{
    size_t len;
    char *data = read_file(path, &len);
    gchar *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);

    snprintf(hex, 65, "%s", sum);
    if (size) {
        *size = len;
    }
    g_free(sum);
    g_free(data);
}

/* The netboot package's stanza among decoys: older versions by dpkg's order, other majors. */
static char *packages_text(const char *deb)
{
    static const char zeros[] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char hex[65];
    size_t size;

    sha256_of(deb, hex, &size);
    return g_strdup_printf(
        "Package: busybox\n"
        "Version: 1:1.37.0-6\n"
        "Architecture: riscv64\n"
        "Filename: pool/main/b/busybox/busybox_1.37.0-6_riscv64.deb\n"
        "Size: 1\n"
        "SHA256: %s\n"
        "Description: a decoy\n"
        " Package: debian-installer-13-netboot-riscv64 (a continuation line, not a field)\n"
        "\n"
        "Package: debian-installer-13-netboot-riscv64\n"
        "Version: 20250803+deb13u9\n"
        "Architecture: all\n"
        "Filename: " POOL_DIR "/debian-installer-13-netboot-riscv64_20250803+deb13u9_all.deb\n"
        "Size: 1\n"
        "SHA256: %s\n"
        "\n"
        "Package: debian-installer-13-netboot-riscv64\n"
        "Source: debian-installer-netboot-images\n"
        "Version: " PKG_VERSION "\n"
        "Architecture: all\n"
        "Filename: " POOL_DEB "\n"
        "Size: %zu\n"
        "SHA256: %s\n"
        "Description: Debian-installer network boot images for riscv64 (vm test)\n"
        "\n"
        "Package: debian-installer-13-netboot-riscv64\n"
        "Version: " PKG_VERSION "~rc1\n"
        "Architecture: all\n"
        "Filename: " POOL_DIR "/debian-installer-13-netboot-riscv64_20250803+deb13u10~rc1_all.deb\n"
        "Size: 1\n"
        "SHA256: %s\n"
        "\n"
        "Package: debian-installer-12-netboot-riscv64\n"
        "Version: 99999999\n"
        "Filename: " POOL_DIR "/debian-installer-12-netboot-riscv64_99999999_all.deb\n"
        "Size: 1\n"
        "SHA256: %s\n"
        "\n"
        "Package: debian-installer-13-netboot-arm64\n"
        "Version: 99999999\n"
        "Filename: " POOL_DIR "/debian-installer-13-netboot-arm64_99999999_all.deb\n"
        "Size: 1\n"
        "SHA256: %s",
        zeros, zeros, size, hex, zeros, zeros, zeros);
}

static void release_entry(GString *release, const char *root, const char *name)
{
    char path[4096], hex[65];
    size_t size;

    snprintf(path, sizeof(path), "%s/dists/trixie/%s", root, name);
    sha256_of(path, hex, &size);
    g_string_append_printf(release, " %s %8zu %s\n", hex, size, name);
}

static void gpg_sign(const char *how, const char *out, const char *in)
{
    run("GNUPGHOME='%s' gpg --batch --quiet --yes --pinentry-mode loopback --passphrase '' "
        "--digest-algo SHA256 %s -o '%s' '%s'", gnupg_home, how, out, in);
}

static const char *make_pkg_mirror(const char *root, unsigned flags)
{
    static const char udebs[] = "Package: anna\nVersion: 1.99\nArchitecture: riscv64\n"
                                "Filename: pool/main/a/anna/anna_1.99_riscv64.udeb\n";
    const char *deb = fixture_deb[flags & PM_DEB_WITHOUT_INITRD ? 1 : 0];
    GString *release = g_string_new(NULL);
    char p[4096], q[4096];
    char *text;

    if (!gnupg_home[0]) {
        fail_msg("gpg not found: the signed fixture mirror needs gnupg installed");
    }
    run("mkdir -p '%s/" POOL_DIR "' && cp '%s' '%s/" POOL_DEB "'", root, deb, root);
    text = packages_text(deb);
    snprintf(p, sizeof(p), "%s/" PACKAGES, root);
    write_file(p, text, strlen(text));
    g_free(text);
    run("gzip -9nk '%s'", p);
    if (!(flags & PM_NO_XZ)) {
        run("xz -k '%s'", p);
    }
    unlink(p);
    snprintf(p, sizeof(p), "%s/" UDEBS, root);
    write_file(p, udebs, strlen(udebs));
    run("xz '%s'", p);

    g_string_append(release, "Origin: vm-test\nLabel: vm-test\nSuite: stable\nVersion: 13.8\n"
                    "Codename: trixie\nDate: Sat, 21 Nov 2026 09:15:44 UTC\n"
                    "Architectures: riscv64\nComponents: main\n"
                    "Description: vm unit-test archive, signed at test time (not Debian's)\n"
                    "SHA256:\n");
    release_entry(release, root, "main/binary-riscv64/Packages.gz");
    if (!(flags & PM_NO_XZ)) {
        release_entry(release, root, "main/binary-riscv64/Packages.xz");
    }
    release_entry(release, root, "main/debian-installer/binary-riscv64/Packages.xz");
    if (flags & PM_STALE_SUMS) {
        snprintf(p, sizeof(p), "%s/" IMAGES "/SHA256SUMS", root);
        write_file(p, FIXTURE_SUMS, strlen(FIXTURE_SUMS));
        release_entry(release, root, SUMS_NAME);
        write_file(p, "stale\n", 6);
    }
    if (flags & PM_STALE_UDEBS) {
        snprintf(p, sizeof(p), "%s/" UDEBS, root);
        write_file(p, "Package: anna\nVersion: 1.98\n", 28);
        run("xz -f '%s'", p);
    }

    snprintf(p, sizeof(p), "%s/dists/trixie/Release", root);
    if (flags & PM_OLD_RELEASE_GPG) {
        /* Yesterday's Release and its signature, today's Release beside it. */
        GString *old = g_string_new(release->str);
        g_string_replace(old, "21 Nov", "20 Nov", 1);
        write_file(p, old->str, old->len);
        g_string_free(old, TRUE);
        snprintf(q, sizeof(q), "%s/dists/trixie/Release.gpg", root);
        gpg_sign("--armor --detach-sign", q, p);
        write_file(p, release->str, release->len);
    } else {
        write_file(p, release->str, release->len);
        snprintf(q, sizeof(q), "%s/dists/trixie/Release.gpg", root);
        gpg_sign("--armor --detach-sign", q, p);
    }
    snprintf(q, sizeof(q), "%s/dists/trixie/InRelease", root);
    gpg_sign("--clearsign", q, p);
    g_string_free(release, TRUE);
    return root;
}

static int fetch_pkg(const char *mirror, const char *cache, InstallerImages *out)
{
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    return archive_fetch_installer(mirror, "trixie", "riscv64", cache, pkg_keyring, out, err,
                                   sizeof(err));
}

static int check_pkg(const char *mirror, const char *cache)
{
    err[0] = '\0';
    return archive_check_installer_mirror(mirror, "trixie", "riscv64", cache, pkg_keyring, err,
                                          sizeof(err));
}

/* Make the ephemeral key and the two .debs (setup; gpg missing leaves gnupg_home ""). */
static int setup_package_fixture(void)
{
    char cmd[8192];

    for (int k = 0; k < 2; k++) {
        gchar *tree = g_strdup_printf("%s/deb-tree-%d", dir, k);
        gchar *images = g_strdup_printf("%s/" DEB_IMAGES, tree);
        gchar *control = g_strdup_printf("%s/DEBIAN/control", tree);
        static const char ctl[] =
            "Package: debian-installer-13-netboot-riscv64\n"
            "Version: " PKG_VERSION "\n"
            "Architecture: all\n"
            "Maintainer: vm tests <archive-test@invalid>\n"
            "Description: vm unit-test netboot images (not Debian's)\n";
        bool ok = g_mkdir_with_parents(images, 0755) == 0 &&
                  g_mkdir_with_parents(tree, 0755) == 0;
        gchar *f;
        f = g_build_filename(tree, "DEBIAN", NULL);
        ok &= g_mkdir_with_parents(f, 0755) == 0;
        g_free(f);
        ok &= g_file_set_contents(control, ctl, -1, NULL);
        f = g_build_filename(images, "linux", NULL);
        ok &= g_file_set_contents(f, PKG_LINUX, -1, NULL);
        g_free(f);
        if (k == 0) {
            f = g_build_filename(images, "initrd.gz", NULL);
            ok &= g_file_set_contents(f, PKG_INITRD, -1, NULL);
            g_free(f);
        }
        f = g_build_filename(images, "bootnetriscv64.efi", NULL);
        ok &= g_file_set_contents(f, "not unpacked\n", -1, NULL);
        g_free(f);
        snprintf(fixture_deb[k], sizeof(fixture_deb[k]), "%s/netboot-%d.deb", dir, k);
        snprintf(cmd, sizeof(cmd), "dpkg-deb --root-owner-group -Zgzip --build '%s' '%s' "
                 ">/dev/null", tree, fixture_deb[k]);
        ok &= ok && system(cmd) == 0;
        g_free(tree);
        g_free(images);
        g_free(control);
        if (!ok) {
            fprintf(stderr, "setup: cannot build %s with dpkg-deb\n", fixture_deb[k]);
            return -1;
        }
    }
    if (system("command -v gpg >/dev/null 2>&1") != 0) {
        return 0;
    }
    snprintf(gnupg_home, sizeof(gnupg_home), "%s/gnupg", dir);
    snprintf(pkg_keyring, sizeof(pkg_keyring), "%s/ephemeral-keyring.gpg", dir);
    snprintf(cmd, sizeof(cmd), "mkdir -m 700 '%s' && export GNUPGHOME='%s' && "
             "gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key "
             "'vm ephemeral test archive key <archive-test@invalid>' ed25519 sign never "
             "2>/dev/null && gpg --batch --export > '%s'", gnupg_home, gnupg_home, pkg_keyring);
    if (system(cmd) != 0) {
        fprintf(stderr, "setup: gpg cannot make a key in %s\n", gnupg_home);
        return -1;
    }
    return 0;
}

/* --- real Debian inputs ------------------------------------------------ */

/*
 * The Debian mirror this machine's apt uses (VM_DEBIAN_MIRROR overrides),
 * found as scripts/fetch-guest-images.sh finds it: the first http(s) URI
 * ending in /debian of a "deb" line or a deb822 "URIs:" field.
 */
static const char *configured_mirror(void)
{
    static char mirror[1024];
    static const char *const patterns[] = {
        "/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list",
        "/etc/apt/sources.list.d/*.sources",
    };
    const char *env = getenv("VM_DEBIAN_MIRROR");

    if (env && env[0]) {
        snprintf(mirror, sizeof(mirror), "%s", env);
        return mirror;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(patterns) && !mirror[0]; i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) != 0) {
            continue;
        }
        for (size_t f = 0; f < g.gl_pathc && !mirror[0]; f++) {
            gchar *text;
            if (!g_file_get_contents(g.gl_pathv[f], &text, NULL, NULL)) {
                continue;
            }
            gchar **lines = g_strsplit(text, "\n", -1);
            for (int l = 0; lines[l] && !mirror[0]; l++) {
                gchar **tok = g_strsplit_set(g_strstrip(lines[l]), " \t", -1);
                bool wanted = tok[0] && (!strcmp(tok[0], "deb") ||
                                         !g_ascii_strcasecmp(tok[0], "URIs:"));
                for (int t = 1; wanted && tok[t] && !mirror[0]; t++) {
                    size_t len = strlen(tok[t]);
                    while (len && tok[t][len - 1] == '/') {
                        len--;
                    }
                    if ((g_str_has_prefix(tok[t], "http://") ||
                         g_str_has_prefix(tok[t], "https://")) &&
                        len > 7 && !strncmp(tok[t] + len - 7, "/debian", 7)) {
                        snprintf(mirror, sizeof(mirror), "%.*s", (int)len, tok[t]);
                    }
                }
                g_strfreev(tok);
            }
            g_strfreev(lines);
            g_free(text);
        }
        globfree(&g);
    }
    if (!mirror[0]) {
        fail_msg("no Debian mirror in /etc/apt/sources.list*; set VM_DEBIAN_MIRROR");
    }
    return mirror;
}

/*
 * A real trixie InRelease: apt's copy in fetch-guest-images.sh's cache,
 * else one fetched from the configured mirror.
 */
static const char *real_inrelease(void)
{
    static char path[4096];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char pattern[4096];
    glob_t g;

    if (path[0]) {
        return path;
    }
    if (xdg && xdg[0]) {
        snprintf(pattern, sizeof(pattern), "%s/vm/apt/state/lists/*_dists_trixie_InRelease", xdg);
    } else {
        snprintf(pattern, sizeof(pattern), "%s/.cache/vm/apt/state/lists/"
                 "*_dists_trixie_InRelease", home ? home : "");
    }
    if (glob(pattern, 0, NULL, &g) == 0) {
        snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
        globfree(&g);
        return path;
    }
    char url[2048];
    snprintf(url, sizeof(url), "%s/dists/trixie/InRelease", configured_mirror());
    if (http_fetch(url, tpath("real-InRelease"), false, err, sizeof(err)) < 0) {
        fail_msg("no trixie InRelease in %s, and %s", pattern, err);
    }
    snprintf(path, sizeof(path), "%s", tpath("real-InRelease"));
    return path;
}

/*
 * The configured mirror's current InRelease and riscv64 installer
 * SHA256SUMS (fetched together, so that they match), laid out as a mirror.
 */
static const char *real_mirror(void)
{
    static char root[4096];
    const char *m;
    char url[2048];

    if (root[0]) {
        return root;
    }
    m = configured_mirror();
    snprintf(url, sizeof(url), "%s/dists/trixie/InRelease", m);
    if (g_mkdir_with_parents(tpath("real-mirror/" IMAGES), 0755) < 0 ||
        http_fetch(url, tpath("real-mirror/dists/trixie/InRelease"), false, err,
                   sizeof(err)) < 0) {
        fail_msg("real mirror: %s", err);
    }
    snprintf(url, sizeof(url), "%s/" IMAGES "/SHA256SUMS", m);
    if (http_fetch(url, tpath("real-mirror/" IMAGES "/SHA256SUMS"), false, err,
                   sizeof(err)) < 0) {
        fail_msg("real mirror: %s", err);
    }
    snprintf(root, sizeof(root), "%s", tpath("real-mirror"));
    return root;
}

/* --- a small HTTP server on 127.0.0.1 ---------------------------------- */

/*
 * One request per connection, answered by path:
 *   /hello      200 "hello, archive\n"      /redirect   302 to /hello
 *   /missing    404                         /to-file    302 to file:///etc/hostname
 *   /short      200 promising 100000 bytes, sending 10
 *   /mirror/P   the file `server_root`/P (P percent-decoded), or 404
 */
static int server_fd = -1;
static int server_port;
static pthread_t server_thread;
static char server_root[4096];      /* written before the thread starts */

static void send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= n;
    }
}

static void send_status(int fd, const char *status, const char *extra)
{
    char head[1024];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: 0\r\n%s"
                     "Connection: close\r\n\r\n", status, extra);
    send_all(fd, head, n);
}

static void serve_one(int fd)
{
    char req[8192], target[4096], head[512];
    size_t len = 0;

    while (len < sizeof(req) - 1) {
        ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
        if (n <= 0) {
            return;
        }
        len += n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n")) {
            break;
        }
    }
    if (sscanf(req, "GET %4095s HTTP/1.1", target) != 1) {
        send_status(fd, "400 Bad Request", "");
    } else if (!strcmp(target, "/hello")) {
        static const char body[] = "hello, archive\n";
        int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n", strlen(body));
        send_all(fd, head, n);
        send_all(fd, body, strlen(body));
    } else if (!strcmp(target, "/redirect")) {
        send_status(fd, "302 Found", "Location: /hello\r\n");
    } else if (!strcmp(target, "/to-file")) {
        send_status(fd, "302 Found", "Location: file:///etc/hostname\r\n");
    } else if (!strcmp(target, "/short")) {
        static const char head_short[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
                                         "Connection: close\r\n\r\n0123456789";
        send_all(fd, head_short, strlen(head_short));
    } else if (g_str_has_prefix(target, "/mirror/")) {
        char path[8192];
        gchar *data;
        gsize size;
        char *file = g_uri_unescape_string(target + 8, NULL);
        snprintf(path, sizeof(path), "%s/%s", server_root, file ? file : "");
        g_free(file);
        if (g_file_get_contents(path, &data, &size, NULL)) {
            int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n", (size_t)size);
            send_all(fd, head, n);
            send_all(fd, data, size);
            g_free(data);
        } else {
            send_status(fd, "404 Not Found", "");
        }
    } else {
        send_status(fd, "404 Not Found", "");
    }
}

static void *server_main(void *opaque)
{
    for (;;) {
        int c = accept(server_fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return NULL;    /* shutdown() by teardown */
        }
        serve_one(c);
        close(c);
    }
}

static int server_start(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t salen = sizeof(sa);

    server_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server_fd < 0 || bind(server_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(server_fd, 16) < 0 || getsockname(server_fd, (struct sockaddr *)&sa, &salen) < 0) {
        return -1;
    }
    server_port = ntohs(sa.sin_port);
    return pthread_create(&server_thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static const char *server_url(const char *path)
{
    static char buf[4][512];
    static int n;
    char *p = buf[n++ & 3];

    snprintf(p, 512, "http://127.0.0.1:%d%s", server_port, path);
    return p;
}

/* --- sha256_file -------------------------------------------------------- */

static void test_sha256_file_matches_fips_180_vector_for_abc(void **state)
{
    char hex[65];

    write_file(tpath("abc"), "abc", 3);
    assert_ret(sha256_file(tpath("abc"), hex, err, sizeof(err)), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_file_of_empty_file_is_the_empty_hash(void **state)
{
    char hex[65];

    write_file(tpath("empty"), "", 0);
    assert_ret(sha256_file(tpath("empty"), hex, err, sizeof(err)), 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_file_matches_sha256sum_across_read_chunks(void **state)
{
    /* Larger than, and not a multiple of, any read size sha256_file might use. */
    size_t len = 3 * 1024 * 1024 + 7;
    unsigned char *data = g_malloc(len);
    char hex[65], cmd[8192], want[65] = "";
    uint32_t x = 12345;
    FILE *p;

    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245 + 12345;
        data[i] = x >> 24;
    }
    write_file(tpath("random"), data, len);
    g_free(data);
    snprintf(cmd, sizeof(cmd), "sha256sum '%s'", tpath("random"));
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", want), 1);
    assert_int_equal(pclose(p), 0);

    assert_ret(sha256_file(tpath("random"), hex, err, sizeof(err)), 0);
    assert_string_equal(hex, want);
}

static void test_sha256_file_reports_missing_file(void **state)
{
    char hex[65] = "untouched";

    assert_ret(sha256_file(tpath("no-such-file"), hex, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, tpath("no-such-file")));
    assert_string_equal(hex, "untouched");
}

/* --- http_fetch ---------------------------------------------------------- */

static void test_http_fetch_writes_body_and_leaves_no_tmp(void **state)
{
    assert_ret(http_fetch(server_url("/hello"), tpath("hello"), false, err, sizeof(err)), 0);
    assert_true(file_equals(tpath("hello"), "hello, archive\n"));
    assert_false(exists(tpath("hello.tmp")));
}

static void test_http_fetch_follows_redirect(void **state)
{
    assert_ret(http_fetch(server_url("/redirect"), tpath("redirected"), false, err,
                                sizeof(err)), 0);
    assert_true(file_equals(tpath("redirected"), "hello, archive\n"));
}

static void test_http_fetch_reports_http_404_and_keeps_old_file(void **state)
{
    char want[1024];

    write_file(tpath("kept"), "old\n", 4);
    assert_ret(http_fetch(server_url("/missing"), tpath("kept"), false, err, sizeof(err)),
                     -ENOENT);
    snprintf(want, sizeof(want), "%s: HTTP 404", server_url("/missing"));
    assert_string_equal(err, want);
    assert_true(file_equals(tpath("kept"), "old\n"));
    assert_false(exists(tpath("kept.tmp")));
}

static void test_http_fetch_refuses_truncated_body(void **state)
{
    assert_true(http_fetch(server_url("/short"), tpath("short"), false, err, sizeof(err)) < 0);
    assert_true(g_str_has_prefix(err, server_url("/short")));
    assert_false(exists(tpath("short")));
    assert_false(exists(tpath("short.tmp")));
}

static void test_http_fetch_refuses_redirect_to_file_url(void **state)
{
    assert_true(http_fetch(server_url("/to-file"), tpath("to-file"), false, err,
                           sizeof(err)) < 0);
    assert_false(exists(tpath("to-file")));
    assert_false(exists(tpath("to-file.tmp")));
}

static void test_http_fetch_reports_connection_refused(void **state)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t salen = sizeof(sa);
    char url[128];
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    /* A port that was just free and has nobody listening. */
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/InRelease", ntohs(sa.sin_port));

    assert_ret(http_fetch(url, tpath("refused"), false, err, sizeof(err)), -EIO);
    assert_true(g_str_has_prefix(err, url));
    assert_non_null(strcasestr(err, "connect"));
    assert_false(exists(tpath("refused")));
    assert_false(exists(tpath("refused.tmp")));
}

static void test_http_fetch_reports_unresolvable_host(void **state)
{
    /* RFC 6761: .invalid never resolves. */
    static const char url[] = "http://no-such-host.invalid/debian/dists/trixie/InRelease";

    assert_true(http_fetch(url, tpath("unresolved"), false, err, sizeof(err)) < 0);
    assert_true(g_str_has_prefix(err, url));
    if (!getenv("http_proxy") && !getenv("HTTP_PROXY") && !getenv("all_proxy") &&
        !getenv("ALL_PROXY")) {
        assert_non_null(strcasestr(err, "resolve"));
    }
    assert_false(exists(tpath("unresolved")));
}

static void test_http_fetch_reports_enospc_with_path(void **state)
{
    char want[4200];

    /* PATH.tmp opens through the symlink onto /dev/full, where every write fails. */
    assert_int_equal(mkdir(tpath("full"), 0755), 0);
    assert_int_equal(symlink("/dev/full", tpath("full/file.tmp")), 0);
    assert_ret(http_fetch(server_url("/hello"), tpath("full/file"), false, err,
                                sizeof(err)), -ENOSPC);
    snprintf(want, sizeof(want), "%s: No space left on device", tpath("full/file"));
    assert_string_equal(err, want);
    assert_false(exists(tpath("full/file")));
    assert_false(exists(tpath("full/file.tmp")));
}

static void test_http_fetch_copies_file_url(void **state)
{
    write_file(tpath("file-src"), "local mirror\n", 13);
    assert_ret(http_fetch(file_url(tpath("file-src")), tpath("file-dst"), false, err,
                                sizeof(err)), 0);
    assert_true(file_equals(tpath("file-dst"), "local mirror\n"));
}

static void test_http_fetch_reports_missing_file_url(void **state)
{
    const char *url = file_url(tpath("no-such-file"));

    assert_ret(http_fetch(url, tpath("file-missing"), false, err, sizeof(err)), -ENOENT);
    assert_true(g_str_has_prefix(err, url));
    assert_false(exists(tpath("file-missing")));
    assert_false(exists(tpath("file-missing.tmp")));
}

/* --- archive_verify_inrelease ------------------------------------------- */

static void test_verify_inrelease_accepts_real_debian_inrelease(void **state)
{
    char hex[65];
    uint64_t size = 0;
    size_t len;
    char *release;

    assert_ret(archive_verify_inrelease(real_inrelease(), tpath("real-Release"),
                                              DEBIAN_KEYRING, err, sizeof(err)), 0);
    release = read_file(tpath("real-Release"), &len);
    assert_true(g_str_has_prefix(release, "Origin: Debian\n"));
    assert_null(strstr(release, "PGP"));
    g_free(release);
    assert_ret(archive_release_sha256(tpath("real-Release"), SUMS_NAME, hex, &size, err,
                                            sizeof(err)), 0);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
    assert_true(size > 0);
}

static void test_verify_inrelease_refuses_real_inrelease_with_one_changed_byte(void **state)
{
    char hex[65], bad[65];
    uint64_t size;
    size_t len;
    char *text, *at;

    /* Change the first digit of the installer SHA256SUMS hash, as an attacker would. */
    assert_ret(archive_verify_inrelease(real_inrelease(), tpath("real-Release"),
                                              DEBIAN_KEYRING, err, sizeof(err)), 0);
    assert_ret(archive_release_sha256(tpath("real-Release"), SUMS_NAME, hex, &size, err,
                                            sizeof(err)), 0);
    text = read_file(real_inrelease(), &len);
    at = strstr(text, hex);
    assert_non_null(at);
    snprintf(bad, sizeof(bad), "%s", hex);
    bad[0] = bad[0] == '0' ? '1' : '0';
    memcpy(at, bad, 64);
    write_file(tpath("bad-InRelease"), text, len);
    g_free(text);

    assert_ret(archive_verify_inrelease(tpath("bad-InRelease"), tpath("bad-Release"),
                                              DEBIAN_KEYRING, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "BAD signature"));
    assert_true(g_str_has_prefix(err, tpath("bad-InRelease")));
    assert_false(exists(tpath("bad-Release")));
    assert_false(exists(tpath("bad-Release.tmp")));
}

static void test_verify_inrelease_keeps_old_output_on_failure(void **state)
{
    size_t len;
    char *text = read_file(real_inrelease(), &len);

    text[strstr(text, "SHA256:") - text + 1] = 'x';    /* "SxA256:" */
    write_file(tpath("bad2-InRelease"), text, len);
    g_free(text);
    write_file(tpath("old-Release"), "old\n", 4);
    assert_ret(archive_verify_inrelease(tpath("bad2-InRelease"), tpath("old-Release"),
                                              DEBIAN_KEYRING, err, sizeof(err)), -EBADMSG);
    assert_true(file_equals(tpath("old-Release"), "old\n"));
}

static void test_verify_inrelease_refuses_text_after_signature(void **state)
{
    size_t len;
    char *text = read_file(real_inrelease(), &len);
    GString *s = g_string_new_len(text, len);

    /* A second SHA256 section after the signature, that a careless parser would read. */
    g_string_append(s, "SHA256:\n "
                    "0000000000000000000000000000000000000000000000000000000000000000 1 "
                    SUMS_NAME "\n");
    write_file(tpath("trailing-InRelease"), s->str, s->len);
    g_string_free(s, TRUE);
    g_free(text);
    assert_ret(archive_verify_inrelease(tpath("trailing-InRelease"),
                                              tpath("trailing-Release"), DEBIAN_KEYRING, err,
                                              sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "not one clearsigned"));
    assert_false(exists(tpath("trailing-Release")));
}

static void test_verify_inrelease_accepts_keyring_with_only_one_signer(void **state)
{
    /* gpgv exits 2 ("No public key" for two signers) yet the third signature is good. */
    assert_ret(archive_verify_inrelease(real_inrelease(), tpath("one-signer-Release"),
                                              TRIXIE_STABLE_KEYRING, err, sizeof(err)), 0);
    assert_true(exists(tpath("one-signer-Release")));
}

static void test_verify_inrelease_refuses_signature_by_unknown_key(void **state)
{
    assert_ret(archive_verify_inrelease(real_inrelease(), tpath("unknown-key-Release"),
                                              test_keyring, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "No public key"));
    assert_false(exists(tpath("unknown-key-Release")));
}

static void test_verify_inrelease_refuses_unsigned_file(void **state)
{
    char *release = fixture_release();

    write_file(tpath("unsigned-InRelease"), release, strlen(release));
    g_free(release);
    assert_ret(archive_verify_inrelease(tpath("unsigned-InRelease"),
                                              tpath("unsigned-Release"), test_keyring, err,
                                              sizeof(err)), -EBADMSG);
    assert_false(exists(tpath("unsigned-Release")));
}

static void test_verify_inrelease_writes_exactly_the_signed_content(void **state)
{
    char *release = fixture_release();

    write_file(tpath("fixture-InRelease"), FIXTURE_INRELEASE, strlen(FIXTURE_INRELEASE));
    assert_ret(archive_verify_inrelease(tpath("fixture-InRelease"),
                                              tpath("fixture-Release"), test_keyring, err,
                                              sizeof(err)), 0);
    assert_true(file_equals(tpath("fixture-Release"), release));
    g_free(release);
}

static void test_verify_inrelease_reports_missing_gpgv(void **state)
{
    char *saved = g_strdup(getenv("PATH"));
    int ret;

    write_file(tpath("fixture-InRelease"), FIXTURE_INRELEASE, strlen(FIXTURE_INRELEASE));
    assert_int_equal(g_mkdir_with_parents(tpath("empty-bin"), 0755), 0);
    setenv("PATH", tpath("empty-bin"), 1);
    ret = archive_verify_inrelease(tpath("fixture-InRelease"), tpath("no-gpgv-Release"),
                                   test_keyring, err, sizeof(err));
    setenv("PATH", saved, 1);
    g_free(saved);
    assert_int_equal(ret, -ENOENT);
    assert_true(g_str_has_prefix(err, "gpgv not found"));
    assert_false(exists(tpath("no-gpgv-Release")));
}

static void test_verify_inrelease_reports_missing_keyring(void **state)
{
    write_file(tpath("fixture-InRelease"), FIXTURE_INRELEASE, strlen(FIXTURE_INRELEASE));
    assert_ret(archive_verify_inrelease(tpath("fixture-InRelease"), tpath("nokey-Release"),
                                              tpath("no-such-keyring.gpg"), err, sizeof(err)),
                     -ENOENT);
    assert_true(g_str_has_prefix(err, tpath("no-such-keyring.gpg")));
}

static void test_verify_inrelease_takes_relative_keyring_from_cwd(void **state)
{
    /* gpgv alone would look for a slash-less keyring name in ~/.gnupg. */
    char cwd[4096];
    int ret;

    write_file(tpath("fixture-InRelease"), FIXTURE_INRELEASE, strlen(FIXTURE_INRELEASE));
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    ret = archive_verify_inrelease("fixture-InRelease", "relative-Release", "test-keyring.gpg",
                                   err, sizeof(err));
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(ret, 0);
}

/* --- archive_release_sha256 ---------------------------------------------- */

static const char RELEASE_TWO_SECTIONS[] =
    "Codename: trixie\n"
    "MD5Sum:\n"
    " 0123456789abcdef0123456789abcdef 33063 main/x/SHA256SUMS\n"
    "SHA256:\n"
    " AAAA456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 12 main/y\n"
    " 24a329b61ad9d654530a5060bc1641bfbb1e8af523d9b3081aeb9d94ae3f81fe    33063 "
    "main/x/SHA256SUMS\n"
    "SHA512:\n"
    " 00 1 main/z\n";

static void test_release_sha256_reads_sha256_section_not_md5sum(void **state)
{
    char hex[65];
    uint64_t size = 0;

    write_file(tpath("two-sections"), RELEASE_TWO_SECTIONS, strlen(RELEASE_TWO_SECTIONS));
    assert_ret(archive_release_sha256(tpath("two-sections"), "main/x/SHA256SUMS", hex,
                                            &size, err, sizeof(err)), 0);
    assert_string_equal(hex, "24a329b61ad9d654530a5060bc1641bfbb1e8af523d9b3081aeb9d94ae3f81fe");
    assert_int_equal(size, 33063);
}

static void test_release_sha256_lowercases_hash(void **state)
{
    char hex[65];
    uint64_t size = 0;

    write_file(tpath("two-sections"), RELEASE_TWO_SECTIONS, strlen(RELEASE_TWO_SECTIONS));
    assert_ret(archive_release_sha256(tpath("two-sections"), "main/y", hex, &size, err,
                                            sizeof(err)), 0);
    assert_string_equal(hex, "aaaa456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_int_equal(size, 12);
}

static void test_release_sha256_reports_missing_entry(void **state)
{
    char hex[65];
    uint64_t size = 7;

    write_file(tpath("two-sections"), RELEASE_TWO_SECTIONS, strlen(RELEASE_TWO_SECTIONS));
    /* main/z is only in SHA512, a prefix of a listed name is not that name. */
    assert_ret(archive_release_sha256(tpath("two-sections"), "main/z", hex, &size, err,
                                            sizeof(err)), -ENOENT);
    assert_ret(archive_release_sha256(tpath("two-sections"), "main/x/SHA256", hex, &size,
                                            err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "main/x/SHA256"));
    assert_int_equal(size, 7);
}

static void test_release_sha256_rejects_malformed_entry(void **state)
{
    static const char text[] = "SHA256:\n 1234 12 main/short-hash\n";
    char hex[65];
    uint64_t size;

    write_file(tpath("malformed-Release"), text, strlen(text));
    assert_ret(archive_release_sha256(tpath("malformed-Release"), "main/x", hex, &size, err,
                                            sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, ":2: malformed"));
}

static void test_release_sha256_rejects_file_without_sha256_section(void **state)
{
    static const char text[] = "Codename: trixie\nMD5Sum:\n 0123 1 main/x\n";
    char hex[65];
    uint64_t size;

    write_file(tpath("md5-only-Release"), text, strlen(text));
    assert_ret(archive_release_sha256(tpath("md5-only-Release"), "main/x", hex, &size, err,
                                            sizeof(err)), -EBADMSG);
}

/* --- archive_sums_sha256 ------------------------------------------------- */

static void test_sums_sha256_finds_real_netboot_entries(void **state)
{
    char linux_hex[65], initrd_hex[65], again[65];
    char path[4200];

    snprintf(path, sizeof(path), "%s/" IMAGES "/SHA256SUMS", real_mirror());
    assert_ret(archive_sums_sha256(path, "./netboot/debian-installer/riscv64/linux",
                                         linux_hex, err, sizeof(err)), 0);
    assert_ret(archive_sums_sha256(path, "./netboot/debian-installer/riscv64/initrd.gz",
                                         initrd_hex, err, sizeof(err)), 0);
    assert_int_equal(strspn(linux_hex, "0123456789abcdef"), 64);
    assert_string_not_equal(linux_hex, initrd_hex);
    /* The same entry without "./". */
    assert_ret(archive_sums_sha256(path, "netboot/debian-installer/riscv64/initrd.gz",
                                         again, err, sizeof(err)), 0);
    assert_string_equal(again, initrd_hex);
}

static void test_sums_sha256_reports_missing_entry(void **state)
{
    char hex[65] = "untouched", path[4200];

    snprintf(path, sizeof(path), "%s/" IMAGES "/SHA256SUMS", real_mirror());
    assert_ret(archive_sums_sha256(path, "./netboot/debian-installer/riscv64/no-such-file",
                                         hex, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "no-such-file"));
    assert_string_equal(hex, "untouched");
}

static void test_sums_sha256_rejects_malformed_line(void **state)
{
    static const char text[] = "not a hash  ./netboot/debian-installer/riscv64/linux\n";
    char hex[65];

    write_file(tpath("malformed-SUMS"), text, strlen(text));
    assert_ret(archive_sums_sha256(tpath("malformed-SUMS"),
                                         "./netboot/debian-installer/riscv64/linux", hex, err,
                                         sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, ":1: malformed"));
}

/* --- archive_fetch_installer --------------------------------------------- */

static void test_fetch_installer_fills_cache_laid_out_as_mirror(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-layout"));
    const char *cache = tpath("c-layout");
    char *release = fixture_release();
    InstallerImages out;

    assert_ret(fetch_trixie(file_url(mirror), cache, &out), 0);
    assert_string_equal(out.kernel, tpath("c-layout/" NETBOOT "/linux"));
    assert_string_equal(out.initrd, tpath("c-layout/" NETBOOT "/initrd.gz"));
    assert_true(file_equals(out.kernel, FIXTURE_LINUX));
    assert_true(file_equals(out.initrd, FIXTURE_INITRD));
    assert_true(file_equals(tpath("c-layout/dists/trixie/InRelease"), FIXTURE_INRELEASE));
    assert_true(file_equals(tpath("c-layout/dists/trixie/Release"), release));
    assert_true(file_equals(tpath("c-layout/" IMAGES "/SHA256SUMS"), FIXTURE_SUMS));
    g_free(release);
}

static void test_fetch_installer_cache_serves_as_mirror(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-relay"));
    InstallerImages out;

    assert_ret(fetch_trixie(file_url(mirror), tpath("c-relay1"), &out), 0);
    assert_ret(fetch_trixie(file_url(tpath("c-relay1")), tpath("c-relay2"), &out), 0);
    assert_true(file_equals(out.initrd, FIXTURE_INITRD));
}

static void test_fetch_installer_over_http(void **state)
{
    InstallerImages out;

    /* server_root holds the fixture mirror (see setup). */
    assert_ret(fetch_trixie(server_url("/mirror"), tpath("c-http"), &out), 0);
    assert_true(file_equals(out.kernel, FIXTURE_LINUX));
    assert_true(file_equals(out.initrd, FIXTURE_INITRD));
}

static void test_fetch_installer_accepts_mirror_with_trailing_slash(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-slash"));
    char url[4300];
    InstallerImages out;

    snprintf(url, sizeof(url), "%s/", file_url(mirror));
    assert_ret(fetch_trixie(url, tpath("c-slash"), &out), 0);
    assert_true(file_equals(out.kernel, FIXTURE_LINUX));
}

static void test_fetch_installer_skips_download_of_matching_cached_images(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-skip"));
    InstallerImages out;

    assert_ret(fetch_trixie(file_url(mirror), tpath("c-skip"), &out), 0);
    /* Without the images in the mirror, only the cached copies can satisfy the second run. */
    assert_int_equal(unlink(tpath("m-skip/" NETBOOT "/linux")), 0);
    assert_int_equal(unlink(tpath("m-skip/" NETBOOT "/initrd.gz")), 0);
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-skip"), &out), 0);
    assert_true(file_equals(out.initrd, FIXTURE_INITRD));
}

static void test_fetch_installer_refuses_tampered_initrd_and_keeps_no_bad_file(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-tamper"));
    char prefix[4400];
    InstallerImages out;

    edit_file(tpath("m-tamper/" NETBOOT "/initrd.gz"), "initrd", "INITRD");
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-tamper"), &out), -EBADMSG);
    snprintf(prefix, sizeof(prefix), "initrd.gz (%s/" NETBOOT "/initrd.gz): SHA-256 mismatch: "
             "expected 2fa9df19e120955c128d0dd5c9d98730f83f1ed0f9429671b94d8e3b4d162d38, got ",
             file_url(mirror));
    assert_true(g_str_has_prefix(err, prefix));
    assert_false(exists(tpath("c-tamper/" NETBOOT "/initrd.gz")));
    assert_false(exists(tpath("c-tamper/" NETBOOT "/initrd.gz.tmp")));
    assert_string_equal(out.initrd, "");
}

static void test_fetch_installer_replaces_tampered_cached_initrd(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-recache"));
    InstallerImages out;

    assert_ret(fetch_trixie(file_url(mirror), tpath("c-recache"), &out), 0);
    edit_file(out.initrd, "initrd", "INITRD");
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-recache"), &out), 0);
    assert_true(file_equals(out.initrd, FIXTURE_INITRD));
}

static void test_fetch_installer_refuses_tampered_sha256sums(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-sums"));
    InstallerImages out;

    /* Point SHA256SUMS at another initrd: same size, other hash. */
    edit_file(tpath("m-sums/" IMAGES "/SHA256SUMS"), "2fa9df19", "00000000");
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-sums"), &out), -EBADMSG);
    assert_true(g_str_has_prefix(err, "SHA256SUMS ("));
    assert_non_null(strstr(err, "SHA-256 mismatch: expected f09a90e1"));
    assert_false(exists(tpath("c-sums/" IMAGES "/SHA256SUMS")));
}

static void test_fetch_installer_refuses_sha256sums_of_wrong_size(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-size"));
    static const char extra[] =
        "0000000000000000000000000000000000000000000000000000000000000000  ./extra\n";
    GString *s = g_string_new(FIXTURE_SUMS);
    InstallerImages out;

    g_string_append(s, extra);
    write_file(tpath("m-size/" IMAGES "/SHA256SUMS"), s->str, s->len);
    g_string_free(s, TRUE);
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-size"), &out), -EBADMSG);
    assert_non_null(strstr(err, "size mismatch: expected 218 bytes, got 292"));
    assert_false(exists(tpath("c-size/" IMAGES "/SHA256SUMS")));
}

static void test_fetch_installer_refuses_tampered_inrelease_and_drops_it(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-inrel"));
    InstallerImages out;

    assert_ret(fetch_trixie(file_url(mirror), tpath("c-inrel"), &out), 0);
    edit_file(tpath("m-inrel/dists/trixie/InRelease"), "f09a90e1", "00000000");
    assert_ret(fetch_trixie(file_url(mirror), tpath("c-inrel"), &out), -EBADMSG);
    assert_non_null(strstr(err, "BAD signature"));
    assert_false(exists(tpath("c-inrel/dists/trixie/InRelease")));
    assert_false(exists(tpath("c-inrel/dists/trixie/Release")));
}

static void test_fetch_installer_refuses_release_signed_for_another_suite(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-suite"));
    InstallerImages out;

    /* A mirror answering "bookworm" with trixie's (validly signed) InRelease. */
    run("cp -a '%s' '%s'", tpath("m-suite/dists/trixie"), tpath("m-suite/dists/bookworm"));
    err[0] = '\0';
    assert_ret(archive_fetch_installer(file_url(mirror), "bookworm", "riscv64",
                                             tpath("c-suite"), test_keyring, &out, err,
                                             sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "not 'bookworm'"));
    assert_false(exists(tpath("c-suite/dists/bookworm/Release")));
}

static void test_fetch_installer_reports_arch_without_installer(void **state)
{
    const char *mirror = make_fixture_mirror(tpath("m-arch"));
    InstallerImages out;

    err[0] = '\0';
    assert_ret(archive_fetch_installer(file_url(mirror), "trixie", "arm64",
                                             tpath("c-arch"), test_keyring, &out, err,
                                             sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "no installer for arm64"));
}

static void test_fetch_installer_rejects_suite_with_slash(void **state)
{
    InstallerImages out;

    assert_ret(archive_fetch_installer(file_url(tpath("m-none")), "../trixie", "riscv64",
                                             tpath("c-none"), test_keyring, &out, err,
                                             sizeof(err)), -EINVAL);
    assert_false(exists(tpath("c-none")));
}

/* The first word `cmd` prints, or fail. */
static void command_word(const char *cmd, char *out, size_t outlen)
{
    char fmt[16];
    FILE *p = popen(cmd, "r");

    assert_non_null(p);
    snprintf(fmt, sizeof(fmt), "%%%zus", outlen - 1);
    if (fscanf(p, fmt, out) != 1) {
        out[0] = '\0';
    }
    pclose(p);
    if (!out[0]) {
        fail_msg("no output from: %s", cmd);
    }
}

static void test_fetch_installer_checks_real_sha256sums_against_real_release(void **state)
{
    const char *mirror = real_mirror();
    char cmd[8192], listed[65], actual[65], want[4400];
    size_t len;
    char *release;
    InstallerImages out;
    int ret;

    /*
     * The oracle, independent of install/: what gpgv's output lists for
     * SHA256SUMS, and what sha256sum says of the mirror's copy.  Where they
     * agree, the chain must get past SHA256SUMS and stop at `linux` (the
     * mirror copy holds no images); where the mirror serves a SHA256SUMS its
     * InRelease does not vouch for, the chain must stop there.
     */
    snprintf(cmd, sizeof(cmd), "gpgv --keyring " DEBIAN_KEYRING " --output - "
             "'%s/dists/trixie/InRelease' 2>/dev/null | awk '/^SHA256:/ { s = 1; next } "
             "/^[^ ]/ { s = 0 } s && $3 == \"" SUMS_NAME "\" { print $1 }'", mirror);
    command_word(cmd, listed, sizeof(listed));
    snprintf(cmd, sizeof(cmd), "sha256sum '%s/" IMAGES "/SHA256SUMS'", mirror);
    command_word(cmd, actual, sizeof(actual));

    err[0] = '\0';
    ret = archive_fetch_installer(file_url(mirror), "trixie", "riscv64", tpath("c-real"),
                                  DEBIAN_KEYRING, &out, err, sizeof(err));
    release = read_file(tpath("c-real/dists/trixie/Release"), &len);
    assert_true(g_str_has_prefix(release, "Origin: Debian\n"));
    g_free(release);
    if (strcmp(listed, actual) == 0) {
        assert_ret(ret, -ENOENT);
        snprintf(want, sizeof(want), "%s/" NETBOOT "/linux: ", file_url(mirror));
        assert_true(g_str_has_prefix(err, want));
        assert_non_null(strstr(err, "; netboot package: "));
        assert_true(exists(tpath("c-real/" IMAGES "/SHA256SUMS")));
    } else {
        print_message("note: the mirror's SHA256SUMS (%s) is not the one its InRelease lists "
                      "(%s)\n", actual, listed);
        assert_ret(ret, -EBADMSG);
        /* ...and the netboot package cannot help: the copy holds no Packages index. */
        snprintf(want, sizeof(want), "SHA256SUMS (%s/" IMAGES "/SHA256SUMS): SHA-256 mismatch: "
                 "expected %s, got %s; netboot package: ", file_url(mirror), listed, actual);
        assert_true(g_str_has_prefix(err, want));
        assert_non_null(strstr(err, "main/binary-riscv64/Packages.xz"));
        assert_false(exists(tpath("c-real/" IMAGES "/SHA256SUMS")));
    }
    assert_false(exists(tpath("c-real/" NETBOOT "/linux")));
}

/* --- archive_fetch_installer: the netboot package ------------------------ */

static void test_fetch_installer_falls_back_to_netboot_package_without_images_dir(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-layout"), 0);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-layout"), &out), 0);
    assert_string_equal(out.kernel, tpath("cp-layout/" PKG_DIR "/linux"));
    assert_string_equal(out.initrd, tpath("cp-layout/" PKG_DIR "/initrd.gz"));
    assert_string_equal(out.origin, POOL_DEB);
    assert_true(file_equals(out.kernel, PKG_LINUX));
    assert_true(file_equals(out.initrd, PKG_INITRD));
    /* The cache keeps the archive's layout; only the two images are unpacked. */
    assert_true(exists(tpath("cp-layout/" POOL_DEB)));
    assert_true(exists(tpath("cp-layout/" PACKAGES ".xz")));
    assert_false(exists(tpath("cp-layout/" PKG_DIR "/bootnetriscv64.efi")));
    assert_false(exists(tpath("cp-layout/" PKG_DIR ".unpack")));
}

static void test_fetch_installer_picks_newest_netboot_package_in_dpkg_order(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-order"), 0);
    InstallerImages out;

    /* u9 sorts after u10 as a string, u10~rc1 before u10 for dpkg; 12 and arm64 are others'. */
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-order"), &out), 0);
    assert_string_equal(out.origin, POOL_DEB);
}

static void test_fetch_installer_falls_back_when_mirror_sha256sums_is_stale(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-stale"), PM_STALE_SUMS);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-stale"), &out), 0);
    assert_true(file_equals(out.initrd, PKG_INITRD));
    assert_false(exists(tpath("cp-stale/" IMAGES "/SHA256SUMS")));
}

static void test_fetch_installer_falls_back_over_http_with_plus_in_pool_name(void **state)
{
    InstallerImages out;

    /* The server maps /mirror/ to server_root and percent-decodes ("+" is sent as %2B). */
    make_pkg_mirror(tpath("http-mirror/pkg"), 0);
    assert_ret(fetch_pkg(server_url("/mirror/pkg"), tpath("cp-http"), &out), 0);
    assert_true(file_equals(out.kernel, PKG_LINUX));
}

static void test_fetch_installer_reads_packages_gz_when_release_lists_no_xz(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-gz"), PM_NO_XZ);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-gz"), &out), 0);
    assert_true(file_equals(out.initrd, PKG_INITRD));
    assert_true(exists(tpath("cp-gz/" PACKAGES ".gz")));
    assert_false(exists(tpath("cp-gz/" PACKAGES ".xz")));
}

static void test_fetch_installer_reads_packages_gz_when_mirror_lacks_xz(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-noxz"), 0);
    InstallerImages out;

    assert_int_equal(unlink(tpath("mp-noxz/" PACKAGES ".xz")), 0);
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-noxz"), &out), 0);
    assert_true(file_equals(out.kernel, PKG_LINUX));
}

static void test_fetch_installer_reads_packages_gz_when_xz_is_stale(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-xzstale"), 0);
    InstallerImages out;

    run("echo stale | xz > '%s'", tpath("mp-xzstale/" PACKAGES ".xz"));
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-xzstale"), &out), 0);
    assert_true(file_equals(out.kernel, PKG_LINUX));
    assert_false(exists(tpath("cp-xzstale/" PACKAGES ".xz")));
}

static void test_fetch_installer_refuses_packages_index_release_does_not_list(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-idx"), 0);
    InstallerImages out;

    run("echo stale | xz > '%s'", tpath("mp-idx/" PACKAGES ".xz"));
    run("echo stale | gzip > '%s'", tpath("mp-idx/" PACKAGES ".gz"));
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-idx"), &out), -EBADMSG);
    /* The images directory's error, then the package's, about the preferred index. */
    assert_non_null(strstr(err, "no installer for riscv64"));
    assert_non_null(strstr(err, "; netboot package: main/binary-riscv64/Packages.xz ("));
    assert_non_null(strstr(err, "size mismatch"));
    assert_false(exists(tpath("cp-idx/" PACKAGES ".xz")));
    assert_false(exists(tpath("cp-idx/" PACKAGES ".gz")));
    assert_string_equal(out.kernel, "");
}

static void test_fetch_installer_refuses_tampered_deb_naming_it(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-deb"), 0);
    char want[4400];
    InstallerImages out;
    size_t len;
    char *deb = read_file(tpath("mp-deb/" POOL_DEB), &len);

    deb[len - 1] ^= 1;    /* same size, other content */
    write_file(tpath("mp-deb/" POOL_DEB), deb, len);
    g_free(deb);
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-deb"), &out), -EBADMSG);
    snprintf(want, sizeof(want), "; netboot package: " DEB_NAME " (%s/" POOL_DIR "/"
             "debian-installer-13-netboot-riscv64_20250803%%2Bdeb13u10_all.deb): "
             "SHA-256 mismatch: expected ", file_url(mirror));
    assert_non_null(strstr(err, want));
    assert_false(exists(tpath("cp-deb/" POOL_DEB)));
    assert_false(exists(tpath("cp-deb/" PKG_DIR "/linux")));
}

static void test_fetch_installer_reports_deb_without_initrd(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-noinitrd"), PM_DEB_WITHOUT_INITRD);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-noinitrd"), &out), -EBADMSG);
    assert_non_null(strstr(err, "; netboot package: "));
    assert_non_null(strstr(err, tpath("cp-noinitrd/" POOL_DEB ": dpkg-deb --fsys-tarfile | "
                                      "tar -x: ")));
    assert_non_null(strstr(err, "initrd.gz"));
    assert_false(exists(tpath("cp-noinitrd/" PKG_DIR ".unpack")));
}

static void test_fetch_installer_skips_download_of_matching_cached_deb(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-keep"), 0);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-keep"), &out), 0);
    /* Without the .deb and the index in the mirror, only the cache can serve the second run. */
    assert_int_equal(unlink(tpath("mp-keep/" POOL_DEB)), 0);
    assert_int_equal(unlink(tpath("mp-keep/" PACKAGES ".xz")), 0);
    assert_int_equal(unlink(out.kernel), 0);
    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-keep"), &out), 0);
    assert_true(file_equals(out.kernel, PKG_LINUX));
}

static void test_fetch_installer_package_cache_serves_as_mirror(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mp-relay"), 0);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cp-relay1"), &out), 0);
    assert_ret(fetch_pkg(file_url(tpath("cp-relay1")), tpath("cp-relay2"), &out), 0);
    assert_true(file_equals(out.initrd, PKG_INITRD));
    assert_string_equal(out.initrd, tpath("cp-relay2/" PKG_DIR "/initrd.gz"));
}

/* --- archive_check_installer_mirror ------------------------------------- */

/* No scratch directory stays behind in `cache`. */
static bool no_scratch_left(const char *cache)
{
    char pattern[4200];
    glob_t g;
    int r;

    snprintf(pattern, sizeof(pattern), "%s/.mirror-check-*", cache);
    r = glob(pattern, GLOB_PERIOD, NULL, &g);
    if (r == 0) {
        globfree(&g);
    }
    return r == GLOB_NOMATCH;
}

static void test_check_mirror_accepts_consistent_mirror(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-good"), 0);
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cc-good"), &out), 0);
    assert_ret(check_pkg(file_url(mirror), tpath("cc-good")), 0);
    assert_true(no_scratch_left(tpath("cc-good")));
}

static void test_check_mirror_refuses_release_gpg_that_does_not_verify(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-sig"), PM_OLD_RELEASE_GPG);
    char want[4400];
    InstallerImages out;

    /* InRelease is good, so the installer is fetched; d-i would stop at Release.gpg. */
    assert_ret(fetch_pkg(file_url(mirror), tpath("cc-sig"), &out), 0);
    assert_ret(check_pkg(file_url(mirror), tpath("cc-sig")), -EPROTO);
    snprintf(want, sizeof(want), "mirror %s: dists/trixie/Release.gpg does not verify "
             "dists/trixie/Release (the installer checks that pair; gpgv: BAD signature",
             file_url(mirror));
    assert_true(g_str_has_prefix(err, want));
    assert_true(g_str_has_suffix(err, "): " STALE_MIRROR));
    assert_true(no_scratch_left(tpath("cc-sig")));
}

static void test_check_mirror_refuses_release_other_than_the_signed_one(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-rel"), 0);
    char want[4400];
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cc-rel"), &out), 0);
    /* A newer Release with a good signature of its own, while InRelease is older. */
    edit_file(tpath("mc-rel/dists/trixie/Release"), "21 Nov", "22 Nov");
    gpg_sign("--armor --detach-sign", tpath("mc-rel/dists/trixie/Release.gpg"),
             tpath("mc-rel/dists/trixie/Release"));
    assert_ret(check_pkg(file_url(mirror), tpath("cc-rel")), -EPROTO);
    snprintf(want, sizeof(want), "mirror %s: dists/trixie/Release is not the Release its "
             "InRelease signs", file_url(mirror));
    assert_true(g_str_has_prefix(err, want));
    assert_true(no_scratch_left(tpath("cc-rel")));
}

static void test_check_mirror_refuses_stale_udeb_index(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-udeb"), PM_STALE_UDEBS);
    char want[4400];
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cc-udeb"), &out), 0);
    assert_ret(check_pkg(file_url(mirror), tpath("cc-udeb")), -EPROTO);
    snprintf(want, sizeof(want), "mirror %s: main/debian-installer/binary-riscv64/Packages.xz "
             "does not match the signed Release (the installer's component index is stale): "
             STALE_MIRROR, file_url(mirror));
    assert_string_equal(err, want);
    assert_true(no_scratch_left(tpath("cc-udeb")));
}

static void test_check_mirror_refuses_mirror_without_release_gpg(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-nosig"), 0);
    char want[4400];
    InstallerImages out;

    assert_ret(fetch_pkg(file_url(mirror), tpath("cc-nosig"), &out), 0);
    assert_int_equal(unlink(tpath("mc-nosig/dists/trixie/Release.gpg")), 0);
    assert_ret(check_pkg(file_url(mirror), tpath("cc-nosig")), -EPROTO);
    snprintf(want, sizeof(want), "mirror %s: dists/trixie/Release.gpg is missing (",
             file_url(mirror));
    assert_true(g_str_has_prefix(err, want));
    assert_true(no_scratch_left(tpath("cc-nosig")));
}

static void test_check_mirror_needs_verified_release_in_cache(void **state)
{
    const char *mirror = make_pkg_mirror(tpath("mc-first"), 0);

    assert_int_equal(mkdir(tpath("cc-first"), 0755), 0);
    assert_ret(check_pkg(file_url(mirror), tpath("cc-first")), -ENOENT);
    assert_true(g_str_has_prefix(err, tpath("cc-first/dists/trixie/Release: ")));
}

/* --- the real mirror, both ways ------------------------------------------ */

/*
 * The cache for the real mirror's installer (tens of MiB): kept across
 * runs beside scripts/fetch-guest-images.sh's, so a re-run downloads only
 * InRelease and what changed.
 */
static const char *real_cache(void)
{
    static char path[4096];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0]) {
        snprintf(path, sizeof(path), "%s/vm/test-archive", xdg);
    } else if (home && home[0]) {
        snprintf(path, sizeof(path), "%s/.cache/vm/test-archive", home);
    } else {
        snprintf(path, sizeof(path), "%s", tpath("real-cache"));
    }
    return path;
}

/* The first `len` bytes of a file. */
static void file_head(const char *path, unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
}

static void test_fetch_installer_gets_riscv_image_and_gzip_initrd_from_real_mirror(void **state)
{
    const char *mirror = configured_mirror(), *cache = real_cache();
    char cmd[16384], want[65], got[65];
    unsigned char head[64];
    InstallerImages out;

    err[0] = '\0';
    assert_ret(archive_fetch_installer(mirror, "trixie", "riscv64", cache, DEBIAN_KEYRING, &out,
                                       err, sizeof(err)), 0);
    print_message("note: the real mirror's installer came from %s\n", out.origin);
    /* Linux's RISC-V boot image header: magic2 "RSC\x05" at 0x38, deprecated "RISCV" at 0x30. */
    file_head(out.kernel, head, sizeof(head));
    assert_memory_equal(head + 0x30, "RISCV\0\0\0", 8);
    file_head(out.initrd, head, 2);
    assert_int_equal(head[0], 0x1f);
    assert_int_equal(head[1], 0x8b);

    /* The oracle: the same files, found with gpgv, awk, xz, dpkg-deb and tar alone. */
    if (g_str_has_prefix(out.origin, "pool/")) {
        snprintf(cmd, sizeof(cmd), "gpgv --keyring " DEBIAN_KEYRING " --output - "
                 "'%s/dists/trixie/InRelease' 2>/dev/null | awk '/^SHA256:/ { s = 1; next } "
                 "/^[^ ]/ { s = 0 } s && $3 == \"main/binary-riscv64/Packages.xz\" "
                 "{ print $1 }'", cache);
        command_word(cmd, want, sizeof(want));
        snprintf(cmd, sizeof(cmd), "sha256sum '%s/" PACKAGES ".xz'", cache);
        command_word(cmd, got, sizeof(got));
        assert_string_equal(got, want);
        snprintf(cmd, sizeof(cmd), "xz -dc '%s/" PACKAGES ".xz' | awk -v f='%s' "
                 "'/^Filename: / { fn = $2 } /^SHA256: / { sh = $2 } "
                 "/^$/ { if (fn == f) print sh; fn = sh = \"\" } END { if (fn == f) print sh }'",
                 cache, out.origin);
        command_word(cmd, want, sizeof(want));
        snprintf(cmd, sizeof(cmd), "sha256sum '%s/%s'", cache, out.origin);
        command_word(cmd, got, sizeof(got));
        assert_string_equal(got, want);
        for (int i = 0; i < 2; i++) {
            const char *image = i ? out.initrd : out.kernel;
            snprintf(cmd, sizeof(cmd), "dpkg-deb --fsys-tarfile '%s/%s' 2>/dev/null | tar -xOf - "
                     "'./usr/lib/debian-installer/images/13/riscv64/text/debian-installer/"
                     "riscv64/%s' | sha256sum", cache, out.origin, i ? "initrd.gz" : "linux");
            command_word(cmd, want, sizeof(want));
            snprintf(cmd, sizeof(cmd), "sha256sum '%s'", image);
            command_word(cmd, got, sizeof(got));
            assert_string_equal(got, want);
        }
    } else {
        assert_string_equal(out.origin, IMAGES);
        for (int i = 0; i < 2; i++) {
            snprintf(cmd, sizeof(cmd), "awk '$2 == \"./netboot/debian-installer/riscv64/%s\" "
                     "{ print $1 }' '%s/" IMAGES "/SHA256SUMS'", i ? "initrd.gz" : "linux",
                     cache);
            command_word(cmd, want, sizeof(want));
            snprintf(cmd, sizeof(cmd), "sha256sum '%s'", i ? out.initrd : out.kernel);
            command_word(cmd, got, sizeof(got));
            assert_string_equal(got, want);
        }
    }
}

static void test_check_mirror_agrees_with_recomputation_on_real_mirror(void **state)
{
    const char *mirror = configured_mirror();
    static const char udebs[] = "main/debian-installer/binary-riscv64/Packages.xz";
    char cache[4096], url[2048], cmd[16384], verdict[16], same[16], want[65], got[65];
    int ret;

    snprintf(cache, sizeof(cache), "%s", tpath("real-check-cache"));

    /* What archive_fetch_installer leaves for the check: the verified Release, nothing else. */
    assert_int_equal(g_mkdir_with_parents(tpath("real-check-cache/dists/trixie"), 0755), 0);
    snprintf(url, sizeof(url), "%s/dists/trixie/InRelease", mirror);
    assert_ret(http_fetch(url, tpath("real-check-cache/dists/trixie/InRelease"), false, err,
                          sizeof(err)), 0);
    assert_ret(archive_verify_inrelease(tpath("real-check-cache/dists/trixie/InRelease"),
                                        tpath("real-check-cache/dists/trixie/Release"),
                                        DEBIAN_KEYRING, err, sizeof(err)), 0);

    /*
     * The oracle, apart from install/'s checks: gpgv's status lines on the
     * mirror's detached pair, cmp against the verified Release, and
     * sha256sum of the udeb index against awk's reading of that Release.
     */
    assert_int_equal(g_mkdir_with_parents(tpath("real-check"), 0755), 0);
    snprintf(url, sizeof(url), "%s/dists/trixie/Release", mirror);
    assert_ret(http_fetch(url, tpath("real-check/Release"), false, err, sizeof(err)), 0);
    snprintf(url, sizeof(url), "%s/dists/trixie/Release.gpg", mirror);
    assert_ret(http_fetch(url, tpath("real-check/Release.gpg"), false, err, sizeof(err)), 0);
    snprintf(url, sizeof(url), "%s/dists/trixie/%s", mirror, udebs);
    assert_ret(http_fetch(url, tpath("real-check/udebs.xz"), false, err, sizeof(err)), 0);
    snprintf(cmd, sizeof(cmd), "gpgv --status-fd 1 --keyring " DEBIAN_KEYRING " '%s' '%s' "
             "2>/dev/null | awk '/ GOODSIG / { g = 1 } / BADSIG / { b = 1 } "
             "END { print g && !b ? \"good\" : \"bad\" }'", tpath("real-check/Release.gpg"),
             tpath("real-check/Release"));
    command_word(cmd, verdict, sizeof(verdict));
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s/dists/trixie/Release' && echo same || "
             "echo differ", tpath("real-check/Release"), cache);
    command_word(cmd, same, sizeof(same));
    snprintf(cmd, sizeof(cmd), "awk '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } "
             "s && $3 == \"%s\" { print $1 }' '%s/dists/trixie/Release'", udebs, cache);
    command_word(cmd, want, sizeof(want));
    snprintf(cmd, sizeof(cmd), "sha256sum '%s'", tpath("real-check/udebs.xz"));
    command_word(cmd, got, sizeof(got));

    err[0] = '\0';
    ret = archive_check_installer_mirror(mirror, "trixie", "riscv64", cache, DEBIAN_KEYRING,
                                         err, sizeof(err));
    print_message("note: Release.gpg %s, Release %s, udeb index %s; the check says: %s\n",
                  verdict, same, strcmp(want, got) ? "stale" : "current", ret ? err : "ok");
    if (strcmp(verdict, "good") != 0) {
        assert_ret(ret, -EPROTO);
        assert_non_null(strstr(err, ": dists/trixie/Release.gpg does not verify "
                               "dists/trixie/Release (the installer checks that pair"));
    } else if (strcmp(same, "same") != 0) {
        assert_ret(ret, -EPROTO);
        assert_non_null(strstr(err, ": dists/trixie/Release is not the Release"));
    } else if (strcmp(want, got) != 0) {
        assert_ret(ret, -EPROTO);
        assert_non_null(strstr(err, udebs));
        assert_non_null(strstr(err, "does not match the signed Release"));
    } else {
        assert_ret(ret, 0);
    }
    assert_true(g_str_has_prefix(err, ret ? "mirror " : ""));
    assert_true(no_scratch_left(cache));
}

static int setup(void **state)
{
    const char *np = getenv("no_proxy");
    char *no_proxy;

    strcpy(dir, "/tmp/test-archive-XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    snprintf(test_keyring, sizeof(test_keyring), "%s/test-keyring.gpg", dir);
    if (!g_file_set_contents(test_keyring, (const char *)FIXTURE_KEYRING,
                             sizeof(FIXTURE_KEYRING), NULL)) {
        return -1;
    }
    /* The local server is reached directly even where a proxy is configured. */
    no_proxy = g_strdup_printf("%s%s127.0.0.1,localhost", np ? np : "", np && np[0] ? "," : "");
    setenv("no_proxy", no_proxy, 1);
    g_free(no_proxy);
    snprintf(server_root, sizeof(server_root), "%s/http-mirror", dir);
    make_fixture_mirror(server_root);
    if (setup_package_fixture() < 0) {
        return -1;
    }
    return server_start();
}

static int teardown(void **state)
{
    char cmd[512];

    if (server_fd >= 0) {
        shutdown(server_fd, SHUT_RDWR);
        pthread_join(server_thread, NULL);
        close(server_fd);
    }
    if (gnupg_home[0]) {
        /* The agent gpg started for the ephemeral key; gpgconf finds it by its home. */
        snprintf(cmd, sizeof(cmd), "gpgconf --homedir '%s' --kill all 2>/dev/null", gnupg_home);
        if (system(cmd) != 0) {
            fprintf(stderr, "teardown: gpgconf could not stop the agent of %s\n", gnupg_home);
        }
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_file_matches_fips_180_vector_for_abc),
        cmocka_unit_test(test_sha256_file_of_empty_file_is_the_empty_hash),
        cmocka_unit_test(test_sha256_file_matches_sha256sum_across_read_chunks),
        cmocka_unit_test(test_sha256_file_reports_missing_file),
        cmocka_unit_test(test_http_fetch_writes_body_and_leaves_no_tmp),
        cmocka_unit_test(test_http_fetch_follows_redirect),
        cmocka_unit_test(test_http_fetch_reports_http_404_and_keeps_old_file),
        cmocka_unit_test(test_http_fetch_refuses_truncated_body),
        cmocka_unit_test(test_http_fetch_refuses_redirect_to_file_url),
        cmocka_unit_test(test_http_fetch_reports_connection_refused),
        cmocka_unit_test(test_http_fetch_reports_unresolvable_host),
        cmocka_unit_test(test_http_fetch_reports_enospc_with_path),
        cmocka_unit_test(test_http_fetch_copies_file_url),
        cmocka_unit_test(test_http_fetch_reports_missing_file_url),
        cmocka_unit_test(test_verify_inrelease_accepts_real_debian_inrelease),
        cmocka_unit_test(test_verify_inrelease_refuses_real_inrelease_with_one_changed_byte),
        cmocka_unit_test(test_verify_inrelease_keeps_old_output_on_failure),
        cmocka_unit_test(test_verify_inrelease_refuses_text_after_signature),
        cmocka_unit_test(test_verify_inrelease_accepts_keyring_with_only_one_signer),
        cmocka_unit_test(test_verify_inrelease_refuses_signature_by_unknown_key),
        cmocka_unit_test(test_verify_inrelease_refuses_unsigned_file),
        cmocka_unit_test(test_verify_inrelease_writes_exactly_the_signed_content),
        cmocka_unit_test(test_verify_inrelease_reports_missing_gpgv),
        cmocka_unit_test(test_verify_inrelease_reports_missing_keyring),
        cmocka_unit_test(test_verify_inrelease_takes_relative_keyring_from_cwd),
        cmocka_unit_test(test_release_sha256_reads_sha256_section_not_md5sum),
        cmocka_unit_test(test_release_sha256_lowercases_hash),
        cmocka_unit_test(test_release_sha256_reports_missing_entry),
        cmocka_unit_test(test_release_sha256_rejects_malformed_entry),
        cmocka_unit_test(test_release_sha256_rejects_file_without_sha256_section),
        cmocka_unit_test(test_sums_sha256_finds_real_netboot_entries),
        cmocka_unit_test(test_sums_sha256_reports_missing_entry),
        cmocka_unit_test(test_sums_sha256_rejects_malformed_line),
        cmocka_unit_test(test_fetch_installer_fills_cache_laid_out_as_mirror),
        cmocka_unit_test(test_fetch_installer_cache_serves_as_mirror),
        cmocka_unit_test(test_fetch_installer_over_http),
        cmocka_unit_test(test_fetch_installer_accepts_mirror_with_trailing_slash),
        cmocka_unit_test(test_fetch_installer_skips_download_of_matching_cached_images),
        cmocka_unit_test(test_fetch_installer_refuses_tampered_initrd_and_keeps_no_bad_file),
        cmocka_unit_test(test_fetch_installer_replaces_tampered_cached_initrd),
        cmocka_unit_test(test_fetch_installer_refuses_tampered_sha256sums),
        cmocka_unit_test(test_fetch_installer_refuses_sha256sums_of_wrong_size),
        cmocka_unit_test(test_fetch_installer_refuses_tampered_inrelease_and_drops_it),
        cmocka_unit_test(test_fetch_installer_refuses_release_signed_for_another_suite),
        cmocka_unit_test(test_fetch_installer_reports_arch_without_installer),
        cmocka_unit_test(test_fetch_installer_rejects_suite_with_slash),
        cmocka_unit_test(test_fetch_installer_checks_real_sha256sums_against_real_release),
        cmocka_unit_test(test_fetch_installer_falls_back_to_netboot_package_without_images_dir),
        cmocka_unit_test(test_fetch_installer_picks_newest_netboot_package_in_dpkg_order),
        cmocka_unit_test(test_fetch_installer_falls_back_when_mirror_sha256sums_is_stale),
        cmocka_unit_test(test_fetch_installer_falls_back_over_http_with_plus_in_pool_name),
        cmocka_unit_test(test_fetch_installer_reads_packages_gz_when_release_lists_no_xz),
        cmocka_unit_test(test_fetch_installer_reads_packages_gz_when_mirror_lacks_xz),
        cmocka_unit_test(test_fetch_installer_reads_packages_gz_when_xz_is_stale),
        cmocka_unit_test(test_fetch_installer_refuses_packages_index_release_does_not_list),
        cmocka_unit_test(test_fetch_installer_refuses_tampered_deb_naming_it),
        cmocka_unit_test(test_fetch_installer_reports_deb_without_initrd),
        cmocka_unit_test(test_fetch_installer_skips_download_of_matching_cached_deb),
        cmocka_unit_test(test_fetch_installer_package_cache_serves_as_mirror),
        cmocka_unit_test(test_check_mirror_accepts_consistent_mirror),
        cmocka_unit_test(test_check_mirror_refuses_release_gpg_that_does_not_verify),
        cmocka_unit_test(test_check_mirror_refuses_release_other_than_the_signed_one),
        cmocka_unit_test(test_check_mirror_refuses_stale_udeb_index),
        cmocka_unit_test(test_check_mirror_refuses_mirror_without_release_gpg),
        cmocka_unit_test(test_check_mirror_needs_verified_release_in_cache),
        cmocka_unit_test(test_fetch_installer_gets_riscv_image_and_gzip_initrd_from_real_mirror),
        cmocka_unit_test(test_check_mirror_agrees_with_recomputation_on_real_mirror),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
