/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Serial console backends: where a UART's output goes and where its
 * input comes from (--serial stdio | file:PATH | pty).  A console owns a
 * host fd pair; input is read when the execution loop's fdwatch says the
 * fd is readable, kept in a small buffer, and handed to one receiver (the
 * UART) only as far as the receiver has room, so a full guest FIFO never
 * loses bytes: the console stops reading the fd until the receiver takes
 * more.  The stdio backend also interprets the Ctrl-A escape keys.
 */
#ifndef VM_UI_CONSOLE_H
#define VM_UI_CONSOLE_H

#include "hw/core/machine.h"

typedef struct Console Console;

/*
 * Serial on the terminal.  When stdin is a terminal it is put in raw mode
 * (output post-processing kept, so a bare '\n' still returns the
 * carriage) and restored at exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT.
 * Stdin may also be a pipe or file; its EOF ends input.  Keys: Ctrl-A x
 * quits, Ctrl-A h prints help, Ctrl-A c switches to the monitor (when one
 * is muxed, console_set_mux), Ctrl-A Ctrl-A sends Ctrl-A.  Returns the
 * console (owned by the process), never NULL.
 */
Console *console_open_stdio(Machine *m);

/* The stdio console once opened (there is one terminal per process), else NULL. */
Console *console_stdio(void);

/*
 * Mux a monitor onto a stdio console, as QEMU's mux chardev does: Ctrl-A c
 * switches the keyboard between the serial receiver and the monitor and
 * calls focus(opaque, true) when the monitor gets it, focus(opaque, false)
 * when the serial gets it back.  While the monitor has focus every input
 * byte except the Ctrl-A keys goes to input(); guest output keeps flowing
 * to the terminal.
 */
void console_set_mux(Console *c, void (*focus)(void *opaque, bool monitor),
                     void (*input)(void *opaque, const uint8_t *buf, size_t len), void *opaque);

/*
 * Output-only serial into the file at `path` (created or truncated).
 * Returns NULL with errno set when it cannot be opened.
 */
Console *console_open_file(Machine *m, const char *path);

/*
 * Serial on a new pseudo-terminal in raw mode; prints
 * "vm-cli: serial on /dev/pts/N" on stderr.  Output written while no one
 * has the pty open is dropped once the pty's buffer is full, so an
 * unattended pty never stalls the guest.  Returns NULL with errno set on
 * failure.
 */
Console *console_open_pty(Machine *m);

/*
 * A console over caller-supplied fds (either may be -1 for none), for
 * tests and embedders.  The console does not change their modes; it
 * closes neither.
 */
Console *console_open_fds(Machine *m, int in_fd, int out_fd);

/*
 * Send `len` bytes of guest output.  Blocks until all are written (retrying
 * EINTR and short writes); an output error drops the rest.
 */
void console_write(Console *c, const uint8_t *buf, size_t len);

/*
 * Connect the device that takes this console's input.  can_receive
 * returns how many bytes the device accepts now (0: none); receive gets
 * at most that many.  Bytes already buffered are delivered at once as far
 * as room allows.
 */
void console_set_receiver(Console *c,
                          void (*receive)(void *opaque, const uint8_t *buf, size_t len),
                          int (*can_receive)(void *opaque), void *opaque);

/*
 * The receiver has room again (the guest read its FIFO): deliver buffered
 * bytes and resume reading the host fd.  Safe to call from inside the
 * receiver's own callbacks' callers (MMIO handlers); never blocks.
 */
void console_accept_input(Console *c);

#endif /* VM_UI_CONSOLE_H */
