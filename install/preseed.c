/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The preseed file for a fully automated Debian 13 (trixie) installation
 * by debian-installer at priority=critical, in the debconf-set-selections
 * format of the installation guide's appendix B and its example-preseed.txt
 * ("owner question type value", one per line).  The file goes into the
 * initrd as /preseed.cfg.  Facts taken from the trixie installer sources
 * (not from guesses): user names follow user-setup 1.107 (user-setup-ask:
 * `[a-z][-a-z0-9_]*`, at most 32, not in reserved-usernames), host names
 * netcfg 1.197 (valid_hostname: letters, digits, '-', at most 63), package
 * names Debian policy 5.6.1.  An EFI boot is what makes d-i install GRUB:
 * libdebian-installer 0.125 reports riscv64/efi only when
 * /sys/firmware/efi/efivars exists, grub-installer 1.212 refuses
 * riscv64/generic ("GRUB is only usable on EFI riscv64 systems") and
 * partman-auto 177 takes its ESP-bearing recipes from recipes-riscv64-efi.
 * A kernel started directly (no UEFI) would give no ESP and no boot loader,
 * so an early command makes the EFI directory appear when it is missing;
 * the late command refuses to finish without a loader on the removable
 * media path (EFI/BOOT/BOOT<arch>.EFI), so a disk that cannot boot is an
 * installer error, not a silent success.
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "install/install.h"

#define USER_NAME_MAX 32          /* user-setup-ask */
#define DNS_LABEL_MAX 63          /* RFC 1123 2.1; netcfg's MAXHOSTNAMELEN */
#define DNS_NAME_MAX 253
#define SSH_KEY_MAX 16384
#define SALT_BYTES 16             /* 128 bits, crypt_gensalt's "$6$" maximum */

/*
 * user-setup 1.107 reserved-usernames (user-setup refuses these at
 * critical priority, which would stop an automated install), plus system
 * users a trixie "standard, ssh-server" install creates, whose accounts
 * adduser would refuse and user-setup would then re-password.
 */
static const char *const reserved_users[] = {
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp",
    "proxy", "www-data", "backup", "list", "irc", "gnats", "nobody", "adm", "tty", "disk",
    "kmem", "dialout", "fax", "voice", "cdrom", "floppy", "tape", "sudo", "audio", "dip",
    "operator", "src", "shadow", "utmp", "video", "sasl", "plugdev", "staff", "users",
    "nogroup", "netplan", "ftn", "mysql", "tac-plus", "alias", "qmail", "qmaild", "qmails",
    "qmailr", "qmailq", "qmaill", "qmailp", "asterisk", "vpopmail", "vchkpw", "slurm",
    "hacluster", "haclient", "grsec-tpe", "grsec-sock-all", "grsec-sock-clt",
    "grsec-sock-srv", "grsec-proc", "ceph", "opensrf", "libvirt-qemu", "admin", "bind",
    "crontab", "cupsys", "dcc", "dhcp", "dictd", "dnsmasq", "dovecot", "fetchmail",
    "firebird", "ftp", "fuse", "gdm", "haldaemon", "hplilp", "identd", "input", "jwhois",
    "klog", "kvm", "lpadmin", "messagebus", "mythtv", "netdev", "powerdev", "radvd",
    "render", "saned", "sbuild", "scanner", "slocate", "ssh", "sshd", "ssl-cert", "sslwrap",
    "statd", "syslog", "telnetd", "tftpd",
    /* created by trixie's standard task and openssh-server */
    "systemd-network", "systemd-timesync", "systemd-resolve", "systemd-journal",
    "systemd-coredump", "polkitd", "tss", "dhcpcd", "uuidd", "tcpdump", "avahi", "_apt",
};

/* authorized_keys key types OpenSSH accepts (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
static const char *const ssh_key_types[] = {
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
};

/* The PreseedConfig with its defaults filled in. */
typedef struct PreseedValues {
    const char *mirror_host, *mirror_dir, *mirror_proxy, *suite;
    char host[DNS_LABEL_MAX + 1];     /* first label of --hostname */
    char domain[DNS_NAME_MAX + 1];    /* --domain, or the rest of --hostname */
    const char *user, *password, *ssh_key, *packages;
    const char *locale, *keymap, *timezone;
} PreseedValues;

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* A value as it may be shown in a one-line message: control bytes become '?', long ones cut. */
static const char *shown(const char *s, char *buf, size_t size)
{
    size_t i = 0;

    for (; s[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[i] = '\0';
    if (s[i] && size > 4) {
        memcpy(buf + size - 4, "...", 4);
    }
    return buf;
}

static bool has_control(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

/* True when every byte of s is in `set` (and s is not empty). */
static bool only_chars(const char *s, size_t len, const char *set)
{
    if (!len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!s[i] || !strchr(set, s[i])) {
            return false;
        }
    }
    return true;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LOWER_DIGIT "abcdefghijklmnopqrstuvwxyz0123456789"

/* One RFC 1123 label: letters, digits, '-', not at either end, 1..63 bytes. */
static bool valid_label(const char *s, size_t len)
{
    return len >= 1 && len <= DNS_LABEL_MAX && only_chars(s, len, ALNUM "-") &&
           s[0] != '-' && s[len - 1] != '-';
}

/* Dot-separated labels, at most 253 bytes; empty is allowed (no domain). */
static bool valid_domain(const char *s)
{
    size_t total = strlen(s);

    if (total == 0) {
        return true;
    }
    if (total > DNS_NAME_MAX) {
        return false;
    }
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (!valid_label(s, len)) {
            return false;
        }
        if (!dot) {
            return true;
        }
        s = dot + 1;
    }
}

static bool is_reserved_user(const char *u)
{
    for (size_t i = 0; i < sizeof(reserved_users) / sizeof(reserved_users[0]); i++) {
        if (!strcmp(u, reserved_users[i])) {
            return true;
        }
    }
    return false;
}

static int b64_value(char c)
{
    const char *p;
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    if (!c || !(p = strchr(tbl, c))) {
        return -1;
    }
    return (int)(p - tbl);
}

/*
 * Decode standard base64 (RFC 4648 4, padded).  Returns the byte count or
 * -1 when the text is not base64.  `out` holds at least len / 4 * 3.
 */
static long b64_decode(const char *s, size_t len, uint8_t *out)
{
    size_t n = 0;

    if (len == 0 || len % 4) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = b64_value(s[i + k])) < 0) {
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        out[n++] = (uint8_t)(w >> 16);
        if (pad < 2) {
            out[n++] = (uint8_t)(w >> 8);
        }
        if (pad < 1) {
            out[n++] = (uint8_t)w;
        }
    }
    return (long)n;
}

/*
 * An authorized_keys line without options: TYPE BASE64 [COMMENT].  The
 * blob must start with the SSH string naming TYPE (RFC 4253 6.6), which
 * catches a private key or a truncated paste.  The comment may not hold
 * ' or \: the line reaches authorized_keys as a single-quoted argument of
 * echo inside a preseed value, and a backslash would be an echo escape
 * (dash) or, last on the line, a preseed line continuation.
 */
static int check_ssh_key(const char *key, char *err, size_t errlen)
{
    char show[48];
    const char *sp = strchr(key, ' ');
    size_t tlen = sp ? (size_t)(sp - key) : strlen(key);
    bool known = false;

    if (strlen(key) > SSH_KEY_MAX) {
        return fail(err, errlen, "--ssh-key: the key is longer than %d bytes", SSH_KEY_MAX);
    }
    for (size_t i = 0; i < sizeof(ssh_key_types) / sizeof(ssh_key_types[0]); i++) {
        if (strlen(ssh_key_types[i]) == tlen && !strncmp(key, ssh_key_types[i], tlen)) {
            known = true;
        }
    }
    if (!known || !sp) {
        return fail(err, errlen, "--ssh-key: '%s' is not an authorized_keys line "
                    "(ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-* key type, then base64)",
                    shown(key, show, sizeof(show)));
    }
    const char *body = sp;
    while (*body == ' ') {
        body++;
    }
    const char *end = strchr(body, ' ');
    size_t blen = end ? (size_t)(end - body) : strlen(body);
    uint8_t *blob = malloc(blen / 4 * 3 + 3);
    if (!blob) {
        return fail(err, errlen, "--ssh-key: %s", strerror(ENOMEM));
    }
    long n = b64_decode(body, blen, blob);
    bool ok = n >= 4 && ((uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
                         (uint32_t)blob[2] << 8 | blob[3]) == tlen &&
              (size_t)n >= 4 + tlen && !memcmp(blob + 4, key, tlen);
    free(blob);
    if (!ok) {
        return fail(err, errlen, "--ssh-key: the key's base64 body is not a %.*s public key",
                    (int)tlen, key);
    }
    if (end && (strchr(end, '\'') || strchr(end, '\\'))) {
        return fail(err, errlen, "--ssh-key: the key's comment may not contain ' or \\");
    }
    return 0;
}

/* The next space-separated word of *list (advanced past it); false at the end. */
static bool next_word(const char **list, const char **word, size_t *len)
{
    const char *p = *list + strspn(*list, " ");

    *word = p;
    *len = strcspn(p, " ");
    *list = p + *len;
    return *len > 0;
}

static int check_packages(const char *list, char *err, size_t errlen)
{
    char show[48];
    const char *p;
    size_t len;

    while (next_word(&list, &p, &len)) {
        /* policy 5.6.1: at least two characters, alphanumeric first */
        if (len < 2 || !only_chars(p, 1, LOWER_DIGIT) ||
            !only_chars(p, len, LOWER_DIGIT "+-.")) {
            char word[64];
            snprintf(word, sizeof(word), "%.*s", (int)(len < 60 ? len : 60), p);
            return fail(err, errlen, "--packages: '%s' is not a Debian package name "
                        "(policy 5.6.1: lowercase letters, digits, '+', '-', '.')",
                        shown(word, show, sizeof(show)));
        }
    }
    return 0;
}

/* Fill in defaults and check everything; `v` is valid only when 0 is returned. */
static int preseed_resolve(const PreseedConfig *cfg, PreseedValues *v, char *err, size_t errlen)
{
    char show[72];
    const char *hostname = cfg->hostname ? cfg->hostname : "debian";
    const char *domain = cfg->domain ? cfg->domain : "";
    const struct {
        const char *opt, *val;
    } strings[] = {
        { "--mirror", cfg->mirror_host }, { "--mirror", cfg->mirror_dir },
        { "--proxy", cfg->mirror_proxy }, { "--suite", cfg->suite },
        { "--hostname", cfg->hostname }, { "--domain", cfg->domain },
        { "--user", cfg->user }, { "--password-file", cfg->password },
        { "--ssh-key", cfg->ssh_key }, { "--packages", cfg->packages },
        { "--locale", cfg->locale }, { "--keymap", cfg->keymap },
        { "--timezone", cfg->timezone },
    };

    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (strings[i].val && has_control(strings[i].val)) {
            return fail(err, errlen, "%s: '%s' contains a newline or control character",
                        strings[i].opt, shown(strings[i].val, show, sizeof(show)));
        }
    }

    if (!cfg->mirror_host || !cfg->mirror_host[0]) {
        return fail(err, errlen, "--mirror: no mirror host given");
    }
    v->mirror_host = cfg->mirror_host;
    v->mirror_dir = cfg->mirror_dir ? cfg->mirror_dir : "/debian";
    v->mirror_proxy = cfg->mirror_proxy ? cfg->mirror_proxy : "";
    v->suite = cfg->suite ? cfg->suite : "trixie";
    if (!only_chars(v->mirror_host, strlen(v->mirror_host), ALNUM ".-:[]_")) {
        return fail(err, errlen, "--mirror: '%s' is not a host name or host:port",
                    shown(v->mirror_host, show, sizeof(show)));
    }
    if (v->mirror_dir[0] != '/' ||
        !only_chars(v->mirror_dir, strlen(v->mirror_dir), ALNUM "/._~%+-")) {
        return fail(err, errlen, "--mirror: '%s' is not an absolute directory on the mirror",
                    shown(v->mirror_dir, show, sizeof(show)));
    }
    if (v->mirror_proxy[0] &&
        ((strncmp(v->mirror_proxy, "http://", 7) && strncmp(v->mirror_proxy, "https://", 8)) ||
         !only_chars(v->mirror_proxy, strlen(v->mirror_proxy), ALNUM ":/._~%+-@[]"))) {
        return fail(err, errlen, "--proxy: '%s' is not an http:// or https:// URL",
                    shown(v->mirror_proxy, show, sizeof(show)));
    }
    if (!only_chars(v->suite, strlen(v->suite), LOWER_DIGIT "-")) {
        return fail(err, errlen, "--suite: '%s' is not a Debian suite or code name",
                    shown(v->suite, show, sizeof(show)));
    }

    /* host name: the first label; a dotted --hostname carries its domain */
    const char *dot = strchr(hostname, '.');
    size_t hlen = dot ? (size_t)(dot - hostname) : strlen(hostname);
    if (!valid_label(hostname, hlen) || (dot && (!dot[1] || !valid_domain(dot + 1))) ||
        strlen(hostname) > DNS_NAME_MAX) {
        return fail(err, errlen, "--hostname: '%s' is not a valid host name "
                    "(letters, digits and '-', labels of at most 63)",
                    shown(hostname, show, sizeof(show)));
    }
    if (dot && domain[0]) {
        return fail(err, errlen, "--hostname: '%s' already names a domain; --domain is '%s'",
                    shown(hostname, show, sizeof(show)), domain);
    }
    if (!valid_domain(domain)) {
        return fail(err, errlen, "--domain: '%s' is not a valid domain name",
                    shown(domain, show, sizeof(show)));
    }
    memcpy(v->host, hostname, hlen);
    v->host[hlen] = '\0';
    snprintf(v->domain, sizeof(v->domain), "%s", dot ? dot + 1 : domain);

    v->user = cfg->user ? cfg->user : "debian";
    if (strlen(v->user) > USER_NAME_MAX || !only_chars(v->user, 1, "abcdefghijklmnopqrstuvwxyz") ||
        !only_chars(v->user, strlen(v->user), "abcdefghijklmnopqrstuvwxyz0123456789-_")) {
        return fail(err, errlen, "--user: '%s' is not a valid user name (a lowercase letter, "
                    "then lowercase letters, digits, '-' or '_'; at most 32)",
                    shown(v->user, show, sizeof(show)));
    }
    if (is_reserved_user(v->user)) {
        return fail(err, errlen, "--user: '%s' is a system account name; choose another",
                    v->user);
    }

    v->password = cfg->password;
    v->ssh_key = cfg->ssh_key && cfg->ssh_key[0] ? cfg->ssh_key : NULL;
    if (v->password && !v->password[0]) {
        return fail(err, errlen, "--password-file: the password is empty");
    }
    if (!v->password && !v->ssh_key) {
        return fail(err, errlen, "--password-file or --ssh-key: the user needs a password "
                    "or an SSH key to log in");
    }
    if (v->ssh_key) {
        int r = check_ssh_key(v->ssh_key, err, errlen);
        if (r < 0) {
            return r;
        }
    }

    v->packages = cfg->packages ? cfg->packages : "";
    int r = check_packages(v->packages, err, errlen);
    if (r < 0) {
        return r;
    }

    v->locale = cfg->locale ? cfg->locale : "en_US.UTF-8";
    v->keymap = cfg->keymap ? cfg->keymap : "us";
    v->timezone = cfg->timezone ? cfg->timezone : "UTC";
    if (!only_chars(v->locale, strlen(v->locale), ALNUM "_.@-")) {
        return fail(err, errlen, "--locale: '%s' is not a locale name (like en_US.UTF-8)",
                    shown(v->locale, show, sizeof(show)));
    }
    if (!only_chars(v->keymap, strlen(v->keymap), ALNUM "_-()")) {
        return fail(err, errlen, "--keymap: '%s' is not a keyboard layout (like us, de)",
                    shown(v->keymap, show, sizeof(show)));
    }
    if (!only_chars(v->timezone, strlen(v->timezone), ALNUM "_/+-") ||
        v->timezone[0] == '/' || strstr(v->timezone, "..")) {
        return fail(err, errlen, "--timezone: '%s' is not a time zone (like UTC, Europe/Paris)",
                    shown(v->timezone, show, sizeof(show)));
    }
    return 0;
}

int preseed_check(const PreseedConfig *cfg, char *err, size_t errlen)
{
    PreseedValues v;

    return preseed_resolve(cfg, &v, err, errlen);
}

/*
 * SHA-512 crypt ("$6$", crypt(5)) of `password` with a 128-bit salt from
 * getrandom().  Returns a malloc'd hash or NULL with err set.
 */
static char *preseed_crypt(const char *password, char *err, size_t errlen)
{
    uint8_t rnd[SALT_BYTES];
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    char *hash = NULL;
    size_t got = 0;

    while (got < sizeof(rnd)) {
        ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(err, errlen, "--password-file: getrandom: %s", strerror(errno));
            return NULL;
        }
        got += (size_t)n;
    }
    if (!crypt_gensalt_rn("$6$", 0, (const char *)rnd, sizeof(rnd), setting, sizeof(setting))) {
        fail(err, errlen, "--password-file: crypt_gensalt: %s", strerror(errno));
        return NULL;
    }
    cd = calloc(1, sizeof(*cd));
    if (!cd) {
        fail(err, errlen, "--password-file: %s", strerror(ENOMEM));
        return NULL;
    }
    const char *h = crypt_rn(password, setting, cd, sizeof(*cd));
    if (!h || h[0] != '$') {
        fail(err, errlen, "--password-file: crypt: %s", strerror(errno ? errno : EINVAL));
    } else if (!(hash = strdup(h))) {
        fail(err, errlen, "--password-file: %s", strerror(ENOMEM));
    }
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return hash;
}

/* A growing string; `oom` sticks once an allocation failed. */
typedef struct Text {
    char *p;
    size_t len, cap;
    bool oom;
} Text;

static void text_add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(Text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->oom) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = true;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* One selection line; an empty value leaves the line at its type (appendix B.3). */
static void sel(Text *t, const char *owner, const char *q, const char *type, const char *val)
{
    text_add(t, "%s %s %s%s%s\n", owner, q, type, val[0] ? " " : "", val);
}

/*
 * Runs at preseed time, before partman and the boot loader step: when the
 * kernel was not started by UEFI firmware, make /sys/firmware/efi/efivars
 * exist (a tmpfs over /sys/firmware, the real entries bound back), so
 * archdetect says <arch>/efi, partman-auto uses the ESP recipes and
 * grub-installer installs grub-efi (with --no-nvram, there being no
 * variables to write).  Nothing happens on a real EFI boot.
 */
static const char early_command[] =
    "if [ ! -d /sys/firmware/efi ]; then"
    " mkdir -p /tmp/vm-firmware"
    " && mount -o bind /sys/firmware /tmp/vm-firmware"
    " && mount -t tmpfs -o mode=0755 vm-efi /sys/firmware"
    " && for f in /tmp/vm-firmware/*; do"
    " [ -e \"$f\" ] || continue;"
    " mkdir -p \"/sys/firmware/${f##*/}\";"
    " mount -o bind \"$f\" \"/sys/firmware/${f##*/}\" || true;"
    " done"
    " && mkdir -p /sys/firmware/efi/efivars;"
    " fi";

char *preseed_generate(const PreseedConfig *cfg, char *err, size_t errlen)
{
    PreseedValues v;
    Text t = { 0 };
    char *hash = NULL;
    size_t len;

    if (preseed_resolve(cfg, &v, err, errlen) < 0) {
        return NULL;
    }
    if (v.password && !(hash = preseed_crypt(v.password, err, errlen))) {
        return NULL;
    }

    text_add(&t, "#_preseed_V1\n"
             "# Debian %s, installed unattended by vm-cli install-debian.\n"
             "# debian-installer reads this file from the initrd as /preseed.cfg.\n", v.suite);

    text_add(&t, "\n### Localization\n");
    sel(&t, "d-i", "debian-installer/locale", "string", v.locale);
    sel(&t, "d-i", "keyboard-configuration/xkb-keymap", "select", v.keymap);

    text_add(&t, "\n### Network: DHCP on the first interface with a link; "
             "our host name wins over DHCP's\n");
    sel(&t, "d-i", "netcfg/enable", "boolean", "true");
    sel(&t, "d-i", "netcfg/choose_interface", "select", "auto");
    sel(&t, "d-i", "netcfg/disable_autoconfig", "boolean", "false");
    sel(&t, "d-i", "netcfg/get_hostname", "string", v.host);
    sel(&t, "d-i", "netcfg/get_domain", "string", v.domain);
    sel(&t, "d-i", "netcfg/hostname", "string", v.host);
    sel(&t, "d-i", "hw-detect/load_firmware", "boolean", "false");

    text_add(&t, "\n### Mirror\n");
    sel(&t, "d-i", "mirror/country", "string", "manual");
    sel(&t, "d-i", "mirror/protocol", "string", "http");
    sel(&t, "d-i", "mirror/http/hostname", "string", v.mirror_host);
    sel(&t, "d-i", "mirror/http/directory", "string", v.mirror_dir);
    sel(&t, "d-i", "mirror/http/proxy", "string", v.mirror_proxy);
    sel(&t, "d-i", "mirror/suite", "string", v.suite);

    text_add(&t, "\n### Clock: UTC, no NTP (the guest network may not reach a server)\n");
    sel(&t, "d-i", "clock-setup/utc", "boolean", "true");
    sel(&t, "d-i", "time/zone", "string", v.timezone);
    sel(&t, "d-i", "clock-setup/ntp", "boolean", "false");

    text_add(&t, "\n### Accounts: root locked, the user gets sudo\n");
    sel(&t, "d-i", "passwd/root-login", "boolean", "false");
    sel(&t, "d-i", "passwd/make-user", "boolean", "true");
    sel(&t, "d-i", "passwd/user-fullname", "string", v.user);
    sel(&t, "d-i", "passwd/username", "string", v.user);
    if (hash) {
        sel(&t, "d-i", "passwd/user-password-crypted", "password", hash);
    } else {
        text_add(&t, "# No password: \"!\" locks it (user-setup-apply runs usermod --password=!);"
                 "\n# the SSH key logs in, and sudo needs no password (late_command).\n");
        sel(&t, "d-i", "passwd/user-password-crypted", "password", "!");
    }

    text_add(&t, "\n### Partitioning: the whole first (only) disk, GPT, guided \"atomic\"\n"
             "# (on EFI: ESP, /boot, /, swap; a disk under ~10 GB falls back to the first\n"
             "# recipe that fits, small_disk)\n");
    sel(&t, "d-i", "partman-auto/disk", "string", "/dev/vda");
    sel(&t, "d-i", "partman-auto/method", "string", "regular");
    sel(&t, "d-i", "partman-auto/choose_recipe", "select", "atomic");
    sel(&t, "d-i", "partman-partitioning/choose_label", "select", "gpt");
    sel(&t, "d-i", "partman-partitioning/default_label", "string", "gpt");
    sel(&t, "d-i", "partman-efi/non_efi_system", "boolean", "true");
    sel(&t, "d-i", "partman-lvm/device_remove_lvm", "boolean", "true");
    sel(&t, "d-i", "partman-md/device_remove_md", "boolean", "true");
    sel(&t, "d-i", "partman-lvm/confirm", "boolean", "true");
    sel(&t, "d-i", "partman-lvm/confirm_nooverwrite", "boolean", "true");
    sel(&t, "d-i", "partman-md/confirm", "boolean", "true");
    sel(&t, "d-i", "partman-partitioning/confirm_write_new_label", "boolean", "true");
    sel(&t, "d-i", "partman/choose_partition", "select", "finish");
    sel(&t, "d-i", "partman/confirm", "boolean", "true");
    sel(&t, "d-i", "partman/confirm_nooverwrite", "boolean", "true");

    text_add(&t, "\n### Apt: main only; \"updates\" comes from the same mirror, \"security\" is\n"
             "# off (a separate archive, /debian-security, that a local mirror may lack)\n");
    sel(&t, "d-i", "apt-setup/non-free-firmware", "boolean", "false");
    sel(&t, "d-i", "apt-setup/non-free", "boolean", "false");
    sel(&t, "d-i", "apt-setup/contrib", "boolean", "false");
    sel(&t, "d-i", "apt-setup/services-select", "multiselect", "updates");
    sel(&t, "d-i", "apt-setup/enable-source-repositories", "boolean", "false");

    text_add(&t, "\n### Packages\n");
    sel(&t, "tasksel", "tasksel/first", "multiselect", "standard, ssh-server");
    text_add(&t, "d-i pkgsel/include string openssh-server");
    for (const char *list = v.packages, *w; next_word(&list, &w, &len);) {
        text_add(&t, " %.*s", (int)len, w);
    }
    text_add(&t, "\n");
    sel(&t, "d-i", "pkgsel/upgrade", "select", "none");
    sel(&t, "popularity-contest", "popularity-contest/participate", "boolean", "false");

    text_add(&t, "\n### Boot loader: GRUB EFI, also on the removable media path the firmware\n"
             "# finds without NVRAM entries; the installed kernel logs to the serial port\n");
    sel(&t, "d-i", "grub-installer/only_debian", "boolean", "true");
    sel(&t, "d-i", "grub-installer/with_other_os", "boolean", "true");
    sel(&t, "d-i", "grub-installer/bootdev", "string", "/dev/vda");
    sel(&t, "d-i", "grub-installer/force-efi-extra-removable", "boolean", "true");
    sel(&t, "d-i", "grub-installer/update-nvram", "boolean", "false");
    sel(&t, "d-i", "debian-installer/add-kernel-opts", "string", "console=ttyS0");

    text_add(&t, "\n### Early: make d-i see an EFI system when the kernel was started directly\n");
    sel(&t, "d-i", "preseed/early_command", "string", early_command);

    text_add(&t, "\n### Late: check the EFI loader is in place, install the SSH key\n");
    text_add(&t, "d-i preseed/late_command string t=/target && u=%s"
             " && ls \"$t/boot/efi/EFI/BOOT/\" | grep -qi '^boot.*[.]efi$'", v.user);
    if (v.ssh_key) {
        text_add(&t, " && mkdir -p \"$t/home/$u/.ssh\""
                 " && echo '%s' > \"$t/home/$u/.ssh/authorized_keys\""
                 " && chmod 700 \"$t/home/$u/.ssh\""
                 " && chmod 600 \"$t/home/$u/.ssh/authorized_keys\""
                 " && in-target chown -R \"$u:$u\" \"/home/$u/.ssh\"", v.ssh_key);
    }
    if (!hash) {
        text_add(&t, " && mkdir -p \"$t/etc/sudoers.d\""
                 " && echo \"$u ALL=(ALL) NOPASSWD:ALL\" > \"$t/etc/sudoers.d/90-vm-$u\""
                 " && chmod 440 \"$t/etc/sudoers.d/90-vm-$u\"");
    }
    text_add(&t, "\n");

    text_add(&t, "\n### Finish: no last message, power off so the VM exits\n");
    sel(&t, "d-i", "finish-install/reboot_in_progress", "note", "");
    sel(&t, "d-i", "debian-installer/exit/poweroff", "boolean", "true");

    if (hash) {
        explicit_bzero(hash, strlen(hash));
        free(hash);
    }
    if (t.oom) {
        free(t.p);
        fail(err, errlen, "preseed: %s", strerror(ENOMEM));
        return NULL;
    }
    return t.p;
}
