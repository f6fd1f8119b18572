/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio device core and the split virtqueue (virtio 1.2 §2.1-§2.7):
 * device status and feature negotiation (§2.1, §2.2, §3.1), device reset
 * (§2.4), and the device side of split rings: descriptor chains, direct
 * and indirect (§2.7.5), the available ring (§2.7.6), the used ring
 * (§2.7.8) and notification suppression with and without
 * VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.10).  Every guest address and length
 * goes through memory_host_ptr() before the host touches it; a driver
 * that breaks the rules sets DEVICE_NEEDS_RESET (§2.1.2) and its queues
 * stop until the next reset.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "hw/virtio/virtio.h"
#include "util/error.h"

#define VIRTIO_TRANSPORT_FEATURES ((1ull << VIRTIO_F_VERSION_1) | \
                                   (1ull << VIRTIO_F_EVENT_IDX) | \
                                   (1ull << VIRTIO_F_INDIRECT_DESC))

/* Ring field offsets (§2.7.6, §2.7.8): flags, idx, ring[num], then the event word. */
#define VIRTQ_AVAIL_FLAGS 0
#define VIRTQ_AVAIL_IDX 2
#define VIRTQ_AVAIL_RING 4
#define VIRTQ_USED_FLAGS 0
#define VIRTQ_USED_IDX 2
#define VIRTQ_USED_RING 4

/*
 * Guest ring words are shared with the driver's harts: read and write
 * them as single 16-bit accesses so a concurrent update is never seen torn.
 */
static inline uint16_t virtq_ld16(const uint8_t *p)
{
    return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static inline void virtq_st16(uint8_t *p, uint16_t v)
{
    __atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

/* avail->used_event and used->avail_event sit right after their rings (§2.7.10). */
static inline uint8_t *virtq_used_event(VirtQueue *vq)
{
    return vq->avail + VIRTQ_AVAIL_RING + 2u * vq->num;
}

static inline uint8_t *virtq_avail_event(VirtQueue *vq)
{
    return vq->used + VIRTQ_USED_RING + VIRTQ_USED_ELEM_SIZE * vq->num;
}

/*
 * Host pointer for a DMA of `len` bytes at `addr`, or NULL unless the
 * whole range is inside one RAM region (and, for a device write, not
 * ROM).  A device write is DMA: pages holding translated code are
 * invalidated first, as the memory.h contract asks.
 */
static void *virtq_map(VirtIODevice *vdev, gpa_t addr, uint64_t len, bool write)
{
    AddressSpace *as = &vdev->machine->as;
    MemoryRegion *r;
    uint8_t *p;

    if (len == 0 || addr + len < addr) {
        return NULL;
    }
    p = memory_host_ptr(as, addr, len);
    if (!p) {
        return NULL;
    }
    if (write) {
        r = memory_find(as, addr);
        if (r->readonly) {
            return NULL;
        }
        if (as->invalidate_code) {
            gpa_t off = addr - r->base;
            for (gpa_t pg = off & PAGE_MASK; pg < off + len; pg += PAGE_SIZE) {
                if (r->pages[pg >> PAGE_BITS].first_tb) {
                    as->invalidate_code(as, r, r->base + pg);
                }
            }
        }
    }
    return p;
}

void virtio_raise_isr(VirtIODevice *vdev, uint32_t isr_bits)
{
    vdev->isr |= isr_bits;
    if (vdev->update_irq) {
        vdev->update_irq(vdev->transport);
    }
}

void virtio_notify_config(VirtIODevice *vdev)
{
    vdev->config_generation++;
    virtio_raise_isr(vdev, VIRTIO_ISR_CONFIG);
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    guest_error("%s: %s; device needs reset", vdev->name, msg);
    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    /* §2.1.2: set DEVICE_NEEDS_RESET and send a configuration change notification. */
    vdev->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    virtio_notify_config(vdev);
}

static void virtq_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->ready = false;
    vq->desc_addr = vq->avail_addr = vq->used_addr = 0;
    vq->desc = vq->avail = vq->used = NULL;
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
}

void virtio_init(VirtIODevice *vdev, Machine *m, const VirtIODeviceOps *ops, const char *name,
                 unsigned nr_queues, uint16_t queue_max, uint64_t device_features)
{
    assert(nr_queues <= VIRTIO_MAX_QUEUES);
    assert(queue_max && queue_max <= VIRTQ_MAX_SIZE && !(queue_max & (queue_max - 1)));
    vdev->ops = ops;
    vdev->machine = m;
    vdev->name = name;
    vdev->host_features = device_features | VIRTIO_TRANSPORT_FEATURES;
    vdev->nr_queues = nr_queues;
    for (unsigned i = 0; i < nr_queues; i++) {
        vdev->vq[i].vdev = vdev;
        vdev->vq[i].index = i;
        vdev->vq[i].num_max = queue_max;
    }
    vdev->config_generation = 0;
    virtio_reset(vdev);
}

void virtio_reset(VirtIODevice *vdev)
{
    vdev->status = 0;
    vdev->guest_features = 0;
    vdev->isr = 0;
    vdev->broken = false;
    for (unsigned i = 0; i < vdev->nr_queues; i++) {
        virtq_reset(&vdev->vq[i]);
    }
    if (vdev->ops && vdev->ops->reset) {
        vdev->ops->reset(vdev);
    }
    if (vdev->update_irq) {
        vdev->update_irq(vdev->transport);
    }
}

void virtio_set_driver_features(VirtIODevice *vdev, unsigned sel, uint32_t val)
{
    uint64_t mask;

    if (vdev->status & VIRTIO_STATUS_FEATURES_OK) {
        guest_error("%s: driver features written after FEATURES_OK", vdev->name);
        return;
    }
    if (sel > 1) {
        return; /* no feature bits above 63 */
    }
    mask = 0xffffffffull << (32 * sel);
    /* §2.2.1: the driver MUST NOT accept a feature the device did not offer; drop it. */
    vdev->guest_features = (vdev->guest_features & ~mask) |
                           (((uint64_t)val << (32 * sel)) & vdev->host_features);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t val)
{
    uint8_t old = vdev->status;

    if (val == 0) {
        virtio_reset(vdev);
        return;
    }
    if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
        !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        /* §2.2.2 / §6.1: a legacy driver gets FEATURES_OK refused. */
        guest_error("%s: driver did not accept VIRTIO_F_VERSION_1", vdev->name);
        val &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    /* DEVICE_NEEDS_RESET belongs to the device: the driver can neither set nor clear it. */
    vdev->status = (val & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
                   (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if ((vdev->status & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
        /* Buffers a driver made available before DRIVER_OK are consumed now (§3.1.1). */
        for (unsigned i = 0; i < vdev->nr_queues; i++) {
            virtio_queue_notify(vdev, i);
        }
    }
}

/* Check vq's size and ring placement and map its rings; 0, or -EINVAL (a device error). */
static int virtq_map_rings(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    uint8_t *desc, *avail, *used;
    uint16_t num = vq->num;

    if (num == 0 || num > vq->num_max || (num & (num - 1))) {
        virtio_error(vdev, "queue %u: size %u is not a power of 2 up to %u", vq->index, num,
                     vq->num_max);
        return -EINVAL;
    }
    /* §2.7: descriptor table 16-byte, available ring 2-byte, used ring 4-byte aligned. */
    if ((vq->desc_addr & 15) || (vq->avail_addr & 1) || (vq->used_addr & 3)) {
        virtio_error(vdev, "queue %u: misaligned rings", vq->index);
        return -EINVAL;
    }
    desc = virtq_map(vdev, vq->desc_addr, (uint64_t)VIRTQ_DESC_SIZE * num, false);
    avail = virtq_map(vdev, vq->avail_addr, 6 + 2ull * num, false);
    used = virtq_map(vdev, vq->used_addr, 6 + (uint64_t)VIRTQ_USED_ELEM_SIZE * num, true);
    if (!desc || !avail || !used) {
        virtio_error(vdev, "queue %u: rings outside guest RAM (desc 0x%" PRIx64 " avail 0x%"
                     PRIx64 " used 0x%" PRIx64 ")", vq->index, vq->desc_addr,
                     vq->avail_addr, vq->used_addr);
        return -EINVAL;
    }
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    return 0;
}

int virtq_set_ready(VirtQueue *vq, bool ready)
{
    if (!ready) {
        vq->ready = false;
        return 0;
    }
    if (virtq_map_rings(vq) < 0) {
        return -EINVAL;
    }
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used_valid = false;
    vq->ready = true;
    return 0;
}

static const VMStateField virtqueue_fields[] = {
    VMSTATE_SKIP(VirtQueue, vdev, "wiring"),
    VMSTATE_SKIP(VirtQueue, index, "wiring"),
    VMSTATE_SKIP(VirtQueue, num_max, "device configuration"),
    VMSTATE_SCALAR(VirtQueue, num),
    VMSTATE_SCALAR(VirtQueue, ready),
    VMSTATE_SCALAR(VirtQueue, desc_addr),
    VMSTATE_SCALAR(VirtQueue, avail_addr),
    VMSTATE_SCALAR(VirtQueue, used_addr),
    VMSTATE_SKIP(VirtQueue, desc, "host pointer: mapped again from desc_addr by post_load"),
    VMSTATE_SKIP(VirtQueue, avail, "host pointer: mapped again from avail_addr by post_load"),
    VMSTATE_SKIP(VirtQueue, used, "host pointer: mapped again from used_addr by post_load"),
    VMSTATE_SCALAR(VirtQueue, last_avail_idx),
    VMSTATE_SCALAR(VirtQueue, used_idx),
    VMSTATE_SCALAR(VirtQueue, signalled_used),
    VMSTATE_SCALAR(VirtQueue, signalled_used_valid),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtqueue = {
    .name = "virtqueue", .version = 1, .size = sizeof(VirtQueue), .fields = virtqueue_fields,
};

static const VMStateField virtio_device_fields[] = {
    VMSTATE_SKIP(VirtIODevice, ops, "wiring"),
    VMSTATE_SKIP(VirtIODevice, machine, "wiring"),
    VMSTATE_SKIP(VirtIODevice, name, "wiring"),
    VMSTATE_SCALAR(VirtIODevice, host_features),
    VMSTATE_SCALAR(VirtIODevice, guest_features),
    VMSTATE_SCALAR(VirtIODevice, status),
    VMSTATE_SCALAR(VirtIODevice, isr),
    VMSTATE_SCALAR(VirtIODevice, config_generation),
    VMSTATE_SCALAR(VirtIODevice, broken),
    VMSTATE_SKIP(VirtIODevice, nr_queues, "device configuration"),
    VMSTATE_STRUCT_ARRAY(VirtIODevice, vq, vmstate_virtqueue),
    VMSTATE_SKIP(VirtIODevice, update_irq, "wiring (transport)"),
    VMSTATE_SKIP(VirtIODevice, transport, "wiring (transport)"),
    VMSTATE_END,
};

const VMStateDescription vmstate_virtio_device = {
    .name = "virtio-device", .version = 1, .size = sizeof(VirtIODevice),
    .fields = virtio_device_fields,
};

void virtio_post_load(void *opaque)
{
    VirtIODevice *vdev = opaque;

    for (unsigned i = 0; i < vdev->nr_queues; i++) {
        VirtQueue *vq = &vdev->vq[i];
        if (vq->ready && virtq_map_rings(vq) < 0) {
            vq->ready = false;
        }
    }
    if (vdev->update_irq) {
        vdev->update_irq(vdev->transport);
    }
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned index)
{
    VirtQueue *vq;

    if (index >= vdev->nr_queues) {
        guest_error("%s: notify of queue %u (has %u)", vdev->name, index, vdev->nr_queues);
        return;
    }
    vq = &vdev->vq[index];
    /* §3.1.1: no buffers are consumed before DRIVER_OK (they are picked up then). */
    if (!vq->ready || vdev->broken || !(vdev->status & VIRTIO_STATUS_DRIVER_OK)) {
        return;
    }
    if (vdev->ops->handle_queue) {
        vdev->ops->handle_queue(vdev, vq);
    }
}

/*
 * Walk the chain starting at `head` (§2.7.5, §2.7.5.3) into elem.  Each
 * table (the ring's, or one indirect table) allows at most as many steps
 * as it has entries, so a loop ends as an error, not a hang.
 */
static int virtq_walk(VirtQueue *vq, VirtQueueElement *elem, uint16_t head)
{
    VirtIODevice *vdev = vq->vdev;
    const uint8_t *table = vq->desc;
    unsigned table_size = vq->num;
    unsigned budget = vq->num;
    unsigned idx = head;
    bool indirect = false;
    bool seen_write = false;
    unsigned nseg = 0;

    elem->head = head;
    elem->out_num = elem->in_num = 0;
    elem->out_len = elem->in_len = 0;
    for (;;) {
        const uint8_t *d;
        gpa_t addr;
        uint32_t len;
        uint16_t flags, next;
        void *p;

        if (budget-- == 0) {
            virtio_error(vdev, "queue %u: descriptor chain at %u longer than its table "
                         "(a loop?)", vq->index, head);
            return -EINVAL;
        }
        d = table + (size_t)VIRTQ_DESC_SIZE * idx;
        addr = ld_le64(d);
        len = ld_le32(d + 8);
        flags = ld_le16(d + 12);
        next = ld_le16(d + 14);

        if (flags & VIRTQ_DESC_F_INDIRECT) {
            /* §2.7.5.3.1 */
            if (!virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC)) {
                virtio_error(vdev, "queue %u: indirect descriptor not negotiated", vq->index);
                return -EINVAL;
            }
            if (indirect) {
                virtio_error(vdev, "queue %u: nested indirect descriptor", vq->index);
                return -EINVAL;
            }
            if (flags & VIRTQ_DESC_F_NEXT) {
                virtio_error(vdev, "queue %u: indirect descriptor with NEXT", vq->index);
                return -EINVAL;
            }
            if (len == 0 || len % VIRTQ_DESC_SIZE || len / VIRTQ_DESC_SIZE > VIRTQ_MAX_SEGS) {
                virtio_error(vdev, "queue %u: indirect table of %" PRIu32 " bytes", vq->index,
                             len);
                return -EINVAL;
            }
            table = virtq_map(vdev, addr, len, false);
            if (!table) {
                virtio_error(vdev, "queue %u: indirect table at 0x%" PRIx64 "+%" PRIu32
                             " outside guest RAM", vq->index, addr, len);
                return -EINVAL;
            }
            table_size = budget = len / VIRTQ_DESC_SIZE;
            indirect = true;
            idx = 0;
            continue;
        }

        if (flags & VIRTQ_DESC_F_WRITE) {
            seen_write = true;
        } else if (seen_write) {
            /* §2.7.4.2: device-writable descriptors come after the readable ones. */
            virtio_error(vdev, "queue %u: readable descriptor after a writable one",
                         vq->index);
            return -EINVAL;
        }
        /* An empty descriptor holds nothing: it is left out of the element. */
        if (len) {
            if (nseg == VIRTQ_MAX_SEGS) {
                virtio_error(vdev, "queue %u: more than %u segments", vq->index,
                             VIRTQ_MAX_SEGS);
                return -EINVAL;
            }
            p = virtq_map(vdev, addr, len, flags & VIRTQ_DESC_F_WRITE);
            if (!p) {
                virtio_error(vdev, "queue %u: buffer 0x%" PRIx64 "+%" PRIu32 " outside "
                             "guest RAM%s", vq->index, addr, len,
                             (flags & VIRTQ_DESC_F_WRITE) ? " (or read-only)" : "");
                return -EINVAL;
            }
            elem->iov[nseg].iov_base = p;
            elem->iov[nseg].iov_len = len;
            nseg++;
            if (flags & VIRTQ_DESC_F_WRITE) {
                elem->in_num++;
                elem->in_len += len;
            } else {
                elem->out_num++;
                elem->out_len += len;
            }
        }

        if (!(flags & VIRTQ_DESC_F_NEXT)) {
            return 0;
        }
        if (next >= table_size) {
            virtio_error(vdev, "queue %u: next descriptor %u out of range (%u)", vq->index,
                         next, table_size);
            return -EINVAL;
        }
        idx = next;
    }
}

int virtq_pop(VirtQueue *vq, VirtQueueElement *elem)
{
    VirtIODevice *vdev = vq->vdev;
    bool event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
    uint16_t avail_idx, head;

    if (!vq->ready || vdev->broken) {
        return 0;
    }
    avail_idx = virtq_ld16(vq->avail + VIRTQ_AVAIL_IDX);
    if (avail_idx == vq->last_avail_idx) {
        if (!event_idx) {
            return 0;
        }
        /*
         * Empty: ask to be notified at the next entry (§2.7.10), then look
         * again.  Full barrier: our avail_event store must be visible
         * before we re-read avail->idx, or a driver that checked
         * avail_event just before our store would skip its notification
         * and the entry it added would sit there unseen.
         */
        virtq_st16(virtq_avail_event(vq), avail_idx);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        avail_idx = virtq_ld16(vq->avail + VIRTQ_AVAIL_IDX);
        if (avail_idx == vq->last_avail_idx) {
            return 0;
        }
    }
    if ((uint16_t)(avail_idx - vq->last_avail_idx) > vq->num) {
        virtio_error(vdev, "queue %u: avail idx moved from %u to %u (size %u)", vq->index,
                     vq->last_avail_idx, avail_idx, vq->num);
        return -EINVAL;
    }
    /*
     * Read barrier: the driver wrote the ring entry and the descriptors
     * before it published avail->idx (§2.7.13); read them only after it.
     */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    head = virtq_ld16(vq->avail + VIRTQ_AVAIL_RING + 2u * (vq->last_avail_idx % vq->num));
    if (head >= vq->num) {
        virtio_error(vdev, "queue %u: head descriptor %u out of range (%u)", vq->index, head,
                     vq->num);
        return -EINVAL;
    }
    if (virtq_walk(vq, elem, head) < 0) {
        return -EINVAL;
    }
    vq->last_avail_idx++;
    if (event_idx) {
        /* Notify us once the driver makes the entry after this one available. */
        virtq_st16(virtq_avail_event(vq), vq->last_avail_idx);
    }
    return 1;
}

void virtq_push(VirtQueue *vq, const VirtQueueElement *elem, uint32_t len)
{
    uint8_t *e;

    if (!vq->ready) {
        return; /* reset while the request was being handled */
    }
    /* §2.7.8.1: len never exceeds the writable part of the chain. */
    if (len > elem->in_len) {
        len = (uint32_t)elem->in_len;
    }
    e = vq->used + VIRTQ_USED_RING + VIRTQ_USED_ELEM_SIZE * (vq->used_idx % vq->num);
    st_le32(e, elem->head);
    st_le32(e + 4, len);
    /*
     * Write barrier: the used element (and the data the device wrote into
     * the buffers) must be visible before the idx that publishes it (§2.7.8).
     */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx++;
    virtq_st16(vq->used + VIRTQ_USED_IDX, vq->used_idx);
}

/* §2.7.10: true when used_event lies in the entries published since the last interrupt. */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

void virtq_notify(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    bool need;

    if (!vq->ready) {
        return;
    }
    /*
     * Full barrier: used->idx must be visible before we read the driver's
     * suppression state, which it may update after reading used->idx.
     */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX)) {
        uint16_t old_idx = vq->signalled_used;
        bool valid = vq->signalled_used_valid;

        vq->signalled_used = vq->used_idx;
        vq->signalled_used_valid = true;
        need = !valid || virtq_need_event(virtq_ld16(virtq_used_event(vq)), vq->used_idx,
                                          old_idx);
    } else {
        need = !(virtq_ld16(vq->avail + VIRTQ_AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    if (need) {
        virtio_raise_isr(vdev, VIRTIO_ISR_VQ);
    }
}

/* Copy between buf and the iovec bytes at offset; to_iov picks the direction. */
static size_t iov_copy(const struct iovec *iov, unsigned cnt, size_t offset, uint8_t *buf,
                       size_t len, bool to_iov)
{
    size_t done = 0;

    for (unsigned i = 0; i < cnt && done < len; i++) {
        size_t n;

        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        n = iov[i].iov_len - offset;
        if (n > len - done) {
            n = len - done;
        }
        if (to_iov) {
            memcpy((uint8_t *)iov[i].iov_base + offset, buf + done, n);
        } else {
            memcpy(buf + done, (uint8_t *)iov[i].iov_base + offset, n);
        }
        done += n;
        offset = 0;
    }
    return done;
}

size_t virtio_iov_to_buf(const struct iovec *iov, unsigned cnt, size_t offset, void *buf,
                         size_t len)
{
    return iov_copy(iov, cnt, offset, buf, len, false);
}

size_t virtio_iov_from_buf(const struct iovec *iov, unsigned cnt, size_t offset,
                           const void *buf, size_t len)
{
    return iov_copy(iov, cnt, offset, (uint8_t *)buf, len, true);
}
