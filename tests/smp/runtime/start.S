/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * start.S - start-up code and M-mode trap vector for the SMP tests.
 *
 * Every hart enters _start in M-mode with a0 = hartid, a1 = device tree.
 * Hart h takes the stack __stacks + (h + 1) * 16 KiB.  Hart 0 zeroes .bss
 * and runs rt_init(fdt) (counts the harts), then sets rt_ready; the other
 * harts spin on rt_ready (in .data, so the zeroing cannot touch it) before
 * they use anything in .bss.  Then every hart calls main(hartid); when
 * hart 0 returns, its return value goes to the finisher as the exit
 * status, other harts park when they return.  Harts with hartid >=
 * MAX_HARTS park at once.
 */
#define MAX_HARTS   8
#define STACK_SHIFT 14

    .section .text.init
    .globl _start
_start:
    csrw mie, zero
    li t0, 1 << 13                  /* mstatus.FS = Initial: gcc may use FP regs */
    csrs mstatus, t0
    la t0, trap_vector
    csrw mtvec, t0
    li t0, MAX_HARTS
    bgeu a0, t0, .Lpark
    la sp, __stacks
    addi t0, a0, 1
    slli t0, t0, STACK_SHIFT
    add sp, sp, t0
    mv s0, a0
    bnez a0, .Lwait
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  mv a0, a1
    call rt_init
    fence rw, w
    la t0, rt_ready
    li t1, 1
    sw t1, 0(t0)
    j .Lmain
.Lwait:
    la t0, rt_ready
1:  lw t1, 0(t0)
    beqz t1, 1b
    fence r, rw
.Lmain:
    mv a0, s0
    call main
    bnez s0, .Lpark                 /* only hart 0's return value is the exit status */
    call test_exit
.Lpark:
    csrci mstatus, 8
    csrw mie, zero
1:  wfi
    j 1b

/* Save the caller-saved registers on the hart's stack, call trap_handler. */
    .align 4
    .globl trap_vector
trap_vector:
    addi sp, sp, -160
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd t3, 32(sp)
    sd t4, 40(sp)
    sd t5, 48(sp)
    sd t6, 56(sp)
    sd a0, 64(sp)
    sd a1, 72(sp)
    sd a2, 80(sp)
    sd a3, 88(sp)
    sd a4, 96(sp)
    sd a5, 104(sp)
    sd a6, 112(sp)
    sd a7, 120(sp)
    csrr t0, mcause
    sd t0, 128(sp)
    csrr t0, mepc
    sd t0, 136(sp)
    mv a0, sp
    call trap_handler
    ld t0, 136(sp)
    csrw mepc, t0
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld t3, 32(sp)
    ld t4, 40(sp)
    ld t5, 48(sp)
    ld t6, 56(sp)
    ld a0, 64(sp)
    ld a1, 72(sp)
    ld a2, 80(sp)
    ld a3, 88(sp)
    ld a4, 96(sp)
    ld a5, 104(sp)
    ld a6, 112(sp)
    ld a7, 120(sp)
    addi sp, sp, 160
    mret

    .section .data
    .align 3
    .globl rt_ready
rt_ready:
    .word 0
