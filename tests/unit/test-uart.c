/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the NS16550A model (hw/char/ns16550a.c) and the console
 * it talks to (ui/console.c).  Input is fed through a pipe watched with
 * fdwatch, output lands in a temporary file; expected register values
 * come from the PC16550D datasheet (IIR table 4, LSR, FCR) and from the
 * THRE rules Linux's 8250 driver relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/core/fdwatch.h"
#include "ui/console.h"

#define UART_BASE 0x10000000ull
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static Machine *m;
static Console *con;
static NS16550A *uart;
static int in_pipe[2];
static int out_fd;
static char out_path[64];
static int irq_level;

static void record_irq(void *opaque, int n, int level)
{
    irq_level = level;
}

static void machine_new(void)
{
    m = calloc(1, sizeof(*m));
    fdt_machine_begin(m);
    m->irqchip_phandle = 7;
    irq_level = 0;
    strcpy(out_path, "/tmp/test-uart-XXXXXX");
    out_fd = mkstemp(out_path);
    assert_true(out_fd >= 0);
}

/* A UART on a console reading a pipe and writing a temporary file. */
static int setup(void **state)
{
    machine_new();
    assert_int_equal(pipe(in_pipe), 0);
    con = console_open_fds(m, in_pipe[0], out_fd);
    uart = ns16550a_create(m, UART_BASE, (IRQLine){ record_irq, NULL, 0 }, 10, con);
    assert_non_null(uart);
    return 0;
}

static int teardown(void **state)
{
    close(in_pipe[0]);
    close(in_pipe[1]);
    close(out_fd);
    unlink(out_path);
    memory_destroy(&m->as);
    free(m->fdt);
    free(m);
    return 0;
}

static uint8_t rd(gpa_t off)
{
    uint64_t v;

    assert_int_equal(memory_read(&m->as, UART_BASE + off, 1, &v), 0);
    return (uint8_t)v;
}

static void wr(gpa_t off, uint8_t v)
{
    assert_int_equal(memory_write(&m->as, UART_BASE + off, 1, v), 0);
}

/* Type `s` on the host side and let the execution loop's poll deliver it. */
static void feed(const char *s)
{
    assert_int_equal(write(in_pipe[1], s, strlen(s)), (ssize_t)strlen(s));
    fdwatch_poll(m, 0);
}

static void test_uart_thr_output_reaches_file_console(void **state)
{
    char buf[8] = { 0 };
    int fd;
    Machine *fm = calloc(1, sizeof(*fm));
    Console *fc = console_open_file(fm, out_path);

    assert_non_null(fc);
    assert_non_null(ns16550a_create(fm, UART_BASE, (IRQLine){ 0 }, 10, fc));
    assert_int_equal(memory_write(&fm->as, UART_BASE + THR, 1, 'h'), 0);
    assert_int_equal(memory_write(&fm->as, UART_BASE + THR, 1, 'i'), 0);
    assert_int_equal(memory_write(&fm->as, UART_BASE + THR, 1, '\n'), 0);
    fd = open(out_path, O_RDONLY);
    assert_int_equal(read(fd, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "hi\n");
    close(fd);
    memory_destroy(&fm->as);
    free(fm);
}

static void test_uart_file_console_open_failure_returns_null(void **state)
{
    assert_null(console_open_file(m, "/nonexistent-dir/x"));
}

static void test_uart_lsr_reports_transmitter_empty(void **state)
{
    assert_int_equal(rd(LSR), 0x60);
}

static void test_uart_rx_bytes_read_in_order_with_dr(void **state)
{
    wr(FCR, 0x01);
    feed("abc");
    assert_int_equal(rd(LSR) & 0x01, 0x01);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(rd(LSR) & 0x01, 0x01);
    assert_int_equal(rd(RBR), 'c');
    assert_int_equal(rd(LSR) & 0x01, 0x00);
}

static void test_uart_fifo_disabled_holds_one_byte_and_console_keeps_rest(void **state)
{
    feed("ab");
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(LSR) & 0x03, 0x01); /* 'b' arrived, no overrun */
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(rd(LSR) & 0x01, 0x00);
}

static void test_uart_rx_interrupt_needs_erbfi(void **state)
{
    feed("x");
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(IIR), 0x01);
    wr(IER, 0x01);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(IIR), 0x04);
    rd(RBR);
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_uart_thre_interrupt_raised_when_etbei_enabled(void **state)
{
    wr(IER, 0x02);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(IIR), 0x02);
}

static void test_uart_iir_read_clears_thre_interrupt(void **state)
{
    wr(IER, 0x02);
    assert_int_equal(rd(IIR), 0x02);
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_uart_thr_write_raises_thre_again(void **state)
{
    wr(IER, 0x02);
    rd(IIR);
    wr(THR, 'z');
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(IIR), 0x02);
}

static void test_uart_disabling_etbei_lowers_irq(void **state)
{
    wr(IER, 0x02);
    wr(IER, 0x00);
    assert_int_equal(irq_level, 0);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_uart_iir_reports_rx_before_thre_and_keeps_thre(void **state)
{
    wr(IER, 0x03);
    feed("x");
    assert_int_equal(rd(IIR), 0x04);
    assert_int_equal(rd(IIR), 0x04); /* reading IIR does not clear rx data */
    rd(RBR);
    assert_int_equal(irq_level, 1);
    assert_int_equal(rd(IIR), 0x02); /* THRE survived the IIR reads above */
}

static void test_uart_iir_reports_line_status_first(void **state)
{
    wr(MCR, 0x10);          /* loopback: THR feeds the receiver */
    wr(IER, 0x07);
    wr(THR, 'a');
    wr(THR, 'b');           /* holding register full: overrun */
    assert_int_equal(rd(IIR), 0x06);
    assert_int_equal(rd(LSR) & 0x03, 0x03);
    assert_int_equal(rd(LSR) & 0x02, 0x00); /* OE clears on read */
    assert_int_equal(rd(IIR), 0x04);
    assert_int_equal(rd(RBR), 'a');
}

static void test_uart_iir_reports_modem_status_last(void **state)
{
    wr(IER, 0x0a);
    wr(MCR, 0x10 | 0x02);   /* loopback with RTS only: DSR and DCD drop */
    assert_int_equal(rd(IIR), 0x02);
    assert_int_equal(rd(IIR), 0x00);
    assert_int_equal(rd(MSR), 0x1a); /* CTS, DDSR, DDCD */
    assert_int_equal(rd(IIR), 0x01);
    assert_int_equal(irq_level, 0);
}

static void test_uart_msr_reports_modem_lines_idle(void **state)
{
    assert_int_equal(rd(MSR), 0xb0);
}

static void test_uart_dlab_selects_divisor_latch(void **state)
{
    wr(IER, 0x01);
    wr(LCR, 0x83);
    wr(DLL, 0x12);
    wr(DLM, 0x34);
    assert_int_equal(rd(DLL), 0x12);
    assert_int_equal(rd(DLM), 0x34);
    wr(LCR, 0x03);
    assert_int_equal(rd(IER), 0x01);
    assert_int_equal(rd(LCR), 0x03);
    wr(LCR, 0x80);
    assert_int_equal(rd(DLL), 0x12);
}

static void test_uart_dlab_write_does_not_transmit(void **state)
{
    char c;

    wr(LCR, 0x80);
    wr(THR, 'q');
    assert_int_equal(pread(out_fd, &c, 1, 0), 0);
    wr(LCR, 0x00);
    wr(THR, 'q');
    assert_int_equal(pread(out_fd, &c, 1, 0), 1);
    assert_int_equal(c, 'q');
}

static void test_uart_fifo_enable_sets_iir_bits(void **state)
{
    assert_int_equal(rd(IIR) & 0xc0, 0x00);
    wr(FCR, 0x01);
    assert_int_equal(rd(IIR), 0xc1);
}

static void test_uart_fcr_clears_rx_fifo(void **state)
{
    wr(FCR, 0x01);
    feed("abcd");
    wr(FCR, 0x03);
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    feed("e");
    assert_int_equal(rd(RBR), 'e');
}

static void test_uart_rx_below_trigger_reports_timeout(void **state)
{
    wr(FCR, 0x41);          /* trigger level 4 */
    wr(IER, 0x01);
    feed("ab");
    assert_int_equal(rd(IIR), 0xcc);
    feed("cd");
    assert_int_equal(rd(IIR), 0xc4);
}

static void test_uart_rx_overflow_keeps_bytes_in_console(void **state)
{
    const char *s = "0123456789abcdefghijklmnopqrst"; /* 30 bytes */

    wr(FCR, 0x01);
    feed(s);
    fdwatch_poll(m, 0);
    assert_int_equal(rd(LSR) & 0x02, 0x00);
    for (size_t i = 0; i < strlen(s); i++) {
        assert_int_equal(rd(RBR), (uint8_t)s[i]);
    }
    assert_int_equal(rd(LSR) & 0x03, 0x00);
}

static void test_uart_console_stops_reading_while_buffer_full(void **state)
{
    char big[300];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    wr(FCR, 0x01);
    feed(big);              /* 256 read, 16 of them into the FIFO */
    fdwatch_poll(m, 0);     /* 16 more: the console buffer is full */
    assert_int_equal(m->fd_watches->fd, -1);
    assert_int_equal(rd(RBR), 'x');
    assert_int_equal(m->fd_watches->fd, in_pipe[0]);
}

static void test_uart_console_eof_stops_watching(void **state)
{
    close(in_pipe[1]);
    in_pipe[1] = -1;
    fdwatch_poll(m, 0);
    assert_int_equal(m->fd_watches->fd, -1);
}

static void test_uart_scratch_register_holds_value(void **state)
{
    wr(SCR, 0x5a);
    assert_int_equal(rd(SCR), 0x5a);
}

static void test_uart_overlapping_create_fails(void **state)
{
    assert_null(ns16550a_create(m, UART_BASE, (IRQLine){ 0 }, 10, NULL));
}

static void test_uart_fdt_node(void **state)
{
    int off = fdt_path_offset(m->fdt, "/soc/serial@10000000");
    const fdt32_t *cells;
    int len;

    assert_true(off >= 0);
    assert_string_equal(fdt_getprop(m->fdt, off, "compatible", &len), "ns16550a");
    cells = fdt_getprop(m->fdt, off, "clock-frequency", &len);
    assert_int_equal(fdt32_to_cpu(cells[0]), 3686400);
    cells = fdt_getprop(m->fdt, off, "interrupts", &len);
    assert_int_equal(fdt32_to_cpu(cells[0]), 10);
    cells = fdt_getprop(m->fdt, off, "interrupt-parent", &len);
    assert_int_equal(fdt32_to_cpu(cells[0]), 7);
    cells = fdt_getprop(m->fdt, off, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(cells[1]), UART_BASE);
    assert_int_equal(fdt32_to_cpu(cells[3]), 0x100);
}

static int saved_stdin = -1;

/* The stdio console with fd 0 on a pipe (not a terminal: no raw mode). */
static int setup_stdio(void **state)
{
    machine_new();
    assert_int_equal(pipe(in_pipe), 0);
    saved_stdin = dup(0);
    dup2(in_pipe[0], 0);
    con = console_open_stdio(m);
    uart = ns16550a_create(m, UART_BASE, (IRQLine){ record_irq, NULL, 0 }, 10, con);
    assert_non_null(uart);
    return 0;
}

static int teardown_stdio(void **state)
{
    dup2(saved_stdin, 0);
    close(saved_stdin);
    return teardown(state);
}

static void test_console_ctrl_a_x_requests_shutdown(void **state)
{
    feed("\001x");
    assert_int_equal(m->shutdown_request, 1);
    assert_int_equal(m->exit_status, 0);
    assert_int_equal(rd(LSR) & 0x01, 0x00);
}

static void test_console_ctrl_a_twice_sends_ctrl_a(void **state)
{
    wr(FCR, 0x01);
    feed("a\001\001b");
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(RBR), 0x01);
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(m->shutdown_request, 0);
}

static void test_console_ctrl_a_split_across_reads(void **state)
{
    feed("\001");
    feed("x");
    assert_int_equal(m->shutdown_request, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_stdio, teardown_stdio)
    const struct CMUnitTest tests[] = {
        T(test_uart_thr_output_reaches_file_console),
        T(test_uart_file_console_open_failure_returns_null),
        T(test_uart_lsr_reports_transmitter_empty),
        T(test_uart_rx_bytes_read_in_order_with_dr),
        T(test_uart_fifo_disabled_holds_one_byte_and_console_keeps_rest),
        T(test_uart_rx_interrupt_needs_erbfi),
        T(test_uart_thre_interrupt_raised_when_etbei_enabled),
        T(test_uart_iir_read_clears_thre_interrupt),
        T(test_uart_thr_write_raises_thre_again),
        T(test_uart_disabling_etbei_lowers_irq),
        T(test_uart_iir_reports_rx_before_thre_and_keeps_thre),
        T(test_uart_iir_reports_line_status_first),
        T(test_uart_iir_reports_modem_status_last),
        T(test_uart_msr_reports_modem_lines_idle),
        T(test_uart_dlab_selects_divisor_latch),
        T(test_uart_dlab_write_does_not_transmit),
        T(test_uart_fifo_enable_sets_iir_bits),
        T(test_uart_fcr_clears_rx_fifo),
        T(test_uart_rx_below_trigger_reports_timeout),
        T(test_uart_rx_overflow_keeps_bytes_in_console),
        T(test_uart_console_stops_reading_while_buffer_full),
        T(test_uart_console_eof_stops_watching),
        T(test_uart_scratch_register_holds_value),
        T(test_uart_overlapping_create_fails),
        T(test_uart_fdt_node),
        TS(test_console_ctrl_a_x_requests_shutdown),
        TS(test_console_ctrl_a_twice_sends_ctrl_a),
        TS(test_console_ctrl_a_split_across_reads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
