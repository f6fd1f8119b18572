/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware framebuffer: guest memory of its own (outside RAM) holding
 * a linear 32-bit picture, described to the firmware by a
 * "simple-framebuffer" device-tree node (Linux
 * Documentation/devicetree/bindings/display/simple-framebuffer.yaml:
 * reg, width, height, stride, format "a8r8g8b8", i.e. little-endian
 * 0xAARRGGBB words).  U-Boot's simple_video draws its console there and
 * passes it to GRUB and Linux as the EFI GOP framebuffer.  Guest writes
 * are tracked per page (memory_enable_dirty_tracking), so refreshing an
 * unchanged screen only tests one flag.  The region is not guest RAM, so
 * its picture is saved in the device's vmstate record (at most 3 MiB).
 */
#include <stdlib.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "migration/vmstate.h"
#include "ui/display.h"
#include "util/error.h"

/* Largest picture (bytes): the snapshot keeps a copy of this size. */
#define FWFB_MAX_BYTES (1024 * 768 * 4)

struct FwFramebuffer {
    Machine *machine;
    MemoryRegion *mr;
    DisplaySource src;
    uint8_t *dirty;            /* scratch: one flag per page, from memory_dirty_get_and_clear */
    /* The picture as savevm saw it (pre_save) or loadvm brought it (post_load). */
    uint8_t saved[FWFB_MAX_BYTES];
};

/* savevm: the region is not guest RAM, so its bytes travel in this record. */
static void fwfb_pre_save(void *opaque)
{
    FwFramebuffer *s = opaque;

    memcpy(s->saved, s->mr->host, s->mr->size < FWFB_MAX_BYTES ? s->mr->size : FWFB_MAX_BYTES);
}

/* loadvm: put the picture back and let the display redraw all of it. */
static void fwfb_post_load(void *opaque)
{
    FwFramebuffer *s = opaque;

    memcpy(s->mr->host, s->saved, s->mr->size < FWFB_MAX_BYTES ? s->mr->size : FWFB_MAX_BYTES);
    memset(s->mr->dirty, 1, s->mr->size >> PAGE_BITS);
    s->mr->any_dirty = true;
}

static const VMStateField fwfb_fields[] = {
    VMSTATE_SKIP(FwFramebuffer, machine, "wiring"),
    VMSTATE_SKIP(FwFramebuffer, mr, "wiring"),
    VMSTATE_SKIP(FwFramebuffer, src, "display wiring; the surface is the region"),
    VMSTATE_SKIP(FwFramebuffer, dirty, "scratch of one refresh"),
    VMSTATE_ARRAY(FwFramebuffer, saved),
    VMSTATE_END,
};

static const VMStateDescription vmstate_fwfb = {
    .name = "framebuffer", .version = 1, .size = sizeof(FwFramebuffer),
    .fields = fwfb_fields, .pre_save = fwfb_pre_save, .post_load = fwfb_post_load,
};

/* Turn runs of dirty pages into full-width line ranges of the picture. */
static void fwfb_refresh(DisplaySource *src)
{
    FwFramebuffer *s = src->opaque;
    uint64_t pages = s->mr->size >> PAGE_BITS, stride = src->surface.stride;

    if (!memory_dirty_get_and_clear(&s->machine->as, s->mr, s->dirty)) {
        return;
    }
    for (uint64_t p = 0; p < pages; p++) {
        uint64_t first = p, y0, y1;
        if (!s->dirty[p]) {
            continue;
        }
        while (p + 1 < pages && s->dirty[p + 1]) {
            p++;
        }
        y0 = (first << PAGE_BITS) / stride;
        y1 = (((p + 1) << PAGE_BITS) - 1) / stride;
        display_update(src, (DisplayRect){ 0, (uint32_t)y0, src->surface.width,
                                           (uint32_t)(y1 - y0 + 1) });
    }
}

FwFramebuffer *fwfb_create(Machine *m, gpa_t base, uint32_t width, uint32_t height)
{
    FwFramebuffer *s = calloc(1, sizeof(*s));
    uint64_t size = ((uint64_t)width * height * 4 + PAGE_SIZE - 1) & PAGE_MASK;
    int node;

    if (!s || size > FWFB_MAX_BYTES) {
        free(s);
        return NULL;
    }
    s->machine = m;
    s->mr = memory_add_ram(&m->as, "framebuffer", base, size, false);
    if (!s->mr || memory_enable_dirty_tracking(s->mr) < 0 ||
        !(s->dirty = malloc(size >> PAGE_BITS))) {
        free(s);
        return NULL;
    }
    s->src = (DisplaySource){
        .name = "framebuffer",
        .refresh = fwfb_refresh,
        .opaque = s,
        .surface = { width, height, width * 4, DISPLAY_BGRX, s->mr->host },
    };
    display_add_source(m, &s->src);
    vmstate_register(m, "framebuffer", &vmstate_fwfb, s);
    if (m->fdt) {
        node = fdt_add_soc_device(m, "framebuffer", base, size, "simple-framebuffer", 0);
        fdt_check(fdt_setprop_u32(m->fdt, node, "width", width), "framebuffer");
        fdt_check(fdt_setprop_u32(m->fdt, node, "height", height), "framebuffer");
        fdt_check(fdt_setprop_u32(m->fdt, node, "stride", width * 4), "framebuffer");
        fdt_check(fdt_setprop_string(m->fdt, node, "format", "a8r8g8b8"), "framebuffer");
    }
    return s;
}
