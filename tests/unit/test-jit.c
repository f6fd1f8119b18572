/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the x86-64 back end (tcg/x86_64/): hand-built IR runs on
 * a real RISCVCPU with RAM.  Every ALU op is checked against the
 * constant folder (ir_fold, itself checked in test-ir) on edge values;
 * guest loads and stores go through the inline TLB hit path and the
 * slow path; a faulting load unwinds with the faulting instruction's pc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/riscv/cpu.h"
#include "cpu/riscv/cpu_bits.h"
#include "cpu/riscv/fpu.h"
#include "cpu/riscv/insn.h"
#include "hw/core/machine.h"
#include "tcg/ir.h"
#include "tcg/jit.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)

static Machine *m;
static RISCVCPU *cpu;
static IRFunc func;
static TranslationBlock *tb;
static TranslationBlock *fp_tb;

static int setup(void **state)
{
    m = calloc(1, sizeof(*m));
    cpu = calloc(1, sizeof(*cpu));
    assert_non_null(memory_add_ram(&m->as, "ram", RAM_BASE, RAM_SIZE, false));
    riscv_cpu_init(cpu, m, 0);
    tb = calloc(1, sizeof(*tb) + 4 * sizeof(TBInsn));
    tb->n_insns = 2;
    tb->insns[0].pc = RAM_BASE + 0x100;
    tb->insns[1].pc = RAM_BASE + 0x104;
    fp_tb = calloc(1, sizeof(*fp_tb) + 2 * sizeof(TBInsn));
    return 0;
}

static int teardown(void **state)
{
    memory_destroy(&m->as);
    free(tb);
    free(fp_tb);
    free(cpu);
    free(m);
    return 0;
}

static IRFunc *new_func(void)
{
    ir_init(&func);
    for (unsigned i = 0; i < IR_NB_GLOBALS; i++) {
        func.global_off[i] = offsetof(RISCVCPU, gpr) + i * 8;
    }
    func.mmu_idx_off = offsetof(RISCVCPU, data_mmu_idx);
    func.zero_global = 0;
    func.sink_global = 32;
    return &func;
}

/* Compile f (optionally optimized) and run it once. */
static void run(IRFunc *f, bool optimize)
{
    void *exec;
    uint8_t *code = jit_buffer_alloc(1 << 16, &exec);
    size_t len;

    assert_non_null(code);
    if (optimize) {
        ir_optimize(f);
    }
    len = jit_backend_emit(f, code, 1 << 16, NULL);
    assert_true(len > 0);
    jit_buffer_commit(len);
    tb->jit_code = exec;
    jit_exec(&cpu->parent, tb);
}

/* Compile f as tb's code, chaining on (a self loop jumps back into it), and run it once. */
static void run_tb(IRFunc *f)
{
    void *exec;
    uint8_t *code = jit_buffer_alloc(1 << 16, &exec);
    JITExits exits;
    size_t len;

    assert_non_null(code);
    f->tb = tb;
    f->n_insns = tb->n_insns;
    ir_optimize(f);
    len = jit_backend_emit(f, code, 1 << 16, &exits);
    assert_true(len > 0);
    jit_buffer_commit(len);
    tb->jit_code = exec;
    jit_exec(&cpu->parent, tb);
}

/* The loop of test_jit_self_loop_*: g1 += 1, g4 += 8, g6 = [g4], g2 += g1 while g1 != g3. */
static IRFunc *self_loop_func(void)
{
    IRFunc *f = new_func();
    int again = ir_new_label(f);

    tb->pc = tb->insns[0].pc;
    tb->chainable = tb->cacheable = true;
    ir_binop(f, IR_ADD, false, 1, ir_v(1), ir_c(1));
    ir_binop(f, IR_ADD, false, 4, ir_v(4), ir_c(8));
    ir_ld(f, 6, ir_v(4), 0, 8, false, &tb->insns[1]);
    ir_binop(f, IR_ADD, false, 2, ir_v(2), ir_v(1));
    ir_brcond(f, IR_NE, ir_v(1), ir_v(3), again);
    ir_exit(f, ir_c((int64_t)tb->pc + 8));
    ir_label(f, again);
    ir_exit(f, ir_c((int64_t)tb->pc));
    return f;
}

static void self_loop_state(uint64_t limit, uint64_t g4)
{
    cpu->priv = PRV_M;
    riscv_update_mmu_idx(cpu);
    cpu->gpr[1] = cpu->gpr[2] = 0;
    cpu->gpr[3] = limit;
    cpu->gpr[4] = g4;
    cpu->parent.icount = 0;
    cpu->parent.exit_request = 0;
}

static void test_jit_self_loop_runs_to_the_budget_and_exits_with_registers_written(void **state)
{
    uint64_t n = JIT_CHAIN_BUDGET + 100;

    self_loop_state(n, RAM_BASE);
    run_tb(self_loop_func());
    /* The budget ends the first run at the loop's own pc. */
    assert_int_equal(cpu->parent.pc, tb->pc);
    assert_int_equal(cpu->gpr[1], JIT_CHAIN_BUDGET);
    assert_int_equal(cpu->gpr[2], (uint64_t)JIT_CHAIN_BUDGET * (JIT_CHAIN_BUDGET + 1) / 2);
    assert_int_equal(cpu->gpr[4], RAM_BASE + 8 * JIT_CHAIN_BUDGET);
    assert_int_equal(cpu->parent.icount, 2 * JIT_CHAIN_BUDGET);
    /* The next run goes on from there to the loop's end. */
    jit_exec(&cpu->parent, tb);
    assert_int_equal(cpu->parent.pc, tb->pc + 8);
    assert_int_equal(cpu->gpr[1], n);
    assert_int_equal(cpu->gpr[2], n * (n + 1) / 2);
    assert_int_equal(cpu->parent.icount, 2 * n);
}

static void test_jit_self_loop_leaves_on_exit_request(void **state)
{
    self_loop_state(100, RAM_BASE);
    cpu->parent.exit_request = 1;
    run_tb(self_loop_func());
    assert_int_equal(cpu->parent.pc, tb->pc);
    assert_int_equal(cpu->gpr[1], 1);
    assert_int_equal(cpu->gpr[2], 1);
    assert_int_equal(cpu->gpr[4], RAM_BASE + 8);
    cpu->parent.exit_request = 0;
}

static void test_jit_self_loop_fault_sees_the_pinned_registers(void **state)
{
    /* The 10th iteration loads past the end of RAM: an access fault. */
    self_loop_state(100, RAM_BASE + RAM_SIZE - 80);
    if (sigsetjmp(cpu->parent.jmp_env, 0) == 0) {
        run_tb(self_loop_func());
        fail_msg("the load did not fault");
    }
    assert_int_equal(cpu->parent.exception_cause, EXC_LOAD_ACCESS);
    assert_int_equal(cpu->parent.pc, tb->insns[1].pc);
    assert_int_equal(cpu->gpr[1], 10);
    assert_int_equal(cpu->gpr[4], RAM_BASE + RAM_SIZE);
    assert_int_equal(cpu->gpr[2], 45);      /* 1 + ... + 9 */
    assert_int_equal(cpu->parent.icount, 2 * 9 + 1);
}

/*
 * A loop TB over g3 iterations in MMU mode mmu_idx: g1 += 1, g7 = [g4],
 * with `store` [g4] = g7 + g1, g2 += g7, g4 += 8.
 */
static IRFunc *summing_loop_func(bool store, int mmu_idx)
{
    IRFunc *f = new_func();
    int again = ir_new_label(f);

    tb->pc = tb->insns[0].pc;
    tb->chainable = tb->cacheable = true;
    f->mmu_idx = mmu_idx;
    ir_binop(f, IR_ADD, false, 1, ir_v(1), ir_c(1));
    ir_ld(f, 7, ir_v(4), 0, 8, false, &tb->insns[0]);
    if (store) {
        ir_binop(f, IR_ADD, false, 8, ir_v(7), ir_v(1));
        ir_st(f, ir_v(8), ir_v(4), 0, 8, &tb->insns[1]);
    }
    ir_binop(f, IR_ADD, false, 2, ir_v(2), ir_v(7));
    ir_binop(f, IR_ADD, false, 4, ir_v(4), ir_c(8));
    ir_brcond(f, IR_NE, ir_v(1), ir_v(3), again);
    ir_exit(f, ir_c((int64_t)tb->pc + 8));
    ir_label(f, again);
    ir_exit(f, ir_c((int64_t)tb->pc));
    return f;
}

static void test_jit_self_loop_page_cache_follows_page_crossings(void **state)
{
    /* 500 iterations across a page boundary, storing too. */
    gpa_t base = RAM_BASE + 0x4800;
    uint64_t sum = 0, v;

    for (unsigned i = 0; i < 500; i++) {
        memory_write(&m->as, base + 8 * i, 8, 3 * i + 1);
        sum += 3 * i + 1;
    }
    self_loop_state(500, base);
    run_tb(summing_loop_func(true, MMU_IDX_M));
    assert_int_equal(cpu->parent.pc, tb->pc + 8);
    assert_int_equal(cpu->gpr[2], sum);
    for (unsigned i = 0; i < 500; i++) {
        assert_int_equal(memory_read(&m->as, base + 8 * i, 8, &v), 0);
        assert_int_equal(v, 3 * i + 1 + i + 1);
    }
}

static void test_jit_self_loop_page_cache_takes_each_pages_own_mapping(void **state)
{
    /* Sv39: va 0x40000000 -> pa PB + 0x1000, va 0x40001000 -> pa PB (swapped). */
    const gpa_t root = RAM_BASE + 0x30000, l1 = root + 0x1000, l0 = root + 0x2000;
    const gpa_t pb = RAM_BASE + 0x20000;
    const uint64_t leaf = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    uint64_t sum = 0;

    memory_write(&m->as, root + 1 * 8, 8, ((l1 >> 12) << PTE_PPN_SHIFT) | PTE_V);
    memory_write(&m->as, l1, 8, ((l0 >> 12) << PTE_PPN_SHIFT) | PTE_V);
    memory_write(&m->as, l0, 8, (((pb + 0x1000) >> 12) << PTE_PPN_SHIFT) | leaf);
    memory_write(&m->as, l0 + 8, 8, ((pb >> 12) << PTE_PPN_SHIFT) | leaf);
    for (unsigned i = 0; i < 2 * 512; i++) {
        memory_write(&m->as, pb + 8 * i, 8, i);
    }
    for (unsigned i = 512 - 32; i < 512 + 32; i++) {   /* va page 0 = pa page 1 and back */
        sum += i < 512 ? i + 512 : i - 512;
    }
    self_loop_state(64, 0x40000000 + 0x1000 - 32 * 8);
    cpu->satp = ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (root >> 12);
    cpu->priv = PRV_S;
    riscv_update_mmu_idx(cpu);
    tlb_flush(&cpu->parent);
    run_tb(summing_loop_func(false, MMU_IDX_S));
    cpu->satp = 0;
    cpu->priv = PRV_M;
    riscv_update_mmu_idx(cpu);
    tlb_flush(&cpu->parent);
    assert_int_equal(cpu->parent.pc, tb->pc + 8);
    assert_int_equal(cpu->gpr[2], sum);
}

static const uint64_t edge[] = {
    0, 1, 2, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x123456789abcdef0ull, (uint64_t)-33,
};

static void test_jit_alu_ops_match_the_folder(void **state)
{
    static const IROpc ops[] = {
        IR_ADD, IR_SUB, IR_AND, IR_OR, IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_MUL,
    };
    size_t n = sizeof(edge) / sizeof(edge[0]);

    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        for (int w32 = 0; w32 < 2; w32++) {
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < n; j++) {
                    IRFunc *f = new_func();
                    uint64_t want;
                    /* register-register, then register-constant */
                    ir_binop(f, ops[o], w32, 10, ir_v(1), ir_v(2));
                    ir_binop(f, ops[o], w32, 11, ir_v(1), ir_c((int64_t)edge[j]));
                    ir_exit(f, ir_c(0));
                    cpu->gpr[1] = edge[i];
                    cpu->gpr[2] = edge[j];
                    run(f, false);
                    assert_true(ir_fold(ops[o], w32, edge[i], edge[j], &want));
                    assert_int_equal(cpu->gpr[10], want);
                    assert_int_equal(cpu->gpr[11], want);
                }
            }
        }
    }
}

static void test_jit_setcond_and_brcond_follow_ir_eval_cond(void **state)
{
    size_t n = sizeof(edge) / sizeof(edge[0]);

    for (int c = IR_EQ; c <= IR_GEU; c++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                IRFunc *f = new_func();
                int l = ir_new_label(f);
                ir_setcond(f, c, 12, ir_v(1), ir_v(2));
                ir_brcond(f, c, ir_v(1), ir_v(2), l);
                ir_exit(f, ir_c(0x1000));
                ir_label(f, l);
                ir_exit(f, ir_c((int64_t)0xffffffff80002000ull));
                cpu->gpr[1] = edge[i];
                cpu->gpr[2] = edge[j];
                run(f, false);
                bool want = ir_eval_cond(c, edge[i], edge[j]);
                assert_int_equal(cpu->gpr[12], want);
                assert_int_equal(cpu->parent.pc, want ? 0xffffffff80002000ull : 0x1000);
            }
        }
    }
}

static void test_jit_loads_extend_and_stores_truncate(void **state)
{
    static const struct { unsigned size; bool sign; uint64_t want; } cases[] = {
        { 1, false, 0xf0 }, { 1, true, 0xfffffffffffffff0ull },
        { 2, false, 0xdef0 }, { 2, true, 0xffffffffffffdef0ull },
        { 4, false, 0x9abcdef0 }, { 4, true, 0xffffffff9abcdef0ull },
        { 8, false, 0x123456789abcdef0ull },
    };

    cpu->priv = PRV_M;
    riscv_update_mmu_idx(cpu);
    for (int pass = 0; pass < 2; pass++) {      /* first: TLB misses; then hits */
        for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            IRFunc *f = new_func();
            cpu->gpr[1] = RAM_BASE + 0x2000;
            cpu->gpr[2] = 0x123456789abcdef0ull;
            ir_st(f, ir_v(2), ir_v(1), 8, 8, &tb->insns[0]);
            ir_ld(f, 3, ir_v(1), 8, cases[k].size, cases[k].sign, &tb->insns[1]);
            ir_st(f, ir_v(2), ir_v(1), 0x10, cases[k].size, &tb->insns[1]);
            ir_ld(f, 4, ir_v(1), 0x10, 8, false, &tb->insns[1]);
            ir_exit(f, ir_c(0));
            if (pass == 0) {
                tlb_flush(&cpu->parent);
            }
            memory_write(&m->as, RAM_BASE + 0x2010, 8, 0);
            run(f, true);
            assert_int_equal(cpu->gpr[3], cases[k].want);
            assert_int_equal(cpu->gpr[4], cases[k].size == 8 ? cases[k].want :
                             cases[k].want & ((1ull << (8 * cases[k].size)) - 1));
        }
    }
}

static void test_jit_page_crossing_load_takes_the_slow_path(void **state)
{
    IRFunc *f = new_func();

    cpu->priv = PRV_M;
    riscv_update_mmu_idx(cpu);
    memory_write(&m->as, RAM_BASE + 0x2ffc, 4, 0x44332211);
    memory_write(&m->as, RAM_BASE + 0x3000, 4, 0x88776655);
    cpu->gpr[1] = RAM_BASE + 0x2ffc;
    ir_ld(f, 3, ir_v(1), 0, 8, false, &tb->insns[0]);
    ir_exit(f, ir_c(0));
    run(f, true);
    assert_int_equal(cpu->gpr[3], 0x8877665544332211ull);
}

static void test_jit_faulting_load_reports_its_instruction(void **state)
{
    IRFunc *f = new_func();

    cpu->priv = PRV_M;
    riscv_update_mmu_idx(cpu);
    cpu->gpr[1] = 0x10;                     /* nothing mapped there */
    cpu->gpr[5] = 0;
    cpu->parent.icount = 0;
    ir_mov(f, 5, ir_c(1));
    ir_ld(f, 3, ir_v(1), 0, 8, false, &tb->insns[1]);
    ir_exit(f, ir_c(0));
    if (sigsetjmp(cpu->parent.jmp_env, 0) == 0) {
        run(f, true);
        fail_msg("the load did not fault");
    }
    assert_int_equal(cpu->parent.pc, tb->insns[1].pc);
    assert_int_equal(cpu->parent.exception_cause, EXC_LOAD_ACCESS);
    assert_int_equal(cpu->parent.icount, 1);
    assert_int_equal(cpu->gpr[5], 1);       /* earlier instructions completed */
}

static const uint64_t edge_m[] = {
    0, 1, 2, 3, 7, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
    0xffffffff80000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull,
    0x123456789abcdef0ull, (uint64_t)-33, 0x8000000000000001ull, 0x00ff00ff00000000ull,
};

/* The extra IR ops, register and constant second operand, against the folder. */
static void test_jit_extra_ops_match_the_folder(void **state)
{
    size_t n = sizeof(edge_m) / sizeof(edge_m[0]);

    for (int o = IR_MULH; o <= IR_BSWAP; o++) {
        if (!ir_host_has((IROpc)o)) {
            continue;
        }
        for (int w32 = 0; w32 < 2; w32++) {
            if (w32 && (o == IR_MULH || o == IR_MULHU || o == IR_MULHSU)) {
                continue;
            }
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < n; j++) {
                    IRFunc *f = new_func();
                    IROp *op;
                    uint64_t want;

                    op = ir_emit(f, (IROpc)o);
                    op->w32 = w32, op->d = 10, op->a = ir_v(1), op->b = ir_v(2);
                    op = ir_emit(f, (IROpc)o);
                    op->w32 = w32, op->d = 11, op->a = ir_v(1);
                    op->b = ir_c((int64_t)edge_m[j]);
                    ir_exit(f, ir_c(0));
                    cpu->gpr[1] = edge_m[i];
                    cpu->gpr[2] = edge_m[j];
                    run(f, false);
                    assert_true(ir_fold((IROpc)o, w32, edge_m[i], edge_m[j], &want));
                    assert_int_equal(cpu->gpr[10], want);
                    assert_int_equal(cpu->gpr[11], want);
                }
            }
        }
    }
}

/*
 * One guest instruction through riscv_translate and the back end (with
 * and without the optimizer, rd distinct from and equal to rs1) against
 * its tier-1 handler.
 */
static void check_insn(uint16_t opn, uint64_t a, uint64_t b, int64_t imm)
{
    static TranslationBlock *t1;
    const TBInsn *ins;

    if (!t1) {
        t1 = calloc(1, sizeof(*t1) + 2 * sizeof(TBInsn));
    }
    for (int v = 0; v < 4; v++) {
        TBInsn *in = &t1->insns[0];
        uint64_t want;

        memset(in, 0, sizeof(*in));
        in->fn = riscv_insn_table[opn].fn;
        in->op = opn;
        in->pc = RAM_BASE + 0x200;
        in->len = 4;
        in->rs1 = 1;
        in->rs2 = 2;
        in->rd = (v & 2) ? 1 : 10;
        in->imm = imm;
        t1->insns[1].pc = RAM_BASE + 0x204;
        t1->n_insns = 1;
        ins = in;
        cpu->gpr[1] = a;
        cpu->gpr[2] = b;
        cpu->gpr[10] = 0x5a5a5a5a5a5a5a5aull;
        assert_int_equal(ins->fn(&cpu->parent, ins), 0);
        want = cpu->gpr[ins->rd];
        cpu->gpr[1] = a;
        cpu->gpr[2] = b;
        cpu->gpr[10] = 0x5a5a5a5a5a5a5a5aull;
        assert_true(riscv_translate(&cpu->parent, t1, &func));
        run(&func, v & 1);
        if (cpu->gpr[ins->rd] != want) {
            fail_msg("%s a=0x%" PRIx64 " b=0x%" PRIx64 " imm=%" PRId64 " rd=x%d: jit 0x%" PRIx64
                     " tier1 0x%" PRIx64, riscv_insn_table[opn].name, a, b, imm, ins->rd,
                     cpu->gpr[ins->rd], want);
        }
        assert_int_equal(cpu->parent.pc, RAM_BASE + 0x204);
    }
}

static void test_jit_m_and_zb_match_tier1(void **state)
{
    static const uint16_t rr[] = {
        RISCV_OP_mul, RISCV_OP_mulh, RISCV_OP_mulhsu, RISCV_OP_mulhu, RISCV_OP_mulw,
        RISCV_OP_div, RISCV_OP_divu, RISCV_OP_rem, RISCV_OP_remu,
        RISCV_OP_divw, RISCV_OP_divuw, RISCV_OP_remw, RISCV_OP_remuw,
        RISCV_OP_sh1add, RISCV_OP_sh2add, RISCV_OP_sh3add, RISCV_OP_add_uw,
        RISCV_OP_sh1add_uw, RISCV_OP_sh2add_uw, RISCV_OP_sh3add_uw,
        RISCV_OP_andn, RISCV_OP_orn, RISCV_OP_xnor, RISCV_OP_min, RISCV_OP_max,
        RISCV_OP_minu, RISCV_OP_maxu, RISCV_OP_sext_b, RISCV_OP_sext_h, RISCV_OP_zext_h,
        RISCV_OP_rol, RISCV_OP_ror, RISCV_OP_rolw, RISCV_OP_rorw,
        RISCV_OP_clz, RISCV_OP_ctz, RISCV_OP_cpop, RISCV_OP_clzw, RISCV_OP_ctzw, RISCV_OP_cpopw,
        RISCV_OP_orc_b, RISCV_OP_rev8,
        RISCV_OP_bset, RISCV_OP_bclr, RISCV_OP_binv, RISCV_OP_bext,
    };
    static const uint16_t ri[] = {
        RISCV_OP_slli_uw, RISCV_OP_rori, RISCV_OP_roriw, RISCV_OP_bseti, RISCV_OP_bclri,
        RISCV_OP_binvi, RISCV_OP_bexti,
    };
    static const int64_t imms[] = { 0, 1, 5, 31, 32, 33, 63 };
    size_t n = sizeof(edge_m) / sizeof(edge_m[0]);

    for (size_t o = 0; o < sizeof(rr) / sizeof(rr[0]); o++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                check_insn(rr[o], edge_m[i], edge_m[j], 0);
            }
        }
    }
    for (size_t o = 0; o < sizeof(ri) / sizeof(ri[0]); o++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < sizeof(imms) / sizeof(imms[0]); k++) {
                if (ri[o] == RISCV_OP_roriw && imms[k] >= 32) {
                    continue;
                }
                check_insn(ri[o], edge_m[i], 0, imms[k]);
            }
        }
    }
}

/* Whether code holds a VEX-encoded (C4 prefix) op opc: BMI2 was used. */
static bool has_vex_op(const uint8_t *code, size_t len, uint8_t opc)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (code[i] == 0xc4 && code[i + 3] == opc) {
            return true;
        }
    }
    return false;
}

/*
 * Shifts by a register (RV64 masking: 6 bits, 5 for the *w forms) and
 * rotates by a constant, BMI2 forced off and (when the host has it) on,
 * against the tier-1 handlers; with BMI2 the code must use shlx/rorx.
 */
static void test_jit_shifts_and_rotates_match_tier1_with_and_without_bmi2(void **state)
{
    static const uint16_t rr[] = {
        RISCV_OP_sll, RISCV_OP_srl, RISCV_OP_sra, RISCV_OP_sllw, RISCV_OP_srlw, RISCV_OP_sraw,
        RISCV_OP_rol, RISCV_OP_ror, RISCV_OP_rolw, RISCV_OP_rorw,
    };
    static const uint16_t ri[] = {
        RISCV_OP_slli, RISCV_OP_srli, RISCV_OP_srai, RISCV_OP_slliw, RISCV_OP_srliw,
        RISCV_OP_sraiw, RISCV_OP_rori, RISCV_OP_roriw,
    };
    static const uint64_t counts[] = { 0, 1, 31, 32, 33, 63, 64, 65, 96, ~0ull, ~31ull };
    static const int64_t imms[] = { 0, 1, 7, 31, 32, 63 };
    static uint8_t code[4096];
    size_t n = sizeof(edge_m) / sizeof(edge_m[0]);

    for (int bmi2 = 0; bmi2 < 2; bmi2++) {
        IRFunc *f;
        size_t len;

        if (jit_backend_use_bmi2(bmi2) != bmi2) {
            print_message("host without BMI2: legacy encodings only\n");
            break;
        }
        f = new_func();
        ir_binop(f, IR_SHL, false, 10, ir_v(1), ir_v(2));
        ir_binop(f, IR_ROTR, true, 11, ir_v(1), ir_c(5));
        ir_exit(f, ir_c(0));
        len = jit_backend_emit(f, code, sizeof(code), NULL);
        assert_true(len > 0);
        assert_int_equal(has_vex_op(code, len, 0xf7), bmi2);    /* shlx */
        assert_int_equal(has_vex_op(code, len, 0xf0), bmi2);    /* rorx */
        for (size_t o = 0; o < sizeof(rr) / sizeof(rr[0]); o++) {
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < sizeof(counts) / sizeof(counts[0]); j++) {
                    check_insn(rr[o], edge_m[i], counts[j], 0);
                }
            }
        }
        for (size_t o = 0; o < sizeof(ri) / sizeof(ri[0]); o++) {
            bool word = ri[o] == RISCV_OP_slliw || ri[o] == RISCV_OP_srliw ||
                        ri[o] == RISCV_OP_sraiw || ri[o] == RISCV_OP_roriw;

            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < sizeof(imms) / sizeof(imms[0]); k++) {
                    if (!word || imms[k] < 32) {
                        check_insn(ri[o], edge_m[i], 0, imms[k]);
                    }
                }
            }
        }
    }
    jit_backend_use_bmi2(true);
}

/* --- F/D on host SSE (IR_FPOP) against the tier-1 handlers ------------- */

#define BOX 0xffffffff00000000ull

static const uint64_t fedge_d[] = {
    0, 0x8000000000000000ull,                                   /* +-0 */
    0x7ff0000000000000ull, 0xfff0000000000000ull,               /* +-inf */
    0x7ff8000000000000ull, 0xfff8000000000123ull,               /* qNaN, -qNaN payload */
    0x7ff4000000000000ull, 0x7ff0000000000001ull,               /* sNaN */
    0x0000000000000001ull, 0x800fffffffffffffull,               /* subnormals */
    0x0008000000000000ull,
    0x0010000000000000ull, 0x0010000000000001ull, 0x0018000000000000ull,
    0x001fffffffffffffull, 0x8010000000000000ull,               /* small normals */
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7fe0000000000000ull,
    0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3ff0000000000001ull,
    0x3fefffffffffffffull, 0x3ca0000000000000ull, 0xbca0000000000000ull,
    0x3ca0000000000001ull, 0x3cb0000000000000ull,               /* halfway adds */
    0x4008000000000000ull, 0x3fb999999999999aull, 0x3fe0000000000000ull,
    0x4000000000000000ull, 0xc01c000000000000ull, 0x3fe0000000000001ull,
};

static const uint64_t fedge_s[] = {
    BOX | 0, BOX | 0x80000000u, BOX | 0x7f800000u, BOX | 0xff800000u,
    BOX | 0x7fc00000u, BOX | 0xffc00123u, BOX | 0x7fa00000u, BOX | 0x7f800001u,
    BOX | 0x00000001u, BOX | 0x807fffffu, BOX | 0x00400000u,
    BOX | 0x00800000u, BOX | 0x00800001u, BOX | 0x00c00000u, BOX | 0x00ffffffu,
    BOX | 0x80800000u, BOX | 0x7f7fffffu, BOX | 0xff7fffffu, BOX | 0x7f000000u,
    BOX | 0x3f800000u, BOX | 0xbf800000u, BOX | 0x3f800001u, BOX | 0x3f7fffffu,
    BOX | 0x33800000u, BOX | 0xb3800000u, BOX | 0x33800001u, BOX | 0x34000000u,
    BOX | 0x40400000u, BOX | 0x3dcccccdu, BOX | 0x3f000000u, BOX | 0x40000000u,
    BOX | 0xc0e00000u, BOX | 0x3f000001u,
    0x000000003f800000ull, 0x7fffffff3f800000ull, 0xfffffffe00000000ull,  /* not boxed */
};

#define MSTATUS_FS_INITIAL (1ull << 13)

/* Run one instruction of fp_tb on tier 1 (jit = false) or compiled; state from the arguments. */
static void fp_state(uint64_t a, uint64_t b, uint64_t c, uint32_t frm, uint32_t fflags)
{
    cpu->fpr[1] = a;
    cpu->fpr[2] = b;
    cpu->fpr[4] = c;
    cpu->fpr[3] = 0x5a5a5a5a5a5a5a5aull;
    cpu->gpr[1] = 0x1111;
    cpu->gpr[10] = 0x5a5a5a5a5a5a5a5aull;
    cpu->frm = frm;
    cpu->fflags = fflags;
    cpu->mstatus = MSTATUS_FS_INITIAL;
}

static void fp_run_jit(bool optimize)
{
    jit_buffer_reset();
    assert_true(riscv_translate(&cpu->parent, fp_tb, &func));
    run(&func, optimize);
}

static IRFpOp fp_kind(const char *name)
{
    static const char *const names[] = {
        "fadd", "fsub", "fmul", "fdiv", "fsqrt", "fmadd", "fmsub", "fnmsub", "fnmadd",
        "feq", "flt", "fle", "fcvt.w", "fcvt.l",
    };

    for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (!strncmp(name, names[k], strlen(names[k])) && name[strlen(names[k])] == '.') {
            return (IRFpOp)k;
        }
    }
    fail_msg("%s is not inlined", name);
    return IR_FP_ADD;
}

/*
 * One F/D instruction (rs1 = f1, rs2 = f2, rs3 = f4, rd = f3 / x10 or
 * f1 / x1) with the given rm field and frm: result register, fflags and
 * mstatus after the compiled code against the handler.
 */
static void check_fp(uint16_t opn, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t frm,
                     uint32_t fflags, bool rd_is_rs1, bool optimize)
{
    const char *name = riscv_insn_table[opn].name;
    bool cmp = name[1] != 'a' && name[1] != 's' && name[1] != 'm' && name[1] != 'd' &&
               name[1] != 'n';
    TBInsn *in = &fp_tb->insns[0];
    uint64_t want, want_st, got, got_st;
    uint32_t want_fl, got_fl;

    memset(in, 0, sizeof(*in));
    in->fn = riscv_insn_table[opn].fn;
    in->op = opn;
    in->pc = RAM_BASE + 0x300;
    in->len = 4;
    in->rs1 = 1;
    in->rs2 = strncmp(name, "fsqrt", 5) == 0 ? 0 : 2;
    in->rs3 = 4;
    in->rd = rd_is_rs1 ? 1 : cmp ? 10 : 3;
    in->rm = (uint8_t)rm;
    fp_tb->insns[1].pc = RAM_BASE + 0x304;
    fp_tb->n_insns = 1;

    fp_state(a, b, c, frm, fflags);
    assert_int_equal(in->fn(&cpu->parent, in), 0);
    want = cmp ? cpu->gpr[in->rd] : cpu->fpr[in->rd];
    want_fl = cpu->fflags;
    want_st = cpu->mstatus;

    fp_state(a, b, c, frm, fflags);
    if (rm >= 1 && rm <= 3 && (strncmp(name, "fcvt", 4) || rm == 1)) {
        /* Static directed rounding: the front end leaves it to the handler; the back end directly. */
        IRFunc *f = new_func();
        f->fpr_off = offsetof(RISCVCPU, fpr);
        f->fflags_off = offsetof(RISCVCPU, fflags);
        f->frm_off = offsetof(RISCVCPU, frm);
        f->fs_off = offsetof(RISCVCPU, mstatus);
        f->fs_dirty = MSTATUS_FS_DIRTY | MSTATUS_SD;
        ir_fpop(f, fp_kind(name), name[strlen(name) - 1] == 's', in);
        ir_exit(f, ir_c((int64_t)(in->pc + 4)));
        jit_buffer_reset();
        run(f, optimize);
    } else {
        fp_run_jit(optimize);
    }
    got = cmp ? cpu->gpr[in->rd] : cpu->fpr[in->rd];
    got_fl = cpu->fflags;
    got_st = cpu->mstatus;
    if (got != want || got_fl != want_fl || got_st != want_st) {
        fail_msg("%s rm=%u frm=%u a=0x%016" PRIx64 " b=0x%016" PRIx64 ": jit 0x%016" PRIx64
                 " fl=0x%x ms=0x%" PRIx64 ", tier1 0x%016" PRIx64 " fl=0x%x ms=0x%" PRIx64,
                 name, rm, frm, a, b, got, got_fl, got_st, want, want_fl, want_st);
    }
    assert_int_equal(cpu->parent.pc, RAM_BASE + 0x304);
}

static void fp_table(const uint16_t *ops, size_t n_ops, const uint64_t *v, size_t n)
{
    /* rm field and frm: static RNE..RUP, static RMM (helper), dynamic frm 0..4 */
    static const struct { unsigned rm, frm; } modes[] = {
        { 0, 1 }, { 1, 0 }, { 2, 3 }, { 3, 2 }, { 4, 0 },
        { 7, 0 }, { 7, 1 }, { 7, 2 }, { 7, 3 }, { 7, 4 },
    };
    unsigned count = 0;

    for (size_t o = 0; o < n_ops; o++) {
        const char *name = riscv_insn_table[ops[o]].name;
        bool cmp = name[1] == 'e' || name[1] == 'l';
        bool unary = strncmp(name, "fsqrt", 5) == 0 || strncmp(name, "fcvt", 4) == 0;
        size_t n_modes = cmp ? 1 : sizeof(modes) / sizeof(modes[0]);

        for (size_t m = 0; m < n_modes; m++) {
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < (unary ? 1 : n); j++) {
                    count++;
                    check_fp(ops[o], v[i], unary ? v[(i * 7) % n] : v[j],
                             v[(i * 5 + j * 3 + 1) % n], modes[m].rm, modes[m].frm,
                             (count % 3 == 0) ? FFLAG_NX : 0, count % 5 == 0, count & 1);
                }
            }
        }
    }
}

static void test_jit_fp_double_matches_tier1(void **state)
{
    static const uint16_t ops[] = {
        RISCV_OP_fadd_d, RISCV_OP_fsub_d, RISCV_OP_fmul_d, RISCV_OP_fdiv_d, RISCV_OP_fsqrt_d,
        RISCV_OP_feq_d, RISCV_OP_flt_d, RISCV_OP_fle_d, RISCV_OP_fcvt_w_d, RISCV_OP_fcvt_l_d,
        RISCV_OP_fmadd_d, RISCV_OP_fmsub_d, RISCV_OP_fnmsub_d, RISCV_OP_fnmadd_d,
    };

    fp_table(ops, sizeof(ops) / sizeof(ops[0]), fedge_d, sizeof(fedge_d) / sizeof(fedge_d[0]));
}

static void test_jit_fp_single_matches_tier1(void **state)
{
    static const uint16_t ops[] = {
        RISCV_OP_fadd_s, RISCV_OP_fsub_s, RISCV_OP_fmul_s, RISCV_OP_fdiv_s, RISCV_OP_fsqrt_s,
        RISCV_OP_feq_s, RISCV_OP_flt_s, RISCV_OP_fle_s, RISCV_OP_fcvt_w_s, RISCV_OP_fcvt_l_s,
        RISCV_OP_fmadd_s, RISCV_OP_fmsub_s, RISCV_OP_fnmsub_s, RISCV_OP_fnmadd_s,
    };

    fp_table(ops, sizeof(ops) / sizeof(ops[0]), fedge_s, sizeof(fedge_s) / sizeof(fedge_s[0]));
}

/* Random operands (mostly near each other, to exercise rounding) in every mode. */
static void test_jit_fp_random_matches_tier1(void **state)
{
    static const uint16_t ops[] = {
        RISCV_OP_fadd_d, RISCV_OP_fsub_d, RISCV_OP_fmul_d, RISCV_OP_fdiv_d, RISCV_OP_fsqrt_d,
        RISCV_OP_fadd_s, RISCV_OP_fsub_s, RISCV_OP_fmul_s, RISCV_OP_fdiv_s, RISCV_OP_fsqrt_s,
    };
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (unsigned k = 0; k < 20000; k++) {
        uint16_t opn = ops[k % 10];
        bool single = k % 10 >= 5;
        uint64_t a, b;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a = x;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b = (k & 2) ? x : a ^ (x & 0xfff);
        if (k & 4) {            /* tiny exponents: underflow and subnormals */
            a &= single ? 0x8c7fffffull | (a & ~0xffffffffull) : 0x803fffffffffffffull;
            b &= single ? 0xbfffffffull : 0xbfffffffffffffffull;
        }
        if (single) {
            a = BOX | (uint32_t)a;
            b = BOX | (uint32_t)b;
        }
        check_fp(opn, a, b, 0, (k / 10) % 4, 0, 0, false, k & 1);
        check_fp(opn, a, b, 0, 7, (k / 40) % 4, 0, false, true);
    }
}

/* Dynamic rm with a reserved frm: illegal instruction at the instruction, nothing written. */
static void test_jit_fp_reserved_frm_is_illegal(void **state)
{
    TBInsn *in = &fp_tb->insns[0];

    memset(in, 0, sizeof(*in));
    in->fn = riscv_insn_table[RISCV_OP_fadd_d].fn;
    in->op = RISCV_OP_fadd_d;
    in->pc = RAM_BASE + 0x300;
    in->len = 4;
    in->rs1 = 1;
    in->rs2 = 2;
    in->rd = 3;
    in->rm = 7;
    in->raw = 0x022081d3;   /* fadd.d f3, f1, f2, dyn */
    fp_tb->insns[1].pc = RAM_BASE + 0x304;
    fp_tb->n_insns = 1;
    for (volatile uint32_t frm = 5; frm <= 7; frm++) {
        fp_state(0x3ff0000000000000ull, 0x3ca0000000000000ull, 0, frm, 0);
        cpu->parent.exception_cause = 0;
        if (sigsetjmp(cpu->parent.jmp_env, 0) == 0) {
            fp_run_jit(true);
            fail_msg("no illegal instruction with frm=%u", frm);
        }
        assert_int_equal(cpu->parent.exception_cause, EXC_ILLEGAL_INST);
        assert_int_equal(cpu->parent.pc, in->pc);
        assert_int_equal(cpu->fpr[3], 0x5a5a5a5a5a5a5a5aull);
        assert_int_equal(cpu->fflags, 0);
        assert_int_equal(cpu->mstatus, MSTATUS_FS_INITIAL);
    }
}

/*
 * Integer registers cached by the back end around inline FP ops: a compare
 * overwrites a register the cache holds dirty, a helper fallback (RMM)
 * clobbers the caller-saved cache registers.
 */
static void test_jit_fp_keeps_the_register_cache_coherent(void **state)
{
    static const struct { uint16_t op; uint8_t rd, rs1, rs2, rm; } seq[] = {
        { RISCV_OP_add, 10, 1, 2, 0 },
        { RISCV_OP_add, 11, 10, 2, 0 },
        { RISCV_OP_add, 12, 11, 1, 0 },
        { RISCV_OP_add, 13, 12, 1, 0 },
        { RISCV_OP_add, 14, 13, 1, 0 },
        { RISCV_OP_add, 15, 14, 1, 0 },
        { RISCV_OP_add, 16, 15, 1, 0 },
        { RISCV_OP_add, 17, 16, 1, 0 },
        { RISCV_OP_flt_d, 10, 1, 2, 1 },
        { RISCV_OP_add, 18, 10, 17, 0 },
        { RISCV_OP_fadd_d, 3, 1, 2, 7 },
        { RISCV_OP_add, 19, 18, 16, 0 },
        { RISCV_OP_fmul_s, 4, 5, 5, 4 },
        { RISCV_OP_add, 20, 19, 15, 0 },
        { RISCV_OP_feq_s, 11, 5, 5, 2 },
        { RISCV_OP_add, 21, 11, 14, 0 },
    };
    enum { N = sizeof(seq) / sizeof(seq[0]) };
    static TranslationBlock *t;
    uint64_t want_x[33], want_f[32];

    if (!t) {
        t = calloc(1, sizeof(*t) + (N + 1) * sizeof(TBInsn));
    }
    for (unsigned i = 0; i <= N; i++) {
        TBInsn *in = &t->insns[i];
        memset(in, 0, sizeof(*in));
        in->pc = RAM_BASE + 0x400 + 4 * i;
        in->len = 4;
        if (i < N) {
            in->op = seq[i].op;
            in->fn = riscv_insn_table[seq[i].op].fn;
            in->rd = seq[i].rd, in->rs1 = seq[i].rs1, in->rs2 = seq[i].rs2, in->rm = seq[i].rm;
        }
    }
    t->n_insns = N;
    for (int pass = 0; pass < 2; pass++) {
        for (int r = 1; r < 32; r++) {
            cpu->gpr[r] = 0x1000 * r + 7;
            cpu->fpr[r] = 0x3ff0000000000000ull + r;
        }
        cpu->fpr[5] = BOX | 0x3fc00001u;
        cpu->frm = 4;
        cpu->fflags = 0;
        cpu->mstatus = MSTATUS_FS_INITIAL;
        if (pass == 0) {
            for (unsigned i = 0; i < N; i++) {
                assert_int_equal(t->insns[i].fn(&cpu->parent, &t->insns[i]), 0);
            }
            memcpy(want_x, cpu->gpr, sizeof(want_x));
            memcpy(want_f, cpu->fpr, sizeof(want_f));
        } else {
            jit_buffer_reset();
            assert_true(riscv_translate(&cpu->parent, t, &func));
            run(&func, true);
            for (int r = 1; r < 32; r++) {
                assert_int_equal(cpu->gpr[r], want_x[r]);
                assert_int_equal(cpu->fpr[r], want_f[r]);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jit_alu_ops_match_the_folder),
        cmocka_unit_test(test_jit_setcond_and_brcond_follow_ir_eval_cond),
        cmocka_unit_test(test_jit_loads_extend_and_stores_truncate),
        cmocka_unit_test(test_jit_page_crossing_load_takes_the_slow_path),
        cmocka_unit_test(test_jit_faulting_load_reports_its_instruction),
        cmocka_unit_test(test_jit_extra_ops_match_the_folder),
        cmocka_unit_test(test_jit_m_and_zb_match_tier1),
        cmocka_unit_test(test_jit_fp_double_matches_tier1),
        cmocka_unit_test(test_jit_fp_single_matches_tier1),
        cmocka_unit_test(test_jit_fp_random_matches_tier1),
        cmocka_unit_test(test_jit_fp_reserved_frm_is_illegal),
        cmocka_unit_test(test_jit_fp_keeps_the_register_cache_coherent),
        cmocka_unit_test(test_jit_shifts_and_rotates_match_tier1_with_and_without_bmi2),
        cmocka_unit_test(test_jit_self_loop_runs_to_the_budget_and_exits_with_registers_written),
        cmocka_unit_test(test_jit_self_loop_leaves_on_exit_request),
        cmocka_unit_test(test_jit_self_loop_fault_sees_the_pinned_registers),
        cmocka_unit_test(test_jit_self_loop_page_cache_follows_page_crossings),
        cmocka_unit_test(test_jit_self_loop_page_cache_takes_each_pages_own_mapping),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
