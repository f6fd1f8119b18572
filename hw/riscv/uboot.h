/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware boot of the riscv `virt` board: U-Boot (Debian's u-boot-qemu,
 * qemu-riscv64_smode build) as OpenSBI's S-mode payload when no --kernel
 * is given, as QEMU's `-bios fw_dynamic.bin -kernel u-boot.bin`.
 */
#ifndef VM_HW_RISCV_UBOOT_H
#define VM_HW_RISCV_UBOOT_H

#include "hw/core/machine.h"

/*
 * The U-Boot image to run: $VM_UBOOT_SMODE, else trixie's u-boot-qemu as
 * scripts/fetch-guest-images.sh caches it, else the host's u-boot-qemu.
 * Ends the process (exit 2) with a message naming the places looked in
 * when none is readable.  Returns the environment's string, a constant,
 * or `buf` (`len` bytes, for the cache path).
 */
const char *uboot_find_smode(char *buf, size_t len);

/*
 * Add U-Boot's /config node (U-Boot doc/develop/devicetree/control.rst,
 * "The /config node") to m's device tree: the boot delay (longer with
 * --boot menu=on) and a boot command that runs U-Boot's own distro boot
 * and, when every boot target has failed, says so and ends the machine
 * through the sifive_test finisher with status 1.  With a framebuffer
 * (--display sdl, --device ramfb) the command first takes the UART out
 * of the OS's /chosen/stdout-path, so the OS's console is the screen.
 */
void uboot_fdt_config(Machine *m);

#endif /* VM_HW_RISCV_UBOOT_H */
