/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the guest image loaders (hw/core/loader.c, DESIGN.md
 * §8 "Fuzzing"): the input bytes are a kernel or firmware file.  Each run
 * writes them to a memfd and loads it, as the board would, into a small
 * address space (1 MiB of RAM at 0x80000000, a ROM page at 0x1000, zeroed
 * and with no image recorded before each load): as an
 * ELF64 RISC-V executable, as a RISC-V Linux Image, and as a raw binary
 * at an offset picked from the input.  The same file is then loaded a
 * second time (a guest reset) and, under another name, a third (another
 * image: must be refused when it overlaps).  ASan/UBSan catch memory
 * errors; the target aborts if a load that reports success put bytes
 * outside the ranges it returned, or leaks a file descriptor.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/core/loader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define ROM_BASE 0x1000ull
#define ROM_SIZE 0x1000ull

static int img_fd = -1, other_fd = -1;
static char img_path[64], other_path[64];

static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */

#define fail(...) (dprintf(report_fd, "fuzz-loader: " __VA_ARGS__), abort())

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    return 0;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (!d) {
        fail("opendir /proc/self/fd: %s\n", strerror(errno));
    }
    while ((e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static AddressSpace *as;

/* A fresh guest: the address space is made once, its RAM and ROM zeroed for each load. */
static void new_as(void)
{
    if (!as) {
        as = calloc(1, sizeof(*as));
        if (!as || !memory_add_ram(as, "rom", ROM_BASE, ROM_SIZE, true) ||
            !memory_add_ram(as, "ram", RAM_BASE, RAM_SIZE, false)) {
            fail("memory_add_ram failed\n");
        }
    }
    loader_forget(as);      /* the previous input's images are gone */
    memset(memory_host_ptr(as, RAM_BASE, RAM_SIZE), 0, RAM_SIZE);
    memset(memory_host_ptr(as, ROM_BASE, ROM_SIZE), 0, ROM_SIZE);
}

static bool all_zero(const uint8_t *p, uint64_t len)
{
    return len == 0 || (p[0] == 0 && !memcmp(p, p + 1, len - 1));
}

/* Every byte of RAM outside [low, high) must still be zero. */
static void check_untouched(gpa_t low, gpa_t high, const char *what)
{
    const uint8_t *ram = memory_host_ptr(as, RAM_BASE, RAM_SIZE);

    if (!all_zero(ram, low - RAM_BASE) || !all_zero(ram + (high - RAM_BASE),
                                                     RAM_BASE + RAM_SIZE - high)) {
        fail("%s: bytes written outside the reported range 0x%llx-0x%llx\n", what,
             (unsigned long long)low, (unsigned long long)high);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    gpa_t entry, low, high;
    uint64_t len, off;
    int fds_before, ret;

    if (img_fd < 0) {
        img_fd = memfd_create("fuzz-loader", 0);
        other_fd = memfd_create("fuzz-loader-other", 0);
        if (img_fd < 0 || other_fd < 0) {
            fail("memfd_create: %s\n", strerror(errno));
        }
        snprintf(img_path, sizeof(img_path), "/proc/self/fd/%d", img_fd);
        snprintf(other_path, sizeof(other_path), "/proc/self/fd/%d", other_fd);
    }
    if (size > (1 << 20)) {
        return 0;
    }
    if (ftruncate(img_fd, 0) < 0 || pwrite(img_fd, data, size, 0) != (ssize_t)size ||
        ftruncate(other_fd, 0) < 0 || pwrite(other_fd, data, size, 0) != (ssize_t)size) {
        fail("writing the memfd: %s\n", strerror(errno));
    }
    fds_before = count_fds();

    /* ELF, as --kernel/--bios with an ELF file. */
    new_as();
    (void)loader_is_elf(img_path);
    ret = load_elf(as, img_path, EM_RISCV, &entry, &low, &high, err, sizeof(err));
    if (ret == 0) {
        bool in_rom = low >= ROM_BASE && high <= ROM_BASE + ROM_SIZE;

        if (low >= high || (!in_rom && (low < ROM_BASE || high > RAM_BASE + RAM_SIZE))) {
            fail("load_elf: range 0x%llx-0x%llx outside RAM and ROM\n",
                 (unsigned long long)low, (unsigned long long)high);
        }
        if (low >= RAM_BASE) {
            check_untouched(low, high, "load_elf");
        }
        /* A reset reloads the same file; another file over it is refused. */
        if (load_elf(as, img_path, EM_RISCV, &entry, &low, &high, err, sizeof(err)) != 0) {
            fail("load_elf: reloading the same file failed: %s\n", err);
        }
        if (load_elf(as, other_path, EM_RISCV, &entry, &low, &high, err, sizeof(err)) == 0) {
            fail("load_elf: a second file over the first was accepted\n");
        }
    } else if (!err[0]) {
        fail("load_elf failed (%d) without a message\n", ret);
    }

    /* RISC-V Linux Image at the start of RAM (2 MiB aligned, as the board does). */
    new_as();
    (void)loader_is_riscv_image(img_path);
    err[0] = '\0';
    ret = load_riscv_image(as, img_path, RAM_BASE, &len, err, sizeof(err));
    if (ret == 0) {
        if (len < size || len > RAM_SIZE) {
            fail("load_riscv_image: size %llu for a %zu-byte file\n", (unsigned long long)len,
                 size);
        }
        check_untouched(RAM_BASE, RAM_BASE + len, "load_riscv_image");
    } else if (!err[0]) {
        fail("load_riscv_image failed (%d) without a message\n", ret);
    }

    /* Raw, at an offset from the input (an initrd or a firmware blob). */
    new_as();
    off = size >= 2 ? (uint64_t)(data[0] | data[1] << 8) << 5 : 0;
    err[0] = '\0';
    ret = load_raw(as, img_path, RAM_BASE + off, &len, err, sizeof(err));
    if (ret == 0) {
        if (len != size || off + len > RAM_SIZE) {
            fail("load_raw: %llu bytes at +0x%llx for a %zu-byte file\n",
                 (unsigned long long)len, (unsigned long long)off, size);
        }
        check_untouched(RAM_BASE + off, RAM_BASE + off + len, "load_raw");
        if (load_raw(as, other_path, RAM_BASE + off, &len, err, sizeof(err)) == 0) {
            fail("load_raw: a second file over the first was accepted\n");
        }
    } else if (!err[0]) {
        fail("load_raw failed (%d) without a message\n", ret);
    }
    /* Into ROM (firmware) too: the loader writes ROM through its host pointer. */
    (void)load_raw(as, img_path, ROM_BASE, &len, err, sizeof(err));

    if (count_fds() != fds_before) {
        fail("file descriptor leak (%d open before, %d after)\n", fds_before, count_fds());
    }
    return 0;
}
