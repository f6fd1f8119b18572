/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest side of tests/display/run.sh: print the key events of one evdev
 * device (riscv64 Linux, built static) as "EVKEY code value" lines on
 * stdout, until `count` events have been printed.
 *
 *   evread /dev/input/eventN COUNT
 */
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct input_event ev;
    int fd, left;

    if (argc != 3 || (fd = open(argv[1], O_RDONLY)) < 0) {
        fprintf(stderr, "usage: evread /dev/input/eventN COUNT\n");
        return 2;
    }
    left = atoi(argv[2]);
    printf("EVREAD-READY %s\n", argv[1]);
    fflush(stdout);
    while (left > 0 && read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
        if (ev.type == EV_KEY) {
            printf("EVKEY %u %d\n", ev.code, ev.value);
            fflush(stdout);
            left--;
        }
    }
    return 0;
}
