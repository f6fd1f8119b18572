/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio device core (virtio 1.2): a device is a VirtIODevice with a
 * small ops table, its feature bits and its virtqueues; a transport
 * (virtio-mmio, §4.2) owns the registers and the interrupt line and
 * calls into the core.  One split-virtqueue implementation (§2.7) serves
 * every device: virtq_pop() walks a descriptor chain (direct and
 * indirect, §2.7.5) into host iovecs after checking every guest address
 * and length against guest RAM; virtq_push() fills the used ring and
 * virtq_notify() decides whether to interrupt (VIRTIO_F_EVENT_IDX or
 * VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7, §2.7.10).  A driver that breaks
 * the rules gets DEVICE_NEEDS_RESET and a configuration change
 * notification (§2.1.2), never a host access outside guest RAM.
 */
#ifndef VM_HW_VIRTIO_VIRTIO_H
#define VM_HW_VIRTIO_VIRTIO_H

#include <sys/uio.h>

#include "hw/core/machine.h"
#include "migration/vmstate.h"

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Reserved (device-independent) feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Transport interrupt status bits (§4.2.2 InterruptStatus). */
#define VIRTIO_ISR_VQ 0x1
#define VIRTIO_ISR_CONFIG 0x2

/* Split virtqueue layout (§2.7). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_USED_ELEM_SIZE 8

/* Largest queue size a device may offer (§2.7: at most 32768; we stop lower). */
#define VIRTQ_MAX_SIZE 1024
/* Most segments one element may hold, direct and indirect descriptors together. */
#define VIRTQ_MAX_SEGS VIRTQ_MAX_SIZE

#define VIRTIO_MAX_QUEUES 8

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;

/*
 * One popped request: the chain's device-readable segments, then its
 * device-writable ones (§2.7.4 requires that order), as host pointers
 * into guest RAM that were bounds-checked by virtq_pop().  Valid until
 * the element is pushed; owned by the device that popped it (it is large,
 * so devices keep one in their state rather than on the stack).
 */
typedef struct VirtQueueElement {
    uint16_t head;         /* descriptor index to return in the used ring */
    unsigned out_num;      /* device-readable segments: iov[0 .. out_num) */
    unsigned in_num;       /* device-writable segments: iov[out_num .. out_num + in_num) */
    uint64_t out_len;      /* total readable bytes */
    uint64_t in_len;       /* total writable bytes */
    struct iovec iov[VIRTQ_MAX_SEGS];
} VirtQueueElement;

/* A split virtqueue (§2.7); the transport fills in size and ring addresses. */
struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    uint16_t num_max;         /* QueueNumMax */
    uint16_t num;             /* QueueNum: ring entries, a power of 2 */
    bool ready;               /* QueueReady, set only once the rings were validated */
    gpa_t desc_addr;          /* guest-physical ring addresses (bytes) */
    gpa_t avail_addr;         /* "driver area" */
    gpa_t used_addr;          /* "device area" */
    /* Host pointers to the three rings, checked against guest RAM when the queue became ready. */
    uint8_t *desc;
    uint8_t *avail;
    uint8_t *used;
    uint16_t last_avail_idx;  /* next avail ring slot to consume */
    uint16_t used_idx;        /* our copy of used->idx */
    uint16_t signalled_used;  /* used_idx at the last interrupt (EVENT_IDX) */
    bool signalled_used_valid;
};

/*
 * What a device model provides.  Config space is read as a whole into a
 * buffer (little-endian fields, §2.5) and written back field by field.
 */
typedef struct VirtIODeviceOps {
    uint32_t device_id;       /* §5: 2 = block */
    size_t config_size;       /* bytes of device-specific configuration */
    /* Fill config_size bytes of the current configuration. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* A driver write of `size` bytes at `offset` (already range-checked); may be NULL. */
    void (*set_config)(VirtIODevice *vdev, unsigned offset, uint64_t val, unsigned size);
    /* The driver notified queue `vq`: consume what is available (synchronously). */
    void (*handle_queue)(VirtIODevice *vdev, VirtQueue *vq);
    /* Device reset (§2.4) after the core reset queues, features and status; may be NULL. */
    void (*reset)(VirtIODevice *vdev);
} VirtIODeviceOps;

struct VirtIODevice {
    const VirtIODeviceOps *ops;
    Machine *machine;
    const char *name;             /* for guest_error lines, e.g. "virtio-blk" */
    uint64_t host_features;       /* offered: device bits + VERSION_1 etc. */
    uint64_t guest_features;      /* accepted by the driver, a subset of host_features */
    uint8_t status;               /* §2.1 device status */
    uint32_t isr;                 /* VIRTIO_ISR_* pending */
    uint32_t config_generation;   /* §2.5.1 */
    bool broken;                  /* DEVICE_NEEDS_RESET raised: queues stop until reset */
    unsigned nr_queues;
    VirtQueue vq[VIRTIO_MAX_QUEUES];
    /* Set by the transport: the interrupt line must follow isr. */
    void (*update_irq)(void *transport);
    void *transport;
};

/*
 * Initialise the core part of a device: nr_queues queues of at most
 * queue_max entries (a power of 2 <= VIRTQ_MAX_SIZE), offering
 * device_features plus VERSION_1, EVENT_IDX and INDIRECT_DESC.
 */
void virtio_init(VirtIODevice *vdev, Machine *m, const VirtIODeviceOps *ops, const char *name,
                 unsigned nr_queues, uint16_t queue_max, uint64_t device_features);

/* Device reset (§2.4): status 0, features and queues cleared, then ops->reset. */
void virtio_reset(VirtIODevice *vdev);

/* Whether the driver accepted feature `bit`. */
static inline bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}

/*
 * Driver writes of the 32-bit feature window `sel` (0: bits 0..31, 1: 32..63).
 * Bits the device did not offer are dropped; ignored once FEATURES_OK is set.
 */
void virtio_set_driver_features(VirtIODevice *vdev, unsigned sel, uint32_t val);

/*
 * A driver write of the device status (§2.1, §3.1.1).  0 resets.  Setting
 * FEATURES_OK is refused (the bit stays clear, §2.2.2) when VERSION_1 was
 * not accepted; setting DRIVER_OK processes buffers made available early.
 */
void virtio_set_status(VirtIODevice *vdev, uint8_t status);

/*
 * The driver set QueueReady = 1 for vq: check size and ring placement
 * (every ring inside guest RAM, §2.7 alignment) and enable it.  A bad
 * setup is a device error (DEVICE_NEEDS_RESET); returns 0 or -EINVAL.
 */
int virtq_set_ready(VirtQueue *vq, bool ready);

/* The driver notified queue `index` (QueueNotify). */
void virtio_queue_notify(VirtIODevice *vdev, unsigned index);

/*
 * Take the next available chain into *elem.  Returns 1 when one was
 * taken, 0 when the ring is empty, -EINVAL when the driver broke the
 * rules (the device is then marked DEVICE_NEEDS_RESET and nothing was
 * touched outside guest RAM).
 */
int virtq_pop(VirtQueue *vq, VirtQueueElement *elem);

/* Return a chain to the driver: `len` bytes were written to its writable part (§2.7.8). */
void virtq_push(VirtQueue *vq, const VirtQueueElement *elem, uint32_t len);

/* Interrupt the driver if it wants a used buffer notification now (§2.7.7, §2.7.10). */
void virtq_notify(VirtQueue *vq);

/*
 * The driver broke the protocol: log it (rate-limited), set
 * DEVICE_NEEDS_RESET and send a configuration change notification (§2.1.2).
 */
PRINTF_FMT(2, 3) void virtio_error(VirtIODevice *vdev, const char *fmt, ...);

/* The configuration changed: bump the generation, interrupt the driver (§2.5.1, §4.2.3.3). */
void virtio_notify_config(VirtIODevice *vdev);

/* Raise `isr_bits` (VIRTIO_ISR_*) and update the transport's line. */
void virtio_raise_isr(VirtIODevice *vdev, uint32_t isr_bits);

/*
 * vmstate of the core part of a device (features, status, ISR, every
 * virtqueue's registers and ring indexes), for a device's own
 * description to embed with VMSTATE_STRUCT.
 */
extern const VMStateDescription vmstate_virtio_device;

/*
 * After a load: map the ready queues' rings again (a ring outside RAM is
 * a device error and the queue stops) and update the transport's line.
 * `opaque` is a VirtIODevice, or a device struct that starts with one:
 * devices use it as their description's post_load.
 */
void virtio_post_load(void *opaque);

/*
 * Copy between a buffer and a scatter list, starting `offset` bytes into
 * the list; return how many bytes were copied (less when the list ends).
 */
size_t virtio_iov_to_buf(const struct iovec *iov, unsigned cnt, size_t offset, void *buf,
                         size_t len);
size_t virtio_iov_from_buf(const struct iovec *iov, unsigned cnt, size_t offset,
                           const void *buf, size_t len);

#endif /* VM_HW_VIRTIO_VIRTIO_H */
