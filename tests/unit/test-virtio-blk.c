/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of virtio-blk (hw/virtio/virtio-blk.c, virtio 1.2 §5.2) over
 * the virtio-mmio transport (hw/virtio/virtio-mmio.c, §4.2): the register
 * handshake a driver goes through (§3.1.1, §4.2.3), then requests laid
 * out by hand in guest RAM against a real raw image in a temporary file:
 * reads and writes round-trip, out-of-range and read-only requests fail
 * with IOERR, GET_ID, FLUSH, DISCARD, WRITE_ZEROES, and the interrupt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "block/block.h"
#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/virtio/virtio.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x200000ull
#define MMIO 0x10001000ull
#define EMPTY_MMIO 0x10002000ull
#define IRQ_NUM 1
#define QSIZE 16
#define DISK_SIZE (1024 * 1024)
#define DISK_SECTORS (DISK_SIZE / 512)

#define DESC_GPA (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA (RAM_BASE + 0x2000)
#define HDR_GPA (RAM_BASE + 0x3000)
#define STATUS_GPA (RAM_BASE + 0x3100)
#define DATA_GPA (RAM_BASE + 0x10000)

/* Registers (§4.2.2). */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
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
#define R_CONFIG_GEN 0x0fc
#define R_CONFIG 0x100

/* §5.2 */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define F_SEG_MAX 2
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_DISCARD 13
#define F_WRITE_ZEROES 14

static Machine *m;
static char path[64];
static BlockDriverState *bs;
static VirtIODevice *vdev;
static int irq_level;

static void record_irq(void *opaque, int n, int level)
{
    irq_level = level;
}

#include "mmio-helpers.h"

/* A raw image whose byte i is (i / 512) ^ i, so every sector differs. */
static void make_image(void)
{
    uint8_t *buf = malloc(DISK_SIZE);
    int fd;

    snprintf(path, sizeof(path), "/tmp/test-virtio-blk-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t i = 0; i < DISK_SIZE; i++) {
        buf[i] = (uint8_t)((i / 512) ^ i);
    }
    assert_int_equal(pwrite(fd, buf, DISK_SIZE, 0), DISK_SIZE);
    close(fd);
    free(buf);
}

static void start_machine(bool read_only)
{
    char err[256];

    m = calloc(1, sizeof(*m));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    fdt_machine_begin(m);
    m->irqchip_phandle = 9;
    make_image();
    bs = bdrv_open(path, "raw", read_only ? 0 : BDRV_O_RDWR, NULL, err, sizeof(err));
    assert_non_null(bs);
    vdev = virtio_blk_new(m, bs, read_only);
    assert_non_null(vdev);
    irq_level = 0;
    assert_non_null(virtio_mmio_create(m, MMIO, (IRQLine){ record_irq, NULL, 0 }, IRQ_NUM,
                                       vdev));
}

static int setup(void **state)
{
    start_machine(false);
    return 0;
}

static int setup_ro(void **state)
{
    start_machine(true);
    return 0;
}

static int teardown(void **state)
{
    bdrv_close(bs);
    unlink(path);
    memory_destroy(&m->as);
    free(m->fdt);
    free(m);
    return 0;
}

/* What Linux's virtio_mmio + virtio_blk do at probe (§3.1.1, §4.2.3.2). */
static void driver_init(void)
{
    uint64_t features;

    wr(R_STATUS, 0);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(R_DEV_FEATURES_SEL, 0);
    features = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 1);
    features |= (uint64_t)rd(R_DEV_FEATURES) << 32;
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, (uint32_t)features);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, (uint32_t)(features >> 32));
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    wr(R_QUEUE_SEL, 0);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    wr(R_QUEUE_NUM, QSIZE);
    wr(R_DESC_LOW, (uint32_t)DESC_GPA);
    wr(R_DESC_HIGH, (uint32_t)(DESC_GPA >> 32));
    wr(R_DRIVER_LOW, (uint32_t)AVAIL_GPA);
    wr(R_DRIVER_HIGH, (uint32_t)(AVAIL_GPA >> 32));
    wr(R_DEVICE_LOW, (uint32_t)USED_GPA);
    wr(R_DEVICE_HIGH, (uint32_t)(USED_GPA >> 32));
    wr(R_QUEUE_READY, 1);
    assert_int_equal(rd(R_QUEUE_READY), 1);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void set_desc(unsigned i, gpa_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *d = ram(DESC_GPA + 16 * i);

    st_le64(d, addr);
    st_le32(d + 8, len);
    st_le16(d + 12, flags);
    st_le16(d + 14, next);
}

static uint16_t used_idx(void)
{
    return ld_le16(ram(USED_GPA + 2));
}

/* Make chain `head` available and notify; returns the used len of the completion. */
static uint32_t kick(uint16_t head)
{
    uint16_t idx = ld_le16(ram(AVAIL_GPA + 2));
    uint16_t before = used_idx();

    st_le16(ram(AVAIL_GPA + 4 + 2 * (idx % QSIZE)), head);
    st_le16(ram(AVAIL_GPA + 2), idx + 1);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), (uint16_t)(before + 1));
    assert_int_equal(ld_le32(ram(USED_GPA + 4 + 8 * (before % QSIZE))), head);
    return ld_le32(ram(USED_GPA + 8 + 8 * (before % QSIZE)));
}

/*
 * One request as Linux lays it out: header, data (readable for OUT,
 * writable for IN and GET_ID, none when len is 0), status.
 */
static uint8_t request(uint32_t type, uint64_t sector, gpa_t data, uint32_t len,
                       bool data_writable, uint32_t *used)
{
    uint8_t *hdr = ram(HDR_GPA);
    unsigned n = 0;
    uint32_t u;

    st_le32(hdr, type);
    st_le32(hdr + 4, 0);
    st_le64(hdr + 8, sector);
    *ram(STATUS_GPA) = 0xff;
    set_desc(n, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, n + 1);
    n++;
    if (len) {
        set_desc(n, data, len, VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0),
                 n + 1);
        n++;
    }
    set_desc(n, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
    u = kick(0);
    if (used) {
        *used = u;
    }
    return *ram(STATUS_GPA);
}

static uint8_t disk_byte(uint64_t off)
{
    uint8_t b;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
    close(fd);
    return b;
}

static uint64_t config64(unsigned off)
{
    return rd(R_CONFIG + off) | ((uint64_t)rd(R_CONFIG + off + 4) << 32);
}

static void test_virtio_mmio_identifies_block_device(void **state)
{
    assert_int_equal(rd(R_MAGIC), 0x74726976);
    assert_int_equal(rd(R_VERSION), 2);
    assert_int_equal(rd(R_DEVICE_ID), 2);
    assert_int_equal(rd(R_VENDOR_ID), 0x554d4551);
}

static void test_virtio_mmio_empty_slot_reads_device_id_0(void **state)
{
    uint64_t v;

    assert_non_null(virtio_mmio_create(m, EMPTY_MMIO, (IRQLine){ 0 }, 2, NULL));
    assert_int_equal(memory_read(&m->as, EMPTY_MMIO + R_MAGIC, 4, &v), 0);
    assert_int_equal(v, 0x74726976);
    assert_int_equal(memory_read(&m->as, EMPTY_MMIO + R_VERSION, 4, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(memory_read(&m->as, EMPTY_MMIO + R_DEVICE_ID, 4, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(memory_write(&m->as, EMPTY_MMIO + R_STATUS, 4, 1), 0);
    assert_int_equal(memory_read(&m->as, EMPTY_MMIO + R_STATUS, 4, &v), 0);
    assert_int_equal(v, 0);
}

static void test_virtio_mmio_feature_select_windows(void **state)
{
    uint32_t lo, hi;

    wr(R_DEV_FEATURES_SEL, 0);
    lo = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 1);
    hi = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 2);
    assert_int_equal(rd(R_DEV_FEATURES), 0);

    assert_true(lo & (1u << F_SEG_MAX));
    assert_true(lo & (1u << F_BLK_SIZE));
    assert_true(lo & (1u << F_FLUSH));
    assert_true(lo & (1u << F_DISCARD));
    assert_true(lo & (1u << F_WRITE_ZEROES));
    assert_false(lo & (1u << F_RO));
    assert_true(lo & (1u << VIRTIO_F_INDIRECT_DESC));
    assert_true(lo & (1u << VIRTIO_F_EVENT_IDX));
    assert_int_equal(hi, 1u << (VIRTIO_F_VERSION_1 - 32));
}

static void test_virtio_mmio_queue_setup_reads_back(void **state)
{
    wr(R_QUEUE_SEL, 0);
    assert_int_equal(rd(R_QUEUE_NUM_MAX), 256);
    wr(R_QUEUE_SEL, 1);
    assert_int_equal(rd(R_QUEUE_NUM_MAX), 0);   /* no such queue */
    driver_init();
    assert_int_equal(rd(R_QUEUE_READY), 1);
    assert_int_equal(rd(R_DESC_LOW), (uint32_t)DESC_GPA);
    assert_int_equal(rd(R_DRIVER_LOW), (uint32_t)AVAIL_GPA);
    assert_int_equal(rd(R_DEVICE_LOW), (uint32_t)USED_GPA);
    assert_int_equal(rd(R_DEVICE_HIGH), 0);
    assert_int_equal(rd(R_STATUS), 0xf);
}

static void test_virtio_mmio_status_write_0_resets(void **state)
{
    driver_init();
    wr(R_STATUS, 0);
    assert_int_equal(rd(R_STATUS), 0);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    assert_int_equal(rd(R_DESC_LOW), 0);
    assert_int_equal(vdev->guest_features, 0);
}

static void test_virtio_mmio_features_ok_needs_version_1(void **state)
{
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, 1u << F_FLUSH);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    assert_false(rd(R_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_virtio_mmio_rings_outside_ram_need_reset(void **state)
{
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(R_QUEUE_NUM, QSIZE);
    wr(R_DESC_LOW, 0x1000);  /* nothing there */
    wr(R_DRIVER_LOW, (uint32_t)AVAIL_GPA);
    wr(R_DRIVER_HIGH, 0);
    wr(R_DEVICE_LOW, (uint32_t)USED_GPA);
    wr(R_QUEUE_READY, 1);
    assert_int_equal(rd(R_QUEUE_READY), 0);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(rd(R_INT_STATUS), VIRTIO_ISR_CONFIG);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(R_CONFIG_GEN), 1);
}

static void test_virtio_mmio_dt_node(void **state)
{
    int off = fdt_path_offset(m->fdt, "/soc/virtio_mmio@10001000");
    const fdt32_t *p;
    int len;

    assert_true(off >= 0);
    assert_string_equal(fdt_getprop(m->fdt, off, "compatible", NULL), "virtio,mmio");
    p = fdt_getprop(m->fdt, off, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(p[1]), MMIO);
    assert_int_equal(fdt32_to_cpu(p[3]), 0x1000);
    p = fdt_getprop(m->fdt, off, "interrupts", &len);
    assert_int_equal(fdt32_to_cpu(p[0]), IRQ_NUM);
    p = fdt_getprop(m->fdt, off, "interrupt-parent", &len);
    assert_int_equal(fdt32_to_cpu(p[0]), 9);
}

static void test_virtio_blk_config_space(void **state)
{
    assert_int_equal(config64(0), DISK_SECTORS);
    assert_int_equal(rd(R_CONFIG + 12), 254);   /* seg_max */
    assert_int_equal(rd(R_CONFIG + 20), 512);   /* blk_size */
    assert_int_equal(rd(R_CONFIG + 40), 1);     /* max_discard_seg */
    assert_int_equal(rd(R_CONFIG + 52), 1);     /* max_write_zeroes_seg */
    assert_true(rd(R_CONFIG + 36) > 0);         /* max_discard_sectors */
    assert_true(rd(R_CONFIG + 48) > 0);         /* max_write_zeroes_sectors */
}

static void test_virtio_blk_config_byte_access(void **state)
{
    uint64_t v;

    /* capacity byte 1 of 2048 sectors = 0x08 */
    assert_int_equal(memory_read(&m->as, MMIO + R_CONFIG + 1, 1, &v), 0);
    assert_int_equal(v, DISK_SECTORS >> 8);
    /* past the config space reads as 0 */
    assert_int_equal(memory_read(&m->as, MMIO + R_CONFIG + 0x200, 4, &v), 0);
    assert_int_equal(v, 0);
}

static void test_virtio_blk_read_returns_image_data(void **state)
{
    uint32_t used;

    driver_init();
    assert_int_equal(request(T_IN, 3, DATA_GPA, 1024, true, &used), S_OK);
    assert_int_equal(used, 1025);
    for (unsigned i = 0; i < 1024; i++) {
        assert_int_equal(ram(DATA_GPA)[i], (uint8_t)(((3 * 512 + i) / 512) ^ (3 * 512 + i)));
    }
}

static void test_virtio_blk_write_reaches_image(void **state)
{
    driver_init();
    memset(ram(DATA_GPA), 0xa5, 512);
    assert_int_equal(request(T_OUT, 10, DATA_GPA, 512, false, NULL), S_OK);
    assert_int_equal(disk_byte(10 * 512), 0xa5);
    assert_int_equal(disk_byte(10 * 512 + 511), 0xa5);
    assert_int_equal(disk_byte(11 * 512), (uint8_t)(11 ^ (11 * 512)));
}

static void test_virtio_blk_write_then_read_round_trips(void **state)
{
    driver_init();
    for (unsigned i = 0; i < 4096; i++) {
        ram(DATA_GPA)[i] = (uint8_t)(i * 7);
    }
    assert_int_equal(request(T_OUT, DISK_SECTORS - 8, DATA_GPA, 4096, false, NULL), S_OK);
    memset(ram(DATA_GPA + 0x2000), 0, 4096);
    assert_int_equal(request(T_IN, DISK_SECTORS - 8, DATA_GPA + 0x2000, 4096, true, NULL),
                     S_OK);
    assert_memory_equal(ram(DATA_GPA), ram(DATA_GPA + 0x2000), 4096);
}

static void test_virtio_blk_read_any_layout(void **state)
{
    uint8_t *hdr = ram(HDR_GPA);

    /* Header split across two descriptors; data and status share one. */
    driver_init();
    st_le32(hdr, T_IN);
    st_le32(hdr + 4, 0);
    st_le64(hdr + 8, 5);
    set_desc(0, HDR_GPA, 6, VIRTQ_DESC_F_NEXT, 1);
    set_desc(1, HDR_GPA + 6, 10, VIRTQ_DESC_F_NEXT, 2);
    set_desc(2, DATA_GPA, 513, VIRTQ_DESC_F_WRITE, 0);
    ram(DATA_GPA)[512] = 0xff;
    assert_int_equal(kick(0), 513);
    assert_int_equal(ram(DATA_GPA)[512], S_OK);
    assert_int_equal(ram(DATA_GPA)[0], (uint8_t)(5 ^ (5 * 512)));
}

static void test_virtio_blk_read_through_indirect_table(void **state)
{
    gpa_t table = RAM_BASE + 0x4000;
    uint8_t *hdr = ram(HDR_GPA);
    uint8_t *t = ram(table);

    driver_init();
    st_le32(hdr, T_IN);
    st_le64(hdr + 8, 7);
    /* header, two 256-byte data pieces, status */
    const struct { gpa_t a; uint32_t l; uint16_t f; } d[] = {
        { HDR_GPA, 16, VIRTQ_DESC_F_NEXT },
        { DATA_GPA + 0x800, 256, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE },
        { DATA_GPA, 256, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE },
        { STATUS_GPA, 1, VIRTQ_DESC_F_WRITE },
    };
    for (unsigned i = 0; i < 4; i++) {
        st_le64(t + 16 * i, d[i].a);
        st_le32(t + 16 * i + 8, d[i].l);
        st_le16(t + 16 * i + 12, d[i].f);
        st_le16(t + 16 * i + 14, i + 1);
    }
    set_desc(3, table, 4 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    *ram(STATUS_GPA) = 0xff;
    kick(3);
    assert_int_equal(*ram(STATUS_GPA), S_OK);
    assert_int_equal(ram(DATA_GPA + 0x800)[0], (uint8_t)(7 ^ (7 * 512)));
    assert_int_equal(ram(DATA_GPA)[0], (uint8_t)(7 ^ (7 * 512 + 256)));
}

static void test_virtio_blk_out_of_range_sector_ioerr(void **state)
{
    driver_init();
    assert_int_equal(request(T_IN, DISK_SECTORS, DATA_GPA, 512, true, NULL), S_IOERR);
}

static void test_virtio_blk_request_straddling_end_ioerr(void **state)
{
    driver_init();
    memset(ram(DATA_GPA), 0x11, 1024);
    assert_int_equal(request(T_OUT, DISK_SECTORS - 1, DATA_GPA, 1024, false, NULL), S_IOERR);
    assert_int_equal(disk_byte(DISK_SIZE - 512), (uint8_t)((DISK_SECTORS - 1) ^
                                                           (DISK_SIZE - 512)));
}

static void test_virtio_blk_huge_sector_ioerr(void **state)
{
    driver_init();
    assert_int_equal(request(T_IN, 0x0080000000000000ull, DATA_GPA, 512, true, NULL), S_IOERR);
    assert_int_equal(request(T_IN, UINT64_MAX, DATA_GPA, 512, true, NULL), S_IOERR);
}

static void test_virtio_blk_partial_sector_ioerr(void **state)
{
    driver_init();
    assert_int_equal(request(T_IN, 0, DATA_GPA, 100, true, NULL), S_IOERR);
}

static void test_virtio_blk_read_only_offers_ro(void **state)
{
    wr(R_DEV_FEATURES_SEL, 0);
    assert_true(rd(R_DEV_FEATURES) & (1u << F_RO));
    assert_false(rd(R_DEV_FEATURES) & (1u << F_WRITE_ZEROES));
}

static void test_virtio_blk_write_to_read_only_ioerr(void **state)
{
    driver_init();
    memset(ram(DATA_GPA), 0x5a, 512);
    assert_int_equal(request(T_OUT, 0, DATA_GPA, 512, false, NULL), S_IOERR);
    assert_int_equal(disk_byte(0), 0);
    assert_int_equal(request(T_IN, 1, DATA_GPA, 512, true, NULL), S_OK);
}

static void test_virtio_blk_get_id(void **state)
{
    uint32_t used;

    driver_init();
    memset(ram(DATA_GPA), 0xee, 32);
    assert_int_equal(request(T_GET_ID, 0, DATA_GPA, 20, true, &used), S_OK);
    assert_int_equal(used, 21);
    assert_string_equal((char *)ram(DATA_GPA), "vm-disk-0");
    assert_int_equal(ram(DATA_GPA)[19], 0);
}

static void test_virtio_blk_get_id_custom_serial_20_bytes(void **state)
{
    virtio_blk_set_serial(vdev, "0123456789abcdefghijKLMN");
    driver_init();
    memset(ram(DATA_GPA), 0xee, 32);
    assert_int_equal(request(T_GET_ID, 0, DATA_GPA, 20, true, NULL), S_OK);
    assert_memory_equal(ram(DATA_GPA), "0123456789abcdefghij", 20);
    assert_int_equal(ram(DATA_GPA)[20], 0xee);
}

static void test_virtio_blk_flush(void **state)
{
    uint32_t used;

    driver_init();
    assert_int_equal(request(T_FLUSH, 0, 0, 0, false, &used), S_OK);
    assert_int_equal(used, 1);
}

static void test_virtio_blk_unknown_type_unsupp(void **state)
{
    driver_init();
    assert_int_equal(request(99, 0, 0, 0, false, NULL), S_UNSUPP);
}

static void dwz_segment(uint64_t sector, uint32_t n, uint32_t flags)
{
    st_le64(ram(DATA_GPA), sector);
    st_le32(ram(DATA_GPA + 8), n);
    st_le32(ram(DATA_GPA + 12), flags);
}

static void test_virtio_blk_write_zeroes_clears_sectors(void **state)
{
    driver_init();
    dwz_segment(4, 2, 0);
    assert_int_equal(request(T_WRITE_ZEROES, 0, DATA_GPA, 16, false, NULL), S_OK);
    assert_int_equal(disk_byte(4 * 512 + 1), 0);
    assert_int_equal(disk_byte(6 * 512 - 1), 0);
    assert_int_equal(disk_byte(6 * 512 + 1), (uint8_t)(6 ^ (6 * 512 + 1)));
}

static void test_virtio_blk_write_zeroes_past_end_ioerr(void **state)
{
    driver_init();
    dwz_segment(DISK_SECTORS - 1, 2, 0);
    assert_int_equal(request(T_WRITE_ZEROES, 0, DATA_GPA, 16, false, NULL), S_IOERR);
}

static void test_virtio_blk_discard(void **state)
{
    driver_init();
    dwz_segment(8, 8, 0);
    assert_int_equal(request(T_DISCARD, 0, DATA_GPA, 16, false, NULL), S_OK);
}

static void test_virtio_blk_discard_with_unmap_unsupp(void **state)
{
    driver_init();
    dwz_segment(8, 8, 1);
    assert_int_equal(request(T_DISCARD, 0, DATA_GPA, 16, false, NULL), S_UNSUPP);
}

static void test_virtio_blk_completion_raises_and_ack_lowers_irq(void **state)
{
    driver_init();
    assert_int_equal(irq_level, 0);
    assert_int_equal(request(T_FLUSH, 0, 0, 0, false, NULL), S_OK);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(R_INT_STATUS), VIRTIO_ISR_VQ);
    wr(R_INT_ACK, VIRTIO_ISR_VQ);
    assert_int_equal(rd(R_INT_STATUS), 0);
    assert_int_equal(irq_level, 0);
}

static void test_virtio_blk_notify_before_driver_ok_waits(void **state)
{
    driver_init();
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
       VIRTIO_STATUS_FEATURES_OK);    /* as if DRIVER_OK were not set yet */
    set_desc(0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
    set_desc(1, STATUS_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
    st_le32(ram(HDR_GPA), T_FLUSH);
    st_le16(ram(AVAIL_GPA + 4), 0);
    st_le16(ram(AVAIL_GPA + 2), 1);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 0);
    wr(R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(used_idx(), 1);
}

static void test_virtio_blk_missing_status_needs_reset(void **state)
{
    driver_init();
    st_le32(ram(HDR_GPA), T_IN);
    set_desc(0, HDR_GPA, 16, 0, 0);   /* no writable byte for the status */
    st_le16(ram(AVAIL_GPA + 4), 0);
    st_le16(ram(AVAIL_GPA + 2), 1);
    wr(R_QUEUE_NOTIFY, 0);
    assert_int_equal(used_idx(), 0);
    assert_true(rd(R_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_true(rd(R_INT_STATUS) & VIRTIO_ISR_CONFIG);
    assert_int_equal(irq_level, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define T_RO(f) cmocka_unit_test_setup_teardown(f, setup_ro, teardown)
        T(test_virtio_mmio_identifies_block_device),
        T(test_virtio_mmio_empty_slot_reads_device_id_0),
        T(test_virtio_mmio_feature_select_windows),
        T(test_virtio_mmio_queue_setup_reads_back),
        T(test_virtio_mmio_status_write_0_resets),
        T(test_virtio_mmio_features_ok_needs_version_1),
        T(test_virtio_mmio_rings_outside_ram_need_reset),
        T(test_virtio_mmio_dt_node),
        T(test_virtio_blk_config_space),
        T(test_virtio_blk_config_byte_access),
        T(test_virtio_blk_read_returns_image_data),
        T(test_virtio_blk_write_reaches_image),
        T(test_virtio_blk_write_then_read_round_trips),
        T(test_virtio_blk_read_any_layout),
        T(test_virtio_blk_read_through_indirect_table),
        T(test_virtio_blk_out_of_range_sector_ioerr),
        T(test_virtio_blk_request_straddling_end_ioerr),
        T(test_virtio_blk_huge_sector_ioerr),
        T(test_virtio_blk_partial_sector_ioerr),
        T_RO(test_virtio_blk_read_only_offers_ro),
        T_RO(test_virtio_blk_write_to_read_only_ioerr),
        T(test_virtio_blk_get_id),
        T(test_virtio_blk_get_id_custom_serial_20_bytes),
        T(test_virtio_blk_flush),
        T(test_virtio_blk_unknown_type_unsupp),
        T(test_virtio_blk_write_zeroes_clears_sectors),
        T(test_virtio_blk_write_zeroes_past_end_ioerr),
        T(test_virtio_blk_discard),
        T(test_virtio_blk_discard_with_unmap_unsupp),
        T(test_virtio_blk_completion_raises_and_ack_lowers_irq),
        T(test_virtio_blk_notify_before_driver_ok_waits),
        T(test_virtio_blk_missing_status_needs_reset),
#undef T
#undef T_RO
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
