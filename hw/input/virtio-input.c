/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-input (virtio 1.2 §5.8): a keyboard or an absolute-pointer
 * tablet.  The driver reads what the device is through the config space
 * (§5.8.2: it writes select and subsel, then reads size and the union:
 * name, ids, property and event-type bitmaps, axis ranges) and takes
 * Linux evdev events (le16 type, le16 code, le32 value, §5.8.6) from
 * the event queue; LED updates it sends on the status queue are
 * consumed and ignored.  Events arrive from the display's input routing
 * (ui/display.h) and wait in a small queue until the driver has posted
 * buffers; a batch ends with SYN_REPORT.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/input/virtio-input.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"
#include "ui/display.h"
#include "util/error.h"

#define VIRTIO_ID_INPUT 18
#define VIRTIO_INPUT_EVENTQ 0
#define VIRTIO_INPUT_STATUSQ 1
#define VIRTIO_INPUT_QUEUE_SIZE 64
/* Events that may wait for driver buffers. */
#define VIRTIO_INPUT_PENDING_MAX 256
#define BUS_VIRTUAL 0x06

typedef struct VirtIOInput {
    VirtIODevice vdev;              /* first: the ops get &vdev */
    InputHandler handler;
    const char *id_name;
    uint8_t select, subsel;         /* config selectors the driver wrote */
    uint8_t pending[VIRTIO_INPUT_PENDING_MAX][VIRTIO_INPUT_EVENT_SIZE];
    unsigned nr_pending;
    VirtQueueElement elem;
} VirtIOInput;

static VirtIOInput *to_input(VirtIODevice *vdev)
{
    return (VirtIOInput *)vdev;
}

static void set_bit8(uint8_t *map, unsigned bit)
{
    map[bit / 8] |= 1u << (bit % 8);
}

/* The event-type bitmap for subsel `type` (EV_KEY, EV_ABS, ...) of a device of `kind`. */
static void input_ev_bits(InputKind kind, uint8_t type, uint8_t *map)
{
    if (kind == INPUT_KEYBOARD) {
        if (type == EV_KEY) {
            for (unsigned k = 1; k < 256; k++) {
                set_bit8(map, k);
            }
        } else if (type == EV_REP) {
            set_bit8(map, 0);       /* non-empty: the driver enables autorepeat */
        }
    } else if (type == EV_KEY) {
        set_bit8(map, BTN_LEFT);
        set_bit8(map, BTN_RIGHT);
        set_bit8(map, BTN_MIDDLE);
    } else if (type == EV_ABS) {
        set_bit8(map, ABS_X);
        set_bit8(map, ABS_Y);
    }
}

void virtio_input_fill_config(InputKind kind, const char *name, uint8_t select,
                              uint8_t subsel, uint8_t *cfg)
{
    uint8_t *u = cfg + VIRTIO_INPUT_CFG_UNION;
    unsigned size = 0;

    memset(cfg, 0, VIRTIO_INPUT_CFG_SIZE);
    cfg[VIRTIO_INPUT_CFG_SELECT] = select;
    cfg[VIRTIO_INPUT_CFG_SUBSEL] = subsel;
    switch (select) {
    case VIRTIO_INPUT_CFG_ID_NAME:
        if (subsel == 0) {
            size = strlen(name);
            memcpy(u, name, size);
        }
        break;
    case VIRTIO_INPUT_CFG_ID_DEVIDS:
        if (subsel == 0) {
            st_le16(u, BUS_VIRTUAL);
            st_le16(u + 2, 0x0627);             /* vendor, product, version as QEMU's */
            st_le16(u + 4, kind == INPUT_KEYBOARD ? 1 : 3);
            st_le16(u + 6, 1);
            size = 8;
        }
        break;
    case VIRTIO_INPUT_CFG_EV_BITS:
        input_ev_bits(kind, subsel, u);
        for (size = VIRTIO_INPUT_CFG_UNION_SIZE; size > 0 && !u[size - 1]; size--) {
        }
        break;
    case VIRTIO_INPUT_CFG_ABS_INFO:
        if (kind == INPUT_POINTER && (subsel == ABS_X || subsel == ABS_Y)) {
            st_le32(u, 0);                      /* min, max, fuzz, flat, res */
            st_le32(u + 4, INPUT_ABS_MAX);
            size = 20;
        }
        break;
    default:                                    /* ID_SERIAL, PROP_BITS: empty */
        break;
    }
    cfg[VIRTIO_INPUT_CFG_SIZE_OFF] = (uint8_t)size;
}

static void virtio_input_get_config(VirtIODevice *vdev, uint8_t *cfg)
{
    VirtIOInput *s = to_input(vdev);

    virtio_input_fill_config(s->handler.kind, s->id_name, s->select, s->subsel, cfg);
}

static void virtio_input_set_config(VirtIODevice *vdev, unsigned offset, uint64_t val,
                                    unsigned size)
{
    VirtIOInput *s = to_input(vdev);

    /* A wider write covers both selectors. */
    for (unsigned i = 0; i < size; i++, val >>= 8) {
        if (offset + i == VIRTIO_INPUT_CFG_SELECT) {
            s->select = (uint8_t)val;
        } else if (offset + i == VIRTIO_INPUT_CFG_SUBSEL) {
            s->subsel = (uint8_t)val;
        }
    }
}

/* Hand waiting events to the driver, one per buffer, while it has buffers. */
static void virtio_input_flush(VirtIOInput *s)
{
    VirtQueue *vq = &s->vdev.vq[VIRTIO_INPUT_EVENTQ];
    unsigned done = 0;

    while (done < s->nr_pending && virtq_pop(vq, &s->elem) > 0) {
        uint32_t n = (uint32_t)virtio_iov_from_buf(s->elem.iov + s->elem.out_num,
                                                   s->elem.in_num, 0, s->pending[done],
                                                   VIRTIO_INPUT_EVENT_SIZE);
        virtq_push(vq, &s->elem, n);
        done++;
    }
    if (done) {
        memmove(s->pending, s->pending[done], (s->nr_pending - done) * VIRTIO_INPUT_EVENT_SIZE);
        s->nr_pending -= done;
        virtq_notify(vq);
    }
}

static void virtio_input_event(InputHandler *h, uint16_t type, uint16_t code, int32_t value)
{
    VirtIOInput *s = h->opaque;
    VirtIODevice *vdev = &s->vdev;

    if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK) || vdev->broken ||
        !vdev->vq[VIRTIO_INPUT_EVENTQ].ready) {
        return;                                 /* nobody listens yet */
    }
    if (s->nr_pending == VIRTIO_INPUT_PENDING_MAX) {
        guest_error("%s: event dropped: the driver posted no buffers", vdev->name);
        return;
    }
    st_le16(s->pending[s->nr_pending], type);
    st_le16(s->pending[s->nr_pending] + 2, code);
    st_le32(s->pending[s->nr_pending] + 4, (uint32_t)value);
    s->nr_pending++;
    if (type == EV_SYN) {
        virtio_input_flush(s);
    }
}

static void virtio_input_handle_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOInput *s = to_input(vdev);

    if (vq->index == VIRTIO_INPUT_EVENTQ) {
        virtio_input_flush(s);
        return;
    }
    while (virtq_pop(vq, &s->elem) > 0) {      /* status (LED) events: nothing to light */
        virtq_push(vq, &s->elem, 0);
    }
    virtq_notify(vq);
}

static void virtio_input_reset(VirtIODevice *vdev)
{
    VirtIOInput *s = to_input(vdev);

    s->select = s->subsel = 0;
    s->nr_pending = 0;
}

static const VMStateField virtio_input_fields[] = {
    VMSTATE_STRUCT(VirtIOInput, vdev, vmstate_virtio_device),
    VMSTATE_SKIP(VirtIOInput, handler, "wiring (display input routing)"),
    VMSTATE_SKIP(VirtIOInput, id_name, "device configuration"),
    VMSTATE_SCALAR(VirtIOInput, select),
    VMSTATE_SCALAR(VirtIOInput, subsel),
    VMSTATE_ARRAY(VirtIOInput, pending),
    VMSTATE_SCALAR(VirtIOInput, nr_pending),
    VMSTATE_SKIP(VirtIOInput, elem, "events are pushed within one call: none in flight"),
    VMSTATE_END,
};

static const VMStateDescription vmstate_virtio_input = {
    .name = "virtio-input", .version = 1, .size = sizeof(VirtIOInput),
    .fields = virtio_input_fields, .post_load = virtio_post_load,
};

static const VirtIODeviceOps virtio_input_ops = {
    .device_id = VIRTIO_ID_INPUT,
    .config_size = VIRTIO_INPUT_CFG_SIZE,
    .get_config = virtio_input_get_config,
    .set_config = virtio_input_set_config,
    .handle_queue = virtio_input_handle_queue,
    .reset = virtio_input_reset,
};

static VirtIODevice *virtio_input_new(Machine *m, InputKind kind, const char *name)
{
    VirtIOInput *s = calloc(1, sizeof(*s));

    if (!s) {
        return NULL;
    }
    virtio_init(&s->vdev, m, &virtio_input_ops,
                kind == INPUT_KEYBOARD ? "virtio-keyboard" : "virtio-tablet", 2,
                VIRTIO_INPUT_QUEUE_SIZE, 0);
    s->id_name = name;
    s->handler = (InputHandler){ .kind = kind, .event = virtio_input_event, .opaque = s };
    input_add_handler(m, &s->handler);
    vmstate_register(m, kind == INPUT_KEYBOARD ? "virtio-keyboard" : "virtio-tablet",
                     &vmstate_virtio_input, s);
    return &s->vdev;
}

VirtIODevice *virtio_keyboard_new(Machine *m)
{
    return virtio_input_new(m, INPUT_KEYBOARD, "QEMU Virtio Keyboard");
}

VirtIODevice *virtio_tablet_new(Machine *m)
{
    return virtio_input_new(m, INPUT_POINTER, "QEMU Virtio Tablet");
}
