# Sv39 page faults (12/13/15, stval = VA): invalid PTE, missing R/W/X, W without R, misaligned superpage, U page from S (SUM), S page from U, MXR (priv 4.3.2, 4.4, 3.1.6.3).
#include "test.h"
#define VA_INV   0x40000000
#define VA_R     0x40001000
#define VA_X     0x40002000
#define VA_U     0x40003000
#define VA_W     0x40004000
#define VA_S     0x40005000
#define VA_SUPER 0x40200000
#define U_ALIAS  0x40000000              /* U code runs at PA + U_ALIAS (VA 0xc0000000..) */

.macro MAP va, pa, flags, level
    li a0, \va
    la a1, \pa
    li a2, \flags
    li a3, \level
    call vm_map
.endm

    TEST_BEGIN
    la t0, pdata
    li t1, 0x600d
    sd t1, 0(t0)
    li a0, 3
    call vm_init
    li a0, 0x80000000
    li a1, 0x80000000
    li a2, PTE_LEAF
    li a3, 2
    call vm_map                          # S identity gigapage
    li a0, 0xc0000000
    li a1, 0x80000000
    li a2, PTE_LEAF | PTE_U
    li a3, 2
    call vm_map                          # U alias gigapage
    MAP VA_R, pdata, PTE_V | PTE_R | PTE_A | PTE_D, 0
    MAP VA_X, pdata, PTE_V | PTE_X | PTE_A, 0
    MAP VA_U, pdata, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D, 0
    MAP VA_W, pdata, PTE_V | PTE_W | PTE_A | PTE_D, 0
    MAP VA_S, pdata, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D, 0
    li a0, VA_SUPER
    li a1, 0x80001000                    # PPN[0] != 0 in a megapage leaf
    li a2, PTE_LEAF
    li a3, 1
    call vm_map
    call vm_enable
    GOTO_MODE 1, s_code
s_code:
    li s0, VA_INV
    TRAP_EXPECT
    ld a0, 0(s0)
    CHECK_TRAP CAUSE_LOAD_PAGE, 1
    CHECK_TF TF_TVAL, VA_INV, 2
    TRAP_EXPECT
    sd a0, 8(s0)
    CHECK_TRAP CAUSE_STORE_PAGE, 3
    CHECK_TF TF_TVAL, VA_INV + 8, 4
    li s0, VA_R
    ld a0, 0(s0)
    CHECK_EQ a0, 0x600d, 5
    TRAP_EXPECT
    sd a0, 0(s0)
    CHECK_TRAP CAUSE_STORE_PAGE, 6
    TRAP_EXPECT
    amoadd.d a1, a0, (s0)                # AMO to a read-only page: store fault
    CHECK_TRAP CAUSE_STORE_PAGE, 7
    TRAP_EXPECT r_fetch_back
    jalr s0
r_fetch_back:
    CHECK_TRAP CAUSE_FETCH_PAGE, 8
    CHECK_TF TF_TVAL, VA_R, 9
    TRAP_EXPECT inv_fetch_back
    li t0, VA_INV
    jr t0
inv_fetch_back:
    CHECK_TRAP CAUSE_FETCH_PAGE, 10
    # execute-only page: loads fault unless MXR
    li s0, VA_X
    TRAP_EXPECT
    ld a0, 0(s0)
    CHECK_TRAP CAUSE_LOAD_PAGE, 11
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    ld a0, 0(s0)
    CHECK_EQ a0, 0x600d, 12
    li t0, MSTATUS_MXR
    csrc sstatus, t0
    # U page from S: faults unless SUM; never executable from S
    li s0, VA_U
    TRAP_EXPECT
    ld a0, 0(s0)
    CHECK_TRAP CAUSE_LOAD_PAGE, 13
    TRAP_EXPECT
    sd a0, 0(s0)
    CHECK_TRAP CAUSE_STORE_PAGE, 14
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    ld a0, 0(s0)
    CHECK_EQ a0, 0x600d, 15
    TRAP_EXPECT u_fetch_back
    jalr s0
u_fetch_back:
    CHECK_TRAP CAUSE_FETCH_PAGE, 16
    li t0, MSTATUS_SUM
    csrc sstatus, t0
    # W without R is reserved: page fault for any access
    li s0, VA_W
    TRAP_EXPECT
    ld a0, 0(s0)
    CHECK_TRAP CAUSE_LOAD_PAGE, 17
    TRAP_EXPECT
    sd a0, 0(s0)
    CHECK_TRAP CAUSE_STORE_PAGE, 18
    # misaligned superpage
    li s0, VA_SUPER
    TRAP_EXPECT
    ld a0, 0(s0)
    CHECK_TRAP CAUSE_LOAD_PAGE, 19
    CHECK_TF TF_TVAL, VA_SUPER, 20
    # the rest runs in U at the alias mapping
    GOTO_M
    li t5, MSTATUS_MPP
    csrc mstatus, t5
    la t5, u_code
    li t4, U_ALIAS
    add t5, t5, t4
    csrw mepc, t5
    mret
u_code:
    li s0, VA_U
    ld a0, 0(s0)
    CHECK_EQ a0, 0x600d, 21
    sd a0, 8(s0)
    li s0, VA_S
    TRAP_EXPECT u1
    ld a0, 0(s0)
u1: CHECK_TRAP CAUSE_LOAD_PAGE, 22
    CHECK_TF TF_TVAL, VA_S, 23
    TRAP_EXPECT u2
    sd a0, 0(s0)
u2: CHECK_TRAP CAUSE_STORE_PAGE, 24
    TRAP_EXPECT u3
    li t0, VA_R
    jr t0
u3: CHECK_TRAP CAUSE_FETCH_PAGE, 25
    PASS

    .section .bss
    .align 12
pdata: .space 4096
