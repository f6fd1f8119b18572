/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF64, RISC-V Linux Image and raw image loading into guest memory (see
 * loader.h).  The ELF layout follows the System V gABI (ELF header,
 * program headers); only PT_LOAD segments are used, at their physical
 * addresses.  Only the byte ranges the headers name are read, after every
 * size in them has been checked against the file and RAM, so a huge or
 * sparse file costs no more memory than what it loads.  Every image's
 * guest-physical ranges are recorded so that a later image overlapping
 * an earlier one (an ELF kernel linked over the firmware) is refused.
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
/* Kernels and firmware have a handful of PT_LOAD segments; more is a hostile file. */
#define ELF_MAX_LOADS 256
#define MIB ((uint64_t)1 << 20)

/* Guest-physical bytes [start, end) that one loaded image occupies. */
typedef struct LoadedRange {
    char *path;           /* the image file, malloc'd */
    gpa_t start, end;
} LoadedRange;

static int range_cmp(const void *a, const void *b)
{
    const LoadedRange *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Check the n ranges an image at `path` would occupy (sorted here) against
 * each other and against every other image's; 0 or -EBUSY with err set.
 */
static int check_overlap(const AddressSpace *as, const char *path, LoadedRange *r, size_t n,
                         char *err, size_t errlen)
{
    qsort(r, n, sizeof(*r), range_cmp);
    for (size_t i = 1; i < n; i++) {
        if (r[i].start < r[i - 1].end) {
            snprintf(err, errlen, "segments at guest-physical 0x%" PRIx64 "-0x%" PRIx64
                     " and 0x%" PRIx64 "-0x%" PRIx64 " overlap", r[i - 1].start,
                     r[i - 1].end - 1, r[i].start, r[i].end - 1);
            return -EBUSY;
        }
    }
    for (size_t j = 0; j < as->nr_loaded; j++) {
        const LoadedRange *o = &as->loaded[j];

        if (!strcmp(o->path, path)) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (r[i].start < o->end && o->start < r[i].end) {
                snprintf(err, errlen, "guest-physical 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s "
                         "at 0x%" PRIx64 "-0x%" PRIx64, r[i].start, r[i].end - 1, o->path,
                         o->start, o->end - 1);
                return -EBUSY;
            }
        }
    }
    return 0;
}

/* Replace path's recorded ranges with the n in r; -ENOMEM leaves the record as it was. */
static int record_ranges(AddressSpace *as, const char *path, const LoadedRange *r,
                         size_t n, char *err, size_t errlen)
{
    LoadedRange *grown = realloc(as->loaded, (as->nr_loaded + n) * sizeof(*grown));
    size_t kept = 0;

    if (!grown) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    as->loaded = grown;
    for (size_t j = 0; j < as->nr_loaded; j++) {
        if (!strcmp(as->loaded[j].path, path)) {
            free(as->loaded[j].path);
        } else {
            as->loaded[kept++] = as->loaded[j];
        }
    }
    as->nr_loaded = kept;
    for (size_t i = 0; i < n; i++) {
        char *copy = strdup(path);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        as->loaded[as->nr_loaded] = r[i];
        as->loaded[as->nr_loaded].path = copy;
        as->nr_loaded++;
    }
    return 0;
}

void loader_forget(AddressSpace *as)
{
    for (size_t j = 0; j < as->nr_loaded; j++) {
        free(as->loaded[j].path);
    }
    free(as->loaded);
    as->loaded = NULL;
    as->nr_loaded = 0;
}

/* Check one range [addr, addr+size) of the image at path for overlaps, then record it. */
static int claim_range(AddressSpace *as, const char *path, gpa_t addr, uint64_t size,
                       char *err, size_t errlen)
{
    LoadedRange r = { .start = addr, .end = addr + size };
    int ret;

    if (size == 0) {
        return 0;
    }
    ret = check_overlap(as, path, &r, 1, err, errlen);
    return ret < 0 ? ret : record_ranges(as, path, &r, 1, err, errlen);
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

/* Read exactly len bytes at file offset off into dst; 0 or -EIO with err set. */
static int pread_full(int fd, void *dst, size_t len, uint64_t off, char *err, size_t errlen)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (uint8_t *)dst + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            snprintf(err, errlen, "cannot read %zu bytes at offset 0x%" PRIx64, len, off);
            return -EIO;
        }
        done += (size_t)n;
    }
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
#define PE_HEADER_SIZE 24
#define PE_SECTION_SIZE 40

bool loader_is_riscv_image(const char *path)
{
    uint8_t h[RISCV_IMAGE_HEADER_SIZE];

    return read_head(path, h, sizeof(h)) &&
           !memcmp(h + RISCV_IMAGE_MAGIC2_OFFSET, "RSC\x05", 4);
}

/*
 * For a PE/EFI-stub Image (starts "MZ", PE header offset at 0x3c): the
 * file offset where the last section's raw data ends (PE/COFF spec,
 * section table: PointerToRawData + SizeOfRawData), or 0 when the PE
 * headers are absent or unreadable.  Unlike the Image header's
 * image_size, which includes bss, this is a size the file must have.
 */
static uint64_t pe_raw_end(int fd, const uint8_t *h, size_t len)
{
    uint8_t pe[PE_HEADER_SIZE], sec[PE_SECTION_SIZE];
    uint64_t pe_off = ld_le32(h + 0x3c), table, end = 0;
    unsigned nsec;

    if (memcmp(h, "MZ", 2) || pe_off > len || len - pe_off < PE_HEADER_SIZE ||
        pread(fd, pe, sizeof(pe), (off_t)pe_off) != (ssize_t)sizeof(pe) ||
        memcmp(pe, "PE\0\0", 4)) {
        return 0;
    }
    nsec = ld_le16(pe + 6);
    table = pe_off + PE_HEADER_SIZE + ld_le16(pe + 20);
    if (table > len || (uint64_t)nsec * PE_SECTION_SIZE > len - table) {
        return 0;
    }
    for (unsigned i = 0; i < nsec; i++) {
        uint64_t raw_size, raw_ptr;

        if (pread(fd, sec, sizeof(sec), (off_t)(table + (uint64_t)i * PE_SECTION_SIZE)) !=
            (ssize_t)sizeof(sec)) {
            return 0;
        }
        raw_size = ld_le32(sec + 16);
        raw_ptr = ld_le32(sec + 20);
        if (raw_size && raw_ptr + raw_size > end) {
            end = raw_ptr + raw_size;
        }
    }
    return end;
}

int load_riscv_image(AddressSpace *as, const char *path, gpa_t addr, uint64_t *size,
                     char *err, size_t errlen)
{
    uint8_t d[RISCV_IMAGE_HEADER_SIZE], *host;
    size_t len;
    uint64_t image_size, field, raw_end;
    MemoryRegion *ram = memory_find(as, addr);
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
    raw_end = pe_raw_end(fd, d, len);
    if (raw_end > len) {
        snprintf(err, errlen, "truncated: its PE sections end at byte %" PRIu64 " but the file "
                 "has %zu bytes", raw_end, len);
        close(fd);
        return -EINVAL;
    }
    /* image_size (offset 16) covers bss; 0 in very old kernels: use the file size. */
    field = ld_le64(d + 16);
    image_size = field < len ? len : field;
    if (!ram || !ram->host || image_size > ram->size) {
        if (field < len) {
            snprintf(err, errlen, "the file's %zu bytes exceed RAM (%" PRIu64 " MiB)", len,
                     ram ? ram->size / MIB : 0);
        } else {
            snprintf(err, errlen, "image_size 0x%" PRIx64 " in the Image header exceeds RAM "
                     "(%" PRIu64 " MiB)", field, ram ? ram->size / MIB : 0);
        }
        close(fd);
        return -ERANGE;
    }
    host = memory_host_ptr(as, addr, image_size);
    if (!host) {
        snprintf(err, errlen, "kernel needs %" PRIu64 " MiB at guest-physical 0x%" PRIx64
                 ", more than RAM holds", image_size / MIB + (image_size % MIB != 0), addr);
        close(fd);
        return -ERANGE;
    }
    ret = claim_range(as, path, addr, image_size, err, errlen);
    if (ret == 0) {
        ret = pread_full(fd, host, len, 0, err, errlen);
    }
    close(fd);
    if (ret == 0) {
        *size = image_size;
    }
    return ret;
}

/* Check the ELF header at d (EHDR_SIZE bytes) of a file of len bytes. */
static int check_ehdr(const uint8_t *d, size_t len, uint16_t machine, char *err, size_t errlen)
{
    uint64_t phoff = ld_le64(d + 32);
    uint16_t phnum = ld_le16(d + 56), phentsize = ld_le16(d + 54);

    if (memcmp(d, "\x7f" "ELF", 4)) {
        snprintf(err, errlen, "not an ELF file");
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
    if (phentsize != PHDR_SIZE || phoff > len || (uint64_t)phnum * PHDR_SIZE > len - phoff) {
        snprintf(err, errlen, "program headers (offset 0x%" PRIx64 ", %u x %u bytes) "
                 "extend past the end of the file (%zu bytes)", phoff, phnum, phentsize, len);
        return -EINVAL;
    }
    return 0;
}

/*
 * Check the phnum program headers at ph against the file size and RAM;
 * fills r with the ranges of the loadable segments and *n with their count.
 */
static int check_phdrs(AddressSpace *as, const uint8_t *ph, unsigned phnum, size_t len,
                       LoadedRange *r, size_t *n, char *err, size_t errlen)
{
    size_t loads = 0;

    for (unsigned i = 0; i < phnum; i++, ph += PHDR_SIZE) {
        uint64_t off = ld_le64(ph + 8), paddr = ld_le64(ph + 24);
        uint64_t filesz = ld_le64(ph + 32), memsz = ld_le64(ph + 40);

        if (ld_le32(ph) != PT_LOAD || memsz == 0) {
            continue;
        }
        if (loads == ELF_MAX_LOADS) {
            snprintf(err, errlen, "more than %d loadable segments", ELF_MAX_LOADS);
            return -EINVAL;
        }
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
        r[loads].start = paddr;
        r[loads].end = paddr + memsz;
        loads++;
    }
    if (!loads) {
        snprintf(err, errlen, "no loadable segments");
        return -EINVAL;
    }
    *n = loads;
    return 0;
}

int load_elf(AddressSpace *as, const char *path, uint16_t machine, gpa_t *entry, gpa_t *low,
             gpa_t *high, char *err, size_t errlen)
{
    uint8_t ehdr[EHDR_SIZE], *ph = NULL;
    LoadedRange r[ELF_MAX_LOADS];
    size_t len = 0, n = 0;
    unsigned phnum;
    int fd, ret = open_sized(path, &fd, &len, err, errlen);

    if (ret < 0) {
        return ret;
    }
    if (len < EHDR_SIZE) {
        snprintf(err, errlen, "truncated ELF header (%zu bytes, need %d)", len, EHDR_SIZE);
        ret = -EINVAL;
        goto out;
    }
    ret = pread_full(fd, ehdr, EHDR_SIZE, 0, err, errlen);
    if (ret == 0) {
        ret = check_ehdr(ehdr, len, machine, err, errlen);
    }
    if (ret < 0) {
        goto out;
    }
    /* At most 65535 x 56 bytes (3.5 MiB), and inside the file: checked above. */
    phnum = ld_le16(ehdr + 56);
    ph = malloc(phnum ? (size_t)phnum * PHDR_SIZE : 1);
    if (!ph) {
        snprintf(err, errlen, "out of memory for %u program headers", phnum);
        ret = -ENOMEM;
        goto out;
    }
    ret = pread_full(fd, ph, (size_t)phnum * PHDR_SIZE, ld_le64(ehdr + 32), err, errlen);
    if (ret == 0) {
        ret = check_phdrs(as, ph, phnum, len, r, &n, err, errlen);
    }
    if (ret == 0) {
        ret = check_overlap(as, path, r, n, err, errlen);
    }
    if (ret == 0) {
        ret = record_ranges(as, path, r, n, err, errlen);
    }
    for (unsigned i = 0; ret == 0 && i < phnum; i++) {
        const uint8_t *p = ph + (size_t)i * PHDR_SIZE;
        uint64_t paddr = ld_le64(p + 24), filesz = ld_le64(p + 32), memsz = ld_le64(p + 40);
        uint8_t *host;

        if (ld_le32(p) != PT_LOAD || memsz == 0) {
            continue;
        }
        host = memory_host_ptr(as, paddr, memsz);
        ret = pread_full(fd, host, filesz, ld_le64(p + 8), err, errlen);
        memset(host + filesz, 0, memsz - filesz);
    }
    if (ret == 0) {
        /* r is sorted by check_overlap and its ranges are disjoint. */
        *entry = ld_le64(ehdr + 24);
        *low = r[0].start;
        *high = r[n - 1].end;
    }
out:
    free(ph);
    close(fd);
    return ret;
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
    if (len == 0) {
        snprintf(err, errlen, "the file is empty (0 bytes)");
        close(fd);
        return -EINVAL;
    }
    host = memory_host_ptr(as, addr, len);
    if (!host) {
        snprintf(err, errlen, "%zu bytes at guest-physical 0x%" PRIx64 " do not fit in RAM",
                 len, addr);
        close(fd);
        return -ERANGE;
    }
    ret = claim_range(as, path, addr, len, err, errlen);
    if (ret == 0) {
        ret = pread_full(fd, host, len, 0, err, errlen);
    }
    close(fd);
    if (ret == 0) {
        *size = len;
    }
    return ret;
}
