# Self-modifying code in hot loops, with and without fence.i (unpriv spec 6, Zifencei).
# Without fence.i the spec lets a hart fetch the old or the new instruction; this
# engine invalidates a page's TBs on any store to it, so a rewritten instruction is
# fetched anew from the next TB boundary on, while the rest of the TB doing the store
# still runs the instructions it was translated from. The sums below pin that tier 1
# behaviour; run.sh checks tier=jit and tier=auto give the same. Each loop runs 200
# times (past the tier=auto threshold of 50) and stores to the code only when
# i % 64 == 63 (a dummy page otherwise), so the code is rewritten inside compiled TBs.
#include "test.h"

# t0 = (s1 % 64 == 63) ? s0 : s3, where s4 = s0 - s3
.macro PICK_TARGET
    andi t0, s1, 63
    addi t0, t0, -63
    seqz t0, t0
    neg t0, t0
    and t0, t0, s4
    add t0, t0, s3
.endm

    TEST_BEGIN
    la s3, dummy
    # 1: rewrite "addi a0, zero, i" in a called TB, no fence.i: seen at the next call
    la s0, callee
    sub s4, s0, s3
    li s1, 0
    li s2, 0
1:  PICK_TARGET
    slli t1, s1, 20
    li t2, 0x00000513                    # addi a0, zero, 0
    or t1, t1, t2
    sw t1, 0(t0)
    jalr ra, 0(s0)
    add s2, s2, a0
    addi s1, s1, 1
    li t0, 200
    bne s1, t0, 1b
    CHECK_EQ s2, 13879, 1                # 63*64 + 127*64 + 191*9
    # 2: the same with fence.i after every store
    li t1, 0x00000513
    sw t1, 0(s0)
    fence.i
    li s1, 0
    li s2, 0
1:  PICK_TARGET
    slli t1, s1, 20
    li t2, 0x00000513
    or t1, t1, t2
    sw t1, 0(t0)
    fence.i
    jalr ra, 0(s0)
    add s2, s2, a0
    addi s1, s1, 1
    li t0, 200
    bne s1, t0, 1b
    CHECK_EQ s2, 13879, 2
    # 3: the store rewrites "addi a0, a0, i" later in its own TB, no fence.i: that TB
    # still adds the old immediate; the next pass through the loop sees the new one
    la s0, patch
    sub s4, s0, s3
    li s1, 0
    li a0, 0
    call selfmod
    CHECK_EQ a0, 13752, 3                # 64*1 + 64*63 + 64*127 + 8*191
    # 4: the same with fence.i between the store and the patched instruction, which
    # ends the TB: the new immediate is added at once
    la s0, patch_f
    sub s4, s0, s3
    li s1, 0
    li a0, 0
    call selfmod_f
    CHECK_EQ a0, 13942, 4                # 63*1 + 64*63 + 64*127 + 9*191
    # 5: as 1, with a store to a data word on the callee's page before the callee's
    # first translation, so the page's TLB entry was filled writable before it held code
    la s0, callee2
    sub s4, s0, s3
    la s5, word2
    li s1, 0
    li s2, 0
1:  sd s1, 0(s5)
    PICK_TARGET
    slli t1, s1, 20
    li t2, 0x00000513
    or t1, t1, t2
    sw t1, 0(t0)
    jalr ra, 0(s0)
    add s2, s2, a0
    addi s1, s1, 1
    li t0, 200
    bne s1, t0, 1b
    CHECK_EQ s2, 13879, 5
    PASS

    .data
    .option norvc                        # the patched instructions are 4 bytes
    .align 4
callee:
    addi a0, zero, 0
    ret
selfmod:
    PICK_TARGET
    slli t1, s1, 20
    li t2, 0x00050513                    # addi a0, a0, 0
    or t1, t1, t2
    sw t1, 0(t0)
patch:
    addi a0, a0, 1
    addi s1, s1, 1
    li t0, 200
    bne s1, t0, selfmod
    ret
selfmod_f:
    PICK_TARGET
    slli t1, s1, 20
    li t2, 0x00050513
    or t1, t1, t2
    sw t1, 0(t0)
    fence.i
patch_f:
    addi a0, a0, 1
    addi s1, s1, 1
    li t0, 200
    bne s1, t0, selfmod_f
    ret

    .align 12
callee2:
    addi a0, zero, 0
    ret
    .balign 64
word2:
    .dword 0

    .bss
    .align 12
dummy: .space 4096
