/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2): a 0x1000-byte
 * region of 32-bit little-endian registers (§4.2.2) followed by the
 * device configuration space at 0x100, and one level-triggered interrupt
 * line that is high while InterruptStatus is non-zero (§4.2.3.4).  An
 * empty slot (no device) reads DeviceID 0, which drivers take as "nothing
 * here" (§4.2.3.1.1); QEMU's virt board leaves its unused slots like that.
 * Vendor ID is QEMU's ("QEMU" in ASCII), so guests see what they see there.
 */
#include <assert.h>
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "util/error.h"

#define VIRTIO_MMIO_MAGIC 0x74726976   /* "virt" */
#define VIRTIO_MMIO_VERSION_2 2
#define VIRTIO_MMIO_VENDOR 0x554d4551  /* "QEMU" */
#define VIRTIO_MMIO_SIZE 0x1000

/* Register offsets, §4.2.2 table 4.1. */
enum {
    VIRTIO_MMIO_MAGIC_VALUE = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_VENDOR_ID = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_SHM_SEL = 0x0ac,
    VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
    VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
    VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
    VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc,
    VIRTIO_MMIO_QUEUE_RESET = 0x0c0,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,
};

/* Largest device configuration space we copy (virtio-blk uses 60 bytes). */
#define VIRTIO_MMIO_CONFIG_MAX 256

struct VirtIOMMIO {
    Machine *machine;
    gpa_t base;
    IRQLine irq;
    VirtIODevice *vdev;           /* NULL: empty slot */
    uint32_t device_features_sel;
    uint32_t driver_features_sel;
    uint32_t queue_sel;
};

static void virtio_mmio_update_irq(void *opaque)
{
    VirtIOMMIO *s = opaque;

    irq_set(s->irq, s->vdev && s->vdev->isr != 0);
}

static void virtio_mmio_post_load(void *opaque)
{
    virtio_mmio_update_irq(opaque);
}

static const VMStateField virtio_mmio_fields[] = {
    VMSTATE_SKIP(VirtIOMMIO, machine, "wiring"),
    VMSTATE_SKIP(VirtIOMMIO, base, "board configuration"),
    VMSTATE_SKIP(VirtIOMMIO, irq, "wiring"),
    VMSTATE_SKIP(VirtIOMMIO, vdev, "the device has its own record"),
    VMSTATE_SCALAR(VirtIOMMIO, device_features_sel),
    VMSTATE_SCALAR(VirtIOMMIO, driver_features_sel),
    VMSTATE_SCALAR(VirtIOMMIO, queue_sel),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtio_mmio = {
    .name = "virtio-mmio", .version = 1, .size = sizeof(VirtIOMMIO),
    .fields = virtio_mmio_fields, .post_load = virtio_mmio_post_load,
};

/* The selected queue, or NULL when QueueSel names none (§4.2.2: QueueNumMax reads 0). */
static VirtQueue *virtio_mmio_vq(VirtIOMMIO *s)
{
    return s->queue_sel < s->vdev->nr_queues ? &s->vdev->vq[s->queue_sel] : NULL;
}

static uint64_t virtio_mmio_config_read(VirtIOMMIO *s, gpa_t off, unsigned size)
{
    const VirtIODeviceOps *ops = s->vdev->ops;
    uint8_t cfg[VIRTIO_MMIO_CONFIG_MAX];
    uint64_t v = 0;

    if (!ops->get_config || off + size > ops->config_size) {
        guest_error("%s: config read of %u bytes at 0x%" PRIx64 " (size %zu)", s->vdev->name,
                    size, off, ops->config_size);
        return 0;
    }
    ops->get_config(s->vdev, cfg);
    memcpy(&v, cfg + off, size);  /* config fields are little-endian (§2.5), as is the host */
    return v;
}

static uint64_t virtio_mmio_read(void *opaque, gpa_t offset, unsigned size)
{
    VirtIOMMIO *s = opaque;
    VirtIODevice *vdev = s->vdev;
    VirtQueue *vq;

    if (offset >= VIRTIO_MMIO_CONFIG) {
        return vdev ? virtio_mmio_config_read(s, offset - VIRTIO_MMIO_CONFIG, size) : 0;
    }
    /* §4.2.2.2: the driver MUST use only 32-bit aligned accesses below the config space. */
    if (size != 4 || (offset & 3)) {
        guest_error("virtio-mmio@%" PRIx64 ": %u-byte read at 0x%" PRIx64, s->base, size,
                    offset);
        return 0;
    }
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return VIRTIO_MMIO_VERSION_2;
    case VIRTIO_MMIO_DEVICE_ID:
        return vdev ? vdev->ops->device_id : 0;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (!vdev) {
        return 0;
    }
    vq = virtio_mmio_vq(s);
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return s->device_features_sel > 1 ? 0 :
               (uint32_t)(vdev->host_features >> (32 * s->device_features_sel));
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return vq ? vq->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        return vq ? vq->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return vdev->isr;
    case VIRTIO_MMIO_STATUS:
        return vdev->status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
        return vq ? (uint32_t)vq->desc_addr : 0;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        return vq ? (uint32_t)(vq->desc_addr >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
        return vq ? (uint32_t)vq->avail_addr : 0;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        return vq ? (uint32_t)(vq->avail_addr >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
        return vq ? (uint32_t)vq->used_addr : 0;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        return vq ? (uint32_t)(vq->used_addr >> 32) : 0;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
        return 0xffffffff; /* §4.2.2: no shared memory region: length -1 */
    case VIRTIO_MMIO_CONFIG_GENERATION:
        return vdev->config_generation;
    case VIRTIO_MMIO_QUEUE_RESET:     /* VIRTIO_F_RING_RESET is not offered */
    case VIRTIO_MMIO_SHM_BASE_LOW:
    case VIRTIO_MMIO_SHM_BASE_HIGH:
        return 0;
    default:
        /* Write-only registers (selectors, notify, ack) and holes read as 0. */
        return 0;
    }
}

/* Set one 32-bit half of a ring address; refused while the queue is live (§4.2.2.2). */
static void virtio_mmio_set_addr(VirtIOMMIO *s, VirtQueue *vq, gpa_t *addr, int high,
                                 uint32_t v)
{
    if (!vq) {
        return;
    }
    if (vq->ready) {
        guest_error("%s: queue %u address written while ready", s->vdev->name, vq->index);
        return;
    }
    if (high) {
        *addr = (*addr & 0xffffffffull) | ((gpa_t)v << 32);
    } else {
        *addr = (*addr & ~0xffffffffull) | v;
    }
}

static void virtio_mmio_write(void *opaque, gpa_t offset, uint64_t val, unsigned size)
{
    VirtIOMMIO *s = opaque;
    VirtIODevice *vdev = s->vdev;
    uint32_t v = (uint32_t)val;
    VirtQueue *vq;

    if (!vdev) {
        return; /* empty slot: every register is read-only */
    }
    if (offset >= VIRTIO_MMIO_CONFIG) {
        offset -= VIRTIO_MMIO_CONFIG;
        if (!vdev->ops->set_config || offset + size > vdev->ops->config_size) {
            guest_error("%s: config write of %u bytes at 0x%" PRIx64, vdev->name, size,
                        offset);
            return;
        }
        vdev->ops->set_config(vdev, (unsigned)offset, val, size);
        return;
    }
    if (size != 4 || (offset & 3)) {
        guest_error("%s: %u-byte write at 0x%" PRIx64, vdev->name, size, offset);
        return;
    }
    vq = virtio_mmio_vq(s);
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        s->device_features_sel = v;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        virtio_set_driver_features(vdev, s->driver_features_sel, v);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        s->driver_features_sel = v;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        s->queue_sel = v;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (vq && !vq->ready) {
            /* Checked (power of 2, <= QueueNumMax) when the queue is made ready. */
            vq->num = v > 0xffff ? 0 : (uint16_t)v;
        }
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (vq) {
            virtq_set_ready(vq, v & 1);
        }
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        /* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index (§4.2.3.3). */
        virtio_queue_notify(vdev, v & 0xffff);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        vdev->isr &= ~v;
        virtio_mmio_update_irq(s);
        break;
    case VIRTIO_MMIO_STATUS:
        virtio_set_status(vdev, (uint8_t)v);
        if (v == 0) {
            s->device_features_sel = s->driver_features_sel = s->queue_sel = 0;
        }
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        virtio_mmio_set_addr(s, vq, vq ? &vq->desc_addr : NULL,
                             offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        virtio_mmio_set_addr(s, vq, vq ? &vq->avail_addr : NULL,
                             offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        virtio_mmio_set_addr(s, vq, vq ? &vq->used_addr : NULL,
                             offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
        break;
    case VIRTIO_MMIO_SHM_SEL:
        break; /* no shared memory regions */
    default:
        guest_error("%s: write of 0x%" PRIx32 " to register 0x%" PRIx64, vdev->name, v,
                    offset);
    }
}

static const MemoryRegionOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
};

void virtio_mmio_reset(VirtIOMMIO *s)
{
    s->device_features_sel = s->driver_features_sel = s->queue_sel = 0;
    if (s->vdev) {
        virtio_reset(s->vdev);
    }
}

VirtIOMMIO *virtio_mmio_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num,
                               VirtIODevice *vdev)
{
    VirtIOMMIO *s = calloc(1, sizeof(*s));
    char id[32];

    if (!s) {
        return NULL;
    }
    s->machine = m;
    s->base = base;
    s->irq = irq;
    s->vdev = vdev;
    if (!memory_add_mmio(&m->as, "virtio-mmio", base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, s)) {
        free(s);
        return NULL;
    }
    snprintf(id, sizeof(id), "virtio-mmio@%" PRIx64, base);
    vmstate_register(m, id, &vmstate_virtio_mmio, s);
    if (vdev) {
        assert(vdev->ops->config_size <= VIRTIO_MMIO_CONFIG_MAX);
        vdev->transport = s;
        vdev->update_irq = virtio_mmio_update_irq;
    }
    if (m->fdt) {
        const char *what = "/soc/virtio_mmio";
        int off = fdt_add_soc_device(m, "virtio_mmio", base, VIRTIO_MMIO_SIZE, "virtio,mmio", 0);

        fdt_check(fdt_setprop_u32(m->fdt, off, "interrupts", irq_num), what);
        if (m->irqchip_phandle) {
            fdt_check(fdt_setprop_u32(m->fdt, off, "interrupt-parent", m->irqchip_phandle),
                      what);
        }
    }
    return s;
}
