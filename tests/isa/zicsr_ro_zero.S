# vm-only: QEMU 7.2 only treats csrrs/csrrc as a write when the rs1 value is non-zero
# Zicsr: csrrs/csrrc with rs1 != x0 write the CSR even when rs1 holds 0, so a read-only CSR traps (unpriv spec 9.1).
#include "test.h"
    TEST_BEGIN
    li a3, 0
    TRAP_EXPECT
    csrrc a0, marchid, a3
    CHECK_TRAP CAUSE_ILLEGAL, 1
    TRAP_EXPECT
    csrrs a0, cycle, a3
    CHECK_TRAP CAUSE_ILLEGAL, 2
    PASS
