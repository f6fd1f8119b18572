# Misaligned loads and stores (integer and FP) complete without a trap and read/write the right bytes; vm and QEMU 7.2 both handle them in M-mode (priv 3.6.3.1 allows either).
#include "test.h"
    TEST_BEGIN
    la s0, buf
    li a0, 0x0807060504030201
    sd a0, 0(s0)
    li a0, 0x100f0e0d0c0b0a09
    sd a0, 8(s0)
    lh a1, 1(s0)
    CHECK_EQ a1, 0x0302, 1
    lw a1, 3(s0)
    CHECK_EQ a1, 0x07060504, 2
    lwu a1, 7(s0)
    CHECK_EQ a1, 0x0b0a0908, 3
    ld a1, 5(s0)
    CHECK_EQ a1, 0x0d0c0b0a09080706, 4
    lhu a1, 15(s0)
    CHECK_EQ a1, 0x10, 5                 # byte 16 is zero
    li a2, 0xa1a2a3a4a5a6a7a8
    sd a2, 3(s0)
    ld a1, 0(s0)
    CHECK_EQ a1, 0xa4a5a6a7a8030201, 6
    ld a1, 8(s0)
    CHECK_EQ a1, 0x100f0e0d0ca1a2a3, 7
    sw a2, 13(s0)
    ld a1, 8(s0)
    CHECK_EQ a1, 0xa6a7a80d0ca1a2a3, 8
    la t0, dbl
    fld f1, 1(t0)                        # FP loads too
    fmv.x.d a1, f1
    CHECK_EQ a1, 0x1122334455667788, 9
    CHECK_NO_TRAP 10
    PASS

    .data
    .align 4
buf: .fill 4, 8, 0
dbl: .byte 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11
