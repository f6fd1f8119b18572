/*
 * crt.S - start-up code and trap handlers for the bare-metal ISA tests.
 *
 * Entry in M-mode at 0x8000_0000 (a0 = hartid): zero .bss, set sp, install
 * the M trap vector (direct mode), open PMP entry 0 over all memory so S/U
 * can run (privileged spec 3.7: S/U accesses fail when no entry matches),
 * enable the FPU (mstatus.FS = Initial) and jump to test_main.
 * Also provides Sv39/Sv48/Sv57 page-table helpers (privileged spec 4.3-4.5)
 * and a hex print routine for diagnostics on the ns16550a UART.
 */
#include "test.h"

    .section .text.init
    .globl _start
_start:
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  la sp, _stack_top
    la t0, trap_entry
    csrw mtvec, t0
    la t0, trap_frame
    csrw mscratch, t0
    la t0, strap_frame
    csrw sscratch, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f                 /* NAPOT, R W X, not locked */
    csrw pmpcfg0, t0
    li t0, (1 << 13)            /* FS = Initial */
    csrs mstatus, t0
    csrwi fcsr, 0
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    csrw satp, zero
    li gp, 0
    j test_main

/* ---------------- M-mode trap handler ---------------- */
    .align 6
    .globl trap_entry
trap_entry:
    csrrw t6, mscratch, t6
    sd t0, TF_T0(t6)
    sd t1, TF_T1(t6)
    sd t2, TF_T2(t6)
    csrr t0, mcause
    bltz t0, .Lrecord
    li t1, CAUSE_ECALL_U
    beq t0, t1, .Lecall
    li t1, CAUSE_ECALL_S
    beq t0, t1, .Lecall
    li t1, CAUSE_ECALL_M
    bne t0, t1, .Lrecord
.Lecall:
    li t1, MAGIC_PASS
    beq a7, t1, do_pass
    li t1, MAGIC_FAIL
    beq a7, t1, do_fail
    li t1, MAGIC_TO_M
    beq a7, t1, .Lto_m
.Lrecord:
    sd t0, TF_CAUSE(t6)
    csrr t1, mtval
    sd t1, TF_TVAL(t6)
    csrr t1, mepc
    sd t1, TF_EPC(t6)
    csrr t1, mstatus
    sd t1, TF_STATUS(t6)
    ld t1, TF_COUNT(t6)
    addi t1, t1, 1
    sd t1, TF_COUNT(t6)
    ld t1, TF_EXPECT(t6)
    beqz t1, unexpected_m
    sd zero, TF_EXPECT(t6)
    bltz t0, .Lirq
    ld t1, TF_RESUME(t6)
    bnez t1, .Lresume
    csrr t1, mepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    li t0, 3
    addi t1, t1, 2
    bne t2, t0, 1f
    addi t1, t1, 2
1:  csrw mepc, t1
    j .Lexit
.Lresume:
    csrw mepc, t1
    sd zero, TF_RESUME(t6)
    j .Lexit
.Lirq:
    li t1, 1
    sll t1, t1, t0
    csrc mie, t1
    j .Lexit
.Lto_m:
    csrr t1, mepc
    addi t1, t1, 4
    csrw mepc, t1
    li t1, MSTATUS_MPP
    csrs mstatus, t1
.Lexit:
    ld t0, TF_T0(t6)
    ld t1, TF_T1(t6)
    ld t2, TF_T2(t6)
    csrrw t6, mscratch, t6
    mret

do_pass:
    li t0, FINISHER
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b

    .globl do_fail
do_fail:
    andi t1, gp, 0xff
    bnez t1, 1f
    li t1, 0xff
1:  slli t1, t1, 16
    li t0, 0x3333
    or t1, t1, t0
    li t0, FINISHER
    sw t1, 0(t0)
2:  j 2b

unexpected_m:
    la a0, .Lmsg_trap
    call puts
    csrr a0, mcause
    call puthex
    la a0, .Lmsg_epc
    call puts
    csrr a0, mepc
    call puthex
    la a0, .Lmsg_tval
    call puts
    csrr a0, mtval
    call puthex
    la a0, .Lmsg_check
    call puts
    mv a0, gp
    call puthex
    li a0, '\n'
    call putc
    li gp, 254
    j do_fail

/* fail: jump here with gp = check number, from any mode. */
    .globl fail
fail:
    li a7, MAGIC_FAIL
    ecall
1:  j 1b

/* ---------------- S-mode trap handler ---------------- */
    .align 6
    .globl strap_entry
strap_entry:
    csrrw t6, sscratch, t6
    sd t0, TF_T0(t6)
    sd t1, TF_T1(t6)
    sd t2, TF_T2(t6)
    csrr t0, scause
    li t1, CAUSE_ECALL_U
    bne t0, t1, .Lsrecord
    li t1, MAGIC_PASS           /* forward pass/fail from U to M */
    beq a7, t1, .Lsfwd
    li t1, MAGIC_FAIL
    beq a7, t1, .Lsfwd
    li t1, MAGIC_TO_M
    beq a7, t1, .Lsto_m
.Lsrecord:
    sd t0, TF_CAUSE(t6)
    csrr t1, stval
    sd t1, TF_TVAL(t6)
    csrr t1, sepc
    sd t1, TF_EPC(t6)
    csrr t1, sstatus
    sd t1, TF_STATUS(t6)
    ld t1, TF_COUNT(t6)
    addi t1, t1, 1
    sd t1, TF_COUNT(t6)
    ld t1, TF_EXPECT(t6)
    beqz t1, .Lsunexpected
    sd zero, TF_EXPECT(t6)
    bltz t0, .Lsirq
    ld t1, TF_RESUME(t6)
    bnez t1, .Lsresume
    csrr t1, sepc
    addi t1, t1, 4
    csrw sepc, t1
    j .Lsexit
.Lsresume:
    csrw sepc, t1
    sd zero, TF_RESUME(t6)
    j .Lsexit
.Lsirq:
    li t1, 1
    sll t1, t1, t0
    csrc sie, t1
.Lsexit:
    ld t0, TF_T0(t6)
    ld t1, TF_T1(t6)
    ld t2, TF_T2(t6)
    csrrw t6, sscratch, t6
    sret
.Lsto_m:                        /* GOTO_M from U with ecall delegated: via S to M */
    csrr t1, sepc
    addi t1, t1, 4
    sd t1, TF_TOM(t6)
    ld t0, TF_T0(t6)
    ld t1, TF_T1(t6)
    ld t2, TF_T2(t6)
    csrrw t6, sscratch, t6
    ecall                       /* M handler returns to the next instruction, in M */
    csrrw t6, sscratch, t6
    sd t0, TF_T0(t6)
    ld t0, TF_TOM(t6)
    csrw mepc, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    ld t0, TF_T0(t6)
    csrrw t6, sscratch, t6
    mret
.Lsunexpected:
    li gp, 253
    li a7, MAGIC_FAIL
.Lsfwd:                         /* a7 holds MAGIC_PASS / MAGIC_FAIL */
    ecall
1:  j 1b

/* ---------------- diagnostics ---------------- */
    .globl putc
putc:                           /* a0 = byte; clobbers t0, t1 */
    li t0, UART_BASE
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

    .globl puts
puts:                           /* a0 = NUL-terminated string; clobbers a0-a1, t0-t1 */
    mv a1, a0
    mv t2, ra
1:  lbu a0, 0(a1)
    beqz a0, 2f
    call putc
    addi a1, a1, 1
    j 1b
2:  mv ra, t2
    ret

    .globl puthex
puthex:                         /* a0 = value, 16 hex digits; clobbers a0-a3, t0-t2 */
    mv a2, a0
    li a3, 60
    mv t2, ra
1:  srl a0, a2, a3
    andi a0, a0, 15
    addi a0, a0, '0'
    li t0, '9'
    ble a0, t0, 2f
    addi a0, a0, 'a' - '0' - 10
2:  call putc
    addi a3, a3, -4
    bgez a3, 1b
    mv ra, t2
    ret

/* ---------------- page tables ---------------- */
/* vm_init(a0 = levels 3|4|5): empty root table, nothing mapped. */
    .globl vm_init
vm_init:
    la t0, vm_levels
    sd a0, 0(t0)
    la t0, pt_pool
    la t1, vm_next
    li t2, 4096
    add t2, t0, t2
    sd t2, 0(t1)                /* page 0 of the pool is the root */
    li t1, 4096 * 32
    add t1, t0, t1
1:  sd zero, 0(t0)
    addi t0, t0, 8
    bltu t0, t1, 1b
    ret

/* vm_map(a0 = va, a1 = pa, a2 = pte flags, a3 = leaf level 0|1|2|..):
 * install a leaf PTE, allocating intermediate tables from the pool. */
    .globl vm_map
vm_map:
    la t0, pt_pool              /* t0 = current table */
    la t1, vm_levels
    ld t1, 0(t1)
    addi t1, t1, -1             /* t1 = current level */
1:  li t2, 9
    mul t2, t2, t1
    addi t2, t2, 12
    srl t2, a0, t2
    andi t2, t2, 0x1ff
    slli t2, t2, 3
    add t2, t0, t2              /* t2 = &pte */
    beq t1, a3, 3f
    ld t3, 0(t2)
    andi t4, t3, PTE_V
    bnez t4, 2f
    la t4, vm_next              /* allocate a table */
    ld t3, 0(t4)
    li t5, 4096
    add t5, t3, t5
    sd t5, 0(t4)
    srli t3, t3, 12
    slli t3, t3, 10
    ori t3, t3, PTE_V
    sd t3, 0(t2)
2:  srli t3, t3, 10
    slli t0, t3, 12
    addi t1, t1, -1
    j 1b
3:  srli t3, a1, 12
    slli t3, t3, 10
    or t3, t3, a2
    sd t3, 0(t2)
    sfence.vma
    ret

/* vm_pte(a0 = va, a1 = level): a0 = address of the PTE at that level (tables must exist). */
    .globl vm_pte
vm_pte:
    la t0, pt_pool
    la t1, vm_levels
    ld t1, 0(t1)
    addi t1, t1, -1
1:  li t2, 9
    mul t2, t2, t1
    addi t2, t2, 12
    srl t2, a0, t2
    andi t2, t2, 0x1ff
    slli t2, t2, 3
    add t2, t0, t2
    beq t1, a1, 2f
    ld t3, 0(t2)
    srli t3, t3, 10
    slli t0, t3, 12
    addi t1, t1, -1
    j 1b
2:  mv a0, t2
    ret

/* vm_enable: satp = mode(levels) | root PPN; sfence.vma. */
    .globl vm_enable
vm_enable:
    la t0, vm_levels
    ld t0, 0(t0)
    addi t0, t0, 5              /* 3 -> 8 (Sv39), 4 -> 9, 5 -> 10 */
    slli t0, t0, 60
    la t1, pt_pool
    srli t1, t1, 12
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    ret

    .section .rodata
.Lmsg_trap:  .asciz "unexpected trap: mcause="
.Lmsg_epc:   .asciz " mepc="
.Lmsg_tval:  .asciz " mtval="
.Lmsg_check: .asciz " check="

    .section .data
    .align 6
    .globl trap_frame
trap_frame:  .fill TF_SIZE / 8, 8, 0
    .globl strap_frame
strap_frame: .fill TF_SIZE / 8, 8, 0
vm_levels:   .dword 3
vm_next:     .dword 0

    .section .bss
    .align 12
    .globl pt_pool
pt_pool:     .space 4096 * 32
