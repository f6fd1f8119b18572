/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of RISC-V instruction decode (cpu/riscv/decode.c, rvc.c)
 * and of the instruction handlers run directly on a bare RISCVCPU
 * (insn_int.c, insn_mem.c, insn_fp.c, insn_sys.c).  Encodings and
 * expected values are derived by hand from the unprivileged ISA
 * 20191213 (ch. 2 immediate formats, ch. 16 RVC tables, ch. 7 Table 7.1,
 * ch. 8, ch. 11-12) and bitmanip 1.0.0; encodings were cross-checked
 * with riscv64-linux-gnu-as.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cpu/riscv/insn.h"
#include "cpu/riscv/fpu.h"
#include "tcg/tlb.h"

#define FS_ON (TB_FLAG_FS_ON | PRV_M)
#define FS_OFF (PRV_M)

/* Decode one 32-bit word at pc. */
static TBInsn dec32_at(uint32_t w, gva_t pc, uint32_t flags)
{
    uint8_t b[4] = { w, w >> 8, w >> 16, w >> 24 };
    TBInsn in;

    memset(&in, 0xa5, sizeof(in));
    assert_int_equal(riscv_decode(NULL, &in, b, 4, pc, flags), 4);
    assert_int_equal(in.len, 4);
    assert_int_equal(in.raw, w);
    assert_int_equal(in.pc, pc);
    return in;
}

static TBInsn dec32(uint32_t w)
{
    return dec32_at(w, 0x80000000, FS_ON);
}

/* Decode one 16-bit parcel at pc. */
static TBInsn dec16_at(uint16_t h, gva_t pc, uint32_t flags)
{
    uint8_t b[4] = { h, h >> 8, 0xff, 0xff };
    TBInsn in;

    memset(&in, 0xa5, sizeof(in));
    assert_int_equal(riscv_decode(NULL, &in, b, 4, pc, flags), 2);
    assert_int_equal(in.len, 2);
    assert_int_equal(in.raw, h);
    return in;
}

static TBInsn dec16(uint16_t h)
{
    return dec16_at(h, 0x80000000, FS_ON);
}

static void assert_regs(const TBInsn *in, unsigned rd, unsigned rs1, unsigned rs2)
{
    assert_int_equal(in->rd, rd);
    assert_int_equal(in->rs1, rs1);
    assert_int_equal(in->rs2, rs2);
}

/* --- 32-bit formats and immediates ----------------------------------------- */

static void test_decode_i_type_negative_imm(void **state)
{
    TBInsn in = dec32(0xfff50513);      /* addi a0,a0,-1 */

    assert_int_equal(in.op, RISCV_OP_addi);
    assert_ptr_equal(in.fn, riscv_op_addi);
    assert_int_equal(in.imm, -1);
    assert_regs(&in, 10, 10, 0);
    assert_int_equal(in.flags, 0);
}

static void test_decode_i_type_imm_boundaries(void **state)
{
    TBInsn in = dec32(0x80012503);      /* lw a0,-2048(sp) */

    assert_int_equal(in.op, RISCV_OP_lw);
    assert_int_equal(in.imm, -2048);
    assert_regs(&in, 10, 2, 0);
    in = dec32(0x7ff13503);             /* ld a0,2047(sp) */
    assert_int_equal(in.op, RISCV_OP_ld);
    assert_int_equal(in.imm, 2047);
}

static void test_decode_s_type_imm(void **state)
{
    TBInsn in = dec32(0xfea10fa3);      /* sb a0,-1(sp) */

    assert_int_equal(in.op, RISCV_OP_sb);
    assert_int_equal(in.imm, -1);
    assert_regs(&in, 0, 2, 10);
    in = dec32(0x00a13423);             /* sd a0,8(sp) */
    assert_int_equal(in.op, RISCV_OP_sd);
    assert_int_equal(in.imm, 8);
    in = dec32(0x7e000fa3);             /* sb x0,2047(x0): imm[11:5]=0x3f, imm[4:0]=31 */
    assert_int_equal(in.imm, 2047);
    in = dec32(0x80000023);             /* sb x0,-2048(x0) */
    assert_int_equal(in.imm, -2048);
}

static void test_decode_b_type_imm(void **state)
{
    TBInsn in = dec32(0xfeb504e3);      /* beq a0,a1,.-24 */

    assert_int_equal(in.op, RISCV_OP_beq);
    assert_int_equal(in.imm, -24);
    assert_regs(&in, 0, 10, 11);
    assert_int_equal(in.flags, TBI_END | TBI_JUMP);
    /* imm[11] (bit 7), imm[10:5]=0x3f, imm[4:1]=0xf: +4094 */
    assert_int_equal(dec32(0x7e000fe3).imm, 4094);
    /* Only imm[12] (bit 31): -4096 */
    assert_int_equal(dec32(0x80000063).imm, -4096);
    /* Only imm[11] (bit 7): +2048 */
    assert_int_equal(dec32(0x000000e3).imm, 2048);
}

static void test_decode_u_type_imm(void **state)
{
    TBInsn in = dec32(0xfffff537);      /* lui a0,0xfffff */

    assert_int_equal(in.op, RISCV_OP_lui);
    assert_int_equal(in.imm, -4096);
    assert_int_equal(in.rd, 10);
    in = dec32(0x12345097);             /* auipc ra,0x12345 */
    assert_int_equal(in.op, RISCV_OP_auipc);
    assert_int_equal(in.imm, 0x12345000);
}

static void test_decode_j_type_imm(void **state)
{
    TBInsn in = dec32(0xff5ff0ef);      /* jal ra,.-12 */

    assert_int_equal(in.op, RISCV_OP_jal);
    assert_int_equal(in.imm, -12);
    assert_int_equal(in.rd, 1);
    assert_int_equal(in.flags, TBI_END | TBI_JUMP);
    /* imm[19:12]=0xff, imm[11]=1, imm[10:1]=0x3ff: +1048574 */
    assert_int_equal(dec32(0x7ffff06f).imm, 1048574);
    /* imm[20] only: -1048576 */
    assert_int_equal(dec32(0x8000006f).imm, -1048576);
    /* imm[11] only (bit 20): +2048 */
    assert_int_equal(dec32(0x0010006f).imm, 2048);
}

static void test_decode_rd_x0_becomes_write_sink(void **state)
{
    TBInsn in = dec32(0x00000013);      /* addi zero,zero,0 */

    assert_int_equal(in.rd, 32);
    in = dec32(0x0000006f);             /* jal zero,. */
    assert_int_equal(in.rd, 32);
    in = dec32(0x30051073);             /* csrrw zero,mstatus,a0 */
    assert_int_equal(in.rd, 32);
}

static void test_decode_fp_rd_f0_is_not_rewritten(void **state)
{
    TBInsn in = dec32(0x00208053);      /* fadd.s ft0,ft1,ft2,rne */

    assert_int_equal(in.op, RISCV_OP_fadd_s);
    assert_regs(&in, 0, 1, 2);
    in = dec32(0xe0000553);             /* fmv.x.w a0,ft0: integer rd */
    assert_int_equal(in.op, RISCV_OP_fmv_x_w);
    assert_int_equal(in.rd, 10);
    in = dec32(0xe0000053);             /* fmv.x.w zero,ft0 */
    assert_int_equal(in.rd, 32);
}

static void test_decode_rv64_shift_has_6bit_shamt(void **state)
{
    TBInsn in = dec32(0x03f51513);      /* slli a0,a0,63 */

    assert_int_equal(in.op, RISCV_OP_slli);
    assert_int_equal(in.imm, 63);
    in = dec32(0x42855513);             /* srai a0,a0,40 */
    assert_int_equal(in.op, RISCV_OP_srai);
    assert_int_equal(in.imm, 40);
}

static void test_decode_word_shift_with_shamt5_is_illegal(void **state)
{
    assert_int_equal(dec32(0x01f5151b).op, RISCV_OP_slliw);     /* slliw a0,a0,31 */
    assert_int_equal(dec32(0x0205151b).op, RISCV_OP_illegal);   /* imm[5] = 1 */
    assert_int_equal(dec32(0x0205551b).op, RISCV_OP_illegal);   /* srliw */
    assert_int_equal(dec32(0x4205551b).op, RISCV_OP_illegal);   /* sraiw */
    assert_int_equal(dec32(0x6205551b).op, RISCV_OP_illegal);   /* roriw */
}

static void test_decode_register_fields_of_r4(void **state)
{
    TBInsn in = dec32(0x68c5f543);      /* fmadd.s fa0,fa1,fa2,fa3 */

    assert_int_equal(in.op, RISCV_OP_fmadd_s);
    assert_regs(&in, 10, 11, 12);
    assert_int_equal(in.rs3, 13);
    assert_int_equal(in.rm, 7);
}

static void test_decode_fp_rm_field(void **state)
{
    TBInsn in = dec32(0x08c5a553);      /* fsub.s fa0,fa1,fa2,rdn */

    assert_int_equal(in.op, RISCV_OP_fsub_s);
    assert_int_equal(in.rm, 2);
    assert_int_equal(dec32(0x00c5f553).rm, 7);              /* dyn */
    /* Reserved rm 5 still decodes; it is illegal when executed. */
    assert_int_equal(dec32(0x00c5d553).op, RISCV_OP_fadd_s);
    assert_int_equal(dec32(0x00c5d553).rm, 5);
}

static void test_decode_csr_number_and_zimm(void **state)
{
    TBInsn in = dec32(0x30051073);      /* csrrw zero,mstatus,a0 */

    assert_int_equal(in.op, RISCV_OP_csrrw);
    assert_int_equal(in.imm, 0x300);
    assert_int_equal(in.rs1, 10);
    in = dec32(0x1402d573);             /* csrrwi a0,sscratch,5 */
    assert_int_equal(in.op, RISCV_OP_csrrwi);
    assert_int_equal(in.imm, 0x140);
    assert_int_equal(in.rs1, 5);
    in = dec32(0xc00022f3);             /* csrrs t0,cycle,zero: csr 0xc00 not sign-extended */
    assert_int_equal(in.imm, 0xc00);
}

static void test_decode_amo_and_lr_fields(void **state)
{
    TBInsn in = dec32(0x06c5a52f);      /* amoadd.w.aqrl a0,a2,(a1) */

    assert_int_equal(in.op, RISCV_OP_amoadd_w);
    assert_regs(&in, 10, 11, 12);
    assert_int_equal(dec32(0x1405b52f).op, RISCV_OP_lr_d);     /* lr.d.aq */
    assert_int_equal(dec32(0x1ac5b52f).op, RISCV_OP_sc_d);     /* sc.d.rl */
    /* lr with rs2 != 0 is reserved */
    assert_int_equal(dec32(0x1015a52f).op, RISCV_OP_illegal);
}

static void test_decode_bitmanip_neighbours(void **state)
{
    assert_int_equal(dec32(0x60059513).op, RISCV_OP_clz);
    assert_int_equal(dec32(0x63f5d513).op, RISCV_OP_rori);
    assert_int_equal(dec32(0x6b85d513).op, RISCV_OP_rev8);
    assert_int_equal(dec32(0x2875d513).op, RISCV_OP_orc_b);
    assert_int_equal(dec32(0x0805c53b).op, RISCV_OP_zext_h);
    assert_int_equal(dec32(0x08c5853b).op, RISCV_OP_add_uw);
    assert_int_equal(dec32(0x0a85951b).op, RISCV_OP_slli_uw);
    assert_int_equal(dec32(0x6a159513).op, RISCV_OP_binvi);
    /* rev8 with a different shamt pattern (rev8.w of RV32) is not RV64 */
    assert_int_equal(dec32(0x6985d513).op, RISCV_OP_illegal);
    /* zext.h needs rs2 = 0 */
    assert_int_equal(dec32(0x0815c53b).op, RISCV_OP_illegal);
}

static void test_decode_unknown_32bit_is_illegal(void **state)
{
    TBInsn in = dec32(0x0000007b);      /* custom-3 opcode */

    assert_int_equal(in.op, RISCV_OP_illegal);
    assert_ptr_equal(in.fn, riscv_op_illegal);
    assert_int_equal(in.flags, TBI_END);
    assert_int_equal(dec32(0x4000101b).op, RISCV_OP_illegal);   /* slliw funct7=0x20 */
    assert_int_equal(dec32(0x10200073 | (1u << 7)).op, RISCV_OP_illegal); /* sret rd!=0 */
    /* 48-bit and longer encodings are not supported */
    assert_int_equal(dec32(0xffffffff).op, RISCV_OP_illegal);
}

static void test_decode_needs_whole_instruction(void **state)
{
    uint8_t b[4] = { 0x13, 0x05, 0x15, 0x00 };  /* addi a0,a0,1 */
    TBInsn in;

    assert_int_equal(riscv_decode(NULL, &in, b, 2, 0, FS_ON), 0);
    assert_int_equal(riscv_decode(NULL, &in, b, 1, 0, FS_ON), 0);
    b[0] = 0x05;
    b[1] = 0x05;                            /* c.addi a0,1 needs only two */
    assert_int_equal(riscv_decode(NULL, &in, b, 2, 0, FS_ON), 2);
}

static void test_decode_fp_is_illegal_when_fs_off(void **state)
{
    static const uint32_t fp[] = {
        0x00c5f553, /* fadd.s */
        0x00452507, /* flw */
        0x00a53427, /* fsd */
        0xe0058553, /* fmv.x.w */
        0xf2058553, /* fmv.d.x */
        0x68c5f543, /* fmadd.s */
        0xa2c5a553, /* feq.d */
    };

    for (size_t i = 0; i < ARRAY_SIZE(fp); i++) {
        TBInsn on = dec32_at(fp[i], 0x1000, FS_ON);
        TBInsn off = dec32_at(fp[i], 0x1000, FS_OFF);
        assert_int_not_equal(on.op, RISCV_OP_illegal);
        assert_int_equal(off.op, RISCV_OP_illegal);
        assert_ptr_equal(off.fn, riscv_op_illegal);
    }
    /* Non-FP instructions do not care. */
    assert_int_equal(dec32_at(0x00150513, 0, FS_OFF).op, RISCV_OP_addi);
    /* Nor do the fcsr accesses, which are CSR instructions (csr.c decides). */
    assert_int_equal(dec32_at(0x001fe573, 0, FS_OFF).op, RISCV_OP_csrrsi);
}

static void test_decode_compressed_fp_is_illegal_when_fs_off(void **state)
{
    assert_int_equal(dec16_at(0x357e, 0, FS_ON).op, RISCV_OP_fld);   /* c.fldsp */
    assert_int_equal(dec16_at(0x357e, 0, FS_OFF).op, RISCV_OP_illegal);
    assert_int_equal(dec16_at(0xa588, 0, FS_OFF).op, RISCV_OP_illegal); /* c.fsd */
}

/* A CSR access ends its TB only when it may change translation state or enable an interrupt. */
static void test_decode_csr_ends_tb_only_when_it_may_change_state(void **state)
{
    static const uint32_t end[] = {
        0x18051073, /* csrw satp, a0 */     0x1005a073, /* csrs sstatus, a1 */
        0x10016073, /* csrsi sstatus, 2 */  0x3005b073, /* csrc mstatus, a1 */
        0x30451073, /* csrw mie, a0 */      0x00351073, /* csrw fcsr, a0 */
    };
    static const uint32_t cont[] = {
        0x34102573, /* csrr a0, mepc */     0xc0102573, /* rdtime a0 */
        0x10003573, /* csrrc a0, sstatus, x0 */ 0x1402d573, /* csrrwi a0, sscratch, 5 */
        0x14151073, /* csrw sepc, a0 */     0x14259073, /* csrw scause, a1 */
        0x34351073, /* csrw mtval, a0 */    0x10017073, /* csrci sstatus, 2 */
        0x30047573, /* csrrci a0, mstatus, 8 */
    };

    for (size_t i = 0; i < ARRAY_SIZE(end); i++) {
        assert_int_equal(dec32(end[i]).flags, TBI_END);
    }
    for (size_t i = 0; i < ARRAY_SIZE(cont); i++) {
        assert_int_equal(dec32(cont[i]).flags, 0);
    }
}

static void test_decode_tbi_end_placement(void **state)
{
    static const uint32_t jump[] = {
        0x008500e7, /* jalr */   0x0000006f, /* jal */    0xfeb51ae3, /* bne */
    };
    static const uint32_t end[] = {
        0x00000073, /* ecall */  0x00100073, /* ebreak */ 0x30200073, /* mret */
        0x10200073, /* sret */   0x10500073, /* wfi */    0x0000100f, /* fence.i */
        0x12000073, /* sfence.vma */ 0x0000007b, /* illegal */
    };
    static const uint32_t cont[] = {
        0x00c58533, /* add */    0x00813083, /* ld */     0x0ff0000f, /* fence */
        0x8330000f, /* fence.tso */ 0x06c5a52f, /* amoadd.w */ 0x00c5f553, /* fadd.s */
        0x12345537, /* lui */    0x02c5c533, /* div */
    };

    /* Branches and jumps end the TB and may chain; state changes may not. */
    for (size_t i = 0; i < ARRAY_SIZE(jump); i++) {
        assert_int_equal(dec32(jump[i]).flags, TBI_END | TBI_JUMP);
    }
    for (size_t i = 0; i < ARRAY_SIZE(end); i++) {
        assert_int_equal(dec32(end[i]).flags, TBI_END);
    }
    for (size_t i = 0; i < ARRAY_SIZE(cont); i++) {
        assert_int_equal(dec32(cont[i]).flags, 0);
    }
    assert_int_equal(dec16(0x8082).flags, TBI_END | TBI_JUMP);  /* c.jr ra */
    assert_int_equal(dec16(0xd571).flags, TBI_END | TBI_JUMP);  /* c.beqz */
    assert_int_equal(dec16(0x9002).flags, TBI_END);     /* c.ebreak */
    assert_int_equal(dec16(0x952e).flags, 0);           /* c.add */
}

/* --- Compressed ------------------------------------------------------------- */

static void test_decode_c_q0_addi4spn(void **state)
{
    TBInsn in = dec16(0x0808);          /* c.addi4spn a0,sp,16 */

    assert_int_equal(in.op, RISCV_OP_addi);
    assert_regs(&in, 10, 2, 0);
    assert_int_equal(in.imm, 16);
    in = dec16(0x1fe4);                 /* c.addi4spn s1,sp,1020 */
    assert_int_equal(in.rd, 9);
    assert_int_equal(in.imm, 1020);
}

static void test_decode_c_addi4spn_zero_imm_is_reserved(void **state)
{
    assert_int_equal(dec16(0x0004).op, RISCV_OP_illegal);   /* rd'=a1, nzuimm=0 */
    assert_int_equal(dec16(0x0000).op, RISCV_OP_illegal);   /* all-zero parcel */
    assert_int_equal(riscv_expand_compressed(0x0000), 0);
}

static void test_decode_c_q0_loads_and_stores(void **state)
{
    TBInsn in = dec16(0x41c8);          /* c.lw a0,4(a1) */

    assert_int_equal(in.op, RISCV_OP_lw);
    assert_regs(&in, 10, 11, 0);
    assert_int_equal(in.imm, 4);
    in = dec16(0x7de8);                 /* c.ld a0,248(a1) */
    assert_int_equal(in.op, RISCV_OP_ld);
    assert_int_equal(in.imm, 248);
    in = dec16(0x2588);                 /* c.fld fa0,8(a1) */
    assert_int_equal(in.op, RISCV_OP_fld);
    assert_int_equal(in.imm, 8);
    in = dec16(0xdde8);                 /* c.sw a0,124(a1) */
    assert_int_equal(in.op, RISCV_OP_sw);
    assert_regs(&in, 0, 11, 10);
    assert_int_equal(in.imm, 124);
    in = dec16(0xe588);                 /* c.sd a0,8(a1) */
    assert_int_equal(in.op, RISCV_OP_sd);
    assert_int_equal(in.imm, 8);
    in = dec16(0xa588);                 /* c.fsd fa0,8(a1) */
    assert_int_equal(in.op, RISCV_OP_fsd);
    assert_int_equal(dec16(0x8000).op, RISCV_OP_illegal);   /* funct3 100 reserved */
}

static void test_decode_c_q1_immediates(void **state)
{
    TBInsn in = dec16(0x1501);          /* c.addi a0,-32 */

    assert_int_equal(in.op, RISCV_OP_addi);
    assert_regs(&in, 10, 10, 0);
    assert_int_equal(in.imm, -32);
    in = dec16(0x457d);                 /* c.li a0,31 */
    assert_int_equal(in.op, RISCV_OP_addi);
    assert_regs(&in, 10, 0, 0);
    assert_int_equal(in.imm, 31);
    in = dec16(0x997d);                 /* c.andi a0,-1 */
    assert_int_equal(in.op, RISCV_OP_andi);
    assert_int_equal(in.imm, -1);
    assert_int_equal(riscv_expand_compressed(0x0001), 0x00000013);  /* c.nop */
}

static void test_decode_c_addiw_on_rv64_not_jal(void **state)
{
    TBInsn in = dec16(0x2505);          /* RV64 c.addiw a0,1 (c.jal on RV32) */

    assert_int_equal(in.op, RISCV_OP_addiw);
    assert_regs(&in, 10, 10, 0);
    assert_int_equal(in.imm, 1);
    assert_int_equal(dec16(0x2001).op, RISCV_OP_illegal);   /* rd = 0 reserved */
}

static void test_decode_c_addi16sp(void **state)
{
    TBInsn in = dec16(0x7101);          /* c.addi16sp sp,-512 */

    assert_int_equal(in.op, RISCV_OP_addi);
    assert_regs(&in, 2, 2, 0);
    assert_int_equal(in.imm, -512);
    assert_int_equal(dec16(0x617d).imm, 496);
    assert_int_equal(dec16(0x6141).imm, 16);    /* nzimm[4] only (bit 6) */
}

static void test_decode_c_addi16sp_zero_imm_is_reserved(void **state)
{
    assert_int_equal(dec16(0x6101).op, RISCV_OP_illegal);
}

static void test_decode_c_lui(void **state)
{
    TBInsn in = dec16(0x7501);          /* c.lui a0,0xfffe0 */

    assert_int_equal(in.op, RISCV_OP_lui);
    assert_int_equal(in.imm, -131072);
    assert_int_equal(dec16(0x6505).imm, 4096);          /* c.lui a0,1 */
    assert_int_equal(dec16(0x6501).op, RISCV_OP_illegal);   /* nzimm = 0 reserved */
}

static void test_decode_c_q1_alu(void **state)
{
    TBInsn in = dec16(0x917d);          /* c.srli a0,63 */

    assert_int_equal(in.op, RISCV_OP_srli);
    assert_regs(&in, 10, 10, 0);
    assert_int_equal(in.imm, 63);
    in = dec16(0x8505);                 /* c.srai a0,1 */
    assert_int_equal(in.op, RISCV_OP_srai);
    assert_int_equal(in.imm, 1);
    in = dec16(0x8d0d);                 /* c.sub a0,a1 */
    assert_int_equal(in.op, RISCV_OP_sub);
    assert_regs(&in, 10, 10, 11);
    assert_int_equal(dec16(0x8d2d).op, RISCV_OP_xor);
    assert_int_equal(dec16(0x8d4d).op, RISCV_OP_or);
    assert_int_equal(dec16(0x8d6d).op, RISCV_OP_and);
    assert_int_equal(dec16(0x9d0d).op, RISCV_OP_subw);
    assert_int_equal(dec16(0x9d2d).op, RISCV_OP_addw);
    assert_int_equal(dec16(0x9c41).op, RISCV_OP_illegal);   /* reserved */
    assert_int_equal(dec16(0x9c61).op, RISCV_OP_illegal);   /* reserved */
}

static void test_decode_c_jump_and_branches(void **state)
{
    TBInsn in = dec16_at(0xb7f9, 0x32, FS_ON);  /* c.j .-50 */

    assert_int_equal(in.op, RISCV_OP_jal);
    assert_int_equal(in.rd, 32);
    assert_int_equal(in.imm, -50);
    in = dec16_at(0xd571, 0x34, FS_ON);         /* c.beqz a0,.-52 */
    assert_int_equal(in.op, RISCV_OP_beq);
    assert_regs(&in, 0, 10, 0);
    assert_int_equal(in.imm, -52);
    in = dec16_at(0xf569, 0x36, FS_ON);         /* c.bnez a0,.-54 */
    assert_int_equal(in.op, RISCV_OP_bne);
    assert_int_equal(in.imm, -54);
    /* c.j with only offset[11] (bit 12): -2048; only offset[10] (bit 8): +1024 */
    assert_int_equal(dec16(0xb001).imm, -2048);
    assert_int_equal(dec16(0xa101).imm, 1024);
    /* c.beqz with only offset[8] (bit 12): -256 */
    assert_int_equal(dec16(0xd001).imm, -256);
}

static void test_decode_c_q2_sp_loads(void **state)
{
    TBInsn in = dec16(0x357e);          /* c.fldsp fa0,504(sp) */

    assert_int_equal(in.op, RISCV_OP_fld);
    assert_regs(&in, 10, 2, 0);
    assert_int_equal(in.imm, 504);
    in = dec16(0x557e);                 /* c.lwsp a0,252(sp) */
    assert_int_equal(in.op, RISCV_OP_lw);
    assert_int_equal(in.imm, 252);
    in = dec16(0x60a2);                 /* c.ldsp ra,8(sp) */
    assert_int_equal(in.op, RISCV_OP_ld);
    assert_regs(&in, 1, 2, 0);
    assert_int_equal(in.imm, 8);
    assert_int_equal(dec16(0x2002).op, RISCV_OP_fld);   /* c.fldsp ft0: f0 is fine */
}

static void test_decode_c_lwsp_ldsp_rd0_is_reserved(void **state)
{
    assert_int_equal(dec16(0x4002).op, RISCV_OP_illegal);
    assert_int_equal(dec16(0x6002).op, RISCV_OP_illegal);
}

static void test_decode_c_q2_sp_stores(void **state)
{
    TBInsn in = dec16(0xbfaa);          /* c.fsdsp fa0,504(sp) */

    assert_int_equal(in.op, RISCV_OP_fsd);
    assert_regs(&in, 0, 2, 10);
    assert_int_equal(in.imm, 504);
    in = dec16(0xdfaa);                 /* c.swsp a0,252(sp) */
    assert_int_equal(in.op, RISCV_OP_sw);
    assert_int_equal(in.imm, 252);
    in = dec16(0xe406);                 /* c.sdsp ra,8(sp) */
    assert_int_equal(in.op, RISCV_OP_sd);
    assert_regs(&in, 0, 2, 1);
    assert_int_equal(in.imm, 8);
}

static void test_decode_c_q2_register_ops(void **state)
{
    TBInsn in = dec16(0x8082);          /* c.jr ra */

    assert_int_equal(in.op, RISCV_OP_jalr);
    assert_regs(&in, 32, 1, 0);
    assert_int_equal(in.imm, 0);
    in = dec16(0x9502);                 /* c.jalr a0 */
    assert_int_equal(in.op, RISCV_OP_jalr);
    assert_regs(&in, 1, 10, 0);
    in = dec16(0x852e);                 /* c.mv a0,a1 */
    assert_int_equal(in.op, RISCV_OP_add);
    assert_regs(&in, 10, 0, 11);
    in = dec16(0x952e);                 /* c.add a0,a1 */
    assert_int_equal(in.op, RISCV_OP_add);
    assert_regs(&in, 10, 10, 11);
    assert_int_equal(dec16(0x9002).op, RISCV_OP_ebreak);
    in = dec16(0x157e);                 /* c.slli a0,63 */
    assert_int_equal(in.op, RISCV_OP_slli);
    assert_int_equal(in.imm, 63);
}

static void test_decode_c_jr_x0_is_reserved(void **state)
{
    assert_int_equal(dec16(0x8002).op, RISCV_OP_illegal);
}

/* --- Execution on a bare hart ------------------------------------------------ */

typedef struct Hart {
    RISCVCPU cpu;
    uint8_t *page;          /* host memory behind guest page GUEST_PAGE */
} Hart;

#define GUEST_PAGE 0x80000000ull

static Hart *hart_new(void)
{
    Hart *h = calloc(1, sizeof(*h));
    CPUState *cs = &h->cpu.parent;

    h->cpu.priv = PRV_M;
    h->cpu.data_mmu_idx = MMU_IDX_M;
    h->cpu.reservation = ~0ull;
    h->page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(h->page, 0, PAGE_SIZE);
    tlb_init(cs);
    TLBEntry *e = tlb_entry(cs, MMU_IDX_M, GUEST_PAGE);
    e->addr_read = e->addr_write = GUEST_PAGE;
    e->addend = (uintptr_t)h->page - GUEST_PAGE;
    return h;
}

static void hart_free(Hart *h)
{
    free(h->page);
    free(h);
}

/* Run one instruction; returns its handler's result, or -1 after an exception. */
static int run(Hart *h, const TBInsn *in)
{
    CPUState *cs = &h->cpu.parent;

    if (sigsetjmp(cs->jmp_env, 0)) {
        return -1;
    }
    return in->fn(cs, in);
}

static int run32(Hart *h, uint32_t w)
{
    TBInsn in = dec32_at(w, 0x1000, FS_ON);

    return run(h, &in);
}

static void test_exec_illegal_32bit_tval_is_encoding(void **state)
{
    Hart *h = hart_new();

    assert_int_equal(run32(h, 0x4000101b), -1);
    assert_int_equal(h->cpu.parent.exception_cause, EXC_ILLEGAL_INST);
    assert_int_equal(h->cpu.parent.exception_tval, 0x4000101b);
    hart_free(h);
}

static void test_exec_illegal_compressed_tval_is_16bit_encoding(void **state)
{
    Hart *h = hart_new();
    TBInsn in = dec16(0x6101);          /* c.addi16sp sp,0: reserved */

    assert_int_equal(run(h, &in), -1);
    assert_int_equal(h->cpu.parent.exception_cause, EXC_ILLEGAL_INST);
    assert_int_equal(h->cpu.parent.exception_tval, 0x6101);
    hart_free(h);
}

static void test_exec_div_rem_by_zero_and_overflow(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = 7, x[12] = 0;
    run32(h, 0x02c5c533);               /* div a0,a1,a2 */
    assert_int_equal(x[10], UINT64_MAX);
    run32(h, 0x02c5e533);               /* rem */
    assert_int_equal(x[10], 7);
    run32(h, 0x02c5d533);               /* divu */
    assert_int_equal(x[10], UINT64_MAX);
    run32(h, 0x02c5f533);               /* remu */
    assert_int_equal(x[10], 7);
    x[11] = 1ull << 63, x[12] = UINT64_MAX;
    run32(h, 0x02c5c533);               /* div: overflow gives the dividend */
    assert_int_equal(x[10], 1ull << 63);
    run32(h, 0x02c5e533);               /* rem: overflow gives 0 */
    assert_int_equal(x[10], 0);
    x[11] = 0x80000000, x[12] = 0xffffffff;
    run32(h, 0x02c5c53b);               /* divw: -2^31 / -1 = -2^31 sign-extended */
    assert_int_equal(x[10], 0xffffffff80000000ull);
    run32(h, 0x02c5e53b);               /* remw */
    assert_int_equal(x[10], 0);
    x[11] = 0x80000001, x[12] = 0x100000000ull;   /* low word of divisor is 0 */
    run32(h, 0x02c5d53b);               /* divuw by zero: all ones */
    assert_int_equal(x[10], UINT64_MAX);
    run32(h, 0x02c5f53b);               /* remuw by zero: dividend, sign-extended */
    assert_int_equal(x[10], 0xffffffff80000001ull);
    hart_free(h);
}

static void test_exec_mulh_variants(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = UINT64_MAX, x[12] = UINT64_MAX;     /* -1 * -1, or (2^64-1)^2 */
    run32(h, 0x02c59533);               /* mulh: high of 1 = 0 */
    assert_int_equal(x[10], 0);
    run32(h, 0x02c5b533);               /* mulhu: 2^64 - 2 */
    assert_int_equal(x[10], UINT64_MAX - 1);
    run32(h, 0x02c5a533);               /* mulhsu: -1 * (2^64-1) -> high = -1 */
    assert_int_equal(x[10], UINT64_MAX);
    hart_free(h);
}

static void test_exec_word_ops_sign_extend(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[10] = 0x7fffffff;
    run32(h, 0x0015051b);               /* addiw a0,a0,1 */
    assert_int_equal(x[10], 0xffffffff80000000ull);
    x[11] = 0x80000000, x[12] = 36;     /* sraw uses shamt & 31 = 4 */
    run32(h, 0x40c5d53b);               /* sraw a0,a1,a2 */
    assert_int_equal(x[10], 0xfffffffff8000000ull);
    hart_free(h);
}

static void test_exec_write_to_x0_is_discarded(void **state)
{
    Hart *h = hart_new();

    run32(h, 0x00100013);               /* addi zero,zero,1 */
    assert_int_equal(h->cpu.gpr[0], 0);
    hart_free(h);
}

static void test_exec_jalr_clears_bit0_and_reads_rs1_first(void **state)
{
    Hart *h = hart_new();
    TBInsn in = dec32_at(0x00150567, 0x2000, FS_ON);     /* jalr a0,1(a0) */

    h->cpu.gpr[10] = 0x4000;
    assert_int_equal(run(h, &in), 1);
    assert_int_equal(h->cpu.parent.pc, 0x4000);
    assert_int_equal(h->cpu.gpr[10], 0x2004);
    hart_free(h);
}

static void test_exec_branch_sets_pc_taken_or_not(void **state)
{
    Hart *h = hart_new();
    TBInsn in = dec16_at(0xd571, 0x1034, FS_ON);         /* c.beqz a0,.-52 */

    h->cpu.gpr[10] = 1;
    assert_int_equal(run(h, &in), 1);
    assert_int_equal(h->cpu.parent.pc, 0x1036);         /* not taken: pc + 2 */
    h->cpu.gpr[10] = 0;
    assert_int_equal(run(h, &in), 1);
    assert_int_equal(h->cpu.parent.pc, 0x1000);
    hart_free(h);
}

static void test_exec_ecall_cause_follows_privilege(void **state)
{
    Hart *h = hart_new();
    static const struct { int priv; uint64_t cause; } t[] = {
        { PRV_U, EXC_ECALL_U }, { PRV_S, EXC_ECALL_S }, { PRV_M, EXC_ECALL_M },
    };

    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        h->cpu.priv = t[i].priv;
        assert_int_equal(run32(h, 0x00000073), -1);
        assert_int_equal(h->cpu.parent.exception_cause, t[i].cause);
    }
    hart_free(h);
}

static void test_exec_ebreak_tval_is_pc(void **state)
{
    Hart *h = hart_new();

    assert_int_equal(run32(h, 0x00100073), -1);
    assert_int_equal(h->cpu.parent.exception_cause, EXC_BREAKPOINT);
    assert_int_equal(h->cpu.parent.exception_tval, 0x1000);
    hart_free(h);
}

static void test_exec_zbb(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = 0;
    run32(h, 0x60059513);               /* clz a0,a1 */
    assert_int_equal(x[10], 64);
    run32(h, 0x6005951b);               /* clzw */
    assert_int_equal(x[10], 32);
    x[11] = 0xffffffff00010000ull;
    run32(h, 0x6005951b);               /* clzw looks at the low word only */
    assert_int_equal(x[10], 15);
    run32(h, 0x60159513);               /* ctz */
    assert_int_equal(x[10], 16);
    run32(h, 0x60259513);               /* cpop */
    assert_int_equal(x[10], 33);
    run32(h, 0x6025951b);               /* cpopw */
    assert_int_equal(x[10], 1);
    x[11] = 0x0100000000800000ull;
    run32(h, 0x2875d513);               /* orc.b */
    assert_int_equal(x[10], 0xff00000000ff0000ull);
    x[11] = 0x0102030405060708ull;
    run32(h, 0x6b85d513);               /* rev8 */
    assert_int_equal(x[10], 0x0807060504030201ull);
    x[11] = 0x80;
    run32(h, 0x60459513);               /* sext.b */
    assert_int_equal(x[10], 0xffffffffffffff80ull);
    x[11] = 0x12348000;
    run32(h, 0x60559513);               /* sext.h */
    assert_int_equal(x[10], 0xffffffffffff8000ull);
    run32(h, 0x0805c53b);               /* zext.h */
    assert_int_equal(x[10], 0x8000);
    x[11] = 1;
    run32(h, 0x63f5d513);               /* rori a0,a1,63 */
    assert_int_equal(x[10], 2);
    run32(h, 0x61f5d51b);               /* roriw a0,a1,31 -> 2, sign bit clear */
    assert_int_equal(x[10], 2);
    x[11] = 0x80000000, x[12] = 0;
    run32(h, 0x60c5d53b);               /* rorw by 0 still sign-extends */
    assert_int_equal(x[10], 0xffffffff80000000ull);
    x[11] = UINT64_MAX, x[12] = 1;      /* -1 vs 1 */
    run32(h, 0x0ac5e533);               /* max */
    assert_int_equal(x[10], 1);
    run32(h, 0x0ac5f533);               /* maxu */
    assert_int_equal(x[10], UINT64_MAX);
    run32(h, 0x0ac5c533);               /* min */
    assert_int_equal(x[10], UINT64_MAX);
    run32(h, 0x0ac5d533);               /* minu */
    assert_int_equal(x[10], 1);
    x[11] = 0xf0, x[12] = 0xff;
    run32(h, 0x40c5f533);               /* andn */
    assert_int_equal(x[10], 0);
    run32(h, 0x40c5c533);               /* xnor */
    assert_int_equal(x[10], ~0xfull);
    hart_free(h);
}

static void test_exec_zba(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = 0xffffffff00000003ull, x[12] = 0x100;
    run32(h, 0x08c5853b);               /* add.uw: zero-extends rs1 */
    assert_int_equal(x[10], 0x103);
    run32(h, 0x20c5c53b);               /* sh2add.uw */
    assert_int_equal(x[10], 0x10c);
    run32(h, 0x20c5e533);               /* sh3add: full rs1 */
    assert_int_equal(x[10], (0xffffffff00000003ull << 3) + 0x100);
    run32(h, 0x0a85951b);               /* slli.uw a0,a1,40 */
    assert_int_equal(x[10], 3ull << 40);
    hart_free(h);
}

static void test_exec_zbs(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = 0, x[12] = 64 + 63;         /* register forms use index & 63 */
    run32(h, 0x28c59533);               /* bset */
    assert_int_equal(x[10], 1ull << 63);
    x[11] = UINT64_MAX;
    run32(h, 0x4bf59513);               /* bclri a0,a1,63 */
    assert_int_equal(x[10], UINT64_MAX >> 1);
    run32(h, 0x4855d513);               /* bexti a0,a1,5 */
    assert_int_equal(x[10], 1);
    run32(h, 0x6a159513);               /* binvi a0,a1,33 */
    assert_int_equal(x[10], UINT64_MAX & ~(1ull << 33));
    hart_free(h);
}

/* --- A ------------------------------------------------------------------------ */

static void test_exec_lr_sc_pair_succeeds_once(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    st_le32(h->page + 0x10, 0x80000000u);
    x[11] = GUEST_PAGE + 0x10, x[12] = 5;
    run32(h, 0x1005a52f);               /* lr.w a0,(a1) */
    assert_int_equal(x[10], 0xffffffff80000000ull);
    assert_int_equal(h->cpu.reservation, GUEST_PAGE + 0x10);
    run32(h, 0x18c5a52f);               /* sc.w a0,a2,(a1) */
    assert_int_equal(x[10], 0);
    assert_int_equal(ld_le32(h->page + 0x10), 5);
    x[12] = 6;
    run32(h, 0x18c5a52f);               /* reservation consumed: fails */
    assert_int_equal(x[10], 1);
    assert_int_equal(ld_le32(h->page + 0x10), 5);
    hart_free(h);
}

static void test_exec_sc_to_other_address_fails_and_clears(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = GUEST_PAGE + 0x10;
    run32(h, 0x1005b52f);               /* lr.d a0,(a1) */
    x[11] = GUEST_PAGE + 0x18, x[12] = 9;
    run32(h, 0x18c5b52f);               /* sc.d a0,a2,(a1) */
    assert_int_equal(x[10], 1);
    assert_int_equal(ld_le64(h->page + 0x18), 0);
    assert_int_equal(h->cpu.reservation, ~0ull);
    hart_free(h);
}

static void test_exec_lr_sc_amo_misaligned(void **state)
{
    Hart *h = hart_new();

    h->cpu.gpr[11] = GUEST_PAGE + 4;
    assert_int_equal(run32(h, 0x1005b52f), -1);         /* lr.d on a 4-aligned address */
    assert_int_equal(h->cpu.parent.exception_cause, EXC_LOAD_MISALIGNED);
    assert_int_equal(h->cpu.parent.exception_tval, GUEST_PAGE + 4);
    assert_int_equal(run32(h, 0x18c5b52f), -1);         /* sc.d */
    assert_int_equal(h->cpu.parent.exception_cause, EXC_STORE_MISALIGNED);
    h->cpu.gpr[11] = GUEST_PAGE + 2;
    assert_int_equal(run32(h, 0x00c5a52f), -1);         /* amoadd.w */
    assert_int_equal(h->cpu.parent.exception_cause, EXC_STORE_MISALIGNED);
    assert_int_equal(h->cpu.parent.exception_tval, GUEST_PAGE + 2);
    hart_free(h);
}

static void test_exec_amo_word_results(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = GUEST_PAGE + 8;
    st_le32(h->page + 8, 0xfffffffeu);  /* -2 */
    x[12] = 1;
    run32(h, 0x00c5a52f);               /* amoadd.w: old -2 sign-extended */
    assert_int_equal(x[10], 0xfffffffffffffffeull);
    assert_int_equal(ld_le32(h->page + 8), 0xffffffffu);
    run32(h, 0x80c5a52f);               /* amomin.w: min(-1, 1) = -1 */
    assert_int_equal(ld_le32(h->page + 8), 0xffffffffu);
    run32(h, 0xc0c5a52f);               /* amominu.w: minu(0xffffffff, 1) = 1 */
    assert_int_equal(ld_le32(h->page + 8), 1);
    x[12] = 0x80000000u;
    run32(h, 0xa0c5a52f);               /* amomax.w: max(1, -2^31) = 1 */
    assert_int_equal(ld_le32(h->page + 8), 1);
    run32(h, 0xe0c5a52f);               /* amomaxu.w: 0x80000000 */
    assert_int_equal(ld_le32(h->page + 8), 0x80000000u);
    assert_int_equal(ld_le32(h->page + 12), 0);          /* neighbour untouched */
    x[12] = 0x1234;
    run32(h, 0x08c5a52f);               /* amoswap.w returns old, sign-extended */
    assert_int_equal(x[10], 0xffffffff80000000ull);
    assert_int_equal(ld_le32(h->page + 8), 0x1234);
    hart_free(h);
}

static void test_exec_amo_double(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    x[11] = GUEST_PAGE + 16;
    st_le64(h->page + 16, 0xff00);
    x[12] = 0x0ff0;
    run32(h, 0x60c5b52f);               /* amoand.d */
    assert_int_equal(x[10], 0xff00);
    assert_int_equal(ld_le64(h->page + 16), 0x0f00);
    run32(h, 0x40c5b52f);               /* amoor.d */
    assert_int_equal(ld_le64(h->page + 16), 0x0ff0);
    run32(h, 0x20c5b52f);               /* amoxor.d */
    assert_int_equal(ld_le64(h->page + 16), 0);
    hart_free(h);
}

static void test_exec_loads_extend(void **state)
{
    Hart *h = hart_new();
    uint64_t *x = h->cpu.gpr;

    st_le64(h->page + 0x20, 0x80ff8000fffffff0ull);
    x[2] = GUEST_PAGE + 0x20;
    run32(h, 0x00010503);               /* lb a0,0(sp) */
    assert_int_equal(x[10], 0xfffffffffffffff0ull);
    run32(h, 0x00014503);               /* lbu */
    assert_int_equal(x[10], 0xf0);
    run32(h, 0x00016503);               /* lwu */
    assert_int_equal(x[10], 0xfffffff0u);
    run32(h, 0x00411503);               /* lh a0,4(sp) */
    assert_int_equal(x[10], 0xffffffffffff8000ull);
    x[10] = 0x1122334455667788ull;
    run32(h, 0x00a11123);               /* sh a0,2(sp) */
    assert_int_equal(ld_le64(h->page + 0x20), 0x80ff80007788fff0ull);
    hart_free(h);
}

/* --- F/D ---------------------------------------------------------------------- */

static void test_exec_unboxed_single_reads_as_canonical_nan(void **state)
{
    Hart *h = hart_new();

    h->cpu.fpr[11] = 0x000000003f800000ull;     /* 1.0f, not NaN-boxed */
    h->cpu.fpr[12] = 0xffffffff3f800000ull;     /* 1.0f, boxed */
    run32(h, 0x00c5f553);               /* fadd.s fa0,fa1,fa2 */
    assert_int_equal(h->cpu.fpr[10], 0xffffffff7fc00000ull);
    run32(h, 0x20c58553);               /* fsgnj.s fa0,fa1,fa2 */
    assert_int_equal(h->cpu.fpr[10], 0xffffffff7fc00000ull);
    run32(h, 0xe0059553);               /* fclass.s a0,fa1: quiet NaN = bit 9 */
    assert_int_equal(h->cpu.gpr[10], 1 << 9);
    hart_free(h);
}

static void test_exec_fmv_x_w_takes_low_bits_and_sign_extends(void **state)
{
    Hart *h = hart_new();

    h->cpu.fpr[11] = 0x00000000bf800000ull;     /* unboxed -1.0f */
    run32(h, 0xe0058553);               /* fmv.x.w a0,fa1 */
    assert_int_equal(h->cpu.gpr[10], 0xffffffffbf800000ull);
    h->cpu.gpr[11] = 0x123456789abcdef0ull;
    run32(h, 0xf0058553);               /* fmv.w.x fa0,a1 boxes the low word */
    assert_int_equal(h->cpu.fpr[10], 0xffffffff9abcdef0ull);
    assert_int_equal(h->cpu.mstatus & MSTATUS_FS, MSTATUS_FS_DIRTY);
    hart_free(h);
}

static void test_exec_fp_reserved_rm_is_illegal(void **state)
{
    Hart *h = hart_new();

    assert_int_equal(run32(h, 0x00c5d553), -1);         /* fadd.s rm=5 */
    assert_int_equal(h->cpu.parent.exception_cause, EXC_ILLEGAL_INST);
    assert_int_equal(h->cpu.parent.exception_tval, 0x00c5d553);
    h->cpu.frm = 5;
    assert_int_equal(run32(h, 0x00c5f553), -1);         /* fadd.s dyn, frm=5 */
    assert_int_equal(h->cpu.parent.exception_cause, EXC_ILLEGAL_INST);
    assert_int_equal(run32(h, 0x42058553), 0);          /* fcvt.d.s rne: fine */
    assert_int_equal(run32(h, 0x4205f553), -1);         /* fcvt.d.s dyn: rm checked too */
    h->cpu.frm = 1;
    assert_int_equal(run32(h, 0x00c5f553), 0);          /* dyn with frm=RTZ */
    hart_free(h);
}

static void test_exec_fp_flags_accrue_and_dirty_fs(void **state)
{
    Hart *h = hart_new();

    h->cpu.fpr[11] = 0xffffffff3f800000ull;     /* 1.0f */
    h->cpu.fpr[12] = 0xffffffff00000000ull;     /* +0.0f */
    h->cpu.fflags = FFLAG_NX;
    run32(h, 0x18c5f553);               /* fdiv.s fa0,fa1,fa2 */
    assert_int_equal(h->cpu.fpr[10], 0xffffffff7f800000ull);   /* +inf */
    assert_int_equal(h->cpu.fflags, FFLAG_NX | FFLAG_DZ);
    assert_int_equal(h->cpu.mstatus & MSTATUS_FS, MSTATUS_FS_DIRTY);
    assert_true(h->cpu.mstatus & MSTATUS_SD);
    hart_free(h);
}

static void test_exec_compare_without_flags_leaves_fs_clean(void **state)
{
    Hart *h = hart_new();

    h->cpu.fpr[11] = 0xffffffff3f800000ull;
    h->cpu.fpr[12] = 0xffffffff3f800000ull;
    run32(h, 0xa0c5a553);               /* feq.s a0,fa1,fa2 */
    assert_int_equal(h->cpu.gpr[10], 1);
    assert_int_equal(h->cpu.mstatus, 0);
    assert_int_equal(h->cpu.fflags, 0);
    hart_free(h);
}

static void test_exec_fcvt_wu_s_result_is_sign_extended(void **state)
{
    Hart *h = hart_new();

    h->cpu.fpr[11] = 0xffffffff4f32d05eull;     /* 3e9f = 0xb2d05e00 exactly */
    run32(h, 0xc015f553);               /* fcvt.wu.s a0,fa1 */
    assert_int_equal(h->cpu.gpr[10], 0xffffffffb2d05e00ull);
    hart_free(h);
}

static void test_exec_fld_and_flw_box(void **state)
{
    Hart *h = hart_new();

    st_le64(h->page + 0x40, 0x400921fb54442d18ull);
    h->cpu.gpr[10] = GUEST_PAGE + 0x40;
    run32(h, 0x00053587);               /* fld fa1,0(a0) */
    assert_int_equal(h->cpu.fpr[11], 0x400921fb54442d18ull);
    run32(h, 0x00052587);               /* flw fa1,0(a0) */
    assert_int_equal(h->cpu.fpr[11], 0xffffffff54442d18ull);
    h->cpu.fpr[11] = 0x00000000cafef00dull;     /* fsw stores low bits as they are */
    run32(h, 0x00b52427);               /* fsw fa1,8(a0) */
    assert_int_equal(ld_le32(h->page + 0x48), 0xcafef00du);
    hart_free(h);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_decode_i_type_negative_imm),
        T(test_decode_i_type_imm_boundaries),
        T(test_decode_s_type_imm),
        T(test_decode_b_type_imm),
        T(test_decode_u_type_imm),
        T(test_decode_j_type_imm),
        T(test_decode_rd_x0_becomes_write_sink),
        T(test_decode_fp_rd_f0_is_not_rewritten),
        T(test_decode_rv64_shift_has_6bit_shamt),
        T(test_decode_word_shift_with_shamt5_is_illegal),
        T(test_decode_register_fields_of_r4),
        T(test_decode_fp_rm_field),
        T(test_decode_csr_number_and_zimm),
        T(test_decode_amo_and_lr_fields),
        T(test_decode_bitmanip_neighbours),
        T(test_decode_unknown_32bit_is_illegal),
        T(test_decode_needs_whole_instruction),
        T(test_decode_fp_is_illegal_when_fs_off),
        T(test_decode_compressed_fp_is_illegal_when_fs_off),
        T(test_decode_tbi_end_placement),
        T(test_decode_csr_ends_tb_only_when_it_may_change_state),
        T(test_decode_c_q0_addi4spn),
        T(test_decode_c_addi4spn_zero_imm_is_reserved),
        T(test_decode_c_q0_loads_and_stores),
        T(test_decode_c_q1_immediates),
        T(test_decode_c_addiw_on_rv64_not_jal),
        T(test_decode_c_addi16sp),
        T(test_decode_c_addi16sp_zero_imm_is_reserved),
        T(test_decode_c_lui),
        T(test_decode_c_q1_alu),
        T(test_decode_c_jump_and_branches),
        T(test_decode_c_q2_sp_loads),
        T(test_decode_c_lwsp_ldsp_rd0_is_reserved),
        T(test_decode_c_q2_sp_stores),
        T(test_decode_c_q2_register_ops),
        T(test_decode_c_jr_x0_is_reserved),
        T(test_exec_illegal_32bit_tval_is_encoding),
        T(test_exec_illegal_compressed_tval_is_16bit_encoding),
        T(test_exec_div_rem_by_zero_and_overflow),
        T(test_exec_mulh_variants),
        T(test_exec_word_ops_sign_extend),
        T(test_exec_write_to_x0_is_discarded),
        T(test_exec_jalr_clears_bit0_and_reads_rs1_first),
        T(test_exec_branch_sets_pc_taken_or_not),
        T(test_exec_ecall_cause_follows_privilege),
        T(test_exec_ebreak_tval_is_pc),
        T(test_exec_zbb),
        T(test_exec_zba),
        T(test_exec_zbs),
        T(test_exec_lr_sc_pair_succeeds_once),
        T(test_exec_sc_to_other_address_fails_and_clears),
        T(test_exec_lr_sc_amo_misaligned),
        T(test_exec_amo_word_results),
        T(test_exec_amo_double),
        T(test_exec_loads_extend),
        T(test_exec_unboxed_single_reads_as_canonical_nan),
        T(test_exec_fmv_x_w_takes_low_bits_and_sign_extends),
        T(test_exec_fp_reserved_rm_is_illegal),
        T(test_exec_fp_flags_accrue_and_dirty_fs),
        T(test_exec_compare_without_flags_leaves_fs_clean),
        T(test_exec_fcvt_wu_s_result_is_sign_extended),
        T(test_exec_fld_and_flw_box),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
