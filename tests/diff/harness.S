/*
 * harness.S - runs a tests/diff/gen.py body and dumps the final state as text.
 * Built twice: with -DUSER as a Linux static program (reference, under
 * qemu-riscv64; output via write(2)) and without it as a bare-metal M-mode
 * program (vm or qemu-system-riscv64 -bios none; output via the ns16550a UART,
 * exit via the sifive_test finisher). Both print the same text:
 * BEGIN, x01..x31, f00..f31 raw bits, c000 = fcsr, m000..m1ff = scratch dwords, END.
 * A trap in the bare build prints "TRAP mcause mepc" and exits with status 3.
 */
    .section .text.init, "ax"
    .option norvc
    .globl _start
_start:
#ifndef USER
    la t0, trap
    csrw mtvec, t0
    li t0, (1 << 13)
    csrs mstatus, t0
#endif
    la x27, init_fcsr
    ld t0, 0(x27)
    csrw fcsr, t0
    la x27, init_f
    fld f0, 0(x27)
    fld f1, 8(x27)
    fld f2, 16(x27)
    fld f3, 24(x27)
    fld f4, 32(x27)
    fld f5, 40(x27)
    fld f6, 48(x27)
    fld f7, 56(x27)
    fld f8, 64(x27)
    fld f9, 72(x27)
    fld f10, 80(x27)
    fld f11, 88(x27)
    fld f12, 96(x27)
    fld f13, 104(x27)
    fld f14, 112(x27)
    fld f15, 120(x27)
    fld f16, 128(x27)
    fld f17, 136(x27)
    fld f18, 144(x27)
    fld f19, 152(x27)
    fld f20, 160(x27)
    fld f21, 168(x27)
    fld f22, 176(x27)
    fld f23, 184(x27)
    fld f24, 192(x27)
    fld f25, 200(x27)
    fld f26, 208(x27)
    fld f27, 216(x27)
    fld f28, 224(x27)
    fld f29, 232(x27)
    fld f30, 240(x27)
    fld f31, 248(x27)
    la x27, init_x
    ld x1, 8(x27)
    ld x2, 16(x27)
    ld x3, 24(x27)
    ld x4, 32(x27)
    ld x5, 40(x27)
    ld x6, 48(x27)
    ld x7, 56(x27)
    ld x9, 72(x27)
    ld x10, 80(x27)
    ld x11, 88(x27)
    ld x12, 96(x27)
    ld x13, 104(x27)
    ld x14, 112(x27)
    ld x15, 120(x27)
    ld x16, 128(x27)
    ld x17, 136(x27)
    ld x18, 144(x27)
    ld x19, 152(x27)
    ld x20, 160(x27)
    ld x21, 168(x27)
    ld x22, 176(x27)
    ld x23, 184(x27)
    ld x24, 192(x27)
    ld x25, 200(x27)
    ld x26, 208(x27)
    ld x28, 224(x27)
    ld x29, 232(x27)
    ld x30, 240(x27)
    ld x31, 248(x27)
    la x27, scratch
    addi x27, x27, 2047
    addi x27, x27, 1
    mv x8, x27
    j body_start

    .globl body_done
body_done:
    addi x27, x27, -2047
    addi x27, x27, -1
    sd x1, -1016(x27)
    sd x2, -1008(x27)
    sd x3, -1000(x27)
    sd x4, -992(x27)
    sd x5, -984(x27)
    sd x6, -976(x27)
    sd x7, -968(x27)
    sd x8, -960(x27)
    sd x9, -952(x27)
    sd x10, -944(x27)
    sd x11, -936(x27)
    sd x12, -928(x27)
    sd x13, -920(x27)
    sd x14, -912(x27)
    sd x15, -904(x27)
    sd x16, -896(x27)
    sd x17, -888(x27)
    sd x18, -880(x27)
    sd x19, -872(x27)
    sd x20, -864(x27)
    sd x21, -856(x27)
    sd x22, -848(x27)
    sd x23, -840(x27)
    sd x24, -832(x27)
    sd x25, -824(x27)
    sd x26, -816(x27)
    sd x28, -800(x27)
    sd x29, -792(x27)
    sd x30, -784(x27)
    sd x31, -776(x27)
    fsd f0, -512(x27)
    fsd f1, -504(x27)
    fsd f2, -496(x27)
    fsd f3, -488(x27)
    fsd f4, -480(x27)
    fsd f5, -472(x27)
    fsd f6, -464(x27)
    fsd f7, -456(x27)
    fsd f8, -448(x27)
    fsd f9, -440(x27)
    fsd f10, -432(x27)
    fsd f11, -424(x27)
    fsd f12, -416(x27)
    fsd f13, -408(x27)
    fsd f14, -400(x27)
    fsd f15, -392(x27)
    fsd f16, -384(x27)
    fsd f17, -376(x27)
    fsd f18, -368(x27)
    fsd f19, -360(x27)
    fsd f20, -352(x27)
    fsd f21, -344(x27)
    fsd f22, -336(x27)
    fsd f23, -328(x27)
    fsd f24, -320(x27)
    fsd f25, -312(x27)
    fsd f26, -304(x27)
    fsd f27, -296(x27)
    fsd f28, -288(x27)
    fsd f29, -280(x27)
    fsd f30, -272(x27)
    fsd f31, -264(x27)
    csrr t0, fcsr
    sd t0, -8(x27)

    la s0, outbuf
    la a0, msg_begin
    call copystr
    la s1, regsave
    li s2, 1
1:  li a1, 'x'
    mv a2, s2
    slli t0, s2, 3
    add t0, t0, s1
    ld a3, 0(t0)
    call emit
    addi s2, s2, 1
    li t0, 32
    blt s2, t0, 1b
    li s2, 0
2:  li a1, 'f'
    mv a2, s2
    slli t0, s2, 3
    add t0, t0, s1
    ld a3, 512(t0)
    call emit
    addi s2, s2, 1
    li t0, 32
    blt s2, t0, 2b
    li a1, 'c'
    li a2, 0
    ld a3, 1016(s1)
    call emit
    la s1, scratch
    li s2, 0
3:  li a1, 'm'
    mv a2, s2
    slli t0, s2, 3
    add t0, t0, s1
    ld a3, 0(t0)
    call emit
    addi s2, s2, 1
    li t0, 512
    blt s2, t0, 3b
    la a0, msg_end
    call copystr
    la a1, outbuf
    sub a2, s0, a1
#ifdef USER
    li a0, 1
    li a7, 64
    ecall
    li a0, 0
    li a7, 93
    ecall
#else
    call uart_write
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
9:  j 9b
#endif

/* copystr: append NUL-terminated a0 at s0 */
copystr:
    lbu t0, 0(a0)
    beqz t0, 1f
    sb t0, 0(s0)
    addi a0, a0, 1
    addi s0, s0, 1
    j copystr
1:  ret

/* emit: append "<a1><3 hex digits of a2> <16 hex digits of a3>\n" at s0 */
emit:
    sb a1, 0(s0)
    li t1, 8
1:  srl t0, a2, t1
    andi t0, t0, 15
    addi t0, t0, '0'
    li t2, '9'
    ble t0, t2, 2f
    addi t0, t0, 'a' - '0' - 10
2:  sb t0, 1(s0)
    addi s0, s0, 1
    addi t1, t1, -4
    bgez t1, 1b
    li t0, ' '
    sb t0, 1(s0)
    addi s0, s0, 2
    li t1, 60
3:  srl t0, a3, t1
    andi t0, t0, 15
    addi t0, t0, '0'
    li t2, '9'
    ble t0, t2, 4f
    addi t0, t0, 'a' - '0' - 10
4:  sb t0, 0(s0)
    addi s0, s0, 1
    addi t1, t1, -4
    bgez t1, 3b
    li t0, '\n'
    sb t0, 0(s0)
    addi s0, s0, 1
    ret

#ifndef USER
/* uart_write: a1 = buffer, a2 = length */
uart_write:
    li t0, 0x10000000
1:  beqz a2, 3f
2:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 2b
    lbu t1, 0(a1)
    sb t1, 0(t0)
    addi a1, a1, 1
    addi a2, a2, -1
    j 1b
3:  ret

    .align 4
trap:
    la s0, outbuf
    li a1, 'T'
    csrr a2, mcause
    csrr a3, mepc
    call emit
    la a1, outbuf
    sub a2, s0, a1
    call uart_write
    li t0, 0x100000
    li t1, 0x33333
    sw t1, 0(t0)
1:  j 1b
#endif

    .section .rodata
msg_begin: .asciz "BEGIN\n"
msg_end:   .asciz "END\n"

    .section .bss
    .balign 8
outbuf: .space 16384
