/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the tier-2 IR and its optimizer (tcg/ir.c, tcg/opt.c):
 * folding matches RISC-V semantics, constants propagate within a block
 * and are forgotten at labels and helper calls, copies propagate until
 * either side is redefined, dead temporaries and x0 writes disappear,
 * loads (which may fault) stay.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tcg/ir.h"

static IRFunc *new_func(void)
{
    static IRFunc f;

    ir_init(&f);
    f.zero_global = 0;
    f.sink_global = 32;
    return &f;
}

static void test_ir_fold_matches_riscv_word_and_shift_semantics(void **state)
{
    uint64_t r;

    assert_true(ir_fold(IR_SHL, false, 1, 65, &r));
    assert_int_equal(r, 2);                         /* count masked to 63 */
    assert_true(ir_fold(IR_SAR, true, 0x80000000u, 33, &r));
    assert_int_equal(r, 0xc0000000u);               /* 32-bit, count masked to 31 */
    assert_true(ir_fold(IR_ADD, true, 0x7fffffff, 1, &r));
    assert_int_equal(r, 0x80000000u);               /* zero-extended like the back end */
    assert_true(ir_fold(IR_EXT32S, false, 0x80000000u, 0, &r));
    assert_int_equal(r, 0xffffffff80000000ull);
    assert_true(ir_eval_cond(IR_LT, (uint64_t)-1, 0));
    assert_false(ir_eval_cond(IR_LTU, (uint64_t)-1, 0));
}

static void test_ir_opt_propagates_constants_into_guest_registers(void **state)
{
    IRFunc *f = new_func();

    ir_mov(f, 5, ir_c(0x1000));                     /* lui */
    ir_binop(f, IR_ADD, false, 5, ir_v(5), ir_c(0x23)); /* addi */
    ir_exit(f, ir_v(5));
    ir_optimize(f);
    assert_int_equal(f->ops[1].opc, IR_MOV);
    assert_true(f->ops[1].a.is_const);
    assert_int_equal(f->ops[1].a.c, 0x1023);
    assert_true(f->ops[2].a.is_const);
    assert_int_equal(f->ops[2].a.c, 0x1023);
}

static void test_ir_opt_reads_x0_as_zero_and_drops_sink_writes(void **state)
{
    IRFunc *f = new_func();

    ir_binop(f, IR_ADD, false, 32, ir_v(7), ir_v(8));
    ir_binop(f, IR_OR, false, 9, ir_v(0), ir_v(0));
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_NOP);
    assert_int_equal(f->ops[1].opc, IR_MOV);
    assert_true(f->ops[1].a.is_const);
    assert_int_equal(f->ops[1].a.c, 0);
}

static void test_ir_opt_removes_dead_temps_but_keeps_loads(void **state)
{
    IRFunc *f = new_func();
    int t = ir_new_temp(f), u = ir_new_temp(f);

    ir_binop(f, IR_ADD, false, t, ir_v(1), ir_v(2));        /* dead */
    ir_ld(f, u, ir_v(1), 0, 8, false, NULL);                /* dead but may fault */
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_NOP);
    assert_int_equal(f->ops[1].opc, IR_LD);
}

static void test_ir_opt_forgets_guest_constants_after_helper_calls(void **state)
{
    IRFunc *f = new_func();

    ir_mov(f, 3, ir_c(7));
    ir_call_insn(f, NULL);
    ir_exit(f, ir_v(3));
    ir_optimize(f);
    assert_false(f->ops[2].a.is_const);
}

static void test_ir_opt_forgets_constants_at_labels(void **state)
{
    IRFunc *f = new_func();
    int l = ir_new_label(f), t = ir_new_temp(f);

    ir_mov(f, t, ir_c(1));
    ir_brcond(f, IR_EQ, ir_v(4), ir_c(0), l);
    ir_mov(f, t, ir_c(2));
    ir_label(f, l);
    ir_exit(f, ir_v(t));
    ir_optimize(f);
    assert_false(f->ops[4].a.is_const);
    assert_int_equal(f->ops[0].opc, IR_MOV);        /* still live through the branch */
}

static void test_ir_opt_turns_shift_pairs_into_extensions(void **state)
{
    static const struct { int64_t n; IROpc right, want; } pairs[] = {
        { 32, IR_SHR, IR_EXT32U }, { 32, IR_SAR, IR_EXT32S }, { 48, IR_SHR, IR_EXT16U },
        { 48, IR_SAR, IR_EXT16S }, { 56, IR_SHR, IR_AND }, { 56, IR_SAR, IR_EXT8S },
    };
    static const uint64_t x = 0x89abcdeff0e1d2c3ull;

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        IRFunc *f = new_func();
        uint64_t want, got;

        ir_binop(f, IR_SHL, false, 14, ir_v(15), ir_c(pairs[i].n));   /* slli a4, a5, n */
        ir_binop(f, pairs[i].right, false, 14, ir_v(14), ir_c(pairs[i].n));
        ir_exit(f, ir_v(14));
        ir_optimize(f);
        assert_int_equal(f->ops[0].opc, IR_NOP);
        assert_int_equal(f->ops[1].opc, pairs[i].want);
        assert_int_equal(f->ops[1].a.v, 15);
        /* The extension computes what the two shifts did. */
        assert_true(ir_fold(IR_SHL, false, x, (uint64_t)pairs[i].n, &want));
        assert_true(ir_fold(pairs[i].right, false, want, (uint64_t)pairs[i].n, &want));
        assert_true(ir_fold(f->ops[1].opc, false, x, f->ops[1].b.is_const ? f->ops[1].b.c : 0,
                            &got));
        assert_int_equal(got, want);
    }
    /* A shift pair with a different count, or reading another value, stays. */
    IRFunc *f = new_func();
    ir_binop(f, IR_SHL, false, 14, ir_v(15), ir_c(32));
    ir_binop(f, IR_SHR, false, 14, ir_v(14), ir_c(31));
    ir_binop(f, IR_SHL, false, 12, ir_v(15), ir_c(32));
    ir_binop(f, IR_SHR, false, 12, ir_v(13), ir_c(32));
    ir_exit(f, ir_v(14));
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_SHL);
    assert_int_equal(f->ops[1].opc, IR_SHR);
    assert_int_equal(f->ops[2].opc, IR_SHL);
    assert_int_equal(f->ops[3].opc, IR_SHR);
}

static void test_ir_opt_simplifies_identities_and_double_extensions(void **state)
{
    IRFunc *f = new_func();

    ir_binop(f, IR_ADD, true, 14, ir_v(8), ir_c(0));    /* addiw a4, s0, 0 (sext.w) */
    ir_unop(f, IR_EXT32S, 14, ir_v(14));
    ir_binop(f, IR_XOR, false, 9, ir_v(10), ir_c(0));   /* xori s1, a0, 0: a move */
    ir_binop(f, IR_SHL, true, 11, ir_v(12), ir_v(13));  /* sllw: not an identity */
    ir_unop(f, IR_EXT32S, 11, ir_v(11));
    ir_exit(f, ir_v(8));
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_NOP);
    assert_int_equal(f->ops[1].opc, IR_EXT32S);
    assert_int_equal(f->ops[1].d, 14);
    assert_int_equal(f->ops[1].a.v, 8);
    assert_int_equal(f->ops[2].opc, IR_MOV);
    assert_int_equal(f->ops[2].a.v, 10);
    assert_int_equal(f->ops[3].opc, IR_SHL);
    assert_int_equal(f->ops[4].opc, IR_EXT32S);
    assert_int_equal(f->ops[4].a.v, 11);
}

static void test_ir_opt_propagates_copies_and_drops_the_dead_moves(void **state)
{
    IRFunc *f = new_func();
    int t = ir_new_temp(f), u = ir_new_temp(f);

    ir_mov(f, t, ir_v(5));                              /* t = x5 */
    ir_mov(f, u, ir_v(t));                              /* u = t: a copy of x5 too */
    ir_binop(f, IR_ADD, false, 6, ir_v(u), ir_v(t));
    ir_st(f, ir_v(u), ir_v(t), 8, 8, NULL);
    ir_exit(f, ir_v(6));
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_NOP);
    assert_int_equal(f->ops[1].opc, IR_NOP);
    assert_int_equal(f->ops[2].opc, IR_ADD);
    assert_int_equal(f->ops[2].a.v, 5);
    assert_int_equal(f->ops[2].b.v, 5);
    assert_int_equal(f->ops[3].a.v, 5);
    assert_int_equal(f->ops[3].b.v, 5);
}

static void test_ir_opt_stops_copies_at_redefinitions_calls_and_labels(void **state)
{
    IRFunc *f = new_func();
    int t = ir_new_temp(f), u = ir_new_temp(f), l = ir_new_label(f);

    ir_mov(f, t, ir_v(5));                              /* t = x5 */
    ir_mov(f, 7, ir_v(t));                              /* x7 = t (a guest write: stays) */
    ir_binop(f, IR_ADD, false, 5, ir_v(5), ir_c(1));    /* x5 redefined: t keeps the old */
    ir_binop(f, IR_SUB, false, 8, ir_v(t), ir_v(7));    /* x8 = t - x7: neither is x5 now */
    ir_mov(f, u, ir_v(9));
    ir_call_insn(f, NULL);                              /* may write x9 */
    ir_binop(f, IR_OR, false, 10, ir_v(u), ir_v(7));
    ir_mov(f, 11, ir_v(12));
    ir_label(f, l);
    ir_exit(f, ir_v(11));
    ir_optimize(f);
    assert_int_equal(f->ops[0].opc, IR_MOV);            /* t still read after x5 changed */
    assert_int_equal(f->ops[1].opc, IR_MOV);
    assert_int_equal(f->ops[1].a.v, 5);                 /* before the redefinition: fine */
    assert_int_equal(f->ops[3].a.v, t);
    assert_int_equal(f->ops[3].b.v, 7);
    assert_int_equal(f->ops[4].opc, IR_MOV);
    assert_int_equal(f->ops[6].a.v, u);                 /* not x9: the helper may have written it */
    assert_int_equal(f->ops[6].b.v, 7);
    assert_int_equal(f->ops[9].a.v, 11);                /* not x12: a label is a merge point */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ir_fold_matches_riscv_word_and_shift_semantics),
        cmocka_unit_test(test_ir_opt_propagates_constants_into_guest_registers),
        cmocka_unit_test(test_ir_opt_reads_x0_as_zero_and_drops_sink_writes),
        cmocka_unit_test(test_ir_opt_removes_dead_temps_but_keeps_loads),
        cmocka_unit_test(test_ir_opt_forgets_guest_constants_after_helper_calls),
        cmocka_unit_test(test_ir_opt_forgets_constants_at_labels),
        cmocka_unit_test(test_ir_opt_simplifies_identities_and_double_extensions),
        cmocka_unit_test(test_ir_opt_turns_shift_pairs_into_extensions),
        cmocka_unit_test(test_ir_opt_propagates_copies_and_drops_the_dead_moves),
        cmocka_unit_test(test_ir_opt_stops_copies_at_redefinitions_calls_and_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
