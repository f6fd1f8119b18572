# Sv39 hardware A/D update: a load sets A, a store sets A and D, a fetch sets A; unrelated bits kept (priv 4.3.1, 4.3.2 step 7).
#include "test.h"
    TEST_BEGIN
    la t0, pdata
    li t1, 0x1234
    sd t1, 0(t0)
    li a0, 3
    call vm_init
    li a0, 0x80000000
    li a1, 0x80000000
    li a2, PTE_LEAF
    li a3, 2
    call vm_map
    li a0, 0x40001000
    la a1, pdata
    li a2, PTE_V | PTE_R | PTE_W
    li a3, 0
    call vm_map
    li a0, 0x40002000
    la a1, xpage
    li a2, PTE_V | PTE_X
    li a3, 0
    call vm_map
    li a0, 0x40001000
    li a1, 0
    call vm_pte
    mv s1, a0                            # &PTE of the data page
    li a0, 0x40002000
    li a1, 0
    call vm_pte
    mv s2, a0                            # &PTE of the code page
    call vm_enable
    GOTO_MODE 1, s_code
s_code:
    ld a0, 0(s1)
    andi a0, a0, PTE_A | PTE_D
    CHECK_EQ a0, 0, 1
    li s0, 0x40001000
    ld a1, 0(s0)
    CHECK_EQ a1, 0x1234, 2
    ld a0, 0(s1)
    andi a0, a0, 0xff
    CHECK_EQ a0, PTE_V | PTE_R | PTE_W | PTE_A, 3
    sd a1, 8(s0)
    ld a0, 0(s1)
    andi a0, a0, 0xff
    CHECK_EQ a0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D, 4
    la t0, pdata
    ld a0, 8(t0)
    CHECK_EQ a0, 0x1234, 5
    li t0, 0x40002000
    jalr t0                              # xpage: ret
    ld a0, 0(s2)
    andi a0, a0, 0xff
    CHECK_EQ a0, PTE_V | PTE_X | PTE_A, 6
    GOTO_M
    PASS

    .section .bss
    .align 12
pdata: .space 4096
    .data
    .align 12
xpage: ret
