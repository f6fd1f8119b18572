# Trap entry/return: ecall from U/S/M (mcause 8/9/11, mepc), mret restoring MPP/MIE/MPIE, sret restoring SPP/SIE/SPIE (priv 3.1.6.1, 3.3.1-3.3.2).
#include "test.h"
    TEST_BEGIN
    TRAP_EXPECT
e_m: ecall
    CHECK_TRAP CAUSE_ECALL_M, 1
    CHECK_TF_ADDR TF_EPC, e_m, 2
    # mret with MPP=S, MPIE=1, MIE=0 -> S with MIE=1, MPIE=1, MPP=U
    li t0, MSTATUS_MIE
    csrc mstatus, t0
    li t0, MSTATUS_MPIE
    csrs mstatus, t0
    GOTO_MODE 1, s_code
s_code:
    TRAP_EXPECT
e_s: ecall
    CHECK_TRAP CAUSE_ECALL_S, 3
    CHECK_TF_ADDR TF_EPC, e_s, 4
    la t0, trap_frame
    ld a0, TF_STATUS(t0)                 # mstatus seen at the S ecall
    srli a1, a0, 11
    andi a1, a1, 3
    CHECK_EQ a1, 1, 5                    # MPP = S (mode that trapped)
    andi a1, a0, MSTATUS_MPIE
    CHECK_EQ a1, MSTATUS_MPIE, 6         # MPIE = MIE before the trap (1 after mret)
    andi a1, a0, MSTATUS_MIE
    CHECK_EQ a1, 0, 7                    # MIE cleared on trap entry
    # sret with SPP=U, SPIE=1, SIE=0 -> U with SIE=1, SPIE=1, SPP=U
    li t0, MSTATUS_SPP | MSTATUS_SIE
    csrc sstatus, t0
    li t0, MSTATUS_SPIE
    csrs sstatus, t0
    la t0, u_code
    csrw sepc, t0
    sret
u_code:
    TRAP_EXPECT
e_u: ecall
    CHECK_TRAP CAUSE_ECALL_U, 8
    CHECK_TF_ADDR TF_EPC, e_u, 9
    la t0, trap_frame
    ld a0, TF_STATUS(t0)
    srli a1, a0, 11
    andi a1, a1, 3
    CHECK_EQ a1, 0, 10                   # MPP = U
    andi a1, a0, MSTATUS_SIE
    CHECK_EQ a1, MSTATUS_SIE, 11         # SIE = old SPIE
    andi a1, a0, MSTATUS_SPIE
    CHECK_EQ a1, MSTATUS_SPIE, 12
    andi a1, a0, MSTATUS_SPP
    CHECK_EQ a1, 0, 13
    GOTO_M
    # mret to M with MPP=M leaves MPP = U afterwards (priv 3.1.6.1: MPP set to least-privileged mode)
    GOTO_MODE 3, back_m
back_m:
    csrr a0, mstatus
    srli a1, a0, 11
    andi a1, a1, 3
    CHECK_EQ a1, 0, 14
    csrr a0, mstatus                     # still M: M CSRs readable
    PASS
