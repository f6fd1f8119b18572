/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Create functions of the device models (hw/char, hw/intc, hw/misc, hw/rtc,
 * hw/virtio).
 * Each maps its MMIO region into the machine's address space, wires its
 * IRQ outputs and owns its state (freed with the process).  Returns the
 * device, or NULL when the region overlaps another one.
 */
#ifndef VM_HW_CORE_DEVICES_H
#define VM_HW_CORE_DEVICES_H

#include <stdio.h>
#include "hw/core/machine.h"
#include "hw/core/irq.h"

typedef struct SifiveTest SifiveTest;
typedef struct NS16550A NS16550A;
typedef struct Aclint Aclint;
typedef struct Plic Plic;
typedef struct GoldfishRTC GoldfishRTC;
typedef struct Console Console; /* ui/console.h */
typedef struct VirtIOMMIO VirtIOMMIO;
typedef struct VirtIODevice VirtIODevice;         /* hw/virtio/virtio.h */
typedef struct BlockDriverState BlockDriverState; /* block/block.h */
typedef struct FwFramebuffer FwFramebuffer;

/* sifive_test finisher: 0x5555 powers off (status 0), (code << 16) | 0x3333 fails. */
SifiveTest *sifive_test_create(Machine *m, gpa_t base);

/*
 * ns16550a UART (PC16550D), 1-byte registers in a 0x100-byte region, 16-byte
 * rx FIFO.  Transmitted bytes go to console_write(con); received bytes come
 * from `con` with flow control (a full FIFO leaves them in the console).
 * `irq` is its interrupt output, `irq_num` the PLIC source number for its
 * device-tree node "serial@<base>" (interrupt-parent = m->irqchip_phandle).
 * con may be NULL: output is dropped, nothing is received.
 */
NS16550A *ns16550a_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num, Console *con);

/*
 * RISC-V PLIC (spec 1.0.0) in QEMU virt's configuration: 0x600000-byte
 * region, sources 1..95, priorities 0..7, contexts 2*i (hart i M-mode,
 * output meip[i]) and 2*i+1 (hart i S-mode, output seip[i]).  Adds
 * "interrupt-controller@<base>" to m->fdt (when there is one) and sets
 * m->irqchip_phandle.
 */
Plic *plic_create(Machine *m, gpa_t base, unsigned nr_harts, const IRQLine *meip,
                  const IRQLine *seip);
/* The level-triggered input line of `source` (1..95); source 0 gives an unconnected line. */
IRQLine plic_input(Plic *p, int source);

/*
 * ACLINT/CLINT (SiFive CLINT layout): msip at +0, mtimecmp at +0x4000,
 * mtime at +0xbff8; mtime counts at `timebase_hz` from machine start.
 * mtip[i]/msip[i] are hart i's timer and software interrupt lines.
 */
Aclint *aclint_create(Machine *m, gpa_t base, unsigned nr_harts, uint64_t timebase_hz,
                      const IRQLine *mtip, const IRQLine *msip);
/* Current mtime in ticks (for the time CSR). */
uint64_t aclint_mtime(void *aclint);

/*
 * Android goldfish RTC (Linux rtc-goldfish register layout), 0x1000-byte
 * region of 32-bit registers.  Counts ns since the Unix epoch from the
 * host's realtime at creation (machine start); its alarm raises `irq`
 * (level, until CLEAR_INTERRUPT) while IRQ_ENABLED is set.  Adds
 * "rtc@<base>" to m->fdt, with interrupts = <irq_num> and interrupt-parent
 * = m->irqchip_phandle when that is set.
 */
GoldfishRTC *goldfish_rtc_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num);

/*
 * virtio-mmio transport v2 (virtio 1.2 §4.2) in a 0x1000-byte region at
 * `base`, carrying `vdev` (NULL: an empty slot that reads DeviceID 0).
 * `irq` is high while the device's InterruptStatus is non-zero.  Adds
 * "virtio_mmio@<base>" (compatible "virtio,mmio", interrupts = <irq_num>,
 * interrupt-parent = m->irqchip_phandle when set) to m->fdt.  Takes no
 * ownership of vdev beyond wiring its interrupt to this transport.
 */
VirtIOMMIO *virtio_mmio_create(Machine *m, gpa_t base, IRQLine irq, unsigned irq_num,
                               VirtIODevice *vdev);
/* Machine reset: reset the device behind the transport (§2.4) and the selectors. */
void virtio_mmio_reset(VirtIOMMIO *s);

/*
 * virtio-blk (virtio 1.2 §5.2) on an open image: one request queue of 256
 * entries; IN/OUT/FLUSH/GET_ID/DISCARD/WRITE_ZEROES done synchronously
 * when the driver notifies.  Capacity is bs->size in 512-byte sectors
 * (rounded down).  read_only (or bs->read_only) offers VIRTIO_BLK_F_RO and
 * fails writes with IOERR.  bs stays the caller's.  NULL when out of memory.
 */
VirtIODevice *virtio_blk_new(Machine *m, BlockDriverState *bs, bool read_only);
/* Set the GET_ID serial (at most 20 bytes used; default "vm-disk-0"). */
void virtio_blk_set_serial(VirtIODevice *vdev, const char *serial);

/*
 * The firmware framebuffer (hw/display/framebuffer.c): width x height
 * pixels of 4 bytes ("a8r8g8b8"), in memory of its own at `base` (size
 * rounded up to pages), described by a "simple-framebuffer" node in
 * m->fdt, and a scanout source of the display (ui/display.h).  NULL when
 * the region overlaps another one, the picture is larger than 1024x768
 * (the snapshot's copy), or out of memory.
 */
FwFramebuffer *fwfb_create(Machine *m, gpa_t base, uint32_t width, uint32_t height);

/*
 * virtio-gpu 2D (virtio 1.2 §5.7, hw/display/virtio-gpu.c): one scanout,
 * a display source; resources live in host memory (at most 256 MiB in
 * all).  NULL when out of memory.
 */
VirtIODevice *virtio_gpu_new(Machine *m);

/*
 * virtio-input (virtio 1.2 §5.8, hw/input/virtio-input.c): a keyboard
 * (every Linux key code below 256) or an absolute-pointer tablet
 * (ABS_X/ABS_Y 0..32767, left/right/middle buttons), registered as an
 * input handler of the display.  NULL when out of memory.
 */
VirtIODevice *virtio_keyboard_new(Machine *m);
VirtIODevice *virtio_tablet_new(Machine *m);

#endif /* VM_HW_CORE_DEVICES_H */
