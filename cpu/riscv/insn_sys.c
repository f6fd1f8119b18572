/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System instruction handlers: fence and fence.i (unprivileged ISA
 * 20191213 §2.7, ch. 3), ecall/ebreak (§2.8), the Zicsr instructions
 * (ch. 9: which forms read and which write the CSR), and the privileged
 * mret, sret, wfi and sfence.vma (privileged 1.12 §3.3.2, §3.3.3,
 * §4.2.1), whose checks and effects live in trap.c and mmu.c.  Also the
 * handler every illegal or unknown encoding decodes to.
 */
#include "cpu/riscv/insn.h"

void riscv_raise_illegal(CPUState *cs, const TBInsn *in)
{
    cpu_raise_exception(cs, EXC_ILLEGAL_INST, in->raw);
}

int riscv_op_illegal(CPUState *cs, const TBInsn *in)
{
    riscv_raise_illegal(cs, in);
}

/* End the TB and go on with the next instruction. */
static int next_tb(CPUState *cs, const TBInsn *in)
{
    cs->pc = in->pc + in->len;
    return 1;
}

/*
 * Harts may run on host threads of their own.  The x86-64 host is TSO:
 * the only reordering it does is a later load passing an earlier store,
 * so only a fence ordering stores before loads needs a host barrier.
 */
int riscv_op_fence(CPUState *cs, const TBInsn *in)
{
    if (riscv_fence_needs_mb(in->raw)) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

/* fence.tso (fm = 1000, rw,rw) orders all but store -> load: TSO already does. */
int riscv_op_fence_tso(CPUState *cs, const TBInsn *in)
{
    return 0;
}

/*
 * pause (the unprivileged ISA's Zihintpause extension, a HINT encoded as
 * fence w,0, so on harts without the extension it is a fence that TSO
 * already gives): the guest is spinning, so let a hart that can make
 * progress have the host CPU.
 */
int riscv_op_pause(CPUState *cs, const TBInsn *in)
{
    cpu_spin_hint(cs);
    return next_tb(cs, in);
}

/* Stores already invalidate translated code; only the TB must end. */
int riscv_op_fence_i(CPUState *cs, const TBInsn *in)
{
    return next_tb(cs, in);
}

int riscv_op_ecall(CPUState *cs, const TBInsn *in)
{
    int priv = riscv_cpu(cs)->priv;

    cpu_raise_exception(cs, priv == PRV_M ? EXC_ECALL_M :
                            priv == PRV_S ? EXC_ECALL_S : EXC_ECALL_U, 0);
}

int riscv_op_ebreak(CPUState *cs, const TBInsn *in)
{
    cpu_raise_exception(cs, EXC_BREAKPOINT, in->pc);
}

/* --- Zicsr (ch. 9): rd = x0 skips the read of csrrw[i]; rs1 = x0 or
 * zimm = 0 skips the write of csrrs[i]/csrrc[i]. ---------------------- */

static int csr_op(CPUState *cs, const TBInsn *in, bool read, uint64_t new_val,
                  uint64_t wmask, bool write)
{
    RISCVCPU *cpu = riscv_cpu(cs);
    uint64_t old = 0;

    if (riscv_csr_op(cpu, (int)(in->imm & 0xfff), &old, read, new_val, wmask, write) < 0) {
        riscv_raise_illegal(cs, in);
    }
    if (read) {
        cpu->gpr[in->rd] = old;
    }
    /* Decode lets the TB go on after an access that changes no translation state. */
    return (in->flags & TBI_END) ? next_tb(cs, in) : 0;
}

int riscv_op_csrrw(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, !riscv_rd_is_x0(in), riscv_cpu(cs)->gpr[in->rs1], ~0ull, true);
}

int riscv_op_csrrs(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, true, ~0ull, riscv_cpu(cs)->gpr[in->rs1], in->rs1 != 0);
}

int riscv_op_csrrc(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, true, 0, riscv_cpu(cs)->gpr[in->rs1], in->rs1 != 0);
}

/* The immediate forms carry zimm (0..31) in the rs1 field. */
int riscv_op_csrrwi(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, !riscv_rd_is_x0(in), in->rs1, ~0ull, true);
}

int riscv_op_csrrsi(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, true, ~0ull, in->rs1, in->rs1 != 0);
}

int riscv_op_csrrci(CPUState *cs, const TBInsn *in)
{
    return csr_op(cs, in, true, 0, in->rs1, in->rs1 != 0);
}

/* --- Privileged ------------------------------------------------------------ */

int riscv_op_mret(CPUState *cs, const TBInsn *in)
{
    if (riscv_do_mret(riscv_cpu(cs)) < 0) {
        riscv_raise_illegal(cs, in);
    }
    return 1;
}

int riscv_op_sret(CPUState *cs, const TBInsn *in)
{
    if (riscv_do_sret(riscv_cpu(cs)) < 0) {
        riscv_raise_illegal(cs, in);
    }
    return 1;
}

int riscv_op_wfi(CPUState *cs, const TBInsn *in)
{
    cs->pc = in->pc + in->len;
    if (riscv_do_wfi(riscv_cpu(cs)) < 0) {
        riscv_raise_illegal(cs, in);
    }
    return next_tb(cs, in);
}

int riscv_op_sfence_vma(CPUState *cs, const TBInsn *in)
{
    RISCVCPU *cpu = riscv_cpu(cs);

    if (riscv_do_sfence_vma(cpu, cpu->gpr[in->rs1], in->rs1 != 0, cpu->gpr[in->rs2],
                            in->rs2 != 0) < 0) {
        riscv_raise_illegal(cs, in);
    }
    return next_tb(cs, in);
}
