#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drive vm-cli's monitor on a Unix socket (tests/monitor/run.sh).

Usage: drive.py SOCKET COUNTER_ADDR PROG_START PROG_END
Prints one line per check: "PASS name" or "FAIL name: why".
"""
import re
import socket
import sys
import time

PROMPT = b"(vm) "


class Mon:
    def __init__(self, path, timeout=20):
        deadline = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.s.settimeout(timeout)
        self.buf = b""
        self.banner = self.read_prompt()

    def read_prompt(self):
        while not self.buf.endswith(PROMPT):
            d = self.s.recv(65536)
            if not d:
                raise EOFError("monitor closed the connection")
            self.buf += d
        out, self.buf = self.buf[: -len(PROMPT)], b""
        return out.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        return self.read_prompt()

    def close(self):
        self.s.close()


results = []


def check(name, ok, why):
    results.append(("PASS " + name) if ok else ("FAIL %s: %s" % (name, why)))


def counter(m, addr):
    out = m.cmd("x/1xg 0x%x" % addr)
    mm = re.search(r":\s+0x([0-9a-f]+)", out)
    return int(mm.group(1), 16) if mm else None, out


def main():
    path, addr = sys.argv[1], int(sys.argv[2], 16)
    start, end = int(sys.argv[3], 16), int(sys.argv[4], 16)
    m = Mon(path)

    out = m.cmd("info status")
    check("status-running", "running" in out, repr(out))

    m.cmd("stop")
    out = m.cmd("info status")
    check("stop-paused", "paused" in out, repr(out))

    a, out1 = counter(m, addr)
    time.sleep(0.3)
    b, out2 = counter(m, addr)
    check("x-stopped-counter-frozen", a is not None and a == b and a > 0,
          "%r then %r" % (out1, out2))

    out = m.cmd("xp/2xg 0x%x" % addr)
    check("xp-two-quads", len(re.findall(r"0x[0-9a-f]{16}", out)) == 2, repr(out))

    out = m.cmd("info registers")
    mm = re.search(r"^pc\s+([0-9a-f]+)", out, re.M)
    pc = int(mm.group(1), 16) if mm else -1
    check("info-registers-pc", start <= pc < end and "x10/a0" in out and "mstatus" in out,
          "pc %x not in [%x,%x): %r" % (pc, start, end, out[:200]))

    out = m.cmd("x/4i $pc")
    lines = [l for l in out.splitlines() if l.startswith("0x")]
    check("x-4i-pc", len(lines) == 4 and any(k in out for k in ("addi", "sd", "j ", "jal")),
          repr(out))

    out = m.cmd("p $pc")
    check("p-pc", out.strip() == "0x%x" % pc, repr(out))

    out = m.cmd("p $pc + 4 - 0x2")
    check("p-expr", out.strip() == "0x%x" % (pc + 2), repr(out))

    out = m.cmd("p $nosuchreg")
    check("p-bad-register", len(out.strip().splitlines()) == 1 and "unknown register" in out,
          repr(out))

    out = m.cmd("info cpus")
    check("info-cpus", "CPU #0" in out, repr(out))

    m.cmd("cont")
    out = m.cmd("info status")
    check("cont-running", "running" in out, repr(out))
    time.sleep(0.3)
    c, out3 = counter(m, addr)
    check("cont-counter-advances", c is not None and b is not None and c > b,
          "%r then %r" % (out2, out3))

    out = m.cmd("frobnicate now")
    check("unknown-command-one-line",
          len(out.strip().splitlines()) == 1 and "unknown command" in out, repr(out))
    time.sleep(0.2)
    d, out4 = counter(m, addr)
    out = m.cmd("info status")
    check("unknown-command-keeps-running", "running" in out and d is not None and c is not None
          and d > c, "%r %r" % (out, out4))

    out = m.cmd("xp/1xg 0x0")
    check("xp-unmapped", out.strip() == "Cannot access memory at 0x0", repr(out))

    out = m.cmd("x/4q 0x80000000")
    check("x-bad-format", len(out.strip().splitlines()) == 1 and "invalid format" in out,
          repr(out))

    out = m.cmd("x/2xw nonsense")
    check("x-bad-address", len(out.strip().splitlines()) == 1, repr(out))

    out = m.cmd("info mtree")
    check("info-mtree-ram", re.search(r"0000000080000000-[0-9a-f]+ \(ram\)", out) is not None,
          repr(out))

    for sub in ("mem", "tlb", "block", "network", "jit"):
        out = m.cmd("info " + sub)
        check("info-" + sub, out.strip() != "" and "unknown" not in out, repr(out[:200]))

    out = m.cmd("help")
    check("help", all(k in out for k in ("info", "stop", "cont", "xp", "system_reset",
                                          "system_powerdown", "quit")), repr(out[:200]))

    m.close()
    time.sleep(0.2)
    m2 = Mon(path)
    out = m2.cmd("info status")
    check("second-client", "running" in out and "vm monitor" in m2.banner, repr(out))
    m2.s.sendall(b"quit\n")
    try:
        while m2.s.recv(4096):
            pass
    except OSError:
        pass
    m2.close()
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
