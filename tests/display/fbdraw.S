/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bare-metal program of tests/display/run.sh: fill the firmware
 * framebuffer (1024x768, a8r8g8b8 at 0x40000000) with a gradient, say
 * "FB-DRAWN" on the UART, wait for one received byte, paint a magenta
 * square (x 100..299, y 200..399), say "FB-REDRAWN" and wait in wfi.
 */
    .equ FB, 0x40000000
    .equ UART, 0x10000000
    .section .text
    .globl _start
_start:
    li      s0, FB
    li      t6, 0                   /* y */
1:  li      t5, 0                   /* x */
2:  srli    t0, t5, 2
    andi    t0, t0, 0xff
    slli    t0, t0, 16              /* red = x / 4 */
    srli    t1, t6, 2
    andi    t1, t1, 0xff
    slli    t1, t1, 8               /* green = y / 4 */
    xor     t2, t5, t6
    srli    t2, t2, 3
    andi    t2, t2, 0xff            /* blue = (x ^ y) / 8 */
    or      t0, t0, t1
    or      t0, t0, t2
    slli    t3, t6, 10
    add     t3, t3, t5
    slli    t3, t3, 2
    add     t3, t3, s0
    sw      t0, 0(t3)
    addi    t5, t5, 1
    li      t4, 1024
    blt     t5, t4, 2b
    addi    t6, t6, 1
    li      t4, 768
    blt     t6, t4, 1b
    la      a0, drawn
    call    puts
    li      t0, UART
3:  lbu     t1, 5(t0)               /* LSR: data ready */
    andi    t1, t1, 1
    beqz    t1, 3b
    lbu     t1, 0(t0)
    li      t6, 200
4:  li      t5, 100
5:  slli    t3, t6, 10
    add     t3, t3, t5
    slli    t3, t3, 2
    add     t3, t3, s0
    li      t0, 0x00ff00ff
    sw      t0, 0(t3)
    addi    t5, t5, 1
    li      t4, 300
    blt     t5, t4, 5b
    addi    t6, t6, 1
    li      t4, 400
    blt     t6, t4, 4b
    la      a0, redrawn
    call    puts
6:  wfi
    j       6b

/* puts(a0): the NUL-terminated string to the UART. */
puts:
    li      t0, UART
1:  lbu     t1, 0(a0)
    beqz    t1, 3f
2:  lbu     t2, 5(t0)               /* LSR: transmitter empty */
    andi    t2, t2, 0x20
    beqz    t2, 2b
    sb      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
3:  ret

    .balign 4
drawn:   .asciz "FB-DRAWN\n"
redrawn: .asciz "FB-REDRAWN\n"
