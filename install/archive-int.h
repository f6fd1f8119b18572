/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Debian archive client's internal contract, between its parts only:
 * install/archive.c (the chain of trust, the cache, the installer's images
 * directory and the mirror check), install/archive-pkg.c (the fallback to
 * the netboot package) and install/archive-run.c (the helper programs).
 * Everything else uses the archive section of install/install.h.  As
 * there, functions that can fail return 0 or a negative errno and leave
 * one line in `err`.
 */
#ifndef VM_INSTALL_ARCHIVE_INT_H
#define VM_INSTALL_ARCHIVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "install/install.h"

/* --- install/archive.c ---------------------------------------------------- */

/* One archive and the cache that mirrors it: archive-relative names resolve below both. */
typedef struct ArchiveRef {
    const char *mirror;     /* the URL as given */
    int mlen;               /* its length without trailing slashes */
    const char *suite, *arch, *cache_dir;
    char release[4096];     /* cache_dir/dists/SUITE/Release: gpgv's output, the reference */
} ArchiveRef;

/* vsnprintf into a buffer, -ENAMETOOLONG when the result does not fit. */
int G_GNUC_PRINTF(3, 4) archive_join(char *buf, size_t size, const char *fmt, ...);

/* mkdir -p, mode 0755. */
int archive_make_dirs(const char *dir, char *err, size_t errlen);

/* Remove a directory tree of ours, not following symlinks; a missing one is fine. */
void archive_rm_tree(const char *dir);

/* read(2), retried on EINTR: the bytes read, or -errno with "PATH: <reason>" in err. */
ssize_t archive_read(int fd, void *buf, size_t len, const char *path, char *err,
                     size_t errlen);

/* `s` is 64 hex digits; archive_copy_hex() writes them lowercase, NUL-terminated. */
bool archive_is_hex64(const char *s, size_t len);
void archive_copy_hex(char hex[65], const char *s);

/* A size in bytes: decimal digits only, no sign, no overflow.  *size is set only when true. */
bool archive_parse_size(const char *s, uint64_t *size);

/*
 * When `line` (`len` bytes) is the deb822 field `name` (Debian Policy 5.1:
 * "Name: value", the name case-insensitive), its value, trimmed, in `out`
 * (cut at outlen - 1), and the value's length in bytes; -1 when it is not.
 */
ssize_t archive_field_value(const char *line, size_t len, const char *name, char *out,
                            size_t outlen);

/*
 * The value of the one-line field `name` ("Codename", "Version") of a
 * Release file, trimmed, in `out` (cut at outlen - 1; "" when absent).
 */
int archive_release_field(const char *release_path, const char *name, char *out,
                          size_t outlen, char *err, size_t errlen);

/*
 * Make archive-relative `rel` present in the cache (its path in `path`)
 * with SHA-256 `hex` and `size` bytes: the cached copy when it has them,
 * else a download from the mirror (with a progress line when `progress`),
 * deleted again when it does not match; err then names it as `label`.
 */
int archive_fetch_verified(const ArchiveRef *a, const char *label, const char *rel,
                           const char *hex, uint64_t size, bool progress, char *path,
                           size_t pathlen, char *err, size_t errlen);

/* --- install/archive-pkg.c ------------------------------------------------ */

/*
 * The netboot installer from the archive's package: Release -> Packages.xz
 * (or .gz) -> debian-installer-NN-netboot-ARCH's .deb -> its linux and
 * initrd.gz, as scripts/fetch-guest-images.sh gets them through apt,
 * unpacked into a->cache_dir/netboot-pkg/ARCH/VERSION/.  a->release must
 * be the verified Release.  Fills `out` only on success.
 */
int archive_fetch_from_package(const ArchiveRef *a, InstallerImages *out, char *err,
                               size_t errlen);

/* --- install/archive-run.c ------------------------------------------------ */

/*
 * `path` as a helper program's argument naming that file: "./" before a
 * relative one, which gpgv's --keyring would look up in GNUPGHOME (or
 * expand "~/" in) and dpkg-deb could take for an option.  -ENAMETOOLONG
 * when it does not fit in `size` bytes.
 */
int archive_path_arg(const char *path, char *buf, size_t size);

/* A close-on-exec pipe whose ends are numbered above the fds a child gets (0..3). */
int archive_high_pipe(int fds[2]);

/*
 * Start `argv` (found in PATH, no shell, C locale) with its fd i on
 * fds[i] for i < nfds (-1: /dev/null, for fds 0..2 only).  -ENOENT when
 * the program is not installed.
 */
int archive_spawn(char *const argv[], const int fds[], int nfds, pid_t *pid);

/* Reap `pid`, a child from archive_spawn; true when it exited with status 0. */
bool archive_wait_tool(pid_t pid, int *wstatus);

/*
 * Run `argv` to its end, stdin and stdout on /dev/null, its stderr and
 * fd 3 (gpgv's --status-fd 3) appended to `errtext` and `status` (64 KiB
 * of each at most).  0 with *wstatus set, or a negative errno (-ENOENT:
 * the program is not installed).
 */
int archive_run_captured(char *const argv[], int *wstatus, GString *errtext, GString *status);

/* An unlinked close-on-exec scratch file for a helper's stderr; the fd, or -errno. */
int archive_capture_fd(void);

/* Why a helper failed: its first line in `cap`, else its exit status or signal. */
void archive_tool_failure(int cap, int wstatus, char *out, size_t outlen);

/* Read and drop what is left in a pipe, so that its writer finishes instead of dying of SIGPIPE. */
void archive_drain_pipe(int fd);

#endif /* VM_INSTALL_ARCHIVE_INT_H */
