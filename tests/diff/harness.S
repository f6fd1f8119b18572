/*
 * harness.S - runs a tests/diff/gen.py body and dumps the final state as text.
 * Built twice: with -DUSER as a Linux static program (reference, under
 * qemu-riscv64; output via write(2)) and without it as a bare-metal M-mode
 * program (vm or qemu-system-riscv64 -bios none; output via the ns16550a UART,
 * exit via the sifive_test finisher). Both print the same text:
 * BEGIN, x01..x31, f00..f31 raw bits, c000 = fcsr, m000..m1ff = scratch dwords, END.
 * A trap in the bare build prints "TRAP mcause mepc" and exits with status 3.
 *
 * With -DTRAPS (bare only, bodies from gen.py --traps) the body runs in S-mode
 * under Sv39 and traps are part of the test: the two pages the body's loads and
 * stores reach (scratch-2048..scratch+2047 around x27) get the PTE states of
 * perm_plan[0], and each injected ecall applies the next entry. The M-mode
 * handler prints one record per trap (T cause, E mepc, V mtval, H a hash of
 * x1..x31, f0..f31 and fcsr at the trap, I minstret), then maps a faulting
 * data page read/write and retries, or skips an illegal instruction,
 * misaligned AMO or ecall. The body's final ecall at body_done returns to
 * M-mode for the dump. tests/diff/run.sh --traps compares these logs across
 * tiers.
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
#ifdef TRAPS
    call traps_setup
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
#ifdef TRAPS
    mret                                 /* to body_start in S-mode (traps_setup) */
#else
    j body_start
#endif

    .globl body_done
body_done:
#ifdef TRAPS
    ecall                                /* back to M-mode, registers intact */
#endif
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

#ifdef TRAPS
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_A 0x40
#define PTE_D 0x80
#define TRAPS_MAX 1000000                /* a fault that its fix does not cure */

/* traps_setup: Sv39 tables, M handler, S-mode entry at body_start via mret. */
traps_setup:
    la t0, pt_root
    la t1, pt_l1
    srli t1, t1, 2
    ori t1, t1, PTE_V
    sd t1, 16(t0)                        /* VA 0x80000000.. (GiB 2) -> pt_l1 */
    la t0, pt_l1
    li t1, (0x80000000 >> 2) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t1, 0(t0)                         /* text and body: one identity megapage */
    la t2, pt_l0
    srli t2, t2, 2
    ori t2, t2, PTE_V
    sd t2, 16(t0)                        /* 0x80400000..: data pages, 4 KiB each */
    la t0, perm_plan
    ld a0, 0(t0)
    li t0, 1
    la t1, plan_next
    sd t0, 0(t1)
    mv s9, ra
    call traps_apply
    mv ra, s9
    la t0, pt_root
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    li t0, -1                            /* PMP: S-mode may reach everything (priv 3.7) */
    csrw pmpaddr0, t0
    li t0, 0x1f                          /* NAPOT, RWX */
    csrw pmpcfg0, t0
    la t0, tsave
    csrw mscratch, t0
    la t0, traps_entry
    csrw mtvec, t0
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, 1 << 11
    csrs mstatus, t0                     /* MPP = S */
    la t0, body_start
    csrw mepc, t0
    ret

/* pte_for: a0 = state (0 invalid, 1 R, 2 RW, 3 RW without D, 4 RW without A/D),
 * a1 = page address -> a0 = PTE. Clobbers t0, t1. */
pte_for:
    srli a1, a1, 2
    la t0, pte_bits
    andi a0, a0, 7
    slli a0, a0, 3
    add t0, t0, a0
    ld t1, 0(t0)
    li a0, 0
    beqz t1, 1f
    or a0, a1, t1
1:  ret

/* traps_apply: a0 = plan entry (byte 0: low data page's state, byte 1: high's). */
traps_apply:
    mv s8, ra
    mv s7, a0
    la t0, cur_perm
    sd a0, 0(t0)
    la a1, scratch
    srli a1, a1, 12
    slli a1, a1, 12
    mv s6, a1
    andi a0, s7, 0xff
    call pte_for
    la t2, pt_l0
    srli t0, s6, 12
    andi t0, t0, 511
    slli t0, t0, 3
    add t2, t2, t0
    sd a0, 0(t2)
    li t0, 4096
    add a1, s6, t0
    srli a0, s7, 8
    andi a0, a0, 0xff
    call pte_for
    sd a0, 8(t2)                         /* the next L0 slot (scratch's pages do not cross 2 MiB) */
    sfence.vma
    mv ra, s8
    ret

    .align 4
traps_entry:
    csrrw sp, mscratch, sp
    sd x1, 8(sp)
    sd x3, 24(sp)
    sd x4, 32(sp)
    sd x5, 40(sp)
    sd x6, 48(sp)
    sd x7, 56(sp)
    sd x8, 64(sp)
    sd x9, 72(sp)
    sd x10, 80(sp)
    sd x11, 88(sp)
    sd x12, 96(sp)
    sd x13, 104(sp)
    sd x14, 112(sp)
    sd x15, 120(sp)
    sd x16, 128(sp)
    sd x17, 136(sp)
    sd x18, 144(sp)
    sd x19, 152(sp)
    sd x20, 160(sp)
    sd x21, 168(sp)
    sd x22, 176(sp)
    sd x23, 184(sp)
    sd x24, 192(sp)
    sd x25, 200(sp)
    sd x26, 208(sp)
    sd x27, 216(sp)
    sd x28, 224(sp)
    sd x29, 232(sp)
    sd x30, 240(sp)
    sd x31, 248(sp)
    csrr t0, mscratch
    sd t0, 16(sp)
    fsd f0, 256(sp)
    fsd f1, 264(sp)
    fsd f2, 272(sp)
    fsd f3, 280(sp)
    fsd f4, 288(sp)
    fsd f5, 296(sp)
    fsd f6, 304(sp)
    fsd f7, 312(sp)
    fsd f8, 320(sp)
    fsd f9, 328(sp)
    fsd f10, 336(sp)
    fsd f11, 344(sp)
    fsd f12, 352(sp)
    fsd f13, 360(sp)
    fsd f14, 368(sp)
    fsd f15, 376(sp)
    fsd f16, 384(sp)
    fsd f17, 392(sp)
    fsd f18, 400(sp)
    fsd f19, 408(sp)
    fsd f20, 416(sp)
    fsd f21, 424(sp)
    fsd f22, 432(sp)
    fsd f23, 440(sp)
    fsd f24, 448(sp)
    fsd f25, 456(sp)
    fsd f26, 464(sp)
    fsd f27, 472(sp)
    fsd f28, 480(sp)
    fsd f29, 488(sp)
    fsd f30, 496(sp)
    fsd f31, 504(sp)
    csrr t0, fcsr
    sd t0, 512(sp)
    csrr s7, minstret
    csrr s3, mcause
    csrr s4, mepc
    csrr s5, mtval
    li t0, 9
    bne s3, t0, 1f
    la t0, body_done
    bne s4, t0, 1f
    li t0, 3 << 11                       /* the body is done: resume in M-mode */
    csrs mstatus, t0
    j traps_skip4
1:  la t0, trap_count
    ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)
    li t2, TRAPS_MAX
    bgeu t1, t2, trap
    /* the record: cause, epc, tval, hash of the register file */
    li s2, 0xcbf29ce484222325
    li s6, 0x100000001b3
    addi s1, sp, 8
    addi t2, sp, 520
2:  ld t0, 0(s1)
    xor s2, s2, t0
    mul s2, s2, s6
    addi s1, s1, 8
    bltu s1, t2, 2b
    la s0, tbuf
    li a1, 'T'
    li a2, 0
    mv a3, s3
    call emit
    li a1, 'E'
    mv a3, s4
    call emit
    li a1, 'V'
    mv a3, s5
    call emit
    li a1, 'H'
    mv a3, s2
    call emit
    li a1, 'I'
    mv a3, s7
    call emit
    la a1, tbuf
    sub a2, s0, a1
    call uart_write
    /* the action */
    li t0, 2
    beq s3, t0, traps_illegal
    li t0, 4
    beq s3, t0, traps_skip4
    li t0, 6
    beq s3, t0, traps_skip4
    li t0, 9
    beq s3, t0, traps_plan
    li t0, 13
    beq s3, t0, traps_map
    li t0, 15
    beq s3, t0, traps_map
    j trap
traps_illegal:
    lhu t0, 0(s4)
    andi t0, t0, 3
    li t1, 3
    beq t0, t1, traps_skip4
    addi s4, s4, 2
    csrw mepc, s4
    j traps_return
traps_plan:
    la t0, plan_next
    ld t1, 0(t0)
    addi t2, t1, 1
    andi t2, t2, 63
    sd t2, 0(t0)
    slli t1, t1, 3
    la t0, perm_plan
    add t0, t0, t1
    ld a0, 0(t0)
    call traps_apply
    j traps_skip4
traps_map:
    la a1, scratch
    srli a1, a1, 12
    srli t0, s5, 12
    sub t0, t0, a1
    li t1, 1
    bgtu t0, t1, trap                    /* a fault outside the two data pages */
    slli t0, t0, 3                       /* that page's state byte := 2 (RW) */
    li t1, 0xff
    sll t1, t1, t0
    la t2, cur_perm
    ld a0, 0(t2)
    not t1, t1
    and a0, a0, t1
    li t1, 2
    sll t1, t1, t0
    or a0, a0, t1
    call traps_apply
    j traps_return
traps_skip4:
    addi s4, s4, 4
    csrw mepc, s4
traps_return:
    fld f0, 256(sp)
    fld f1, 264(sp)
    fld f2, 272(sp)
    fld f3, 280(sp)
    fld f4, 288(sp)
    fld f5, 296(sp)
    fld f6, 304(sp)
    fld f7, 312(sp)
    fld f8, 320(sp)
    fld f9, 328(sp)
    fld f10, 336(sp)
    fld f11, 344(sp)
    fld f12, 352(sp)
    fld f13, 360(sp)
    fld f14, 368(sp)
    fld f15, 376(sp)
    fld f16, 384(sp)
    fld f17, 392(sp)
    fld f18, 400(sp)
    fld f19, 408(sp)
    fld f20, 416(sp)
    fld f21, 424(sp)
    fld f22, 432(sp)
    fld f23, 440(sp)
    fld f24, 448(sp)
    fld f25, 456(sp)
    fld f26, 464(sp)
    fld f27, 472(sp)
    fld f28, 480(sp)
    fld f29, 488(sp)
    fld f30, 496(sp)
    fld f31, 504(sp)
    ld t0, 512(sp)
    csrw fcsr, t0
    ld x1, 8(sp)
    ld x3, 24(sp)
    ld x4, 32(sp)
    ld x5, 40(sp)
    ld x6, 48(sp)
    ld x7, 56(sp)
    ld x8, 64(sp)
    ld x9, 72(sp)
    ld x10, 80(sp)
    ld x11, 88(sp)
    ld x12, 96(sp)
    ld x13, 104(sp)
    ld x14, 112(sp)
    ld x15, 120(sp)
    ld x16, 128(sp)
    ld x17, 136(sp)
    ld x18, 144(sp)
    ld x19, 152(sp)
    ld x20, 160(sp)
    ld x21, 168(sp)
    ld x22, 176(sp)
    ld x23, 184(sp)
    ld x24, 192(sp)
    ld x25, 200(sp)
    ld x26, 208(sp)
    ld x27, 216(sp)
    ld x28, 224(sp)
    ld x29, 232(sp)
    ld x30, 240(sp)
    ld x31, 248(sp)
    csrrw sp, mscratch, sp
    mret

    .section .rodata
    .balign 8
pte_bits:                                /* by state; 0 = invalid */
    .dword 0
    .dword PTE_V | PTE_R | PTE_A
    .dword PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    .dword PTE_V | PTE_R | PTE_W | PTE_A
    .dword PTE_V | PTE_R | PTE_W
    .dword 0, 0, 0

    .section .bss
    .balign 4096
pt_root: .space 4096
pt_l1:   .space 4096
pt_l0:   .space 4096
tsave:   .space 520
tbuf:    .space 256
    .balign 8
plan_next:  .space 8
cur_perm:   .space 8
trap_count: .space 8
#endif

    .section .rodata
msg_begin: .asciz "BEGIN\n"
msg_end:   .asciz "END\n"

    .section .bss
    .balign 8
outbuf: .space 16384
