#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send monitor commands to vm-cli's Unix socket (tests/snapshot).

Usage: mon.py SOCKET CMD...
Connects (retrying while the socket appears), runs each command after the
"(vm) " prompt (QEMU's "(qemu) " too) and prints its output verbatim, each command's output
closed by a line "--END--".  Exit status 1 when the connection fails or
closes before a prompt (after `quit` that is expected and not an error).
"""
import socket
import sys
import time

PROMPTS = (b"(vm) ", b"(qemu) ")  # vm-cli's, and QEMU's for make bench


def main():
    path, cmds = sys.argv[1], sys.argv[2:]
    deadline = time.time() + 30
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            break
        except OSError:
            s.close()
            if time.time() > deadline:
                print("cannot connect to %s" % path)
                return 1
            time.sleep(0.2)
    s.settimeout(300)
    buf = b""

    def prompt():
        nonlocal buf
        while not buf.endswith(PROMPTS):
            d = s.recv(65536)
            if not d:
                return None
            buf += d
        out, buf = buf[: buf.rindex(b"(")], b""
        return out.decode(errors="replace")

    if prompt() is None:
        return 1
    for cmd in cmds:
        s.sendall(cmd.encode() + b"\n")
        out = prompt()
        if out is None:
            if cmd in ("quit", "q"):
                print("--END--")
                return 0
            print("connection closed during '%s'" % cmd)
            return 1
        sys.stdout.write(out)
        print("--END--")
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
