/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of virtio-net (hw/virtio/virtio-net.c, virtio 1.2 §5.1) over
 * the virtio-mmio transport and of the netdev layer (net/net.c): rings
 * laid out by hand in guest RAM, a test backend that records what the
 * guest sends.  Transmit strips the 12-byte header; receive spreads a
 * frame over several buffers with MRG_RXBUF (num_buffers), waits without
 * loss while the guest has no buffers, and keeps frame order in the
 * netdev's queue; bad descriptors set DEVICE_NEEDS_RESET.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/virtio/virtio.h"
#include "net/net.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x200000ull
#define MMIO 0x10001000ull
#define QSIZE 16

/* Rings: queue 0 (rx) and queue 1 (tx). */
#define DESC_GPA(q) (RAM_BASE + 0x0000 + 0x3000 * (q))
#define AVAIL_GPA(q) (RAM_BASE + 0x1000 + 0x3000 * (q))
#define USED_GPA(q) (RAM_BASE + 0x2000 + 0x3000 * (q))
#define BUF_GPA (RAM_BASE + 0x10000)
#define RXQ 0
#define TXQ 1

/* Registers (§4.2.2). */
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_STATUS 0x070
#define R_DESC_LOW 0x080
#define R_DESC_HIGH 0x084
#define R_DRIVER_LOW 0x090
#define R_DRIVER_HIGH 0x094
#define R_DEVICE_LOW 0x0a0
#define R_DEVICE_HIGH 0x0a4
#define R_CONFIG 0x100

/* §5.1.3 */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_MAC 5
#define F_MRG_RXBUF 15
#define F_STATUS 16
#define HDR 12

static Machine *m;
static NetDev *nd;
static VirtIODevice *vdev;
static uint8_t sent[4096];
static size_t sent_len;
static unsigned sent_count;

static void record_irq(void *opaque, int n, int level)
{
}

static void test_backend_receive(void *opaque, const uint8_t *buf, size_t len)
{
    assert_true(len <= sizeof(sent));
    memcpy(sent, buf, len);
    sent_len = len;
    sent_count++;
}

static const NetBackendOps test_backend = {
    .type = "test",
    .receive = test_backend_receive,
};

#include "mmio-helpers.h"

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    fdt_machine_begin(m);
    m->irqchip_phandle = 9;
    nd = net_create_with_backend(m, "n0", &test_backend, NULL);
    assert_non_null(nd);
    net_default_mac(0, nd->mac);
    vdev = virtio_net_new(m, nd);
    assert_non_null(vdev);
    assert_non_null(virtio_mmio_create(m, MMIO, (IRQLine){ record_irq, NULL, 0 }, 1, vdev));
    sent_len = 0;
    sent_count = 0;
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    free(m->fdt);
    free(nd->rxq.buf);
    free(nd);
    free(vdev);
    free(m);
    return 0;
}

static uint64_t device_features(void)
{
    uint64_t f;

    wr(R_DEV_FEATURES_SEL, 0);
    f = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 1);
    return f | (uint64_t)rd(R_DEV_FEATURES) << 32;
}

static void queue_init(unsigned q)
{
    wr(R_QUEUE_SEL, q);
    wr(R_QUEUE_NUM, QSIZE);
    wr(R_DESC_LOW, (uint32_t)DESC_GPA(q));
    wr(R_DESC_HIGH, (uint32_t)(DESC_GPA(q) >> 32));
    wr(R_DRIVER_LOW, (uint32_t)AVAIL_GPA(q));
    wr(R_DRIVER_HIGH, (uint32_t)(AVAIL_GPA(q) >> 32));
    wr(R_DEVICE_LOW, (uint32_t)USED_GPA(q));
    wr(R_DEVICE_HIGH, (uint32_t)(USED_GPA(q) >> 32));
    wr(R_QUEUE_READY, 1);
    assert_int_equal(rd(R_QUEUE_READY), 1);
}

/* The probe of Linux's virtio_net, accepting MRG_RXBUF or not. */
static void driver_init(bool mrg)
{
    uint64_t features = device_features();

    if (!mrg) {
        features &= ~(1ull << F_MRG_RXBUF);
    }
    wr(R_STATUS, 0);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, (uint32_t)features);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, (uint32_t)(features >> 32));
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    queue_init(RXQ);
    queue_init(TXQ);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void set_desc(unsigned q, unsigned i, gpa_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = ram(DESC_GPA(q) + 16 * i);

    st_le64(d, addr);
    st_le32(d + 8, len);
    st_le16(d + 12, flags);
    st_le16(d + 14, next);
}

static uint16_t used_idx(unsigned q)
{
    return ld_le16(ram(USED_GPA(q) + 2));
}

static uint32_t used_id(unsigned q, unsigned n)
{
    return ld_le32(ram(USED_GPA(q) + 4 + 8 * (n % QSIZE)));
}

static uint32_t used_len(unsigned q, unsigned n)
{
    return ld_le32(ram(USED_GPA(q) + 8 + 8 * (n % QSIZE)));
}

/* Make chain `head` available on queue q (no notify). */
static void post(unsigned q, uint16_t head)
{
    uint16_t idx = ld_le16(ram(AVAIL_GPA(q) + 2));

    st_le16(ram(AVAIL_GPA(q) + 4 + 2 * (idx % QSIZE)), head);
    st_le16(ram(AVAIL_GPA(q) + 2), idx + 1);
}

/* Post `n` one-descriptor receive buffers of `size` bytes at BUF_GPA + i * 0x1000. */
static void post_rx_buffers(unsigned first, unsigned n, uint32_t size)
{
    for (unsigned i = first; i < first + n; i++) {
        set_desc(RXQ, i, BUF_GPA + i * 0x1000ull, size, VIRTQ_DESC_F_WRITE, 0);
        post(RXQ, i);
    }
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        f[i] = (uint8_t)(seed + i * 7);
    }
}

static void test_virtio_net_identifies_and_offers_features(void **state)
{
    uint64_t f = device_features();

    assert_int_equal(rd(R_DEVICE_ID), 1);
    assert_true(f & (1ull << F_MAC));
    assert_true(f & (1ull << F_STATUS));
    assert_true(f & (1ull << F_MRG_RXBUF));
    assert_true(f & (1ull << VIRTIO_F_VERSION_1));
    /* Checksum offload stays off both ways. */
    assert_false(f & (1ull << F_CSUM));
    assert_false(f & (1ull << F_GUEST_CSUM));
}

static void test_virtio_net_config_mac_and_link_up(void **state)
{
    uint8_t cfg[8];

    for (unsigned i = 0; i < 8; i++) {
        uint64_t v;
        assert_int_equal(memory_read(&m->as, MMIO + R_CONFIG + i, 1, &v), 0);
        cfg[i] = (uint8_t)v;
    }
    assert_memory_equal(cfg, ((uint8_t[]){ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }), 6);
    assert_int_equal(ld_le16(cfg + 6), 1); /* VIRTIO_NET_S_LINK_UP */
}

static void test_virtio_net_tx_strips_header(void **state)
{
    uint8_t frame[100];

    driver_init(true);
    make_frame(frame, sizeof(frame), 1);
    memset(ram(BUF_GPA), 0, HDR);
    memcpy(ram(BUF_GPA + 0x100), frame, sizeof(frame));
    set_desc(TXQ, 0, BUF_GPA, HDR, VIRTQ_DESC_F_NEXT, 1);
    set_desc(TXQ, 1, BUF_GPA + 0x100, sizeof(frame), 0, 0);
    post(TXQ, 0);
    wr(R_QUEUE_NOTIFY, TXQ);
    assert_int_equal(sent_count, 1);
    assert_int_equal(sent_len, sizeof(frame));
    assert_memory_equal(sent, frame, sizeof(frame));
    assert_int_equal(used_idx(TXQ), 1);
    assert_int_equal(used_id(TXQ, 0), 0);
    assert_int_equal(nd->stats.tx_packets, 1);
    assert_int_equal(nd->stats.tx_bytes, sizeof(frame));
}

static void test_virtio_net_tx_header_and_frame_in_one_buffer(void **state)
{
    uint8_t frame[60];

    driver_init(true);
    make_frame(frame, sizeof(frame), 9);
    memset(ram(BUF_GPA), 0, HDR);
    memcpy(ram(BUF_GPA + HDR), frame, sizeof(frame));
    set_desc(TXQ, 3, BUF_GPA, HDR + sizeof(frame), 0, 0);
    post(TXQ, 3);
    wr(R_QUEUE_NOTIFY, TXQ);
    assert_int_equal(sent_len, sizeof(frame));
    assert_memory_equal(sent, frame, sizeof(frame));
}

static void test_virtio_net_rx_mrg_spreads_over_buffers(void **state)
{
    uint8_t frame[80], got[80];

    driver_init(true);
    make_frame(frame, sizeof(frame), 3);
    post_rx_buffers(0, 4, 40);
    assert_int_equal(net_send_to_guest(nd, frame, sizeof(frame)), 0);
    /* 12 + 80 bytes: 40 + 40 + 12, three buffers, the fourth untouched. */
    assert_int_equal(used_idx(RXQ), 3);
    assert_int_equal(used_id(RXQ, 0), 0);
    assert_int_equal(used_len(RXQ, 0), 40);
    assert_int_equal(used_id(RXQ, 1), 1);
    assert_int_equal(used_len(RXQ, 1), 40);
    assert_int_equal(used_id(RXQ, 2), 2);
    assert_int_equal(used_len(RXQ, 2), 12);
    assert_int_equal(ld_le16(ram(BUF_GPA + 10)), 3);  /* num_buffers */
    assert_int_equal(*ram(BUF_GPA), 0);               /* flags: no NEEDS_CSUM */
    memcpy(got, ram(BUF_GPA + HDR), 28);
    memcpy(got + 28, ram(BUF_GPA + 0x1000), 40);
    memcpy(got + 68, ram(BUF_GPA + 0x2000), 12);
    assert_memory_equal(got, frame, sizeof(frame));
    assert_int_equal(nd->stats.rx_packets, 1);
    assert_int_equal(nd->stats.rx_bytes, sizeof(frame));
    assert_true(rd(R_INT_STATUS) & VIRTIO_ISR_VQ);
}

static void test_virtio_net_rx_without_mrg_uses_one_buffer(void **state)
{
    uint8_t frame[60];

    driver_init(false);
    make_frame(frame, sizeof(frame), 5);
    post_rx_buffers(0, 2, 1526);
    net_send_to_guest(nd, frame, sizeof(frame));
    assert_int_equal(used_idx(RXQ), 1);
    assert_int_equal(used_len(RXQ, 0), HDR + sizeof(frame));
    assert_int_equal(ld_le16(ram(BUF_GPA + 10)), 1);
    assert_memory_equal(ram(BUF_GPA + HDR), frame, sizeof(frame));
}

static void test_virtio_net_rx_empty_ring_waits_then_delivers(void **state)
{
    uint8_t f1[70], f2[90];

    driver_init(true);
    make_frame(f1, sizeof(f1), 11);
    make_frame(f2, sizeof(f2), 22);
    assert_int_equal(net_send_to_guest(nd, f1, sizeof(f1)), 0);
    assert_int_equal(net_send_to_guest(nd, f2, sizeof(f2)), 0);
    assert_int_equal(used_idx(RXQ), 0);
    assert_int_equal(nd->rxq.count, 2);
    assert_false(net_guest_can_take(nd));
    /* The driver posts buffers and notifies queue 0: both frames arrive, in order. */
    post_rx_buffers(0, 2, 200);
    wr(R_QUEUE_NOTIFY, RXQ);
    assert_int_equal(used_idx(RXQ), 2);
    assert_int_equal(used_len(RXQ, 0), HDR + sizeof(f1));
    assert_int_equal(used_len(RXQ, 1), HDR + sizeof(f2));
    assert_memory_equal(ram(BUF_GPA + HDR), f1, sizeof(f1));
    assert_memory_equal(ram(BUF_GPA + 0x1000 + HDR), f2, sizeof(f2));
    assert_int_equal(nd->rxq.count, 0);
    assert_true(net_guest_can_take(nd));
    assert_int_equal(nd->stats.rx_packets, 2);
    assert_int_equal(nd->stats.rx_dropped, 0);
}

static void test_virtio_net_rx_too_few_buffers_waits_whole(void **state)
{
    uint8_t frame[100];

    driver_init(true);
    make_frame(frame, sizeof(frame), 33);
    post_rx_buffers(0, 1, 40);
    net_send_to_guest(nd, frame, sizeof(frame));
    /* 112 bytes do not fit 40: nothing is used, the buffer stays for later. */
    assert_int_equal(used_idx(RXQ), 0);
    assert_int_equal(nd->rxq.count, 1);
    post_rx_buffers(1, 2, 40);
    wr(R_QUEUE_NOTIFY, RXQ);
    assert_int_equal(used_idx(RXQ), 3);
    assert_int_equal(used_id(RXQ, 0), 0);
    assert_int_equal(ld_le16(ram(BUF_GPA + 10)), 3);
    assert_memory_equal(ram(BUF_GPA + HDR), frame, 28);
    assert_memory_equal(ram(BUF_GPA + 0x1000), frame + 28, 40);
    assert_memory_equal(ram(BUF_GPA + 0x2000), frame + 68, 32);
    assert_int_equal(nd->rxq.count, 0);
}

static void test_virtio_net_rx_before_driver_ok_waits(void **state)
{
    uint8_t frame[64];

    make_frame(frame, sizeof(frame), 44);
    net_send_to_guest(nd, frame, sizeof(frame));
    assert_int_equal(nd->rxq.count, 1);
    post_rx_buffers(0, 1, 200);
    driver_init(true);   /* DRIVER_OK notifies every queue */
    assert_int_equal(used_idx(RXQ), 1);
    assert_memory_equal(ram(BUF_GPA + HDR), frame, sizeof(frame));
}

static void test_virtio_net_tx_buffer_outside_ram_needs_reset(void **state)
{
    driver_init(true);
    set_desc(TXQ, 0, 0x1000, 100, 0, 0);
    post(TXQ, 0);
    wr(R_QUEUE_NOTIFY, TXQ);
    assert_int_equal(sent_count, 0);
    assert_int_equal(used_idx(TXQ), 0);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_virtio_net_tx_without_header_needs_reset(void **state)
{
    driver_init(true);
    set_desc(TXQ, 0, BUF_GPA, HDR - 1, 0, 0);
    post(TXQ, 0);
    wr(R_QUEUE_NOTIFY, TXQ);
    assert_int_equal(sent_count, 0);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_virtio_net_rx_readable_buffer_needs_reset(void **state)
{
    uint8_t frame[64] = { 0 };

    driver_init(true);
    set_desc(RXQ, 0, BUF_GPA, 200, 0, 0);   /* not device-writable */
    post(RXQ, 0);
    net_send_to_guest(nd, frame, sizeof(frame));
    assert_int_equal(used_idx(RXQ), 0);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(nd->stats.rx_dropped, 1);
}

/* A frontend for the queue tests: takes frames while `room` lasts. */
static unsigned room;
static uint8_t taken_seed[8192];
static unsigned taken;

static ssize_t test_frontend_receive(void *opaque, const uint8_t *buf, size_t len)
{
    if (!room) {
        return 0;
    }
    room--;
    assert_true(taken < sizeof(taken_seed));
    taken_seed[taken++] = buf[0];
    /* Every byte is seed + i * 7: the frame arrived whole. */
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(buf[i], (uint8_t)(buf[0] + i * 7));
    }
    return (ssize_t)len;
}

static void test_net_queue_keeps_order_across_wrap(void **state)
{
    static uint8_t frame[60000];
    unsigned sent_n = 0;

    net_attach_frontend(nd, test_frontend_receive, NULL);
    room = 0;
    taken = 0;
    /* Fill most of the 4 MiB ring, drain half, fill again: the ring wraps. */
    for (unsigned round = 0; round < 4; round++) {
        for (unsigned i = 0; i < 40; i++, sent_n++) {
            make_frame(frame, 1000 + (sent_n * 997) % 59000, (uint8_t)sent_n);
            assert_int_equal(net_send_to_guest(nd, frame, 1000 + (sent_n * 997) % 59000), 0);
        }
        room = 30;
        net_flush_to_guest(nd);
    }
    room = 1000;
    net_flush_to_guest(nd);
    assert_int_equal(taken, sent_n);
    for (unsigned i = 0; i < taken; i++) {
        assert_int_equal(taken_seed[i], (uint8_t)i);
    }
    assert_int_equal(nd->stats.rx_dropped, 0);
    assert_int_equal(nd->rxq.count, 0);
}

static void test_net_queue_full_drops_and_counts(void **state)
{
    static uint8_t frame[60000];
    unsigned queued = 0;

    net_attach_frontend(nd, test_frontend_receive, NULL);
    room = 0;
    make_frame(frame, sizeof(frame), 0);
    while (net_send_to_guest(nd, frame, sizeof(frame)) == 0) {
        queued++;
        assert_true(queued < 1000);
    }
    assert_int_equal(queued, NET_QUEUE_BYTES / (sizeof(frame) + 8));
    assert_int_equal(nd->stats.rx_dropped, 1);
    room = 1000;
    taken = 0;
    net_flush_to_guest(nd);
    assert_int_equal(taken, queued);
}

static void test_net_parse_netdev_options(void **state)
{
    NetdevConfig c;
    char err[256];
    char a1[] = "user,id=n1,net=10.9.0.0/16,hostfwd=tcp:127.0.0.1:2222-:22,"
                "hostfwd=udp::5555-10.9.0.15:53,restrict=on,mac=52:54:00:aa:bb:cc";
    char a2[] = "bogus";
    char a3[] = "user,hostfwd=tcp:127.0.0.1:99999-:22";
    char a4[] = "user,net=10.0.2.1/24";

    assert_int_equal(net_parse_netdev(a1, &c, err, sizeof(err)), 0);
    assert_string_equal(c.id, "n1");
    assert_string_equal(c.net, "10.9.0.0/16");
    assert_int_equal(c.nr_hostfwd, 2);
    assert_true(c.restricted);
    assert_true(c.has_mac);
    assert_int_equal(c.mac[5], 0xcc);
    assert_int_equal(net_parse_netdev(a2, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "bogus"));
    assert_int_equal(net_parse_netdev(a3, &c, err, sizeof(err)), -EINVAL);
    assert_int_equal(net_parse_netdev(a4, &c, err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_virtio_net_identifies_and_offers_features),
        T(test_virtio_net_config_mac_and_link_up),
        T(test_virtio_net_tx_strips_header),
        T(test_virtio_net_tx_header_and_frame_in_one_buffer),
        T(test_virtio_net_rx_mrg_spreads_over_buffers),
        T(test_virtio_net_rx_without_mrg_uses_one_buffer),
        T(test_virtio_net_rx_empty_ring_waits_then_delivers),
        T(test_virtio_net_rx_too_few_buffers_waits_whole),
        T(test_virtio_net_rx_before_driver_ok_waits),
        T(test_virtio_net_tx_buffer_outside_ram_needs_reset),
        T(test_virtio_net_tx_without_header_needs_reset),
        T(test_virtio_net_rx_readable_buffer_needs_reset),
        T(test_net_queue_keeps_order_across_wrap),
        T(test_net_queue_full_drops_and_counts),
        T(test_net_parse_netdev_options),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
