/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared cmocka fixture for unit tests that need one RISC-V hart over a
 * bare address space: `m` (a zeroed Machine owning the address space) and
 * `cpu` (hart 0), with RAM_SIZE bytes of RAM at guest-physical RAM_BASE.
 * Include after cmocka.h; define RAM_SIZE (bytes) first.
 */
#ifndef VM_TESTS_UNIT_HART_FIXTURE_H
#define VM_TESTS_UNIT_HART_FIXTURE_H

#include "cpu/riscv/cpu.h"
#include "hw/core/machine.h"

#define RAM_BASE 0x80000000ull

static Machine *m;
static RISCVCPU *cpu;

/* Allocate m and cpu and map the RAM; callers add their own regions after. */
static int hart_setup(void **state)
{
    m = calloc(1, sizeof(*m));
    cpu = calloc(1, sizeof(*cpu));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    riscv_cpu_init(cpu, m, 0);
    return 0;
}

static int hart_teardown(void **state)
{
    memory_destroy(&m->as);
    free(cpu);
    free(m);
    return 0;
}

#endif
