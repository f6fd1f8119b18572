/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared helpers for unit tests that drive one MMIO device as a guest
 * driver would: include after defining MMIO (the device's guest-physical
 * base) and declaring `static Machine *m`.
 */
#ifndef VM_TESTS_UNIT_MMIO_HELPERS_H
#define VM_TESTS_UNIT_MMIO_HELPERS_H

/* Host pointer to guest RAM at gpa (the test keeps its buffers in RAM). */
static uint8_t *ram(gpa_t gpa)
{
    return (uint8_t *)memory_host_ptr(&m->as, gpa, 1);
}

/* 32-bit register read/write at byte offset `off` into the device. */
static uint32_t rd(gpa_t off)
{
    uint64_t v;

    assert_int_equal(memory_read(&m->as, MMIO + off, 4, &v), 0);
    return (uint32_t)v;
}

static void wr(gpa_t off, uint32_t v)
{
    assert_int_equal(memory_write(&m->as, MMIO + off, 4, v), 0);
}

#endif
