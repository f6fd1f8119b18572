/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Downloads for the Debian archive client: http_fetch() moves one URL
 * (http, https, or file for local mirrors) into a file through libcurl's
 * easy interface, and sha256_file() hashes a file with GLib's GChecksum
 * (FIPS 180-4 SHA-256).  A download lands in PATH.tmp and is renamed over
 * PATH only once complete and flushed, so PATH is always either absent, the
 * previous copy, or a whole new one.  libcurl reads the usual proxy
 * environment (http_proxy, https_proxy, no_proxy) by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <glib.h>

#include "config-host.h"
#include "install/install.h"

/* libcurl wants curl_global_init() exactly once, before any other thread uses it. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* One transfer: where the bytes go and what is drawn on the terminal. */
typedef struct FetchCtx {
    int fd;                  /* PATH.tmp */
    int write_errno;         /* errno of the first failed write, 0 if none */
    bool progress;           /* draw the byte counter (stderr is a tty) */
    bool drawn;              /* something is on the progress line */
    const char *name;        /* last URL path component, for the progress line */
    int name_len;
    double last_draw;        /* CLOCK_MONOTONIC seconds of the last redraw */
} FetchCtx;

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static size_t fetch_write(char *data, size_t size, size_t nmemb, void *opaque)
{
    FetchCtx *ctx = opaque;
    size_t len = size * nmemb;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(ctx->fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ctx->write_errno = errno;
            return 0;   /* makes libcurl stop with CURLE_WRITE_ERROR */
        }
        done += n;
    }
    return len;
}

static void draw_progress(FetchCtx *ctx, curl_off_t now, curl_off_t total)
{
    const double mib = 1024.0 * 1024.0;

    if (total > 0) {
        fprintf(stderr, "\r  %.*s  %.1f MiB / %.1f MiB\033[K", ctx->name_len, ctx->name,
                now / mib, total / mib);
    } else {
        fprintf(stderr, "\r  %.*s  %.1f MiB\033[K", ctx->name_len, ctx->name, now / mib);
    }
    fflush(stderr);
    ctx->drawn = true;
}

static int fetch_xferinfo(void *opaque, curl_off_t dltotal, curl_off_t dlnow,
                          curl_off_t ultotal, curl_off_t ulnow)
{
    FetchCtx *ctx = opaque;
    double t = now_seconds();

    /* A few redraws a second are plenty, and keep a fast mirror from flooding the tty. */
    if (t - ctx->last_draw >= 0.2) {
        ctx->last_draw = t;
        draw_progress(ctx, dlnow, dltotal);
    }
    return 0;
}

/* The last path component of `url` (without query or fragment), for the progress line. */
static void url_basename(const char *url, FetchCtx *ctx)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;

    while (start > 0 && url[start - 1] != '/') {
        start--;
    }
    ctx->name = url + start;
    ctx->name_len = (int)(end - start);
}

/* Flush and close PATH.tmp; a late ENOSPC (delayed allocation, NFS) shows up here. */
static int close_tmp(int fd)
{
    int ret = 0;

    if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
        ret = -errno;
    }
    if (close(fd) < 0 && ret == 0 && errno != EINTR) {
        ret = -errno;
    }
    return ret;
}

int http_fetch(const char *url, const char *path, bool progress, char *err, size_t errlen)
{
    char tmp[4096];
    char errbuf[CURL_ERROR_SIZE];
    FetchCtx ctx = { .fd = -1 };
    CURL *curl;
    CURLcode res;
    long status = 0;
    int ret;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) {
        snprintf(err, errlen, "%s: libcurl: %s", url, curl_easy_strerror(curl_init_result));
        return -EIO;
    }
    curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errlen, "%s: libcurl: cannot create a transfer", url);
        return -ENOMEM;
    }

    ctx.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (ctx.fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        curl_easy_cleanup(curl);
        return ret;
    }
    ctx.progress = progress && isatty(STDERR_FILENO);
    url_basename(url, &ctx);

    errbuf[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    /* Only what a Debian mirror is reached by; a redirect may not lead to file://. */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    /* A stalled mirror: below 1 KiB/s for a minute ends the transfer. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vm-cli/" VM_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
    if (ctx.progress) {
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fetch_xferinfo);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }

    res = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

    if (res == CURLE_WRITE_ERROR && ctx.write_errno) {
        ret = -ctx.write_errno;
        snprintf(err, errlen, "%s: %s", path, strerror(ctx.write_errno));
    } else if (res == CURLE_HTTP_RETURNED_ERROR || (res == CURLE_OK && status >= 300)) {
        ret = status == 404 || status == 410 ? -ENOENT : -EIO;
        snprintf(err, errlen, "%s: HTTP %ld", url, status);
    } else if (res != CURLE_OK) {
        ret = res == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT
              : res == CURLE_FILE_COULDNT_READ_FILE || res == CURLE_REMOTE_FILE_NOT_FOUND ? -ENOENT
              : -EIO;
        snprintf(err, errlen, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(res));
        /* libcurl's error buffer may end in a newline; err is one line. */
        err[strcspn(err, "\r\n")] = '\0';
    } else {
        ret = 0;
    }

    if (ctx.progress && ctx.drawn) {
        if (ret == 0) {
            curl_off_t got = 0;
            curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &got);
            draw_progress(&ctx, got, got);
            fputc('\n', stderr);
        } else {
            fputs("\r\033[K", stderr);
        }
    }
    curl_easy_cleanup(curl);

    int cret = close_tmp(ctx.fd);
    if (ret == 0 && cret < 0) {
        ret = cret;
        snprintf(err, errlen, "%s: %s", path, strerror(-cret));
    }
    if (ret == 0 && rename(tmp, path) < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (ret < 0) {
        unlink(tmp);
    }
    return ret;
}

int sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
    static const size_t bufsize = 256 * 1024;
    GChecksum *sum;
    guchar *buf;
    int fd, ret = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ret;
    }
    sum = g_checksum_new(G_CHECKSUM_SHA256);
    buf = g_malloc(bufsize);
    for (;;) {
        ssize_t n = read(fd, buf, bufsize);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        g_checksum_update(sum, buf, n);
    }
    close(fd);
    if (ret == 0) {
        /* GChecksum's string is lowercase hex, 64 characters for SHA-256. */
        const gchar *s = g_checksum_get_string(sum);
        memcpy(hex, s, 64);
        hex[64] = '\0';
    }
    g_free(buf);
    g_checksum_free(sum);
    return ret;
}
