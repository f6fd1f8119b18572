/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Debian archive client's fallback for a mirror whose installer images
 * directory is missing or stale: the same netboot `linux` and `initrd.gz`
 * from the debian-installer-NN-netboot-ARCH package, by apt's chain.  The
 * verified Release gives the SHA-256 and size of main/binary-ARCH/
 * Packages.xz (or .gz); its stanzas (deb822, Debian Policy 5.1 and 5.3)
 * give the newest such package in dpkg's version order (deb-version(7))
 * with its .deb's SHA-256 and size; the .deb (deb(5)) is unpacked by
 * dpkg-deb and tar, run as programs (install/archive-run.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <zlib.h>

#include "install/archive-int.h"

/*
 * dpkg's version order (deb-version(7), lib/dpkg/version.c): within
 * non-digit runs letters sort before other characters and '~' before
 * everything, even the end; digit runs compare as numbers.
 */
static int deb_order(int c)
{
    if (g_ascii_isdigit(c)) {
        return 0;
    }
    if (g_ascii_isalpha(c)) {
        return c;
    }
    if (c == '~') {
        return -1;
    }
    return c ? c + 256 : 0;
}

static int deb_verrevcmp(const char *a, const char *b)
{
    while (*a || *b) {
        int first_diff = 0;

        while ((*a && !g_ascii_isdigit(*a)) || (*b && !g_ascii_isdigit(*b))) {
            int ac = deb_order(*a), bc = deb_order(*b);
            if (ac != bc) {
                return ac - bc;
            }
            a++, b++;
        }
        while (*a == '0') {
            a++;
        }
        while (*b == '0') {
            b++;
        }
        while (g_ascii_isdigit(*a) && g_ascii_isdigit(*b)) {
            if (!first_diff) {
                first_diff = *a - *b;
            }
            a++, b++;
        }
        if (g_ascii_isdigit(*a)) {
            return 1;
        }
        if (g_ascii_isdigit(*b)) {
            return -1;
        }
        if (first_diff) {
            return first_diff;
        }
    }
    return 0;
}

/* <0, 0, >0 as version `a` ([epoch:]upstream[-revision], < 128 chars) is older, same, newer. */
static int deb_version_cmp(const char *a, const char *b)
{
    const char *v[2] = { a, b };
    char up[2][128], rev[2][128];
    unsigned long epoch[2];
    int ret;

    for (int i = 0; i < 2; i++) {
        const char *colon = strchr(v[i], ':'), *s = colon ? colon + 1 : v[i];
        const char *dash = strrchr(s, '-');

        epoch[i] = colon ? strtoul(v[i], NULL, 10) : 0;
        snprintf(up[i], 128, "%.*s", (int)(dash ? dash - s : (ptrdiff_t)strlen(s)), s);
        snprintf(rev[i], 128, "%s", dash ? dash + 1 : "");
    }
    if (epoch[0] != epoch[1]) {
        return epoch[0] < epoch[1] ? -1 : 1;
    }
    ret = deb_verrevcmp(up[0], up[1]);
    return ret ? ret : deb_verrevcmp(rev[0], rev[1]);
}

/* Every character is in `set` or alphanumeric, and there is at least one. */
static bool chars_ok(const char *s, const char *set)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!g_ascii_isalnum(*s) && !strchr(set, *s)) {
            return false;
        }
    }
    return true;
}

/* A pool path: relative, plain components (no "", ".", ".."), a .deb. */
static bool deb_filename_ok(const char *f)
{
    if (!chars_ok(f, "/._+~:%-") || f[0] == '/' || !g_str_has_suffix(f, ".deb")) {
        return false;
    }
    gchar **parts = g_strsplit(f, "/", -1);
    bool ok = true;
    for (int i = 0; parts[i]; i++) {
        ok &= parts[i][0] && strcmp(parts[i], ".") && strcmp(parts[i], "..");
    }
    g_strfreev(parts);
    return ok;
}

/* "debian-installer-NN-netboot-ARCH", the package that carries a netboot installer. */
static bool netboot_package_major(const char *name, const char *arch, int *major)
{
    static const char prefix[] = "debian-installer-";
    const char *p = name + sizeof(prefix) - 1;
    char *end;
    unsigned long v;

    if (!g_str_has_prefix(name, prefix) || !g_ascii_isdigit(*p)) {
        return false;
    }
    v = strtoul(p, &end, 10);
    if (v > 9999 || !g_str_has_prefix(end, "-netboot-") || strcmp(end + 9, arch) != 0) {
        return false;
    }
    *major = v;
    return true;
}

/* One version of the netboot package, as a Packages index lists it. */
typedef struct NetbootPkg {
    int major;               /* the NN of its name */
    char version[128];
    char filename[1024];     /* archive-relative .deb */
    char sha256[65];
    uint64_t size;           /* of the .deb, bytes */
} NetbootPkg;

/* A pass over a Packages index (deb822 stanzas; Debian Policy 5.1, 5.3) for NetbootPkg. */
typedef struct PackagesScan {
    const char *path, *arch;
    int want_major;          /* the suite's major version, or -1 for the newest of any */
    int lineno;
    /* the fields of the stanza being read, "" when absent */
    char package[128], version[128], filename[1024], sha256[128], size[32];
    bool too_long;           /* one of them did not fit */
    bool found;
    NetbootPkg best;
} PackagesScan;

static int scan_stanza_end(PackagesScan *sc, char *err, size_t errlen)
{
    uint64_t size = 0;
    int major, ret = 0;

    if (sc->package[0] && netboot_package_major(sc->package, sc->arch, &major) &&
        (sc->want_major < 0 || major == sc->want_major)) {
        bool ok = !sc->too_long && chars_ok(sc->version, ".+~:-") &&
                  deb_filename_ok(sc->filename) &&
                  archive_is_hex64(sc->sha256, strlen(sc->sha256)) &&
                  archive_parse_size(sc->size, &size);
        if (!ok) {
            snprintf(err, errlen, "%s:%d: the %s stanza lacks a well-formed Version, Filename, "
                     "Size or SHA256", sc->path, sc->lineno, sc->package);
            ret = -EBADMSG;
        } else if (!sc->found || major > sc->best.major ||
                   (major == sc->best.major &&
                    deb_version_cmp(sc->version, sc->best.version) > 0)) {
            sc->found = true;
            sc->best.major = major;
            sc->best.size = size;
            snprintf(sc->best.version, sizeof(sc->best.version), "%s", sc->version);
            snprintf(sc->best.filename, sizeof(sc->best.filename), "%s", sc->filename);
            archive_copy_hex(sc->best.sha256, sc->sha256);
        }
    }
    sc->package[0] = sc->version[0] = sc->filename[0] = sc->sha256[0] = sc->size[0] = '\0';
    sc->too_long = false;
    return ret;
}

static int scan_line(PackagesScan *sc, const char *line, size_t len, char *err, size_t errlen)
{
    static const char *const names[] = { "Package", "Version", "Filename", "SHA256", "Size" };
    char *const dst[] = { sc->package, sc->version, sc->filename, sc->sha256, sc->size };
    const size_t dst_size[] = {
        sizeof(sc->package), sizeof(sc->version), sizeof(sc->filename), sizeof(sc->sha256),
        sizeof(sc->size),
    };

    sc->lineno++;
    if (len && line[len - 1] == '\r') {
        len--;
    }
    if (len == 0) {
        return scan_stanza_end(sc, err, errlen);
    }
    /* Continuation lines and other fields match none of these. */
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        ssize_t vl = archive_field_value(line, len, names[i], dst[i], dst_size[i]);
        if (vl >= 0) {
            sc->too_long |= (size_t)vl >= dst_size[i];
            break;
        }
    }
    return 0;
}

/* Packages indexes are streamed; a line longer than this is no index. */
#define INDEX_LINE_MAX (1024 * 1024)

/*
 * Find the newest netboot package for sc->arch in the Packages index
 * `path`, decompressed by `xz -dc` (xz) or zlib (gzip).  -ENOENT when the
 * index lists none, -EBADMSG when it is corrupt or the package's stanza
 * malformed.
 */
static int packages_find(PackagesScan *sc, const char *path, bool xz, char *err, size_t errlen)
{
    static const size_t bufsize = 256 * 1024;
    GString *line = g_string_new(NULL);
    char *buf = g_malloc(bufsize), why[512];
    int fd = -1, cap = -1, pipefd[2], wstatus, ret = 0;
    gzFile gz = NULL;
    pid_t pid = -1;

    if (xz) {
        char *argv[] = { "xz", "-dc", "--", (char *)path, NULL };
        ret = cap = archive_capture_fd();
        if (ret >= 0) {
            ret = archive_high_pipe(pipefd);
        }
        if (ret >= 0) {
            ret = archive_spawn(argv, (const int[]){ -1, pipefd[1], cap }, 3, &pid);
            close(pipefd[1]);
            fd = pipefd[0];
        }
        if (ret == -ENOENT) {
            snprintf(err, errlen, "xz not found: install xz-utils to read %s", path);
        } else if (ret < 0) {
            snprintf(err, errlen, "xz -dc %s: %s", path, strerror(-ret));
        }
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!gz) {
            ret = fd < 0 ? -errno : -ENOMEM;
            snprintf(err, errlen, "%s: %s", path, strerror(-ret));
            if (fd >= 0) {
                close(fd);
            }
        }
        fd = -1;
    }

    while (ret >= 0) {
        ssize_t n;
        if (gz) {
            int zerr = Z_OK;
            n = gzread(gz, buf, bufsize);
            const char *msg = gzerror(gz, &zerr);
            if (n < 0 || (n == 0 && zerr != Z_OK)) {
                snprintf(err, errlen, "%s: gzip: %s", path, msg);
                ret = -EBADMSG;
                break;
            }
        } else {
            n = archive_read(fd, buf, bufsize, path, err, errlen);
            if (n < 0) {
                ret = n;
                break;
            }
        }
        if (n == 0) {
            /* The last stanza ends at the end of the file, blank line or not. */
            if (line->len) {
                ret = scan_line(sc, line->str, line->len, err, errlen);
            }
            ret = ret ?: scan_line(sc, "", 0, err, errlen);
            break;
        }
        for (char *p = buf, *end = buf + n; p < end && ret == 0;) {
            char *nl = memchr(p, '\n', end - p);
            g_string_append_len(line, p, (nl ? nl : end) - p);
            if (nl) {
                ret = scan_line(sc, line->str, line->len, err, errlen);
                g_string_truncate(line, 0);
            }
            p = nl ? nl + 1 : end;
        }
        if (ret == 0 && line->len > INDEX_LINE_MAX) {
            snprintf(err, errlen, "%s:%d: line longer than %d MiB", path, sc->lineno + 1,
                     INDEX_LINE_MAX >> 20);
            ret = -EBADMSG;
        }
    }

    if (fd >= 0) {
        close(fd);     /* xz ends on SIGPIPE when we stopped early */
    }
    if (pid > 0 && !archive_wait_tool(pid, &wstatus) && ret == 0) {
        archive_tool_failure(cap, wstatus, why, sizeof(why));
        snprintf(err, errlen, "%s: xz -dc: %s", path, why);
        ret = -EBADMSG;
    }
    if (cap >= 0) {
        close(cap);
    }
    if (gz) {
        gzclose(gz);
    }
    if (ret == 0 && !sc->found) {
        if (sc->want_major >= 0) {
            snprintf(err, errlen, "%s: no debian-installer-%d-netboot-%s package", path,
                     sc->want_major, sc->arch);
        } else {
            snprintf(err, errlen, "%s: no debian-installer-NN-netboot-%s package", path,
                     sc->arch);
        }
        ret = -ENOENT;
    }
    g_string_free(line, TRUE);
    g_free(buf);
    return ret;
}

/*
 * Unpack `members` (as the data tarball names them: "./usr/...") of the
 * .deb `deb` below `dir`: `dpkg-deb --fsys-tarfile DEB | tar -x`, both
 * run without a shell.  tar stops reading at the archive's end marker, so
 * the rest of the stream is drained here, lest dpkg-deb die of SIGPIPE.
 */
static int deb_extract(const char *deb, const char *dir, char *const members[2], char *err,
                       size_t errlen)
{
    char debarg[4096], why[512];
    int pipefd[2], cap, ret, ws_deb = 0, ws_tar = 0;
    pid_t deb_pid = -1, tar_pid = -1;
    bool ok;

    if (archive_path_arg(deb, debarg, sizeof(debarg)) < 0) {
        snprintf(err, errlen, "%s: %s", deb, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    char *deb_argv[] = { "dpkg-deb", "--fsys-tarfile", debarg, NULL };
    char *tar_argv[] = {
        "tar", "-x", "-f", "-", "-C", (char *)dir, "--no-same-owner", "--no-same-permissions",
        "--", members[0], members[1], NULL,
    };
    cap = archive_capture_fd();
    if (cap < 0) {
        snprintf(err, errlen, "%s: scratch file: %s", deb, strerror(-cap));
        return cap;
    }
    ret = archive_high_pipe(pipefd);
    if (ret < 0) {
        snprintf(err, errlen, "%s: pipe: %s", deb, strerror(-ret));
        close(cap);
        return ret;
    }
    ret = archive_spawn(deb_argv, (const int[]){ -1, pipefd[1], cap }, 3, &deb_pid);
    if (ret < 0) {
        snprintf(err, errlen, "dpkg-deb: %s (install dpkg to unpack %s)", strerror(-ret), deb);
    } else {
        ret = archive_spawn(tar_argv, (const int[]){ pipefd[0], -1, cap }, 3, &tar_pid);
        if (ret < 0) {
            snprintf(err, errlen, "tar: %s (install tar to unpack %s)", strerror(-ret), deb);
        }
    }
    close(pipefd[1]);
    ok = ret == 0 && archive_wait_tool(tar_pid, &ws_tar);
    archive_drain_pipe(pipefd[0]);
    close(pipefd[0]);
    if (deb_pid > 0) {
        ok &= archive_wait_tool(deb_pid, &ws_deb);
    }
    if (ret == 0 && !ok) {
        archive_tool_failure(cap, !WIFEXITED(ws_tar) || WEXITSTATUS(ws_tar) ? ws_tar : ws_deb,
                             why, sizeof(why));
        snprintf(err, errlen, "%s: dpkg-deb --fsys-tarfile | tar -x: %s", deb, why);
        ret = -EBADMSG;
    }
    close(cap);
    return ret;
}

/*
 * The newest netboot package for a->arch of the suite's major version
 * (Release's "Version:"; any, when it has none), from the first of
 * Packages.xz and Packages.gz that Release lists and the mirror serves as
 * listed: a partial mirror may lack one, a stale one hold an old copy.
 */
static int find_netboot_package(const ArchiveRef *a, NetbootPkg *pkg, char *err, size_t errlen)
{
    char version[64], name[256], rel[512], index[4096], hex[65];
    char *first_err = NULL, *xz_path = g_find_program_in_path("xz");
    PackagesScan *sc = g_new0(PackagesScan, 1);
    bool scanned = false;
    int ret, first_ret = 0, listed = 0;
    uint64_t size;

    sc->arch = a->arch;
    sc->want_major = -1;
    ret = archive_release_field(a->release, "Version", version, sizeof(version), err, errlen);
    if (ret == 0 && g_ascii_isdigit(version[0])) {
        sc->want_major = MIN(strtoul(version, NULL, 10), 9999);
    }
    for (int i = 0; i < 2 && ret == 0 && !scanned; i++) {
        bool xz = i == 0;

        snprintf(name, sizeof(name), "main/binary-%s/Packages.%s", a->arch, xz ? "xz" : "gz");
        snprintf(rel, sizeof(rel), "dists/%s/%s", a->suite, name);
        ret = archive_release_sha256(a->release, name, hex, &size, err, errlen);
        if (ret == -ENOENT) {
            ret = 0;
            continue;
        }
        listed++;
        if (ret == 0 && xz && !xz_path) {
            snprintf(err, errlen, "xz not found: install xz-utils to read %s", name);
            ret = -ENOENT;
        }
        ret = ret ?: archive_fetch_verified(a, name, rel, hex, size, false, index,
                                            sizeof(index), err, errlen);
        if (ret == 0) {
            sc->path = index;
            ret = packages_find(sc, index, xz, err, errlen);
            scanned = ret == 0 || ret == -ENOENT;
        }
        if (ret < 0 && !scanned) {
            /* Keep the preferred index's trouble for the message; try the next one. */
            if (!first_err) {
                first_err = g_strdup(err);
                first_ret = ret;
            }
            ret = 0;
        }
    }
    if (ret == 0 && !listed) {
        snprintf(err, errlen, "%s: Release lists no main/binary-%s/Packages.xz or .gz",
                 a->release, a->arch);
        ret = -ENOENT;
    } else if (ret == 0 && !scanned) {
        snprintf(err, errlen, "%s", first_err);
        ret = first_ret;
    }
    if (ret == 0) {
        *pkg = sc->best;
    }
    g_free(first_err);
    g_free(xz_path);
    g_free(sc);
    return ret;
}

/*
 * Unpack linux and initrd.gz of the verified .deb `deb` into
 * cache_dir/netboot-pkg/ARCH/VERSION/, through a scratch directory beside
 * it (the package holds much else, and a failed unpack leaves nothing).
 */
static int unpack_netboot(const ArchiveRef *a, const NetbootPkg *pkg, const char *deb,
                          InstallerImages *out, char *err, size_t errlen)
{
    static const char *const images[2] = { "linux", "initrd.gz" };
    char verdir[256], pkgdir[4000], staging[4200], member[2][512], src[4800], dst[2][4096];
    char *members[2] = { member[0], member[1] };
    GString *v = g_string_new(NULL);
    int ret;

    /* An epoch's ':' does not belong in a file name (apt writes it as %3a too). */
    for (const char *p = pkg->version; *p; p++) {
        if (*p == ':') {
            g_string_append(v, "%3a");
        } else {
            g_string_append_c(v, *p);
        }
    }
    ret = archive_join(verdir, sizeof(verdir), "%s", v->str);
    g_string_free(v, TRUE);
    ret = ret ?: archive_join(pkgdir, sizeof(pkgdir), "%s/netboot-pkg/%s/%s", a->cache_dir,
                              a->arch, verdir);
    ret = ret ?: archive_join(staging, sizeof(staging), "%s.unpack", pkgdir);
    for (int i = 0; i < 2; i++) {
        ret = ret ?: archive_join(member[i], sizeof(member[i]), "./usr/lib/debian-installer/"
                                  "images/%d/%s/text/debian-installer/%s/%s", pkg->major,
                                  a->arch, a->arch, images[i]);
        ret = ret ?: archive_join(dst[i], sizeof(dst[i]), "%s/%s", pkgdir, images[i]);
    }
    if (ret < 0) {
        snprintf(err, errlen, "%s: %s", a->cache_dir, strerror(ENAMETOOLONG));
        return ret;
    }
    archive_rm_tree(staging);
    ret = archive_make_dirs(staging, err, errlen);
    ret = ret ?: archive_make_dirs(pkgdir, err, errlen);
    ret = ret ?: deb_extract(deb, staging, members, err, errlen);
    for (int i = 0; i < 2 && ret == 0; i++) {
        struct stat sb;

        snprintf(src, sizeof(src), "%s/%s", staging, member[i] + 2);
        if (lstat(src, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
            snprintf(err, errlen, "%s: %s is not a regular file with content", deb, member[i]);
            ret = -EBADMSG;
        } else if (rename(src, dst[i]) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: %s", dst[i], strerror(errno));
        }
    }
    archive_rm_tree(staging);
    if (ret == 0) {
        snprintf(out->kernel, sizeof(out->kernel), "%s", dst[0]);
        snprintf(out->initrd, sizeof(out->initrd), "%s", dst[1]);
        snprintf(out->origin, sizeof(out->origin), "%s", pkg->filename);
    }
    return ret;
}

int archive_fetch_from_package(const ArchiveRef *a, InstallerImages *out, char *err,
                               size_t errlen)
{
    const char *base;
    char deb[4096];
    NetbootPkg pkg;
    int ret;

    ret = find_netboot_package(a, &pkg, err, errlen);
    if (ret < 0) {
        return ret;
    }
    /* Fetched unless the cache has it; Packages gives its hash and size. */
    base = strrchr(pkg.filename, '/');
    ret = archive_fetch_verified(a, base ? base + 1 : pkg.filename, pkg.filename, pkg.sha256,
                                 pkg.size, true, deb, sizeof(deb), err, errlen);
    return ret ?: unpack_netboot(a, &pkg, deb, out, err, errlen);
}
