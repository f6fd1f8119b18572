#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen.py SEED N [--straight | --traps] - write a random differential-test body (GNU as source) to stdout.

The body holds N random valid RV64 I/M/A/F/D/Zba/Zbb/Zbs/C instructions (part of
the program under `.option rvc` with explicit c.* forms, part under norvc), the
initial integer/float registers, the initial frm and a 4 KiB scratch buffer.
Deterministic per seed. Reserved registers: x27 and x8 both point at
scratch+2048, so every load/store/AMO offset in [-2048, 2047] stays in the
buffer. Control flow only goes forward (branches, jal, jalr over 1-3
instructions), so every body terminates. The harness (harness.S) links the
body at a fixed address (link.ld), so auipc and link values match in every
harness.
--straight leaves out every control transfer, so the body executes exactly
its instruction count (scripts/bench.sh relies on that).
--traps writes a body for harness.S built with -DTRAPS: it runs TRAPS_ITER
times (x26 counts, so it is reserved too), enough for tier=auto to compile
its TBs, and has traps injected: illegal instructions (reserved frm values
too), misaligned AMOs and LR/SC, misaligned loads and stores (vm completes
them; some straddle the two data pages), and ecalls that make the M handler
apply the next perm_plan entry (the PTE states of the two data pages: 0
invalid, 1 R, 2 RW, 3 RW without D, 4 RW without A and D), so loads and
stores page-fault.
"""
import random
import sys

RESERVED = {0, 8, 27}
XREGS = [r for r in range(32) if r not in RESERVED]
CREGS = [9, 10, 11, 12, 13, 14, 15]          # x8..x15 minus the reserved s0
FCREGS = list(range(8, 16))
RMS = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]

D_SPECIAL = [0x0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
             0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001,
             0x7ff4000000000000, 0x0000000000000001, 0x000fffffffffffff,
             0x8000000000000001, 0x0010000000000000, 0x7fefffffffffffff,
             0x3ff0000000000000, 0xbff8000000000000, 0x4004000000000000,
             0x3fe0000000000000, 0xbfe0000000000000, 0x41dfffffffe00000,
             0x41dfffffffc00000, 0x41f0000000000000, 0xc1e0000000000000,
             0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
             0x3ff0000000000001, 0x4340000000000001, 0x7fe0000000000000]
S_SPECIAL = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000,
             0xffc00000, 0x7f800001, 0x7fa00000, 0x00000001, 0x007fffff,
             0x80000001, 0x00800000, 0x7f7fffff, 0x3f800000, 0xbfc00000,
             0x40200000, 0x3f000000, 0x4effffff, 0x4f000000, 0xcf000000,
             0x5f000000, 0xdf000000, 0x5f800000, 0x3f800001, 0x4b800001]
I_SPECIAL = [0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff,
             0x7fffffffffffffff, -0x8000000000000000, 0x100000000, 31, 32, 63, 64,
             0x5555555555555555, -0x5555555555555556, 0xff, 0x8000, 0xffff]

R_OPS = ("add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw "
         "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw "
         "sh1add sh2add sh3add add.uw sh1add.uw sh2add.uw sh3add.uw "
         "andn orn xnor max maxu min minu rol ror rolw rorw "
         "bclr bext binv bset").split()
I_OPS = "addi slti sltiu xori ori andi addiw".split()
SH64_OPS = "slli srli srai slli.uw rori bclri bexti binvi bseti".split()
SH32_OPS = "slliw srliw sraiw roriw".split()
# ctzw is left out: QEMU 7.2 (the reference) returns the 64-bit count when the
# low word is zero, so it would flag a correct vm. tests/isa/zbb_ctzw.S covers it.
U_OPS = "clz ctz cpop clzw cpopw sext.b sext.h zext.h rev8 orc.b".split()
LOADS = {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4, "lwu": 4, "ld": 8}
STORES = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}
AMOS = "amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu".split()
BRANCHES = "beq bne blt bge bltu bgeu".split()
TRAPS_ITER = 64
TRAPS_REG = 26
# Illegal from S-mode (besides reserved rounding modes): M-mode CSRs, a write to a
# read-only CSR, mret, custom-0.
ILLEGAL = ["csrr {rd}, mstatus", "csrw mscratch, {rs}", "csrr {rd}, mepc", "mret",
           "csrw cycle, {rs}", ".4byte 0x0000000b", "unimp"]


def u64(v):
    return v & 0xffffffffffffffff


def x(r):
    return "x%d" % r


def f(r):
    return "f%d" % r


class Gen:
    def __init__(self, seed, straight=False, traps=False):
        self.r = random.Random(seed)
        self.straight = straight
        self.traps = traps
        self.lines = []
        self.count = 0
        self.label = 0
        self.rvc = False

    def emit(self, text, n=1):
        self.lines.append("    " + text)
        self.count += n

    def xr(self):
        return x(self.r.choice(XREGS))

    def fr(self):
        return f(self.r.randrange(32))

    def rm(self):
        return self.r.choice(RMS)

    def off(self, size):
        return self.r.randrange(-2048, 2048 - size + 1) // size * size

    def new_label(self):
        self.label += 1
        return ".Lb%d" % self.label

    # ---- integer ----
    def alu(self):
        k = self.r.randrange(-2, 6)          # register-register ops get 3 shares of 8
        rd, a, b = self.xr(), self.xr(), self.xr()
        if k <= 0:
            self.emit("%s %s, %s, %s" % (self.r.choice(R_OPS), rd, a, b))
        elif k == 1:
            self.emit("%s %s, %s, %d" % (self.r.choice(I_OPS), rd, a,
                                          self.r.randrange(-2048, 2048)))
        elif k == 2:
            self.emit("%s %s, %s, %d" % (self.r.choice(SH64_OPS), rd, a, self.r.randrange(64)))
        elif k == 3:
            self.emit("%s %s, %s, %d" % (self.r.choice(SH32_OPS), rd, a, self.r.randrange(32)))
        elif k == 4:
            self.emit("%s %s, %s" % (self.r.choice(U_OPS), rd, a))
        else:
            op = self.r.choice(["lui", "auipc"])
            self.emit("%s %s, 0x%x" % (op, rd, self.r.randrange(1 << 20)))

    def mem(self):
        if self.r.randrange(2):
            op, size = self.r.choice(sorted(LOADS.items()))
            self.emit("%s %s, %d(x27)" % (op, self.xr(), self.off(size)))
        else:
            op, size = self.r.choice(sorted(STORES.items()))
            self.emit("%s %s, %d(x27)" % (op, self.xr(), self.off(size)))

    def amo(self):
        w = self.r.choice(["w", "d"])
        size = 4 if w == "w" else 8
        t = self.r.choice(XREGS)
        rd = self.r.choice([r for r in XREGS if r != t])
        order = self.r.choice(["", ".aq", ".rl", ".aqrl"])
        self.emit("addi %s, x27, %d" % (x(t), self.off(size)))
        if self.r.randrange(4):
            self.emit("%s.%s%s %s, %s, (%s)" % (self.r.choice(AMOS), w, order, x(rd),
                                                self.xr(), x(t)))
        else:
            self.emit("lr.%s%s %s, (%s)" % (w, order, x(rd), x(t)))
            self.emit("sc.%s%s %s, %s, (%s)" % (w, order, self.xr(), self.xr(), x(t)))

    def simple(self):
        """Filler instruction for skipped ranges (no labels)."""
        if self.r.randrange(3):
            self.alu()
        else:
            self.fp_arith()

    def branch(self):
        lab = self.new_label()
        k = self.r.randrange(4)
        if k < 2:
            self.emit("%s %s, %s, %s" % (self.r.choice(BRANCHES), self.xr(), self.xr(), lab))
        elif k == 2:
            self.emit("jal %s, %s" % (self.xr() if self.r.randrange(2) else "x0", lab))
        else:
            # jalr over exactly one 4-byte instruction
            t = self.xr()
            self.lines.append("    .option push")
            self.lines.append("    .option norvc")
            self.emit("auipc %s, 0" % t)
            self.emit("jalr %s, 12(%s)" % (self.xr(), t))
            self.emit("addi %s, %s, %d" % (self.xr(), self.xr(), self.r.randrange(-2048, 2048)))
            self.lines.append("    .option pop")
            return
        for _ in range(self.r.randrange(1, 4)):
            self.simple()
        self.lines.append("%s:" % lab)

    # ---- floating point ----
    def fp_arith(self):
        p = self.r.choice(["s", "d"])
        k = self.r.randrange(8)
        fd, a, b, c = self.fr(), self.fr(), self.fr(), self.fr()
        if k < 3:
            op = self.r.choice(["fadd", "fsub", "fmul", "fdiv"])
            self.emit("%s.%s %s, %s, %s, %s" % (op, p, fd, a, b, self.rm()))
        elif k == 3:
            self.emit("fsqrt.%s %s, %s, %s" % (p, fd, a, self.rm()))
        elif k == 4:
            op = self.r.choice(["fmadd", "fmsub", "fnmadd", "fnmsub"])
            self.emit("%s.%s %s, %s, %s, %s, %s" % (op, p, fd, a, b, c, self.rm()))
        elif k == 5:
            op = self.r.choice(["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"])
            self.emit("%s.%s %s, %s, %s" % (op, p, fd, a, b))
        elif k == 6:
            op = self.r.choice(["feq", "flt", "fle"])
            self.emit("%s.%s %s, %s, %s" % (op, p, self.xr(), a, b))
        else:
            self.emit("fclass.%s %s, %s" % (p, self.xr(), a))

    def fp_conv(self):
        p = self.r.choice(["s", "d"])
        k = self.r.randrange(5)
        it = self.r.choice(["w", "wu", "l", "lu"])
        if k == 0:
            self.emit("fcvt.%s.%s %s, %s, %s" % (it, p, self.xr(), self.fr(), self.rm()))
        elif k == 1:
            if p == "d" and it in ("w", "wu"):
                self.emit("fcvt.d.%s %s, %s" % (it, self.fr(), self.xr()))
            else:
                self.emit("fcvt.%s.%s %s, %s, %s" % (p, it, self.fr(), self.xr(), self.rm()))
        elif k == 2:
            if self.r.randrange(2):
                self.emit("fcvt.s.d %s, %s, %s" % (self.fr(), self.fr(), self.rm()))
            else:
                self.emit("fcvt.d.s %s, %s" % (self.fr(), self.fr()))
        elif k == 3:
            op = self.r.choice(["fmv.x.w", "fmv.x.d"])
            self.emit("%s %s, %s" % (op, self.xr(), self.fr()))
        else:
            op = self.r.choice(["fmv.w.x", "fmv.d.x"])
            self.emit("%s %s, %s" % (op, self.fr(), self.xr()))

    def fp_mem(self):
        if self.r.randrange(2):
            op, size = self.r.choice([("flw", 4), ("fld", 8)])
        else:
            op, size = self.r.choice([("fsw", 4), ("fsd", 8)])
        self.emit("%s %s, %d(x27)" % (op, self.fr(), self.off(size)))

    def fp_csr(self):
        k = self.r.randrange(7)
        if k == 0:
            self.emit("csrr %s, %s" % (self.xr(), self.r.choice(["fflags", "frm", "fcsr"])))
        elif k == 1:
            self.emit("csrw fflags, %s" % self.xr())
        elif k == 2:
            self.emit("%s fflags, %s" % (self.r.choice(["csrs", "csrc"]), self.xr()))
        elif k == 3:
            self.emit("csrwi frm, %d" % self.r.randrange(5))
        elif k == 4:
            self.emit("csrrwi %s, fcsr, %d" % (self.xr(), self.r.randrange(32)))
        elif k == 5:
            self.emit("csrrw %s, fflags, %s" % (self.xr(), self.xr()))
        else:
            self.emit("csrrsi %s, fflags, %d" % (self.xr(), self.r.randrange(32)))

    # ---- explicit compressed forms (only under .option rvc) ----
    def compressed(self):
        r = self.r
        full = x(r.choice(XREGS))
        cd, cs = x(r.choice(CREGS)), x(r.choice(CREGS))
        k = r.randrange(14)
        if k == 0:
            self.emit("c.addi %s, %d" % (full, r.choice([i for i in range(-32, 32) if i])))
        elif k == 1:
            self.emit("c.li %s, %d" % (full, r.randrange(-32, 32)))
        elif k == 2:
            rd = x(r.choice([q for q in XREGS if q != 2]))
            self.emit("c.lui %s, 0x%x" % (rd, r.choice(list(range(1, 32)) +
                                                      list(range(0xfffe0, 0x100000)))))
        elif k == 3:
            self.emit("%s %s, %s" % (r.choice(["c.mv", "c.add"]), full, x(r.choice(XREGS))))
        elif k == 4:
            self.emit("c.addiw %s, %d" % (full, r.randrange(-32, 32)))
        elif k == 5:
            self.emit("c.slli %s, %d" % (full, r.randrange(1, 64)))
        elif k == 6:
            op = r.choice(["c.srli", "c.srai"])
            self.emit("%s %s, %d" % (op, cd, r.randrange(1, 64)))
        elif k == 7:
            self.emit("c.andi %s, %d" % (cd, r.randrange(-32, 32)))
        elif k == 8:
            op = r.choice(["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"])
            self.emit("%s %s, %s" % (op, cd, cs))
        elif k == 9:
            op, size = r.choice([("c.lw", 4), ("c.ld", 8), ("c.sw", 4), ("c.sd", 8)])
            self.emit("%s %s, %d(x8)" % (op, cd, r.randrange(0, 32) * size))
        elif k == 10:
            op = r.choice(["c.fld", "c.fsd"])
            self.emit("%s %s, %d(x8)" % (op, f(r.choice(FCREGS)), r.randrange(0, 32) * 8))
        elif k == 11:
            self.emit("c.addi4spn %s, x2, %d" % (cd, r.randrange(1, 256) * 4))
        elif k == 12:
            self.emit("c.addi16sp x2, %d" % (r.choice([i for i in range(-32, 32) if i]) * 16))
        elif self.straight:
            self.emit("c.nop")
        else:
            lab = self.new_label()
            op = r.choice(["c.beqz %s, " % cd, "c.bnez %s, " % cd, "c.j "])
            self.emit(op + lab)
            for _ in range(r.randrange(1, 4)):
                self.simple()
            self.lines.append("%s:" % lab)

    # ---- injected traps (--traps) ----
    def inject(self):
        r = self.r
        k = r.randrange(6)
        if k == 5:
            # a reserved frm: FP instructions with the dynamic rounding mode are
            # illegal until the body writes frm or fcsr again
            self.emit("csrwi frm, %d" % r.randrange(5, 8))
        elif k == 4:
            # a misaligned load or store (vm completes these), half of them
            # straddling the two data pages at x27
            op, size = r.choice(sorted(LOADS.items()) + sorted(STORES.items()) +
                                [("fld", 8), ("fsd", 8), ("flw", 4), ("fsw", 4)])
            if size == 1:
                op, size = ("lh", 2) if op[0] == "l" else ("sh", 2)
            if r.randrange(2):
                off = -r.randrange(1, size)
            else:
                off = self.off(size) + r.randrange(1, size)
            reg = self.fr() if op[0] == "f" else self.xr()
            self.emit("%s %s, %d(x27)" % (op, reg, off))
        elif k == 0:
            text = r.choice(ILLEGAL).format(rd=self.xr(), rs=self.xr())
            self.emit(text)
        elif k == 1:
            # fadd.s with the reserved rounding mode 5
            enc = (r.randrange(32) << 20) | (r.randrange(32) << 15) | (5 << 12) | \
                  (r.randrange(32) << 7) | 0x53
            self.emit(".4byte 0x%08x" % enc)
        elif k == 2:
            w = r.choice(["w", "d"])
            size = 4 if w == "w" else 8
            t = r.choice(XREGS)
            rd = r.choice([q for q in XREGS if q != t])
            self.emit("addi %s, x27, %d" % (x(t), self.off(size) + r.randrange(1, size)))
            op = r.choice(AMOS + ["lr", "sc"])
            if op == "lr":
                self.emit("lr.%s %s, (%s)" % (w, x(rd), x(t)))
            elif op == "sc":
                self.emit("sc.%s %s, %s, (%s)" % (w, x(rd), self.xr(), x(t)))
            else:
                self.emit("%s.%s %s, %s, (%s)" % (op, w, x(rd), self.xr(), x(t)))
        else:
            self.emit("ecall")

    def one(self):
        if self.traps and self.r.randrange(100) < 4:
            self.inject()
            return
        k = self.r.randrange(100)
        if self.rvc and k < 15:
            self.compressed()
        elif k < 40:
            self.alu()
        elif k < 52:
            self.mem()
        elif k < 58:
            self.amo()
        elif k < 64:
            if self.straight:
                self.alu()
            else:
                self.branch()
        elif k < 82:
            self.fp_arith()
        elif k < 90:
            self.fp_conv()
        elif k < 95:
            self.fp_mem()
        else:
            self.fp_csr()

    def body(self, n):
        while self.count < n:
            if len(self.lines) % 64 == 0 or not self.lines:
                self.rvc = self.r.randrange(2) == 1
                self.lines.append("    .option %s" % ("rvc" if self.rvc else "norvc"))
            self.one()


def init_int(r):
    k = r.randrange(4)
    if k == 0:
        return u64(r.choice(I_SPECIAL))
    if k == 1:
        return u64(r.randrange(-2048, 2048))
    return r.getrandbits(64)


def init_float(r):
    k = r.randrange(6)
    if k == 0:
        return r.choice(D_SPECIAL)
    if k == 1:
        return 0xffffffff00000000 | r.choice(S_SPECIAL)
    if k == 2:
        return (r.getrandbits(32) << 32) | r.choice(S_SPECIAL)      # usually unboxed
    if k == 3:
        return 0xffffffff00000000 | r.getrandbits(32)
    if k == 4:
        # a double with a small exponent spread, so arithmetic stays interesting
        return (r.getrandbits(1) << 63) | (r.randrange(0x3c0, 0x440) << 52) | r.getrandbits(52)
    return r.getrandbits(64)


def scratch_word(r):
    k = r.randrange(4)
    if k == 0:
        return init_float(r)
    if k == 1:
        return u64(r.choice(I_SPECIAL))
    if k == 2:
        return (r.choice(S_SPECIAL) << 32) | r.choice(S_SPECIAL)
    return r.getrandbits(64)


def dwords(vals):
    return ["    .dword 0x%016x" % v for v in vals]


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--straight"], ["--traps"]):
        sys.exit("usage: gen.py SEED N [--straight | --traps]")
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    traps = sys.argv[3:] == ["--traps"]
    if traps:
        XREGS.remove(TRAPS_REG)
    g = Gen(seed, straight=sys.argv[3:] == ["--straight"], traps=traps)
    g.body(n)
    r = random.Random(seed * 7919 + 1)
    out = ["# generated by tests/diff/gen.py %d %d: %d instructions" % (seed, n, g.count),
           "    .section .bdata, \"aw\"",
           "    .balign 4096",
           "    .globl init_x, init_f, init_fcsr, regsave, scratch",
           "init_x:"]
    out += dwords([0] + [init_int(r) for _ in range(31)])
    out += ["init_f:"] + dwords([init_float(r) for _ in range(32)])
    out += ["init_fcsr:", "    .dword %d" % (r.randrange(5) << 5)]
    out += ["    .balign 1024", "regsave:", "    .space 1024", "scratch:"]
    out += dwords([scratch_word(r) for _ in range(512)])
    if traps:
        out += ["    .globl perm_plan", "perm_plan:"]
        out += dwords([r.randrange(5) | r.randrange(5) << 8 for _ in range(64)])
        g.lines = (["    .option norvc", "    li %s, %d" % (x(TRAPS_REG), TRAPS_ITER), ".Lloop:"] +
                   g.lines +
                   ["    .option norvc", "    addi %s, %s, -1" % (x(TRAPS_REG), x(TRAPS_REG)),
                    "    beqz %s, .Lexit" % x(TRAPS_REG), "    j .Lloop", ".Lexit:"])
    out += ["    .section .body, \"ax\"", "    .globl body_start", "body_start:"]
    out += g.lines
    out += ["    .option norvc", "    j body_done", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
