/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of virtio-gpu's control commands (hw/display/virtio-gpu.c,
 * virtio 1.2 §5.7.6): every malformed request (short, unknown, bad ids,
 * rectangles outside the resource, backing outside guest RAM, offsets
 * past the backing) gets its error response; a well-formed create,
 * attach, transfer, set_scanout and flush puts the guest's pixels on the
 * display; unref takes the scanout down; fences are echoed.  The
 * resources, their backing and the scanout survive a vmstate save and
 * load, and a damaged resource blob is refused with nothing changed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/core/devices.h"
#include "hw/display/virtio-gpu.h"
#include "migration/vmstate.h"
#include "ui/display.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define PIX_GPA (RAM_BASE + 0x10000)

static Machine *m;
static VirtIODevice *gpu;
static uint8_t resp[VIRTIO_GPU_MAX_RESP];

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    gpu = virtio_gpu_new(m);
    assert_non_null(gpu);
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    return 0;
}

/* Run a request; returns the response type. */
static uint32_t run(const uint8_t *req, size_t len)
{
    size_t n = virtio_gpu_process(gpu, req, len, resp);

    assert_true(n >= VIRTIO_GPU_HDR_SIZE && n <= sizeof(resp));
    return ld_le32(resp);
}

/* A request of `len` bytes of type `type`, then up to 8 le32 fields from byte 24 on. */
static size_t req_build(uint8_t *req, size_t len, uint32_t type, unsigned n, ...)
{
    va_list ap;

    memset(req, 0, len);
    st_le32(req, type);
    va_start(ap, n);
    for (unsigned i = 0; i < n; i++) {
        st_le32(req + 24 + 4 * i, va_arg(ap, uint32_t));
    }
    va_end(ap);
    return len;
}

static uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
    uint8_t req[40];

    return run(req, req_build(req, 40, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 4, id, fmt, w, h));
}

static uint32_t attach(uint32_t id, uint64_t addr, uint32_t len)
{
    uint8_t req[48];

    req_build(req, 48, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 2, id, 1);
    st_le64(req + 32, addr);
    st_le32(req + 40, len);
    return run(req, sizeof(req));
}

static uint32_t transfer(uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                         uint64_t offset)
{
    uint8_t req[56];

    req_build(req, 56, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 4, x, y, w, h);
    st_le64(req + 40, offset);
    st_le32(req + 48, id);
    return run(req, sizeof(req));
}

static uint32_t set_scanout(uint32_t scanout, uint32_t id, uint32_t w, uint32_t h)
{
    uint8_t req[48];

    return run(req, req_build(req, 48, VIRTIO_GPU_CMD_SET_SCANOUT, 6, 0, 0, w, h, scanout, id));
}

static uint32_t unref(uint32_t id)
{
    uint8_t req[32];

    return run(req, req_build(req, 32, VIRTIO_GPU_CMD_RESOURCE_UNREF, 1, id));
}

static void test_gpu_rejects_short_and_unknown_requests(void **state)
{
    uint8_t req[64] = { 0 };

    assert_int_equal(run(req, 10), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(run(req, req_build(req, 24, 0x0999, 0)), VIRTIO_GPU_RESP_ERR_UNSPEC);
    /* A create_2d cut short of its fields. */
    assert_int_equal(run(req, req_build(req, 30, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 0)),
                     VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

static void test_gpu_display_info_offers_one_1280x800_scanout(void **state)
{
    uint8_t req[24];

    assert_int_equal(run(req, req_build(req, 24, VIRTIO_GPU_CMD_GET_DISPLAY_INFO, 0)),
                     VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
    assert_int_equal(ld_le32(resp + 24 + 8), 1280);
    assert_int_equal(ld_le32(resp + 24 + 12), 800);
    assert_int_equal(ld_le32(resp + 24 + 16), 1);
    assert_int_equal(ld_le32(resp + 48 + 16), 0);   /* scanout 1: disabled */
}

static void test_gpu_create_rejects_bad_ids_formats_and_sizes(void **state)
{
    assert_int_equal(create(0, 2, 64, 64), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    assert_int_equal(create(1, 2, 64, 64), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(create(1, 2, 64, 64), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    assert_int_equal(create(2, 99, 64, 64), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(create(2, 2, 0, 64), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(create(2, 2, 0x80000000u, 2), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    /* 16384 x 16384 x 4 bytes is past the 256 MiB the resources may hold. */
    assert_int_equal(create(2, 2, 16384, 16384), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    assert_int_equal(unref(1), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(unref(1), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
}

static void test_gpu_attach_rejects_bad_entries(void **state)
{
    uint8_t req[48];

    assert_int_equal(create(3, 2, 16, 16), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(attach(4, PIX_GPA, 1024), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    /* Three entries announced, one present in the request. */
    req_build(req, 48, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 2, 3, 3);
    assert_int_equal(run(req, sizeof(req)), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    req_build(req, 48, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 2, 3, 0);
    assert_int_equal(run(req, sizeof(req)), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(attach(3, 0x1000, 1024), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(attach(3, RAM_BASE + RAM_SIZE - 8, 1024), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(attach(3, ~0ull - 16, 1024), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(attach(3, PIX_GPA, 0), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(attach(3, PIX_GPA, 1024), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(attach(3, PIX_GPA, 1024), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(unref(3), VIRTIO_GPU_RESP_OK_NODATA);
}

static void test_gpu_transfer_rejects_rects_and_offsets_out_of_range(void **state)
{
    uint8_t req[32];

    assert_int_equal(create(5, 2, 16, 16), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(transfer(5, 0, 0, 16, 16, 0), VIRTIO_GPU_RESP_ERR_UNSPEC); /* no backing */
    assert_int_equal(attach(5, PIX_GPA, 16 * 16 * 4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(transfer(5, 0, 0, 17, 16, 0), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(transfer(5, 0xffffffffu, 0, 2, 1, 0),
                     VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(transfer(5, 0, 15, 16, 2, 0), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    /* The rectangle fits, but its rows would be read past the 1 KiB backing. */
    assert_int_equal(transfer(5, 0, 8, 16, 8, 8 * 64 + 4), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(transfer(5, 0, 0, 16, 16, ~0ull), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(transfer(5, 0, 8, 16, 8, 8 * 64), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(transfer(6, 0, 0, 1, 1, 0), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    assert_int_equal(run(req, req_build(req, 32, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 1, 5)),
                     VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(transfer(5, 0, 0, 16, 16, 0), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(unref(5), VIRTIO_GPU_RESP_OK_NODATA);
}

/* Resource id: 8x4 pixels base + i (i = y * 8 + x), from guest RAM at PIX_GPA. */
static void upload_8x4(uint32_t id, uint32_t fmt, uint32_t base)
{
    uint8_t *ram = memory_host_ptr(&m->as, PIX_GPA, 8 * 4 * 4);

    for (unsigned i = 0; i < 32; i++) {
        st_le32(ram + 4 * i, base + i);
    }
    assert_int_equal(create(id, fmt, 8, 4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(attach(id, PIX_GPA, 8 * 4 * 4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(transfer(id, 0, 0, 8, 4, 0), VIRTIO_GPU_RESP_OK_NODATA);
}

/* The display shows an 8x4 upload_8x4 picture of `base` in format fmt. */
static DisplaySurface *shown_8x4(DisplayFormat fmt, uint32_t base)
{
    DisplaySurface *s;

    assert_non_null(m->display->active);
    s = &m->display->active->surface;
    assert_int_equal(s->width, 8);
    assert_int_equal(s->height, 4);
    assert_int_equal(s->format, fmt);
    assert_int_equal(ld_le32(s->data + 3 * s->stride + 4 * 5), base + 3 * 8 + 5);
    return s;
}

static void test_gpu_scanout_shows_transferred_pixels(void **state)
{
    uint8_t req[48];
    DisplayRect r;
    bool changed;

    upload_8x4(7, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 0x00102030);
    assert_int_equal(set_scanout(1, 7, 8, 4), VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
    assert_int_equal(set_scanout(0, 8, 8, 4), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
    assert_int_equal(set_scanout(0, 7, 9, 4), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    assert_int_equal(set_scanout(0, 7, 8, 4), VIRTIO_GPU_RESP_OK_NODATA);
    shown_8x4(DISPLAY_BGRX, 0x00102030);
    display_take_dirty(m->display, &r, &changed);
    req_build(req, 48, VIRTIO_GPU_CMD_RESOURCE_FLUSH, 5, 2, 1, 3, 2, 7);
    assert_int_equal(run(req, sizeof(req)), VIRTIO_GPU_RESP_OK_NODATA);
    assert_true(display_take_dirty(m->display, &r, &changed));
    assert_int_equal(r.x, 2);
    assert_int_equal(r.y, 1);
    assert_int_equal(r.w, 3);
    assert_int_equal(r.h, 2);
    req_build(req, 48, VIRTIO_GPU_CMD_RESOURCE_FLUSH, 5, 2, 1, 30, 2, 7);
    assert_int_equal(run(req, sizeof(req)), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
    /* Unref of the shown resource takes the scanout down. */
    assert_int_equal(unref(7), VIRTIO_GPU_RESP_OK_NODATA);
    assert_null(m->display->active);
}

static void test_gpu_echoes_fences(void **state)
{
    uint8_t req[24];

    req_build(req, 24, VIRTIO_GPU_CMD_GET_DISPLAY_INFO, 0);
    st_le32(req + 4, VIRTIO_GPU_FLAG_FENCE);
    st_le64(req + 8, 0x1234567890ull);
    run(req, sizeof(req));
    assert_int_equal(ld_le32(resp + 4), VIRTIO_GPU_FLAG_FENCE);
    assert_int_equal(ld_le64(resp + 8), 0x1234567890ull);
}

/*
 * The device section (migration/vmstate.c): le32 count and its CRC-32,
 * then each record (id, version, size, state, le64 extra length, extra)
 * and the record's CRC-32.  The gpu's record is the only one.
 */
#define GPU_RECORD 8

/* Offset of the virtio-gpu record's variable-length part in a device section. */
static size_t gpu_blob_offset(const uint8_t *dev, size_t len)
{
    size_t idlen = ld_le16(dev + GPU_RECORD), size;

    assert_int_equal(ld_le32(dev), 1);          /* the gpu is the only record */
    size = ld_le32(dev + GPU_RECORD + 2 + idlen + 4);
    assert_int_equal(ld_le64(dev + GPU_RECORD + 2 + idlen + 8 + size),
                     len - (GPU_RECORD + 2 + idlen + 16 + size + 4));
    return GPU_RECORD + 2 + idlen + 16 + size;
}

/*
 * Load a copy of dev with the le32 at blob byte `at` set to val, its
 * record's checksum made right again (so the gpu's own checks, not the
 * checksum, are what is tested): it must be refused.
 */
static void load_refused(const uint8_t *dev, size_t len, size_t at, uint64_t val, bool wide)
{
    uint8_t *bad = malloc(len);
    char err[256] = "";
    size_t blob = gpu_blob_offset(dev, len);

    memcpy(bad, dev, len);
    if (wide) {
        st_le64(bad + blob + at, val);
    } else {
        st_le32(bad + blob + at, (uint32_t)val);
    }
    st_le32(bad + len - 4, vmstate_checksum(0, bad + GPU_RECORD, len - 4 - GPU_RECORD));
    assert_int_equal(vmstate_load_all(m, bad, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "virtio-gpu"));
    assert_null(strstr(err, "checksum"));
    free(bad);
}

static void test_gpu_resources_survive_vmstate_save_and_load(void **state)
{
    uint8_t *ram = memory_host_ptr(&m->as, PIX_GPA, 8 * 4 * 4), *dev;
    size_t len;
    char err[256];
    DisplaySurface *s;

    upload_8x4(3, VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, 0x00405060);
    assert_int_equal(set_scanout(0, 3, 8, 4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(create(4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 2, 2), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(attach(4, PIX_GPA + 4096, 16), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(vmstate_save_all(m, &dev, &len), 0);

    /* Change everything the snapshot holds. */
    assert_int_equal(unref(3), VIRTIO_GPU_RESP_OK_NODATA);
    assert_null(m->display->active);
    assert_int_equal(create(5, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 4, 4), VIRTIO_GPU_RESP_OK_NODATA);

    /* Damaged blobs (resource 4 comes first: the newest is saved first). */
    load_refused(dev, len, 24 + 4, 20000, false);          /* width beyond the limit */
    load_refused(dev, len, 24 + 12, 7, false);             /* stride not width * 4 */
    load_refused(dev, len, 24 + 24, 0x1000, true);         /* backing outside guest RAM */
    load_refused(dev, len, 24 + 24, PIX_GPA + RAM_SIZE - 8, true);  /* across its end */
    load_refused(dev, len, 20, 3, false);                  /* more resources than bytes */
    load_refused(dev, len, 0, 9, false);                   /* scanout of no resource */
    load_refused(dev, len, 12, 9, false);                  /* scanout wider than 3 */
    assert_null(m->display->active);
    assert_int_equal(create(5, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 4, 4),
                     VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);      /* still there */
    assert_int_equal(transfer(3, 0, 0, 8, 4, 0), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);

    assert_int_equal(vmstate_load_all(m, dev, len, err, sizeof(err)), 0);
    free(dev);
    s = shown_8x4(DISPLAY_XRGB, 0x00405060);
    /* Resource 5 is gone, 4 is back with its backing, 3 still reads guest RAM. */
    assert_int_equal(create(5, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 4, 4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(attach(4, PIX_GPA, 16), VIRTIO_GPU_RESP_ERR_UNSPEC);
    assert_int_equal(transfer(4, 0, 0, 2, 2, 0), VIRTIO_GPU_RESP_OK_NODATA);
    st_le32(ram + 4 * 9, 0x00abcdef);
    assert_int_equal(transfer(3, 0, 0, 8, 4, 0), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(ld_le32(s->data + 1 * s->stride + 4 * 1), 0x00abcdef);
    assert_int_equal(unref(3), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(unref(4), VIRTIO_GPU_RESP_OK_NODATA);
    assert_int_equal(unref(5), VIRTIO_GPU_RESP_OK_NODATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_rejects_short_and_unknown_requests),
        cmocka_unit_test(test_gpu_display_info_offers_one_1280x800_scanout),
        cmocka_unit_test(test_gpu_create_rejects_bad_ids_formats_and_sizes),
        cmocka_unit_test(test_gpu_attach_rejects_bad_entries),
        cmocka_unit_test(test_gpu_transfer_rejects_rects_and_offsets_out_of_range),
        cmocka_unit_test(test_gpu_scanout_shows_transferred_pixels),
        cmocka_unit_test(test_gpu_echoes_fences),
        cmocka_unit_test(test_gpu_resources_survive_vmstate_save_and_load),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
