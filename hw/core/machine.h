/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A machine: its configuration (from the command line), its guest
 * physical address space, its timers and its harts.  Boards fill it in;
 * main.c runs it.
 */
#ifndef VM_HW_CORE_MACHINE_H
#define VM_HW_CORE_MACHINE_H

#include "util/osdep.h"
#include "hw/core/memory.h"
#include "hw/core/clock.h"

#define MACHINE_MAX_CPUS 8

/* Which execution tier runs guest code (--accel tier=...). */
typedef enum { TIER_AUTO, TIER_INTERP, TIER_JIT } ExecTier;

#define MACHINE_MAX_DRIVES 8

/* One --drive: an image attached as a virtio-blk disk. */
typedef struct DriveConfig {
    const char *file;       /* image path */
    const char *format;     /* "qcow2", "raw" or NULL to probe */
    bool readonly;
    bool cdrom;             /* from --cdrom: read-only, checked to be a disc or disk image */
    bool no_lock;           /* file.locking=off: take no image lock (block.h BDRV_O_NO_LOCK) */
} DriveConfig;

#define MACHINE_MAX_NETDEVS 8
#define NETDEV_MAX_HOSTFWD 8

/*
 * One --netdev: a backend (today "user", libslirp) and the virtio-net
 * device in front of it.  Checked for syntax by net_parse_netdev()
 * (net/net.h); strings point into argv.
 */
typedef struct NetdevConfig {
    const char *type;       /* "user" */
    const char *id;         /* id=, or NULL: "net<n>" */
    const char *net;        /* net=ADDR/PREFIX, or NULL: 10.0.2.0/24 */
    const char *hostfwd[NETDEV_MAX_HOSTFWD]; /* "tcp:HADDR:HPORT-GADDR:GPORT" */
    unsigned nr_hostfwd;
    bool restricted;        /* restrict=on: the guest reaches nothing outside */
    bool has_mac;
    uint8_t mac[6];         /* mac=, else 52:54:00:12:34:56 + index */
} NetdevConfig;

/* Display devices (--device, QEMU's names), bits of MachineConfig.display_devices. */
enum {
    DISPLAY_DEV_RAMFB = 1 << 0,     /* "ramfb": the firmware framebuffer */
    DISPLAY_DEV_GPU = 1 << 1,       /* "virtio-gpu" */
    DISPLAY_DEV_KEYBOARD = 1 << 2,  /* "virtio-keyboard" */
    DISPLAY_DEV_TABLET = 1 << 3,    /* "virtio-tablet" */
    DISPLAY_DEV_ALL = (1 << 4) - 1,
};

/* Everything the command line says about the machine; strings are borrowed from argv. */
typedef struct MachineConfig {
    const char *arch;       /* "riscv64" */
    const char *kernel;     /* path or NULL */
    const char *initrd;
    const char *append;
    const char *bios;       /* "default", "none" or a path */
    const char *serial;     /* --serial: "stdio", "pty", "file:PATH" */
    const char *dump_dtb;   /* --dump-dtb: write the device tree here and exit */
    uint64_t ram_size;      /* bytes */
    DriveConfig drives[MACHINE_MAX_DRIVES];
    unsigned nr_drives;
    NetdevConfig netdevs[MACHINE_MAX_NETDEVS];
    unsigned nr_netdevs;
    bool snapshot;          /* --snapshot: drive writes go to a temporary overlay */
    unsigned smp;           /* harts */
    ExecTier tier;
    bool thread_multi;      /* --accel thread=multi: a host thread per hart */
    bool jit_stats;         /* --jit-stats: print engine counters at exit */
    const char *gdb;        /* --gdb tcp::PORT / tcp:ADDR:PORT (-s: tcp::1234), or NULL */
    bool start_stopped;     /* -S: no guest code runs until a debugger or `cont` resumes */
    const char *monitor;    /* --monitor stdio | unix:PATH,server[,nowait], or NULL */
    const char *display;    /* --display sdl|none, or NULL: sdl when a display is available */
    unsigned display_devices; /* DISPLAY_DEV_* from --device; all of them with --display sdl */
    /* --boot menu=on|off[,splash-time=MS]: seconds the firmware (U-Boot) waits for a
     * key before booting; -1: the firmware's own default. */
    int boot_delay;
    const char *loadvm;     /* --loadvm NAME: restore this snapshot before running */
    const char *state_file; /* --state-file PATH: savevm/loadvm use this file, not a qcow2 drive */
} MachineConfig;

/* Whether the harts run (RUN_STATE_STOPPED: the loop only polls fds; gdb stop). */
typedef enum { RUN_STATE_RUNNING, RUN_STATE_STOPPED } RunState;

typedef struct Machine {
    const MachineConfig *cfg;
    AddressSpace as;
    TimerList timers;
    gpa_t ram_base;                        /* guest-physical, bytes */
    uint64_t ram_size;                     /* bytes */
    struct CPUState *cpus[MACHINE_MAX_CPUS];
    unsigned nr_cpus;
    /* Device tree under construction (libfdt read-write blob), see hw/core/fdt.h. */
    void *fdt;
    uint32_t fdt_next_phandle;
    uint32_t cpu_intc_phandle[MACHINE_MAX_CPUS]; /* each hart's interrupt-controller node */
    uint32_t irqchip_phandle;                    /* the PLIC, once created */
    /* Host file descriptors the execution loop polls (console input), see fdwatch.h. */
    struct FDWatch *fd_watches;
    /* Subsystems that join the fd poll with fds of their own (libslirp), see fdwatch.h. */
    struct FDPollHook *poll_hooks;
    /* The network backends (net/net.h), for the monitor's `info network`. */
    struct NetDev *netdevs;
    /*
     * The requests below (shutdown, reset, stop) are written with the big
     * lock held; harts' threads read them without it (tcg/cpus.c), so a
     * write or a lock-free read is a relaxed atomic access.
     */
    /* Set by a device (finisher) or the user: stop and exit with exit_status. */
    volatile int shutdown_request;
    int exit_status;
    /* Set by a device (finisher reset): the run loop calls reset() between TBs. */
    volatile int reset_request;
    void (*reset)(struct Machine *m);  /* board: reload images, reset the harts */
    void *board;                       /* the board's own state (owned by the board) */
    /* Harts on threads of their own (tcg/cpus.h), or NULL: all on the calling thread. */
    struct CPUThreads *threads;
    unsigned poll_countdown;           /* TBs until the next timer poll (run loop) */
    unsigned fd_poll_countdown;        /* timer polls until the next fd poll */
    /* Debugging (gdbstub/gdbstub.h). */
    RunState run_state;
    volatile int stop_request;         /* stop every hart at the next TB boundary */
    int64_t stopped_host_ns;           /* host clock when the harts last stopped (ns) */
    struct GDBState *gdb;              /* the gdb stub, or NULL */
    int debug_step;                    /* 1 + hart to single-step when resuming, or 0 */
    bool debug_single_step;            /* tb_find: one-instruction TBs, no breakpoints */
    bool debug_watch;                  /* watchpoints set: their pages take the slow path */
    struct DisplayState *display;      /* scanouts and input devices (ui/display.h), or NULL */
    /* Described state of every device and hart, in registration order (migration/vmstate.h). */
    struct VMStateEntry *vmstate;
    /* The open image of each --drive, in order (owned by its virtio-blk device). */
    struct BlockDriverState *drives[MACHINE_MAX_DRIVES];
    unsigned nr_drives;
} Machine;

/* The machine that owns address space `as`. */
static inline Machine *machine_from_as(AddressSpace *as)
{
    return (Machine *)((char *)as - offsetof(Machine, as));
}

/*
 * Ask the machine to stop running guest code and exit with `status`.
 * Safe from device callbacks on the vCPU thread.
 */
void machine_request_shutdown(Machine *m, int status);

/* Ask for a guest reset (reboot): the run loop resets the board between TBs. */
void machine_request_reset(Machine *m);

#endif /* VM_HW_CORE_MACHINE_H */
