# PMP: a NAPOT region without permissions denies S/U load/store/fetch (access faults 5/7/1, mtval = address) but not M; a locked entry binds M and ignores writes (priv 3.7).
#include "test.h"
    TEST_BEGIN
    la s0, region
    srli t0, s0, 2
    ori t0, t0, 0x1ff                    # NAPOT, 4 KiB
    csrw pmpaddr0, t0
    mv s2, t0
    li t0, -1
    csrw pmpaddr1, t0
    li t0, 0x1f18                        # entry 0: NAPOT ---, entry 1: NAPOT RWX
    csrw pmpcfg0, t0
    sfence.vma
    li t1, 0xabc
    sd t1, 0(s0)                         # M ignores unlocked entries
    ld a0, 0(s0)
    CHECK_EQ a0, 0xabc, 1
    GOTO_MODE 1, s_code
s_code:
    TRAP_EXPECT
    ld a0, 8(s0)
    CHECK_TRAP CAUSE_LOAD_ACCESS, 2
    addi t0, s0, 8
    li gp, 3
    la t5, trap_frame
    ld t4, TF_TVAL(t5)
    beq t4, t0, 1f
    j fail
1:
    TRAP_EXPECT
    sw a0, 16(s0)
    CHECK_TRAP CAUSE_STORE_ACCESS, 4
    TRAP_EXPECT f_back
    jalr s0
f_back:
    CHECK_TRAP CAUSE_FETCH_ACCESS, 5
    li t0, 4096                          # just past the region: allowed by entry 1
    add t0, s0, t0
    ld a0, 0(t0)
    GOTO_M
    GOTO_MODE 0, u_code
u_code:
    TRAP_EXPECT
    lbu a0, 2047(s0)
    CHECK_TRAP CAUSE_LOAD_ACCESS, 6
    GOTO_M
    # locked, read-only: M stores now fault, loads work, the entry cannot change
    li t0, 0x1f99                        # entry 0: L | NAPOT | R
    csrw pmpcfg0, t0
    ld a0, 0(s0)
    CHECK_EQ a0, 0xabc, 7
    TRAP_EXPECT
    sd a0, 0(s0)
    CHECK_TRAP CAUSE_STORE_ACCESS, 8
    li t0, 0x1f1f
    csrw pmpcfg0, t0
    csrr a0, pmpcfg0
    andi a0, a0, 0xff
    CHECK_EQ a0, 0x99, 9
    csrw pmpaddr0, zero
    csrr a0, pmpaddr0
    CHECK_REG a0, s2, 10
    PASS

    .section .bss
    .align 12
region: .space 4096
