/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of vmstate (migration/vmstate.c) on a real `virt` machine:
 * two harts, OpenSBI, a qcow2 disk and a user-mode NIC, so every device
 * kind registers its record.  Every registered description must cover
 * its whole struct (saved or deliberately skipped, padding aside); a
 * record loaded back must restore every saved byte and touch nothing
 * else; a device section from another configuration is refused whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "block/block.h"
#include "block/qcow2.h"
#include "cpu/riscv/cpu.h"
#include "hw/riscv/virt.h"
#include "migration/savevm.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "tcg/tb.h"

static Machine machine;
static MachineConfig cfg;
static char disk_path[] = "/tmp/test-vmstate-XXXXXX";
static char netdev_arg[] = "user";
static char state_path[] = "/tmp/test-vmstate-state-XXXXXX";

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

/* A state file from a machine with other RAM, or cut short: refused, RAM untouched. */
static void test_loadvm_refuses_other_memory_and_damage(void **state)
{
    char err[512] = "";
    uint8_t hdr[24];
    FILE *f;

    cfg.state_file = state_path;
    assert_int_equal(savevm_save(&machine, "f2", true, err, sizeof(err)), 0);
    f = fopen(state_path, "r+b");
    assert_non_null(f);
    assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
    st_le64(hdr + 16, 128ull << 20);
    rewind(f);
    assert_int_equal(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
    fclose(f);
    memset(ram_at(41ull << 20), 0x11, PAGE_SIZE);
    assert_int_equal(savevm_load(&machine, "f2", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "--memory 128M"));
    assert_int_equal(ram_at(41ull << 20)[0], 0x11);

    assert_int_equal(savevm_save(&machine, "f3", true, err, sizeof(err)), 0);
    assert_int_equal(truncate(state_path, 4200), 0);
    assert_true(savevm_load(&machine, "f3", err, sizeof(err)) < 0);
    assert_int_equal(ram_at(41ull << 20)[0], 0x11);
    assert_int_equal(savevm_load(&machine, "nosuch", err, sizeof(err)) < 0, 1);
    cfg.state_file = NULL;
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

    assert_int_equal(vmstate_save_all(&machine, &buf, &len), 0);
    cpu->gpr[5] = 77;
    /* One record fewer: a machine with another device set. */
    st_le32(buf, ld_le32(buf) - 1);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "this machine has device 'virtio-mmio@10001000', the snapshot"));
    st_le32(buf, ld_le32(buf) + 1);
    /* Another id in first place ("clock" -> "clocc"). */
    buf[4 + 2 + 4] = 'c';
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "clocc"));
    buf[4 + 2 + 4] = 'k';
    /* Another version of the first record. */
    st_le32(buf + 4 + 2 + 5, 99);
    assert_int_equal(vmstate_load_all(&machine, buf, len, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "version 99"));
    /* Truncated. */
    st_le32(buf + 4 + 2 + 5, 1);
    assert_int_equal(vmstate_load_all(&machine, buf, len - 1, err, sizeof(err)), -EINVAL);
    assert_int_equal(cpu->gpr[5], 77);
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
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
