/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input routing (see display.h): key and pointer events from the
 * frontend and the monitor's `sendkey` go to the registered input
 * devices as Linux evdev events.  The key tables give Linux key codes
 * (linux/input-event-codes.h) for QEMU's key names (qapi QKeyCode) and
 * for USB HID keyboard usage IDs (HID Usage Tables 1.4 §10), which is
 * what SDL scancodes are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ui/display.h"

typedef struct KeyName {
    const char *name;
    uint16_t code;
} KeyName;

static const KeyName key_names[] = {
    { "esc", 1 }, { "1", 2 }, { "2", 3 }, { "3", 4 }, { "4", 5 }, { "5", 6 }, { "6", 7 },
    { "7", 8 }, { "8", 9 }, { "9", 10 }, { "0", 11 }, { "minus", 12 }, { "equal", 13 },
    { "backspace", 14 }, { "tab", 15 }, { "q", 16 }, { "w", 17 }, { "e", 18 }, { "r", 19 },
    { "t", 20 }, { "y", 21 }, { "u", 22 }, { "i", 23 }, { "o", 24 }, { "p", 25 },
    { "bracket_left", 26 }, { "bracket_right", 27 }, { "ret", 28 }, { "ctrl", 29 },
    { "a", 30 }, { "s", 31 }, { "d", 32 }, { "f", 33 }, { "g", 34 }, { "h", 35 }, { "j", 36 },
    { "k", 37 }, { "l", 38 }, { "semicolon", 39 }, { "apostrophe", 40 },
    { "grave_accent", 41 }, { "shift", 42 }, { "backslash", 43 }, { "z", 44 }, { "x", 45 },
    { "c", 46 }, { "v", 47 }, { "b", 48 }, { "n", 49 }, { "m", 50 }, { "comma", 51 },
    { "dot", 52 }, { "slash", 53 }, { "shift_r", 54 }, { "kp_multiply", 55 },
    { "asterisk", 55 }, { "alt", 56 }, { "spc", 57 }, { "caps_lock", 58 }, { "f1", 59 },
    { "f2", 60 }, { "f3", 61 }, { "f4", 62 }, { "f5", 63 }, { "f6", 64 }, { "f7", 65 },
    { "f8", 66 }, { "f9", 67 }, { "f10", 68 }, { "num_lock", 69 }, { "scroll_lock", 70 },
    { "kp_7", 71 }, { "kp_8", 72 }, { "kp_9", 73 }, { "kp_subtract", 74 }, { "kp_4", 75 },
    { "kp_5", 76 }, { "kp_6", 77 }, { "kp_add", 78 }, { "kp_1", 79 }, { "kp_2", 80 },
    { "kp_3", 81 }, { "kp_0", 82 }, { "kp_decimal", 83 }, { "less", 86 }, { "f11", 87 },
    { "f12", 88 }, { "kp_enter", 96 }, { "ctrl_r", 97 }, { "kp_divide", 98 },
    { "sysrq", 99 }, { "print", 99 }, { "alt_r", 100 }, { "altgr", 100 }, { "altgr_r", 100 },
    { "lf", 101 }, { "home", 102 }, { "up", 103 }, { "pgup", 104 }, { "left", 105 },
    { "right", 106 }, { "end", 107 }, { "down", 108 }, { "pgdn", 109 }, { "insert", 110 },
    { "delete", 111 }, { "audiomute", 113 }, { "volumedown", 114 }, { "volumeup", 115 },
    { "power", 116 }, { "kp_equals", 117 }, { "pause", 119 }, { "kp_comma", 121 },
    { "meta_l", 125 }, { "meta_r", 126 }, { "compose", 127 }, { "menu", 127 },
    { "stop", 128 }, { "again", 129 }, { "props", 130 }, { "undo", 131 }, { "front", 132 },
    { "copy", 133 }, { "open", 134 }, { "paste", 135 }, { "find", 136 }, { "cut", 137 },
    { "help", 138 }, { "sleep", 142 }, { "wake", 143 },
};

/* Linux key codes of HID keyboard usages 0x04..0x67 (§10, Keyboard/Keypad page). */
static const uint8_t hid_keys[0x68] = {
    [0x04] = 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, 16, 19, 31, 20,
    22, 47, 17, 45, 21, 44,                                 /* a .. z */
    [0x1e] = 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,                /* 1 .. 0 */
    [0x28] = 28, 1, 14, 15, 57, 12, 13, 26, 27, 43, 43, 39, 40, 41, 51, 52, 53, 58,
    [0x3a] = 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88, /* F1 .. F12 */
    [0x46] = 99, 70, 119, 110, 102, 104, 111, 107, 109, 106, 105, 108, 103,
    [0x53] = 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71, 72, 73, 82, 83, 86, 127,
    116, 117,
};

/* HID usages 0xe0..0xe7: left ctrl, shift, alt, GUI, then the right ones. */
static const uint8_t hid_modifiers[8] = { 29, 42, 56, 125, 97, 54, 100, 126 };

uint16_t input_key_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(key_names); i++) {
        if (!strcmp(name, key_names[i].name)) {
            return key_names[i].code;
        }
    }
    return 0;
}

uint16_t input_key_by_hid_usage(unsigned usage)
{
    if (usage < ARRAY_SIZE(hid_keys)) {
        return hid_keys[usage];
    }
    if (usage >= 0xe0 && usage <= 0xe7) {
        return hid_modifiers[usage - 0xe0];
    }
    return 0;
}

void input_add_handler(Machine *m, InputHandler *h)
{
    DisplayState *d = display_get(m);

    h->next = d->inputs;
    d->inputs = h;
}

/* Send (type, code, value) and a SYN_REPORT to every device of `kind`. */
static void input_send(Machine *m, InputKind kind, uint16_t type, uint16_t code, int32_t value)
{
    for (InputHandler *h = m->display ? m->display->inputs : NULL; h; h = h->next) {
        if (h->kind == kind) {
            h->event(h, type, code, value);
            h->event(h, EV_SYN, SYN_REPORT, 0);
        }
    }
}

void input_key_event(Machine *m, uint16_t code, bool down)
{
    input_send(m, code >= BTN_LEFT ? INPUT_POINTER : INPUT_KEYBOARD, EV_KEY, code, down);
}

void input_pointer_move(Machine *m, uint32_t x, uint32_t y)
{
    for (InputHandler *h = m->display ? m->display->inputs : NULL; h; h = h->next) {
        if (h->kind == INPUT_POINTER) {
            h->event(h, EV_ABS, ABS_X, (int32_t)x);
            h->event(h, EV_ABS, ABS_Y, (int32_t)y);
            h->event(h, EV_SYN, SYN_REPORT, 0);
        }
    }
}

/* sendkey's hold time is over: release the keys in reverse order. */
static void input_release_held(void *opaque)
{
    DisplayState *d = opaque;

    while (d->nr_held) {
        input_key_event(d->machine, d->held[--d->nr_held], false);
    }
}

int input_sendkey(Machine *m, const char *keys, unsigned hold_ms, char *err, size_t errlen)
{
    DisplayState *d = display_get(m);
    uint16_t codes[ARRAY_SIZE(d->held)];
    unsigned n = 0;
    const char *p = keys;

    if (!*keys) {
        snprintf(err, errlen, "sendkey: no keys given (example: sendkey ctrl-alt-delete)");
        return -EINVAL;
    }
    for (;;) {
        const char *end = strchr(p, '-');
        char name[32];
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == 0 || len >= sizeof(name)) {
            snprintf(err, errlen, "sendkey: '%s': empty or overlong key name", keys);
            return -EINVAL;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if (n == ARRAY_SIZE(codes)) {
            snprintf(err, errlen, "sendkey: at most %zu keys at once", ARRAY_SIZE(codes));
            return -EINVAL;
        }
        codes[n] = input_key_by_name(name);
        if (!codes[n]) {
            snprintf(err, errlen, "sendkey: unknown key '%s' (QEMU names: a, ret, spc, ctrl, "
                     "alt, shift, delete, f1, ...)", name);
            return -EINVAL;
        }
        n++;
        p += len;
        if (!*p) {
            break;
        }
        p++;
    }
    if (!d->key_timer.cb) {
        timer_init(&m->timers, &d->key_timer, input_release_held, d);
    }
    input_release_held(d);          /* a previous sendkey still holding keys */
    for (unsigned i = 0; i < n; i++) {
        input_key_event(m, codes[i], true);
        d->held[d->nr_held++] = codes[i];
    }
    timer_mod(&d->key_timer, clock_virtual_ns(&m->timers) + (int64_t)hold_ms * 1000000);
    return 0;
}
