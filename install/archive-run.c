/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper programs of the Debian archive client (gpgv, xz, dpkg-deb,
 * tar), run as POSIX posix_spawnp(3) children, never through a shell:
 * found in PATH, in the C locale (the reasons quoted to the user are
 * picked from their messages by wording), their standard fds on pipes,
 * scratch files or /dev/null, their stderr and gpgv's --status-fd output
 * (GnuPG doc/DETAILS) captured, and their failure put in one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "install/archive-int.h"

/* Stderr and status lines are short; more than this is not worth keeping. */
#define CAPTURE_MAX (64 * 1024)

int archive_path_arg(const char *path, char *buf, size_t size)
{
    return (size_t)snprintf(buf, size, "%s%s", path[0] == '/' ? "" : "./", path) >= size
           ? -ENAMETOOLONG : 0;
}

int archive_high_pipe(int fds[2])
{
    int raw[2];

    if (pipe2(raw, O_CLOEXEC) < 0) {
        return -errno;
    }
    for (int i = 0; i < 2; i++) {
        fds[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 10);
        if (fds[i] < 0) {
            int ret = -errno;
            if (i) {
                close(fds[0]);
            }
            close(raw[0]);
            close(raw[1]);
            return ret;
        }
    }
    close(raw[0]);
    close(raw[1]);
    return 0;
}

int archive_spawn(char *const argv[], const int fds[], int nfds, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int ret;
    char **envp;

    envp = g_environ_setenv(g_get_environ(), "LC_ALL", "C", TRUE);
    envp = g_environ_unsetenv(envp, "LANGUAGE");
    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < nfds; i++) {
        if (fds[i] < 0) {
            posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
        } else {
            posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        }
    }
    ret = -posix_spawnp(pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    g_strfreev(envp);
    return ret;
}

/* Reap `pid` into *wstatus; 0, or -errno (and *wstatus = -1) when waitpid fails. */
static int reap(pid_t pid, int *wstatus)
{
    while (waitpid(pid, wstatus, 0) < 0) {
        if (errno != EINTR) {
            *wstatus = -1;
            return -errno;
        }
    }
    return 0;
}

bool archive_wait_tool(pid_t pid, int *wstatus)
{
    return reap(pid, wstatus) == 0 && WIFEXITED(*wstatus) && WEXITSTATUS(*wstatus) == 0;
}

/* Append what `fd` has to *buf (up to CAPTURE_MAX); false at EOF or error. */
static bool drain_fd(int fd, GString *buf)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n <= 0) {
        return false;
    }
    if (buf->len < CAPTURE_MAX) {
        g_string_append_len(buf, chunk, MIN((size_t)n, CAPTURE_MAX - buf->len));
    }
    return true;
}

int archive_run_captured(char *const argv[], int *wstatus, GString *errtext, GString *status)
{
    int errp[2], statp[2], ret;
    pid_t pid;

    ret = archive_high_pipe(errp);
    if (ret < 0) {
        return ret;
    }
    ret = archive_high_pipe(statp);
    if (ret < 0) {
        close(errp[0]);
        close(errp[1]);
        return ret;
    }
    ret = archive_spawn(argv, (const int[]){ -1, -1, errp[1], statp[1] }, 4, &pid);
    close(errp[1]);
    close(statp[1]);
    if (ret < 0) {
        close(errp[0]);
        close(statp[0]);
        return ret;
    }

    struct pollfd pfd[2] = {
        { .fd = errp[0], .events = POLLIN },
        { .fd = statp[0], .events = POLLIN },
    };
    GString *bufs[2] = { errtext, status };
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd >= 0 && pfd[i].revents && !drain_fd(pfd[i].fd, bufs[i])) {
                close(pfd[i].fd);
                pfd[i].fd = -1;     /* poll ignores negative fds */
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        if (pfd[i].fd >= 0) {
            close(pfd[i].fd);
        }
    }
    return reap(pid, wstatus);
}

int archive_capture_fd(void)
{
    char *tmpl = g_build_filename(g_get_tmp_dir(), "vm-archive-XXXXXX", NULL);
    int fd = mkostemp(tmpl, O_CLOEXEC), ret = fd;

    if (fd < 0) {
        ret = -errno;
    } else {
        unlink(tmpl);
    }
    g_free(tmpl);
    return ret;
}

void archive_tool_failure(int cap, int wstatus, char *out, size_t outlen)
{
    char buf[1024];
    ssize_t n = cap >= 0 ? pread(cap, buf, sizeof(buf) - 1, 0) : -1;
    char *line = buf;

    buf[MAX(n, 0)] = '\0';
    while (*line == '\n') {
        line++;
    }
    line[strcspn(line, "\n")] = '\0';
    if (line[0]) {
        g_strlcpy(out, line, outlen);
    } else if (WIFEXITED(wstatus)) {
        snprintf(out, outlen, "exit status %d", WEXITSTATUS(wstatus));
    } else {
        snprintf(out, outlen, "killed by signal %d", WTERMSIG(wstatus));
    }
}

void archive_drain_pipe(int fd)
{
    char buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EINTR)) {
            return;
        }
    }
}
