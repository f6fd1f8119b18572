/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio network device (virtio 1.2 §5.1) in front of a netdev (net/net.h):
 * queue 0 receives, queue 1 transmits, no control queue.  Offered
 * features: VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS (the link is always
 * up) and VIRTIO_NET_F_MRG_RXBUF; no checksum or segmentation offload
 * (neither CSUM nor GUEST_CSUM), so every frame carries a complete
 * checksum and the 12-byte struct virtio_net_hdr (§5.1.6, VERSION_1
 * layout with num_buffers) is all zero on receive but num_buffers.
 * Transmit is synchronous in the notify handler: the header is stripped
 * and the frame handed to the netdev.  A received frame is spread over
 * as many receive chains as it needs with MRG_RXBUF (§5.1.6.3.1), one
 * otherwise; when the ring holds too few buffers the chains already
 * taken are given back (last_avail_idx rewound) and the frame waits in
 * the netdev until the driver posts buffers and notifies queue 0.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/virtio/virtio.h"
#include "net/net.h"
#include "util/error.h"

#define VIRTIO_ID_NET 1

/* Feature bits, §5.1.3. */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_config offsets, §5.1.4. */
enum {
    VIRTIO_NET_CFG_MAC = 0,
    VIRTIO_NET_CFG_STATUS = 6,
    VIRTIO_NET_CFG_MAX_VQ_PAIRS = 8,
    VIRTIO_NET_CFG_MTU = 10,      /* only with VIRTIO_NET_F_MTU (not offered) */
    VIRTIO_NET_CFG_SIZE = 12,
};

/* struct virtio_net_hdr (§5.1.6): flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers. */
#define VIRTIO_NET_HDR_SIZE 12
#define VIRTIO_NET_HDR_NUM_BUFFERS 10

#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_QUEUE_SIZE 256

typedef struct VirtIONet {
    VirtIODevice vdev;              /* first: the ops get &vdev */
    NetDev *nd;                     /* borrowed */
    VirtQueueElement rx_elem;
    VirtQueueElement tx_elem;
    /* Chains holding the frame being received: heads and bytes written. */
    uint16_t rx_heads[VIRTIO_NET_QUEUE_SIZE];
    uint32_t rx_lens[VIRTIO_NET_QUEUE_SIZE];
    uint8_t tx_buf[NET_MAX_FRAME];
} VirtIONet;

static VirtIONet *to_net(VirtIODevice *vdev)
{
    return (VirtIONet *)vdev;
}

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    VirtIONet *s = to_net(vdev);

    memset(cfg, 0, VIRTIO_NET_CFG_SIZE);
    memcpy(cfg + VIRTIO_NET_CFG_MAC, s->nd->mac, 6);
    st_le16(cfg + VIRTIO_NET_CFG_STATUS, VIRTIO_NET_S_LINK_UP);
    st_le16(cfg + VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
}

/* Host pointer to byte `off` of the element's writable part (off < in_len). */
static uint8_t *virtio_net_in_byte(VirtQueueElement *elem, size_t off)
{
    const struct iovec *iov = elem->iov + elem->out_num;

    for (unsigned i = 0; i < elem->in_num; i++) {
        if (off < iov[i].iov_len) {
            return (uint8_t *)iov[i].iov_base + off;
        }
        off -= iov[i].iov_len;
    }
    return NULL;
}

/* The netdev's frontend receive (net.h NetFrontendReceive). */
static ssize_t virtio_net_receive(void *opaque, const uint8_t *buf, size_t len)
{
    VirtIONet *s = opaque;
    VirtIODevice *vdev = &s->vdev;
    VirtQueue *vq = &vdev->vq[VIRTIO_NET_RXQ];
    bool mrg = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };
    uint8_t *nb_lo = NULL, *nb_hi = NULL;
    size_t total = VIRTIO_NET_HDR_SIZE + len, off = 0;
    uint16_t start = vq->last_avail_idx;
    unsigned nbufs = 0;

    if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK) || !vq->ready || vdev->broken) {
        return 0;
    }
    while (off < total) {
        VirtQueueElement *e = &s->rx_elem;
        const struct iovec *in;
        size_t n, hn = 0;
        int r = virtq_pop(vq, e);

        if (r < 0) {
            return -1;
        }
        if (r == 0 || nbufs == VIRTIO_NET_QUEUE_SIZE) {
            /* Too few buffers: give back the ones taken, wait for the driver. */
            vq->last_avail_idx = start;
            return 0;
        }
        in = e->iov + e->out_num;
        if (e->out_num || e->in_len == 0 || (nbufs == 0 && e->in_len < VIRTIO_NET_HDR_SIZE)) {
            virtio_error(vdev, "receive buffer %u: %s", e->head,
                         e->out_num ? "has device-readable parts" :
                         e->in_len == 0 ? "is empty" : "too small for the 12-byte header");
            return -1;
        }
        if (nbufs == 0) {
            nb_lo = virtio_net_in_byte(e, VIRTIO_NET_HDR_NUM_BUFFERS);
            nb_hi = virtio_net_in_byte(e, VIRTIO_NET_HDR_NUM_BUFFERS + 1);
            hn = virtio_iov_from_buf(in, e->in_num, 0, hdr, sizeof(hdr));
        }
        n = virtio_iov_from_buf(in, e->in_num, hn, buf + (off + hn - VIRTIO_NET_HDR_SIZE),
                                total - off - hn);
        s->rx_heads[nbufs] = e->head;
        s->rx_lens[nbufs] = (uint32_t)(hn + n);
        nbufs++;
        off += hn + n;
        if (off < total && !mrg) {
            /* §5.1.6.3.1: without MRG_RXBUF one buffer must hold the frame. */
            guest_error("%s: %zu-byte frame dropped: receive buffer of %" PRIu64 " bytes",
                        vdev->name, len, e->in_len);
            s->rx_lens[0] = 0;
            virtq_push(vq, e, 0);
            virtq_notify(vq);
            return -1;
        }
    }
    st_le16(hdr + VIRTIO_NET_HDR_NUM_BUFFERS, (uint16_t)nbufs);
    *nb_lo = hdr[VIRTIO_NET_HDR_NUM_BUFFERS];
    *nb_hi = hdr[VIRTIO_NET_HDR_NUM_BUFFERS + 1];
    /* virtq_push() needs only the head and the writable size of each chain. */
    for (unsigned i = 0; i < nbufs; i++) {
        s->rx_elem.head = s->rx_heads[i];
        s->rx_elem.in_len = s->rx_lens[i];
        virtq_push(vq, &s->rx_elem, s->rx_lens[i]);
    }
    virtq_notify(vq);
    return (ssize_t)len;
}

static void virtio_net_handle_tx(VirtIONet *s, VirtQueue *vq)
{
    VirtQueueElement *e = &s->tx_elem;
    bool pushed = false;
    int r;

    while ((r = virtq_pop(vq, e)) > 0) {
        size_t len;

        if (e->out_len < VIRTIO_NET_HDR_SIZE) {
            virtio_error(&s->vdev, "transmit buffer %u of %" PRIu64 " bytes has no header",
                         e->head, e->out_len);
            break;
        }
        len = e->out_len - VIRTIO_NET_HDR_SIZE;
        if (len > NET_MAX_FRAME) {
            guest_error("%s: %zu-byte frame dropped: larger than %d bytes", s->vdev.name,
                        len, NET_MAX_FRAME);
            s->nd->stats.tx_dropped++;
        } else {
            len = virtio_iov_to_buf(e->iov, e->out_num, VIRTIO_NET_HDR_SIZE, s->tx_buf, len);
            net_send_from_guest(s->nd, s->tx_buf, len);
        }
        virtq_push(vq, e, 0);
        pushed = true;
    }
    if (pushed) {
        virtq_notify(vq);
    }
}

static void virtio_net_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *s = to_net(vdev);

    if (vq->index == VIRTIO_NET_RXQ) {
        /* New receive buffers: frames waiting in the netdev go now. */
        net_flush_to_guest(s->nd);
    } else {
        virtio_net_handle_tx(s, vq);
    }
}

static const VMStateField virtio_net_fields[] = {
    VMSTATE_STRUCT(VirtIONet, vdev, vmstate_virtio_device),
    VMSTATE_SKIP(VirtIONet, nd, "the network backend"),
    VMSTATE_SKIP(VirtIONet, rx_elem, "a frame is received within one call: none in flight"),
    VMSTATE_SKIP(VirtIONet, tx_elem, "frames are sent within one notify: none in flight"),
    VMSTATE_SKIP(VirtIONet, rx_heads, "scratch of one receive call"),
    VMSTATE_SKIP(VirtIONet, rx_lens, "scratch of one receive call"),
    VMSTATE_SKIP(VirtIONet, tx_buf, "scratch of one notify"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtio_net = {
    .name = "virtio-net", .version = 1, .size = sizeof(VirtIONet),
    .fields = virtio_net_fields, .post_load = virtio_post_load,
};

static const VirtIODeviceOps virtio_net_ops = {
    .device_id = VIRTIO_ID_NET,
    .config_size = VIRTIO_NET_CFG_SIZE,
    .get_config = virtio_net_get_config,
    .handle_queue = virtio_net_handle_queue,
};

VirtIODevice *virtio_net_new(Machine *m, NetDev *nd)
{
    VirtIONet *s = calloc(1, sizeof(*s));
    uint64_t features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
                        (1ull << VIRTIO_NET_F_MRG_RXBUF);

    if (!s) {
        return NULL;
    }
    s->nd = nd;
    virtio_init(&s->vdev, m, &virtio_net_ops, "virtio-net", 2, VIRTIO_NET_QUEUE_SIZE,
                features);
    net_attach_frontend(nd, virtio_net_receive, s);
    vmstate_register(m, "virtio-net", &vmstate_virtio_net, s);
    return &s->vdev;
}
