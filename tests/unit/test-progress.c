/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader of debian-installer's console (install/progress.c): dialogs
 * as d-i's newt frontend draws them over a serial line (cursor addressing,
 * DEC line drawing, colours), read back as step, percent and text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "install/install.h"

static InstallProgress prog;

static void feed(const char *s)
{
    progress_feed(&prog, s, strlen(s));
}

/* Draw a newt-style dialog: box from (row, col), `w` wide, title and lines. */
static void draw_dialog(int row, int col, int w, const char *title, const char *const *lines,
                        int n)
{
    char buf[512];
    int tlen = (int)strlen(title) + 4, left = (w - 2 - tlen) / 2, right = w - 2 - tlen - left;

    /* SGR colours and the line drawing set around the border, as newt sends them */
    snprintf(buf, sizeof(buf), "\033[%d;%dH\033[30m\033[47m\033(0l", row, col);
    feed(buf);
    for (int i = 0; i < left; i++) {
        feed("q");
    }
    snprintf(buf, sizeof(buf), "u\033(B %s \033(0t", title);
    feed(buf);
    for (int i = 0; i < right; i++) {
        feed("q");
    }
    feed("k\033(B");
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "\033[%d;%dH\033(0x\033(B%-*s\033(0x\033(B", row + 1 + i, col,
                 w - 2, lines[i]);
        feed(buf);
    }
    snprintf(buf, sizeof(buf), "\033[%d;%dH\033(0m", row + 1 + n, col);
    feed(buf);
    for (int i = 0; i < w - 2; i++) {
        feed("q");
    }
    feed("j\033(B\033[m");
}

static int setup(void **state)
{
    progress_init(&prog);
    return 0;
}

static void test_progress_reads_title_percent_and_text(void **state)
{
    static const char *const lines[] = {
        "", "                 42%", "", "Retrieving libc6...", "",
    };

    feed("\033[H\033[J");
    draw_dialog(8, 3, 74, "Installing the base system", lines, 5);
    assert_string_equal(prog.step, "Installing the base system");
    assert_int_equal(prog.percent, 42);
    assert_string_equal(prog.detail, "Retrieving libc6...");
    assert_false(prog.error);
    assert_true(prog.changed);
}

static void test_progress_reports_a_change_once(void **state)
{
    static const char *const lines[] = { "   7%", "Partitions formatting" };

    draw_dialog(5, 2, 60, "Partition disks", lines, 2);
    assert_true(prog.changed);
    prog.changed = false;
    feed("\033[H\033[1C"); /* cursor moves only: nothing new on screen */
    assert_false(prog.changed);
    draw_dialog(5, 2, 60, "Partition disks", (const char *const[]){ "  58%", "x" }, 2);
    assert_true(prog.changed);
    assert_int_equal(prog.percent, 58);
}

static void test_progress_flags_error_dialogs(void **state)
{
    static const char *const lines[] = {
        "The installer failed to download a file from the mirror.", "", "  <Retry>",
    };

    draw_dialog(3, 2, 76, "[!!] Download installer components", lines, 3);
    assert_true(prog.error);
    assert_string_equal(prog.step, "[!!] Download installer components");
    assert_int_equal(prog.percent, -1);
    assert_string_equal(prog.detail, "The installer failed to download a file from the mirror.");
}

static void test_progress_text_split_across_feeds_is_whole(void **state)
{
    const char *s = "\033[4;1H\033(0lqqu\033(B Configuring apt \033(0tqqk\033(B"
                    "\033[5;1H\033(0x\033(B         100%          \033(0x"
                    "\033[6;1Hmqqqqqqqqqqqqqqqqqqqqqqqj";

    for (size_t i = 0; s[i]; i++) {
        progress_feed(&prog, s + i, 1); /* one byte at a time, escapes cut anywhere */
    }
    assert_string_equal(prog.step, "Configuring apt");
    assert_int_equal(prog.percent, 100);
}

static void test_progress_clear_screen_forgets_old_dialog_text(void **state)
{
    draw_dialog(2, 3, 60, "Select and install software", (const char *const[]){ " 3%" }, 1);
    feed("\033[H\033[2J");
    /* lower on the screen than the old one, which would win if it were still there */
    draw_dialog(12, 3, 60, "Finishing the installation", (const char *const[]){ "90%" }, 1);
    assert_string_equal(prog.step, "Finishing the installation");
    assert_int_equal(prog.percent, 90);
}

static void test_progress_scrolling_kernel_log_is_no_dialog(void **state)
{
    for (int i = 0; i < 60; i++) {
        feed("[    1.234567] virtio_blk virtio0: [vda] 25165824 512-byte logical blocks\r\n");
    }
    assert_string_equal(prog.step, "");
    assert_false(prog.changed);
}

static void test_progress_hostile_escapes_stay_in_bounds(void **state)
{
    /* Huge and negative-looking coordinates, endless parameters, scroll regions inverted */
    feed("\033[99999;99999HX\033[0;0HY\033[;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;1;1H");
    feed("\033[30;2r\033[99L\033[99M\033[999@\033[999P\033[999X\033M\033M\033M\033[9999B\n\n");
    assert_true(prog.row >= 0 && prog.row < PROGRESS_ROWS);
    assert_true(prog.col >= 0 && prog.col < PROGRESS_COLS);
    /* and the reader still works afterwards */
    feed("\033[r\033[2J");
    draw_dialog(4, 1, 40, "Configuring apt", (const char *const[]){ "12%" }, 1);
    assert_string_equal(prog.step, "Configuring apt");
    assert_int_equal(prog.percent, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_progress_reads_title_percent_and_text, setup),
        cmocka_unit_test_setup(test_progress_reports_a_change_once, setup),
        cmocka_unit_test_setup(test_progress_flags_error_dialogs, setup),
        cmocka_unit_test_setup(test_progress_text_split_across_feeds_is_whole, setup),
        cmocka_unit_test_setup(test_progress_clear_screen_forgets_old_dialog_text, setup),
        cmocka_unit_test_setup(test_progress_scrolling_kernel_log_is_no_dialog, setup),
        cmocka_unit_test_setup(test_progress_hostile_escapes_stay_in_bounds, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
