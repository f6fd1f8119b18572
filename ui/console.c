/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Serial console backends (see console.h): stdio with raw-mode terminal
 * handling and Ctrl-A escape keys, an output-only file, and a pty.  Input
 * is read only when fdwatch reports the fd readable and only as far as
 * the buffer has room; while the buffer is full the fd is taken off the
 * watch list (FDWatch.fd = -1), so the guest's flow control reaches the
 * host fd and nothing is dropped.  Terminal modes follow POSIX termios
 * (the same settings as QEMU's stdio chardev with signal=off).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "ui/console.h"
#include "hw/core/fdwatch.h"
#include "util/error.h"

#define CONSOLE_BUF_SIZE 256 /* bytes of input held for a receiver that is full */
#define CTRL_A 0x01

struct Console {
    Machine *machine;
    int in_fd, out_fd;       /* -1: none */
    bool escapes;            /* interpret Ctrl-A keys (stdio) */
    bool drop_when_full;     /* non-blocking output: drop rather than stall (pty) */
    bool escape_pending;     /* the last input byte was Ctrl-A */
    bool in_eof;             /* input ended or failed: stop watching for good */
    bool delivering;         /* re-entry guard for console_deliver */
    bool watching;           /* `watch` is registered with the machine */
    FDWatch watch;
    uint8_t buf[CONSOLE_BUF_SIZE];
    size_t start, len;       /* buffered input: buf[start .. start + len) */
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    int (*can_receive)(void *opaque);
    void *opaque;
    /* A muxed monitor (console_set_mux) and whether it has the keyboard. */
    void (*mux_focus)(void *opaque, bool monitor);
    void (*mux_input)(void *opaque, const uint8_t *buf, size_t len);
    void *mux_opaque;
    bool mux_monitor;
};

/* The terminal state to restore; process-wide because signal handlers need it. */
static struct termios stdio_saved_termios;
static volatile sig_atomic_t stdio_termios_saved;
/* The one stdio console, for the monitor's mux. */
static Console *stdio_console;

static Console *console_new(Machine *m, int in_fd, int out_fd)
{
    Console *c = calloc(1, sizeof(*c));

    if (!c) {
        error_exit("out of memory for the serial console");
    }
    c->machine = m;
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    return c;
}

/* Watch the input fd only while there is room to read into. */
static void console_update_watch(Console *c)
{
    if (c->watching) {
        c->watch.fd = (c->in_eof || c->len == CONSOLE_BUF_SIZE) ? -1 : c->in_fd;
    }
}

/* Hand buffered input to the receiver as far as it has room. */
static void console_deliver(Console *c)
{
    if (!c->receive || c->delivering) {
        return;
    }
    c->delivering = true;
    while (c->len) {
        int room = c->can_receive(c->opaque);
        size_t n;

        if (room <= 0) {
            break;
        }
        n = (size_t)room < c->len ? (size_t)room : c->len;
        c->receive(c->opaque, c->buf + c->start, n);
        c->start += n;
        c->len -= n;
    }
    if (!c->len) {
        c->start = 0;
    }
    c->delivering = false;
    console_update_watch(c);
}

static void console_msg(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

static void console_help(void)
{
    console_msg("\n"
                "C-a h    print this help\n"
                "C-a x    exit the emulator\n"
                "C-a c    switch between the console and the monitor\n"
                "C-a C-a  send C-a\n");
}

/* One input byte through the Ctrl-A key handling; ordinary bytes are buffered. */
static void console_input_byte(Console *c, uint8_t b)
{
    if (c->escapes && c->escape_pending) {
        c->escape_pending = false;
        switch (b) {
        case 'x':
            console_msg("\nvm-cli: terminated\n");
            machine_request_shutdown(c->machine, 0);
            return;
        case 'h':
            console_help();
            return;
        case 'c':
            if (!c->mux_input) {
                console_msg("\nvm-cli: no monitor on stdio (--monitor stdio)\n");
                return;
            }
            c->mux_monitor = !c->mux_monitor;
            c->mux_focus(c->mux_opaque, c->mux_monitor);
            return;
        case CTRL_A:
            break; /* a literal Ctrl-A */
        default:
            return; /* unknown keys are swallowed, as QEMU's mux does */
        }
    } else if (c->escapes && b == CTRL_A) {
        c->escape_pending = true;
        return;
    }
    if (c->mux_monitor) {
        c->mux_input(c->mux_opaque, &b, 1);
        return;
    }
    c->buf[c->start + c->len++] = b;
}

/* fdwatch callback: read what fits, deliver it, stop watching on EOF. */
static void console_readable(void *opaque)
{
    Console *c = opaque;
    uint8_t raw[CONSOLE_BUF_SIZE];
    size_t room;
    ssize_t n;

    if (c->start) {
        memmove(c->buf, c->buf + c->start, c->len);
        c->start = 0;
    }
    room = CONSOLE_BUF_SIZE - c->len;
    if (room == 0) {
        console_update_watch(c);
        return;
    }
    /* Escape handling only shrinks the input, so `room` raw bytes always fit. */
    n = read(c->in_fd, raw, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        c->in_eof = true;
    }
    for (ssize_t i = 0; i < n; i++) {
        console_input_byte(c, raw[i]);
    }
    console_deliver(c);
    console_update_watch(c);
}

static void console_watch_input(Console *c)
{
    if (c->in_fd >= 0) {
        fdwatch_add(c->machine, &c->watch, c->in_fd, console_readable, c);
        c->watching = true;
    }
}

void console_write(Console *c, const uint8_t *buf, size_t len)
{
    while (len && c->out_fd >= 0) {
        ssize_t n = write(c->out_fd, buf, len);

        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN && !c->drop_when_full) {
            struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };
            poll(&pfd, 1, -1);
        } else {
            return; /* error, or a full pty nobody reads: drop the rest */
        }
    }
}

void console_set_receiver(Console *c,
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          int (*can_receive)(void *opaque), void *opaque)
{
    c->receive = receive;
    c->can_receive = can_receive;
    c->opaque = opaque;
    console_deliver(c);
}

Console *console_stdio(void)
{
    return stdio_console;
}

void console_set_mux(Console *c, void (*focus)(void *opaque, bool monitor),
                     void (*input)(void *opaque, const uint8_t *buf, size_t len), void *opaque)
{
    c->mux_focus = focus;
    c->mux_input = input;
    c->mux_opaque = opaque;
}

void console_accept_input(Console *c)
{
    console_deliver(c);
}

Console *console_open_fds(Machine *m, int in_fd, int out_fd)
{
    Console *c = console_new(m, in_fd, out_fd);

    console_watch_input(c);
    return c;
}

static void stdio_restore_termios(void)
{
    if (stdio_termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_termios);
    }
}

/* Restore the terminal, then die of the signal as if we had not caught it. */
static void stdio_fatal_signal(int sig)
{
    stdio_restore_termios();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stdio_catch_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa = { .sa_handler = stdio_fatal_signal };

    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        struct sigaction old;
        /* Keep a signal the user asked us to ignore (nohup) ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

/*
 * Raw input without signals (Ctrl-C goes to the guest), output
 * post-processing kept.
 */
static void termios_make_raw(struct termios *t, bool keep_opost)
{
    t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    if (keep_opost) {
        t->c_oflag |= OPOST;
    } else {
        t->c_oflag &= ~OPOST;
    }
    t->c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    t->c_cflag &= ~(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

Console *console_open_stdio(Machine *m)
{
    Console *c = console_new(m, STDIN_FILENO, STDOUT_FILENO);
    struct termios t;

    c->escapes = true;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0) {
        stdio_saved_termios = t;
        stdio_termios_saved = 1;
        atexit(stdio_restore_termios);
        stdio_catch_signals();
        termios_make_raw(&t, true);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    console_watch_input(c);
    stdio_console = c;
    return c;
}

Console *console_open_file(Machine *m, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0) {
        return NULL;
    }
    return console_new(m, -1, fd);
}

Console *console_open_pty(Machine *m)
{
    char name[64];
    struct termios t;
    int master, slave, err;
    Console *c;

    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) {
        return NULL;
    }
    if (grantpt(master) < 0 || unlockpt(master) < 0 ||
        ptsname_r(master, name, sizeof(name)) != 0 || tcgetattr(master, &t) < 0) {
        goto fail;
    }
    termios_make_raw(&t, false);
    if (tcsetattr(master, TCSANOW, &t) < 0) {
        goto fail;
    }
    /*
     * Hold the slave open ourselves: with no slave open the master reads
     * EIO/POLLHUP forever, and a user who detaches would end the input.
     */
    if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) < 0) {
        goto fail;
    }
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        goto fail;
    }
    c = console_new(m, master, master);
    c->drop_when_full = true;
    console_watch_input(c);
    fprintf(stderr, "vm-cli: serial on %s\n", name);
    return c;

fail:
    err = errno;
    close(master);
    errno = err;
    return NULL;
}
