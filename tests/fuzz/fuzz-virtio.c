/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target body for virtqueue descriptor chains (hw/virtio/virtqueue.c,
 * virtio 1.2 §2.7: split rings, chained and indirect descriptors) as a
 * device consumes them: virtio-blk (fuzz-virtio-blk.c, against a raw
 * image in a memfd) or, with FUZZ_VIRTIO_NET, virtio-net
 * (fuzz-virtio-net.c, transmit to a test backend and receive frames the
 * target injects).  The device sits behind the virtio-mmio transport in
 * a machine with 256 KiB of RAM and no harts, set up once; each run
 * resets it (status 0), lays the input out in guest RAM and goes through
 * the driver's handshake (§3.1.1) with every queue at the same place:
 *
 *   byte 0   bits 0-1: queue size 2 << n (2..16); bit 2: refuse
 *            INDIRECT_DESC; bit 3: refuse EVENT_IDX; bit 4: refuse the
 *            device's optional features (blk: DISCARD, WRITE_ZEROES, FLUSH;
 *            net: MRG_RXBUF); bit 5: notify each queue twice; bits 6-7
 *            (net): frames to receive, 0..3
 *   byte 1   (net) received frame length / 8 (plus 14)
 *   byte 2-3 reserved
 *   byte 4-  guest RAM from 0x80000000: queue q's descriptor table at
 *            +0x400*q, its avail ring at +0x400*q+0x100, its used ring at
 *            +0x400*q+0x200; buffers anywhere in RAM (from +0x800 in
 *            the seeds)
 *
 * ASan/UBSan catch host memory errors (a segment that escaped the
 * bounds checks is read or written through its host pointer); the target
 * aborts if a register access faults or a valid feature set is refused.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/block.h"
#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/virtio/virtio.h"
#include "net/net.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x40000ull
#define MMIO 0x10001000ull
#define HDR_BYTES 4
#define DISK_SIZE (256 * 1024)

#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LOW 0x080
#define R_DESC_HIGH 0x084
#define R_DRIVER_LOW 0x090
#define R_DRIVER_HIGH 0x094
#define R_DEVICE_LOW 0x0a0
#define R_DEVICE_HIGH 0x0a4

#define DESC_GPA(q) (RAM_BASE + 0x400 * (q))
#define AVAIL_GPA(q) (DESC_GPA(q) + 0x100)
#define USED_GPA(q) (DESC_GPA(q) + 0x200)

#ifdef FUZZ_VIRTIO_NET
#define NR_QUEUES 2
#define NAME "fuzz-virtio-net"
#define OPTIONAL_FEATURES (1ull << 15)                          /* MRG_RXBUF */
#else
#define NR_QUEUES 1
#define NAME "fuzz-virtio-blk"
#define OPTIONAL_FEATURES ((1ull << 9) | (1ull << 13) | (1ull << 14)) /* FLUSH DISCARD WZ */
#endif

static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */

#define fail(...) (dprintf(report_fd, NAME ": " __VA_ARGS__), abort())

static Machine *m;
static uint8_t *ram;
static VirtIODevice *vdev;
#ifdef FUZZ_VIRTIO_NET
static NetDev *nd;
static size_t sent_bytes;

static void backend_receive(void *opaque, const uint8_t *buf, size_t len)
{
    volatile uint8_t sink = 0;

    /* Touch every byte: the frame must be readable host memory. */
    for (size_t i = 0; i < len; i++) {
        sink ^= buf[i];
    }
    (void)sink;
    if (len > NET_MAX_FRAME) {
        fail("backend got a %zu-byte frame\n", len);
    }
    sent_bytes += len;
}

static const NetBackendOps backend = { .type = "fuzz", .receive = backend_receive };
#endif

static void no_irq(void *opaque, int n, int level)
{
}

static uint32_t rd(gpa_t off)
{
    uint64_t v = 0;

    if (memory_read(&m->as, MMIO + off, 4, &v) != 0) {
        fail("register read 0x%llx faulted\n", (unsigned long long)off);
    }
    return (uint32_t)v;
}

static void wr(gpa_t off, uint32_t v)
{
    if (memory_write(&m->as, MMIO + off, 4, v) != 0) {
        fail("register write 0x%llx faulted\n", (unsigned long long)off);
    }
}

static void setup(void)
{
    char err[256];

    m = calloc(1, sizeof(*m));
    if (!m || !memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false)) {
        fail("no RAM\n");
    }
    ram = memory_host_ptr(&m->as, RAM_BASE, RAM_SIZE);
    m->ram_base = RAM_BASE;
    m->ram_size = RAM_SIZE;
    fdt_machine_begin(m);
    m->irqchip_phandle = 9;
#ifdef FUZZ_VIRTIO_NET
    nd = net_create_with_backend(m, "n0", &backend, NULL);
    if (!nd) {
        fail("net_create_with_backend failed\n");
    }
    net_default_mac(0, nd->mac);
    vdev = virtio_net_new(m, nd);
#else
    {
        static char path[64];
        int fd = memfd_create("fuzz-virtio-blk-disk", 0);
        BlockDriverState *bs;

        if (fd < 0 || ftruncate(fd, DISK_SIZE) < 0) {
            fail("disk memfd: %s\n", strerror(errno));
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        bs = bdrv_open(path, "raw", BDRV_O_RDWR, NULL, err, sizeof(err));
        if (!bs) {
            fail("bdrv_open: %s\n", err);
        }
        vdev = virtio_blk_new(m, bs, false);
    }
#endif
    if (!vdev || !virtio_mmio_create(m, MMIO, (IRQLine){ no_irq, NULL, 0 }, 1, vdev)) {
        fail("device creation failed\n");
    }
}

static void queue_init(unsigned q, unsigned num)
{
    wr(R_QUEUE_SEL, q);
    wr(R_QUEUE_NUM, num);
    wr(R_DESC_LOW, (uint32_t)DESC_GPA(q));
    wr(R_DESC_HIGH, (uint32_t)(DESC_GPA(q) >> 32));
    wr(R_DRIVER_LOW, (uint32_t)AVAIL_GPA(q));
    wr(R_DRIVER_HIGH, (uint32_t)(AVAIL_GPA(q) >> 32));
    wr(R_DEVICE_LOW, (uint32_t)USED_GPA(q));
    wr(R_DEVICE_HIGH, (uint32_t)(USED_GPA(q) >> 32));
    wr(R_QUEUE_READY, 1);
}

/* Seed writing (FUZZ_WRITE_SEEDS=DIR, make-corpus.sh): one input per layout below. */
static uint8_t seed[HDR_BYTES + 0x3000];

static void seed_desc(unsigned q, unsigned i, gpa_t addr, uint32_t len, uint16_t flags,
                      uint16_t next)
{
    uint8_t *d = seed + HDR_BYTES + (DESC_GPA(q) - RAM_BASE) + 16 * i;

    st_le64(d, addr);
    st_le32(d + 8, len);
    st_le16(d + 12, flags);
    st_le16(d + 14, next);
}

/* Make chain `head` available on queue q. */
static void seed_post(unsigned q, uint16_t head)
{
    uint8_t *a = seed + HDR_BYTES + (AVAIL_GPA(q) - RAM_BASE);
    uint16_t idx = ld_le16(a + 2);

    st_le16(a + 4 + 2 * (idx % 16), head);
    st_le16(a + 2, idx + 1);
}

static void seed_write(const char *dir, const char *name, uint8_t ctl)
{
    char path[512];
    FILE *f;

    seed[0] = ctl;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(seed, sizeof(seed), 1, f) != 1 || fclose(f)) {
        fail("writing %s: %s\n", path, strerror(errno));
    }
    memset(seed, 0, sizeof(seed));
}

#define BUF(off) (RAM_BASE + 0x800 + (off))
#define SEED_RAM(gpa) (seed + HDR_BYTES + ((gpa) - RAM_BASE))

static void write_seeds(const char *dir)
{
    /* Queue size 16 (ctl bits 0-1 = 3). */
#ifdef FUZZ_VIRTIO_NET
    /* tx: header + frame in two descriptors; rx: two 1526-byte buffers. */
    seed_desc(1, 0, BUF(0), 12, VIRTQ_DESC_F_NEXT, 1);
    seed_desc(1, 1, BUF(0x100), 60, 0, 0);
    memset(SEED_RAM(BUF(0x100)), 0xff, 6);
    seed_post(1, 0);
    seed_desc(0, 0, BUF(0x200), 1526, VIRTQ_DESC_F_WRITE, 0);
    seed_desc(0, 1, BUF(0x200 + 1526), 1526, VIRTQ_DESC_F_WRITE, 0);
    seed_post(0, 0);
    seed_post(0, 1);
    seed[1] = 10;
    seed_write(dir, "tx-rx", 3 | (1 << 6));
    /* rx with MRG_RXBUF over three small buffers, two frames. */
    for (unsigned i = 0; i < 3; i++) {
        seed_desc(0, i, BUF(0x100 * i), 0x80, VIRTQ_DESC_F_WRITE, 0);
        seed_post(0, (uint16_t)i);
    }
    seed[1] = 40;
    seed_write(dir, "rx-merge", 3 | (2 << 6));
    /* tx through an indirect table of three descriptors. */
    seed_desc(1, 0, BUF(0x400), 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    {
        uint8_t *t = SEED_RAM(BUF(0x400));
        st_le64(t, BUF(0)); st_le32(t + 8, 12); st_le16(t + 12, VIRTQ_DESC_F_NEXT); st_le16(t + 14, 1);
        st_le64(t + 16, BUF(0x100)); st_le32(t + 24, 30); st_le16(t + 28, VIRTQ_DESC_F_NEXT);
        st_le16(t + 30, 2);
        st_le64(t + 32, BUF(0x200)); st_le32(t + 40, 30);
    }
    seed_post(1, 0);
    seed_write(dir, "tx-indirect", 3 | 32);
#else
    static const uint32_t types[] = { 0, 1, 4, 8, 11, 13, 99 };
    for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        char name[32];
        uint32_t dlen = types[t] == 8 ? 20 : types[t] >= 11 && types[t] != 99 ? 16 : 1024;

        st_le32(SEED_RAM(BUF(0)), types[t]);
        st_le64(SEED_RAM(BUF(8)), 3);
        if (types[t] == 11 || types[t] == 13) {
            st_le64(SEED_RAM(BUF(0x100)), 8);
            st_le32(SEED_RAM(BUF(0x108)), 4);
        }
        seed_desc(0, 0, BUF(0), 16, VIRTQ_DESC_F_NEXT, 1);
        if (types[t] == 4) {
            seed_desc(0, 1, BUF(0x80), 1, VIRTQ_DESC_F_WRITE, 0);
        } else {
            seed_desc(0, 1, BUF(0x100), dlen, VIRTQ_DESC_F_NEXT |
                      (types[t] == 0 || types[t] == 8 ? VIRTQ_DESC_F_WRITE : 0), 2);
            seed_desc(0, 2, BUF(0x80), 1, VIRTQ_DESC_F_WRITE, 0);
        }
        seed_post(0, 0);
        snprintf(name, sizeof(name), "request-type-%u", types[t]);
        seed_write(dir, name, 3);
    }
    /* A read through an indirect table: header, two data segments, status. */
    seed_desc(0, 0, BUF(0x600), 4 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    {
        uint8_t *t = SEED_RAM(BUF(0x600));
        st_le64(t, BUF(0)); st_le32(t + 8, 16); st_le16(t + 12, VIRTQ_DESC_F_NEXT); st_le16(t + 14, 1);
        st_le64(t + 16, BUF(0x100)); st_le32(t + 24, 512);
        st_le16(t + 28, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE); st_le16(t + 30, 2);
        st_le64(t + 32, BUF(0x300)); st_le32(t + 40, 512);
        st_le16(t + 44, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE); st_le16(t + 46, 3);
        st_le64(t + 48, BUF(0x80)); st_le32(t + 56, 1); st_le16(t + 60, VIRTQ_DESC_F_WRITE);
    }
    seed_post(0, 0);
    seed_write(dir, "read-indirect", 3);
    /* Two writes in flight, event index on, notified twice. */
    st_le32(SEED_RAM(BUF(0)), 1);
    st_le32(SEED_RAM(BUF(0x20)), 1);
    st_le64(SEED_RAM(BUF(0x28)), 500);
    seed_desc(0, 0, BUF(0), 16, VIRTQ_DESC_F_NEXT, 1);
    seed_desc(0, 1, BUF(0x100), 512, VIRTQ_DESC_F_NEXT, 2);
    seed_desc(0, 2, BUF(0x80), 1, VIRTQ_DESC_F_WRITE, 0);
    seed_desc(0, 3, BUF(0x20), 16, VIRTQ_DESC_F_NEXT, 4);
    seed_desc(0, 4, BUF(0x400), 1024, VIRTQ_DESC_F_NEXT, 5);
    seed_desc(0, 5, BUF(0x81), 1, VIRTQ_DESC_F_WRITE, 0);
    seed_post(0, 0);
    seed_post(0, 3);
    seed_write(dir, "two-writes", 3 | 32);
#endif
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("FUZZ_WRITE_SEEDS");

    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    if (dir) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t features;
    unsigned num, q;
    uint8_t ctl;

    if (!m) {
        setup();
    }
    if (size < HDR_BYTES || size - HDR_BYTES > RAM_SIZE) {
        return 0;
    }
    ctl = data[0];
    num = 2u << (ctl & 3);

    /* Reset, then the guest's memory as the input has it. */
    wr(R_STATUS, 0);
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, data + HDR_BYTES, size - HDR_BYTES);

    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(R_DEV_FEATURES_SEL, 0);
    features = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 1);
    features |= (uint64_t)rd(R_DEV_FEATURES) << 32;
    if (ctl & 4) {
        features &= ~(1ull << VIRTIO_F_INDIRECT_DESC);
    }
    if (ctl & 8) {
        features &= ~(1ull << VIRTIO_F_EVENT_IDX);
    }
    if (ctl & 16) {
        features &= ~OPTIONAL_FEATURES;
    }
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, (uint32_t)features);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, (uint32_t)(features >> 32));
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    if (!(rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        fail("FEATURES_OK refused for features 0x%llx\n", (unsigned long long)features);
    }
    for (q = 0; q < NR_QUEUES; q++) {
        queue_init(q, num);
    }
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);

    for (int round = 0; round < ((ctl & 32) ? 2 : 1); round++) {
        /* Transmit (net) or requests (blk) first, then receive. */
        for (int i = NR_QUEUES - 1; i >= 0; i--) {
            wr(R_QUEUE_NOTIFY, (uint32_t)i);
        }
#ifdef FUZZ_VIRTIO_NET
        for (unsigned f = 0; f < (ctl >> 6u); f++) {
            static uint8_t frame[14 + 255 * 8];
            size_t len = 14 + (size_t)data[1] * 8;

            for (size_t i = 0; i < len; i++) {
                frame[i] = data[(i + f) % size];
            }
            net_send_to_guest(nd, frame, len);
        }
        net_flush_to_guest(nd);
#endif
        wr(R_INT_ACK, rd(R_INT_STATUS));
    }

    return 0;
}
