/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu 2D wire format (virtio 1.2 §5.7.6) and the command entry
 * point the queue handler and the unit tests share.
 */
#ifndef VM_HW_DISPLAY_VIRTIO_GPU_H
#define VM_HW_DISPLAY_VIRTIO_GPU_H

#include "hw/virtio/virtio.h"

/* Command and response types (§5.7.6.7). */
enum {
    VIRTIO_GPU_CMD_GET_DISPLAY_INFO = 0x0100,
    VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
    VIRTIO_GPU_CMD_RESOURCE_UNREF,
    VIRTIO_GPU_CMD_SET_SCANOUT,
    VIRTIO_GPU_CMD_RESOURCE_FLUSH,
    VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
    VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING,
    VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
    VIRTIO_GPU_RESP_OK_NODATA = 0x1100,
    VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
    VIRTIO_GPU_RESP_ERR_UNSPEC = 0x1200,
    VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
    VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
    VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
    VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
    VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
};

/* Pixel formats (§5.7.6.8), named by byte order in memory. */
enum {
    VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM = 1,
    VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM = 2,
    VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM = 3,
    VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM = 4,
    VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM = 67,
    VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM = 68,
    VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM = 121,
    VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM = 134,
};

#define VIRTIO_GPU_FLAG_FENCE 1
/* struct virtio_gpu_ctrl_hdr: type, flags, fence_id, ctx_id, ring_idx, padding. */
#define VIRTIO_GPU_HDR_SIZE 24
#define VIRTIO_GPU_MAX_SCANOUTS 16
/* Largest request: ATTACH_BACKING with 16384 16-byte entries. */
#define VIRTIO_GPU_MAX_REQ (32 + 16 * 16384)
/* Largest response: the display info, 16 scanouts of 24 bytes. */
#define VIRTIO_GPU_MAX_RESP (VIRTIO_GPU_HDR_SIZE + VIRTIO_GPU_MAX_SCANOUTS * 24)
/* The mode offered before the driver sets one (pixels; QEMU's default too). */
#define VIRTIO_GPU_DEFAULT_WIDTH 1280
#define VIRTIO_GPU_DEFAULT_HEIGHT 800

/*
 * Run one control command: `len` bytes of request (a copy, any content)
 * in, the response (at most VIRTIO_GPU_MAX_RESP bytes) written to resp.
 * Returns the response length in bytes.  Bad requests get an error
 * response and a guest_error() line.
 */
size_t virtio_gpu_process(VirtIODevice *vdev, const uint8_t *req, size_t len, uint8_t *resp);

#endif /* VM_HW_DISPLAY_VIRTIO_GPU_H */
