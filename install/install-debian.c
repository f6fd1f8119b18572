/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vm-cli install-debian`: from nothing to an installed Debian.  Fetches
 * Debian's netboot installer (checked against the archive's signed
 * InRelease), appends a generated preseed to its initrd, creates the qcow2
 * disk as NAME.partial, runs the installer unattended in a child vm-cli
 * (serial console on a pipe: saved to NAME.install.log and read for the
 * progress line), and when the installer powers off boots the disk once
 * through the firmware chain (OpenSBI, U-Boot, GRUB) to see `login:`.
 * Only then is NAME.partial renamed to NAME, so a disk under its final
 * name is always an installed one.  Bad input: one line, exit status 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "block/block.h"
#include "install/install.h"
#include "util/error.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
/* d-i's own unattended mode: questions below critical take the preseed or defaults */
#define INSTALLER_APPEND "auto=true priority=critical console=ttyS0"
#define MIN_FREE_BYTES (3ull << 30)       /* a base install with ssh needs ~2 GiB */
#define ERROR_DIALOG_GRACE_S 30           /* an error dialog this old ends the run */
#define SILENCE_LIMIT_S (60 * 60)         /* no console output this long: hung */
#define LOGIN_LIMIT_S (30 * 60)           /* the check boot's limit to `login:` */

typedef struct InstallOptions {
    const char *arch, *disk, *mirror, *suite, *keyring;
    const char *hostname, *user, *password_file, *ssh_key_file, *packages;
    uint64_t size, memory;
    unsigned smp;
    bool force;
    bool prepare_only;            /* stop once the preseeded initrd is written */
} InstallOptions;

/* Process-wide because the signal handler sets it. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: vm-cli install-debian [options]\n"
        "  --arch riscv64            guest architecture (default riscv64)\n"
        "  --disk FILE               the qcow2 disk to create (default debian.qcow2)\n"
        "  --size SIZE               its size (default 12G)\n"
        "  --force                   overwrite an existing --disk\n"
        "  --memory SIZE, --smp N    the guest's RAM (default 2G) and harts (default 1)\n"
        "  --mirror URL              http:// Debian mirror (default: the one apt uses)\n"
        "  --suite NAME              Debian release (default trixie)\n"
        "  --hostname NAME           (default debian)\n"
        "  --user NAME               the user account (default debian)\n"
        "  --password-file FILE      its password (first line); without this or\n"
        "                            --ssh-key, asked on the terminal\n"
        "  --ssh-key FILE            the user's authorized_keys line (e.g. ~/.ssh/id_ed25519.pub)\n"
        "  --packages \"A B\"          more packages to install (openssh-server always is)\n"
        "  --keyring FILE            OpenPGP keys the archive is signed with (default\n"
        "                            Debian's); the installer is given them too\n"
        "  --prepare-only            fetch and preseed the installer, print its kernel,\n"
        "                            initrd and command line, and stop (to run it elsewhere)\n");
}

/* ~/.cache/vm/debian (XDG_CACHE_HOME honoured). */
static void cache_dir(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    if (xdg && *xdg) {
        snprintf(out, size, "%s/vm/debian", xdg);
    } else if (home && *home) {
        snprintf(out, size, "%s/.cache/vm/debian", home);
    } else {
        error_exit("neither XDG_CACHE_HOME nor HOME is set: no place for the cache");
    }
}

/* The first URI serving the Debian archive ("…/debian") in a sources line or field. */
static bool pick_debian_uri(const char *text, char *out, size_t size)
{
    char buf[1024], *save, *tok;

    snprintf(buf, sizeof(buf), "%s", text);
    for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        size_t len = strlen(tok);

        while (len && tok[len - 1] == '/') {
            tok[--len] = '\0';
        }
        if (!strncmp(tok, "http://", 7) && len > 7 && !strcmp(tok + len - 7, "/debian")) {
            snprintf(out, size, "%s", tok);
            return true;
        }
    }
    return false;
}

/*
 * The mirror this machine's apt uses: "deb" lines of sources.list (and
 * *.list) and "URIs:" fields of deb822 *.sources, as
 * scripts/fetch-guest-images.sh finds it.
 */
static bool find_apt_mirror(char *out, size_t size)
{
    static const char *const files[] = {
        "/etc/apt/sources.list", "/etc/apt/sources.list.d/debian.sources",
    };
    char line[1024];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *f = fopen(files[i], "r");

        if (!f) {
            continue;
        }
        while (fgets(line, sizeof(line), f)) {
            const char *s = line + strspn(line, " \t");
            if ((!strncmp(s, "deb ", 4) && pick_debian_uri(s + 4, out, size)) ||
                (!strncmp(s, "URIs:", 5) && pick_debian_uri(s + 5, out, size))) {
                fclose(f);
                return true;
            }
        }
        fclose(f);
    }
    return false;
}

/*
 * Split an http:// mirror URL into the host[:port] and directory the
 * guest uses; the host's own loopback is 10.0.2.2 from inside slirp.
 */
static void guest_mirror(const char *url, char *host, size_t hsize, char *dir, size_t dsize)
{
    const char *h = url + 7, *slash = strchr(h, '/');
    size_t hlen = slash ? (size_t)(slash - h) : strlen(h);
    const char *port = memchr(h, ':', hlen);
    size_t namelen = port ? (size_t)(port - h) : hlen;

    if (strncmp(url, "http://", 7) || hlen == 0 || hlen >= hsize) {
        error_exit("--mirror: '%s' is not an http:// URL (the installer fetches over http)",
                   url);
    }
    if ((namelen == 9 && !strncmp(h, "localhost", 9)) || !strncmp(h, "127.", 4)) {
        snprintf(host, hsize, "10.0.2.2%.*s", (int)(hlen - namelen), h + namelen);
    } else {
        snprintf(host, hsize, "%.*s", (int)hlen, h);
    }
    snprintf(dir, dsize, "%s", slash && slash[1] ? slash : "/");
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) {
        dir[n - 1] = '\0';
    }
}

/* The first line of a small text file, without its newline; NULL with errno. */
static char *read_first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f) {
        return NULL;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n) {
            break;
        }
    }
    fclose(f);
    if (n <= 0) {
        free(line);
        errno = EINVAL;
        return NULL;
    }
    return line;
}

/* Read a password twice from the terminal without echo. */
static char *prompt_password(void)
{
    char *first = NULL, *second = NULL;
    size_t cap1 = 0, cap2 = 0;
    struct termios saved, quiet;
    FILE *tty = fopen("/dev/tty", "r+");

    if (!tty || tcgetattr(fileno(tty), &saved) < 0) {
        error_exit("no terminal to ask for a password: give --password-file or --ssh-key");
    }
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    fprintf(tty, "Password for the new user: ");
    fflush(tty);
    bool ok = getline(&first, &cap1, tty) > 0;
    fprintf(tty, "\nAgain: ");
    fflush(tty);
    ok = ok && getline(&second, &cap2, tty) > 0;
    fprintf(tty, "\n");
    tcsetattr(fileno(tty), TCSAFLUSH, &saved);
    fclose(tty);
    if (!ok) {
        error_exit("no password given");
    }
    first[strcspn(first, "\r\n")] = '\0';
    second[strcspn(second, "\r\n")] = '\0';
    if (strcmp(first, second)) {
        error_exit("the two passwords differ");
    }
    if (!*first) {
        error_exit("an empty password is not allowed (--ssh-key logs in without one)");
    }
    free(second);
    return first;
}

static void parse_options(int argc, char **argv, InstallOptions *o)
{
    enum {
        O_ARCH = 256, O_DISK, O_SIZE, O_FORCE, O_MEMORY, O_SMP, O_MIRROR, O_SUITE, O_HOSTNAME,
        O_USER, O_PASSWORD_FILE, O_SSH_KEY, O_PACKAGES, O_KEYRING, O_PREPARE_ONLY, O_HELP,
    };
    static const struct option opts[] = {
        { "arch", required_argument, NULL, O_ARCH },
        { "disk", required_argument, NULL, O_DISK },
        { "size", required_argument, NULL, O_SIZE },
        { "force", no_argument, NULL, O_FORCE },
        { "memory", required_argument, NULL, O_MEMORY },
        { "m", required_argument, NULL, O_MEMORY },
        { "smp", required_argument, NULL, O_SMP },
        { "mirror", required_argument, NULL, O_MIRROR },
        { "suite", required_argument, NULL, O_SUITE },
        { "hostname", required_argument, NULL, O_HOSTNAME },
        { "user", required_argument, NULL, O_USER },
        { "password-file", required_argument, NULL, O_PASSWORD_FILE },
        { "ssh-key", required_argument, NULL, O_SSH_KEY },
        { "packages", required_argument, NULL, O_PACKAGES },
        { "keyring", required_argument, NULL, O_KEYRING },
        { "prepare-only", no_argument, NULL, O_PREPARE_ONLY },
        { "help", no_argument, NULL, O_HELP },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    char *end;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case O_ARCH:
            if (strcmp(optarg, "riscv64")) {
                error_exit("--arch: '%s' is not supported (supported: riscv64)", optarg);
            }
            o->arch = optarg;
            break;
        case O_DISK: o->disk = optarg; break;
        case O_SIZE:
            if (parse_size(optarg, 30, &o->size) < 0 || o->size < (4ull << 30)) {
                error_exit("--size: '%s' is not a size of at least 4G", optarg);
            }
            break;
        case O_FORCE: o->force = true; break;
        case O_MEMORY:
            if (parse_size(optarg, 20, &o->memory) < 0 || o->memory < (512ull << 20)) {
                error_exit("--memory: '%s' is not a size of at least 512M "
                           "(the installer needs it)", optarg);
            }
            break;
        case O_SMP:
            errno = 0;
            o->smp = strtoul(optarg, &end, 10);
            if (errno || *end || o->smp < 1 || o->smp > 8) {
                error_exit("--smp: '%s' is not a hart count from 1 to 8", optarg);
            }
            break;
        case O_MIRROR: o->mirror = optarg; break;
        case O_SUITE: o->suite = optarg; break;
        case O_HOSTNAME: o->hostname = optarg; break;
        case O_USER: o->user = optarg; break;
        case O_PASSWORD_FILE: o->password_file = optarg; break;
        case O_SSH_KEY: o->ssh_key_file = optarg; break;
        case O_PACKAGES: o->packages = optarg; break;
        case O_KEYRING: o->keyring = optarg; break;
        case O_PREPARE_ONLY: o->prepare_only = true; break;
        case O_HELP:
            usage(stdout);
            exit(0);
        case ':':
            error_exit("%s: missing value", argv[optind - 1]);
        default:
            error_exit("%s: unknown option (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        error_exit("'%s': unexpected argument (see --help)", argv[optind]);
    }
}

/* --disk: absent (or --force), in a writable directory with room for an install. */
static void check_disk(const InstallOptions *o, const char *partial)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(o->disk, '/');
    struct statvfs vfs;
    struct stat st;

    if (!o->force && stat(o->disk, &st) == 0) {
        error_exit("--disk: %s exists; --force replaces it", o->disk);
    }
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - o->disk) + 1 : 1,
             slash ? o->disk : ".");
    if (access(dir, W_OK) < 0) {
        error_exit("--disk: cannot write in %s: %s", dir, strerror(errno));
    }
    if (statvfs(dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < MIN_FREE_BYTES) {
        error_exit("--disk: %s has %llu MiB free; an install needs about %llu MiB", dir,
                   (unsigned long long)((uint64_t)vfs.f_bavail * vfs.f_frsize >> 20),
                   MIN_FREE_BYTES >> 20);
    }
    if (stat(partial, &st) == 0 && unlink(partial) < 0) {
        error_exit("--disk: cannot remove the leftover %s: %s", partial, strerror(errno));
    }
}

/* A child vm-cli with its console (stdout and stderr) on a pipe; stdin /dev/null. */
typedef struct Child {
    pid_t pid;
    int out;                      /* read end of the console pipe */
} Child;

static Child start_vm(char *const argv[])
{
    int pipefd[2];
    Child c = { -1, -1 };
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
        error_exit("cannot start the guest: %s", strerror(errno));
    }
    self[n] = '\0';
    c.pid = fork();
    if (c.pid < 0) {
        error_exit("cannot start the guest: %s", strerror(errno));
    }
    if (c.pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        setpgid(0, 0); /* the terminal's Ctrl-C reaches us, and we stop the child */
        dup2(null, STDIN_FILENO);
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        execv(self, argv);
        _exit(127);
    }
    close(pipefd[1]);
    c.out = pipefd[0];
    return c;
}

static int stop_vm(Child *c)
{
    int status = 0;

    if (c->pid > 0) {
        kill(c->pid, SIGTERM);
        for (int i = 0; i < 50 && waitpid(c->pid, &status, WNOHANG) == 0; i++) {
            usleep(100000);
        }
        if (waitpid(c->pid, &status, WNOHANG) == 0) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
        }
        c->pid = -1;
    }
    if (c->out >= 0) {
        close(c->out);
        c->out = -1;
    }
    return status;
}

/* Files to remove when the run ends early (interrupt or failure). */
static const char *cleanup_files[4];

static NORETURN void fail(Child *c, int status, const char *fmt, ...)
{
    va_list ap;

    stop_vm(c);
    for (size_t i = 0; i < sizeof(cleanup_files) / sizeof(cleanup_files[0]); i++) {
        if (cleanup_files[i]) {
            unlink(cleanup_files[i]);
        }
    }
    fputs(isatty(STDERR_FILENO) ? "\r\033[K" : "", stderr);
    fputs("vm-cli install-debian: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/*
 * The progress line: redrawn in place on a terminal; into a log, a line
 * when the step or its text changes or the figure moves by 10 points.
 */
typedef struct ShownProgress {
    char text[2 * PROGRESS_COLS + 2];  /* "step: detail" as last written to the log */
    int percent;
} ShownProgress;

static void show_progress(const InstallProgress *p, ShownProgress *last)
{
    char bar[21], now[sizeof(last->text)];
    int pct = p->percent < 0 ? 0 : p->percent;

    if (!isatty(STDERR_FILENO)) {
        snprintf(now, sizeof(now), "%s%s%s", p->step, p->detail[0] ? ": " : "", p->detail);
        if (strcmp(now, last->text) || pct >= last->percent + 10 || pct < last->percent) {
            fprintf(stderr, "install-debian: [%3d%%] %s\n", pct, now);
            memcpy(last->text, now, sizeof(now));
            last->percent = pct;
        }
        return;
    }
    for (int i = 0; i < 20; i++) {
        bar[i] = i < pct / 5 ? '#' : '-';
    }
    bar[20] = '\0';
    fprintf(stderr, "\r\033[K[%s] %3d%% %.40s%s%.30s", bar, pct, p->step,
            p->detail[0] ? ": " : "", p->detail);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run the installer to its power-off, saving the console to `log` and
 * following its progress.  Returns only on a clean power-off.
 */
static void run_installer(char *const argv[], FILE *log, const char *log_path)
{
    Child c = start_vm(argv);
    InstallProgress p;
    ShownProgress shown = { "", -100 };
    double last_output = now_s(), error_since = 0;
    bool finishing = false;
    char buf[4096];
    int status;

    progress_init(&p);
    for (;;) {
        struct pollfd pfd = { c.out, POLLIN, 0 };
        int r = poll(&pfd, 1, 250);
        ssize_t n;

        if (interrupted) {
            fail(&c, 130, "interrupted: the unfinished disk is removed");
        }
        if (r > 0) {
            n = read(c.out, buf, sizeof(buf));
            if (n <= 0) {
                break; /* the child closed its console: it has exited */
            }
            fwrite(buf, 1, n, log);
            progress_feed(&p, buf, n);
            last_output = now_s();
        }
        /* Report a change once the console pauses, i.e. the dialog is drawn whole. */
        if (p.changed && r == 0) {
            p.changed = false;
            show_progress(&p, &shown);
            finishing |= !strcmp(p.step, "Finishing the installation");
            error_since = p.error ? now_s() : 0;
        }
        if (error_since && now_s() - error_since > ERROR_DIALOG_GRACE_S) {
            fail(&c, 1, "the installer stopped at \"%s\": %s (full console in %s)",
                 p.step, p.detail, log_path);
        }
        if (now_s() - last_output > SILENCE_LIMIT_S) {
            fail(&c, 1, "the installer printed nothing for %d minutes; stopped it",
                 SILENCE_LIMIT_S / 60);
        }
    }
    waitpid(c.pid, &status, 0);
    c.pid = -1;
    close(c.out);
    c.out = -1;
    fflush(log);
    if (isatty(STDERR_FILENO)) {
        fputs("\r\033[K", stderr);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail(&c, 1, "the installer's machine ended with %s %d (see the log)",
             WIFEXITED(status) ? "status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
    if (!finishing) {
        fail(&c, 1, "the installer powered off before \"Finishing the installation\" "
             "(last step: \"%s\"; see the log)", p.step);
    }
}

/* Boot the installed disk through the firmware chain until `login:`. */
static double check_boot(char *const argv[], FILE *log)
{
    Child c = start_vm(argv);
    double start = now_s();
    char buf[4096], tail[16] = "";

    for (;;) {
        struct pollfd pfd = { c.out, POLLIN, 0 };
        int r = poll(&pfd, 1, 1000);
        ssize_t n;

        if (interrupted) {
            fail(&c, 130, "interrupted: the unfinished disk is removed");
        }
        if (now_s() - start > LOGIN_LIMIT_S) {
            fail(&c, 1, "the installed system did not reach login: in %d minutes (see the log)",
                 LOGIN_LIMIT_S / 60);
        }
        if (r <= 0) {
            continue;
        }
        n = read(c.out, buf, sizeof(buf));
        if (n <= 0) {
            fail(&c, 1, "the installed system stopped before login: (see the log)");
        }
        fwrite(buf, 1, n, log);
        /* "login:" may straddle two reads: search the last bytes of the previous one too */
        char joined[sizeof(tail) + sizeof(buf)];
        size_t tl = strlen(tail);
        memcpy(joined, tail, tl);
        memcpy(joined + tl, buf, n);
        if (memmem(joined, tl + n, "login:", 6)) {
            break;
        }
        size_t keep = tl + n < 8 ? tl + n : 8;
        memcpy(tail, joined + tl + n - keep, keep);
        tail[keep] = '\0';
    }
    stop_vm(&c);
    fflush(log);
    return now_s() - start;
}

static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        error_exit("out of memory");
    }
    va_end(ap);
    return s;
}

int install_debian_main(int argc, char **argv)
{
    InstallOptions o = {
        .arch = "riscv64", .disk = "debian.qcow2", .suite = "trixie",
        .keyring = DEBIAN_KEYRING,
        .hostname = "debian", .user = "debian",
        .size = 12ull << 30, .memory = 2ull << 30, .smp = 1,
    };
    char mirror[1024], cache[PATH_MAX], host[256], dir[512], err[1024], *partial, *log_path;
    char *password = NULL, *ssh_key = NULL, *preseed, *initrd;
    PreseedConfig pc;
    InstallerImages img;
    FILE *log;
    double t0 = now_s(), t_install, t_boot;
    size_t len;

    error_set_progname("vm-cli install-debian");
    parse_options(argc, argv, &o);
    bool keyring_given = strcmp(o.keyring, DEBIAN_KEYRING);
    if (o.mirror) {
        snprintf(mirror, sizeof(mirror), "%s", o.mirror);
    } else if (!find_apt_mirror(mirror, sizeof(mirror))) {
        error_exit("--mirror: none given and no http:// Debian mirror in /etc/apt/sources.list*");
    }
    guest_mirror(mirror, host, sizeof(host), dir, sizeof(dir));
    if (o.password_file && !(password = read_first_line(o.password_file))) {
        error_exit("--password-file: %s: %s", o.password_file,
                   errno == EINVAL ? "no password in it" : strerror(errno));
    }
    if (o.ssh_key_file && !(ssh_key = read_first_line(o.ssh_key_file))) {
        error_exit("--ssh-key: %s: %s", o.ssh_key_file,
                   errno == EINVAL ? "no key in it" : strerror(errno));
    }
    pc = (PreseedConfig){
        .mirror_host = host, .mirror_dir = dir, .suite = o.suite, .hostname = o.hostname,
        .user = o.user, .password = password, .ssh_key = ssh_key, .packages = o.packages,
    };
    if (!password && !ssh_key) {
        pc.password = "x"; /* check the rest before asking */
        if (preseed_check(&pc, err, sizeof(err)) < 0) {
            error_exit("%s", err);
        }
        pc.password = password = prompt_password();
    }
    if (preseed_check(&pc, err, sizeof(err)) < 0) {
        error_exit("%s", err);
    }
    len = strlen(o.disk);
    partial = xasprintf("%s.partial", o.disk);
    log_path = xasprintf("%.*s.install.log",
                         (int)(len > 6 && !strcmp(o.disk + len - 6, ".qcow2") ? len - 6 : len),
                         o.disk);
    if (!o.prepare_only) {
        check_disk(&o, partial);
    }

    /* The installer, checked against the signed archive; the mirror as the guest needs it. */
    cache_dir(cache, sizeof(cache));
    fprintf(stderr, "install-debian: fetching Debian %s's installer for %s from %s\n",
            o.suite, o.arch, mirror);
    if (archive_fetch_installer(mirror, o.suite, o.arch, cache, o.keyring, &img,
                                err, sizeof(err)) < 0) {
        error_exit("%s", err);
    }
    if (archive_check_installer_mirror(mirror, o.suite, o.arch, cache, o.keyring,
                                       err, sizeof(err)) < 0) {
        error_exit("%s", err);
    }

    /* The preseed rides in the initrd: d-i reads /preseed.cfg at start. */
    if (!(preseed = preseed_generate(&pc, err, sizeof(err)))) {
        error_exit("%s", err);
    }
    /*
     * A --keyring of the user's (a private mirror's key) replaces the
     * installer's own, which its gpgv and debootstrap check the archive with.
     */
    CpioFile files[2] = { { "preseed.cfg", preseed, strlen(preseed) } };
    gchar *keys = NULL;
    gsize keys_len = 0;
    if (keyring_given) {
        GError *gerr = NULL;
        if (!g_file_get_contents(o.keyring, &keys, &keys_len, &gerr)) {
            error_exit("--keyring: %s", gerr->message);
        }
        files[1] = (CpioFile){ "usr/share/keyrings/archive.gpg", keys, keys_len };
    }
    initrd = o.prepare_only ? xasprintf("%s/initrd-preseeded.gz", cache)
                            : xasprintf("%s/initrd-preseed-%d.gz", cache, (int)getpid());
    if (cpio_append_files(img.initrd, initrd, files, keyring_given ? 2 : 1,
                          err, sizeof(err)) < 0) {
        error_exit("%s", err);
    }
    g_free(keys);
    if (o.prepare_only) {
        printf("kernel %s\ninitrd %s\nappend %s\n", img.kernel, initrd, INSTALLER_APPEND);
        return 0;
    }
    cleanup_files[0] = initrd;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    if (bdrv_create("qcow2", partial, o.size, &(BlockCreateOpts){ 0 }, err, sizeof(err)) < 0) {
        Child none = { -1, -1 };
        fail(&none, 2, "--disk: %s: %s", partial, err);
    }
    cleanup_files[1] = partial;
    if (!(log = fopen(log_path, "w"))) {
        Child none = { -1, -1 };
        fail(&none, 2, "cannot write the log %s: %s", log_path, strerror(errno));
    }
    fprintf(stderr, "install-debian: installing into %s (console log: %s)\n", partial, log_path);

    char *mem = o.memory % (1ull << 30) ? xasprintf("%lluM", (unsigned long long)(o.memory >> 20))
                                         : xasprintf("%lluG", (unsigned long long)(o.memory >> 30));
    char *smp = xasprintf("%u", o.smp);
    char *drive = xasprintf("file=%s,format=qcow2", partial);
    char *const install_argv[] = {
        "vm-cli", "--arch", (char *)o.arch, "--kernel", img.kernel, "--initrd", initrd,
        "--append", INSTALLER_APPEND, "--memory", mem,
        "--smp", smp, "--drive", drive, "--netdev", "user", "--display", "none",
        "--serial", "stdio", NULL,
    };
    run_installer(install_argv, log, log_path);
    unlink(initrd);
    cleanup_files[0] = NULL;
    t_install = now_s() - t0;
    fprintf(stderr, "install-debian: installed in %.0f s; booting it once to check it\n",
            t_install);

    /* The check boot: firmware chain, the disk under a throwaway overlay. */
    fprintf(log, "\n===== vm-cli install-debian: check boot =====\n");
    char *const boot_argv[] = {
        "vm-cli", "--arch", (char *)o.arch, "--memory", mem, "--smp", smp, "--drive", drive,
        "--snapshot", "--netdev", "user", "--display", "none", "--serial", "stdio", NULL,
    };
    t_boot = check_boot(boot_argv, log);
    fclose(log);
    if (rename(partial, o.disk) < 0) {
        Child none = { -1, -1 };
        fail(&none, 1, "cannot rename %s to %s: %s", partial, o.disk, strerror(errno));
    }
    fprintf(stderr, "install-debian: %s reached login: in %.0f s.  Start it with:\n",
            o.disk, t_boot);
    printf("vm-cli --arch %s --memory %s --smp %s --drive file=%s "
           "--netdev user,hostfwd=tcp::2222-:22\n", o.arch, mem, smp, o.disk);
    free(preseed);
    free(password);
    free(ssh_key);
    return 0;
}
