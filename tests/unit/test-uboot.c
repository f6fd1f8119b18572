/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the virt board's firmware-boot helpers (hw/riscv/uboot.c):
 * the /config node U-Boot reads its boot delay and boot command from, and
 * where U-Boot's S-mode image is looked for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hw/core/fdt.h"
#include "hw/riscv/uboot.h"

static Machine *m;
static MachineConfig cfg;

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    memset(&cfg, 0, sizeof(cfg));
    cfg.boot_delay = -1;
    m->cfg = &cfg;
    fdt_machine_begin(m);
    return 0;
}

static int teardown(void **state)
{
    free(m->fdt);
    free(m);
    return 0;
}

static const char *config_string(const char *name)
{
    int node = fdt_path_offset(m->fdt, "/config");

    assert_true(node >= 0);
    return fdt_getprop(m->fdt, node, name, NULL);
}

/* distro boot first; only when it returns, the finisher's exit status 1. */
static void test_uboot_bootcmd_runs_distro_boot_then_fails_with_status_1(void **state)
{
    const char *cmd;

    uboot_fdt_config(m);
    cmd = config_string("bootcmd");
    assert_non_null(cmd);
    assert_true(!strncmp(cmd, "run distro_bootcmd; ", 20));
    assert_non_null(strstr(cmd, "echo U-Boot: no boot target could be started"));
    /* (1 << 16) | 0x3333 to the sifive_test finisher at 0x100000 */
    assert_non_null(strstr(cmd, "; mw.l 0x100000 0x13333"));
    assert_true(strstr(cmd, "run distro_bootcmd") < strstr(cmd, "mw.l"));
}

/*
 * A framebuffer (--display sdl, --device ramfb): before booting, U-Boot repoints /chosen/stdout-path (in
 * place, same length) away from the UART, so the OS's console is the screen.
 */
static void test_uboot_display_takes_uart_out_of_stdout_path(void **state)
{
    const char *cmd, *set = "fdt set /chosen stdout-path ", *p, *end;

    cfg.display_devices = DISPLAY_DEV_RAMFB;
    uboot_fdt_config(m);
    cmd = config_string("bootcmd");
    assert_true(!strncmp(cmd, "fdt addr ${fdtcontroladdr}; ", 28));
    p = strstr(cmd, set);
    assert_non_null(p);
    p += strlen(set);
    end = strchr(p, ';');
    assert_non_null(end);
    assert_int_equal(end - p, strlen("/soc/serial@10000000"));
    assert_true(strncmp(p, "/soc/serial@10000000", end - p) != 0);
    assert_true(p < strstr(cmd, "run distro_bootcmd"));
}

static void test_uboot_default_delay_left_to_uboot(void **state)
{
    int node;

    uboot_fdt_config(m);
    node = fdt_path_offset(m->fdt, "/config");
    assert_null(fdt_getprop(m->fdt, node, "bootdelay", NULL));
}

static void test_uboot_boot_menu_sets_bootdelay(void **state)
{
    const fdt32_t *delay;
    int len;

    cfg.boot_delay = 5;
    uboot_fdt_config(m);
    delay = fdt_getprop(m->fdt, fdt_path_offset(m->fdt, "/config"), "bootdelay", &len);
    assert_non_null(delay);
    assert_int_equal(len, 4);
    assert_int_equal(fdt32_to_cpu(*delay), 5);
}

static void test_uboot_boot_menu_off_is_zero_delay(void **state)
{
    const fdt32_t *delay;

    cfg.boot_delay = 0;
    uboot_fdt_config(m);
    delay = fdt_getprop(m->fdt, fdt_path_offset(m->fdt, "/config"), "bootdelay", NULL);
    assert_non_null(delay);
    assert_int_equal(fdt32_to_cpu(*delay), 0);
}

static void test_uboot_image_from_environment(void **state)
{
    char path[] = "/tmp/vm-test-uboot-XXXXXX", buf[256];
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    setenv("VM_UBOOT_SMODE", path, 1);
    assert_string_equal(uboot_find_smode(buf, sizeof(buf)), path);
    unsetenv("VM_UBOOT_SMODE");
    unlink(path);
}

/* Without the variable: the fetch script's cache under XDG_CACHE_HOME. */
static void test_uboot_image_from_cache(void **state)
{
    char dir[] = "/tmp/vm-test-uboot-cache-XXXXXX", file[256], cmd[320], buf[256];
    FILE *f;

    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/vm/trixie/u-boot-qemu/usr/lib/u-boot/qemu-riscv64_smode",
             dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", file);
    assert_int_equal(system(cmd), 0);
    strcat(file, "/u-boot.bin");
    f = fopen(file, "wb");
    assert_non_null(f);
    fclose(f);
    unsetenv("VM_UBOOT_SMODE");
    setenv("XDG_CACHE_HOME", dir, 1);
    assert_string_equal(uboot_find_smode(buf, sizeof(buf)), file);
    unsetenv("XDG_CACHE_HOME");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_uboot_bootcmd_runs_distro_boot_then_fails_with_status_1),
        T(test_uboot_display_takes_uart_out_of_stdout_path),
        T(test_uboot_default_delay_left_to_uboot),
        T(test_uboot_boot_menu_sets_bootdelay),
        T(test_uboot_boot_menu_off_is_zero_delay),
        T(test_uboot_image_from_environment),
        T(test_uboot_image_from_cache),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
