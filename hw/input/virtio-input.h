/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-input configuration layout (virtio 1.2 §5.8.2) and the config
 * builder the device and the unit tests share.
 */
#ifndef VM_HW_INPUT_VIRTIO_INPUT_H
#define VM_HW_INPUT_VIRTIO_INPUT_H

#include "ui/display.h"

/* struct virtio_input_config: select, subsel, size, reserved[5], union u[128]. */
#define VIRTIO_INPUT_CFG_SELECT 0
#define VIRTIO_INPUT_CFG_SUBSEL 1
#define VIRTIO_INPUT_CFG_SIZE_OFF 2
#define VIRTIO_INPUT_CFG_UNION 8
#define VIRTIO_INPUT_CFG_UNION_SIZE 128
#define VIRTIO_INPUT_CFG_SIZE (VIRTIO_INPUT_CFG_UNION + VIRTIO_INPUT_CFG_UNION_SIZE)

/* select values (§5.8.2). */
#define VIRTIO_INPUT_CFG_UNSET 0x00
#define VIRTIO_INPUT_CFG_ID_NAME 0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS 0x11
#define VIRTIO_INPUT_CFG_ABS_INFO 0x12

/* struct virtio_input_event: le16 type, le16 code, le32 value (§5.8.6). */
#define VIRTIO_INPUT_EVENT_SIZE 8

/*
 * The VIRTIO_INPUT_CFG_SIZE config bytes a device of `kind` named `name`
 * shows for (select, subsel); size is 0 for anything it does not have.
 */
void virtio_input_fill_config(InputKind kind, const char *name, uint8_t select,
                              uint8_t subsel, uint8_t *cfg);

#endif /* VM_HW_INPUT_VIRTIO_INPUT_H */
