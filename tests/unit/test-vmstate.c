/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of vmstate (migration/vmstate.c) on a real `virt` machine:
 * two harts, OpenSBI, a qcow2 disk and a user-mode NIC, so every device
 * kind registers its record.  Every registered description must cover
 * its whole struct (saved or deliberately skipped, padding aside); a
 * record loaded back must restore every saved byte and touch nothing
 * else; a device section from another configuration is refused whole; a
 * snapshot with one flipped bit in any kind of section (header, device
 * list, device record, RAM chunk; state file or qcow2) is refused with
 * that section named, and the machine is left as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "block/block.h"
#include "block/qcow2.h"
#include "cpu/riscv/cpu.h"
#include "hw/riscv/virt.h"
#include "hw/virtio/virtio.h"
#include "migration/savevm.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "tcg/tb.h"

static Machine machine;
static MachineConfig cfg;
static char disk_path[] = "/tmp/test-vmstate-XXXXXX";
static char netdev_arg[] = "user";
static char state_path[] = "/tmp/test-vmstate-state-XXXXXX";

#define HDR_CRC 72                 /* the header's CRC-32 field (savevm.c) */
#define HDR_SIZE 4096

static int setup(void **state)
{
    char err[256];
    int fd = mkstemp(disk_path);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(bdrv_create("qcow2", disk_path, 1 << 20, &(BlockCreateOpts){ 0 }, err,
                                 sizeof(err)), 0);
    cfg = (MachineConfig){
        .arch = "riscv64", .bios = "default", .ram_size = 64ull << 20, .smp = 2,
        .tier = TIER_INTERP, .serial = "file:/dev/null", .nr_drives = 1,
        .display_devices = DISPLAY_DEV_ALL,     /* no window: the devices alone */
    };
    cfg.drives[0] = (DriveConfig){ .file = disk_path, .format = "qcow2" };
    assert_int_equal(net_parse_netdev(netdev_arg, &cfg.netdevs[0], err, sizeof(err)), 0);
    cfg.nr_netdevs = 1;
    machine.cfg = &cfg;
    machine.as.invalidate_code = tb_invalidate_phys_page;
    machine.timers.start_ns = clock_host_ns();
    tb_init();
    virt_machine_init(&machine);
    return 0;
}

static int teardown(void **state)
{
    unlink(disk_path);
    unlink(state_path);
    return 0;
}

/* Guest RAM at byte offset `off` from its base. */
static uint8_t *ram_at(uint64_t off)
{
    return memory_host_ptr(&machine.as, machine.ram_base + off, PAGE_SIZE);
}

/* Pages a savevm must carry: random bytes, a repeated pattern, one byte. */
static void fill_ram(uint32_t seed)
{
    uint8_t *p = ram_at(40ull << 20);

    for (size_t i = 0; i < 3 * PAGE_SIZE; i++) {
        seed = seed * 1103515245 + 12345;
        p[i] = (uint8_t)(seed >> 16);
    }
    memset(ram_at(41ull << 20), 0x5a, PAGE_SIZE);
    ram_at(63ull << 20)[PAGE_SIZE - 1] = 7;
}

/* Save as `name`, disturb RAM and a hart, load: everything is back, new pages zero again. */
static void save_disturb_load(const char *name, bool lz4)
{
    RISCVCPU *cpu = riscv_cpu(machine.cpus[0]);
    uint8_t *before = malloc(3 * PAGE_SIZE);
    char err[512] = "";

    assert_non_null(before);
    fill_ram(42);
    memcpy(before, ram_at(40ull << 20), 3 * PAGE_SIZE);
    cpu->gpr[9] = 0xfeedface;
    if (savevm_save(&machine, name, lz4, err, sizeof(err)) < 0) {
        fail_msg("savevm: %s", err);
    }
    fill_ram(43);
    memset(ram_at(41ull << 20), 0, PAGE_SIZE);
    memset(ram_at(50ull << 20), 0xee, PAGE_SIZE);
    cpu->gpr[9] = 0;
    if (savevm_load(&machine, name, err, sizeof(err)) < 0) {
        fail_msg("loadvm: %s", err);
    }
    assert_memory_equal(ram_at(40ull << 20), before, 3 * PAGE_SIZE);
    assert_int_equal(ram_at(41ull << 20)[100], 0x5a);
    assert_int_equal(ram_at(50ull << 20)[100], 0);
    assert_int_equal(ram_at(63ull << 20)[PAGE_SIZE - 1], 7);
    assert_int_equal(cpu->gpr[9], 0xfeedface);
    free(before);
}

static void test_savevm_qcow2_lz4_round_trip(void **state)
{
    save_disturb_load("u1", true);
}

static void test_savevm_qcow2_uncompressed_round_trip(void **state)
{
    save_disturb_load("u2", false);
}

static void test_savevm_state_file_round_trip(void **state)
{
    int fd = mkstemp(state_path);

    assert_true(fd >= 0);
    close(fd);
    cfg.state_file = state_path;
    save_disturb_load("f1", true);
    cfg.state_file = NULL;
}

/* After savevm, replace, loadvm and delvm: refcounts exact, no leaks, state only in snapshots. */
static void test_savevm_leaves_the_image_consistent(void **state)
{
    Qcow2CheckResult res;
    char err[512] = "";
    BlockDriverState *bs = machine.drives[0];
    Qcow2State *s = bs->opaque;

    assert_int_equal(savevm_save(&machine, "u1", true, err, sizeof(err)), 0);  /* replaces */
    assert_int_equal(savevm_load(&machine, "u2", err, sizeof(err)), 0);
    assert_int_equal(savevm_delete(&machine, "u2", err, sizeof(err)), 0);
    assert_null(qcow2_snapshot_find(bs, "u2"));
    assert_non_null(qcow2_snapshot_find(bs, "u1"));
    assert_int_equal(qcow2_check(bs, 0, &res), 0);
    assert_int_equal(res.corruptions, 0);
    assert_int_equal(res.leaks, 0);
    for (uint64_t i = qcow2_vmstate_offset(bs) >> (s->cluster_bits + s->l2_bits);
         i < s->l1_size; i++) {
        assert_int_equal(s->l1_table[i], 0);
    }
}

/* Bytes [off, off + len) of the file at path, read into buf or written from it. */
static void file_io(const char *path, uint64_t off, void *buf, size_t len, bool write)
{
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
    if (write) {
        assert_int_equal(fwrite(buf, 1, len, f), len);
    } else {
        assert_int_equal(fread(buf, 1, len, f), len);
    }
    assert_int_equal(fclose(f), 0);
}

static void flip_bit(const char *path, uint64_t off, unsigned bit)
{
    uint8_t b;

    file_io(path, off, &b, 1, false);
    b ^= (uint8_t)(1u << bit);
    file_io(path, off, &b, 1, true);
}

/* Give a changed header its checksum back, as a real savevm of those values would have. */
static void header_reseal(uint8_t *hdr)
{
    st_le32(hdr + HDR_CRC, 0);
    st_le32(hdr + HDR_CRC, vmstate_checksum(0, hdr, HDR_SIZE));
}

/* Offset in a device section of the record with this id (SIZE_MAX: none); *next after it. */
static size_t record_at(const uint8_t *dev, size_t len, const char *id, size_t *next)
{
    for (size_t pos = 8, n; pos < len; pos = n) {
        size_t idlen = ld_le16(dev + pos), size = ld_le32(dev + pos + 2 + idlen + 4);
        n = pos + 2 + idlen + 8 + size;
        n += 8 + ld_le64(dev + n) + 4;
        if (idlen == strlen(id) && !memcmp(dev + pos + 2, id, idlen)) {
            if (next) {
                *next = n;
            }
            return pos;
        }
    }
    return SIZE_MAX;
}

/* Give a changed record (at pos, ending at end) its checksum back. */
static void record_reseal(uint8_t *dev, size_t pos, size_t end)
{
    st_le32(dev + end - 4, vmstate_checksum(0, dev + pos, end - 4 - pos));
}

/* A state file from a machine with other RAM, or cut short: refused, RAM untouched. */
static void test_loadvm_refuses_other_memory_and_damage(void **state)
{
    char err[512] = "";
    uint8_t hdr[HDR_SIZE];

    cfg.state_file = state_path;
    assert_int_equal(savevm_save(&machine, "f2", true, err, sizeof(err)), 0);
    file_io(state_path, 0, hdr, sizeof(hdr), false);
    st_le64(hdr + 16, 128ull << 20);
    header_reseal(hdr);
    file_io(state_path, 0, hdr, sizeof(hdr), true);
    memset(ram_at(41ull << 20), 0x11, PAGE_SIZE);
    assert_int_equal(savevm_load(&machine, "f2", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "--memory 128M"));
    assert_int_equal(ram_at(41ull << 20)[0], 0x11);

    assert_int_equal(savevm_save(&machine, "f3", true, err, sizeof(err)), 0);
    assert_int_equal(truncate(state_path, 4200), 0);
    assert_true(savevm_load(&machine, "f3", err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "is truncated"));
    assert_int_equal(ram_at(41ull << 20)[0], 0x11);
    assert_int_equal(savevm_load(&machine, "nosuch", err, sizeof(err)) < 0, 1);
    cfg.state_file = NULL;
}

/*
 * Save into the state file, flip bit `bit` of the byte at `off` (offset()
 * gives it from the saved file when set), disturb RAM and a hart: the
 * load is refused with `want` in the message, RAM and hart untouched.
 * Then flip it back: the snapshot loads again.
 */
static void expect_flip_refused(uint64_t (*offset)(void), uint64_t off, unsigned bit,
                                const char *want)
{
    RISCVCPU *cpu = riscv_cpu(machine.cpus[0]);
    char err[512] = "";

    cfg.state_file = state_path;
    assert_int_equal(savevm_save(&machine, "bf", true, err, sizeof(err)), 0);
    if (offset) {
        off = offset();
    }
    flip_bit(state_path, off, bit);
    memset(ram_at(41ull << 20), 0x22, PAGE_SIZE);
    cpu->gpr[7] = 0x77;
    assert_int_equal(savevm_load(&machine, "bf", err, sizeof(err)), -EINVAL);
    if (!strstr(err, want)) {
        fail_msg("flip at %" PRIu64 ".%u: '%s', expected '%s'", off, bit, err, want);
    }
    assert_null(strchr(err, '\n'));
    assert_int_equal(ram_at(41ull << 20)[0], 0x22);
    assert_int_equal(cpu->gpr[7], 0x77);
    flip_bit(state_path, off, bit);
    assert_int_equal(savevm_load(&machine, "bf", err, sizeof(err)), 0);
    cfg.state_file = NULL;
}

static void test_loadvm_names_a_damaged_header(void **state)
{
    expect_flip_refused(NULL, 16 + 2, 3, "snapshot 'bf': section 'header' is damaged "
                        "(checksum mismatch)");          /* the RAM size */
    expect_flip_refused(NULL, 3, 0, "section 'header' is damaged");      /* the magic */
    expect_flip_refused(NULL, 8, 0, "section 'header' is damaged");      /* version 3 -> 2 */
    expect_flip_refused(NULL, 80, 1, "section 'header' is damaged");     /* the name */
    expect_flip_refused(NULL, 4000, 7, "section 'header' is damaged");   /* padding */
}

static void test_loadvm_names_a_damaged_device_list(void **state)
{
    expect_flip_refused(NULL, HDR_SIZE + 1, 2, "section 'device list' is damaged "
                        "(checksum mismatch)");
}

/* The byte in the middle of the plic record's data, in the state file. */
static uint64_t plic_data_offset(void)
{
    uint8_t hdr[HDR_SIZE], *dev;
    size_t len, pos;

    file_io(state_path, 0, hdr, sizeof(hdr), false);
    len = ld_le64(hdr + 40);
    dev = malloc(len);
    assert_non_null(dev);
    file_io(state_path, ld_le64(hdr + 32), dev, len, false);
    pos = record_at(dev, len, "plic", NULL);
    assert_true(pos != SIZE_MAX);
    pos += 2 + 4 + 8 + ld_le32(dev + pos + 2 + 4 + 4) / 2;
    free(dev);
    return ld_le64(hdr + 32) + pos;
}

static void test_loadvm_names_a_damaged_device_record(void **state)
{
    expect_flip_refused(plic_data_offset, 0, 5, "snapshot 'bf': section 'plic' is damaged "
                        "(checksum mismatch)");
}

/* A byte inside the first RAM chunk's data, and its head's page count. */
static uint64_t ram_data_offset(void)
{
    uint8_t hdr[HDR_SIZE];

    file_io(state_path, 0, hdr, sizeof(hdr), false);
    return ld_le64(hdr + 48) + 20 + 100;
}

static uint64_t ram_head_offset(void)
{
    return ram_data_offset() - 100 - 20 + 4;
}

static void test_loadvm_names_a_damaged_ram_chunk(void **state)
{
    expect_flip_refused(ram_data_offset, 0, 0, "section 'ram' is damaged (checksum mismatch");
    expect_flip_refused(ram_head_offset, 0, 4, "section 'ram' is damaged");
}

/* The last byte of the state file: the RAM section's end mark. */
static uint64_t end_mark_offset(void)
{
    struct stat sb;

    assert_int_equal(stat(state_path, &sb), 0);
    return (uint64_t)sb.st_size - 1;
}

static void test_loadvm_names_a_damaged_end_mark(void **state)
{
    expect_flip_refused(end_mark_offset, 0, 6, "section 'ram' is damaged");
}

static VMStateEntry *find(const char *id)
{
    for (VMStateEntry *e = machine.vmstate; e; e = e->next) {
        if (!strcmp(e->id, id)) {
            return e;
        }
    }
    return NULL;
}

/*
 * A bool field holding neither 0 nor 1 (virtio-blk's queue 0 `ready` =
 * 0xd0, as the fuzzer found, with the record's checksum made right):
 * loading it would be undefined behaviour, so the load is refused naming
 * the field, and RAM, harts and the device are left as they were.
 */
static void test_loadvm_refuses_a_bool_field_other_than_0_or_1(void **state)
{
    VMStateEntry *e = find("virtio-blk");
    VirtIODevice *vdev = e->opaque;     /* VirtIOBlock's first member */
    RISCVCPU *cpu = riscv_cpu(machine.cpus[0]);
    size_t n = vmstate_size(e->vmsd), at, pos, end, len;
    uint8_t *a = malloc(n), *b = malloc(n), *dev, hdr[HDR_SIZE];
    bool ready = vdev->vq[0].ready;
    char err[512] = "";

    assert_non_null(a);
    assert_non_null(b);
    /* The record byte of vq[0].ready: the one that changes with it. */
    vdev->vq[0].ready = false;
    vmstate_save(e->vmsd, vdev, a);
    vdev->vq[0].ready = true;
    vmstate_save(e->vmsd, vdev, b);
    vdev->vq[0].ready = ready;
    for (at = 0; at < n && a[at] == b[at]; at++) {
    }
    assert_true(at < n);

    cfg.state_file = state_path;
    assert_int_equal(savevm_save(&machine, "bool", true, err, sizeof(err)), 0);
    file_io(state_path, 0, hdr, sizeof(hdr), false);
    len = ld_le64(hdr + 40);
    dev = malloc(len);
    assert_non_null(dev);
    file_io(state_path, ld_le64(hdr + 32), dev, len, false);
    pos = record_at(dev, len, "virtio-blk", &end);
    assert_true(pos != SIZE_MAX);
    dev[pos + 2 + strlen("virtio-blk") + 8 + at] = 0xd0;
    record_reseal(dev, pos, end);
    file_io(state_path, ld_le64(hdr + 32), dev, len, true);

    memset(ram_at(41ull << 20), 0x33, PAGE_SIZE);
    cpu->gpr[7] = 0x78;
    vmstate_save(e->vmsd, vdev, a);
    assert_int_equal(savevm_load(&machine, "bool", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "snapshot 'bool': section 'virtio-blk' is damaged (field "
                        "'vdev.vq[0].ready' holds 208, not 0 or 1)");
    assert_int_equal(vmstate_load_all(&machine, dev, len, err, sizeof(err)), -EBADMSG);
    assert_int_equal(ram_at(41ull << 20)[0], 0x33);
    assert_int_equal(cpu->gpr[7], 0x78);
    vmstate_save(e->vmsd, vdev, b);
    assert_memory_equal(a, b, n);
    cfg.state_file = NULL;
    free(a);
    free(b);
    free(dev);
}

/*
 * An LZ4 chunk with a right checksum whose data does not decompress to
 * its pages (the last chunk's data made one literal byte): the load is
 * refused before any page is written -- neither an earlier chunk's pages
 * nor the zero pages between chunks change.
 */
static void test_loadvm_refuses_undecompressible_lz4_before_changing_ram(void **state)
{
    uint8_t hdr[HDR_SIZE], *ram, tail[2 * 20 + 2] = { 0 }, page[PAGE_SIZE];
    uint64_t ram_off, ram_len, last = 0;
    char err[512] = "";

    cfg.state_file = state_path;
    fill_ram(44);
    assert_int_equal(savevm_save(&machine, "lz", true, err, sizeof(err)), 0);
    file_io(state_path, 0, hdr, sizeof(hdr), false);
    ram_off = ld_le64(hdr + 48);
    ram_len = ld_le64(hdr + 56);
    ram = malloc(ram_len);
    assert_non_null(ram);
    file_io(state_path, ram_off, ram, ram_len, false);
    for (uint64_t pos = 0; ld_le32(ram + pos + 4); pos += 20 + ld_le32(ram + pos + 8)) {
        last = pos;
    }
    /* Its pages are after 50 MiB (63 MiB holds a byte), so earlier chunks would load first. */
    assert_true(ld_le32(ram + last) > (50u << 20) / PAGE_SIZE);
    memcpy(tail, ram + last, 8);
    st_le32(tail + 8, 2);
    st_le32(tail + 12, 1);                          /* CHUNK_LZ4 */
    tail[20] = 0x10;                                /* one literal, then the end of the block */
    tail[21] = 7;
    st_le32(tail + 16, vmstate_checksum(vmstate_checksum(0, tail, 16), tail + 20, 2));
    st_le32(tail + 22 + 16, vmstate_checksum(0, tail + 22, 16));    /* the end mark */
    file_io(state_path, ram_off + last, tail, sizeof(tail), true);
    assert_int_equal(truncate(state_path, (off_t)(ram_off + last + sizeof(tail))), 0);
    st_le64(hdr + 56, last + sizeof(tail));
    header_reseal(hdr);
    file_io(state_path, 0, hdr, sizeof(hdr), true);

    memset(page, 0x44, sizeof(page));
    memcpy(ram_at(40ull << 20), page, PAGE_SIZE);   /* in the first chunk of fill_ram */
    memcpy(ram_at(50ull << 20), page, PAGE_SIZE);   /* a zero page between chunks */
    assert_int_equal(savevm_load(&machine, "lz", err, sizeof(err)), -EINVAL);
    assert_memory_equal(ram_at(40ull << 20), page, PAGE_SIZE);
    assert_memory_equal(ram_at(50ull << 20), page, PAGE_SIZE);
    assert_non_null(strstr(err, "snapshot 'lz': section 'ram' is damaged (a chunk that does not "
                            "decompress to its pages, in the chunk at byte "));
    memset(ram_at(50ull << 20), 0, PAGE_SIZE);
    cfg.state_file = NULL;
    free(ram);
}

/* VMSTATE_SCALAR and VMSTATE_ARRAY find a bool member by its type alone. */
typedef struct Flags {
    uint8_t byte;
    bool flag;
    bool flags[3];
    _Bool raw;
} Flags;

static void test_vmstate_marks_bool_members(void **state)
{
    static const VMStateField fields[] = {
        VMSTATE_SCALAR(Flags, byte),
        VMSTATE_SCALAR(Flags, flag),
        VMSTATE_ARRAY(Flags, flags),
        VMSTATE_SCALAR(Flags, raw),
    };
    unsigned bools = 0;

    assert_false(fields[0].is_bool);
    assert_true(fields[1].is_bool);
    assert_true(fields[2].is_bool);
    assert_true(fields[3].is_bool);
    /* The machine's own: virtqueues' ready, UART and RTC flags, harts' halted... */
    for (VMStateEntry *e = machine.vmstate; e; e = e->next) {
        for (const VMStateField *f = e->vmsd->fields; f->kind != VMS_END; f++) {
            bools += f->is_bool;
        }
    }
    assert_true(bools > 0);
}

/* A format 2 stream (no checksums) is refused as such, not as damaged. */
static void test_loadvm_refuses_an_older_format(void **state)
{
    char err[512] = "";
    uint8_t hdr[HDR_SIZE];

    cfg.state_file = state_path;
    assert_int_equal(savevm_save(&machine, "old", true, err, sizeof(err)), 0);
    file_io(state_path, 0, hdr, sizeof(hdr), false);
    st_le32(hdr + 8, 2);
    st_le32(hdr + HDR_CRC, 0);
    file_io(state_path, 0, hdr, sizeof(hdr), true);
    assert_int_equal(savevm_load(&machine, "old", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "is from an older vm (state format 2, without checksums) and "
                            "cannot be verified"));
    cfg.state_file = NULL;
}

/*
 * The qcow2 store: the VM state's first cluster found by its header (the
 * snapshot's name at byte 80), one bit of a device record flipped there:
 * refused with the record named, and the disk not reverted.
 */
static void test_loadvm_names_damage_in_a_qcow2_snapshot(void **state)
{
    BlockDriverState *bs = machine.drives[0];
    Qcow2State *s = bs->opaque;
    uint8_t *clu = malloc(s->cluster_size), *dev;
    char err[512] = "";
    uint64_t found = 0;
    size_t pos;
    FILE *f;

    assert_non_null(clu);
    assert_int_equal(savevm_save(&machine, "q-bitflip", true, err, sizeof(err)), 0);
    f = fopen(disk_path, "rb");
    assert_non_null(f);
    for (uint64_t off = 0; !found && fread(clu, 1, s->cluster_size, f) == s->cluster_size;
         off += s->cluster_size) {
        if (!memcmp(clu, "VMSTATE1", 8) && !strcmp((char *)clu + 80, "q-bitflip")) {
            found = off;
        }
    }
    fclose(f);
    assert_true(found);
    /* The first records (clock, hart0, hart1) lie in this cluster. */
    dev = clu + ld_le64(clu + 32);
    pos = record_at(dev, ld_le64(clu + 40), "hart1", NULL);
    assert_true(pos != SIZE_MAX && ld_le64(clu + 32) + pos + 41 <= s->cluster_size);
    flip_bit(disk_path, found + ld_le64(clu + 32) + pos + 40, 1);
    assert_int_equal(savevm_load(&machine, "q-bitflip", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "snapshot 'q-bitflip': section 'hart1' is damaged (checksum "
                            "mismatch)"));
    flip_bit(disk_path, found + ld_le64(clu + 32) + pos + 40, 1);
    assert_int_equal(savevm_load(&machine, "q-bitflip", err, sizeof(err)), 0);
    assert_int_equal(savevm_delete(&machine, "q-bitflip", err, sizeof(err)), 0);
    free(clu);
}

/* A name from a file is printed escaped and cut to VMSTATE_SHOWN_MAX bytes. */
static void test_vmstate_escape_shows_names_safely(void **state)
{
    char out[4 * VMSTATE_SHOWN_MAX + 4], longname[100];

    vmstate_escape(out, sizeof(out), "a\x1b[2J'\\\xff", 8);
    assert_string_equal(out, "a\\x1b[2J\\x27\\x5c\\xff");
    memset(longname, 'n', sizeof(longname));
    vmstate_escape(out, sizeof(out), longname, sizeof(longname));
    assert_int_equal(strlen(out), VMSTATE_SHOWN_MAX + 3);
    assert_string_equal(out + VMSTATE_SHOWN_MAX, "...");
    vmstate_escape(out, 6, "\x01\x02", 2);
    assert_string_equal(out, "\\x01");
}

static void test_vmstate_every_device_and_hart_registers(void **state)
{
    static const char *const ids[] = {
        "clock", "hart0", "hart1", "sifive_test", "aclint", "plic", "ns16550a",
        "goldfish_rtc", "virtio-blk", "virtio-net", "virtio-mmio@10001000",
        "virtio-mmio@10008000", "framebuffer", "virtio-gpu", "virtio-keyboard",
        "virtio-tablet",
    };

    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        if (!find(ids[i])) {
            fail_msg("no vmstate record '%s'", ids[i]);
        }
    }
}

static void test_vmstate_every_description_covers_its_struct(void **state)
{
    char err[256];
    unsigned n = 0;

    for (VMStateEntry *e = machine.vmstate; e; e = e->next, n++) {
        if (vmstate_check_coverage(e->vmsd, err, sizeof(err)) < 0) {
            fail_msg("%s: %s", e->id, err);
        }
    }
    /* clock, 2 harts, 5 devices, 8 transports, disk, NIC, framebuffer, gpu, keyboard, tablet */
    assert_true(n >= 22);
}

/* A struct with a member its description forgets: the check must say so. */
typedef struct Forgetful {
    uint32_t a;
    uint64_t forgotten;
    uint64_t b;
    uint16_t c;
    uint64_t forgotten_last;
} Forgetful;

static const VMStateField forgetful_fields[] = {
    VMSTATE_SCALAR(Forgetful, a),
    VMSTATE_SCALAR(Forgetful, b),
    VMSTATE_SCALAR(Forgetful, c),
    VMSTATE_END,
};

static const VMStateDescription vmstate_forgetful = {
    .name = "forgetful", .version = 1, .size = sizeof(Forgetful), .fields = forgetful_fields,
};

static void test_vmstate_coverage_check_finds_a_forgotten_field(void **state)
{
    char err[256] = "";

    assert_int_equal(vmstate_check_coverage(&vmstate_forgetful, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "bytes 4..15 between a and b"));
}

static void test_vmstate_coverage_check_finds_a_forgotten_last_field(void **state)
{
    static const VMStateField fields[] = {
        VMSTATE_SCALAR(Forgetful, a),
        VMSTATE_SCALAR(Forgetful, forgotten),
        VMSTATE_SCALAR(Forgetful, b),
        VMSTATE_SCALAR(Forgetful, c),
        VMSTATE_END,
    };
    const VMStateDescription d = {
        .name = "forgetful", .version = 1, .size = sizeof(Forgetful), .fields = fields,
    };
    char err[256] = "";

    assert_int_equal(vmstate_check_coverage(&d, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "after c"));
}

/*
 * Per record: save, load the bit-inverted record, save again (load wrote
 * every saved byte), load the original and compare the whole struct with
 * a copy taken before (load restores them and touches nothing else).
 */
static void test_vmstate_record_round_trip_restores_the_whole_struct(void **state)
{
    for (VMStateEntry *e = machine.vmstate; e; e = e->next) {
        size_t n = vmstate_size(e->vmsd);
        uint8_t *rec = malloc(n + 1), *inv = malloc(n + 1), *again = malloc(n + 1);
        uint8_t *orig = malloc(e->vmsd->size);

        assert_non_null(rec);
        assert_non_null(inv);
        assert_non_null(again);
        assert_non_null(orig);
        memcpy(orig, e->opaque, e->vmsd->size);
        vmstate_save(e->vmsd, e->opaque, rec);
        for (size_t i = 0; i < n; i++) {
            inv[i] = (uint8_t)~rec[i];
        }
        vmstate_load(e->vmsd, e->opaque, inv);
        vmstate_save(e->vmsd, e->opaque, again);
        if (memcmp(again, inv, n)) {
            fail_msg("%s: a loaded record does not save back the same", e->id);
        }
        vmstate_load(e->vmsd, e->opaque, rec);
        if (memcmp(orig, e->opaque, e->vmsd->size)) {
            fail_msg("%s: load after save changed the struct", e->id);
        }
        free(rec);
        free(inv);
        free(again);
        free(orig);
    }
}

static uint64_t mmio_read(gpa_t addr, unsigned size)
{
    uint64_t v = ~0ull;

    assert_int_equal(memory_read(&machine.as, addr, size, &v), 0);
    return v;
}

static void mmio_write(gpa_t addr, unsigned size, uint64_t val)
{
    assert_int_equal(memory_write(&machine.as, addr, size, val), 0);
}

/*
 * The whole machine: save, change guest-visible state through registers
 * and the harts, load: the guest reads what it read at the save.
 */
static void test_vmstate_machine_load_restores_guest_visible_state(void **state)
{
    RISCVCPU *cpu = riscv_cpu(machine.cpus[1]);
    uint8_t *buf;
    size_t len;
    char err[256];

    mmio_write(VIRT_PLIC_BASE + 4 * 10, 4, 5);     /* UART priority 5 */
    mmio_write(VIRT_UART0_BASE + 7, 1, 0xa5);      /* scratch */
    cpu->gpr[10] = 0x1234;
    cpu->satp = 0;
    cpu->parent.pc = 0x80200000;
    assert_int_equal(vmstate_save_all(&machine, &buf, &len), 0);

    mmio_write(VIRT_PLIC_BASE + 4 * 10, 4, 1);
    mmio_write(VIRT_UART0_BASE + 7, 1, 0x5a);
    cpu->gpr[10] = 0;
    cpu->parent.pc = 0x1000;
    cpu->mstatus ^= MSTATUS_SUM;

    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), 0);
    assert_int_equal(mmio_read(VIRT_PLIC_BASE + 4 * 10, 4), 5);
    assert_int_equal(mmio_read(VIRT_UART0_BASE + 7, 1), 0xa5);
    assert_int_equal(cpu->gpr[10], 0x1234);
    assert_int_equal(cpu->parent.pc, 0x80200000);
    assert_int_equal(cpu->mstatus & MSTATUS_SUM, 0);
    free(buf);
}

/* A section whose records differ from this machine's changes nothing and says why. */
static void test_vmstate_load_refuses_another_configuration(void **state)
{
    RISCVCPU *cpu = riscv_cpu(machine.cpus[0]);
    uint8_t *buf;
    size_t len;
    char err[256] = "";

    size_t first_end, last;

    assert_int_equal(vmstate_save_all(&machine, &buf, &len), 0);
    cpu->gpr[5] = 77;
    /* One record fewer (the last, with a count to match): a machine with another device set. */
    last = record_at(buf, len, "virtio-mmio@10001000", NULL);
    assert_true(last != SIZE_MAX);
    st_le32(buf, ld_le32(buf) - 1);
    st_le32(buf + 4, vmstate_checksum(0, buf, 4));
    assert_int_equal(vmstate_load_all(&machine, buf, last, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "this machine has device 'virtio-mmio@10001000', the snapshot"));
    st_le32(buf, ld_le32(buf) + 1);
    st_le32(buf + 4, vmstate_checksum(0, buf, 4));
    /* Another id in first place ("clock" -> "clocc"). */
    assert_int_equal(record_at(buf, len, "clock", &first_end), 8);
    buf[8 + 2 + 4] = 'c';
    record_reseal(buf, 8, first_end);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "it has device 'clocc' where this machine has 'clock'"));
    /* An id with a control character is shown escaped. */
    buf[8 + 2 + 4] = 0x1b;
    record_reseal(buf, 8, first_end);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "it has device 'cloc\\x1b'"));
    buf[8 + 2 + 4] = 'k';
    /* Another version of the first record. */
    st_le32(buf + 8 + 2 + 5, 99);
    record_reseal(buf, 8, first_end);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "version 99"));
    st_le32(buf + 8 + 2 + 5, 1);
    record_reseal(buf, 8, first_end);
    /* Truncated: damage, named. */
    assert_int_equal(vmstate_load_all(&machine, buf, len - 1, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "section 'virtio-mmio@10001000' is damaged"));
    /* A flipped bit in a record, without a new checksum: damage, not another configuration. */
    buf[8 + 2 + 5 + 8] ^= 4;
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "section 'clock' is damaged (checksum mismatch)");
    buf[8 + 2 + 5 + 8] ^= 4;
    assert_int_equal(cpu->gpr[5], 77);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vmstate_every_device_and_hart_registers),
        cmocka_unit_test(test_vmstate_every_description_covers_its_struct),
        cmocka_unit_test(test_vmstate_coverage_check_finds_a_forgotten_field),
        cmocka_unit_test(test_vmstate_coverage_check_finds_a_forgotten_last_field),
        cmocka_unit_test(test_vmstate_record_round_trip_restores_the_whole_struct),
        cmocka_unit_test(test_vmstate_machine_load_restores_guest_visible_state),
        cmocka_unit_test(test_vmstate_load_refuses_another_configuration),
        cmocka_unit_test(test_savevm_qcow2_lz4_round_trip),
        cmocka_unit_test(test_savevm_qcow2_uncompressed_round_trip),
        cmocka_unit_test(test_savevm_state_file_round_trip),
        cmocka_unit_test(test_savevm_leaves_the_image_consistent),
        cmocka_unit_test(test_loadvm_refuses_other_memory_and_damage),
        cmocka_unit_test(test_loadvm_names_a_damaged_header),
        cmocka_unit_test(test_loadvm_names_a_damaged_device_list),
        cmocka_unit_test(test_loadvm_names_a_damaged_device_record),
        cmocka_unit_test(test_loadvm_names_a_damaged_ram_chunk),
        cmocka_unit_test(test_loadvm_names_a_damaged_end_mark),
        cmocka_unit_test(test_loadvm_refuses_a_bool_field_other_than_0_or_1),
        cmocka_unit_test(test_loadvm_refuses_undecompressible_lz4_before_changing_ram),
        cmocka_unit_test(test_vmstate_marks_bool_members),
        cmocka_unit_test(test_loadvm_refuses_an_older_format),
        cmocka_unit_test(test_loadvm_names_damage_in_a_qcow2_snapshot),
        cmocka_unit_test(test_vmstate_escape_shows_names_safely),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
