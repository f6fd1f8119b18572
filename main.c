/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-cli: the command line (DESIGN.md §2) -> MachineConfig -> the board,
 * then the execution loop.  Long options are the interface; QEMU's
 * single-dash spellings are accepted as aliases.  Every bad option ends
 * the process with one line on stderr and exit status 2, before any
 * machine exists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config-host.h"
#include "gdbstub/gdbstub.h"
#include "block/block.h"
#include "hw/core/machine.h"
#include "hw/riscv/virt.h"
#include "install/install.h"
#include "migration/savevm.h"
#include "monitor/monitor.h"
#include "net/net.h"
#include "tcg/jit.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"
#include "ui/sdl.h"
#include "util/error.h"
#include "util/trace.h"

enum {
    OPT_ARCH = 256, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_MEMORY, OPT_SMP, OPT_BIOS,
    OPT_DRIVE, OPT_CDROM, OPT_NETDEV, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_SERIAL, OPT_MONITOR,
    OPT_LOADVM, OPT_SNAPSHOT, OPT_ACCEL, OPT_GDB, OPT_GDB_S, OPT_STOPPED, OPT_HELP,
    OPT_VERSION, OPT_TRACE, OPT_TRACE_FILE, OPT_DUMP_DTB, OPT_JIT_STATS,
    OPT_BOOT, OPT_STATE_FILE, OPT_DEVICE,
};

static const struct option options[] = {
    { "arch", required_argument, NULL, OPT_ARCH },
    { "kernel", required_argument, NULL, OPT_KERNEL },
    { "initrd", required_argument, NULL, OPT_INITRD },
    { "append", required_argument, NULL, OPT_APPEND },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "m", required_argument, NULL, OPT_MEMORY },
    { "smp", required_argument, NULL, OPT_SMP },
    { "bios", required_argument, NULL, OPT_BIOS },
    { "drive", required_argument, NULL, OPT_DRIVE },
    { "cdrom", required_argument, NULL, OPT_CDROM },
    { "boot", required_argument, NULL, OPT_BOOT },
    { "device", required_argument, NULL, OPT_DEVICE },
    { "netdev", required_argument, NULL, OPT_NETDEV },
    { "display", required_argument, NULL, OPT_DISPLAY },
    { "nographic", no_argument, NULL, OPT_NOGRAPHIC },
    { "serial", required_argument, NULL, OPT_SERIAL },
    { "monitor", required_argument, NULL, OPT_MONITOR },
    { "loadvm", required_argument, NULL, OPT_LOADVM },
    { "state-file", required_argument, NULL, OPT_STATE_FILE },
    { "snapshot", no_argument, NULL, OPT_SNAPSHOT },
    { "accel", required_argument, NULL, OPT_ACCEL },
    { "jit-stats", no_argument, NULL, OPT_JIT_STATS },
    { "gdb", required_argument, NULL, OPT_GDB },
    { "s", no_argument, NULL, OPT_GDB_S },
    { "S", no_argument, NULL, OPT_STOPPED },
    { "trace", required_argument, NULL, OPT_TRACE },
    { "d", required_argument, NULL, OPT_TRACE },
    { "trace-file", required_argument, NULL, OPT_TRACE_FILE },
    { "D", required_argument, NULL, OPT_TRACE_FILE },
    { "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
    { "help", no_argument, NULL, OPT_HELP },
    { "h", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: vm-cli --arch riscv64 [--kernel FILE] [options]\n"
        "       vm-cli install-debian [options]   an installed Debian on a new qcow2 disk\n"
        "                                         (vm-cli install-debian --help)\n"
        "  --arch riscv64            guest architecture\n"
        "  --kernel FILE             kernel or bare-metal ELF (-kernel); without it\n"
        "                            OpenSBI starts U-Boot, which boots from the disks\n"
        "  --bios none|default|FILE  M-mode firmware (-bios); default: OpenSBI fw_dynamic;\n"
        "                            'none' runs --kernel in M-mode\n"
        "  --initrd FILE             initial ramdisk (-initrd)\n"
        "  --append ARGS             kernel command line (-append)\n"
        "  --dump-dtb FILE           write the device tree and exit\n"
        "  --drive file=PATH[,format=qcow2|raw][,if=virtio][,readonly=on][,file.locking=off]\n"
        "                            a virtio disk (locked against other writers, as QEMU)\n"
        "  --cdrom ISO               a read-only virtio disk (-cdrom) holding an ISO 9660\n"
        "                            or disk image; firmware boot can start it\n"
        "  --boot menu=on|off[,splash-time=MS]  how long U-Boot waits for a key (-boot);\n"
        "                            a QEMU boot order (-boot d) is accepted and ignored\n"
        "  --snapshot                drive writes go to a temporary overlay\n"
        "  --netdev user[,id=ID][,net=10.0.2.0/24][,hostfwd=tcp:127.0.0.1:2222-:22]\n"
        "           [,restrict=on][,mac=52:54:00:12:34:56]  a virtio-net NIC on user-mode\n"
        "                            networking (libslirp); hostfwd= may repeat\n"
        "  --memory SIZE             guest RAM, K/M/G suffixes, default 512M (-m)\n"
        "  --smp N                   harts (-smp)\n"
        "  --accel tier=auto|interp|jit  execution tier\n"
        "  --accel thread=multi|single   a host thread per hart (default with --smp > 1)\n"
        "                            or all harts on one\n"
        "  --jit-stats               print JIT and TB cache counters at exit\n"
        "  --display sdl|none        the SDL window (default when $DISPLAY or\n"
        "                            $WAYLAND_DISPLAY is set) or none\n"
        "  --device virtio-gpu|virtio-keyboard|virtio-tablet|ramfb  a display device\n"
        "                            (-device; --display sdl adds all four)\n"
        "  --nographic               no display; serial on stdio\n"
        "  --serial stdio|pty|file:PATH  where the UART goes (-serial, also mon:stdio)\n"
        "  --gdb tcp::PORT|tcp:ADDR:PORT  gdb remote stub (-gdb); -s: --gdb tcp::1234;\n"
        "                            -S: start stopped (cont in the monitor or gdb resumes)\n"
        "  --monitor stdio|unix:PATH,server[,nowait]  the human monitor (-monitor); stdio\n"
        "                            shares the terminal with the serial: C-a c switches;\n"
        "                            the default when the serial is on stdio\n"
        "  --loadvm NAME             start from snapshot NAME (savevm in the monitor)\n"
        "  --state-file PATH         savevm/loadvm use this file instead of a qcow2 drive\n"
        "  --trace insn,tb,int,mmu   trace to stderr (-d); --trace-file FILE (-D)\n"
        "  --help, --version\n");
}

static uint64_t host_ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

    return pages > 0 && page > 0 ? (uint64_t)pages * page : 0;
}

static void parse_memory(MachineConfig *cfg, const char *arg)
{
    uint64_t host = host_ram_bytes();

    if (parse_size(arg, 20, &cfg->ram_size) < 0) {
        error_exit("--memory: '%s' is not a size (examples: 512M, 1G)", arg);
    }
    if (cfg->ram_size < (16ull << 20)) {
        error_exit("--memory: '%s' is below the minimum of 16 MiB", arg);
    }
    if (cfg->ram_size & (PAGE_SIZE - 1)) {
        error_exit("--memory: '%s' is not a multiple of 4 KiB", arg);
    }
    if (host && cfg->ram_size > host) {
        error_exit("--memory: '%s' exceeds the host's %" PRIu64 " GiB", arg, host >> 30);
    }
}

/* --drive file=PATH[,format=qcow2|raw][,if=virtio][,readonly=on|off][,file.locking=on|off] */
static void parse_drive(MachineConfig *cfg, char *arg)
{
    DriveConfig *d;
    char *save, *opt;

    if (cfg->nr_drives == MACHINE_MAX_DRIVES) {
        error_exit("--drive: at most %d drives", MACHINE_MAX_DRIVES);
    }
    d = &cfg->drives[cfg->nr_drives];
    for (opt = strtok_r(arg, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        char *val = strchr(opt, '=');
        if (!val) {
            error_exit("--drive: '%s' is not key=value", opt);
        }
        *val++ = '\0';
        if (!strcmp(opt, "file") && *val) {
            d->file = val;
        } else if (!strcmp(opt, "format")) {
            if (strcmp(val, "qcow2") && strcmp(val, "raw")) {
                error_exit("--drive: format '%s' is not qcow2 or raw", val);
            }
            d->format = val;
        } else if (!strcmp(opt, "if")) {
            if (strcmp(val, "virtio")) {
                error_exit("--drive: if=%s: only if=virtio is supported", val);
            }
        } else if (!strcmp(opt, "readonly")) {
            if (strcmp(val, "on") && strcmp(val, "off")) {
                error_exit("--drive: readonly=%s is not on or off", val);
            }
            d->readonly = !strcmp(val, "on");
        } else if (!strcmp(opt, "file.locking") || !strcmp(opt, "locking")) {
            /* QEMU's spelling; "auto" locks when the file system has OFD locks, as "on" here. */
            if (strcmp(val, "on") && strcmp(val, "off") && strcmp(val, "auto")) {
                error_exit("--drive: %s=%s is not on, off or auto", opt, val);
            }
            d->no_lock = !strcmp(val, "off");
        } else {
            error_exit("--drive: unknown parameter '%s' (file, format, if, readonly, "
                       "file.locking)", opt);
        }
    }
    if (!d->file) {
        error_exit("--drive: file=PATH is required");
    }
    if (access(d->file, d->readonly ? R_OK : R_OK | W_OK) < 0) {
        error_exit("--drive: %s: %s", d->file, strerror(errno));
    }
    cfg->nr_drives++;
}

/* --cdrom FILE: a read-only drive, refused unless it holds a disc or disk image. */
static void parse_cdrom(MachineConfig *cfg, const char *arg)
{
    char err[256];
    const char *format;

    if (cfg->nr_drives == MACHINE_MAX_DRIVES) {
        error_exit("--cdrom: at most %d drives and discs", MACHINE_MAX_DRIVES);
    }
    if (bdrv_probe_media(arg, &format, err, sizeof(err)) < 0) {
        error_exit("--cdrom: %s: %s", arg, err);
    }
    cfg->drives[cfg->nr_drives++] = (DriveConfig){
        .file = arg, .format = format, .readonly = true, .cdrom = true,
    };
}

/*
 * --boot menu=on|off[,splash-time=MS]: U-Boot's autoboot delay (QEMU's
 * spelling).  QEMU's boot order (order=, once=, or bare drive letters as
 * in "-boot d") has no meaning here: U-Boot tries the disks in turn.
 */
static void parse_boot(MachineConfig *cfg, char *arg)
{
    char *save, *opt, *end;
    int menu = -1;
    unsigned long splash_ms = 5000;

    for (opt = strtok_r(arg, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        if (!strcmp(opt, "menu=on") || !strcmp(opt, "menu=off")) {
            menu = !strcmp(opt, "menu=on");
        } else if (!strncmp(opt, "order=", 6) || !strncmp(opt, "once=", 5) ||
                   (*opt && strspn(opt, "acdnp") == strlen(opt))) {
            warn_report("--boot: '%s' ignored: U-Boot tries the virtio disks in order", opt);
            menu = menu < 0 ? -2 : menu;
        } else if (!strncmp(opt, "splash-time=", 12)) {
            errno = 0;
            splash_ms = strtoul(opt + 12, &end, 10);
            if (errno || end == opt + 12 || *end || splash_ms > 600000) {
                error_exit("--boot: splash-time '%s' is not milliseconds from 0 to 600000",
                           opt + 12);
            }
        } else {
            error_exit("--boot: unknown parameter '%s' (menu=on|off, splash-time=MS)", opt);
        }
    }
    if (menu == -1) {
        error_exit("--boot: menu=on or menu=off is required");
    }
    if (menu >= 0) {
        cfg->boot_delay = menu ? (int)((splash_ms + 999) / 1000) : 0;
    }
}

/* --netdev user[,id=ID][,net=ADDR/PREFIX][,hostfwd=...][,restrict=on][,mac=MAC] */
static void parse_netdev(MachineConfig *cfg, char *arg)
{
    char err[256];

    if (cfg->nr_netdevs == MACHINE_MAX_NETDEVS) {
        error_exit("--netdev: at most %d network devices", MACHINE_MAX_NETDEVS);
    }
    if (net_parse_netdev(arg, &cfg->netdevs[cfg->nr_netdevs], err, sizeof(err)) < 0) {
        error_exit("--netdev: %s", err);
    }
    cfg->nr_netdevs++;
}

/* --device NAME: a display device by QEMU's name ("-device" suffix as virtio-mmio has it). */
static void parse_device(MachineConfig *cfg, const char *arg)
{
    static const struct { const char *name; unsigned bit; } devs[] = {
        { "ramfb", DISPLAY_DEV_RAMFB }, { "virtio-gpu", DISPLAY_DEV_GPU },
        { "virtio-keyboard", DISPLAY_DEV_KEYBOARD }, { "virtio-tablet", DISPLAY_DEV_TABLET },
    };
    size_t len = strlen(arg);

    if (len > 7 && !strcmp(arg + len - 7, "-device")) {
        len -= 7;
    }
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
        if (strlen(devs[i].name) == len && !strncmp(arg, devs[i].name, len)) {
            cfg->display_devices |= devs[i].bit;
            return;
        }
    }
    error_exit("--device: '%s' is not one of virtio-gpu, virtio-keyboard, virtio-tablet, "
               "ramfb", arg);
}

/*
 * --accel ITEM[,ITEM...]: tier=auto|interp|jit, thread=multi|single and
 * QEMU's accelerator name tcg.  *thread_set records an explicit thread=.
 */
static void parse_accel(MachineConfig *cfg, const char *arg, bool *thread_set)
{
    char buf[128], *save = NULL;

    if (strlen(arg) >= sizeof(buf)) {
        error_exit("--accel: '%s' is too long", arg);
    }
    snprintf(buf, sizeof(buf), "%s", arg);
    for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        if (!strcmp(it, "tier=auto") || !strcmp(it, "tcg")) {
            cfg->tier = TIER_AUTO;
        } else if (!strcmp(it, "tier=interp")) {
            cfg->tier = TIER_INTERP;
        } else if (!strcmp(it, "tier=jit")) {
            cfg->tier = TIER_JIT;
        } else if (!strcmp(it, "thread=multi") || !strcmp(it, "thread=single")) {
            cfg->thread_multi = !strcmp(it, "thread=multi");
            *thread_set = true;
        } else {
            error_exit("--accel: '%s' is not one of tier=auto, tier=interp, tier=jit, "
                       "thread=multi, thread=single", it);
        }
    }
}

static void parse_args(int argc, char **argv, MachineConfig *cfg)
{
    int opt;
    char *end;
    const char *bad;
    bool thread_set = false;

    opterr = 0;
    while ((opt = getopt_long_only(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case OPT_ARCH:
            if (strcmp(optarg, "riscv64")) {
                error_exit("--arch: '%s' is not supported (supported: riscv64)", optarg);
            }
            cfg->arch = optarg;
            break;
        case OPT_KERNEL: cfg->kernel = optarg; break;
        case OPT_INITRD:
            if (access(optarg, R_OK) < 0) {
                error_exit("--initrd: %s: %s", optarg, strerror(errno));
            }
            cfg->initrd = optarg;
            break;
        case OPT_APPEND: cfg->append = optarg; break;
        case OPT_DUMP_DTB: cfg->dump_dtb = optarg; break;
        case OPT_MEMORY: parse_memory(cfg, optarg); break;
        case OPT_SMP:
            errno = 0;
            cfg->smp = strtoul(optarg, &end, 10);
            if (errno || *end || cfg->smp < 1 || cfg->smp > MACHINE_MAX_CPUS) {
                error_exit("--smp: '%s' is not a hart count from 1 to %d", optarg,
                           MACHINE_MAX_CPUS);
            }
            break;
        case OPT_BIOS: cfg->bios = optarg; break;
        case OPT_DRIVE: parse_drive(cfg, optarg); break;
        case OPT_CDROM: parse_cdrom(cfg, optarg); break;
        case OPT_BOOT: parse_boot(cfg, optarg); break;
        case OPT_DEVICE: parse_device(cfg, optarg); break;
        case OPT_NETDEV: parse_netdev(cfg, optarg); break;
        case OPT_DISPLAY:
            if (strcmp(optarg, "none") && strcmp(optarg, "sdl")) {
                error_exit("--display: '%s' is not one of sdl, none", optarg);
            }
            cfg->display = optarg;
            break;
        case OPT_NOGRAPHIC: cfg->display = "none"; break;
        case OPT_SERIAL:
            /* QEMU's "mon:stdio": the serial and the monitor muxed on stdio. */
            cfg->serial = strcmp(optarg, "mon:stdio") ? optarg : "stdio";
            break;
        case OPT_MONITOR: {
            MonitorSpec spec;
            char err[200];
            if (mon_parse_spec(optarg, &spec, err, sizeof(err)) < 0) {
                error_exit("--monitor: %s", err);
            }
            cfg->monitor = optarg;
            break;
        }
        case OPT_LOADVM: cfg->loadvm = optarg; break;
        case OPT_STATE_FILE: cfg->state_file = optarg; break;
        case OPT_SNAPSHOT: cfg->snapshot = true; break;
        case OPT_ACCEL: parse_accel(cfg, optarg, &thread_set); break;
        case OPT_JIT_STATS: cfg->jit_stats = true; break;
        case OPT_GDB:
        case OPT_GDB_S: {
            char host[64], err[160];
            int port;
            const char *spec = opt == OPT_GDB ? optarg : "tcp::1234";
            if (gdb_parse_spec(spec, host, sizeof(host), &port, err, sizeof(err)) < 0) {
                error_exit("%s: %s", opt == OPT_GDB ? "--gdb" : "-s", err);
            }
            cfg->gdb = spec;
            break;
        }
        case OPT_STOPPED: cfg->start_stopped = true; break;
        case OPT_TRACE:
            if (trace_parse(optarg, &bad) < 0) {
                error_exit("--trace: unknown trace '%s' (known: insn, tb, int, mmu)", bad);
            }
            break;
        case OPT_TRACE_FILE:
            trace_file = fopen(optarg, "w");
            if (!trace_file) {
                error_exit("--trace-file: %s: %s", optarg, strerror(errno));
            }
            break;
        case OPT_HELP:
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("vm-cli %s\n", VM_VERSION);
            exit(0);
        case ':':
            error_exit("%s: missing value", argv[optind - 1]);
        default:
            error_exit("%s: unknown option (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        error_exit("'%s': unexpected argument (see --help)", argv[optind]);
    }
    if (!thread_set) {
        cfg->thread_multi = cfg->smp > 1;   /* QEMU's MTTCG default */
    }
    if (!cfg->arch) {
        error_exit("--arch: required (supported: riscv64)");
    }
    if (!cfg->kernel && !strcmp(cfg->bios, "none")) {
        error_exit("--kernel: required with --bios none");
    }
    if (cfg->kernel && access(cfg->kernel, R_OK) < 0) {
        error_exit("--kernel: %s: %s", cfg->kernel, strerror(errno));
    }
    /*
     * As QEMU does with -nographic, the monitor shares stdio with the
     * serial console (Ctrl-A c) unless --monitor puts it elsewhere.
     */
    if (!cfg->monitor && (!cfg->serial || !strcmp(cfg->serial, "stdio"))) {
        cfg->monitor = "stdio";
    }
    if (cfg->start_stopped && !cfg->gdb && !cfg->monitor) {
        error_exit("-S: needs --gdb (or -s) or --monitor to resume the machine");
    }
}

/*
 * --display: sdl needs a window system; without --display, sdl when one
 * is reachable, else none (the note is printed once the machine is built,
 * so a bad option still gets exactly one line).  Returns the note or NULL.
 */
static const char *resolve_display(MachineConfig *cfg, char *note, size_t len)
{
    char err[200];

    if (cfg->display && !strcmp(cfg->display, "none")) {
        return NULL;
    }
    if (sdl_display_probe(err, sizeof(err)) == 0) {
        cfg->display = "sdl";
        cfg->display_devices = DISPLAY_DEV_ALL;
        return NULL;
    }
    if (cfg->display) {
        error_exit("--display sdl: %s", err);
    }
    cfg->display = "none";
    snprintf(note, len, "vm-cli: note: no display (%s): running with --display none", err);
    return note;
}

int main(int argc, char **argv)
{
    static Machine machine;
    MachineConfig cfg = {
        .bios = "default",
        .ram_size = 512ull << 20,
        .smp = 1,
        .tier = TIER_AUTO,
        .boot_delay = -1,
    };
    Machine *m = &machine;
    char note_buf[300];
    const char *note;

    error_set_progname("vm-cli");
    if (argc > 1 && !strcmp(argv[1], "install-debian")) {
        return install_debian_main(argc - 1, argv + 1);
    }
    parse_args(argc, argv, &cfg);
    note = resolve_display(&cfg, note_buf, sizeof(note_buf));

    m->cfg = &cfg;
    m->as.invalidate_code = tb_invalidate_phys_page;
    m->as.reset_dirty = tlb_reset_dirty;
    m->timers.start_ns = clock_host_ns();
    tb_init();
    virt_machine_init(m);
    if (cfg.gdb) {
        char err[256];
        if (gdb_start(m, cfg.gdb, cfg.start_stopped, err, sizeof(err)) < 0) {
            error_exit("--gdb: %s", err);
        }
    }
    if (cfg.monitor) {
        MonitorSpec spec;
        char err[256];
        mon_parse_spec(cfg.monitor, &spec, err, sizeof(err));
        if (mon_start(m, &spec, err, sizeof(err)) < 0) {
            error_exit("--monitor: %s", err);
        }
    }
    if (cfg.start_stopped && !cfg.gdb) {
        m->run_state = RUN_STATE_STOPPED;
        m->stopped_host_ns = clock_host_ns();
    }

    if (cfg.loadvm) {
        char err[512];
        if (savevm_load(m, cfg.loadvm, err, sizeof(err)) < 0) {
            error_exit("--loadvm: %s", err);
        }
    }

    if (!strcmp(cfg.display, "sdl")) {
        sdl_display_init(m);
    } else if (note) {
        fprintf(stderr, "%s\n", note);
    }
    cpu_loop_run(m);
    fflush(stdout);
    if (cfg.jit_stats) {
        jit_print_stats(m->cpus[0], stderr);
    }
    if (trace_file) {
        fclose(trace_file);
    }
    return m->exit_status;
}
