/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the split virtqueue and the virtio device core
 * (hw/virtio/virtqueue.c, virtio 1.2 §2.1-§2.7): chains laid out by hand
 * in guest RAM, direct and indirect; used ring updates; notification
 * suppression with VIRTIO_F_EVENT_IDX and VIRTQ_AVAIL_F_NO_INTERRUPT; and
 * every way a driver can break the rules (addresses outside RAM, loops,
 * wrapping lengths, indices out of range), each of which must end in
 * DEVICE_NEEDS_RESET plus a configuration change interrupt and no host
 * access outside guest RAM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/virtio/virtio.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define ROM_BASE 0x20000000ull
#define MMIO_BASE 0x30000000ull
#define QSIZE 16

#define DESC_GPA (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA (RAM_BASE + 0x2000)
#define TABLE_GPA (RAM_BASE + 0x3000)
#define TABLE2_GPA (RAM_BASE + 0x4000)
#define BUF_GPA (RAM_BASE + 0x10000)

static Machine *m;
static VirtIODevice *vdev;
static VirtQueue *vq;
static VirtQueueElement *elem;
static int irq_calls;
static unsigned mmio_accesses;

static uint64_t probe_read(void *opaque, gpa_t off, unsigned size)
{
    mmio_accesses++;
    return 0;
}

static void probe_write(void *opaque, gpa_t off, uint64_t val, unsigned size)
{
    mmio_accesses++;
}

static const MemoryRegionOps probe_ops = { probe_read, probe_write };

static void handle_nothing(VirtIODevice *d, VirtQueue *q)
{
}

static const VirtIODeviceOps test_ops = {
    .device_id = 42,
    .handle_queue = handle_nothing,
};

static void count_irq(void *transport)
{
    irq_calls++;
}

static uint8_t *ram(gpa_t gpa)
{
    return (uint8_t *)memory_host_ptr(&m->as, gpa, 1);
}

static void set_desc(gpa_t table, unsigned i, gpa_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = ram(table + 16 * i);

    st_le64(d, addr);
    st_le32(d + 8, len);
    st_le16(d + 12, flags);
    st_le16(d + 14, next);
}

/* Make chain `head` available, as a driver does: ring entry, then idx. */
static void avail_add(uint16_t head)
{
    uint16_t idx = ld_le16(ram(AVAIL_GPA + 2));

    st_le16(ram(AVAIL_GPA + 4 + 2 * (idx % QSIZE)), head);
    st_le16(ram(AVAIL_GPA + 2), idx + 1);
}

static uint16_t used_idx(void)
{
    return ld_le16(ram(USED_GPA + 2));
}

static void set_used_event(uint16_t v)
{
    st_le16(ram(AVAIL_GPA + 4 + 2 * QSIZE), v);
}

/* A device set up as a driver would leave it: features accepted, queue 0 ready, DRIVER_OK. */
static void start(uint64_t features)
{
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    virtio_set_driver_features(vdev, 0, (uint32_t)features);
    virtio_set_driver_features(vdev, 1, (uint32_t)(features >> 32));
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                      VIRTIO_STATUS_FEATURES_OK);
    vq->num = QSIZE;
    vq->desc_addr = DESC_GPA;
    vq->avail_addr = AVAIL_GPA;
    vq->used_addr = USED_GPA;
    assert_int_equal(virtq_set_ready(vq, true), 0);
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                      VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

#define F_BASE (1ull << VIRTIO_F_VERSION_1)
#define F_ALL (F_BASE | (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    assert_non_null(memory_add_ram(&m->as, "rom", ROM_BASE, 0x1000, true));
    assert_non_null(memory_add_mmio(&m->as, "probe", MMIO_BASE, 0x1000, &probe_ops, NULL));
    vdev = calloc(1, sizeof(*vdev));
    elem = calloc(1, sizeof(*elem));
    virtio_init(vdev, m, &test_ops, "test", 1, QSIZE, 0);
    vdev->update_irq = count_irq;
    vq = &vdev->vq[0];
    irq_calls = 0;
    mmio_accesses = 0;
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    free(elem);
    free(vdev);
    free(m);
    return 0;
}

static void assert_needs_reset(void)
{
    assert_true(vdev->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_true(vdev->isr & VIRTIO_ISR_CONFIG);
    assert_true(irq_calls > 0);
    assert_int_equal(mmio_accesses, 0);
}

static void test_virtq_pops_simple_chain(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 3, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
    set_desc(DESC_GPA, 5, BUF_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
    set_desc(DESC_GPA, 7, BUF_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
    avail_add(3);

    assert_int_equal(virtq_pop(vq, elem), 1);
    assert_int_equal(elem->head, 3);
    assert_int_equal(elem->out_num, 1);
    assert_int_equal(elem->in_num, 2);
    assert_int_equal(elem->out_len, 16);
    assert_int_equal(elem->in_len, 513);
    assert_ptr_equal(elem->iov[0].iov_base, ram(BUF_GPA));
    assert_ptr_equal(elem->iov[1].iov_base, ram(BUF_GPA + 0x100));
    assert_int_equal(elem->iov[2].iov_len, 1);
    assert_int_equal(virtq_pop(vq, elem), 0);
}

static void test_virtq_push_fills_used_ring(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 2, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
    avail_add(2);
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 40);

    assert_int_equal(used_idx(), 1);
    assert_int_equal(ld_le32(ram(USED_GPA + 4)), 2);
    assert_int_equal(ld_le32(ram(USED_GPA + 8)), 40);
}

static void test_virtq_push_clamps_len_to_writable_part(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 4096);
    assert_int_equal(ld_le32(ram(USED_GPA + 8)), 8);
}

static void test_virtq_pops_indirect_chain(void **state)
{
    start(F_ALL);
    set_desc(TABLE_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
    set_desc(TABLE_GPA, 2, BUF_GPA + 0x1000, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    set_desc(TABLE_GPA, 1, BUF_GPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
    set_desc(DESC_GPA, 4, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(4);

    assert_int_equal(virtq_pop(vq, elem), 1);
    assert_int_equal(elem->head, 4);
    assert_int_equal(elem->out_num, 1);
    assert_int_equal(elem->in_num, 2);
    assert_int_equal(elem->in_len, 4097);
    assert_ptr_equal(elem->iov[1].iov_base, ram(BUF_GPA + 0x1000));
    assert_ptr_equal(elem->iov[2].iov_base, ram(BUF_GPA + 0x3000));
}

static void test_virtq_indirect_needs_negotiation(void **state)
{
    start(F_BASE);
    set_desc(TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
    set_desc(DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_event_idx_suppresses_notify(void **state)
{
    start(F_ALL);
    for (unsigned i = 0; i < 8; i++) {
        set_desc(DESC_GPA, i, BUF_GPA + 64 * i, 64, VIRTQ_DESC_F_WRITE, 0);
        avail_add(i);
    }
    set_used_event(4);   /* "interrupt me once used idx passes 4" */

    /* The first notification always goes out (nothing was signalled yet). */
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 0);
    virtq_notify(vq);
    assert_int_equal(vdev->isr, VIRTIO_ISR_VQ);
    vdev->isr = 0;

    /* used idx 1 -> 4: used_event 4 not yet crossed, no interrupt. */
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(virtq_pop(vq, elem), 1);
        virtq_push(vq, elem, 0);
        virtq_notify(vq);
        assert_int_equal(vdev->isr, 0);
    }
    /* used idx 4 -> 5 crosses used_event: interrupt. */
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 0);
    virtq_notify(vq);
    assert_int_equal(vdev->isr, VIRTIO_ISR_VQ);
}

static void test_virtq_event_idx_publishes_avail_event(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
    avail_add(0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 1);
    assert_int_equal(ld_le16(ram(USED_GPA + 4 + 8 * QSIZE)), 1);
    assert_int_equal(virtq_pop(vq, elem), 1);
    assert_int_equal(virtq_pop(vq, elem), 0);
    assert_int_equal(ld_le16(ram(USED_GPA + 4 + 8 * QSIZE)), 2);
}

static void test_virtq_no_interrupt_flag_suppresses_notify(void **state)
{
    start(F_BASE);
    set_desc(DESC_GPA, 0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
    st_le16(ram(AVAIL_GPA), VIRTQ_AVAIL_F_NO_INTERRUPT);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 0);
    virtq_notify(vq);
    assert_int_equal(vdev->isr, 0);

    st_le16(ram(AVAIL_GPA), 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 1);
    virtq_push(vq, elem, 0);
    virtq_notify(vq);
    assert_int_equal(vdev->isr, VIRTIO_ISR_VQ);
}

static void test_virtq_desc_outside_ram_needs_reset(void **state)
{
    start(F_ALL);
    /* Points at an MMIO region: host-unbacked, so no access may happen. */
    set_desc(DESC_GPA, 0, MMIO_BASE, 64, VIRTQ_DESC_F_WRITE, 0);
    avail_add(0);

    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_desc_straddling_ram_end_needs_reset(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, RAM_BASE + RAM_SIZE - 16, 32, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_unmapped_desc_needs_reset(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, 0x1000, 64, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_writable_desc_in_rom_needs_reset(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, ROM_BASE, 64, VIRTQ_DESC_F_WRITE, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_readable_desc_in_rom_is_fine(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, ROM_BASE, 64, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 1);
}

static void test_virtq_chain_loop_needs_reset(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(DESC_GPA, 1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_indirect_loop_needs_reset(void **state)
{
    start(F_ALL);
    set_desc(TABLE_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(TABLE_GPA, 1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
    set_desc(DESC_GPA, 0, TABLE_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_len_overflow_rejected(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_huge_len_in_ram_rejected(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_next_index_out_of_range_rejected(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, QSIZE);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_head_index_out_of_range_rejected(void **state)
{
    start(F_ALL);
    avail_add(QSIZE + 3);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_indirect_next_out_of_range_rejected(void **state)
{
    start(F_ALL);
    set_desc(TABLE_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);  /* table has 2 entries */
    set_desc(DESC_GPA, 0, TABLE_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_nested_indirect_rejected(void **state)
{
    start(F_ALL);
    set_desc(TABLE2_GPA, 0, BUF_GPA, 16, 0, 0);
    set_desc(TABLE_GPA, 0, TABLE2_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
    set_desc(DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_indirect_len_not_multiple_of_16_rejected(void **state)
{
    start(F_ALL);
    set_desc(TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
    set_desc(DESC_GPA, 0, TABLE_GPA, 20, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_indirect_table_outside_ram_rejected(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, MMIO_BASE, 64, VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_readable_after_writable_rejected(void **state)
{
    start(F_ALL);
    set_desc(DESC_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    set_desc(DESC_GPA, 1, BUF_GPA + 16, 16, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_avail_idx_jump_rejected(void **state)
{
    start(F_ALL);
    st_le16(ram(AVAIL_GPA + 2), QSIZE + 1);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_rings_outside_ram_refused_at_ready(void **state)
{
    start(F_ALL);
    virtq_set_ready(vq, false);
    vq->used_addr = RAM_BASE + RAM_SIZE - 8;   /* used ring runs off the end */
    assert_int_equal(virtq_set_ready(vq, true), -EINVAL);
    assert_false(vq->ready);
    assert_needs_reset();
}

static void test_virtq_size_not_power_of_2_refused_at_ready(void **state)
{
    start(F_ALL);
    virtq_set_ready(vq, false);
    vq->num = 12;
    assert_int_equal(virtq_set_ready(vq, true), -EINVAL);
    assert_needs_reset();
}

static void test_virtq_broken_device_pops_nothing(void **state)
{
    start(F_ALL);
    avail_add(QSIZE);       /* bad head: breaks the device */
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    set_desc(DESC_GPA, 0, BUF_GPA, 16, 0, 0);
    avail_add(0);
    assert_int_equal(virtq_pop(vq, elem), 0);
}

static void test_virtio_reset_clears_needs_reset(void **state)
{
    start(F_ALL);
    avail_add(QSIZE);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    virtio_set_status(vdev, 0);
    assert_int_equal(vdev->status, 0);
    assert_int_equal(vdev->isr, 0);
    assert_false(vdev->broken);
    assert_false(vq->ready);
    assert_int_equal(vdev->guest_features, 0);
}

static void test_virtio_driver_cannot_clear_needs_reset(void **state)
{
    start(F_ALL);
    avail_add(QSIZE);
    assert_int_equal(virtq_pop(vq, elem), -EINVAL);
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
    assert_true(vdev->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_virtio_features_ok_refused_without_version_1(void **state)
{
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    virtio_set_driver_features(vdev, 0, 1u << VIRTIO_F_EVENT_IDX);
    virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                      VIRTIO_STATUS_FEATURES_OK);
    assert_false(vdev->status & VIRTIO_STATUS_FEATURES_OK);
}

static void test_virtio_unoffered_features_dropped(void **state)
{
    virtio_set_driver_features(vdev, 0, 0xffffffff);
    virtio_set_driver_features(vdev, 1, 0xffffffff);
    assert_int_equal(vdev->guest_features, F_ALL);
}

static void test_virtio_features_frozen_after_features_ok(void **state)
{
    start(F_BASE);
    virtio_set_driver_features(vdev, 0, 1u << VIRTIO_F_EVENT_IDX);
    assert_int_equal(vdev->guest_features, F_BASE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_virtq_pops_simple_chain),
        T(test_virtq_push_fills_used_ring),
        T(test_virtq_push_clamps_len_to_writable_part),
        T(test_virtq_pops_indirect_chain),
        T(test_virtq_indirect_needs_negotiation),
        T(test_virtq_event_idx_suppresses_notify),
        T(test_virtq_event_idx_publishes_avail_event),
        T(test_virtq_no_interrupt_flag_suppresses_notify),
        T(test_virtq_desc_outside_ram_needs_reset),
        T(test_virtq_desc_straddling_ram_end_needs_reset),
        T(test_virtq_unmapped_desc_needs_reset),
        T(test_virtq_writable_desc_in_rom_needs_reset),
        T(test_virtq_readable_desc_in_rom_is_fine),
        T(test_virtq_chain_loop_needs_reset),
        T(test_virtq_indirect_loop_needs_reset),
        T(test_virtq_len_overflow_rejected),
        T(test_virtq_huge_len_in_ram_rejected),
        T(test_virtq_next_index_out_of_range_rejected),
        T(test_virtq_head_index_out_of_range_rejected),
        T(test_virtq_indirect_next_out_of_range_rejected),
        T(test_virtq_nested_indirect_rejected),
        T(test_virtq_indirect_len_not_multiple_of_16_rejected),
        T(test_virtq_indirect_table_outside_ram_rejected),
        T(test_virtq_readable_after_writable_rejected),
        T(test_virtq_avail_idx_jump_rejected),
        T(test_virtq_rings_outside_ram_refused_at_ready),
        T(test_virtq_size_not_power_of_2_refused_at_ready),
        T(test_virtq_broken_device_pops_nothing),
        T(test_virtio_reset_clears_needs_reset),
        T(test_virtio_driver_cannot_clear_needs_reset),
        T(test_virtio_features_ok_refused_without_version_1),
        T(test_virtio_unoffered_features_dropped),
        T(test_virtio_features_frozen_after_features_ok),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
