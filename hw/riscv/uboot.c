/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware boot of the riscv `virt` board (see uboot.h): where U-Boot's
 * S-mode image is found, and the /config node through which the board
 * sets U-Boot's boot delay and boot command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hw/riscv/uboot.h"
#include "hw/riscv/virt.h"
#include "hw/core/fdt.h"
#include "util/error.h"

/* Where the u-boot-qemu package keeps the image (Debian, any release). */
#define UBOOT_SMODE_PKG_PATH "usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"

const char *uboot_find_smode(char *cached, size_t len)
{
    const char *env = getenv("VM_UBOOT_SMODE");
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    if (env && *env) {
        if (access(env, R_OK) < 0) {
            error_exit("U-Boot: VM_UBOOT_SMODE=%s: %s", env, strerror(errno));
        }
        return env;
    }
    if (xdg && *xdg) {
        snprintf(cached, len, "%s/vm/trixie/u-boot-qemu/" UBOOT_SMODE_PKG_PATH, xdg);
    } else {
        snprintf(cached, len, "%s/.cache/vm/trixie/u-boot-qemu/" UBOOT_SMODE_PKG_PATH,
                 home ? home : "");
    }
    if (access(cached, R_OK) == 0) {
        return cached;
    }
    if (access("/" UBOOT_SMODE_PKG_PATH, R_OK) == 0) {
        return "/" UBOOT_SMODE_PKG_PATH;
    }
    error_exit("no --kernel and no U-Boot to boot from disk: %s and /%s are missing "
               "(run scripts/fetch-guest-images.sh, or install Debian's 'u-boot-qemu')",
               cached, UBOOT_SMODE_PKG_PATH);
}

void uboot_fdt_config(Machine *m)
{
    char cmd[384], screen[160] = "";
    int node = fdt_add_subnode(m->fdt, 0, "config");

    /*
     * With a framebuffer, the OS's console is the screen, as on a PC: U-Boot
     * needs /chosen/stdout-path for its own serial console, but before it
     * boots anything it points the path (in place: same length, so no
     * node moves under U-Boot's feet) at a node that does not exist.  The
     * OS then prefers no serial port and Linux's console is the EFI
     * framebuffer (efifb + fbcon), where the installer's first screen
     * appears with the disc's own kernel line.
     */
    if (m->cfg->display_devices & DISPLAY_DEV_RAMFB) {
        snprintf(screen, sizeof(screen), "fdt addr ${fdtcontroladdr}; "
                 "fdt set /chosen stdout-path /soc/screen@%" PRIx64 "; ",
                 (uint64_t)VIRT_UART0_BASE);      /* "screen" and "serial": same length */
    }
    /*
     * "run distro_bootcmd" is the build's own bootcmd (Debian's
     * u-boot-qemu): each of boot_targets in turn, EFI loaders first.  It
     * only returns when every target failed; a 32-bit store of
     * (1 << 16) | 0x3333 to the sifive_test finisher then ends the run
     * with status 1 instead of leaving U-Boot's prompt waiting for input
     * no one may send.  A key during the countdown still gives the prompt.
     */
    snprintf(cmd, sizeof(cmd),
             "%srun distro_bootcmd; echo U-Boot: no boot target could be started, "
             "powering off (vm-cli exit status 1); mw.l 0x%" PRIx64 " 0x%x",
             screen, (uint64_t)VIRT_TEST_BASE, (1u << 16) | 0x3333);
    fdt_check(node, "/config");
    fdt_check(fdt_setprop_string(m->fdt, node, "bootcmd", cmd), "/config");
    if (m->cfg->boot_delay >= 0) {
        fdt_check(fdt_setprop_u32(m->fdt, node, "bootdelay", (uint32_t)m->cfg->boot_delay),
                  "/config");
    }
}
