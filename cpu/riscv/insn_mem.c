/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integer loads and stores (unprivileged ISA 20191213 §2.6, §5.3) and the
 * A extension (ch. 8): LR/SC with a single reservation address, and the
 * AMOs as load-operate-store.  One thread runs all harts, so every AMO is
 * atomic with respect to other harts and aq/rl need no action.  Plain
 * misaligned accesses are split by the engine; LR/SC/AMOs raise
 * address-misaligned (privileged 1.12 §3.6.3.3: LR gives a load fault,
 * SC and AMOs a store/AMO fault).
 */
#include "cpu/riscv/insn.h"
#include "tcg/tlb.h"

#define X(r) (riscv_cpu(cs)->gpr[(r)])
#define RD X(in->rd)
#define RS1 X(in->rs1)
#define RS2 X(in->rs2)

#define DEF_LOAD(id, size, conv) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        gva_t addr = RS1 + (uint64_t)in->imm; \
        RD = (uint64_t)(conv)cpu_load(cs, addr, size, riscv_cpu(cs)->data_mmu_idx); \
        return 0; \
    }

DEF_LOAD(lb, 1, int8_t)
DEF_LOAD(lh, 2, int16_t)
DEF_LOAD(lw, 4, int32_t)
DEF_LOAD(ld, 8, uint64_t)
DEF_LOAD(lbu, 1, uint8_t)
DEF_LOAD(lhu, 2, uint16_t)
DEF_LOAD(lwu, 4, uint32_t)

#define DEF_STORE(id, size) \
    int riscv_op_##id(CPUState *cs, const TBInsn *in) \
    { \
        gva_t addr = RS1 + (uint64_t)in->imm; \
        cpu_store(cs, addr, RS2, size, riscv_cpu(cs)->data_mmu_idx); \
        return 0; \
    }

DEF_STORE(sb, 1)
DEF_STORE(sh, 2)
DEF_STORE(sw, 4)
DEF_STORE(sd, 8)

/* --- A ------------------------------------------------------------------ */

static uint64_t load_reserved(CPUState *cs, const TBInsn *in, unsigned size)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;
    uint64_t v;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_LOAD_MISALIGNED, addr);
    }
    v = cpu_load(cs, addr, size, cpu->data_mmu_idx);
    cpu->reservation = addr;
    return v;
}

/* Returns rd: 0 when the store happened, 1 when the reservation was lost. */
static uint64_t store_conditional(CPUState *cs, const TBInsn *in, unsigned size)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_STORE_MISALIGNED, addr);
    }
    if (cpu->reservation != addr) {
        cpu->reservation = ~(gva_t)0;
        return 1;
    }
    /* Store first: if it faults, the reservation survives the retry. */
    cpu_store(cs, addr, RS2, size, cpu->data_mmu_idx);
    cpu->reservation = ~(gva_t)0;
    return 0;
}

int riscv_op_lr_w(CPUState *cs, const TBInsn *in)
{
    RD = (uint64_t)(int64_t)(int32_t)load_reserved(cs, in, 4);
    return 0;
}

int riscv_op_lr_d(CPUState *cs, const TBInsn *in)
{
    RD = load_reserved(cs, in, 8);
    return 0;
}

int riscv_op_sc_w(CPUState *cs, const TBInsn *in)
{
    RD = store_conditional(cs, in, 4);
    return 0;
}

int riscv_op_sc_d(CPUState *cs, const TBInsn *in)
{
    RD = store_conditional(cs, in, 8);
    return 0;
}

enum { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU };

/* Load-operate-store on size (4 or 8) bytes; returns the old value, sign-extended. */
static uint64_t amo(CPUState *cs, const TBInsn *in, unsigned size, int op)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;
    uint64_t b = RS2, old, v;
    int mmu_idx = cpu->data_mmu_idx;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_STORE_MISALIGNED, addr);
    }
    /* A read-only page must give a store/AMO fault, not a load fault. */
    tlb_probe(cs, addr, size, ACCESS_WRITE, mmu_idx);
    old = cpu_load(cs, addr, size, mmu_idx);
    if (size == 4) {
        old = (uint64_t)(int64_t)(int32_t)old;
        b = (uint64_t)(int64_t)(int32_t)b;
    }
    switch (op) {
    case AMO_SWAP: v = b; break;
    case AMO_ADD: v = old + b; break;
    case AMO_XOR: v = old ^ b; break;
    case AMO_AND: v = old & b; break;
    case AMO_OR: v = old | b; break;
    case AMO_MIN: v = (int64_t)old < (int64_t)b ? old : b; break;
    case AMO_MAX: v = (int64_t)old > (int64_t)b ? old : b; break;
    case AMO_MINU: v = (size == 4 ? (uint32_t)old < (uint32_t)b : old < b) ? old : b; break;
    default: v = (size == 4 ? (uint32_t)old > (uint32_t)b : old > b) ? old : b; break;
    }
    cpu_store(cs, addr, v, size, mmu_idx);
    return old;
}

#define DEF_AMO(name, op) \
    int riscv_op_##name##_w(CPUState *cs, const TBInsn *in) \
    { \
        RD = amo(cs, in, 4, op); \
        return 0; \
    } \
    int riscv_op_##name##_d(CPUState *cs, const TBInsn *in) \
    { \
        RD = amo(cs, in, 8, op); \
        return 0; \
    }

DEF_AMO(amoswap, AMO_SWAP)
DEF_AMO(amoadd, AMO_ADD)
DEF_AMO(amoxor, AMO_XOR)
DEF_AMO(amoand, AMO_AND)
DEF_AMO(amoor, AMO_OR)
DEF_AMO(amomin, AMO_MIN)
DEF_AMO(amomax, AMO_MAX)
DEF_AMO(amominu, AMO_MINU)
DEF_AMO(amomaxu, AMO_MAXU)
