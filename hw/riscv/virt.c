/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V `virt` board: RAM at 0x8000_0000, the sifive_test finisher,
 * the ACLINT (CLINT layout) and an ns16550a UART at QEMU's addresses.
 * Today it runs bare-metal ELFs in M-mode (`--bios none`); firmware
 * boot, the PLIC, the device tree and Linux come with the board issue.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hw/riscv/virt.h"
#include "hw/core/devices.h"
#include "hw/core/loader.h"
#include "cpu/riscv/cpu.h"
#include "util/error.h"

static void load_kernel(Machine *m, RISCVCPU *cpu0)
{
    const MachineConfig *cfg = m->cfg;
    char err[256];
    gpa_t entry = VIRT_DRAM_BASE;

    if (loader_is_elf(cfg->kernel)) {
        gpa_t low, high;
        if (load_elf(&m->as, cfg->kernel, EM_RISCV, &entry, &low, &high, err, sizeof(err)) < 0) {
            error_exit("--kernel: %s: %s", cfg->kernel, err);
        }
    } else {
        uint64_t size;
        if (load_raw(&m->as, cfg->kernel, VIRT_DRAM_BASE, &size, err, sizeof(err)) < 0) {
            error_exit("--kernel: %s: %s", cfg->kernel, err);
        }
    }
    riscv_cpu_reset(cpu0, entry);
}

void virt_machine_init(Machine *m)
{
    const MachineConfig *cfg = m->cfg;
    IRQLine mtip[MACHINE_MAX_CPUS], msip[MACHINE_MAX_CPUS];
    Aclint *clint;

    m->ram_base = VIRT_DRAM_BASE;
    m->ram_size = cfg->ram_size;
    if (!memory_add_ram(&m->as, "ram", VIRT_DRAM_BASE, cfg->ram_size, false)) {
        error_exit("--memory: cannot allocate %" PRIu64 " MiB of guest RAM", cfg->ram_size >> 20);
    }
    for (unsigned i = 0; i < cfg->smp; i++) {
        RISCVCPU *cpu = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
        if (!cpu) {
            error_exit("out of memory for %u harts", cfg->smp);
        }
        memset(cpu, 0, sizeof(*cpu));
        riscv_cpu_init(cpu, m, i);
        m->cpus[m->nr_cpus++] = &cpu->parent;
        mtip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_TIMER };
        msip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_SOFT };
    }
    sifive_test_create(m, VIRT_TEST_BASE);
    clint = aclint_create(m, VIRT_CLINT_BASE, cfg->smp, VIRT_TIMEBASE_HZ, mtip, msip);
    ns16550a_create(m, VIRT_UART0_BASE, (IRQLine){ 0 }, stdout);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        RISCVCPU *cpu = riscv_cpu(m->cpus[i]);
        cpu->rdtime = aclint_mtime;
        cpu->rdtime_opaque = clint;
    }

    if (strcmp(cfg->bios, "none") != 0) {
        error_exit("--bios %s: firmware boot is not built yet; use --bios none with an ELF "
                   "--kernel", cfg->bios);
    }
    if (!cfg->kernel) {
        error_exit("--kernel: required with --bios none");
    }
    load_kernel(m, riscv_cpu(m->cpus[0]));
}
