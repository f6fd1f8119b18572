/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * savevm / loadvm / delvm (see savevm.h).  The state stream, format 3,
 * little-endian, every byte of it under a CRC-32 (vmstate_checksum):
 *
 *   header, SAVEVM_HEADER_SIZE bytes: magic "VMSTATE1", le32 format
 *     version, le32 flags, le64 RAM bytes, le32 harts, le64 offset and
 *     length of the device section, le64 offset and length of the RAM
 *     section, le64 virtual clock (ns), le32 CRC-32 of the whole header
 *     with this field zero, the snapshot name (NUL-padded)
 *   device section, right after: vmstate_save_all() (a CRC-32 for the
 *     record count and one for each record)
 *   RAM section, right after: chunks of a 20-byte head (le32 first page,
 *     le32 pages, le32 stored bytes, le32 CHUNK_LZ4 or 0, le32 CRC-32 of
 *     those 16 bytes and the stored ones) and the bytes: a run of at most
 *     SAVEVM_RUN_PAGES non-zero pages, one LZ4 block or raw; a chunk of 0
 *     pages ends it, at the section's end.  Pages not in a chunk are zero.
 *
 * Format 2 had no checksums; such a stream is refused (it cannot be
 * verified, and an unverified load is what let flipped bits through).
 *
 * The stream lives in a qcow2 snapshot's VM state area (qcow2.h) or in a
 * plain file.  loadvm verifies the whole stream first -- the header, every
 * device record, every RAM chunk (read in windows; an LZ4 one must
 * decompress to exactly its pages) -- and checks it against this machine
 * (a bool field must hold 0 or 1); only then does it touch anything: it
 * reverts the disks, reads the RAM section again and decompresses each
 * run straight into guest RAM (dropped to zero pages first), and loads
 * the devices.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migration/savevm.h"
#include "block/qcow2.h"
#include "migration/vmstate.h"
#include "tcg/cpu.h"
#include "tcg/tb.h"

#define SAVEVM_MAGIC "VMSTATE1"
/* 2: records carry a variable-length part; 3: every part has a CRC-32 */
#define SAVEVM_VERSION 3
#define SAVEVM_HEADER_SIZE 4096
#define SAVEVM_CRC_OFF 72
/* Device section bytes: records plus virtio-gpu resources (256 MiB at most). */
#define SAVEVM_DEV_MAX (320u << 20)
#define SAVEVM_NAME_OFF 80
#define SAVEVM_NAME_MAX 256
#define SAVEVM_RUN_PAGES 64                 /* 256 KiB of RAM per chunk */
/*
 * LZ4 acceleration: on the installer's first screen 4 against 1 (the
 * default) gives 80.2 against 76.6 MiB of state and saves and loads
 * faster (loadvm 0.10 against 0.14 s); 16 grows it to 87.4 MiB.
 */
#define SAVEVM_LZ4_ACCEL 4
#define SAVEVM_BUF_SIZE (8u << 20)          /* output buffer, bytes */
/*
 * RAM section read window, bytes.  32 MiB (with room for a chunk, just
 * over glibc's mmap threshold cap) cost fresh page faults on every pass:
 * loadvm of the installer's first screen (83 MiB of state) took 0.45 s
 * of CPU against 0.13 s with 8 MiB; 4 MiB is no faster.
 */
#define SAVEVM_WINDOW (8u << 20)
#define CHUNK_HEAD 20
#define CHUNK_LZ4 1
#define FLAG_LZ4 1

typedef struct SaveHeader {
    uint32_t version, flags;
    uint64_t ram_size;                      /* bytes */
    uint32_t nr_cpus;
    uint64_t dev_off, dev_len, ram_off, ram_len;  /* bytes from the stream start */
    uint64_t vm_clock_ns;
    char name[SAVEVM_NAME_MAX];
} SaveHeader;

/* The header's CRC-32, computed with its own field taken as zero. */
static uint32_t header_checksum(const uint8_t *b)
{
    static const uint8_t zero[4];
    uint32_t crc = vmstate_checksum(0, b, SAVEVM_CRC_OFF);

    crc = vmstate_checksum(crc, zero, 4);
    return vmstate_checksum(crc, b + SAVEVM_CRC_OFF + 4,
                            SAVEVM_HEADER_SIZE - SAVEVM_CRC_OFF - 4);
}

static void header_encode(const SaveHeader *h, uint8_t *b)
{
    memset(b, 0, SAVEVM_HEADER_SIZE);
    memcpy(b, SAVEVM_MAGIC, 8);
    st_le32(b + 8, h->version);
    st_le32(b + 12, h->flags);
    st_le64(b + 16, h->ram_size);
    st_le32(b + 24, h->nr_cpus);
    st_le64(b + 32, h->dev_off);
    st_le64(b + 40, h->dev_len);
    st_le64(b + 48, h->ram_off);
    st_le64(b + 56, h->ram_len);
    st_le64(b + 64, h->vm_clock_ns);
    memcpy(b + SAVEVM_NAME_OFF, h->name, SAVEVM_NAME_MAX);
    st_le32(b + SAVEVM_CRC_OFF, header_checksum(b));
}

/* What a stream's first SAVEVM_HEADER_SIZE bytes turned out to be. */
typedef enum {
    HEADER_OK,
    HEADER_FOREIGN,                 /* not a stream of ours at all */
    HEADER_OLD,                     /* ours, from before checksums: h->version says which */
    HEADER_NEWER,                   /* ours, a format this build does not know */
    HEADER_DAMAGED,                 /* ours, and its checksum does not match */
    HEADER_TRUNCATED,               /* intact, but the stream is shorter than it says */
} HeaderState;

static HeaderState header_decode(SaveHeader *h, const uint8_t *b, uint64_t stream_size)
{
    /* A magic a few bits off is ours, damaged; one further off is something else. */
    int magic_bits = __builtin_popcountll(ld_le64(b) ^ ld_le64(SAVEVM_MAGIC));
    bool crc_ok = header_checksum(b) == ld_le32(b + SAVEVM_CRC_OFF);

    h->version = ld_le32(b + 8);
    if (magic_bits > 4) {
        return HEADER_FOREIGN;
    }
    if (!magic_bits && (h->version == 1 || h->version == 2) && !ld_le32(b + SAVEVM_CRC_OFF)) {
        return HEADER_OLD;          /* those left the checksum's bytes zero */
    }
    if (!crc_ok || magic_bits) {
        return HEADER_DAMAGED;
    }
    if (h->version != SAVEVM_VERSION) {
        return HEADER_NEWER;        /* older ones are refused above */
    }
    h->flags = ld_le32(b + 12);
    h->ram_size = ld_le64(b + 16);
    h->nr_cpus = ld_le32(b + 24);
    h->dev_off = ld_le64(b + 32);
    h->dev_len = ld_le64(b + 40);
    h->ram_off = ld_le64(b + 48);
    h->ram_len = ld_le64(b + 56);
    h->vm_clock_ns = ld_le64(b + 64);
    memcpy(h->name, b + SAVEVM_NAME_OFF, SAVEVM_NAME_MAX);
    h->name[SAVEVM_NAME_MAX - 1] = '\0';
    /* Checked, so ours: the sections follow each other, the stream may be cut short. */
    if (h->dev_off != SAVEVM_HEADER_SIZE || h->dev_len > SAVEVM_DEV_MAX ||
        h->dev_off + h->dev_len != h->ram_off || h->ram_len < CHUNK_HEAD) {
        return HEADER_DAMAGED;
    }
    if (h->ram_off > stream_size || h->ram_len > stream_size - h->ram_off) {
        return HEADER_TRUNCATED;
    }
    return HEADER_OK;
}

/* --- where the stream goes and comes from ------------------------------ */

/* A qcow2 drive's VM state area (bs set) or a plain file (fd). */
typedef struct Stream {
    BlockDriverState *bs;
    const Qcow2Snapshot *sn;                /* reading: the snapshot */
    int fd;
    uint64_t size;                          /* reading: bytes in the stream */
    uint64_t pos;                           /* writing: bytes flushed */
    uint8_t *buf;                           /* writing: pending bytes */
    size_t len;
} Stream;

static int stream_pwrite(Stream *st, uint64_t pos, const void *p, size_t n)
{
    return st->bs ? qcow2_save_vmstate(st->bs, pos, p, n) : bdrv_pwrite(st->fd, pos, p, n);
}

static int stream_flush(Stream *st)
{
    int ret = st->len ? stream_pwrite(st, st->pos, st->buf, st->len) : 0;

    st->pos += st->len;
    st->len = 0;
    return ret;
}

static int stream_put(Stream *st, const void *p, size_t n)
{
    if (st->len + n > SAVEVM_BUF_SIZE) {
        int ret = stream_flush(st);
        if (ret < 0) {
            return ret;
        }
    }
    if (n > SAVEVM_BUF_SIZE) {
        int ret = stream_pwrite(st, st->pos, p, n);
        st->pos += n;
        return ret;
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    return 0;
}

static uint64_t stream_tell(const Stream *st)
{
    return st->pos + st->len;
}

static int stream_read(Stream *st, uint64_t pos, void *buf, size_t len)
{
    if (pos > st->size || len > st->size - pos) {
        return -EINVAL;
    }
    return st->bs ? qcow2_load_vmstate(st->bs, st->sn, pos, buf, len)
                  : bdrv_pread(st->fd, pos, buf, len);
}

/* --- drives ------------------------------------------------------------ */

static bool drive_snapshots(BlockDriverState *bs)
{
    return bs && !bs->read_only && bs->drv == &bdrv_qcow2;
}

/* The drive that holds VM state: the first writable qcow2 one, or NULL. */
static BlockDriverState *vmstate_drive(Machine *m)
{
    for (unsigned i = 0; i < m->nr_drives; i++) {
        if (drive_snapshots(m->drives[i])) {
            return m->drives[i];
        }
    }
    return NULL;
}

/* Refuse when there is nowhere to save, or a writable drive cannot take a disk snapshot. */
static int check_targets(Machine *m, char *err, size_t errlen)
{
    for (unsigned i = 0; i < m->nr_drives; i++) {
        BlockDriverState *bs = m->drives[i];
        if (bs && !bs->read_only && bs->drv != &bdrv_qcow2) {
            snprintf(err, errlen, "drive %s is writable %s, which has no snapshots "
                     "(use qcow2, or readonly=on)", bs->filename, bs->drv->format_name);
            return -ENOTSUP;
        }
    }
    if (!m->cfg->state_file && !vmstate_drive(m)) {
        snprintf(err, errlen, "no writable qcow2 drive to hold the snapshot "
                 "(add --drive file=IMAGE.qcow2, or start with --state-file PATH)");
        return -ENOTSUP;
    }
    return 0;
}

static void size_text(char *buf, size_t len, uint64_t bytes)
{
    if (bytes % (1ull << 30) == 0) {
        snprintf(buf, len, "%" PRIu64 "G", bytes >> 30);
    } else {
        snprintf(buf, len, "%" PRIu64 "M", bytes >> 20);
    }
}

/* --- the clock --------------------------------------------------------- */

/*
 * Hold the virtual clock while the state is written: returns the host
 * time it was held at; clock_release() moves the clock's origin by the
 * time that passed, as `cont` does after a stop.
 */
static int64_t clock_hold(Machine *m)
{
    int64_t now = clock_host_ns();

    if (m->run_state == RUN_STATE_STOPPED) {
        /* Virtual time now reads what it read when the machine stopped. */
        m->timers.start_ns += now - m->stopped_host_ns;
        m->stopped_host_ns = now;
    }
    return now;
}

static void clock_release(Machine *m, int64_t held_at)
{
    int64_t now = clock_host_ns();

    m->timers.start_ns += now - held_at;
    if (m->run_state == RUN_STATE_STOPPED) {
        m->stopped_host_ns = now;
    }
}

/* --- save -------------------------------------------------------------- */

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[PAGE_SIZE];

    return ld_le64(p) == 0 && !memcmp(p, zero, PAGE_SIZE);
}

/*
 * One bit per RAM page, set for pages the host has never backed (neither
 * in memory nor in swap: untouched since the mapping or a loadvm), from
 * /proc/self/pagemap (bit 63 present, bit 62 swapped).  Those read as
 * zero without being read, which saves faulting in a mostly empty RAM.
 * NULL when pagemap cannot be read: every page is then checked.
 */
static uint64_t *ram_unbacked_map(const uint8_t *ram, uint64_t npages)
{
    uint64_t *bits = calloc((npages + 63) / 64, 8), entries[4096];
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    uint64_t first = (uintptr_t)ram / PAGE_SIZE;

    for (uint64_t p = 0; fd >= 0 && bits && p < npages; p += ARRAY_SIZE(entries)) {
        size_t n = npages - p < ARRAY_SIZE(entries) ? npages - p : ARRAY_SIZE(entries);
        if (bdrv_pread(fd, (first + p) * 8, entries, n * 8) < 0) {
            free(bits);
            bits = NULL;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (!(entries[i] >> 62)) {
                bits[(p + i) / 64] |= 1ull << ((p + i) % 64);
            }
        }
    }
    if (fd >= 0) {
        close(fd);
    } else {
        free(bits);
        bits = NULL;
    }
    return bits;
}

static bool ram_page_is_zero(const uint8_t *ram, const uint64_t *unbacked, uint64_t p)
{
    return (unbacked && (unbacked[p / 64] >> (p % 64)) & 1) ||
           page_is_zero(ram + (p << PAGE_BITS));
}

static int save_ram(Machine *m, Stream *st, bool lz4)
{
    const uint8_t *ram = memory_host_ptr(&m->as, m->ram_base, m->ram_size);
    uint64_t npages = m->ram_size >> PAGE_BITS;
    int bound = LZ4_compressBound(SAVEVM_RUN_PAGES * PAGE_SIZE);
    char *cbuf = malloc((size_t)bound);
    uint8_t head[CHUNK_HEAD] = { 0 };
    uint64_t *unbacked = ram ? ram_unbacked_map(ram, npages) : NULL;
    int ret = 0;

    if (!ram || !cbuf) {
        free(cbuf);
        free(unbacked);
        return -ENOMEM;
    }
    for (uint64_t p = 0; ret == 0 && p < npages;) {
        uint64_t first = p;
        const uint8_t *src = ram + (first << PAGE_BITS);
        size_t raw;
        int clen = 0;

        if (ram_page_is_zero(ram, unbacked, p)) {
            p++;
            continue;
        }
        while (p < npages && p - first < SAVEVM_RUN_PAGES &&
               !ram_page_is_zero(ram, unbacked, p)) {
            p++;
        }
        raw = (size_t)(p - first) << PAGE_BITS;
        if (lz4) {
            clen = LZ4_compress_fast((const char *)src, cbuf, (int)raw, bound,
                                     SAVEVM_LZ4_ACCEL);
        }
        st_le32(head, (uint32_t)first);
        st_le32(head + 4, (uint32_t)(p - first));
        if (clen > 0 && (size_t)clen < raw) {
            st_le32(head + 8, (uint32_t)clen);
            st_le32(head + 12, CHUNK_LZ4);
            st_le32(head + 16, vmstate_checksum(vmstate_checksum(0, head, 16), cbuf,
                                                (size_t)clen));
            ret = stream_put(st, head, CHUNK_HEAD);
            if (ret == 0) {
                ret = stream_put(st, cbuf, (size_t)clen);
            }
        } else {
            st_le32(head + 8, (uint32_t)raw);
            st_le32(head + 12, 0);
            st_le32(head + 16, vmstate_checksum(vmstate_checksum(0, head, 16), src, raw));
            ret = stream_put(st, head, CHUNK_HEAD);
            if (ret == 0) {
                ret = stream_put(st, src, raw);
            }
        }
    }
    memset(head, 0, sizeof(head));
    st_le32(head + 16, vmstate_checksum(0, head, 16));
    if (ret == 0) {
        ret = stream_put(st, head, CHUNK_HEAD);
    }
    free(cbuf);
    free(unbacked);
    return ret;
}

/* Write the whole stream to st; *size gets its length in bytes. */
static int save_stream(Machine *m, Stream *st, const char *name, bool lz4, uint64_t *size)
{
    SaveHeader h = {
        .version = SAVEVM_VERSION, .flags = lz4 ? FLAG_LZ4 : 0, .ram_size = m->ram_size,
        .nr_cpus = m->nr_cpus,
    };
    uint8_t *dev = NULL, *hbuf = calloc(1, SAVEVM_HEADER_SIZE);
    size_t dev_len;
    int ret;

    st->buf = malloc(SAVEVM_BUF_SIZE);
    if (!st->buf || !hbuf || vmstate_save_all(m, &dev, &dev_len) < 0) {
        free(st->buf);
        free(hbuf);
        return -ENOMEM;
    }
    h.vm_clock_ns = (uint64_t)m->timers.saved_ns;
    snprintf(h.name, sizeof(h.name), "%s", name);
    h.dev_off = SAVEVM_HEADER_SIZE;
    h.dev_len = dev_len;
    ret = stream_put(st, hbuf, SAVEVM_HEADER_SIZE);  /* written for real at the end */
    if (ret == 0) {
        ret = stream_put(st, dev, dev_len);
    }
    h.ram_off = stream_tell(st);
    if (ret == 0) {
        ret = save_ram(m, st, lz4);
    }
    h.ram_len = stream_tell(st) - h.ram_off;
    if (ret == 0) {
        ret = stream_flush(st);
    }
    if (ret == 0) {
        header_encode(&h, hbuf);
        ret = stream_pwrite(st, 0, hbuf, SAVEVM_HEADER_SIZE);
    }
    *size = h.ram_off + h.ram_len;
    free(dev);
    free(hbuf);
    free(st->buf);
    st->buf = NULL;
    return ret;
}

/* --state-file: write PATH.tmp, then rename it over PATH (the commit point). */
static int save_to_file(Machine *m, const char *name, bool lz4, char *err, size_t errlen)
{
    const char *path = m->cfg->state_file;
    char tmp[4096];
    Stream st = { .fd = -1 };
    uint64_t size;
    int ret;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    st.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (st.fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", tmp, strerror(-ret));
        return ret;
    }
    ret = save_stream(m, &st, name, lz4, &size);
    if (ret == 0 && fdatasync(st.fd) < 0) {  /* durable before the rename commits it */
        ret = -errno;
    }
    if (close(st.fd) < 0 && ret == 0) {
        ret = -errno;
    }
    if (ret == 0 && rename(tmp, path) < 0) {
        ret = -errno;
    }
    if (ret < 0) {
        unlink(tmp);
        snprintf(err, errlen, "%s: %s", path, strerror(-ret));
    }
    return ret;
}

int savevm_save(Machine *m, const char *name, bool lz4, char *err, size_t errlen)
{
    BlockDriverState *vbs = vmstate_drive(m);
    Stream st = { .bs = vbs, .fd = -1 };
    uint64_t size = 0;
    int64_t held;
    int ret;

    if (!*name || strlen(name) >= SAVEVM_NAME_MAX) {
        snprintf(err, errlen, "a snapshot name of 1 to %d bytes is needed", SAVEVM_NAME_MAX - 1);
        return -EINVAL;
    }
    ret = check_targets(m, err, errlen);
    if (ret < 0) {
        return ret;
    }
    held = clock_hold(m);
    if (m->cfg->state_file) {
        ret = save_to_file(m, name, lz4, err, errlen);
        clock_release(m, held);
        return ret;
    }
    /* A VM state area left by an interrupted savevm is dropped first. */
    ret = qcow2_drop_vmstate(vbs);
    if (ret == 0) {
        ret = save_stream(m, &st, name, lz4, &size);
    }
    if (ret < 0) {
        snprintf(err, errlen, "%s: cannot write the VM state: %s", vbs->filename, strerror(-ret));
    }
    for (unsigned i = 0; ret == 0 && i < m->nr_drives; i++) {
        BlockDriverState *bs = m->drives[i];
        if (drive_snapshots(bs)) {
            ret = qcow2_snapshot_create_vm(bs, name, bs == vbs ? size : 0,
                                           (uint64_t)m->timers.saved_ns, true);
            if (ret < 0) {
                snprintf(err, errlen, "%s: cannot create snapshot '%s': %s", bs->filename,
                         name, strerror(-ret));
            }
        }
    }
    clock_release(m, held);
    return ret;
}

/* --- load -------------------------------------------------------------- */

/* Open snapshot `name` for reading: the state file or the first writable qcow2 drive. */
static int open_input(Machine *m, const char *name, Stream *st, SaveHeader *h, char *err,
                      size_t errlen)
{
    uint8_t *hbuf = malloc(SAVEVM_HEADER_SIZE);
    const char *where;
    char shown[4 * VMSTATE_SHOWN_MAX + 4];
    HeaderState hs = HEADER_FOREIGN;
    struct stat sb;
    int ret;

    if (!hbuf) {
        return -ENOMEM;
    }
    memset(st, 0, sizeof(*st));
    st->fd = -1;
    if (m->cfg->state_file) {
        st->fd = open(m->cfg->state_file, O_RDONLY | O_CLOEXEC);
        if (st->fd < 0 || fstat(st->fd, &sb) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: %s", m->cfg->state_file, strerror(-ret));
            free(hbuf);
            return ret;
        }
        st->size = (uint64_t)sb.st_size;
    } else {
        st->bs = vmstate_drive(m);
        if (!st->bs) {
            check_targets(m, err, errlen);
            free(hbuf);
            return -ENOTSUP;
        }
        st->sn = qcow2_snapshot_find(st->bs, name);
        if (!st->sn) {
            snprintf(err, errlen, "no snapshot '%s' on %s", name, st->bs->filename);
            free(hbuf);
            return -ENOENT;
        }
        st->size = qcow2_snapshot_vm_state_size(st->sn);
        if (!st->size) {
            snprintf(err, errlen, "snapshot '%s' on %s holds only disk state, no VM state",
                     name, st->bs->filename);
            free(hbuf);
            return -ENOENT;
        }
    }
    where = st->bs ? st->bs->filename : m->cfg->state_file;
    ret = stream_read(st, 0, hbuf, SAVEVM_HEADER_SIZE);
    if (ret == 0) {
        hs = header_decode(h, hbuf, st->size);
    }
    free(hbuf);
    switch (hs) {
    case HEADER_OK:
        break;
    case HEADER_FOREIGN:
        snprintf(err, errlen, "snapshot '%s' in %s is not a VM state this program wrote", name,
                 where);
        return -EINVAL;
    case HEADER_OLD:
        snprintf(err, errlen, "snapshot '%s' in %s is from an older vm (state format %u, without "
                 "checksums) and cannot be verified", name, where, h->version);
        return -EINVAL;
    case HEADER_NEWER:
        snprintf(err, errlen, "snapshot '%s' in %s is from a newer vm (state format %u)", name,
                 where, h->version);
        return -EINVAL;
    case HEADER_DAMAGED:
        snprintf(err, errlen, "snapshot '%s': section 'header' is damaged (checksum mismatch)",
                 name);
        return -EINVAL;
    case HEADER_TRUNCATED:
        snprintf(err, errlen, "snapshot '%s' in %s is truncated (%" PRIu64 " of %" PRIu64
                 " bytes)", name, where, st->size, h->ram_off + h->ram_len);
        return -EINVAL;
    }
    if (st->fd >= 0 && strcmp(h->name, name)) {
        vmstate_escape(shown, sizeof(shown), h->name, strlen(h->name));
        snprintf(err, errlen, "no snapshot '%s' in %s (it holds '%s')", name,
                 m->cfg->state_file, shown);
        return -ENOENT;
    }
    return 0;
}

/* Every writable qcow2 drive must hold the snapshot's disk state. */
static int check_disks(Machine *m, const char *name, char *err, size_t errlen)
{
    for (unsigned i = 0; i < m->nr_drives && !m->cfg->state_file; i++) {
        if (drive_snapshots(m->drives[i]) && !qcow2_snapshot_find(m->drives[i], name)) {
            snprintf(err, errlen, "drive %s has no snapshot '%s'", m->drives[i]->filename, name);
            return -ENOENT;
        }
    }
    return check_targets(m, err, errlen);
}

/*
 * Pages [first, end) of RAM become zero: dropped, so they read as zero
 * pages (untouched ones cost nothing), and much faster than memset.
 */
static void ram_zero(uint8_t *ram, uint64_t first, uint64_t end)
{
    if (end > first && madvise(ram + (first << PAGE_BITS), (end - first) << PAGE_BITS,
                               MADV_DONTNEED) < 0) {
        memset(ram + (first << PAGE_BITS), 0, (end - first) << PAGE_BITS);
    }
}

/*
 * Is the chunk at `head` (its stored bytes follow) sound?  Its checksum,
 * its pages inside a RAM of ram_pages, after *next_page (chunks come in
 * ascending page order), and an LZ4 one decompresses to exactly its
 * pages (into scratch, SAVEVM_RUN_PAGES pages), so that loading it
 * cannot fail after earlier chunks were put in RAM.  NULL, or what is
 * wrong with it.
 */
static const char *chunk_check(const uint8_t *head, uint64_t ram_pages, uint64_t *next_page,
                               uint8_t *scratch)
{
    uint64_t first = ld_le32(head), n = ld_le32(head + 4);
    uint32_t stored = ld_le32(head + 8), flags = ld_le32(head + 12);
    uint32_t crc = vmstate_checksum(0, head, 16);

    if (vmstate_checksum(crc, head + CHUNK_HEAD, stored) != ld_le32(head + 16)) {
        return "checksum mismatch";
    }
    if (n == 0) {
        return first || stored || flags ? "a malformed end mark" : NULL;
    }
    if (n > SAVEVM_RUN_PAGES || first < *next_page || first + n > ram_pages ||
        (flags != 0 && flags != CHUNK_LZ4) ||
        (flags == 0 && stored != (uint64_t)n << PAGE_BITS)) {
        return "a chunk that does not fit the RAM";
    }
    if (flags == CHUNK_LZ4 &&
        LZ4_decompress_safe((const char *)head + CHUNK_HEAD, (char *)scratch, (int)stored,
                            (int)(n << PAGE_BITS)) != (int)(n << PAGE_BITS)) {
        return "a chunk that does not decompress to its pages";
    }
    *next_page = first + n;
    return NULL;
}

/*
 * One chunk of the RAM section (checked): zero the pages between the
 * previous chunk (*next_page) and this one, and put its pages in place.
 * Pages a chunk overwrites are not dropped first, so a loadvm into a
 * running guest takes no page faults for them.
 */
static int load_chunk(Machine *m, uint8_t *ram, const uint8_t *head, const uint8_t *data,
                      uint64_t *next_page)
{
    uint64_t first = ld_le32(head), n = ld_le32(head + 4);
    uint32_t stored = ld_le32(head + 8), flags = ld_le32(head + 12);
    size_t raw = (size_t)n << PAGE_BITS;

    /* Checked by the first pass; checked again in case the file changed since. */
    if (n > SAVEVM_RUN_PAGES || first < *next_page || first + n > m->ram_size >> PAGE_BITS) {
        return -EINVAL;
    }
    ram_zero(ram, *next_page, first);
    *next_page = first + n;
    if (flags == CHUNK_LZ4) {
        int got = LZ4_decompress_safe((const char *)data, (char *)ram + (first << PAGE_BITS),
                                      (int)stored, (int)raw);
        return got == (int)raw ? 0 : -EINVAL;
    }
    if (flags != 0 || stored != raw) {
        return -EINVAL;
    }
    memcpy(ram + (first << PAGE_BITS), data, raw);
    return 0;
}

/* The longest chunk this program writes, head included: a run that LZ4 could not shrink. */
#define CHUNK_MAX (CHUNK_HEAD + LZ4_COMPRESSBOUND(SAVEVM_RUN_PAGES * PAGE_SIZE))

/*
 * The buffer both RAM passes of one loadvm share, allocated once (a
 * large one costs a page fault per page each time): the read window,
 * SAVEVM_WINDOW bytes and room for a whole chunk, or the whole section
 * when that is smaller, then SAVEVM_RUN_PAGES pages the first pass
 * decompresses into.
 */
typedef struct RamBuf {
    uint8_t *win;
    size_t cap;                     /* bytes of win */
    uint8_t *scratch;               /* SAVEVM_RUN_PAGES pages, after win */
} RamBuf;

static int ram_buf_alloc(RamBuf *rb, const SaveHeader *h)
{
    rb->cap = SAVEVM_WINDOW + CHUNK_MAX;
    if (h->ram_len < rb->cap) {
        rb->cap = h->ram_len;       /* header_decode: at least CHUNK_HEAD */
    }
    rb->win = malloc(rb->cap + SAVEVM_RUN_PAGES * PAGE_SIZE);
    rb->scratch = rb->win ? rb->win + rb->cap : NULL;
    return rb->win ? 0 : -ENOMEM;
}

/*
 * Read the RAM section through rb's window.  ram NULL: verify every
 * chunk (checksum, framing, pages in order inside the snapshot's RAM,
 * LZ4 data that decompresses to exactly its pages, the end mark at the
 * section's end), changing nothing; on damage *why says what and *at the
 * chunk's stream offset.  ram set: put each chunk's pages into it, pages
 * in no chunk become zero.  Returns 0, -EINVAL for damage, or a read
 * error.
 */
static int ram_pass(Machine *m, Stream *st, const SaveHeader *h, const RamBuf *rb, uint8_t *ram,
                    const char **why, uint64_t *at)
{
    uint8_t *win = rb->win;
    size_t cap = rb->cap;
    uint64_t pos = h->ram_off, end = h->ram_off + h->ram_len, next_page = 0;
    size_t have = 0, used = 0;
    int ret = 0;

    *why = NULL;
    for (;;) {
        size_t avail = have - used;
        uint32_t stored = avail >= CHUNK_HEAD ? ld_le32(win + used + 8) : 0;

        *at = pos - have + used;
        if (stored > CHUNK_MAX - CHUNK_HEAD) {
            *why = "a chunk longer than any this program writes";
            break;
        }
        if (avail < CHUNK_HEAD + (size_t)stored) {
            size_t n = end - pos < cap - avail ? end - pos : cap - avail;
            memmove(win, win + used, avail);
            have = avail;
            used = 0;
            if (n == 0) {
                *why = "it ends inside a chunk, or without its end mark";
                break;
            }
            ret = stream_read(st, pos, win + have, n);
            if (ret < 0) {
                break;
            }
            pos += n;
            have += n;
            continue;
        }
        if (!ram) {
            *why = chunk_check(win + used, h->ram_size >> PAGE_BITS, &next_page, rb->scratch);
            if (*why) {
                break;
            }
        }
        if (ld_le32(win + used + 4) == 0) {
            if (!ram && (stored || *at + CHUNK_HEAD != end)) {
                *why = "bytes after its end mark";
            } else if (ram) {
                ram_zero(ram, next_page, m->ram_size >> PAGE_BITS);
            }
            break;
        }
        if (ram) {
            ret = load_chunk(m, ram, win + used, win + used + CHUNK_HEAD, &next_page);
            if (ret < 0) {
                *why = "a chunk that does not decompress";
                break;
            }
        }
        used += CHUNK_HEAD + stored;
    }
    return *why ? -EINVAL : ret;
}

int savevm_load(Machine *m, const char *name, char *err, size_t errlen)
{
    Stream st = { .fd = -1 };
    SaveHeader h;
    RamBuf rb = { .win = NULL };
    uint8_t *dev = NULL, *ram;
    char have_mem[32], want_mem[32], why[300];
    const char *bad = NULL;
    uint64_t at;
    int ret;

    ret = open_input(m, name, &st, &h, err, errlen);
    if (ret == 0) {
        ret = check_disks(m, name, err, errlen);
    }
    if (ret < 0) {
        goto out;
    }
    /* The whole stream verified first (the header was, in open_input)... */
    dev = malloc(h.dev_len ? h.dev_len : 1);
    ret = dev ? stream_read(&st, h.dev_off, dev, h.dev_len) : -ENOMEM;
    if (ret < 0) {
        snprintf(err, errlen, "snapshot '%s': cannot read its device state: %s", name,
                 strerror(-ret));
        goto out;
    }
    if (vmstate_verify_all(dev, h.dev_len, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "snapshot '%s': %s", name, why);
        ret = -EINVAL;
        goto out;
    }
    ret = ram_buf_alloc(&rb, &h);
    if (ret == 0) {
        ret = ram_pass(m, &st, &h, &rb, NULL, &bad, &at);
    }
    if (ret < 0) {
        if (bad) {
            snprintf(err, errlen, "snapshot '%s': section 'ram' is damaged (%s, in the chunk at "
                     "byte %" PRIu64 ")", name, bad, at);
        } else {
            snprintf(err, errlen, "snapshot '%s': cannot read its RAM: %s", name,
                     strerror(-ret));
        }
        goto out;
    }
    /* ...then checked against this machine... */
    if (h.ram_size != m->ram_size || h.nr_cpus != m->nr_cpus) {
        size_text(want_mem, sizeof(want_mem), h.ram_size);
        size_text(have_mem, sizeof(have_mem), m->ram_size);
        snprintf(err, errlen, "snapshot '%s' was taken with --memory %s --smp %u; this machine "
                 "has --memory %s --smp %u", name, want_mem, h.nr_cpus, have_mem, m->nr_cpus);
        ret = -EINVAL;
        goto out;
    }
    ret = vmstate_check_all(m, dev, h.dev_len, why, sizeof(why));
    if (ret == -EBADMSG) {          /* a value no field of its type can hold */
        snprintf(err, errlen, "snapshot '%s': %s", name, why);
        ret = -EINVAL;
        goto out;
    } else if (ret < 0) {
        snprintf(err, errlen, "snapshot '%s' is from another machine configuration: %s", name,
                 why);
        ret = -EINVAL;
        goto out;
    }
    /* ...and only then does the machine change. */
    for (unsigned i = 0; ret == 0 && i < m->nr_drives && !m->cfg->state_file; i++) {
        BlockDriverState *bs = m->drives[i];
        if (drive_snapshots(bs)) {
            ret = qcow2_snapshot_apply(bs, name);
            if (ret == 0) {
                ret = qcow2_drop_vmstate(bs);
            }
            if (ret < 0) {
                snprintf(err, errlen, "%s: cannot revert to snapshot '%s': %s", bs->filename,
                         name, strerror(-ret));
            }
        }
    }
    if (ret == 0) {
        ram = memory_host_ptr(&m->as, m->ram_base, m->ram_size);
        ret = ram ? ram_pass(m, &st, &h, &rb, ram, &bad, &at) : -ENOMEM;
        if (ret < 0) {
            snprintf(err, errlen, "snapshot '%s': its RAM changed while it was loaded (%s); the "
                     "guest's memory is incomplete", name, bad ? bad : strerror(-ret));
        }
    }
    if (ret == 0) {
        tb_flush(m->cpus[0]);
        ret = vmstate_load_all(m, dev, h.dev_len, err, errlen);
        if (m->run_state == RUN_STATE_STOPPED) {
            m->stopped_host_ns = clock_host_ns();
        }
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            cpu_exit(m->cpus[i]);
        }
    }
out:
    free(dev);
    free(rb.win);
    if (st.fd >= 0) {
        close(st.fd);
    }
    return ret;
}

/* --- delete, list ------------------------------------------------------- */

int savevm_delete(Machine *m, const char *name, char *err, size_t errlen)
{
    bool found = false;
    int ret = check_targets(m, err, errlen);

    if (ret < 0) {
        return ret;
    }
    if (m->cfg->state_file) {
        Stream st = { .fd = -1 };
        SaveHeader h;
        ret = open_input(m, name, &st, &h, err, errlen);
        if (st.fd >= 0) {
            close(st.fd);
        }
        if (ret == 0 && unlink(m->cfg->state_file) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: %s", m->cfg->state_file, strerror(-ret));
        }
        return ret;
    }
    for (unsigned i = 0; i < m->nr_drives; i++) {
        BlockDriverState *bs = m->drives[i];
        if (drive_snapshots(bs) && qcow2_snapshot_find(bs, name)) {
            found = true;
            ret = qcow2_snapshot_delete(bs, name);
            if (ret < 0) {
                snprintf(err, errlen, "%s: cannot delete snapshot '%s': %s", bs->filename, name,
                         strerror(-ret));
                return ret;
            }
        }
    }
    if (!found) {
        snprintf(err, errlen, "no snapshot '%s'", name);
        return -ENOENT;
    }
    return 0;
}

static void info_line(FILE *out, const char *id, const char *tag, uint64_t vm_size,
                      time_t date, uint64_t clock_ns)
{
    char when[32], size[32];
    struct tm tm;
    uint64_t s = clock_ns / 1000000000u;

    localtime_r(&date, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    if (vm_size >= (1ull << 20)) {
        snprintf(size, sizeof(size), "%.1f MiB", vm_size / 1048576.0);
    } else {
        snprintf(size, sizeof(size), "%.1f KiB", vm_size / 1024.0);
    }
    fprintf(out, "%-10s%-20s%12s %s %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64 "\n",
            id, tag, size, when, s / 3600, s / 60 % 60, s % 60,
            clock_ns / 1000000u % 1000);
}

void savevm_info(Machine *m, FILE *out)
{
    BlockDriverState *bs = vmstate_drive(m);
    const char *head = "ID        TAG                      VM SIZE                DATE     VM CLOCK\n";
    char err[256];

    if (m->cfg->state_file) {
        Stream st = { .fd = -1 };
        SaveHeader h = { .version = 0 };
        struct stat sb;
        open_input(m, "", &st, &h, err, sizeof(err));
        if (!h.name[0]) {
            fprintf(out, "There is no snapshot available.\n");
        } else {
            fstat(st.fd, &sb);
            fprintf(out, "Snapshot in %s:\n%s", m->cfg->state_file, head);
            info_line(out, "--", h.name, st.size, sb.st_mtime, h.vm_clock_ns);
        }
        if (st.fd >= 0) {
            close(st.fd);
        }
        return;
    }
    if (!bs) {
        check_targets(m, err, sizeof(err));
        fprintf(out, "%s\n", err);
        return;
    }
    Qcow2State *s = bs->opaque;
    if (!s->nb_snapshots) {
        fprintf(out, "There is no snapshot available.\n");
        return;
    }
    fprintf(out, "List of snapshots present on %s:\n%s", bs->filename, head);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snapshots[i];
        info_line(out, sn->id_str, sn->name, qcow2_snapshot_vm_state_size(sn), sn->date_sec,
                  sn->vm_clock_nsec);
    }
}

unsigned savevm_names(Machine *m, char **names, unsigned max)
{
    BlockDriverState *bs = vmstate_drive(m);
    unsigned n = 0;

    if (m->cfg->state_file) {
        Stream st = { .fd = -1 };
        SaveHeader h = { .version = 0 };
        char err[256];

        open_input(m, "", &st, &h, err, sizeof(err));
        if (max && h.name[0] && (names[n] = strdup(h.name))) {
            n++;
        }
        if (st.fd >= 0) {
            close(st.fd);
        }
        return n;
    }
    if (!bs) {
        return 0;
    }
    Qcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->nb_snapshots && n < max; i++) {
        if (qcow2_snapshot_vm_state_size(&s->snapshots[i]) &&
            (names[n] = strdup(s->snapshots[i].name))) {
            n++;
        }
    }
    return n;
}
