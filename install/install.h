/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vm-cli install-debian`: from nothing to an installed Debian.  The
 * parts are the Debian archive client (HTTP through libcurl, the signed
 * Release -> SHA256SUMS -> file chain checked with gpgv and SHA-256), the
 * preseed generator, a newc cpio writer that appends the preseed to the
 * installer's initrd, the reader that follows the installer's progress on
 * its serial console, and the command that drives them.
 *
 * Every function that can fail returns 0 or a negative errno and leaves
 * one line in `err` (no trailing newline) naming what failed and where
 * (URL, file, field); outputs are untouched on failure.
 */
#ifndef VM_INSTALL_INSTALL_H
#define VM_INSTALL_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Debian archive client (install/http.c, install/archive.c) ---------- */

/*
 * Download `url` to `path` (written as PATH.tmp, flushed, renamed on
 * success, so a failed or interrupted fetch leaves `path` as it was and no
 * PATH.tmp).  http:// and https://, and file:// for local mirrors; follows
 * up to 10 redirects (to http/https only); honours http_proxy/https_proxy/
 * no_proxy; gives up after 20 s without a connection or 60 s below
 * 1 KiB/s.  When `progress` is true and stderr is a terminal, a one-line
 * byte counter ("  initrd.gz  12.3 MiB / 40.1 MiB") is redrawn on stderr.
 * Errors: "URL: HTTP 404" (-ENOENT for 404/410, else -EIO), "URL: <libcurl's
 * reason>" (-EIO, -ETIMEDOUT, -ENOENT for a missing file://), and
 * "PATH: <strerror>" with its errno for local trouble (e.g. ENOSPC).
 * Thread-safe; initialises libcurl on first use.
 */
int http_fetch(const char *url, const char *path, bool progress, char *err, size_t errlen);

/* The lowercase hex SHA-256 (64 chars + NUL) of a file's contents; -errno if unreadable. */
int sha256_file(const char *path, char hex[65], char *err, size_t errlen);

/*
 * Check the clearsigned `inrelease_path` (dists/SUITE/InRelease) against
 * `keyring` (e.g. /usr/share/keyrings/debian-archive-keyring.gpg) by
 * running gpgv, and write the signed content gpgv vouches for to
 * `out_path` (the Release file; written as OUT.tmp, renamed on success).
 * Parse only `out_path`, never the InRelease itself.  Accepted when gpgv
 * reports at least one good signature by a keyring key and no bad one
 * (signatures by keys absent from the keyring are ignored, as apt does).
 * -EBADMSG when the file is not exactly one clearsigned message or the
 * signature does not verify (err quotes gpgv, e.g. "PATH: gpgv: BAD
 * signature from ..."); -ENOENT when gpgv is not installed or the keyring
 * is missing.  On failure `out_path` is untouched.
 */
int archive_verify_inrelease(const char *inrelease_path, const char *out_path,
                             const char *keyring, char *err, size_t errlen);

/*
 * Find `name` (e.g. "main/installer-riscv64/current/images/SHA256SUMS")
 * in the SHA256 section of a Release file (" HEX SIZE NAME" lines under
 * "SHA256:") and return its lowercase hash and its size in bytes.
 * -ENOENT when absent, -EBADMSG when the file has no SHA256 section or a
 * malformed line in it.
 */
int archive_release_sha256(const char *release_path, const char *name, char hex[65],
                           uint64_t *size, char *err, size_t errlen);

/*
 * Find `name` in a SHA256SUMS file (sha256sum's "HEX  ./path" lines, as
 * the installer images directory has; `name` matches with or without the
 * leading "./") and return its lowercase hash.  -ENOENT when absent,
 * -EBADMSG on a malformed line.
 */
int archive_sums_sha256(const char *sums_path, const char *name, char hex[65],
                        char *err, size_t errlen);

/* Where the netboot installer of one architecture lives, once verified. */
typedef struct InstallerImages {
    char kernel[4096];     /* path of the verified `linux` in the cache */
    char initrd[4096];     /* path of the verified `initrd.gz` in the cache */
    char origin[1024];     /* what they came from, archive-relative: the images
                              directory ("dists/SUITE/main/installer-ARCH/current/images")
                              or the netboot package's .deb ("pool/main/d/...") */
} InstallerImages;

/*
 * Fetch Debian `suite`'s netboot installer for `arch` (riscv64, arm64,
 * amd64) from `mirror` ("http://host/debian", with or without a trailing
 * slash; https:// and file:// work too) into `cache_dir`, whose layout is
 * the archive's own, so a filled cache is a mirror a file:// URL can serve:
 *   dists/SUITE/InRelease       fetched every run, checked with gpgv against `keyring`
 *   dists/SUITE/Release         the content gpgv vouched for; its Codename or
 *                               Suite must be `suite`
 * then, first, the installer images directory, as real mirrors serve it:
 *   dists/SUITE/main/installer-ARCH/current/images/SHA256SUMS
 *                               fetched every run, hash and size checked against Release
 *   .../images/netboot/debian-installer/ARCH/{linux,initrd.gz}
 *                               checked against SHA256SUMS; fetched only when the
 *                               cached copy's hash does not match (with a progress
 *                               line on a terminal)
 * and when that directory cannot serve a verified linux and initrd.gz (a
 * file missing, or not the one Release or SHA256SUMS lists, as on a
 * partial or stale mirror), the same images from the archive's
 * debian-installer-NN-netboot-ARCH package (NN: the major of Release's
 * Version, any when it has none; the newest in dpkg's version order):
 *   dists/SUITE/main/binary-ARCH/Packages.xz (or .gz)
 *                               hash and size checked against Release; fetched
 *                               only when the cached copy does not match
 *   pool/.../debian-installer-NN-netboot-ARCH_VERSION_all.deb
 *                               hash and size checked against Packages; fetched
 *                               only when the cached copy does not match
 *   netboot-pkg/ARCH/VERSION/{linux,initrd.gz}
 *                               unpacked from the .deb every run (xz, dpkg-deb
 *                               and tar run as programs, without a shell)
 * A file that fails its check is deleted and named in err, e.g.
 * "initrd.gz (URL): SHA-256 mismatch: expected HEX, got HEX" (-EBADMSG); a
 * refused InRelease takes its Release with it.  When both ways fail, err
 * gives both: "<the images directory's error>; netboot package: <its
 * error>", with the images directory's errno, or the package's when the
 * images directory was missing (-ENOENT).  Other errors are those of
 * http_fetch and archive_verify_inrelease, -ENOENT when the suite has no
 * installer for `arch`, -EINVAL for a bad mirror, suite or arch.  Fills
 * `out` only on success.  Not safe to run twice at once on one cache_dir.
 */
int archive_fetch_installer(const char *mirror, const char *suite, const char *arch,
                            const char *cache_dir, const char *keyring,
                            InstallerImages *out, char *err, size_t errlen);

/*
 * Check, before the installer boots, what debian-installer inside the
 * guest will read from `mirror`, and refuse a stale mirror, so that the
 * user gets one line instead of an installer stopped at a dialog.  Run
 * after archive_fetch_installer on the same `cache_dir`: its verified
 * dists/SUITE/Release is the reference.  Checked:
 *   dists/SUITE/Release.gpg     verifies the mirror's dists/SUITE/Release with gpgv
 *                               against `keyring` (net-retriever and debootstrap
 *                               check this detached pair, not InRelease), and that
 *                               Release is byte for byte the verified one;
 *   main/debian-installer/binary-ARCH/Packages.xz (or .gz when Release lists no .xz)
 *                               the installer's udeb index, hash and size as the
 *                               verified Release lists them.
 * Downloads (a few hundred KiB) go to a scratch directory under cache_dir,
 * removed before returning.  -EPROTO when the mirror fails a check (or lacks
 * one of these files), e.g. "mirror http://host/debian: dists/trixie/
 * Release.gpg does not verify dists/trixie/Release (the installer checks
 * that pair; gpgv: BAD signature ...): the mirror is stale or inconsistent;
 * try another --mirror"; -ENOENT when cache_dir holds no verified Release;
 * otherwise the errors of http_fetch (an unreachable mirror) and -EINVAL
 * for a bad mirror, suite or arch.
 */
int archive_check_installer_mirror(const char *mirror, const char *suite, const char *arch,
                                   const char *cache_dir, const char *keyring, char *err,
                                   size_t errlen);

/* --- preseed (install/preseed.c) ---------------------------------------- */

/* What the user chose; strings are borrowed, NULL means "not given". */
typedef struct PreseedConfig {
    const char *mirror_host;     /* "mirror.example.org", "10.0.2.2:8080": as the guest sees it */
    const char *mirror_dir;      /* "/debian" */
    const char *mirror_proxy;    /* http proxy URL for the guest, or NULL */
    const char *suite;           /* "trixie" */
    const char *hostname;        /* default "debian" */
    const char *domain;          /* default "" */
    const char *user;            /* default "debian" */
    const char *password;        /* plain text, crypted by the generator; or NULL */
    const char *ssh_key;         /* one authorized_keys line, or NULL */
    const char *packages;        /* extra packages, space separated, or NULL */
    const char *locale;          /* default "en_US.UTF-8" */
    const char *keymap;          /* default "us" */
    const char *timezone;        /* default "UTC" */
} PreseedConfig;

/*
 * Check a PreseedConfig's values (hostname per RFC 1123, user name per
 * Debian's adduser rules, package names per Debian policy §5.6.1, no
 * newline or control character anywhere, at least a password or an SSH
 * key).  Returns 0 or -EINVAL naming the field.
 */
int preseed_check(const PreseedConfig *cfg, char *err, size_t errlen);

/*
 * Write the preseed file (debconf-set-selections format, installation
 * guide appendix B) for a fully automated install: locale, keyboard,
 * DHCP networking, the mirror, guided partitioning of the whole first
 * disk, the user, openssh-server plus cfg->packages, the boot loader
 * (GRUB EFI on the removable media path, so firmware finds it), poweroff
 * at the end.  Returns a malloc'd NUL-terminated string the caller frees,
 * or NULL with err set (preseed_check failed).
 */
char *preseed_generate(const PreseedConfig *cfg, char *err, size_t errlen);

/* --- initrd (install/cpio.c) -------------------------------------------- */

/* One file for the initrd: its path below the root, and its bytes (borrowed). */
typedef struct CpioFile {
    const char *name;      /* e.g. "preseed.cfg", "usr/share/keyrings/archive.gpg" */
    const void *data;
    size_t len;            /* bytes, below 4 GiB */
} CpioFile;

/*
 * Copy `initrd_in` to `initrd_out` (via OUT.tmp, renamed on success) and
 * append an uncompressed newc cpio archive (with its TRAILER!!!) holding
 * `files` as regular files of mode 0644.  Linux unpacks concatenated
 * archives in order (Documentation/driver-api/early-userspace/
 * buffer-format.rst), so they appear in the installer's root, replacing
 * files of the same path; their directories must exist in the initrd.
 * -EINVAL for a path with an empty, "." or ".." component.
 */
int cpio_append_files(const char *initrd_in, const char *initrd_out, const CpioFile *files,
                      size_t nr_files, char *err, size_t errlen);

/* cpio_append_files() with one file. */
int cpio_append_file(const char *initrd_in, const char *initrd_out, const char *name,
                     const void *data, size_t len, char *err, size_t errlen);

/* --- the installer's progress on its console (install/progress.c) ------- */

#define PROGRESS_ROWS 25   /* the terminal d-i draws on: the serial console's 80x25 */
#define PROGRESS_COLS 80

/*
 * What the installer shows on its console.  debian-installer's newt
 * frontend draws dialogs with VT100 cursor addressing and the DEC line
 * drawing set (ECMA-48 / DEC STD 070 escape sequences); the reader keeps
 * a model of the screen and reads the topmost dialog off it: its title
 * (the step), a "NN%" line (the progress bar's figure) and its text.
 */
typedef struct InstallProgress {
    char step[PROGRESS_COLS];     /* dialog title, e.g. "Installing the base system" */
    char detail[PROGRESS_COLS];   /* its text line, e.g. "Retrieving libc6..." */
    int percent;                  /* 0..100, or -1 when the dialog shows none */
    bool error;                   /* the dialog is an error ("[!!] ..." title) */
    bool changed;                 /* step, detail, percent or error changed; caller clears */
    /* screen model */
    char screen[PROGRESS_ROWS][PROGRESS_COLS];
    int row, col, saved_row, saved_col, top, bottom;
    int state;                    /* escape parser state */
    int params[8], nparams;
} InstallProgress;

void progress_init(InstallProgress *p);

/* Feed `len` bytes of console output; updates the fields above. */
void progress_feed(InstallProgress *p, const char *buf, size_t len);

/* --- the command (install/install-debian.c) ----------------------------- */

/*
 * `vm-cli install-debian [options]`: argv[0] is "install-debian".
 * Returns the process exit status (0 installed, 2 bad input, 1 the
 * installer or the check boot failed).
 */
int install_debian_main(int argc, char **argv);

#endif /* VM_INSTALL_INSTALL_H */
