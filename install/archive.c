/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Debian archive client's chain of trust, as apt and debian-installer
 * follow it (Debian Policy and the "DebianRepository/Format" wiki page,
 * sections "InRelease", "Release" and "MD5Sum, SHA1, SHA256"): the
 * clearsigned dists/SUITE/InRelease is checked by gpgv against the
 * archive keyring, and only the content gpgv vouches for (its --output) is
 * parsed; that Release gives the SHA-256 and size of the installer's
 * SHA256SUMS, which in turn gives the SHA-256 of the netboot `linux` and
 * `initrd.gz` in the images directory.  Where a mirror's images directory
 * is missing or stale, install/archive-pkg.c gets the same images from
 * the netboot package.  The cache mirrors the archive's paths under its
 * root, so a populated cache is itself a (partial) mirror a file:// URL
 * can serve.  Last, the detached Release.gpg and the udeb index
 * debian-installer will read inside the guest are checked against the
 * verified Release, so a stale mirror is refused before the install starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "install/archive-int.h"

bool archive_is_hex64(const char *s, size_t len)
{
    if (len != 64) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(s[i])) {
            return false;
        }
    }
    return true;
}

void archive_copy_hex(char hex[65], const char *s)
{
    for (int i = 0; i < 64; i++) {
        hex[i] = g_ascii_tolower(s[i]);
    }
    hex[64] = '\0';
}

bool archive_parse_size(const char *s, uint64_t *size)
{
    char *end = NULL;
    guint64 v;

    if (!g_ascii_isdigit(s[0])) {
        return false;
    }
    errno = 0;
    v = g_ascii_strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return false;
    }
    *size = v;
    return true;
}

ssize_t archive_read(int fd, void *buf, size_t len, const char *path, char *err, size_t errlen)
{
    ssize_t n;

    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        n = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-n));
    }
    return n;
}

/* Release files and SHA256SUMS are small; more than this is not one of them. */
#define TEXT_FILE_MAX (64 * 1024 * 1024)

/* A text walked line by line: a string, or a whole file read by read_lines(). */
typedef struct Lines {
    char *data;            /* the file's contents, NUL-terminated; the caller g_frees it */
    const char *p, *end;   /* what next_line() has not returned yet */
    int lineno;            /* of the line next_line() returned last, from 1 */
} Lines;

/* Read a whole text file into *l, which is untouched on failure. */
static int read_lines(const char *path, Lines *l, char *err, size_t errlen)
{
    GString *buf;
    char chunk[65536];
    int fd, ret = 0;
    size_t len;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ret;
    }
    buf = g_string_new(NULL);
    for (;;) {
        ssize_t n = archive_read(fd, chunk, sizeof(chunk), path, err, errlen);
        if (n <= 0) {
            ret = n;
            break;
        }
        if (buf->len + n > TEXT_FILE_MAX) {
            snprintf(err, errlen, "%s: larger than %d MiB, not an archive index", path,
                     TEXT_FILE_MAX >> 20);
            ret = -EFBIG;
            break;
        }
        g_string_append_len(buf, chunk, n);
    }
    close(fd);
    if (ret < 0) {
        g_string_free(buf, TRUE);
        return ret;
    }
    len = buf->len;
    *l = (Lines){ .data = g_string_free(buf, FALSE) };
    l->p = l->data;
    l->end = l->data + len;
    return 0;
}

static Lines lines_of(const char *text)
{
    return (Lines){ .p = text, .end = text + strlen(text) };
}

/* Split off the next line, without its "\n" or "\r\n". */
static bool next_line(Lines *l, const char **line, size_t *len)
{
    const char *s = l->p, *nl;

    if (s >= l->end) {
        return false;
    }
    nl = memchr(s, '\n', l->end - s);
    *line = s;
    *len = (nl ? nl : l->end) - s;
    l->p = nl ? nl + 1 : l->end;
    if (*len && s[*len - 1] == '\r') {
        (*len)--;
    }
    l->lineno++;
    return true;
}

static bool line_is(const char *line, size_t len, const char *word)
{
    size_t wl = strlen(word);

    while (len > wl && (line[len - 1] == ' ' || line[len - 1] == '\t')) {
        len--;
    }
    return len == wl && memcmp(line, word, wl) == 0;
}

/*
 * apt's rule for InRelease (SplitClearSignedFile): exactly one clearsigned
 * message, starting at the first line and followed by nothing but blank
 * lines, so no unsigned text can ride along next to the signed part.
 * Dash-escaping (RFC 4880 section 7.1) keeps the signed text itself from
 * holding lines that look like these armor headers.
 */
static int check_clearsigned_shape(const char *path, char *err, size_t errlen)
{
    const char *line;
    size_t len;
    int begin = 0, sig = 0, sig_end = 0, ret;
    bool first_ok = false, trailing = false;
    Lines l;

    ret = read_lines(path, &l, err, errlen);
    if (ret < 0) {
        return ret;
    }
    while (next_line(&l, &line, &len)) {
        if (line_is(line, len, "-----BEGIN PGP SIGNED MESSAGE-----")) {
            first_ok |= l.lineno == 1;
            begin++;
        } else if (line_is(line, len, "-----BEGIN PGP SIGNATURE-----")) {
            sig++;
        } else if (line_is(line, len, "-----END PGP SIGNATURE-----")) {
            sig_end++;
        } else if (sig_end && strspn(line, " \t") < len) {
            trailing = true;
        }
    }
    g_free(l.data);
    if (!first_ok || begin != 1 || sig != 1 || sig_end != 1 || trailing) {
        snprintf(err, errlen, "%s: not one clearsigned OpenPGP message", path);
        return -EBADMSG;
    }
    return 0;
}

/* The line of gpgv's stderr that best says why it refused, without "gpgv: ". */
static void gpgv_reason(const char *text, char *out, size_t outlen)
{
    static const char *const telling[] = {
        "BAD signature", "no valid OpenPGP data", "keyblock resource",
        "Can't check signature", "error", "Note:",
    };
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0, rank = G_N_ELEMENTS(telling);
    Lines l = lines_of(text);
    const char *line;
    size_t len;

    while (next_line(&l, &line, &len)) {
        if (len >= 6 && memcmp(line, "gpgv: ", 6) == 0) {
            line += 6;
            len -= 6;
        }
        if (len == 0) {
            continue;
        }
        last = line;
        last_len = len;
        for (size_t i = 0; i < rank; i++) {
            if (g_strstr_len(line, len, telling[i])) {
                best = line;
                best_len = len;
                rank = i;
                break;
            }
        }
    }
    if (!best) {
        best = last;
        best_len = last_len;
    }
    if (best) {
        snprintf(out, outlen, "%.*s", (int)best_len, best);
    } else {
        snprintf(out, outlen, "no output");
    }
}

/* What gpgv's --status-fd said (GnuPG doc/DETAILS, "Format of the status messages"). */
typedef struct GpgvStatus {
    int good;        /* GOODSIG: a signature by a valid, unexpired key of the keyring */
    int valid;       /* VALIDSIG */
    int bad;         /* BADSIG: a signature that does not match the content */
    int no_pubkey;   /* NO_PUBKEY: signed by a key not in the keyring */
    int errors;      /* ERROR / FAILURE / NODATA: gpgv itself ran into trouble */
} GpgvStatus;

static void gpgv_parse_status(const char *text, GpgvStatus *st)
{
    Lines l = lines_of(text);
    const char *line;
    size_t len;

    memset(st, 0, sizeof(*st));
    while (next_line(&l, &line, &len)) {
        static const char prefix[] = "[GNUPG:] ";
        char word[32];
        size_t wl;

        if (len < sizeof(prefix) - 1 || memcmp(line, prefix, sizeof(prefix) - 1) != 0) {
            continue;
        }
        line += sizeof(prefix) - 1;
        len -= sizeof(prefix) - 1;
        wl = 0;
        while (wl < len && wl < sizeof(word) - 1 && line[wl] != ' ') {
            word[wl] = line[wl];
            wl++;
        }
        word[wl] = '\0';
        if (!strcmp(word, "GOODSIG")) {
            st->good++;
        } else if (!strcmp(word, "VALIDSIG")) {
            st->valid++;
        } else if (!strcmp(word, "BADSIG")) {
            st->bad++;
        } else if (!strcmp(word, "NO_PUBKEY")) {
            st->no_pubkey++;
        } else if (!strcmp(word, "ERROR") || !strcmp(word, "FAILURE") ||
                   !strcmp(word, "NODATA")) {
            st->errors++;
        }
    }
}

/*
 * Run gpgv (`argv`, which passes "--status-fd 3") and judge its verdict by
 * apt's rule.  On refusal err is "LABEL: gpgv: REASON" ("gpgv: REASON"
 * when label is NULL) and the result -EBADMSG; -ENOENT when gpgv is not
 * installed.
 */
static int gpgv_verdict(char *const argv[], const char *label, const char *keyring, char *err,
                        size_t errlen)
{
    char reason[512];
    GString *errtext, *status;
    GpgvStatus st;
    int wstatus = 0, ret;
    const char *sep = label ? ": " : "";

    label = label ? label : "";
    errtext = g_string_new(NULL);
    status = g_string_new(NULL);
    ret = archive_run_captured(argv, &wstatus, errtext, status);
    /* Where posix_spawn falls back to fork (valgrind), a failed exec is the child's 127. */
    if (ret == 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !errtext->len &&
        !status->len) {
        ret = -ENOENT;
    }
    if (ret == -ENOENT) {
        snprintf(err, errlen, "gpgv not found: install the gpgv package%s%s",
                 label[0] ? " to check " : "", label);
    } else if (ret < 0) {
        snprintf(err, errlen, "gpgv: %s", strerror(-ret));
    } else {
        gpgv_parse_status(status->str, &st);
        /*
         * apt's rule: at least one good signature by a keyring key and no bad
         * one.  gpgv exits 2 when another signature's key is merely absent
         * from the keyring (an older keyring than the archive's newest key),
         * which is no reason to refuse; any other trouble is.
         */
        int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
        bool ok = st.good > 0 && st.valid > 0 && st.bad == 0 &&
                  (code == 0 || (code == 2 && st.errors == 0));
        if (!ok) {
            gpgv_reason(errtext->str, reason, sizeof(reason));
            if (code == 2 && st.good == 0 && st.bad == 0 && st.no_pubkey > 0) {
                snprintf(err, errlen, "%s%sgpgv: %s (no signature by a key in %s)", label, sep,
                         reason, keyring);
            } else if (code < 0) {
                snprintf(err, errlen, "%s%sgpgv was killed by signal %d", label, sep,
                         WTERMSIG(wstatus));
            } else {
                snprintf(err, errlen, "%s%sgpgv: %s", label, sep, reason);
            }
            ret = -EBADMSG;
        }
    }
    g_string_free(errtext, TRUE);
    g_string_free(status, TRUE);
    return ret;
}

/* The keyring is there to read. */
static int check_keyring(const char *keyring, char *err, size_t errlen)
{
    if (access(keyring, R_OK) < 0) {
        int ret = -errno;
        snprintf(err, errlen, "%s: %s (the keyring comes with debian-archive-keyring)",
                 keyring, strerror(errno));
        return ret;
    }
    return 0;
}

int archive_verify_inrelease(const char *inrelease_path, const char *out_path,
                             const char *keyring, char *err, size_t errlen)
{
    char tmp[4096], keyarg[4096];
    int ret;

    ret = check_keyring(keyring, err, errlen);
    ret = ret ?: check_clearsigned_shape(inrelease_path, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (archive_path_arg(keyring, keyarg, sizeof(keyarg)) < 0 ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= sizeof(tmp)) {
        snprintf(err, errlen, "%s: %s", out_path, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    unlink(tmp);

    char *argv[] = {
        "gpgv", "--status-fd", "3", "--keyring", keyarg, "--output", tmp,
        "--", (char *)inrelease_path, NULL,
    };
    ret = gpgv_verdict(argv, inrelease_path, keyring, err, errlen);
    if (ret == 0) {
        struct stat sb;
        if (stat(tmp, &sb) < 0 || sb.st_size == 0) {
            snprintf(err, errlen, "%s: gpgv wrote no signed content", inrelease_path);
            ret = -EBADMSG;
        } else if (rename(tmp, out_path) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: %s", out_path, strerror(errno));
        }
    }
    if (ret < 0) {
        unlink(tmp);   /* gpgv writes the content even when the signature is bad */
    }
    return ret;
}

int archive_release_sha256(const char *release_path, const char *name, char hex[65],
                           uint64_t *size, char *err, size_t errlen)
{
    const char *line;
    size_t len;
    bool in_section = false, seen_section = false;
    int ret;
    Lines l;

    ret = read_lines(release_path, &l, err, errlen);
    if (ret < 0) {
        return ret;
    }
    ret = -ENOENT;
    while (next_line(&l, &line, &len)) {
        if (len == 0 || (line[0] != ' ' && line[0] != '\t')) {
            /* A field starts at column 0; continuation lines are indented. */
            in_section = line_is(line, len, "SHA256:");
            seen_section |= in_section;
            continue;
        }
        if (!in_section) {
            continue;
        }
        /* " HEX SIZE NAME" */
        char *fields = g_strndup(line, len);
        char **f = g_strsplit_set(g_strstrip(fields), " \t", -1);
        char *v[3];
        int nf = 0;
        for (int i = 0; f[i]; i++) {
            if (f[i][0] && nf < 3) {
                v[nf] = f[i];
            }
            nf += f[i][0] != '\0';
        }
        uint64_t sz = 0;
        if (nf != 3 || !archive_is_hex64(v[0], strlen(v[0])) ||
            !archive_parse_size(v[1], &sz)) {
            snprintf(err, errlen, "%s:%d: malformed SHA256 entry", release_path, l.lineno);
            ret = -EBADMSG;
        } else if (strcmp(v[2], name) == 0) {
            archive_copy_hex(hex, v[0]);
            *size = sz;
            ret = 0;
        }
        g_strfreev(f);
        g_free(fields);
        if (ret != -ENOENT) {
            break;
        }
    }
    g_free(l.data);
    if (ret == -ENOENT) {
        if (!seen_section) {
            snprintf(err, errlen, "%s: no SHA256 section", release_path);
            ret = -EBADMSG;
        } else {
            snprintf(err, errlen, "%s: no SHA256 entry for %s", release_path, name);
        }
    }
    return ret;
}

/* SHA256SUMS names its files "./netboot/..."; a name is matched with or without the "./". */
static const char *strip_dot_slash(const char *s)
{
    while (s[0] == '.' && s[1] == '/') {
        s += 2;
    }
    return s;
}

int archive_sums_sha256(const char *sums_path, const char *name, char hex[65],
                        char *err, size_t errlen)
{
    const char *line, *want = strip_dot_slash(name);
    size_t len;
    int ret;
    Lines l;

    ret = read_lines(sums_path, &l, err, errlen);
    if (ret < 0) {
        return ret;
    }
    ret = -ENOENT;
    while (next_line(&l, &line, &len)) {
        if (len == 0) {
            continue;
        }
        /* sha256sum's format: HEX, a space, ' ' (text) or '*' (binary), the name. */
        if (len < 67 || !archive_is_hex64(line, 64) || line[64] != ' ' ||
            (line[65] != ' ' && line[65] != '*')) {
            snprintf(err, errlen, "%s:%d: malformed line", sums_path, l.lineno);
            ret = -EBADMSG;
            break;
        }
        char *entry = g_strndup(line + 66, len - 66);
        const char *file = strip_dot_slash(entry);
        bool match = strcmp(file, want) == 0;
        g_free(entry);
        if (match) {
            archive_copy_hex(hex, line);
            ret = 0;
            break;
        }
    }
    g_free(l.data);
    if (ret == -ENOENT) {
        snprintf(err, errlen, "%s: no entry for %s", sums_path, name);
    }
    return ret;
}

ssize_t archive_field_value(const char *line, size_t len, const char *name, char *out,
                            size_t outlen)
{
    size_t nl = strlen(name);

    if (len <= nl || line[nl] != ':' || g_ascii_strncasecmp(line, name, nl) != 0) {
        return -1;
    }
    line += nl + 1, len -= nl + 1;
    while (len && (*line == ' ' || *line == '\t')) {
        line++, len--;
    }
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t')) {
        len--;
    }
    snprintf(out, outlen, "%.*s", (int)MIN(len, outlen - 1), line);
    return len;
}

int archive_release_field(const char *release_path, const char *name, char *out,
                          size_t outlen, char *err, size_t errlen)
{
    const char *line;
    size_t len;
    int ret;
    Lines l;

    ret = read_lines(release_path, &l, err, errlen);
    if (ret < 0) {
        return ret;
    }
    out[0] = '\0';
    while (next_line(&l, &line, &len)) {
        if (archive_field_value(line, len, name, out, outlen) >= 0) {
            break;
        }
    }
    g_free(l.data);
    return 0;
}

/* The "Codename:" or "Suite:" field of a Release file has to name the suite asked for. */
static int check_release_suite(const char *release_path, const char *suite, char *err,
                               size_t errlen)
{
    char codename[65], suitename[65];
    int ret;

    ret = archive_release_field(release_path, "Codename", codename, sizeof(codename), err,
                                errlen);
    ret = ret ?: archive_release_field(release_path, "Suite", suitename, sizeof(suitename), err,
                                       errlen);
    if (ret < 0) {
        return ret;
    }
    if (strcmp(codename, suite) != 0 && strcmp(suitename, suite) != 0) {
        snprintf(err, errlen, "%s: signed for suite '%s' (%s), not '%s'", release_path,
                 suitename, codename, suite);
        return -EBADMSG;
    }
    return 0;
}

/* --- the mirror and its cache -------------------------------------------- */

int archive_join(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int archive_make_dirs(const char *dir, char *err, size_t errlen)
{
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int ret = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return ret;
    }
    return 0;
}

static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char *parent = g_path_get_dirname(path);
    int ret = archive_make_dirs(parent, err, errlen);

    g_free(parent);
    return ret;
}

static int rm_tree_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void archive_rm_tree(const char *dir)
{
    nftw(dir, rm_tree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Download `url` to `path` and check it against its expected hash (and
 * size, unless `size` is UINT64_MAX); a file that does not match is
 * deleted, and called `label` in err.
 */
static int download_checked(const char *label, const char *url, const char *path,
                            const char *want_hex, uint64_t size, bool progress, char *err,
                            size_t errlen)
{
    char got[65];
    struct stat sb;
    int ret;

    ret = make_parent_dirs(path, err, errlen);
    ret = ret ?: http_fetch(url, path, progress, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (size != UINT64_MAX) {
        if (stat(path, &sb) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return ret;
        }
        if ((uint64_t)sb.st_size != size) {
            snprintf(err, errlen, "%s (%s): size mismatch: expected %" PRIu64 " bytes, got %"
                     PRIu64, label, url, size, (uint64_t)sb.st_size);
            unlink(path);
            return -EBADMSG;
        }
    }
    ret = sha256_file(path, got, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (strcmp(got, want_hex) != 0) {
        snprintf(err, errlen, "%s (%s): SHA-256 mismatch: expected %s, got %s", label, url,
                 want_hex, got);
        unlink(path);
        return -EBADMSG;
    }
    return 0;
}

/* A suite or architecture name is one path component of the archive: [a-z0-9.+_-]. */
static bool archive_name_ok(const char *s)
{
    if (!s[0] || s[0] == '.' || strlen(s) > 64) {
        return false;
    }
    for (; *s; s++) {
        if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && !strchr(".+_-", *s)) {
            return false;
        }
    }
    return true;
}

static int archive_ref_init(ArchiveRef *a, const char *mirror, const char *suite,
                            const char *arch, const char *cache_dir, char *err, size_t errlen)
{
    if (!g_str_has_prefix(mirror, "http://") && !g_str_has_prefix(mirror, "https://") &&
        !g_str_has_prefix(mirror, "file://")) {
        snprintf(err, errlen, "%s: mirror is not an http://, https:// or file:// URL", mirror);
        return -EINVAL;
    }
    if (!archive_name_ok(suite)) {
        snprintf(err, errlen, "'%s': not a Debian suite name", suite);
        return -EINVAL;
    }
    if (!archive_name_ok(arch)) {
        snprintf(err, errlen, "'%s': not a Debian architecture name", arch);
        return -EINVAL;
    }
    a->mirror = mirror;
    a->mlen = strlen(mirror);
    while (a->mlen > 0 && mirror[a->mlen - 1] == '/') {
        a->mlen--;
    }
    a->suite = suite;
    a->arch = arch;
    a->cache_dir = cache_dir;
    if (archive_join(a->release, sizeof(a->release), "%s/dists/%s/Release", cache_dir,
                     suite) < 0) {
        snprintf(err, errlen, "%s: %s", cache_dir, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    return 0;
}

/*
 * The URL of archive-relative `rel`, percent-encoded but for RFC 3986's
 * unreserved characters and '/' (pool names hold '+', and some mirrors
 * take a bare '+' for a space).
 */
static int ref_url(const ArchiveRef *a, const char *rel, char *buf, size_t size, char *err,
                   size_t errlen)
{
    GString *s = g_string_new_len(a->mirror, a->mlen);
    int ret = 0;

    g_string_append_c(s, '/');
    for (const char *p = rel; *p; p++) {
        if (g_ascii_isalnum(*p) || strchr("/._~-", *p)) {
            g_string_append_c(s, *p);
        } else {
            g_string_append_printf(s, "%%%02X", (unsigned char)*p);
        }
    }
    if (s->len >= size) {
        snprintf(err, errlen, "%.*s/%s: %s", a->mlen, a->mirror, rel, strerror(ENAMETOOLONG));
        ret = -ENAMETOOLONG;
    } else {
        memcpy(buf, s->str, s->len + 1);
    }
    g_string_free(s, TRUE);
    return ret;
}

/* The cache path of archive-relative `rel`. */
static int ref_path(const ArchiveRef *a, const char *rel, char *buf, size_t size, char *err,
                    size_t errlen)
{
    if (archive_join(buf, size, "%s/%s", a->cache_dir, rel) < 0) {
        snprintf(err, errlen, "%s: %s", a->cache_dir, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    return 0;
}

int archive_fetch_verified(const ArchiveRef *a, const char *label, const char *rel,
                           const char *hex, uint64_t size, bool progress, char *path,
                           size_t pathlen, char *err, size_t errlen)
{
    char url[4096], got[65];
    struct stat sb;
    int ret;

    ret = ref_url(a, rel, url, sizeof(url), err, errlen);
    ret = ret ?: ref_path(a, rel, path, pathlen, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (stat(path, &sb) == 0) {
        if ((uint64_t)sb.st_size == size && sha256_file(path, got, err, errlen) == 0 &&
            strcmp(got, hex) == 0) {
            return 0;
        }
        unlink(path);
    }
    return download_checked(label, url, path, hex, size, progress, err, errlen);
}

/* --- archive_fetch_installer ---------------------------------------------- */

/* The images directory: Release -> SHA256SUMS -> netboot/debian-installer/ARCH/... */
static int fetch_from_images(const ArchiveRef *a, InstallerImages *out, char *err,
                             size_t errlen)
{
    static const char *const images[2] = { "linux", "initrd.gz" };
    char images_rel[256], sums_name[256], rel[512], entry[256];
    char url_sums[4096], sums[4096], url[2][4096], image[2][4096];
    char hex[65];
    uint64_t size;
    int ret;

    ret = archive_join(images_rel, 256, "dists/%s/main/installer-%s/current/images", a->suite,
                       a->arch);
    ret = ret ?: archive_join(sums_name, 256, "main/installer-%s/current/images/SHA256SUMS",
                              a->arch);
    ret = ret ?: archive_join(rel, 512, "%s/SHA256SUMS", images_rel);
    if (ret < 0) {
        snprintf(err, errlen, "%s: %s", a->suite, strerror(ENAMETOOLONG));
        return ret;
    }
    ret = ref_url(a, rel, url_sums, sizeof(url_sums), err, errlen);
    ret = ret ?: ref_path(a, rel, sums, sizeof(sums), err, errlen);
    if (ret < 0) {
        return ret;
    }

    /* SHA256SUMS afresh, against its hash and size in Release. */
    ret = archive_release_sha256(a->release, sums_name, hex, &size, err, errlen);
    if (ret == -ENOENT) {
        snprintf(err, errlen, "%.*s: Debian %s has no installer for %s (%s is not in Release)",
                 a->mlen, a->mirror, a->suite, a->arch, sums_name);
    }
    if (ret < 0) {
        return ret;
    }
    ret = download_checked("SHA256SUMS", url_sums, sums, hex, size, false, err, errlen);
    if (ret < 0) {
        return ret;
    }

    /* linux and initrd.gz, downloaded only when the cached copy does not match. */
    for (int i = 0; i < 2; i++) {
        char cached[65];

        ret = archive_join(entry, 256, "./netboot/debian-installer/%s/%s", a->arch, images[i]);
        ret = ret ?: archive_join(rel, 512, "%s/%s", images_rel, entry + 2);
        if (ret < 0) {
            snprintf(err, errlen, "%s: %s", a->arch, strerror(ENAMETOOLONG));
            return ret;
        }
        ret = ref_url(a, rel, url[i], sizeof(url[i]), err, errlen);
        ret = ret ?: ref_path(a, rel, image[i], sizeof(image[i]), err, errlen);
        ret = ret ?: archive_sums_sha256(sums, entry, hex, err, errlen);
        if (ret < 0) {
            return ret;
        }
        if (access(image[i], F_OK) == 0) {
            ret = sha256_file(image[i], cached, err, errlen);
            if (ret < 0) {
                return ret;
            }
            if (strcmp(cached, hex) == 0) {
                continue;
            }
            unlink(image[i]);
        }
        ret = download_checked(images[i], url[i], image[i], hex, UINT64_MAX, true, err,
                               errlen);
        if (ret < 0) {
            return ret;
        }
    }
    snprintf(out->kernel, sizeof(out->kernel), "%s", image[0]);
    snprintf(out->initrd, sizeof(out->initrd), "%s", image[1]);
    snprintf(out->origin, sizeof(out->origin), "%s", images_rel);
    return 0;
}

int archive_fetch_installer(const char *mirror, const char *suite, const char *arch,
                            const char *cache_dir, const char *keyring,
                            InstallerImages *out, char *err, size_t errlen)
{
    char rel[256], url_inrelease[4096], inrelease[4096];
    InstallerImages img;
    ArchiveRef a;
    int ret;

    ret = archive_ref_init(&a, mirror, suite, arch, cache_dir, err, errlen);
    ret = ret ?: archive_join(rel, sizeof(rel), "dists/%s/InRelease", suite);
    ret = ret ?: ref_url(&a, rel, url_inrelease, sizeof(url_inrelease), err, errlen);
    ret = ret ?: ref_path(&a, rel, inrelease, sizeof(inrelease), err, errlen);
    ret = ret ?: make_parent_dirs(inrelease, err, errlen);
    if (ret < 0) {
        return ret;
    }

    /* InRelease, afresh every run; from here on only gpgv's output is read. */
    ret = http_fetch(url_inrelease, inrelease, false, err, errlen);
    if (ret < 0) {
        return ret;
    }
    ret = archive_verify_inrelease(inrelease, a.release, keyring, err, errlen);
    if (ret == 0) {
        ret = check_release_suite(a.release, suite, err, errlen);
    }
    if (ret < 0) {
        /* Neither the refused InRelease nor the Release it replaces stays behind. */
        unlink(inrelease);
        unlink(a.release);
        return ret;
    }

    /*
     * The images directory first, as real mirrors serve it; the package when
     * that is missing or not what Release vouches for (a partial or stale
     * mirror).  Local trouble and timeouts would only repeat.
     */
    memset(&img, 0, sizeof(img));
    ret = fetch_from_images(&a, &img, err, errlen);
    if (ret == -ENOENT || ret == -EBADMSG || ret == -EIO) {
        char *first = g_strdup(err);
        int ret2 = archive_fetch_from_package(&a, &img, err, errlen);
        if (ret2 == 0 || ret == -ENOENT) {
            ret = ret2;    /* with no images directory, the package's trouble is the news */
        }
        if (ret2 < 0) {
            char *second = g_strdup(err);
            snprintf(err, errlen, "%s; netboot package: %s", first, second);
            g_free(second);
        }
        g_free(first);
    }
    if (ret == 0) {
        *out = img;
    }
    return ret;
}

/* --- archive_check_installer_mirror --------------------------------------- */

/* How every refusal of archive_check_installer_mirror ends. */
#define STALE_MIRROR "the mirror is stale or inconsistent; try another --mirror"

/* Fetch archive-relative `rel` into `path`; a missing file is a stale mirror (-EPROTO). */
static int fetch_for_check(const ArchiveRef *a, const char *rel, const char *path,
                           const char *why, char *err, size_t errlen)
{
    char url[4096];
    int ret;

    ret = ref_url(a, rel, url, sizeof(url), err, errlen);
    ret = ret ?: http_fetch(url, path, false, err, errlen);
    if (ret == -ENOENT) {
        char *reason = g_strdup(err);
        snprintf(err, errlen, "mirror %.*s: %s is missing (%s), and %s: " STALE_MIRROR,
                 a->mlen, a->mirror, rel, reason, why);
        g_free(reason);
        ret = -EPROTO;
    }
    return ret;
}

int archive_check_installer_mirror(const char *mirror, const char *suite, const char *arch,
                                   const char *cache_dir, const char *keyring, char *err,
                                   size_t errlen)
{
    char scratch[4096], rel_release[256], rel_sig[256], name[256], rel[512];
    char release[4200], sig[4200], index[4200], keyarg[4096], reason[1024], hex[65], got[65];
    Lines ours = { 0 }, theirs = { 0 };
    struct stat sb;
    uint64_t size;
    ArchiveRef a;
    int ret;

    ret = archive_ref_init(&a, mirror, suite, arch, cache_dir, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (access(a.release, R_OK) < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s (archive_fetch_installer verifies it first)", a.release,
                 strerror(errno));
        return ret;
    }
    ret = check_keyring(keyring, err, errlen);
    if (ret < 0) {
        return ret;
    }
    if (archive_join(scratch, sizeof(scratch), "%s/.mirror-check-XXXXXX", cache_dir) < 0 ||
        archive_path_arg(keyring, keyarg, sizeof(keyarg)) < 0) {
        snprintf(err, errlen, "%s: %s", cache_dir, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    if (!mkdtemp(scratch)) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", scratch, strerror(errno));
        return ret;
    }
    snprintf(rel_release, sizeof(rel_release), "dists/%s/Release", suite);
    snprintf(rel_sig, sizeof(rel_sig), "dists/%s/Release.gpg", suite);
    snprintf(release, sizeof(release), "%s/Release", scratch);
    snprintf(sig, sizeof(sig), "%s/Release.gpg", scratch);

    /* (a) The detached pair debian-installer's net-retriever and debootstrap check. */
    ret = fetch_for_check(&a, rel_release, release, "the installer needs it", err, errlen);
    ret = ret ?: fetch_for_check(&a, rel_sig, sig, "the installer needs it", err, errlen);
    if (ret < 0) {
        goto out;
    }
    char *argv[] = { "gpgv", "--status-fd", "3", "--keyring", keyarg, "--", sig, release, NULL };
    ret = gpgv_verdict(argv, NULL, keyring, reason, sizeof(reason));
    if (ret == -EBADMSG) {
        snprintf(err, errlen, "mirror %.*s: %s does not verify %s (the installer checks that "
                 "pair; %s): " STALE_MIRROR, a.mlen, mirror, rel_sig, rel_release, reason);
        ret = -EPROTO;
        goto out;
    } else if (ret < 0) {
        snprintf(err, errlen, "%s", reason);
        goto out;
    }
    ret = read_lines(release, &theirs, err, errlen);
    ret = ret ?: read_lines(a.release, &ours, err, errlen);
    if (ret < 0) {
        goto out;
    }
    if (ours.end - ours.p != theirs.end - theirs.p ||
        memcmp(ours.p, theirs.p, ours.end - ours.p) != 0) {
        snprintf(err, errlen, "mirror %.*s: %s is not the Release its InRelease signs (the "
                 "installer reads the former): " STALE_MIRROR, a.mlen, mirror, rel_release);
        ret = -EPROTO;
        goto out;
    }

    /* (b) The udeb index the installer loads its components from. */
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof(name), "main/debian-installer/binary-%s/Packages.%s", arch,
                 i ? "gz" : "xz");
        ret = archive_release_sha256(a.release, name, hex, &size, err, errlen);
        if (ret != -ENOENT) {
            break;
        }
    }
    if (ret == -ENOENT) {
        snprintf(err, errlen, "mirror %.*s: Debian %s's Release lists no "
                 "main/debian-installer/binary-%s/Packages index: the installer cannot load "
                 "its components", a.mlen, mirror, suite, arch);
        ret = -EPROTO;
    }
    if (ret < 0) {
        goto out;
    }
    snprintf(rel, sizeof(rel), "dists/%s/%s", suite, name);
    snprintf(index, sizeof(index), "%s/%s", scratch, strrchr(name, '/') + 1);
    ret = fetch_for_check(&a, rel, index, "the installer loads its components from it", err,
                          errlen);
    if (ret < 0) {
        goto out;
    }
    if (stat(index, &sb) < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", index, strerror(errno));
        goto out;
    }
    ret = sha256_file(index, got, err, errlen);
    if (ret == 0 && ((uint64_t)sb.st_size != size || strcmp(got, hex) != 0)) {
        snprintf(err, errlen, "mirror %.*s: %s does not match the signed Release (the "
                 "installer's component index is stale): " STALE_MIRROR, a.mlen, mirror, name);
        ret = -EPROTO;
    }
out:
    g_free(ours.data);
    g_free(theirs.data);
    archive_rm_tree(scratch);
    return ret;
}
