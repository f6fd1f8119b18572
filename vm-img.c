/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-img: the image tool (DESIGN.md §6), in qemu-img's spelling.
 * Subcommands are being built; each is listed in the usage text.
 */
#include <stdio.h>
#include <string.h>

#include "block/block.h"
#include "util/error.h"

int main(int argc, char **argv)
{
    error_set_progname("vm-img");
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("Usage: vm-img create|info|check|convert|snapshot|resize ...\n");
        return argc < 2 ? 2 : 0;
    }
    error_exit("'%s': unknown command (see --help)", argv[1]);
}
