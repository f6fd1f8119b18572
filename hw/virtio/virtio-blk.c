/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio block device (virtio 1.2 §5.2) over the block layer: one request
 * queue; requests IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES
 * (§5.2.6), each a 16-byte header in the device-readable part, data, and
 * a status byte at the very end of the device-writable part.  Requests
 * are served synchronously in the notify handler.  Buffers may be laid
 * out in any way (§2.7.4 with VIRTIO_F_VERSION_1), so the header and
 * status are found by byte offset, not by descriptor.  A request past the
 * end of the disk, or a write to a read-only disk, fails with IOERR; an
 * unknown type gets UNSUPP; a chain without room for header and status is
 * a driver error (DEVICE_NEEDS_RESET).
 */
#include <errno.h>
#include <stdlib.h>

#include "block/block.h"
#include "hw/core/devices.h"
#include "hw/virtio/virtio.h"
#include "util/error.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits, §5.2.3. */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status, §5.2.6. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1

#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_HDR_SIZE 16      /* le32 type, le32 reserved, le64 sector */
#define VIRTIO_BLK_DWZ_SEG_SIZE 16  /* le64 sector, le32 num_sectors, le32 flags */

#define VIRTIO_BLK_QUEUE_SIZE 256
/* The header and status take two descriptors of a chain no longer than the queue. */
#define VIRTIO_BLK_SEG_MAX (VIRTIO_BLK_QUEUE_SIZE - 2)
/* One range per DISCARD/WRITE_ZEROES request, as QEMU; sizes keep a request short. */
#define VIRTIO_BLK_MAX_DISCARD_SECTORS (1u << 22)       /* 2 GiB */
#define VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS (1u << 16)  /* 32 MiB */

/* struct virtio_blk_config offsets, §5.2.4 (up to write_zeroes_may_unmap). */
enum {
    VIRTIO_BLK_CFG_CAPACITY = 0,
    VIRTIO_BLK_CFG_SEG_MAX = 12,
    VIRTIO_BLK_CFG_BLK_SIZE = 20,
    VIRTIO_BLK_CFG_NUM_QUEUES = 34,
    VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS = 36,
    VIRTIO_BLK_CFG_MAX_DISCARD_SEG = 40,
    VIRTIO_BLK_CFG_DISCARD_ALIGN = 44,
    VIRTIO_BLK_CFG_MAX_WZ_SECTORS = 48,
    VIRTIO_BLK_CFG_MAX_WZ_SEG = 52,
    VIRTIO_BLK_CFG_WZ_MAY_UNMAP = 56,
    VIRTIO_BLK_CFG_SIZE = 60,
};

typedef struct VirtIOBlock {
    VirtIODevice vdev;          /* first: the ops get &vdev */
    BlockDriverState *bs;       /* borrowed from the caller */
    bool read_only;
    uint64_t capacity;          /* 512-byte sectors */
    char serial[VIRTIO_BLK_ID_BYTES];
    VirtQueueElement elem;      /* the request being served */
} VirtIOBlock;

static const VMStateField virtio_blk_fields[] = {
    VMSTATE_STRUCT(VirtIOBlock, vdev, vmstate_virtio_device),
    VMSTATE_SKIP(VirtIOBlock, bs, "the drive (its disk state is the qcow2 snapshot)"),
    VMSTATE_SKIP(VirtIOBlock, read_only, "drive configuration"),
    VMSTATE_SKIP(VirtIOBlock, capacity, "drive configuration"),
    VMSTATE_SKIP(VirtIOBlock, serial, "drive configuration"),
    VMSTATE_SKIP(VirtIOBlock, elem, "requests complete within one notify: none in flight"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtio_blk = {
    .name = "virtio-blk", .version = 1, .size = sizeof(VirtIOBlock),
    .fields = virtio_blk_fields, .post_load = virtio_post_load,
};

/* Zeroes for WRITE_ZEROES when the format driver cannot do it itself. */
static const uint8_t virtio_blk_zeroes[64 * 1024];

static VirtIOBlock *to_blk(VirtIODevice *vdev)
{
    return (VirtIOBlock *)vdev;
}

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    VirtIOBlock *s = to_blk(vdev);

    memset(cfg, 0, VIRTIO_BLK_CFG_SIZE);
    st_le64(cfg + VIRTIO_BLK_CFG_CAPACITY, s->capacity);
    st_le32(cfg + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
    st_le32(cfg + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR_SIZE);
    st_le16(cfg + VIRTIO_BLK_CFG_NUM_QUEUES, 1);
    st_le32(cfg + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS);
    st_le32(cfg + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 1);
    st_le32(cfg + VIRTIO_BLK_CFG_DISCARD_ALIGN, 1);
    st_le32(cfg + VIRTIO_BLK_CFG_MAX_WZ_SECTORS, VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS);
    st_le32(cfg + VIRTIO_BLK_CFG_MAX_WZ_SEG, 1);
    cfg[VIRTIO_BLK_CFG_WZ_MAY_UNMAP] = 0;
}

/* Whether [sector, sector + len bytes) is on the disk (no overflow on huge sectors). */
static bool virtio_blk_in_range(VirtIOBlock *s, uint64_t sector, uint64_t len)
{
    return sector <= s->capacity &&
           len <= (s->capacity - sector) * (uint64_t)VIRTIO_BLK_SECTOR_SIZE;
}

/*
 * Move `len` bytes between the disk at `offset` and the segments
 * iov[0..cnt) starting `skip` bytes in: one block-layer call per segment.
 */
static int virtio_blk_rw(VirtIOBlock *s, bool write, uint64_t offset, const struct iovec *iov,
                         unsigned cnt, size_t skip, uint64_t len)
{
    for (unsigned i = 0; i < cnt && len; i++) {
        size_t n;
        uint8_t *p;
        int ret;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        p = (uint8_t *)iov[i].iov_base + skip;
        n = iov[i].iov_len - skip;
        if (n > len) {
            n = (size_t)len;
        }
        ret = write ? bdrv_write(s->bs, offset, p, n) : bdrv_read(s->bs, offset, p, n);
        if (ret < 0) {
            return ret;
        }
        offset += n;
        len -= n;
        skip = 0;
    }
    return 0;
}

static int virtio_blk_write_zeroes(VirtIOBlock *s, uint64_t offset, uint64_t len)
{
    int ret = bdrv_write_zeroes(s->bs, offset, len);

    if (ret != -ENOTSUP && ret != -EOPNOTSUPP) {
        return ret;
    }
    while (len) {
        size_t n = len < sizeof(virtio_blk_zeroes) ? (size_t)len : sizeof(virtio_blk_zeroes);

        ret = bdrv_write(s->bs, offset, virtio_blk_zeroes, n);
        if (ret < 0) {
            return ret;
        }
        offset += n;
        len -= n;
    }
    return 0;
}

/* DISCARD and WRITE_ZEROES (§5.2.6.1): segments in the readable data after the header. */
static uint8_t virtio_blk_dwz(VirtIOBlock *s, const VirtQueueElement *elem, uint32_t type)
{
    uint64_t data_len = elem->out_len - VIRTIO_BLK_HDR_SIZE;
    bool discard = type == VIRTIO_BLK_T_DISCARD;
    uint8_t seg[VIRTIO_BLK_DWZ_SEG_SIZE];
    uint64_t sector;
    uint32_t nsect, flags, max;
    int ret;

    /* max_discard_seg = max_write_zeroes_seg = 1 */
    if (data_len != VIRTIO_BLK_DWZ_SEG_SIZE) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    virtio_iov_to_buf(elem->iov, elem->out_num, VIRTIO_BLK_HDR_SIZE, seg, sizeof(seg));
    sector = ld_le64(seg);
    nsect = ld_le32(seg + 8);
    flags = ld_le32(seg + 12);
    /* §5.2.6.2: reserved flags, or unmap on a discard, are UNSUPP. */
    if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
        (discard && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    max = discard ? VIRTIO_BLK_MAX_DISCARD_SECTORS : VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS;
    if (s->read_only || nsect > max ||
        !virtio_blk_in_range(s, sector, (uint64_t)nsect * VIRTIO_BLK_SECTOR_SIZE)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (discard) {
        ret = bdrv_discard(s->bs, sector * VIRTIO_BLK_SECTOR_SIZE,
                           (uint64_t)nsect * VIRTIO_BLK_SECTOR_SIZE);
        /* A discard is a hint: a format that cannot drop data has still done its part. */
        if (ret == -ENOTSUP || ret == -EOPNOTSUPP) {
            ret = 0;
        }
    } else {
        ret = virtio_blk_write_zeroes(s, sector * VIRTIO_BLK_SECTOR_SIZE,
                                      (uint64_t)nsect * VIRTIO_BLK_SECTOR_SIZE);
    }
    return ret < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/*
 * Serve one request; *used is the number of bytes written into the
 * writable part (data and status).  Returns -EINVAL when the chain cannot
 * hold a request at all (the device is then marked as needing reset).
 */
static int virtio_blk_handle_request(VirtIOBlock *s, VirtQueueElement *elem, uint32_t *used)
{
    const struct iovec *in_iov = elem->iov + elem->out_num;
    uint8_t hdr[VIRTIO_BLK_HDR_SIZE];
    uint8_t status;
    uint64_t sector, data_len = 0;
    uint32_t type;

    /* §5.2.6.1: a header the device can read and a status byte it can write. */
    if (elem->out_len < VIRTIO_BLK_HDR_SIZE || elem->in_len < 1) {
        virtio_error(&s->vdev, "request without header or status byte");
        return -EINVAL;
    }
    virtio_iov_to_buf(elem->iov, elem->out_num, 0, hdr, sizeof(hdr));
    type = ld_le32(hdr);
    sector = ld_le64(hdr + 8);

    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT: {
        bool write = type == VIRTIO_BLK_T_OUT;

        data_len = write ? elem->out_len - VIRTIO_BLK_HDR_SIZE : elem->in_len - 1;
        if (data_len % VIRTIO_BLK_SECTOR_SIZE || !virtio_blk_in_range(s, sector, data_len) ||
            (write && s->read_only)) {
            status = VIRTIO_BLK_S_IOERR;
        } else if (write) {
            status = virtio_blk_rw(s, true, sector * VIRTIO_BLK_SECTOR_SIZE, elem->iov,
                                   elem->out_num, VIRTIO_BLK_HDR_SIZE, data_len) < 0 ?
                     VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
        } else {
            status = virtio_blk_rw(s, false, sector * VIRTIO_BLK_SECTOR_SIZE, in_iov,
                                   elem->in_num, 0, data_len) < 0 ?
                     VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
        }
        if (write || status != VIRTIO_BLK_S_OK) {
            data_len = 0;
        }
        break;
    }
    case VIRTIO_BLK_T_FLUSH:
        status = bdrv_flush(s->bs) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
        break;
    case VIRTIO_BLK_T_GET_ID:
        /* §5.2.6: 20 bytes, NUL-padded, not NUL-terminated when 20 long. */
        data_len = elem->in_len - 1;
        if (data_len > VIRTIO_BLK_ID_BYTES) {
            data_len = VIRTIO_BLK_ID_BYTES;
        }
        virtio_iov_from_buf(in_iov, elem->in_num, 0, s->serial, (size_t)data_len);
        status = VIRTIO_BLK_S_OK;
        break;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        status = virtio_blk_dwz(s, elem, type);
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    virtio_iov_from_buf(in_iov, elem->in_num, (size_t)(elem->in_len - 1), &status, 1);
    *used = (uint32_t)(data_len + 1);
    return 0;
}

static void virtio_blk_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = to_blk(vdev);
    bool pushed = false;
    uint32_t used;

    while (virtq_pop(vq, &s->elem) > 0) {
        if (virtio_blk_handle_request(s, &s->elem, &used) < 0) {
            break;
        }
        virtq_push(vq, &s->elem, used);
        pushed = true;
    }
    if (pushed) {
        virtq_notify(vq);
    }
}

static const VirtIODeviceOps virtio_blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .config_size = VIRTIO_BLK_CFG_SIZE,
    .get_config = virtio_blk_get_config,
    .handle_queue = virtio_blk_handle_queue,
};

void virtio_blk_set_serial(VirtIODevice *vdev, const char *serial)
{
    VirtIOBlock *s = to_blk(vdev);

    size_t n = strlen(serial);

    memset(s->serial, 0, sizeof(s->serial));
    memcpy(s->serial, serial, n < sizeof(s->serial) ? n : sizeof(s->serial));
}

VirtIODevice *virtio_blk_new(Machine *m, BlockDriverState *bs, bool read_only)
{
    VirtIOBlock *s = calloc(1, sizeof(*s));
    uint64_t features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                        (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) |
                        (1ull << VIRTIO_BLK_F_WRITE_ZEROES);

    if (!s) {
        return NULL;
    }
    s->bs = bs;
    s->read_only = read_only || bs->read_only;
    s->capacity = bs->size / VIRTIO_BLK_SECTOR_SIZE;
    if (s->read_only) {
        /* Nothing to discard or zero on a disk the guest cannot write. */
        features &= ~((1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES));
        features |= 1ull << VIRTIO_BLK_F_RO;
    }
    virtio_blk_set_serial(&s->vdev, "vm-disk-0");
    virtio_init(&s->vdev, m, &virtio_blk_ops, "virtio-blk", 1, VIRTIO_BLK_QUEUE_SIZE, features);
    vmstate_register(m, "virtio-blk", &vmstate_virtio_blk, s);
    return &s->vdev;
}
