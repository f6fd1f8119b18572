# mstatus.MPRV: M-mode loads/stores translate and check permissions as MPP (S or U); SUM applies; fetches are not affected (priv 3.1.6.3).
#include "test.h"
    TEST_BEGIN
    la t0, pdata
    li t1, 0x4d505256
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
    li a2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    li a0, 0x40003000
    la a1, pdata
    li a2, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    li a3, 0
    call vm_map
    call vm_enable
    # MPP = S
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (1 << 11) | MSTATUS_MPRV
    csrs mstatus, t0
    li s0, 0x40001000
    ld a0, 0(s0)
    CHECK_EQ a0, 0x4d505256, 1
    li a1, 0x77
    sd a1, 8(s0)
    li s1, 0x40003000
    TRAP_EXPECT                          # U page as S without SUM
    ld a0, 0(s1)
    # The handler's mret set MPP = U and, returning to M, kept MPRV (priv 3.1.6.1):
    # clear MPRV before the checks read the trap frame.
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_TRAP CAUSE_LOAD_PAGE, 2
    CHECK_TF TF_TVAL, 0x40003000, 3
    la t0, pdata
    ld a0, 8(t0)
    CHECK_EQ a0, 0x77, 4
    # MPP = U: S page faults, U page works; TRAP_EXPECT must be armed before (trap_frame is an S page)
    TRAP_EXPECT
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    ld a0, 0(s1)
    CHECK_NE a0, 0, 5                    # (CHECK touches no memory)
    ld a0, 0(s0)                         # traps; handler runs untranslated
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_TRAP CAUSE_LOAD_PAGE, 6
    # MPRV clear: M accesses are physical again even with satp set
    li t0, 0x80000000
    ld a0, 0(t0)
    csrw satp, zero
    PASS

    .section .bss
    .align 12
pdata: .space 4096
