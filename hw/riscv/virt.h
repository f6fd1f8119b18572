/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V `virt` board (QEMU-compatible memory map, DESIGN.md §5).
 */
#ifndef VM_HW_RISCV_VIRT_H
#define VM_HW_RISCV_VIRT_H

#include "hw/core/machine.h"

#define VIRT_TEST_BASE   0x00100000ull
#define VIRT_RTC_BASE    0x00101000ull
#define VIRT_CLINT_BASE  0x02000000ull
#define VIRT_PLIC_BASE   0x0c000000ull
#define VIRT_UART0_BASE  0x10000000ull
#define VIRT_DRAM_BASE   0x80000000ull
#define VIRT_TIMEBASE_HZ 10000000ull

/*
 * Build the board described by m->cfg into m: RAM, devices, harts, and
 * the loaded kernel/firmware.  User errors (a bad image, an option this
 * board cannot honour) end the process through error_exit().
 */
void virt_machine_init(Machine *m);

#endif /* VM_HW_RISCV_VIRT_H */
