# Sv57: 5-level walk (satp.MODE = 10), leaf reached through the top-level index, non-canonical VA -> page fault (priv 4.6).
#include "test.h"
    TEST_BEGIN
    la t0, pdata
    li t1, 0x5a57
    sd t1, 0(t0)
    li a0, 5
    call vm_init
    li a0, 0x80000000
    li a1, 0x80000000
    li a2, PTE_LEAF
    li a3, 2
    call vm_map
    li a0, 0x0010000000001000
    la a1, pdata
    li a2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    li a0, 0x0200000000001000 & ~0xfff                 # would alias the same PTEs if bits above were ignored
    la a1, pdata
    li a2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    call vm_enable
    csrr a0, satp
    srli a0, a0, 60
    CHECK_EQ a0, 10, 1                # mode supported (WARL: unsupported modes are not written)
    GOTO_MODE 1, s_code
s_code:
    li s0, 0x0010000000001000
    ld a0, 0(s0)
    CHECK_EQ a0, 0x5a57, 2
    li a1, 0x99
    sd a1, 8(s0)
    la t0, pdata
    ld a0, 8(t0)
    CHECK_EQ a0, 0x99, 3
    li s1, 0x0200000000001000
    TRAP_EXPECT
    ld a0, 0(s1)
    CHECK_TRAP CAUSE_LOAD_PAGE, 4
    li s1, 0x80000000 | (1 << 39)        # unmapped: invalid PTE at an upper level
    TRAP_EXPECT
    sd a0, 0(s1)
    CHECK_TRAP CAUSE_STORE_PAGE, 5
    GOTO_M
    csrw satp, zero
    PASS

    .section .bss
    .align 12
pdata: .space 4096
