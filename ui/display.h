/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The display core (DESIGN.md §6): scanout sources (the firmware
 * framebuffer, virtio-gpu scanouts) publish a surface, a rectangle of
 * 32-bit pixels in host memory they own, and report the parts the guest
 * changed; the display shows whichever source the guest used last.  A
 * frontend (ui/sdl.c) or `screendump` reads the active surface.  Input
 * devices (virtio-input) register here too, and frontends and `sendkey`
 * send them Linux input events (linux/input-event-codes.h numbering,
 * which is also virtio-input's wire format, virtio 1.2 §5.8).
 * Everything runs on the thread of the execution loop.
 */
#ifndef VM_UI_DISPLAY_H
#define VM_UI_DISPLAY_H

#include "hw/core/machine.h"

/* Byte order of a 32-bit pixel in memory; X is ignored (alpha or padding). */
typedef enum { DISPLAY_BGRX, DISPLAY_XRGB, DISPLAY_RGBX, DISPLAY_XBGR } DisplayFormat;

/* A picture: width x height pixels of 4 bytes, `stride` bytes per line. */
typedef struct DisplaySurface {
    uint32_t width, height;  /* pixels; 0 x 0: nothing to show */
    uint32_t stride;         /* bytes, >= 4 * width */
    DisplayFormat format;
    const uint8_t *data;     /* first pixel; owned by the source */
} DisplaySurface;

/* A rectangle in surface pixels; w == 0 means empty. */
typedef struct DisplayRect {
    uint32_t x, y, w, h;
} DisplayRect;

/* A scanout (the firmware framebuffer, a virtio-gpu scanout), embedded in its device. */
typedef struct DisplaySource DisplaySource;
struct DisplaySource {
    const char *name;                 /* "framebuffer", "virtio-gpu" */
    /* Optional: find what the guest changed since last time; calls display_update(). */
    void (*refresh)(DisplaySource *src);
    void *opaque;                     /* the device */
    DisplaySurface surface;
    struct DisplayState *display;          /* set by display_add_source() */
    DisplaySource *next;
};

/* Linux input event types and the codes used outside the key tables. */
#define EV_SYN 0x00
#define EV_KEY 0x01
#define EV_REL 0x02
#define EV_ABS 0x03
#define EV_REP 0x14
#define SYN_REPORT 0
#define ABS_X 0x00
#define ABS_Y 0x01
#define BTN_LEFT 0x110
#define BTN_RIGHT 0x111
#define BTN_MIDDLE 0x112
#define KEY_MAX_CODE 0x2ff
/* Range of absolute pointer coordinates (as QEMU's tablet: 0..32767). */
#define INPUT_ABS_MAX 0x7fff

typedef enum { INPUT_KEYBOARD, INPUT_POINTER } InputKind;

/* An input device: receives evdev events (type, code, value). */
typedef struct InputHandler InputHandler;
struct InputHandler {
    InputKind kind;
    void (*event)(InputHandler *h, uint16_t type, uint16_t code, int32_t value);
    void *opaque;                     /* the device */
    InputHandler *next;
};

/* A machine's display (m->display): its scanout sources and input devices. */
typedef struct DisplayState {
    Machine *machine;
    DisplaySource *sources;
    DisplaySource *active;            /* the source the guest used last, or NULL */
    bool changed;                     /* active source or its geometry changed */
    DisplayRect dirty;                /* of the active surface, since display_take_dirty() */
    InputHandler *inputs;
    Timer key_timer;                  /* sendkey: releases the held keys */
    uint16_t held[16];                /* sendkey: keys pressed, released by key_timer */
    unsigned nr_held;
} DisplayState;

/* The machine's display, created on first use (aborts on out of memory, at startup). */
DisplayState *display_get(Machine *m);

/* Register a scanout source; src is owned by the caller and stays registered. */
void display_add_source(Machine *m, DisplaySource *src);

/*
 * The source's picture changed geometry, format or memory (mode set); a
 * surface with width 0 disables it.  A source given a picture becomes
 * the active one; a disabled active source hands over to another
 * source that has a picture.
 */
void display_set_surface(DisplaySource *src, const DisplaySurface *s);

/* The guest drew into rect r of the source's surface (clipped here); it becomes active. */
void display_update(DisplaySource *src, DisplayRect r);

/* Let every source report guest writes (the frontend calls this before drawing). */
void display_refresh_sources(DisplayState *d);

/*
 * The part of the active surface changed since the last call (and
 * whether the active source or its size changed: redraw everything).
 * Returns false when nothing changed.
 */
bool display_take_dirty(DisplayState *d, DisplayRect *r, bool *changed);

/*
 * Write the active surface to `path` as an 8-bit RGB PNG.  The file
 * appears complete or not at all (written beside it, then renamed).
 * Returns 0, or a negative errno with one line in err.
 */
int display_screendump(Machine *m, const char *path, char *err, size_t errlen);

/* Register an input device; h is owned by the caller. */
void input_add_handler(Machine *m, InputHandler *h);

/* A key (KEY_* or BTN_* code) went down or up: EV_KEY + SYN_REPORT to its device kind. */
void input_key_event(Machine *m, uint16_t code, bool down);

/* The pointer moved to (x, y), each in 0..INPUT_ABS_MAX: EV_ABS x, y + SYN_REPORT. */
void input_pointer_move(Machine *m, uint32_t x, uint32_t y);

/*
 * Monitor `sendkey`: keys as QEMU names them, joined with '-'
 * ("ctrl-alt-delete", "ret", "a", "shift-a"): press them in order, and
 * release them in reverse order hold_ms later (virtual time).  Returns
 * 0, or -EINVAL with one line in err (unknown key name, too many keys).
 */
int input_sendkey(Machine *m, const char *keys, unsigned hold_ms, char *err, size_t errlen);

/* Linux key code of a QEMU key name ("a", "ret", "ctrl"), or 0 when unknown. */
uint16_t input_key_by_name(const char *name);

/* Linux key code of an SDL scancode (a USB HID usage ID), or 0 when unmapped. */
uint16_t input_key_by_hid_usage(unsigned usage);

#endif /* VM_UI_DISPLAY_H */
