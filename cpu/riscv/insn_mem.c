/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integer loads and stores (unprivileged ISA 20191213 §2.6, §5.3) and the
 * A extension (ch. 8).  Harts may run on host threads of their own
 * (DESIGN.md §3), so AMOs on RAM are host atomic instructions on the
 * pointer tlb_atomic_host() gives, and SC is QEMU's compare-and-swap of
 * the value LR loaded (an ABA store by another hart goes unnoticed, which
 * RVWMO code cannot tell from a successful LR/SC pair).  On MMIO and ROM
 * both run as load-operate-store under the big lock, which every device
 * access takes too.  All host atomics are sequentially consistent: on
 * the x86-64 (TSO) host that is a locked instruction, a full barrier,
 * which covers every aq/rl combination; lr with rl set adds the barrier
 * before its load.  Plain misaligned accesses are split by the engine;
 * LR/SC/AMOs raise address-misaligned (privileged 1.12 §3.6.3.3: LR gives
 * a load fault, SC and AMOs a store/AMO fault).
 */
#include "cpu/riscv/insn.h"
#include "tcg/tlb.h"
#include "util/bql.h"

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

/* The aq and rl bits of an LR/SC/AMO encoding (unpriv. §8.1). */
#define AQRL_RL (1u << 25)

static uint64_t load_reserved(CPUState *cs, const TBInsn *in, unsigned size)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;
    uint64_t v;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_LOAD_MISALIGNED, addr);
    }
    if (in->raw & AQRL_RL) {
        /* lr.aqrl is ordered after earlier stores, which TSO lets a load pass. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    v = cpu_load(cs, addr, size, cpu->data_mmu_idx);
    cpu->reservation = addr;
    cpu->reservation_val = v;
    return v;
}

/*
 * Returns rd: 0 when the store happened, 1 when the reservation was lost:
 * another address, or memory no longer holds the value lr loaded (sc.w
 * compares the low 32 bits).  The reservation is gone afterwards either
 * way; a fault leaves it to the trap, which drops it too.
 */
static uint64_t store_conditional(CPUState *cs, const TBInsn *in, unsigned size)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;
    uint64_t expect = cpu->reservation_val, v = RS2;
    bool ok;
    void *host;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_STORE_MISALIGNED, addr);
    }
    if (cpu->reservation != addr) {
        cpu->reservation = ~(gva_t)0;
        return 1;
    }
    host = tlb_atomic_host(cs, addr, size, cpu->data_mmu_idx);
    if (host && size == 4) {
        uint32_t e32 = (uint32_t)expect;
        ok = __atomic_compare_exchange_n((uint32_t *)host, &e32, (uint32_t)v, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else if (host) {
        ok = __atomic_compare_exchange_n((uint64_t *)host, &expect, v, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        uint64_t mask = size == 4 ? 0xffffffffull : ~0ull;

        bql_lock();
        ok = ((cpu_load(cs, addr, size, cpu->data_mmu_idx) ^ expect) & mask) == 0;
        if (ok) {
            cpu_store(cs, addr, v, size, cpu->data_mmu_idx);
        }
        bql_unlock();
    }
    cpu->reservation = ~(gva_t)0;
    return ok ? 0 : 1;
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

/*
 * The value an AMO stores, from the old memory value and rs2, both
 * sign-extended from 32 bits for the .w forms (their store truncates).
 */
static uint64_t amo_result(int op, unsigned size, uint64_t old, uint64_t b)
{
    switch (op) {
    case AMO_SWAP: return b;
    case AMO_ADD: return old + b;
    case AMO_XOR: return old ^ b;
    case AMO_AND: return old & b;
    case AMO_OR: return old | b;
    case AMO_MIN: return (int64_t)old < (int64_t)b ? old : b;
    case AMO_MAX: return (int64_t)old > (int64_t)b ? old : b;
    case AMO_MINU: return (size == 4 ? (uint32_t)old < (uint32_t)b : old < b) ? old : b;
    default: return (size == 4 ? (uint32_t)old > (uint32_t)b : old > b) ? old : b;
    }
}

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/*
 * amo_host32/amo_host64: the AMO as one host atomic on p (aligned RAM);
 * returns the old value, sign-extended.  min/max have no host
 * instruction and retry a compare-and-swap.
 */
#define DEF_AMO_HOST(bits, ext) \
    static uint64_t amo_host##bits(void *p, int op, uint64_t b) \
    { \
        uint##bits##_t *m = p, v = (uint##bits##_t)b, old; \
        \
        switch (op) { \
        case AMO_SWAP: old = __atomic_exchange_n(m, v, __ATOMIC_SEQ_CST); break; \
        case AMO_ADD: old = __atomic_fetch_add(m, v, __ATOMIC_SEQ_CST); break; \
        case AMO_XOR: old = __atomic_fetch_xor(m, v, __ATOMIC_SEQ_CST); break; \
        case AMO_AND: old = __atomic_fetch_and(m, v, __ATOMIC_SEQ_CST); break; \
        case AMO_OR: old = __atomic_fetch_or(m, v, __ATOMIC_SEQ_CST); break; \
        default: \
            old = __atomic_load_n(m, __ATOMIC_RELAXED); \
            while (!__atomic_compare_exchange_n(m, &old, \
                        (uint##bits##_t)amo_result(op, bits / 8, ext(old), ext(v)), \
                        true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) { \
            } \
            break; \
        } \
        return ext(old); \
    }

#define NO_EXT(v) ((uint64_t)(v))
DEF_AMO_HOST(32, sext32)
DEF_AMO_HOST(64, NO_EXT)

/* The AMO on size (4 or 8) bytes; returns the old value, sign-extended. */
static uint64_t amo(CPUState *cs, const TBInsn *in, unsigned size, int op)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    gva_t addr = RS1;
    uint64_t b = RS2, old;
    int mmu_idx = cpu->data_mmu_idx;
    void *host;

    if (addr & (size - 1)) {
        cpu_raise_exception(cs, EXC_STORE_MISALIGNED, addr);
    }
    /* Checks write permission: a read-only page gives a store/AMO fault, not a load fault. */
    host = tlb_atomic_host(cs, addr, size, mmu_idx);
    if (host) {
        return size == 4 ? amo_host32(host, op, b) : amo_host64(host, op, b);
    }
    bql_lock();
    old = cpu_load(cs, addr, size, mmu_idx);
    if (size == 4) {
        old = sext32(old);
        b = sext32(b);
    }
    cpu_store(cs, addr, amo_result(op, size, old, b), size, mmu_idx);
    bql_unlock();
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
