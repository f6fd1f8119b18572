/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of virtio-input's configuration space (hw/input/virtio-input.c,
 * virtio 1.2 §5.8.2: what each select/subsel shows, and size 0 for
 * everything else) and of the input routing behind the monitor's
 * sendkey (ui/input.c): QEMU key names, combos pressed in order and
 * released in reverse after the hold time, bad key lists refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/input/virtio-input.h"
#include "ui/display.h"

static uint8_t cfg[VIRTIO_INPUT_CFG_SIZE];

static unsigned cfg_size(InputKind kind, uint8_t select, uint8_t subsel)
{
    virtio_input_fill_config(kind, "kbd", select, subsel, cfg);
    return cfg[VIRTIO_INPUT_CFG_SIZE_OFF];
}

static bool cfg_bit(unsigned bit)
{
    return (cfg[VIRTIO_INPUT_CFG_UNION + bit / 8] >> (bit % 8)) & 1;
}

static void test_input_config_names_and_ids(void **state)
{
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_ID_NAME, 0), 3);
    assert_memory_equal(cfg + VIRTIO_INPUT_CFG_UNION, "kbd", 3);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_ID_DEVIDS, 0), 8);
    assert_int_equal(ld_le16(cfg + VIRTIO_INPUT_CFG_UNION), 0x06);   /* BUS_VIRTUAL */
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_ID_SERIAL, 0), 0);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_ID_NAME, 1), 0);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_UNSET, 0), 0);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, 0x7f, 0), 0);
    /* select and subsel read back as written. */
    assert_int_equal(cfg[VIRTIO_INPUT_CFG_SELECT], 0x7f);
}

static void test_input_config_keyboard_bits(void **state)
{
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY), 32);
    assert_true(cfg_bit(30));          /* KEY_A */
    assert_true(cfg_bit(111));         /* KEY_DELETE */
    assert_false(cfg_bit(0));          /* KEY_RESERVED */
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_EV_BITS, EV_REP), 1);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS), 0);
    assert_int_equal(cfg_size(INPUT_KEYBOARD, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X), 0);
}

static void test_input_config_tablet_axes(void **state)
{
    assert_int_equal(cfg_size(INPUT_POINTER, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS), 1);
    assert_true(cfg_bit(ABS_X) && cfg_bit(ABS_Y));
    assert_int_equal(cfg_size(INPUT_POINTER, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY), BTN_MIDDLE / 8 + 1);
    assert_true(cfg_bit(BTN_LEFT) && cfg_bit(BTN_RIGHT) && cfg_bit(BTN_MIDDLE));
    assert_false(cfg_bit(30));
    assert_int_equal(cfg_size(INPUT_POINTER, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y), 20);
    assert_int_equal(ld_le32(cfg + VIRTIO_INPUT_CFG_UNION), 0);
    assert_int_equal(ld_le32(cfg + VIRTIO_INPUT_CFG_UNION + 4), INPUT_ABS_MAX);
    assert_int_equal(cfg_size(INPUT_POINTER, VIRTIO_INPUT_CFG_ABS_INFO, 2), 0);   /* ABS_Z */
    assert_int_equal(cfg_size(INPUT_POINTER, VIRTIO_INPUT_CFG_EV_BITS, EV_REL), 0);
}

static void test_input_key_tables(void **state)
{
    assert_int_equal(input_key_by_name("a"), 30);
    assert_int_equal(input_key_by_name("ret"), 28);
    assert_int_equal(input_key_by_name("spc"), 57);
    assert_int_equal(input_key_by_name("ctrl"), 29);
    assert_int_equal(input_key_by_name("delete"), 111);
    assert_int_equal(input_key_by_name("f12"), 88);
    assert_int_equal(input_key_by_name("A"), 0);
    assert_int_equal(input_key_by_name(""), 0);
    assert_int_equal(input_key_by_hid_usage(0x04), 30);    /* a */
    assert_int_equal(input_key_by_hid_usage(0x1d), 44);    /* z */
    assert_int_equal(input_key_by_hid_usage(0x28), 28);    /* Return */
    assert_int_equal(input_key_by_hid_usage(0x52), 103);   /* Up */
    assert_int_equal(input_key_by_hid_usage(0xe0), 29);    /* left Ctrl */
    assert_int_equal(input_key_by_hid_usage(0xe7), 126);   /* right GUI */
    assert_int_equal(input_key_by_hid_usage(0x00), 0);
    assert_int_equal(input_key_by_hid_usage(0x1000), 0);
}

/* A recording input device. */
static char events[1024];

static void record(InputHandler *h, uint16_t type, uint16_t code, int32_t value)
{
    size_t n = strlen(events);

    if (type != EV_SYN) {
        snprintf(events + n, sizeof(events) - n, "%s%u:%d", n ? " " : "", code, value);
    }
}

static void test_sendkey_presses_in_order_and_releases_in_reverse(void **state)
{
    Machine *m = calloc(1, sizeof(*m));
    InputHandler kbd = { .kind = INPUT_KEYBOARD, .event = record };
    char err[200];

    m->timers.start_ns = clock_host_ns();
    input_add_handler(m, &kbd);
    events[0] = '\0';
    assert_int_equal(input_sendkey(m, "ctrl-alt-delete", 100, err, sizeof(err)), 0);
    assert_string_equal(events, "29:1 56:1 111:1");
    timers_run(&m->timers);                       /* not yet: held 100 ms */
    assert_string_equal(events, "29:1 56:1 111:1");
    m->timers.start_ns -= 200000000;              /* 200 ms of virtual time pass */
    timers_run(&m->timers);
    assert_string_equal(events, "29:1 56:1 111:1 111:0 56:0 29:0");
    events[0] = '\0';
    assert_int_equal(input_sendkey(m, "a", 0, err, sizeof(err)), 0);
    timers_run(&m->timers);
    assert_string_equal(events, "30:1 30:0");
}

static void test_sendkey_rejects_bad_key_lists(void **state)
{
    Machine *m = calloc(1, sizeof(*m));
    char err[200];

    assert_int_equal(input_sendkey(m, "ctrl-foo", 100, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "unknown key 'foo'"));
    assert_int_equal(input_sendkey(m, "", 100, err, sizeof(err)), -EINVAL);
    assert_int_equal(input_sendkey(m, "a--b", 100, err, sizeof(err)), -EINVAL);
    assert_int_equal(input_sendkey(m, "ctrl-", 100, err, sizeof(err)), -EINVAL);
    assert_int_equal(input_sendkey(m, "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q", 100, err,
                                   sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "at most"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_config_names_and_ids),
        cmocka_unit_test(test_input_config_keyboard_bits),
        cmocka_unit_test(test_input_config_tablet_axes),
        cmocka_unit_test(test_input_key_tables),
        cmocka_unit_test(test_sendkey_presses_in_order_and_releases_in_reverse),
        cmocka_unit_test(test_sendkey_rejects_bad_key_lists),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
