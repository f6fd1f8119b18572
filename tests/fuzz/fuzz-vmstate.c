/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the loadvm side of the savevm stream
 * (migration/savevm.c, format 3: header, device section of
 * vmstate_save_all() records, RAM chunks, every part under a CRC-32) and
 * the device records it hands to migration/vmstate.c and the devices'
 * parse_extra and post_load hooks.  A machine is built once: 256 KiB of
 * RAM, one RISC-V hart, the virt board's clock, test finisher, ACLINT,
 * PLIC, UART and RTC, and virtio-mmio slots with virtio-blk (a raw image
 * in a memfd), virtio-net (a test backend), virtio-gpu, a keyboard and a
 * tablet; it saves its state (--state-file in a private directory) once,
 * and each input becomes that file:
 *
 *   byte 0   bit 0 clear: the rest is written verbatim (the header and
 *            checksum checks must refuse what is damaged); set: the rest
 *            is resealed first -- the header's CRC-32, the device list's
 *            and every record's, every RAM chunk's -- so the parsers
 *            behind the checksums see it.  bit 1 (with bit 0): also set
 *            the header's section offsets and lengths from the records
 *            found (records may then grow or shrink).  bit 2: a load that
 *            succeeds is saved again with LZ4 (clear: uncompressed).
 *   byte 1-  the stream
 *
 * savevm_load must return 0 or a negative errno with one printable line
 * in err (names from the file escaped); a refused load must leave RAM
 * and every record (saved fields and variable-length part) as they
 * were; an accepted state must save and load again.  The target aborts
 * otherwise, and ASan/UBSan catch host memory errors; after a load that
 * succeeds the first snapshot is loaded back, so every input starts from
 * the same machine.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 *   FUZZ_WRITE_SEEDS=DIR fuzz-vmstate       seeds (make-corpus.sh)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "cpu/riscv/cpu.h"
#include "hw/core/devices.h"
#include "hw/display/virtio-gpu.h"
#include "hw/riscv/virt.h"
#include "hw/virtio/virtio.h"
#include "migration/savevm.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "tcg/tb.h"

#define NAME "fuzz-vmstate"
#define SNAP "fuzz"                         /* the snapshot's name in every stream */
#define RAM_SIZE 0x40000ull                 /* bytes */
#define DISK_SIZE (64 * 1024)               /* bytes */
#define VIRTIO_BASE 0x10001000ull           /* slot n at + 0x1000 * n, PLIC source 1 + n */
#define UART_IRQ 10
#define RTC_IRQ 11
#define GPU_PIX (VIRT_DRAM_BASE + 0x10000)  /* backing of the seeds' gpu resource */

/* The stream's layout (savevm.c): header fields, chunk head. */
#define HDR_SIZE 4096
#define HDR_DEV_OFF 32
#define HDR_DEV_LEN 40
#define HDR_RAM_OFF 48
#define HDR_RAM_LEN 56
#define HDR_CRC 72
#define CHUNK_HEAD 20

#define MODE_RESEAL 1
#define MODE_LAYOUT 2
#define MODE_LZ4 4

static int report_fd = 2;   /* stderr as it was before -close_fd_mask=2 */
static char dir_path[64], state_path[96];

static void cleanup(void)
{
    char tmp[128];

    snprintf(tmp, sizeof(tmp), "%s.tmp", state_path);
    unlink(tmp);
    unlink(state_path);
    rmdir(dir_path);
}

#define fail(...) (dprintf(report_fd, NAME ": " __VA_ARGS__), cleanup(), abort())

static MachineConfig cfg;
static Machine *m;
static uint8_t *ram;
static VirtIODevice *blk, *gpu;
static uint8_t *base;                       /* the first snapshot's stream */
static size_t base_len;

static void no_receive(void *opaque, const uint8_t *buf, size_t len)
{
}

static const NetBackendOps backend = { .type = "fuzz", .receive = no_receive };

static void setup(void)
{
    IRQLine mtip, msip, meip, seip;
    const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    VirtIODevice *vdev[5];
    BlockDriverState *bs;
    char path[64], err[256];
    RISCVCPU *cpu;
    Aclint *clint;
    NetDev *nd;
    Plic *plic;
    int fd;

    /* The state file lives in tmpfs when there is one: savevm fdatasyncs it. */
    snprintf(dir_path, sizeof(dir_path), "%s/" NAME "-XXXXXX", shm);
    if (!mkdtemp(dir_path)) {
        fail("mkdtemp %s: %s\n", dir_path, strerror(errno));
    }
    snprintf(state_path, sizeof(state_path), "%s/state", dir_path);
    cfg = (MachineConfig){ .arch = "riscv64", .bios = "none", .ram_size = RAM_SIZE, .smp = 1,
                           .tier = TIER_INTERP, .state_file = state_path };
    m = calloc(1, sizeof(*m));
    cpu = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
    if (!m || !cpu || !memory_add_ram(&m->as, "ram", VIRT_DRAM_BASE, RAM_SIZE, false)) {
        fail("no memory for the machine\n");
    }
    m->cfg = &cfg;
    m->ram_base = VIRT_DRAM_BASE;
    m->ram_size = RAM_SIZE;
    m->as.invalidate_code = tb_invalidate_phys_page;
    m->timers.start_ns = clock_host_ns();
    m->run_state = RUN_STATE_STOPPED;       /* virtual time stands still */
    m->stopped_host_ns = m->timers.start_ns;
    ram = memory_host_ptr(&m->as, VIRT_DRAM_BASE, RAM_SIZE);
    tb_init();

    /* As hw/riscv/virt.c builds its board, without a device tree or images. */
    vmstate_register(m, "clock", &vmstate_timer_list, &m->timers);
    riscv_cpu_init(cpu, m, 0);
    m->cpus[m->nr_cpus++] = &cpu->parent;
    mtip = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_TIMER };
    msip = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_SOFT };
    meip = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_M_EXT };
    seip = (IRQLine){ riscv_cpu_set_irq, cpu, IRQ_S_EXT };
    sifive_test_create(m, VIRT_TEST_BASE);
    clint = aclint_create(m, VIRT_CLINT_BASE, 1, VIRT_TIMEBASE_HZ, &mtip, &msip);
    plic = plic_create(m, VIRT_PLIC_BASE, 1, &meip, &seip);
    if (!clint || !plic) {
        fail("interrupt controllers not created\n");
    }
    ns16550a_create(m, VIRT_UART0_BASE, plic_input(plic, UART_IRQ), UART_IRQ, NULL);
    goldfish_rtc_create(m, VIRT_RTC_BASE, plic_input(plic, RTC_IRQ), RTC_IRQ);

    fd = memfd_create(NAME "-disk", 0);
    if (fd < 0 || ftruncate(fd, DISK_SIZE) < 0) {
        fail("disk memfd: %s\n", strerror(errno));
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    bs = bdrv_open(path, "raw", BDRV_O_RDWR, NULL, err, sizeof(err));
    if (!bs) {
        fail("bdrv_open: %s\n", err);
    }
    /* Not in m->drives: the state file alone holds the snapshot. */
    vdev[0] = blk = virtio_blk_new(m, bs, false);
    nd = net_create_with_backend(m, "n0", &backend, NULL);
    if (!nd) {
        fail("net_create_with_backend failed\n");
    }
    net_default_mac(0, nd->mac);
    vdev[1] = virtio_net_new(m, nd);
    vdev[2] = gpu = virtio_gpu_new(m);
    vdev[3] = virtio_keyboard_new(m);
    vdev[4] = virtio_tablet_new(m);
    for (unsigned n = 0; n < ARRAY_SIZE(vdev); n++) {
        if (!vdev[n] || !virtio_mmio_create(m, VIRTIO_BASE + 0x1000 * n,
                                            plic_input(plic, 1 + (int)n), 1 + n, vdev[n])) {
            fail("virtio slot %u not created\n", n);
        }
    }
    cpu->rdtime = aclint_mtime;
    cpu->rdtime_opaque = clint;
    cpu->timebase_hz = VIRT_TIMEBASE_HZ;
}

/* --- the state file ------------------------------------------------------ */

static void file_put(const uint8_t *buf, size_t len)
{
    int fd = open(state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || close(fd) < 0) {
        fail("writing %s: %s\n", state_path, strerror(errno));
    }
}

/* The state file's bytes, malloc'd; *len gets their count. */
static uint8_t *file_get(size_t *len)
{
    int fd = open(state_path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    uint8_t *buf;

    if (fd < 0 || fstat(fd, &sb) < 0 || !(buf = malloc((size_t)sb.st_size + 1)) ||
        read(fd, buf, (size_t)sb.st_size) != sb.st_size) {
        fail("reading %s: %s\n", state_path, strerror(errno));
    }
    close(fd);
    *len = (size_t)sb.st_size;
    return buf;
}

/* Save the machine; the stream's bytes, malloc'd. */
static uint8_t *save(bool lz4, size_t *len)
{
    char err[512] = "";

    if (savevm_save(m, SNAP, lz4, err, sizeof(err)) != 0) {
        fail("savevm: %s\n", err);
    }
    return file_get(len);
}

/* --- resealing a mutated stream ------------------------------------------ */

/*
 * Give the device list and every record in s[off, lim) whose framing
 * fits their CRC-32 back (vmstate.h's layout); returns where the last
 * record that fits ends.
 */
static size_t reseal_devices(uint8_t *s, size_t off, size_t lim)
{
    uint32_t count;
    size_t pos = off + 8;

    if (lim - off < 8) {
        return lim;
    }
    st_le32(s + off + 4, vmstate_checksum(0, s + off, 4));
    count = ld_le32(s + off);
    for (uint32_t i = 0; i < count; i++) {
        size_t start = pos, idlen, size;
        uint64_t extra;

        if (lim - pos < 2 || lim - pos - 2 < (idlen = ld_le16(s + pos)) + 8) {
            break;
        }
        pos += 2 + idlen;
        size = ld_le32(s + pos + 4);
        pos += 8;
        if (lim - pos < 8 || lim - pos - 8 < size) {
            pos = start;
            break;
        }
        extra = ld_le64(s + pos + size);
        pos += size + 8;
        if (lim - pos < 4 || extra > lim - pos - 4) {
            pos = start;
            break;
        }
        pos += extra;
        st_le32(s + pos, vmstate_checksum(0, s + start, pos - start));
        pos += 4;
    }
    return pos;
}

/* Reseal the RAM chunks in s[off, lim), up to the end mark or one that runs past lim. */
static void reseal_ram(uint8_t *s, size_t off, size_t lim)
{
    for (size_t pos = off; pos <= lim && lim - pos >= CHUNK_HEAD;) {
        uint32_t stored = ld_le32(s + pos + 8);

        if (stored > lim - pos - CHUNK_HEAD) {
            break;
        }
        st_le32(s + pos + 16, vmstate_checksum(vmstate_checksum(0, s + pos, 16),
                                               s + pos + CHUNK_HEAD, stored));
        if (ld_le32(s + pos + 4) == 0) {
            break;
        }
        pos += CHUNK_HEAD + stored;
    }
}

/* Make every checksum of stream s (len bytes) right again; layout: set the sections' bounds. */
static void reseal(uint8_t *s, size_t len, bool layout)
{
    uint64_t dev_off, dev_len, ram_off, ram_len;

    if (len < HDR_SIZE) {
        return;
    }
    if (layout) {
        st_le64(s + HDR_DEV_OFF, HDR_SIZE);
        dev_len = reseal_devices(s, HDR_SIZE, len) - HDR_SIZE;
        st_le64(s + HDR_DEV_LEN, dev_len);
        st_le64(s + HDR_RAM_OFF, HDR_SIZE + dev_len);
        st_le64(s + HDR_RAM_LEN, len - HDR_SIZE - dev_len);
    }
    dev_off = ld_le64(s + HDR_DEV_OFF);
    dev_len = ld_le64(s + HDR_DEV_LEN);
    ram_off = ld_le64(s + HDR_RAM_OFF);
    ram_len = ld_le64(s + HDR_RAM_LEN);
    if (!layout && dev_off <= len) {
        reseal_devices(s, dev_off, dev_len < len - dev_off ? dev_off + dev_len : len);
    }
    if (ram_off <= len) {
        reseal_ram(s, ram_off, ram_len < len - ram_off ? ram_off + ram_len : len);
    }
    st_le32(s + HDR_CRC, 0);
    st_le32(s + HDR_CRC, vmstate_checksum(0, s, HDR_SIZE));
}

/* --- what a load may change ---------------------------------------------- */

/* CRC-32 of guest RAM and of every record's saved fields and variable-length part. */
static void fingerprint(uint32_t *ram_crc, uint32_t *dev_crc)
{
    uint32_t crc = 0;

    *ram_crc = vmstate_checksum(0, ram, RAM_SIZE);
    for (VMStateEntry *e = m->vmstate; e; e = e->next) {
        size_t size = vmstate_size(e->vmsd), extra_len = 0;
        uint8_t *buf = malloc(size + 1), *extra = NULL;

        if (!buf) {
            fail("out of memory\n");
        }
        vmstate_save(e->vmsd, e->opaque, buf);      /* no pre_save: nothing refreshed */
        crc = vmstate_checksum(crc, e->id, strlen(e->id));
        crc = vmstate_checksum(crc, buf, size);
        if (e->vmsd->save_extra) {
            if (e->vmsd->save_extra(e->opaque, &extra, &extra_len) < 0) {
                fail("%s: save_extra failed\n", e->id);
            }
            crc = vmstate_checksum(crc, extra, extra_len);
            free(extra);
        }
        free(buf);
    }
    *dev_crc = crc;
}

/* One load: 0, or a negative errno with one printable line in err (512 bytes). */
static int load(const char *what, char *err)
{
    int ret;

    memset(err, 0xff, 512);
    err[511] = '\0';
    ret = savevm_load(m, SNAP, err, 512);
    if (ret == 0) {
        return 0;
    }
    if (ret > 0 || ret < -4095) {
        fail("loadvm (%s) returned %d\n", what, ret);
    }
    if ((uint8_t)err[0] == 0xff || err[0] == '\0') {
        fail("loadvm (%s) failed (%d) without a message\n", what, ret);
    }
    for (size_t i = 0; err[i]; i++) {
        if ((uint8_t)err[i] < 0x20 || (uint8_t)err[i] >= 0x7f) {
            fail("loadvm (%s): byte 0x%02x at %zu of its message: %.*s\n", what,
                 (uint8_t)err[i], i, (int)i, err);
        }
    }
    return ret;
}

/* --- seeds --------------------------------------------------------------- */

static void mmio_wr(gpa_t addr, uint64_t val, unsigned size)
{
    if (memory_write(&m->as, addr, size, val) != 0) {
        fail("write to 0x%llx faulted\n", (unsigned long long)addr);
    }
}

static void gpu_cmd(const uint8_t *req, size_t len)
{
    uint8_t resp[VIRTIO_GPU_MAX_RESP];

    if (virtio_gpu_process(gpu, req, len, resp) < VIRTIO_GPU_HDR_SIZE ||
        ld_le32(resp) != VIRTIO_GPU_RESP_OK_NODATA) {
        fail("gpu command 0x%x refused (0x%x)\n", ld_le32(req), ld_le32(resp));
    }
}

/* What a guest would change: RAM, the hart, the UART, PLIC, ACLINT, virtio-blk, virtio-gpu. */
static void guest_changes(void)
{
    RISCVCPU *cpu = riscv_cpu(m->cpus[0]);
    uint8_t req[56] = { 0 };
    uint32_t seed = 7;

    for (size_t i = 0; i < 2 * PAGE_SIZE; i++) {          /* noise, then a pattern */
        seed = seed * 1103515245 + 12345;
        ram[i] = (uint8_t)(seed >> 16);
    }
    for (size_t i = 0; i < 3 * PAGE_SIZE; i++) {
        ram[8 * PAGE_SIZE + i] = (uint8_t)(i % 61);
    }
    ram[RAM_SIZE - 1] = 0x5a;
    cpu->gpr[10] = 0x80001000;
    cpu->parent.pc = VIRT_DRAM_BASE + 0x40;
    cpu->mtvec = VIRT_DRAM_BASE + 0x100;
    mmio_wr(VIRT_UART0_BASE + 3, 0x03, 1);                  /* LCR: 8N1 */
    mmio_wr(VIRT_UART0_BASE + 1, 0x01, 1);                  /* IER: received data */
    mmio_wr(VIRT_UART0_BASE + 7, 0xa5, 1);                  /* SCR */
    mmio_wr(VIRT_PLIC_BASE + 4 * 1, 5, 4);                  /* source 1 priority */
    mmio_wr(VIRT_PLIC_BASE + 4 * UART_IRQ, 3, 4);
    mmio_wr(VIRT_PLIC_BASE + 0x2000, (1u << 1) | (1u << UART_IRQ), 4);  /* context 0 */
    mmio_wr(VIRT_CLINT_BASE + 0x4000, 123456789, 8);        /* mtimecmp */
    /* virtio-blk (slot 0): the handshake and a 16-entry queue 0, as a driver does it. */
    mmio_wr(VIRTIO_BASE + 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 4);
    mmio_wr(VIRTIO_BASE + 0x024, 1, 4);
    mmio_wr(VIRTIO_BASE + 0x020, 1, 4);                     /* VERSION_1 */
    mmio_wr(VIRTIO_BASE + 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
            VIRTIO_STATUS_FEATURES_OK, 4);
    mmio_wr(VIRTIO_BASE + 0x030, 0, 4);
    mmio_wr(VIRTIO_BASE + 0x038, 16, 4);
    mmio_wr(VIRTIO_BASE + 0x080, (uint32_t)VIRT_DRAM_BASE + 0x20000, 4);
    mmio_wr(VIRTIO_BASE + 0x090, (uint32_t)VIRT_DRAM_BASE + 0x20100, 4);
    mmio_wr(VIRTIO_BASE + 0x0a0, (uint32_t)VIRT_DRAM_BASE + 0x20200, 4);
    mmio_wr(VIRTIO_BASE + 0x044, 1, 4);
    mmio_wr(VIRTIO_BASE + 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
            VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK, 4);
    /* virtio-gpu: an 8x4 resource with backing in RAM, uploaded, on scanout 0. */
    for (unsigned i = 0; i < 32; i++) {
        st_le32(ram + (GPU_PIX - VIRT_DRAM_BASE) + 4 * i, 0x00405060 + i);
    }
    st_le32(req, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
    st_le32(req + 24, 3);
    st_le32(req + 28, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM);
    st_le32(req + 32, 8);
    st_le32(req + 36, 4);
    gpu_cmd(req, 40);
    memset(req, 0, sizeof(req));
    st_le32(req, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
    st_le32(req + 24, 3);
    st_le32(req + 28, 1);
    st_le64(req + 32, GPU_PIX);
    st_le32(req + 40, 8 * 4 * 4);
    gpu_cmd(req, 48);
    memset(req, 0, sizeof(req));
    st_le32(req, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
    st_le32(req + 32, 8);
    st_le32(req + 36, 4);
    st_le32(req + 48, 3);
    gpu_cmd(req, 56);
    memset(req, 0, sizeof(req));
    st_le32(req, VIRTIO_GPU_CMD_SET_SCANOUT);
    st_le32(req + 32, 8);
    st_le32(req + 36, 4);
    st_le32(req + 44, 3);
    gpu_cmd(req, 48);
}

static void seed_write(const char *dir, const char *name, uint8_t mode, const uint8_t *s,
                       size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fputc(mode, f) == EOF || fwrite(s, 1, len, f) != len || fclose(f)) {
        fail("writing %s: %s\n", path, strerror(errno));
    }
    if (len + 1 > 65536) {
        dprintf(report_fd, NAME ": seed %s is %zu bytes, over run.sh's -max_len\n", name,
                len + 1);
    }
}

static void write_seeds(const char *dir)
{
    size_t len;
    uint8_t *s = save(true, &len);

    seed_write(dir, "initial-verbatim", 0, s, len);
    seed_write(dir, "initial-lz4", MODE_RESEAL | MODE_LZ4, s, len);
    free(s);
    s = save(false, &len);
    seed_write(dir, "initial-uncompressed", MODE_RESEAL, s, len);
    free(s);
    guest_changes();
    s = save(true, &len);
    seed_write(dir, "changed-verbatim", 0, s, len);
    seed_write(dir, "changed-lz4", MODE_RESEAL | MODE_LZ4, s, len);
    seed_write(dir, "changed-lz4-layout", MODE_RESEAL | MODE_LAYOUT | MODE_LZ4, s, len);
    free(s);
    s = save(false, &len);
    seed_write(dir, "changed-uncompressed", MODE_RESEAL, s, len);
    seed_write(dir, "changed-uncompressed-layout", MODE_RESEAL | MODE_LAYOUT, s, len);
    free(s);
}

/* --- libFuzzer ----------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("FUZZ_WRITE_SEEDS");

    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    setup();
    atexit(cleanup);
    if (dir) {
        write_seeds(dir);
        exit(0);
    }
    base = save(true, &base_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t ram_before, dev_before, ram_after, dev_after;
    uint8_t mode, *s;
    size_t len;
    char err[512];

    if (size < 1) {
        return 0;
    }
    mode = data[0];
    len = size - 1;
    s = malloc(len + 1);
    if (!s) {
        fail("out of memory\n");
    }
    memcpy(s, data + 1, len);
    if (mode & MODE_RESEAL) {
        reseal(s, len, mode & MODE_LAYOUT);
    }
    file_put(s, len);
    free(s);

    fingerprint(&ram_before, &dev_before);
    if (load("the input", err) < 0) {
        /* savevm.h: a refused loadvm changes nothing. */
        fingerprint(&ram_after, &dev_after);
        if (ram_after != ram_before) {
            fail("a refused loadvm changed guest RAM (%s)\n", err);
        }
        if (dev_after != dev_before) {
            fail("a refused loadvm changed device state (%s)\n", err);
        }
        return 0;
    }

    /* An accepted state saves, and what it saved loads. */
    if (savevm_save(m, SNAP, mode & MODE_LZ4, err, sizeof(err)) != 0) {
        fail("savevm after a successful loadvm: %s\n", err);
    }
    if (load("its own savevm", err) < 0) {
        fail("the savevm of an accepted state is refused: %s\n", err);
    }
    /* Back to the first snapshot for the next input. */
    file_put(base, base_len);
    if (load("the first snapshot", err) < 0) {
        fail("the first snapshot no longer loads: %s\n", err);
    }
    return 0;
}
