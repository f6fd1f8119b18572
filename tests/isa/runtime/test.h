/*
 * test.h - assembler macros for the bare-metal ISA tests (tests/isa/).
 *
 * Conventions (see crt.S):
 *   gp (x3)  holds the current check number; a failing test exits through the
 *            sifive_test finisher with that number as exit status (1..255).
 *   t4, t5   are clobbered by the CHECK_* / TRAP_* macros.
 *   a7       is clobbered by PASS / FAIL / GOTO_M (they are magic ecalls that
 *            the M-mode handler in crt.S services from any privilege mode).
 * The M-mode handler records every trap in trap_frame (cause, tval, epc,
 * mstatus) and preserves all registers. A trap must be armed with
 * TRAP_EXPECT (one trap per arm) or the test fails with status 254.
 * After an exception the handler resumes at the TRAP_EXPECT label, or
 * after the trapping instruction when none was given; after an interrupt
 * it clears the matching mie bit and returns to mepc.
 * The S-mode handler (strap_entry, install with SET_STVEC) does the same
 * with strap_frame / STRAP_EXPECT; an unexpected S trap fails with 253.
 * mscratch and sscratch point at the two frames: tests must not change them.
 */
#ifndef VM_TESTS_ISA_TEST_H
#define VM_TESTS_ISA_TEST_H

#define FINISHER    0x100000
#define UART_BASE   0x10000000
#define CLINT_BASE  0x2000000
#define CLINT_MSIP      (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP  (CLINT_BASE + 0x4000)
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)

#define MAGIC_PASS  0x7a550
#define MAGIC_FAIL  0x7fa11
#define MAGIC_TO_M  0x7e3e3

/* trap_frame / strap_frame layout (bytes) */
#define TF_T0      0
#define TF_T1      8
#define TF_T2      16
#define TF_CAUSE   24
#define TF_TVAL    32
#define TF_EPC     40
#define TF_COUNT   48
#define TF_RESUME  56
#define TF_EXPECT  64
#define TF_STATUS  72
#define TF_TOM     80
#define TF_SIZE    128

/* mstatus bits (privileged spec 3.1.6) */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

/* exception causes (privileged spec 3.1.15) */
#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL           2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_MISALIGNED_STORE  6
#define CAUSE_STORE_ACCESS      7
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_S           9
#define CAUSE_ECALL_M           11
#define CAUSE_FETCH_PAGE        12
#define CAUSE_LOAD_PAGE         13
#define CAUSE_STORE_PAGE        15
#define IRQ_BIT                 (1 << 63)
#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11

/* PTE bits (privileged spec 4.3.1) */
#define PTE_V  0x01
#define PTE_R  0x02
#define PTE_W  0x04
#define PTE_X  0x08
#define PTE_U  0x10
#define PTE_G  0x20
#define PTE_A  0x40
#define PTE_D  0x80
#define PTE_RWX   (PTE_R | PTE_W | PTE_X)
#define PTE_LEAF  (PTE_V | PTE_RWX | PTE_A | PTE_D)

#define SATP_SV39  (8 << 60)
#define SATP_SV48  (9 << 60)
#define SATP_SV57  (10 << 60)

#ifdef __ASSEMBLER__

.macro TEST_BEGIN
    .section .text
    .globl test_main
test_main:
.endm

/* Pass / fail from any mode (magic ecall serviced by the M handler). */
.macro PASS
    li a7, MAGIC_PASS
    ecall
1:  j 1b
.endm

.macro FAIL num
    li gp, \num
    j fail
.endm

/* Fail with check number \num unless \reg == \val (64-bit immediate). */
.macro CHECK_EQ reg, val, num
    li gp, \num
    li t5, \val
    beq \reg, t5, 1f
    j fail
1:
.endm

.macro CHECK_NE reg, val, num
    li gp, \num
    li t5, \val
    bne \reg, t5, 1f
    j fail
1:
.endm

/* Fail unless \reg1 == \reg2. */
.macro CHECK_REG reg1, reg2, num
    li gp, \num
    beq \reg1, \reg2, 1f
    j fail
1:
.endm

/* Fail unless the float register's raw bits (64-bit, so boxing shows) equal \val. */
.macro CHECK_FBITS freg, val, num
    fmv.x.d t4, \freg
    CHECK_EQ t4, \val, \num
.endm

/* Fail unless fflags == \val; clears fflags. */
.macro CHECK_FFLAGS val, num
    csrrci t4, fflags, 0x1f
    CHECK_EQ t4, \val, \num
.endm

/* Arm the M handler for exactly one trap; resume at \resume if given. */
.macro TRAP_EXPECT resume=0
    la t5, trap_frame
    li t4, 1
    sd t4, TF_EXPECT(t5)
    .ifnc \resume,0
    la t4, \resume
    sd t4, TF_RESUME(t5)
    .endif
.endm

.macro STRAP_EXPECT resume=0
    la t5, strap_frame
    li t4, 1
    sd t4, TF_EXPECT(t5)
    .ifnc \resume,0
    la t4, \resume
    sd t4, TF_RESUME(t5)
    .endif
.endm

/* Fail unless the armed trap happened with mcause == \cause. */
.macro CHECK_TRAP cause, num, frame=trap_frame
    li gp, \num
    la t5, \frame
    ld t4, TF_EXPECT(t5)
    beqz t4, 1f
    j fail
1:  ld t4, TF_CAUSE(t5)
    li t5, \cause
    beq t4, t5, 2f
    j fail
2:
.endm

.macro CHECK_STRAP cause, num
    CHECK_TRAP \cause, \num, strap_frame
.endm

/* Fail unless the last recorded trap's field (TF_TVAL, TF_EPC, ...) equals \val. */
.macro CHECK_TF field, val, num, frame=trap_frame
    la t5, \frame
    ld t4, \field(t5)
    CHECK_EQ t4, \val, \num
.endm

/* Same, comparing against the address of a label. */
.macro CHECK_TF_ADDR field, label, num, frame=trap_frame
    li gp, \num
    la t5, \frame
    ld t4, \field(t5)
    la t5, \label
    beq t4, t5, 1f
    j fail
1:
.endm

/* Fail if an armed trap is still pending (i.e. nothing trapped) -> use after a no-trap op. */
.macro CHECK_NO_TRAP num, frame=trap_frame
    li gp, \num
    la t5, \frame
    ld t4, TF_COUNT(t5)
    beqz t4, 1f
    j fail
1:
.endm

/* Enter privilege \mode (0 = U, 1 = S, 3 = M) at \target via mret. */
.macro GOTO_MODE mode, target
    li t5, MSTATUS_MPP
    csrc mstatus, t5
    li t5, (\mode << 11)
    csrs mstatus, t5
    la t5, \target
    csrw mepc, t5
    mret
.endm

/* From S or U (not delegated): continue at the next instruction in M-mode. */
.macro GOTO_M
    li a7, MAGIC_TO_M
    ecall
.endm

.macro SET_STVEC
    la t5, strap_entry
    csrw stvec, t5
.endm

/* Reset the trap counters of both frames. */
.macro TRAP_RESET
    la t5, trap_frame
    sd zero, TF_COUNT(t5)
    sd zero, TF_EXPECT(t5)
    sd zero, TF_RESUME(t5)
    la t5, strap_frame
    sd zero, TF_COUNT(t5)
    sd zero, TF_EXPECT(t5)
    sd zero, TF_RESUME(t5)
.endm

#endif /* __ASSEMBLER__ */
#endif /* VM_TESTS_ISA_TEST_H */
