/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF64 and raw image loading into guest memory (see loader.h).  The
 * ELF layout follows the System V gABI (ELF header, program headers);
 * only PT_LOAD segments are used, at their physical addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/core/loader.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define PT_LOAD 1

/* Read the whole file into a malloc'd buffer; returns 0 or -errno. */
static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint8_t *buf;

    if (!f) {
        int e = errno;
        snprintf(err, errlen, "cannot open: %s", strerror(e));
        return -e;
    }
    if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
        snprintf(err, errlen, "cannot read: not a regular file");
        fclose(f);
        return -EINVAL;
    }
    buf = malloc(size ? size : 1);
    if (!buf || fread(buf, 1, size, f) != (size_t)size) {
        snprintf(err, errlen, "cannot read %ld bytes", size);
        free(buf);
        fclose(f);
        return -EIO;
    }
    fclose(f);
    *data = buf;
    *len = size;
    return 0;
}

/* Open path for reading; 0 with *fd and *size (bytes), or -errno with err set. */
static int open_sized(const char *path, int *fd, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    int e;

    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &st) < 0) {
        e = errno;
        snprintf(err, errlen, "cannot open: %s", strerror(e));
        if (*fd >= 0) {
            close(*fd);
        }
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read: not a regular file");
        close(*fd);
        return -EINVAL;
    }
    *size = (size_t)st.st_size;
    return 0;
}

/*
 * Read the file's first len bytes straight into dst (guest RAM): no
 * bounce buffer, so a large initrd costs one copy.  Closes fd.
 */
static int read_into(int fd, uint8_t *dst, size_t len, char *err, size_t errlen)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, dst + done, len - done, (off_t)done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            snprintf(err, errlen, "cannot read %zu bytes", len);
            close(fd);
            return -EIO;
        }
        done += (size_t)n;
    }
    close(fd);
    return 0;
}

/* Read the first `len` bytes of a file; false if it is shorter or unreadable. */
static bool read_head(const char *path, uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    bool ok;

    if (!f) {
        return false;
    }
    ok = fread(buf, 1, len, f) == len;
    fclose(f);
    return ok;
}

bool loader_is_elf(const char *path)
{
    uint8_t magic[4];

    return read_head(path, magic, 4) && !memcmp(magic, "\x7f" "ELF", 4);
}

#define RISCV_IMAGE_HEADER_SIZE 64
#define RISCV_IMAGE_MAGIC2_OFFSET 0x38

bool loader_is_riscv_image(const char *path)
{
    uint8_t h[RISCV_IMAGE_HEADER_SIZE];

    return read_head(path, h, sizeof(h)) &&
           !memcmp(h + RISCV_IMAGE_MAGIC2_OFFSET, "RSC\x05", 4);
}

int load_riscv_image(AddressSpace *as, const char *path, gpa_t addr, uint64_t *size,
                     char *err, size_t errlen)
{
    uint8_t d[RISCV_IMAGE_HEADER_SIZE], *host;
    size_t len;
    uint64_t image_size;
    int fd, ret = open_sized(path, &fd, &len, err, errlen);

    if (ret < 0) {
        return ret;
    }
    if (len < RISCV_IMAGE_HEADER_SIZE || pread(fd, d, sizeof(d), 0) != (ssize_t)sizeof(d) ||
        memcmp(d + RISCV_IMAGE_MAGIC2_OFFSET, "RSC\x05", 4)) {
        snprintf(err, errlen, "not a RISC-V Linux Image (no \"RSC\\x05\" magic at 0x38)");
        close(fd);
        return -EINVAL;
    }
    /* image_size (offset 16) covers bss; 0 in very old kernels: use the file size. */
    image_size = ld_le64(d + 16);
    if (image_size < len) {
        image_size = len;
    }
    host = memory_host_ptr(as, addr, image_size);
    if (!host) {
        snprintf(err, errlen, "kernel needs %" PRIu64 " MiB at guest-physical 0x%" PRIx64
                 ", more than RAM holds", (image_size + (1 << 20) - 1) >> 20, addr);
        close(fd);
        return -ERANGE;
    }
    ret = read_into(fd, host, len, err, errlen);
    if (ret == 0) {
        *size = image_size;
    }
    return ret;
}

static int check_elf(AddressSpace *as, const uint8_t *d, size_t len, uint16_t machine,
                     char *err, size_t errlen)
{
    uint64_t phoff;
    uint16_t phnum, phentsize;
    unsigned loads = 0;

    if (len < EHDR_SIZE) {
        snprintf(err, errlen, "truncated ELF header (%zu bytes, need %d)", len, EHDR_SIZE);
        return -EINVAL;
    }
    if (d[4] != 2 || d[5] != 1) {
        snprintf(err, errlen, "not a 64-bit little-endian ELF (class %u, data %u)", d[4], d[5]);
        return -EINVAL;
    }
    if (ld_le16(d + 18) != machine) {
        snprintf(err, errlen, "ELF machine %u, expected %u (RISC-V)", ld_le16(d + 18), machine);
        return -EINVAL;
    }
    if (ld_le16(d + 16) != 2) {
        snprintf(err, errlen, "ELF type %u is not an executable (ET_EXEC)", ld_le16(d + 16));
        return -EINVAL;
    }
    phoff = ld_le64(d + 32);
    phentsize = ld_le16(d + 54);
    phnum = ld_le16(d + 56);
    if (phentsize != PHDR_SIZE || phoff > len || (uint64_t)phnum * PHDR_SIZE > len - phoff) {
        snprintf(err, errlen, "program headers (offset 0x%" PRIx64 ", %u x %u bytes) "
                 "extend past the end of the file (%zu bytes)", phoff, phnum, phentsize, len);
        return -EINVAL;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (size_t)i * PHDR_SIZE;
        uint64_t off = ld_le64(ph + 8), paddr = ld_le64(ph + 24);
        uint64_t filesz = ld_le64(ph + 32), memsz = ld_le64(ph + 40);

        if (ld_le32(ph) != PT_LOAD || memsz == 0) {
            continue;
        }
        loads++;
        if (filesz > memsz) {
            snprintf(err, errlen, "segment %u: file size 0x%" PRIx64 " exceeds memory size "
                     "0x%" PRIx64, i, filesz, memsz);
            return -EINVAL;
        }
        if (off > len || filesz > len - off) {
            snprintf(err, errlen, "segment %u: bytes 0x%" PRIx64 "+0x%" PRIx64
                     " extend past the end of the file (%zu bytes; truncated?)",
                     i, off, filesz, len);
            return -EINVAL;
        }
        if (!memory_host_ptr(as, paddr, memsz)) {
            snprintf(err, errlen, "segment %u: guest-physical 0x%" PRIx64 "-0x%" PRIx64
                     " is not inside RAM", i, paddr, paddr + memsz - 1);
            return -ERANGE;
        }
    }
    if (!loads) {
        snprintf(err, errlen, "no loadable segments");
        return -EINVAL;
    }
    return 0;
}

int load_elf(AddressSpace *as, const char *path, uint16_t machine, gpa_t *entry, gpa_t *low,
             gpa_t *high, char *err, size_t errlen)
{
    uint8_t *d = NULL;
    size_t len = 0;
    int ret = read_file(path, &d, &len, err, errlen);
    gpa_t lo = ~0ull, hi = 0;

    if (ret < 0) {
        return ret;
    }
    if (len < 4 || memcmp(d, "\x7f" "ELF", 4)) {
        snprintf(err, errlen, "not an ELF file");
        free(d);
        return -EINVAL;
    }
    ret = check_elf(as, d, len, machine, err, errlen);
    if (ret < 0) {
        free(d);
        return ret;
    }
    for (unsigned i = 0; i < ld_le16(d + 56); i++) {
        const uint8_t *ph = d + ld_le64(d + 32) + (size_t)i * PHDR_SIZE;
        uint64_t off = ld_le64(ph + 8), paddr = ld_le64(ph + 24);
        uint64_t filesz = ld_le64(ph + 32), memsz = ld_le64(ph + 40);
        uint8_t *host;

        if (ld_le32(ph) != PT_LOAD || memsz == 0) {
            continue;
        }
        host = memory_host_ptr(as, paddr, memsz);
        memcpy(host, d + off, filesz);
        memset(host + filesz, 0, memsz - filesz);
        lo = paddr < lo ? paddr : lo;
        hi = paddr + memsz > hi ? paddr + memsz : hi;
    }
    *entry = ld_le64(d + 24);
    *low = lo;
    *high = hi;
    free(d);
    return 0;
}

int load_raw(AddressSpace *as, const char *path, gpa_t addr, uint64_t *size, char *err,
             size_t errlen)
{
    uint8_t *host;
    size_t len;
    int fd, ret = open_sized(path, &fd, &len, err, errlen);

    if (ret < 0) {
        return ret;
    }
    host = memory_host_ptr(as, addr, len);
    if (!host) {
        snprintf(err, errlen, "%zu bytes at guest-physical 0x%" PRIx64 " do not fit in RAM",
                 len, addr);
        close(fd);
        return -ERANGE;
    }
    ret = read_into(fd, host, len, err, errlen);
    if (ret == 0) {
        *size = len;
    }
    return ret;
}
