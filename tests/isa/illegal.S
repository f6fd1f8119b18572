# Illegal instruction: mcause 2, mepc, mtval = the faulting instruction bits (32-bit and compressed) (priv 3.1.16-3.1.17).
#include "test.h"
    TEST_BEGIN
    TRAP_EXPECT
i1: .word 0x00b0007b                     # custom-3 opcode, not implemented
    CHECK_TRAP CAUSE_ILLEGAL, 1
    CHECK_TF_ADDR TF_EPC, i1, 2
    CHECK_TF TF_TVAL, 0x00b0007b, 3
    TRAP_EXPECT
i2: csrw cycle, a0
    CHECK_TRAP CAUSE_ILLEGAL, 4
    CHECK_TF_ADDR TF_EPC, i2, 5
    CHECK_TF TF_TVAL, 0xc0051073, 6
    TRAP_EXPECT
i3: .half 0x0000                         # c.unimp (defined illegal)
    CHECK_TRAP CAUSE_ILLEGAL, 7
    CHECK_TF_ADDR TF_EPC, i3, 8
    CHECK_TF TF_TVAL, 0, 9
    TRAP_EXPECT
i4: .half 0x6101                         # c.addi16sp with nzimm = 0: reserved
    CHECK_TRAP CAUSE_ILLEGAL, 10
    CHECK_TF TF_TVAL, 0x6101, 11
    PASS
