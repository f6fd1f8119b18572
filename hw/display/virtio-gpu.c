/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu in 2D mode (virtio 1.2 §5.7): queue 0 carries control
 * commands, queue 1 cursor commands (accepted and ignored: the host
 * pointer is drawn by the window system).  A resource is a host buffer
 * of 32-bit pixels; its backing is a list of guest RAM ranges the
 * driver attaches, and TRANSFER_TO_HOST_2D copies from it; SET_SCANOUT
 * shows a rectangle of a resource as the display source, RESOURCE_FLUSH
 * reports what changed.  Every request is copied out of the ring and
 * checked (sizes, ids, rectangles against the resource, backing ranges
 * against guest RAM) before use; a bad one gets an error response
 * (§5.7.6.7 VIRTIO_GPU_RESP_ERR_*), never a host access out of bounds.
 * Commands are done synchronously, so a fenced command is complete when
 * its response is written.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/display/virtio-gpu.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "ui/display.h"
#include "util/error.h"

#define VIRTIO_ID_GPU 16
#define VIRTIO_GPU_CTRLQ 0
#define VIRTIO_GPU_CURSORQ 1
#define VIRTIO_GPU_QUEUE_SIZE 256

/* struct virtio_gpu_config (§5.7.4). */
enum {
    VIRTIO_GPU_CFG_EVENTS_READ = 0,
    VIRTIO_GPU_CFG_EVENTS_CLEAR = 4,
    VIRTIO_GPU_CFG_NUM_SCANOUTS = 8,
    VIRTIO_GPU_CFG_NUM_CAPSETS = 12,
    VIRTIO_GPU_CFG_SIZE = 16,
};

#define VIRTIO_GPU_MAX_RES_SIDE 16384
#define VIRTIO_GPU_MAX_HOSTMEM (256ull << 20)
#define VIRTIO_GPU_MAX_BACKING_ENTRIES 16384
#define VIRTIO_GPU_BPP 4

typedef struct GPUResource {
    uint32_t id;
    uint32_t width, height, stride;   /* pixels, pixels, bytes */
    DisplayFormat format;
    uint8_t *data;                    /* height * stride bytes */
    struct iovec *backing;            /* guest RAM, checked at attach time */
    gpa_t *backing_gpa;               /* guest-physical start of each entry */
    unsigned nr_backing;
    uint64_t backing_len;             /* bytes */
    struct GPUResource *next;
} GPUResource;

typedef struct VirtIOGPU {
    VirtIODevice vdev;                /* first: the ops get &vdev */
    DisplaySource src;                /* scanout 0 */
    GPUResource *resources;
    uint64_t hostmem;                 /* bytes held by resources */
    uint32_t scanout_res;             /* resource shown on scanout 0, 0 = disabled */
    DisplayRect scanout_rect;         /* its rectangle within that resource */
    uint32_t events_read;
    VirtQueueElement elem;
    uint8_t req[VIRTIO_GPU_MAX_REQ];
} VirtIOGPU;

static VirtIOGPU *to_gpu(VirtIODevice *vdev)
{
    return (VirtIOGPU *)vdev;
}

static GPUResource *gpu_find(VirtIOGPU *g, uint32_t id)
{
    for (GPUResource *r = g->resources; r; r = r->next) {
        if (r->id == id) {
            return r;
        }
    }
    return NULL;
}

/* Whether rect (x, y, w, h) lies inside a width x height picture (no overflow). */
static bool rect_inside(const DisplayRect *r, uint32_t width, uint32_t height)
{
    return r->x <= width && r->w <= width - r->x && r->y <= height && r->h <= height - r->y;
}

static DisplayRect ld_rect(const uint8_t *p)
{
    return (DisplayRect){ ld_le32(p), ld_le32(p + 4), ld_le32(p + 8), ld_le32(p + 12) };
}

static bool gpu_format(uint32_t f, DisplayFormat *out)
{
    switch (f) {
    case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
    case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM: *out = DISPLAY_BGRX; return true;
    case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
    case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM: *out = DISPLAY_XRGB; return true;
    case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
    case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM: *out = DISPLAY_RGBX; return true;
    case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM:
    case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM: *out = DISPLAY_XBGR; return true;
    default: return false;
    }
}

/* Show scanout 0 as it is now (resource 0: disabled). */
static void gpu_update_scanout(VirtIOGPU *g)
{
    GPUResource *r = gpu_find(g, g->scanout_res);
    DisplaySurface s = { 0 };

    if (r) {
        s = (DisplaySurface){
            .width = g->scanout_rect.w, .height = g->scanout_rect.h, .stride = r->stride,
            .format = r->format,
            .data = r->data + (size_t)g->scanout_rect.y * r->stride +
                    (size_t)g->scanout_rect.x * VIRTIO_GPU_BPP,
        };
    }
    display_set_surface(&g->src, &s);
}

static void gpu_detach(GPUResource *r)
{
    free(r->backing);
    free(r->backing_gpa);
    r->backing = NULL;
    r->backing_gpa = NULL;
    r->nr_backing = 0;
    r->backing_len = 0;
}

static void gpu_free_resource(GPUResource *r)
{
    gpu_detach(r);
    free(r->data);
    free(r);
}

static void gpu_destroy(VirtIOGPU *g, GPUResource *r)
{
    GPUResource **p = &g->resources;

    if (g->scanout_res == r->id) {
        g->scanout_res = 0;
        gpu_update_scanout(g);
    }
    while (*p != r) {
        p = &(*p)->next;
    }
    *p = r->next;
    g->hostmem -= (uint64_t)r->stride * r->height;
    gpu_free_resource(r);
}

static uint32_t gpu_resource_create_2d(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    uint32_t id = ld_le32(req + 24), fmt = ld_le32(req + 28);
    uint32_t w = ld_le32(req + 32), h = ld_le32(req + 36);
    DisplayFormat df;
    GPUResource *r;
    uint64_t bytes = (uint64_t)w * h * VIRTIO_GPU_BPP;

    if (id == 0 || gpu_find(g, id)) {
        guest_error("virtio-gpu: create_2d: resource id %u is %s", id,
                    id ? "in use" : "reserved");
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!gpu_format(fmt, &df) || w == 0 || h == 0 || w > VIRTIO_GPU_MAX_RES_SIDE ||
        h > VIRTIO_GPU_MAX_RES_SIDE) {
        guest_error("virtio-gpu: create_2d: bad format %u or size %ux%u", fmt, w, h);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    if (bytes > VIRTIO_GPU_MAX_HOSTMEM - g->hostmem) {
        return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->data = calloc(1, bytes))) {
        free(r);
        return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
    }
    r->id = id;
    r->width = w;
    r->height = h;
    r->stride = w * VIRTIO_GPU_BPP;
    r->format = df;
    r->next = g->resources;
    g->resources = r;
    g->hostmem += bytes;
    return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t gpu_resource_unref(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    GPUResource *r = gpu_find(g, ld_le32(req + 24));

    if (!r) {
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    gpu_destroy(g, r);
    return VIRTIO_GPU_RESP_OK_NODATA;
}

/*
 * Point each of the n entries (gpa[i], iov[i].iov_len bytes) at guest
 * RAM: iov[i].iov_base gets the host address, *total the bytes.  An
 * entry that is empty or not wholly in guest RAM fails: -EINVAL, and one
 * line in err (or a guest_error when err is NULL, for the driver's
 * commands).
 */
static int gpu_map_backing(VirtIOGPU *g, struct iovec *iov, const gpa_t *gpa, uint32_t n,
                           uint64_t *total, char *err, size_t errlen)
{
    *total = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t elen = iov[i].iov_len;
        void *p = elen ? memory_host_ptr(&g->vdev.machine->as, gpa[i], elen) : NULL;

        if (!p) {
            if (err) {
                snprintf(err, errlen, "backing entry %u (0x%" PRIx64 ", %zu bytes) is not in "
                         "guest RAM", i, gpa[i], elen);
            } else {
                guest_error("virtio-gpu: attach_backing: entry %u (0x%" PRIx64 ", %zu bytes) "
                            "is not in guest RAM", i, gpa[i], elen);
            }
            return -EINVAL;
        }
        iov[i].iov_base = p;
        *total += elen;
    }
    return 0;
}

static uint32_t gpu_attach_backing(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    GPUResource *r = gpu_find(g, ld_le32(req + 24));
    uint32_t n = ld_le32(req + 28);
    struct iovec *iov;
    gpa_t *gpa;
    uint64_t total = 0;

    if (!r) {
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (r->backing) {
        guest_error("virtio-gpu: attach_backing: resource %u already has backing", r->id);
        return VIRTIO_GPU_RESP_ERR_UNSPEC;
    }
    if (n == 0 || n > VIRTIO_GPU_MAX_BACKING_ENTRIES || (len - 32) / 16 < n) {
        guest_error("virtio-gpu: attach_backing: %u entries in a %zu-byte request", n, len);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    iov = calloc(n, sizeof(*iov));
    gpa = calloc(n, sizeof(*gpa));
    if (!iov || !gpa) {
        free(iov);
        free(gpa);
        return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = req + 32 + 16 * i;

        gpa[i] = ld_le64(e);
        iov[i].iov_len = ld_le32(e + 8);
    }
    if (gpu_map_backing(g, iov, gpa, n, &total, NULL, 0) < 0) {
        free(iov);
        free(gpa);
        return VIRTIO_GPU_RESP_ERR_UNSPEC;
    }
    r->backing = iov;
    r->backing_gpa = gpa;
    r->nr_backing = n;
    r->backing_len = total;
    return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t gpu_detach_backing(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    GPUResource *r = gpu_find(g, ld_le32(req + 24));

    if (!r || !r->backing) {
        return r ? VIRTIO_GPU_RESP_ERR_UNSPEC : VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    gpu_detach(r);
    return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t gpu_transfer_to_host_2d(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    DisplayRect rect = ld_rect(req + 24);
    uint64_t offset = ld_le64(req + 40);
    GPUResource *r = gpu_find(g, ld_le32(req + 48));
    size_t row;

    if (!r) {
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!r->backing) {
        guest_error("virtio-gpu: transfer_to_host_2d: resource %u has no backing", r->id);
        return VIRTIO_GPU_RESP_ERR_UNSPEC;
    }
    if (!rect_inside(&rect, r->width, r->height)) {
        guest_error("virtio-gpu: transfer_to_host_2d: %ux%u+%u+%u outside resource %u",
                    rect.w, rect.h, rect.x, rect.y, r->id);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    if (rect.w == 0 || rect.h == 0) {
        return VIRTIO_GPU_RESP_OK_NODATA;
    }
    /* Row h comes from offset + h * stride of the backing (§5.7.6.8, as Linux lays it out). */
    row = (size_t)rect.w * VIRTIO_GPU_BPP;
    if (offset > r->backing_len ||
        (uint64_t)(rect.h - 1) * r->stride + row > r->backing_len - offset) {
        guest_error("virtio-gpu: transfer_to_host_2d: offset %" PRIu64 " beyond the "
                    "%" PRIu64 "-byte backing", offset, r->backing_len);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    for (uint32_t h = 0; h < rect.h; h++) {
        uint8_t *dst = r->data + (size_t)(rect.y + h) * r->stride + (size_t)rect.x * 4;
        virtio_iov_to_buf(r->backing, r->nr_backing, offset + (uint64_t)h * r->stride, dst,
                          row);
    }
    return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t gpu_set_scanout(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    DisplayRect rect = ld_rect(req + 24);
    uint32_t scanout = ld_le32(req + 40), id = ld_le32(req + 44);
    GPUResource *r;

    if (scanout != 0) {
        return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
    }
    if (id == 0) {
        g->scanout_res = 0;
        gpu_update_scanout(g);
        return VIRTIO_GPU_RESP_OK_NODATA;
    }
    r = gpu_find(g, id);
    if (!r) {
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!rect_inside(&rect, r->width, r->height) || rect.w == 0 || rect.h == 0) {
        guest_error("virtio-gpu: set_scanout: %ux%u+%u+%u outside resource %u", rect.w,
                    rect.h, rect.x, rect.y, id);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    g->scanout_res = id;
    g->scanout_rect = rect;
    gpu_update_scanout(g);
    return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t gpu_resource_flush(VirtIOGPU *g, const uint8_t *req, size_t len)
{
    DisplayRect rect = ld_rect(req + 24), so = g->scanout_rect;
    GPUResource *r = gpu_find(g, ld_le32(req + 40));
    uint32_t x0, y0, x1, y1;

    if (!r) {
        return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    }
    if (!rect_inside(&rect, r->width, r->height)) {
        guest_error("virtio-gpu: resource_flush: %ux%u+%u+%u outside resource %u", rect.w,
                    rect.h, rect.x, rect.y, r->id);
        return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    }
    if (g->scanout_res != r->id) {
        return VIRTIO_GPU_RESP_OK_NODATA;
    }
    /* The part of rect the scanout shows, in scanout coordinates. */
    x0 = rect.x > so.x ? rect.x : so.x;
    y0 = rect.y > so.y ? rect.y : so.y;
    x1 = rect.x + rect.w < so.x + so.w ? rect.x + rect.w : so.x + so.w;
    y1 = rect.y + rect.h < so.y + so.h ? rect.y + rect.h : so.y + so.h;
    if (x0 < x1 && y0 < y1) {
        display_update(&g->src, (DisplayRect){ x0 - so.x, y0 - so.y, x1 - x0, y1 - y0 });
    }
    return VIRTIO_GPU_RESP_OK_NODATA;
}

/* Fill the 408-byte display-info response: scanout 0 at the current (or preferred) size. */
static size_t gpu_display_info(VirtIOGPU *g, uint8_t *resp)
{
    uint8_t *pm = resp + VIRTIO_GPU_HDR_SIZE;
    uint32_t w = g->scanout_res ? g->scanout_rect.w : VIRTIO_GPU_DEFAULT_WIDTH;
    uint32_t h = g->scanout_res ? g->scanout_rect.h : VIRTIO_GPU_DEFAULT_HEIGHT;

    memset(pm, 0, VIRTIO_GPU_MAX_SCANOUTS * 24);
    st_le32(pm + 8, w);
    st_le32(pm + 12, h);
    st_le32(pm + 16, 1);        /* enabled */
    return VIRTIO_GPU_HDR_SIZE + VIRTIO_GPU_MAX_SCANOUTS * 24;
}

size_t virtio_gpu_process(VirtIODevice *vdev, const uint8_t *req, size_t len, uint8_t *resp)
{
    static const struct {
        uint32_t type;
        size_t size;    /* request bytes, header included */
        uint32_t (*run)(VirtIOGPU *g, const uint8_t *req, size_t len);
    } cmds[] = {
        { VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 40, gpu_resource_create_2d },
        { VIRTIO_GPU_CMD_RESOURCE_UNREF, 32, gpu_resource_unref },
        { VIRTIO_GPU_CMD_SET_SCANOUT, 48, gpu_set_scanout },
        { VIRTIO_GPU_CMD_RESOURCE_FLUSH, 48, gpu_resource_flush },
        { VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 56, gpu_transfer_to_host_2d },
        { VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 32, gpu_attach_backing },
        { VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 32, gpu_detach_backing },
    };
    VirtIOGPU *g = to_gpu(vdev);
    uint32_t type = len >= VIRTIO_GPU_HDR_SIZE ? ld_le32(req) : 0;
    uint32_t status = VIRTIO_GPU_RESP_ERR_UNSPEC;
    size_t out = VIRTIO_GPU_HDR_SIZE;

    memset(resp, 0, VIRTIO_GPU_HDR_SIZE);
    if (len < VIRTIO_GPU_HDR_SIZE) {
        guest_error("virtio-gpu: %zu-byte request is shorter than its header", len);
    } else if (type == VIRTIO_GPU_CMD_GET_DISPLAY_INFO) {
        out = gpu_display_info(g, resp);
        status = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
    } else {
        size_t i = 0;
        while (i < ARRAY_SIZE(cmds) && cmds[i].type != type) {
            i++;
        }
        if (i == ARRAY_SIZE(cmds)) {
            guest_error("virtio-gpu: unsupported command 0x%x", type);
        } else if (len < cmds[i].size) {
            guest_error("virtio-gpu: command 0x%x: %zu bytes, needs %zu", type, len,
                        cmds[i].size);
            status = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
        } else {
            status = cmds[i].run(g, req, len);
        }
    }
    st_le32(resp, status);
    if (len >= VIRTIO_GPU_HDR_SIZE && (ld_le32(req + 4) & VIRTIO_GPU_FLAG_FENCE)) {
        /* Done synchronously: the fence is signalled by this response (§5.7.6.7). */
        memcpy(resp + 4, req + 4, 20);
    }
    return out;
}

static void virtio_gpu_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOGPU *g = to_gpu(vdev);
    VirtQueueElement *e = &g->elem;
    uint8_t resp[VIRTIO_GPU_MAX_RESP];
    bool pushed = false;

    while (virtq_pop(vq, e) > 0) {
        size_t len = virtio_iov_to_buf(e->iov, e->out_num, 0, g->req, sizeof(g->req));
        uint32_t written = 0;

        if (vq->index == VIRTIO_GPU_CTRLQ) {
            size_t n = virtio_gpu_process(vdev, g->req, len, resp);
            written = (uint32_t)virtio_iov_from_buf(e->iov + e->out_num, e->in_num, 0, resp,
                                                    n);
        }
        virtq_push(vq, e, written);
        pushed = true;
    }
    if (pushed) {
        virtq_notify(vq);
    }
}

static void virtio_gpu_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    memset(cfg, 0, VIRTIO_GPU_CFG_SIZE);
    st_le32(cfg + VIRTIO_GPU_CFG_EVENTS_READ, to_gpu(vdev)->events_read);
    st_le32(cfg + VIRTIO_GPU_CFG_NUM_SCANOUTS, 1);
}

static void virtio_gpu_set_config(VirtIODevice *vdev, unsigned offset, uint64_t val,
                                  unsigned size)
{
    if (offset == VIRTIO_GPU_CFG_EVENTS_CLEAR && size == 4) {
        to_gpu(vdev)->events_read &= ~(uint32_t)val;
    }
}

/* Device reset: every resource goes, the scanout is disabled (§5.7.5). */
static void virtio_gpu_reset(VirtIODevice *vdev)
{
    VirtIOGPU *g = to_gpu(vdev);

    while (g->resources) {
        gpu_destroy(g, g->resources);
    }
    g->scanout_res = 0;
    g->events_read = 0;
    gpu_update_scanout(g);
}

/*
 * The variable-length part of the vmstate: the scanout and every
 * resource, little-endian.  le32 scanout resource, le32 x, y, w, h of its
 * rectangle, le32 resource count; per resource le32 id, width, height,
 * stride (bytes), DisplayFormat, backing entries; per entry le64
 * guest-physical address, le32 bytes; then height * stride pixel bytes.
 */
#define GPU_BLOB_HEAD 24
#define GPU_BLOB_RES 24
#define GPU_BLOB_ENTRY 12

static int virtio_gpu_save_extra(void *opaque, uint8_t **out, size_t *out_len)
{
    VirtIOGPU *g = opaque;
    size_t len = GPU_BLOB_HEAD, pos = GPU_BLOB_HEAD;
    uint32_t count = 0;
    uint8_t *b;

    for (GPUResource *r = g->resources; r; r = r->next) {
        len += GPU_BLOB_RES + (size_t)r->nr_backing * GPU_BLOB_ENTRY +
               (size_t)r->height * r->stride;
        count++;
    }
    b = malloc(len);
    if (!b) {
        return -ENOMEM;
    }
    st_le32(b, g->scanout_res);
    st_le32(b + 4, g->scanout_rect.x);
    st_le32(b + 8, g->scanout_rect.y);
    st_le32(b + 12, g->scanout_rect.w);
    st_le32(b + 16, g->scanout_rect.h);
    st_le32(b + 20, count);
    for (GPUResource *r = g->resources; r; r = r->next) {
        size_t bytes = (size_t)r->height * r->stride;
        st_le32(b + pos, r->id);
        st_le32(b + pos + 4, r->width);
        st_le32(b + pos + 8, r->height);
        st_le32(b + pos + 12, r->stride);
        st_le32(b + pos + 16, r->format);
        st_le32(b + pos + 20, r->nr_backing);
        pos += GPU_BLOB_RES;
        for (unsigned i = 0; i < r->nr_backing; i++, pos += GPU_BLOB_ENTRY) {
            st_le64(b + pos, r->backing_gpa[i]);
            st_le32(b + pos + 8, (uint32_t)r->backing[i].iov_len);
        }
        memcpy(b + pos, r->data, bytes);
        pos += bytes;
    }
    *out = b;
    *out_len = len;
    return 0;
}

/* Resources and scanout rebuilt from a snapshot, not yet installed. */
typedef struct GPUStaged {
    GPUResource *resources;
    uint64_t hostmem;                 /* bytes */
    uint32_t scanout_res;
    DisplayRect scanout_rect;
} GPUStaged;

static void gpu_free_list(GPUResource *r)
{
    while (r) {
        GPUResource *next = r->next;
        gpu_free_resource(r);
        r = next;
    }
}

static void virtio_gpu_free_extra(void *staged)
{
    GPUStaged *st = staged;

    gpu_free_list(st->resources);
    free(st);
}

/* Rebuild one resource from b (left bytes); returns its bytes in the blob, or 0. */
static size_t gpu_parse_resource(VirtIOGPU *g, GPUStaged *st, const uint8_t *b, size_t left,
                                 GPUResource **out, char *err, size_t errlen)
{
    uint32_t id, w, h, stride, fmt, n;
    uint64_t bytes, total;
    size_t pos = GPU_BLOB_RES;
    GPUResource *r;

    if (left < GPU_BLOB_RES) {
        snprintf(err, errlen, "resource list is truncated");
        return 0;
    }
    id = ld_le32(b), w = ld_le32(b + 4), h = ld_le32(b + 8), stride = ld_le32(b + 12);
    fmt = ld_le32(b + 16), n = ld_le32(b + 20);
    if (id == 0 || w == 0 || h == 0 || w > VIRTIO_GPU_MAX_RES_SIDE ||
        h > VIRTIO_GPU_MAX_RES_SIDE || stride != w * VIRTIO_GPU_BPP || fmt > DISPLAY_XBGR ||
        n > VIRTIO_GPU_MAX_BACKING_ENTRIES) {
        snprintf(err, errlen, "resource %u: bad size %ux%u, stride %u, format %u or %u "
                 "backing entries", id, w, h, stride, fmt, n);
        return 0;
    }
    for (GPUResource *o = st->resources; o; o = o->next) {
        if (o->id == id) {
            snprintf(err, errlen, "resource id %u appears twice", id);
            return 0;
        }
    }
    bytes = (uint64_t)h * stride;
    if (bytes > VIRTIO_GPU_MAX_HOSTMEM - st->hostmem) {
        snprintf(err, errlen, "resource %u: more than %llu bytes of resources", id,
                 VIRTIO_GPU_MAX_HOSTMEM);
        return 0;
    }
    if ((left - pos) / GPU_BLOB_ENTRY < n || bytes > left - pos - n * GPU_BLOB_ENTRY) {
        snprintf(err, errlen, "resource %u is truncated", id);
        return 0;
    }
    r = calloc(1, sizeof(*r));
    if (!r || !(r->data = malloc(bytes)) ||
        (n && (!(r->backing = calloc(n, sizeof(*r->backing))) ||
               !(r->backing_gpa = calloc(n, sizeof(*r->backing_gpa)))))) {
        snprintf(err, errlen, "resource %u: out of memory", id);
        if (r) {
            gpu_free_resource(r);
        }
        return 0;
    }
    *r = (GPUResource){ .id = id, .width = w, .height = h, .stride = stride,
                        .format = (DisplayFormat)fmt, .data = r->data, .backing = r->backing,
                        .backing_gpa = r->backing_gpa, .nr_backing = n };
    for (uint32_t i = 0; i < n; i++, pos += GPU_BLOB_ENTRY) {
        r->backing_gpa[i] = ld_le64(b + pos);
        r->backing[i].iov_len = ld_le32(b + pos + 8);
    }
    if (gpu_map_backing(g, r->backing, r->backing_gpa, n, &total, err, errlen) < 0) {
        gpu_free_resource(r);
        return 0;
    }
    r->backing_len = total;
    memcpy(r->data, b + pos, bytes);
    st->hostmem += bytes;
    *out = r;
    return pos + bytes;
}

static int virtio_gpu_parse_extra(void *opaque, const uint8_t *b, size_t len, void **staged,
                                  char *err, size_t errlen)
{
    VirtIOGPU *g = opaque;
    GPUStaged *st = calloc(1, sizeof(*st));
    GPUResource **tail, *shown = NULL;
    size_t pos = GPU_BLOB_HEAD;
    uint32_t count;

    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    tail = &st->resources;
    if (len < GPU_BLOB_HEAD) {
        snprintf(err, errlen, "resource state is truncated");
        goto fail;
    }
    st->scanout_res = ld_le32(b);
    st->scanout_rect = ld_rect(b + 4);
    count = ld_le32(b + 20);
    for (uint32_t i = 0; i < count; i++) {
        size_t used = gpu_parse_resource(g, st, b + pos, len - pos, tail, err, errlen);
        if (!used) {
            goto fail;
        }
        if ((*tail)->id == st->scanout_res) {
            shown = *tail;
        }
        pos += used;
        tail = &(*tail)->next;
    }
    if (pos != len) {
        snprintf(err, errlen, "%zu bytes after the last resource", len - pos);
        goto fail;
    }
    if (st->scanout_res && (!shown || st->scanout_rect.w == 0 || st->scanout_rect.h == 0 ||
                            !rect_inside(&st->scanout_rect, shown->width, shown->height))) {
        snprintf(err, errlen, "scanout shows %ux%u+%u+%u of resource %u, which does not have "
                 "it", st->scanout_rect.w, st->scanout_rect.h, st->scanout_rect.x,
                 st->scanout_rect.y, st->scanout_res);
        goto fail;
    }
    if (staged) {
        *staged = st;
    } else {
        virtio_gpu_free_extra(st);
    }
    return 0;
fail:
    virtio_gpu_free_extra(st);
    return -EINVAL;
}

/* Install checked resources in place of the current ones (the record is loaded). */
static void virtio_gpu_commit_extra(void *opaque, void *staged)
{
    VirtIOGPU *g = opaque;
    GPUStaged *st = staged;

    gpu_free_list(g->resources);
    g->resources = st->resources;
    g->hostmem = st->hostmem;
    g->scanout_res = st->scanout_res;
    g->scanout_rect = st->scanout_rect;
    free(st);
}

/* After loadvm: show the restored scanout. */
static void virtio_gpu_post_load(void *opaque)
{
    VirtIOGPU *g = opaque;

    gpu_update_scanout(g);
    virtio_post_load(&g->vdev);
}

static const VMStateField virtio_gpu_fields[] = {
    VMSTATE_STRUCT(VirtIOGPU, vdev, vmstate_virtio_device),
    VMSTATE_SKIP(VirtIOGPU, src, "display wiring: set again from the scanout by post_load"),
    VMSTATE_SKIP(VirtIOGPU, resources, "host memory: saved by save_extra"),
    VMSTATE_SKIP(VirtIOGPU, hostmem, "follows the resources"),
    VMSTATE_SKIP(VirtIOGPU, scanout_res, "saved by save_extra, checked with the resources"),
    VMSTATE_SKIP(VirtIOGPU, scanout_rect, "saved by save_extra, checked with the resources"),
    VMSTATE_SCALAR(VirtIOGPU, events_read),
    VMSTATE_SKIP(VirtIOGPU, elem, "commands run within one notify: none in flight"),
    VMSTATE_SKIP(VirtIOGPU, req, "scratch of one command"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtio_gpu = {
    .name = "virtio-gpu", .version = 2, .size = sizeof(VirtIOGPU),
    .fields = virtio_gpu_fields, .post_load = virtio_gpu_post_load,
    .save_extra = virtio_gpu_save_extra, .parse_extra = virtio_gpu_parse_extra,
    .commit_extra = virtio_gpu_commit_extra, .free_extra = virtio_gpu_free_extra,
};

static const VirtIODeviceOps virtio_gpu_ops = {
    .device_id = VIRTIO_ID_GPU,
    .config_size = VIRTIO_GPU_CFG_SIZE,
    .get_config = virtio_gpu_get_config,
    .set_config = virtio_gpu_set_config,
    .handle_queue = virtio_gpu_handle_queue,
    .reset = virtio_gpu_reset,
};

VirtIODevice *virtio_gpu_new(Machine *m)
{
    VirtIOGPU *g = calloc(1, sizeof(*g));

    if (!g) {
        return NULL;
    }
    g->src = (DisplaySource){ .name = "virtio-gpu", .opaque = g };
    display_add_source(m, &g->src);     /* before virtio_init(): its reset updates src */
    virtio_init(&g->vdev, m, &virtio_gpu_ops, "virtio-gpu", 2, VIRTIO_GPU_QUEUE_SIZE, 0);
    vmstate_register(m, "virtio-gpu", &vmstate_virtio_gpu, g);
    return &g->vdev;
}
