/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RISC-V `virt` board with QEMU's memory map (DESIGN.md §5): RAM at
 * 0x8000_0000, the sifive_test finisher, the goldfish RTC, the ACLINT
 * (CLINT layout), the PLIC and an ns16550a UART.  It builds the device tree at run time with
 * libfdt and boots either a bare-metal ELF in M-mode (`--bios none`) or
 * OpenSBI's fw_dynamic firmware, which enters the kernel in S-mode
 * (OpenSBI docs/firmware/fw_dynamic.md for the handoff).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "hw/riscv/virt.h"
#include "hw/riscv/uboot.h"
#include "hw/core/devices.h"
#include "hw/core/fdt.h"
#include "hw/core/loader.h"
#include "block/block.h"
#include "cpu/riscv/cpu.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "ui/console.h"
#include "util/error.h"

#define VIRT_UART0_IRQ 10
#define VIRT_RTC_IRQ 11
#define VIRT_VIRTIO_BASE 0x10001000ull
#define VIRT_VIRTIO_COUNT 8
#define VIRT_VIRTIO_IRQ 1   /* slot n uses PLIC source 1 + n */
/* The firmware framebuffer: in QEMU virt's PCIe MMIO window, which this board leaves free. */
#define VIRT_FB_BASE 0x40000000ull
#define VIRT_FB_WIDTH 1024
#define VIRT_FB_HEIGHT 768

/* Board state beyond Machine: the devices a reset must reach. */
typedef struct VirtBoard {
    VirtIOMMIO *virtio[VIRT_VIRTIO_COUNT];
} VirtBoard;
#define KERNEL_ALIGN (2ull << 20)
#define FDT_ALIGN (2ull << 20)
/* Debian's opensbi package installs the generic platform firmware here. */
#define OPENSBI_DEBIAN_PATH "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

/* fw_dynamic_info, version 2 (OpenSBI include/sbi/fw_dynamic.h): six XLEN words. */
#define FW_DYNAMIC_INFO_MAGIC 0x4942534full /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S 1

static const char *const isa_extensions[] = {
    "i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "zihintpause", "zba", "zbb",
    "zbs", "sstc",
};

static void fdt_add_cpus(Machine *m)
{
    void *fdt = m->fdt;
    int cpus = fdt_add_subnode(fdt, 0, "cpus");

    fdt_check(cpus, "/cpus");
    fdt_check(fdt_setprop_u32(fdt, cpus, "#address-cells", 1), "/cpus");
    fdt_check(fdt_setprop_u32(fdt, cpus, "#size-cells", 0), "/cpus");
    fdt_check(fdt_setprop_u32(fdt, cpus, "timebase-frequency", VIRT_TIMEBASE_HZ), "/cpus");
    for (int i = (int)m->cfg->smp - 1; i >= 0; i--) {
        char name[32];
        int cpu, intc;

        snprintf(name, sizeof(name), "cpu@%d", i);
        cpu = fdt_add_subnode(fdt, cpus, name);
        fdt_check(cpu, name);
        fdt_check(fdt_setprop_string(fdt, cpu, "device_type", "cpu"), name);
        fdt_check(fdt_setprop_u32(fdt, cpu, "reg", i), name);
        fdt_check(fdt_setprop_string(fdt, cpu, "status", "okay"), name);
        fdt_check(fdt_setprop_string(fdt, cpu, "compatible", "riscv"), name);
        fdt_check(fdt_setprop_string(fdt, cpu, "riscv,isa",
                                     "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc"), name);
        fdt_check(fdt_setprop_string(fdt, cpu, "riscv,isa-base", "rv64i"), name);
        for (size_t e = 0; e < ARRAY_SIZE(isa_extensions); e++) {
            fdt_check(fdt_appendprop_string(fdt, cpu, "riscv,isa-extensions",
                                            isa_extensions[e]), name);
        }
        fdt_check(fdt_setprop_string(fdt, cpu, "mmu-type", "riscv,sv39"), name);
        intc = fdt_add_subnode(fdt, cpu, "interrupt-controller");
        fdt_check(intc, name);
        m->cpu_intc_phandle[i] = fdt_alloc_phandle(m);
        fdt_check(fdt_setprop_u32(fdt, intc, "#interrupt-cells", 1), name);
        fdt_check(fdt_setprop(fdt, intc, "interrupt-controller", NULL, 0), name);
        fdt_check(fdt_setprop_string(fdt, intc, "compatible", "riscv,cpu-intc"), name);
        fdt_check(fdt_setprop_u32(fdt, intc, "phandle", m->cpu_intc_phandle[i]), name);
    }
}

static void fdt_add_memory_and_chosen(Machine *m)
{
    void *fdt = m->fdt;
    char name[32];
    int mem, chosen;

    snprintf(name, sizeof(name), "memory@%" PRIx64, m->ram_base);
    mem = fdt_add_subnode(fdt, 0, name);
    fdt_check(mem, name);
    fdt_check(fdt_setprop_string(fdt, mem, "device_type", "memory"), name);
    fdt_check(fdt_appendprop_u64(fdt, mem, "reg", m->ram_base), name);
    fdt_check(fdt_appendprop_u64(fdt, mem, "reg", m->ram_size), name);
    fdt_check(fdt_setprop_string(fdt, 0, "compatible", "riscv-virtio"), "/");
    fdt_check(fdt_setprop_string(fdt, 0, "model", "riscv-virtio,qemu"), "/");
    chosen = fdt_add_subnode(fdt, 0, "chosen");
    fdt_check(chosen, "/chosen");
    snprintf(name, sizeof(name), "/soc/serial@%" PRIx64, (uint64_t)VIRT_UART0_BASE);
    fdt_check(fdt_setprop_string(fdt, chosen, "stdout-path", name), "/chosen");
    fdt_check(fdt_setprop_string(fdt, chosen, "bootargs", m->cfg->append ? m->cfg->append : ""),
              "/chosen");
}

/*
 * The firmware image for --bios default, from trusted places only (never
 * the current directory, which could hand us M-mode code): pc-bios/ next
 * to the vm-cli executable (the build tree), PREFIX/share/vm/ for a
 * vm-cli installed in PREFIX/bin (configure defines no data directory;
 * this follows --prefix), then Debian's opensbi package.
 */
static const char *find_firmware(void)
{
    static char paths[3][4096];
    char exe[4096 - 64], *slash;    /* leaves room for the suffixes: no truncated path */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    size_t count = 0;

    if (n > 0 && (exe[n] = '\0', slash = strrchr(exe, '/'))) {
        *slash = '\0';
        snprintf(paths[count++], sizeof(paths[0]), "%s/pc-bios/fw_dynamic.bin", exe);
        snprintf(paths[count++], sizeof(paths[0]), "%s/../share/vm/fw_dynamic.bin", exe);
    }
    snprintf(paths[count++], sizeof(paths[0]), "%s", OPENSBI_DEBIAN_PATH);
    for (size_t i = 0; i < count; i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    error_exit("--bios default: OpenSBI fw_dynamic.bin not found next to vm-cli (pc-bios/), "
               "in its share/vm/ or in %s (install Debian's 'opensbi' package)",
               OPENSBI_DEBIAN_PATH);
}

/* Load an ELF or raw image for option `opt`; returns its entry point. */
static gpa_t load_image(Machine *m, const char *opt, const char *path, gpa_t addr,
                        bool allow_raw, gpa_t *end)
{
    char err[256];
    uint64_t size;
    gpa_t entry = addr, low;

    if (loader_is_elf(path)) {
        if (load_elf(&m->as, path, EM_RISCV, &entry, &low, end, err, sizeof(err)) < 0) {
            error_exit("%s: %s: %s", opt, path, err);
        }
        return entry;
    }
    if (loader_is_riscv_image(path)) {
        if (load_riscv_image(&m->as, path, addr, &size, err, sizeof(err)) < 0) {
            error_exit("%s: %s: %s", opt, path, err);
        }
    } else if (allow_raw) {
        if (load_raw(&m->as, path, addr, &size, err, sizeof(err)) < 0) {
            error_exit("%s: %s: %s", opt, path, err);
        }
    } else {
        error_exit("%s: %s: not a kernel (neither an ELF nor a RISC-V Linux Image)", opt, path);
    }
    *end = addr + size;
    return entry;
}

/* Place the initrd as QEMU does: 128 MiB above the kernel, or half of a small RAM. */
static void load_initrd(Machine *m, gpa_t kernel_start, gpa_t limit, bool first)
{
    const char *path = m->cfg->initrd;
    gpa_t start = kernel_start + (m->ram_size / 2 < (128ull << 20) ? m->ram_size / 2
                                                                    : (128ull << 20));
    char err[256];
    uint64_t size;
    int chosen = fdt_path_offset(m->fdt, "/chosen");

    if (load_raw(&m->as, path, start, &size, err, sizeof(err)) < 0 || start + size > limit) {
        error_exit("--initrd: %s: %s", path, start + size > limit ?
                   "does not fit in RAM below the device tree" : err);
    }
    if (first) {
        fdt_check(fdt_setprop_u64(m->fdt, chosen, "linux,initrd-start", start), "/chosen");
        fdt_check(fdt_setprop_u64(m->fdt, chosen, "linux,initrd-end", start + size), "/chosen");
    }
}

/* The serial backend named by --serial: stdio (default), pty or file:PATH. */
static Console *open_serial(Machine *m, const char *spec)
{
    if (!spec || !strcmp(spec, "stdio")) {
        return console_open_stdio(m);
    }
    if (!strcmp(spec, "pty")) {
        return console_open_pty(m);
    }
    if (!strncmp(spec, "file:", 5) && spec[5]) {
        return console_open_file(m, spec + 5);
    }
    error_exit("--serial: '%s' is not one of stdio, pty, file:PATH", spec);
}

/*
 * Load firmware, kernel and initrd, then the device tree and
 * fw_dynamic_info, and put every hart at the entry point with the boot
 * registers.  Runs at start (first: the device tree is still open and
 * gets the initrd range) and again at each guest reset.
 */
static void virt_load(Machine *m, bool first)
{
    const MachineConfig *cfg = m->cfg;
    gpa_t fdt_limit = m->ram_base + (m->ram_size < (3ull << 30) ? m->ram_size : (3ull << 30));
    gpa_t fdt_addr = (fdt_limit - MACHINE_FDT_SIZE - 4096) & ~(FDT_ALIGN - 1);
    gpa_t info_addr = fdt_addr + MACHINE_FDT_SIZE;
    gpa_t entry = m->ram_base, end = 0, kernel_addr = m->ram_base;
    bool firmware = strcmp(cfg->bios, "none") != 0;
    /* Without --kernel, OpenSBI's payload is U-Boot, which boots from the disks. */
    char uboot[4096];
    const char *payload = cfg->kernel ? cfg->kernel :
                          firmware ? uboot_find_smode(uboot, sizeof(uboot)) : NULL;
    uint8_t *info;

    if (firmware) {
        const char *fw = strcmp(cfg->bios, "default") ? cfg->bios : find_firmware();
        entry = load_image(m, "--bios", fw, m->ram_base, true, &end);
        kernel_addr = (end + KERNEL_ALIGN - 1) & ~(KERNEL_ALIGN - 1);
    }
    if (payload) {
        gpa_t k = load_image(m, cfg->kernel ? "--kernel" : "U-Boot", payload, kernel_addr,
                             !firmware || !cfg->kernel, &end);
        if (!firmware) {
            entry = k;
        } else {
            kernel_addr = k;
        }
    } else if (!firmware) {
        error_exit("--kernel: required with --bios none");
    }
    if (cfg->initrd) {
        if (!cfg->kernel) {
            error_exit("--initrd: needs --kernel");
        }
        load_initrd(m, kernel_addr, fdt_addr, first);
    }
    if (end > fdt_addr) {
        error_exit("--memory: the images loaded end at guest-physical 0x%" PRIx64 ", past the "
                   "device tree at 0x%" PRIx64 ": %" PRIu64 " MiB is too small", end, fdt_addr,
                   m->ram_size >> 20);
    }
    if (first) {
        if (!cfg->kernel) {
            uboot_fdt_config(m);
        }
        fdt_machine_finish(m);
    }
    if (cfg->dump_dtb) {
        FILE *f = fopen(cfg->dump_dtb, "wb");
        if (!f || fwrite(m->fdt, 1, fdt_totalsize(m->fdt), f) != fdt_totalsize(m->fdt) ||
            fclose(f) != 0) {
            error_exit("--dump-dtb: %s: cannot write", cfg->dump_dtb);
        }
        exit(0);
    }
    memcpy(memory_host_ptr(&m->as, fdt_addr, fdt_totalsize(m->fdt)), m->fdt,
           fdt_totalsize(m->fdt));
    info = memory_host_ptr(&m->as, info_addr, 48);
    st_le64(info + 0, FW_DYNAMIC_INFO_MAGIC);
    st_le64(info + 8, FW_DYNAMIC_INFO_VERSION);
    st_le64(info + 16, payload ? kernel_addr : 0);
    st_le64(info + 24, FW_DYNAMIC_NEXT_MODE_S);
    st_le64(info + 32, 0);                      /* options */
    st_le64(info + 40, 0);                      /* boot_hart: hart 0 */

    for (unsigned i = 0; i < m->nr_cpus; i++) {
        RISCVCPU *cpu = riscv_cpu(m->cpus[i]);
        riscv_cpu_reset(cpu, entry);
        cpu->gpr[10] = i;                       /* a0: hartid */
        cpu->gpr[11] = fdt_addr;                /* a1: device tree */
        cpu->gpr[12] = firmware ? info_addr : 0; /* a2: fw_dynamic_info */
    }
}

/* Guest-requested reset (finisher 0x7777, SBI system reset): reload and restart. */
static void virt_reset(Machine *m)
{
    VirtBoard *b = m->board;

    for (int n = 0; n < VIRT_VIRTIO_COUNT; n++) {
        virtio_mmio_reset(b->virtio[n]);
    }
    virt_load(m, false);
}

/*
 * --snapshot: a temporary qcow2 overlay backed by the drive's image takes
 * the guest's writes; it is unlinked once open, so it vanishes at exit
 * and the user's image is never written.
 */
static BlockDriverState *open_snapshot_overlay(const DriveConfig *d, BlockDriverState *base)
{
    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096], err[256], *backing = realpath(d->file, NULL);
    BlockCreateOpts opts = { .backing_file = backing, .backing_format = base->drv->format_name };
    BlockDriverState *bs;
    int fd;

    snprintf(path, sizeof(path), "%s/vm-snapshot-XXXXXX", tmpdir);
    fd = mkstemp(path);
    if (fd < 0 || !backing) {
        error_exit("--snapshot: cannot create an overlay in %s: %s", tmpdir, strerror(errno));
    }
    close(fd);
    if (bdrv_create("qcow2", path, base->size, &opts, err, sizeof(err)) < 0 ||
        !(bs = bdrv_open(path, "qcow2", BDRV_O_RDWR | (d->no_lock ? BDRV_O_NO_LOCK : 0), NULL,
                         err, sizeof(err)))) {
        unlink(path);
        error_exit("--snapshot: overlay for %s: %s", d->file, err);
    }
    unlink(path);
    free(backing);
    bdrv_close(base);
    return bs;
}

/* The image of --drive n, opened as configured (with --snapshot: a temporary overlay). */
static BlockDriverState *open_drive(Machine *m, const DriveConfig *d)
{
    char err[256];
    bool probed_raw = false, overlay = m->cfg->snapshot && !d->readonly;
    BlockDriverState *bs;

    /* Locked: the user's image shared when only read (also under an overlay), else exclusive. */
    bs = bdrv_open(d->file, d->format,
                   (d->readonly || overlay ? 0 : BDRV_O_RDWR) | (d->no_lock ? BDRV_O_NO_LOCK : 0),
                   &probed_raw, err, sizeof(err));
    if (!bs) {
        error_exit("%s: %s: %s", d->cdrom ? "--cdrom" : "--drive", d->file, err);
    }
    if (overlay) {
        return open_snapshot_overlay(d, bs);
    }
    if (probed_raw) {
        warn_report("--drive: %s: image format was not specified; probed as raw, so writes "
                    "to block 0 are allowed", d->file);
    }
    return bs;
}

/*
 * The display devices m->cfg->display_devices asks for: the firmware
 * framebuffer, and virtio-gpu, a keyboard and a tablet in the `free`
 * virtio slots from `slot` on.
 */
static void virt_add_display(Machine *m, VirtIODevice **slot, unsigned free)
{
    unsigned devs = m->cfg->display_devices, n = 0;

    if (devs & DISPLAY_DEV_RAMFB &&
        !fwfb_create(m, VIRT_FB_BASE, VIRT_FB_WIDTH, VIRT_FB_HEIGHT)) {
        error_exit("--display: out of memory for the framebuffer");
    }
    for (unsigned bit = DISPLAY_DEV_GPU; bit <= DISPLAY_DEV_TABLET; bit <<= 1) {
        if (!(devs & bit)) {
            continue;
        }
        if (n == free) {
            error_exit("--display/--device: virtio-gpu, keyboard and tablet need a virtio "
                       "slot each, %u are left after the drives and netdevs", free);
        }
        slot[n] = bit == DISPLAY_DEV_GPU ? virtio_gpu_new(m) :
                  bit == DISPLAY_DEV_KEYBOARD ? virtio_keyboard_new(m) : virtio_tablet_new(m);
        if (!slot[n++]) {
            error_exit("--display: out of memory");
        }
    }
}

/*
 * Eight virtio-mmio slots as on QEMU's virt; --drive n fills slot n with a
 * virtio-blk disk, then --netdev k fills slot nr_drives + k with a virtio-net NIC.
 */
static void virt_add_virtio(Machine *m, VirtBoard *b, Plic *plic)
{
    const MachineConfig *cfg = m->cfg;
    VirtIODevice *nics[VIRT_VIRTIO_COUNT] = { NULL };

    if (cfg->nr_drives + cfg->nr_netdevs > VIRT_VIRTIO_COUNT) {
        error_exit("--netdev: %u drives and %u netdevs do not fit the %d virtio slots",
                   cfg->nr_drives, cfg->nr_netdevs, VIRT_VIRTIO_COUNT);
    }
    for (unsigned k = 0; k < cfg->nr_netdevs; k++) {
        char err[256];
        NetDev *nd = net_create(m, &cfg->netdevs[k], k, err, sizeof(err));

        if (!nd) {
            error_exit("--netdev: %s", err);
        }
        nics[cfg->nr_drives + k] = virtio_net_new(m, nd);
        if (!nics[cfg->nr_drives + k]) {
            error_exit("--netdev: out of memory");
        }
    }
    if (cfg->display_devices) {
        unsigned used = cfg->nr_drives + cfg->nr_netdevs;
        virt_add_display(m, nics + used, VIRT_VIRTIO_COUNT - used);
    }

    /* libfdt puts each node first: creating slot 7 first lists slot 0 first (vda). */
    for (int n = VIRT_VIRTIO_COUNT - 1; n >= 0; n--) {
        VirtIODevice *vdev = NULL;
        if ((unsigned)n < cfg->nr_drives) {
            char serial[21];
            m->drives[n] = open_drive(m, &cfg->drives[n]);
            m->nr_drives = cfg->nr_drives;
            vdev = virtio_blk_new(m, m->drives[n], cfg->drives[n].readonly);
            snprintf(serial, sizeof(serial), "vm-disk-%d", n);
            virtio_blk_set_serial(vdev, serial);
        } else {
            vdev = nics[n];
        }
        b->virtio[n] = virtio_mmio_create(m, VIRT_VIRTIO_BASE + n * 0x1000ull,
                                          plic_input(plic, VIRT_VIRTIO_IRQ + n),
                                          VIRT_VIRTIO_IRQ + n, vdev);
    }
}

void virt_machine_init(Machine *m)
{
    const MachineConfig *cfg = m->cfg;
    IRQLine mtip[MACHINE_MAX_CPUS], msip[MACHINE_MAX_CPUS];
    IRQLine meip[MACHINE_MAX_CPUS], seip[MACHINE_MAX_CPUS];
    Aclint *clint;
    Plic *plic;
    Console *con;

    m->ram_base = VIRT_DRAM_BASE;
    m->ram_size = cfg->ram_size;
    if (!memory_add_ram(&m->as, "ram", VIRT_DRAM_BASE, cfg->ram_size, false)) {
        error_exit("--memory: cannot allocate %" PRIu64 " MiB of guest RAM", cfg->ram_size >> 20);
    }
    fdt_machine_begin(m);
    vmstate_register(m, "clock", &vmstate_timer_list, &m->timers);
    for (unsigned i = 0; i < cfg->smp; i++) {
        RISCVCPU *cpu = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
        if (!cpu) {
            error_exit("out of memory for %u harts", cfg->smp);
        }
        memset(cpu, 0, sizeof(*cpu));
        riscv_cpu_init(cpu, m, i);
        m->cpus[m->nr_cpus++] = &cpu->parent;
        mtip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_TIMER };
        msip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_SOFT };
        meip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_EXT };
        seip[i] = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_S_EXT };
    }
    fdt_add_cpus(m);
    sifive_test_create(m, VIRT_TEST_BASE);
    clint = aclint_create(m, VIRT_CLINT_BASE, cfg->smp, VIRT_TIMEBASE_HZ, mtip, msip);
    plic = plic_create(m, VIRT_PLIC_BASE, cfg->smp, meip, seip);
    con = open_serial(m, cfg->serial);
    ns16550a_create(m, VIRT_UART0_BASE, plic_input(plic, VIRT_UART0_IRQ), VIRT_UART0_IRQ, con);
    goldfish_rtc_create(m, VIRT_RTC_BASE, plic_input(plic, VIRT_RTC_IRQ), VIRT_RTC_IRQ);
    m->board = calloc(1, sizeof(VirtBoard));
    virt_add_virtio(m, m->board, plic);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        RISCVCPU *cpu = riscv_cpu(m->cpus[i]);
        cpu->rdtime = aclint_mtime;
        cpu->rdtime_opaque = clint;
        cpu->timebase_hz = VIRT_TIMEBASE_HZ;
    }
    fdt_add_memory_and_chosen(m);
    m->reset = virt_reset;
    virt_load(m, true);
}
