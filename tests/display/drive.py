#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drive vm-cli with --display sdl under Xvfb (tests/display/run.sh).

  drive.py fb VM_CLI OUTDIR FBDRAW_ELF
  drive.py linux VM_CLI OUTDIR KERNEL INITRD
  drive.py iso VM_CLI OUTDIR INSTALLER_ISO
  drive.py headless VM_CLI OUTDIR KERNEL INITRD
  drive.py gpu-loadvm VM_CLI OUTDIR KERNEL INITRD

Prints one line per check: "PASS display/NAME" or "FAIL display/NAME: why".
Checks assert on the pictures (screendump PNG, the window captured with
xwd, tesseract's reading) and on what the guest prints; timeouts only
guard against hangs.  The idle check measures CPU seconds used by
vm-cli over a wall interval (a resource figure, not a duration).
"""
import importlib.util
import os
import re
import socket
import struct
import subprocess
import sys
import time
import traceback
import zlib

results = []


def check(name, ok, why=""):
    line = ("PASS display/" + name) if ok else ("FAIL display/%s: %s" % (name, why))
    print(line, flush=True)
    results.append(ok)


def load_monitor_client():
    """The Unix-socket monitor client of tests/monitor/drive.py (class Mon)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "monitor", "drive.py")
    spec = importlib.util.spec_from_file_location("monitor_drive", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.Mon


Mon = load_monitor_client()


def read_png(path, max_rows=None):
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG (its first max_rows rows)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, "not 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, bpp, stride = zlib.decompress(idat), 3, w * 3
    rows, prev = [], bytearray(stride)
    for y in range(h if max_rows is None else min(h, max_rows)):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xff
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def read_xwd(path):
    """(width, height, rows of RGB bytes) of a 24/32-bit TrueColor xwd dump."""
    d = open(path, "rb").read()
    hdr = struct.unpack(">25I", d[:100])
    hsize, w, h, order, bpp, bpl = hdr[0], hdr[4], hdr[5], hdr[7], hdr[11], hdr[12]
    rmask, gmask, bmask, ncolors = hdr[14], hdr[15], hdr[16], hdr[19]
    assert bpp == 32, "xwd: %d bits per pixel" % bpp
    pix = hsize + 12 * ncolors
    shift = [(m & -m).bit_length() - 1 for m in (rmask, gmask, bmask)]
    fmt = "<%dI" % w if order == 0 else ">%dI" % w
    rows = []
    for y in range(h):
        vals = struct.unpack(fmt, d[pix + y * bpl:pix + y * bpl + 4 * w])
        line = bytearray(3 * w)
        for x, v in enumerate(vals):
            line[3 * x] = (v & rmask) >> shift[0]
            line[3 * x + 1] = (v & gmask) >> shift[1]
            line[3 * x + 2] = (v & bmask) >> shift[2]
        rows.append(bytes(line))
    return w, h, rows


def first_difference(a, b):
    if a[:2] != b[:2]:
        return "sizes %dx%d and %dx%d" % (a[0], a[1], b[0], b[1])
    for y, (ra, rb) in enumerate(zip(a[2], b[2])):
        if ra != rb:
            x = next(i for i in range(len(ra)) if ra[i] != rb[i]) // 3
            return "pixel (%d,%d): %s vs %s" % (x, y, ra[3 * x:3 * x + 3].hex(),
                                                rb[3 * x:3 * x + 3].hex())
    return None


class VM:
    def __init__(self, vm, outdir, name, args, stdin=False, display=("--display", "sdl")):
        self.log_path = os.path.join(outdir, name + ".log")
        self.sock = os.path.join(outdir, name + ".sock")
        self.outdir = outdir
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.log = open(self.log_path, "wb")
        self.p = subprocess.Popen(
            [vm, "--arch", "riscv64"] + list(display) + ["--monitor",
             "unix:%s,server,nowait" % self.sock] + args,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.mon = None

    def output(self):
        return open(self.log_path, "rb").read().decode(errors="replace").replace("\r", "")

    def wait_for(self, pattern, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.output(), re.M):
                return True
            if self.p.poll() is not None:
                return bool(re.search(pattern, self.output(), re.M))
            time.sleep(0.2)
        return False

    def monitor(self):
        if not self.mon:
            self.mon = Mon(self.sock, timeout=60)
        return self.mon

    def cpu_seconds(self):
        f = open("/proc/%d/stat" % self.p.pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def capture(self, tag):
        """Stop the machine, take a screendump and the window (xwd); resume.
        Returns (png, xwd) pictures or raises with the reason."""
        m = self.monitor()
        m.cmd("stop")
        png = os.path.join(self.outdir, tag + ".png")
        xwd = os.path.join(self.outdir, tag + ".xwd")
        out = m.cmd("screendump " + png).strip()
        if out:
            raise RuntimeError("screendump said: " + out)
        shot = read_png(png)
        diff, win = "no window titled 'vm [Paused]'", None
        # The window catches up within a refresh or two while stopped; retry for a while.
        for _ in range(50):
            r = subprocess.run(["xwd", "-silent", "-name", "vm [Paused]", "-out", xwd],
                               stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                win = read_xwd(xwd)
                diff = first_difference(shot, win)
                if diff is None:
                    break
            time.sleep(0.2)
        m.cmd("cont")
        return shot, win, diff

    def finish(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def close_window(name):
    """Ask the window titled `name` to close, as a window manager does: a
    WM_DELETE_WINDOW ClientMessage (ICCCM §4.2.8.1), sent with the X11
    core protocol over the server's Unix socket."""
    wid = int(re.search(r"Window id: (0x[0-9a-f]+)", subprocess.run(
        ["xwininfo", "-name", name], capture_output=True, text=True).stdout).group(1), 16)
    x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    x.connect("/tmp/.X11-unix/X" + os.environ["DISPLAY"].split(":")[1].split(".")[0])
    x.settimeout(10)

    def recv(n):
        b = b""
        while len(b) < n:
            d = x.recv(n - len(b))
            if not d:
                raise EOFError("X server closed the connection")
            b += d
        return b

    x.sendall(struct.pack("<BxHHHHxx", 0x6C, 11, 0, 0, 0))     # connection setup, no auth
    head = recv(8)
    if head[0] != 1:
        raise RuntimeError("X server refused the connection")
    recv(struct.unpack("<H", head[6:8])[0] * 4)

    def atom(text):
        name = text.encode()
        pad = (4 - len(name) % 4) % 4
        x.sendall(struct.pack("<BBHHxx", 16, 0, 2 + (len(name) + pad) // 4, len(name)) +
                  name + b"\0" * pad)                             # InternAtom
        return struct.unpack("<I", recv(32)[8:12])[0]

    protocols, delete = atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW")
    event = struct.pack("<BBHII5I", 33, 32, 0, wid, protocols, delete, 0, 0, 0, 0)
    x.sendall(struct.pack("<BBHII", 25, 0, 11, wid, 0) + event)   # SendEvent
    atom("WM_NAME")                                               # a round trip: sent
    x.close()


def window_size(name, path):
    """Size of the window titled `name` (waiting up to 30 s for it), or None."""
    for _ in range(150):
        if subprocess.run(["xwd", "-silent", "-name", name, "-out", path],
                          stderr=subprocess.DEVNULL).returncode == 0:
            return struct.unpack(">25I", open(path, "rb").read(100))[4:6]
        time.sleep(0.2)
    return None


def gradient_mismatch(rows, square):
    """Where the picture differs from fbdraw.S's gradient (and magenta square)."""
    for y in range(768):
        row = rows[y]
        for x in range(1024):
            if square and 100 <= x < 300 and 200 <= y < 400:
                want = b"\xff\x00\xff"
            else:
                want = bytes(((x >> 2) & 0xff, (y >> 2) & 0xff, ((x ^ y) >> 3) & 0xff))
            if row[3 * x:3 * x + 3] != want:
                return "pixel (%d,%d) is %s, expected %s" % (x, y, row[3 * x:3 * x + 3].hex(),
                                                             want.hex())
    return None


def run_fb(vm, outdir, elf):
    state = os.path.join(outdir, "fb.state")
    if os.path.exists(state):
        os.unlink(state)
    v = VM(vm, outdir, "fb", ["--bios", "none", "--kernel", elf, "--state-file", state],
           stdin=True)
    try:
        if not v.wait_for(r"^FB-DRAWN", 120):
            check("framebuffer-gradient", False, "no FB-DRAWN: " + v.output()[-300:])
            return
        shot, win, diff = v.capture("fb1")
        check("framebuffer-gradient", shot[:2] == (1024, 768) and
              gradient_mismatch(shot[2], False) is None,
              "%dx%d, %s" % (shot[0], shot[1], gradient_mismatch(shot[2], False)))
        check("fb-window-matches-screendump", diff is None, diff)
        out = v.monitor().cmd("savevm gradient").strip()
        v.p.stdin.write(b"x")
        v.p.stdin.flush()
        if not v.wait_for(r"^FB-REDRAWN", 60):
            check("fb-dirty-pages-redrawn", False, "no FB-REDRAWN: " + v.output()[-300:])
            return
        shot, win, diff = v.capture("fb2")
        why = gradient_mismatch(shot[2], True)
        check("fb-dirty-pages-redrawn", why is None, why)
        check("fb-window-follows-dirty-pages", diff is None, diff)
        # loadvm brings the gradient back (the framebuffer is in the snapshot).
        out += v.monitor().cmd("loadvm gradient").strip()
        shot, win, diff = v.capture("fb3")
        why = gradient_mismatch(shot[2], False)
        check("fb-loadvm-restores-picture", why is None, "monitor said %r; %s" % (out, why))
        check("fb-window-after-loadvm", diff is None, diff)
        close_window("vm")
        rc = v.finish(60)
        check("closing-window-powers-off", rc == 0, "exit status %s" % rc)
    finally:
        if v.p.poll() is None:
            v.p.kill()


def run_linux(vm, outdir, kernel, initrd):
    v = VM(vm, outdir, "linux", ["-S", "--kernel", kernel, "--initrd", initrd, "--memory",
                                 "512M", "--append", "console=ttyS0 quiet"])
    try:
        # Before the guest runs, the window shows the firmware framebuffer.
        first = window_size("vm [Paused]", os.path.join(outdir, "linux0.xwd"))
        v.monitor().cmd("cont")
        check("window-starts-at-framebuffer-size", first == (1024, 768), "window %r" % (first,))
        if not v.wait_for(r"^EVREAD-READY", 600):
            check("guest-ready", False, "no EVREAD-READY: " + v.output()[-500:])
            return
        ready = re.search(r"^GUEST-READY fb0=(\S*) kbd=(\S*)", v.output(), re.M)
        check("guest-drivers", ready and "virtio" in ready.group(1) and ready.group(2),
              "guest said: %s" % (ready.group(0) if ready else "nothing"))
        # Idle: the guest waits in read(2) on the keyboard; the window is open.
        time.sleep(3)
        c0, t0 = v.cpu_seconds(), time.time()
        time.sleep(10)
        c1, t1 = v.cpu_seconds(), time.time()
        share = (c1 - c0) / (t1 - t0)
        print("idle vm-cli: %.3f CPU s over %.1f s = %.1f%% of a core" %
              (c1 - c0, t1 - t0, 100 * share), flush=True)
        check("idle-cpu-under-10-percent", share < 0.10, "%.1f%% of a host core" % (100 * share))
        shot, win, diff = v.capture("linux")
        check("window-matches-screendump", diff is None, diff)
        check("window-resizes-to-guest-mode", win is not None and win[:2] == (1280, 800),
              "window %r" % (win[:2] if win else None,))
        check_text_and_key(v, os.path.join(outdir, "linux.png"), "")
    finally:
        if v.p.poll() is None:
            v.p.kill()


def check_text_and_key(v, png, prefix):
    """The guest's tty0 line in screendump `png` (tesseract), then `sendkey a`
    read by the guest as KEY_A press and release, then its power-off."""
    r = subprocess.run(["tesseract", png, "-"], capture_output=True, text=True)
    words = ["VIRTIO", "GPU", "CONSOLE", "WORKS"]
    check(prefix + "ocr-finds-tty0-text", all(w in r.stdout for w in words),
          "tesseract read %r" % r.stdout.strip()[:200])
    out = v.monitor().cmd("sendkey a").strip()
    ok = v.wait_for(r"^EVKEY 30 0", 60)
    evs = re.findall(r"^EVKEY (\d+) (\d+)", v.output(), re.M)
    check(prefix + "sendkey-a-arrives-as-KEY_A", ok and evs[:2] == [("30", "1"), ("30", "0")],
          "monitor said %r, guest read %s" % (out, evs))
    rc = v.finish(120)
    check(prefix + "guest-powers-off", rc == 0 and "GUEST-DONE" in v.output(),
          "exit status %s" % rc)


def ocr_until(v, png, word, tries=30):
    """Screendump to png until tesseract reads `word` (the guest's fbdev
    flushes its damage a little later); returns the text last read."""
    text = ""
    for _ in range(tries):
        out = v.monitor().cmd("screendump " + png).strip()
        if out:
            raise RuntimeError("screendump said: " + out)
        text = subprocess.run(["tesseract", png, "-"], capture_output=True, text=True).stdout
        if word in text:
            break
        time.sleep(1)
    return text


def run_headless(vm, outdir, kernel, initrd):
    """No window: --display none with virtio-gpu and a keyboard from --device
    (QEMU's names); screendump and sendkey work the same."""
    v = VM(vm, outdir, "headless", ["--kernel", kernel, "--initrd", initrd, "--memory", "512M",
                                    "--append", "console=ttyS0 quiet"],
           display=("--display", "none", "--device", "virtio-gpu",
                    "--device", "virtio-keyboard-device"))
    try:
        if not v.wait_for(r"^EVREAD-READY", 600):
            check("headless-guest-ready", False, "no EVREAD-READY: " + v.output()[-500:])
            return
        png = os.path.join(outdir, "headless.png")
        ocr_until(v, png, "WORKS")
        check_text_and_key(v, png, "headless-")
    finally:
        if v.p.poll() is None:
            v.p.kill()


def run_gpu_loadvm(vm, outdir, kernel, initrd):
    """virtio-gpu's resources survive savevm/loadvm: text A shown, savevm,
    text B, loadvm: the screendump reads A again, and the guest's next
    text C reaches the screen through the restored resources."""
    state = os.path.join(outdir, "gpu-loadvm.state")
    if os.path.exists(state):
        os.unlink(state)
    v = VM(vm, outdir, "gpu-loadvm", ["--kernel", kernel, "--initrd", initrd, "--memory", "512M",
                                      "--append", "console=ttyS0 quiet vmtest.gpu-loadvm",
                                      "--state-file", state],
           stdin=True, display=("--display", "none", "--device", "virtio-gpu"))

    def show(text):
        v.p.stdin.write(text.encode() + b"\n")
        v.p.stdin.flush()
        return v.wait_for("^SHOWN " + text, 120)

    try:
        if not v.wait_for(r"^GPU-LOADVM-READY", 600):
            check("gpu-loadvm-guest-ready", False, "no GPU-LOADVM-READY: " + v.output()[-500:])
            return
        png = os.path.join(outdir, "gpu-loadvm-%s.png")
        ok = show("ALPHA SAVED TEXT")
        text = ocr_until(v, png % "a", "ALPHA")
        check("gpu-loadvm-text-a-shown", ok and "ALPHA" in text, "tesseract read %r" % text)
        out = v.monitor().cmd("savevm gpu").strip()
        ok = show("BRAVO LATER TEXT")
        text = ocr_until(v, png % "b", "BRAVO")
        check("gpu-loadvm-text-b-shown", ok and "BRAVO" in text and "ALPHA" not in text,
              "savevm said %r, tesseract read %r" % (out, text))
        out += v.monitor().cmd("loadvm gpu").strip()
        text = ocr_until(v, png % "loadvm", "ALPHA", tries=1)
        check("gpu-loadvm-restores-text-a", not out and "ALPHA" in text and "BRAVO" not in text,
              "monitor said %r, tesseract read %r" % (out, text))
        ok = show("CHARLIE AFTER LOADVM")
        text = ocr_until(v, png % "c", "CHARLIE")
        check("gpu-loadvm-guest-draws-after", ok and "CHARLIE" in text and
              "virtio-gpu:" not in v.output(),
              "tesseract read %r; console: %s" % (text, v.output()[-300:]))
    finally:
        if v.p.poll() is None:
            v.p.kill()
            v.p.wait()


def run_iso(vm, outdir, iso):
    """The installer disc through OpenSBI, U-Boot and GRUB with the disc's own
    kernel line (no console=ttyS0): its first screen is on the window."""
    v = VM(vm, outdir, "iso", ["--memory", "1G", "--cdrom", iso])
    png = os.path.join(outdir, "iso.png")
    text = ""
    try:
        deadline = time.time() + 1200
        while time.time() < deadline and v.p.poll() is None:
            time.sleep(10)
            if v.monitor().cmd("screendump " + png).strip():
                continue
            # newt paints the screen blue first: OCR only once it is there.
            w, h, rows = read_png(png, 4)
            r, g, b = rows[2][6:9]
            if not (b > 128 and r < 64 and g < 64):
                continue
            text = subprocess.run(["tesseract", png, "-"], capture_output=True,
                                  text=True).stdout
            if "Select a language" in text:
                break
        check("iso-language-screen-on-display", "Select a language" in text,
              "tesseract read %r; console: %s" % (text.strip()[:200], v.output()[-300:]))
        # The installer loads virtio_mmio and virtio_input by itself: keys reach it.
        text2 = ""
        if "Select a language" in text:
            v.monitor().cmd("sendkey ret")
            deadline = time.time() + 300
            while time.time() < deadline and "Select your location" not in text2:
                time.sleep(5)
                if not v.monitor().cmd("screendump " + png).strip():
                    text2 = subprocess.run(["tesseract", png, "-"], capture_output=True,
                                           text=True).stdout
        check("iso-sendkey-ret-reaches-installer", "Select your location" in text2,
              "tesseract read %r" % text2.strip()[:200])
        log = v.output()
        check("iso-through-firmware-chain", "U-Boot" in log and "GNU GRUB" in log,
              "console: " + log[-300:])
    finally:
        if v.p.poll() is None:
            v.p.kill()
            v.p.wait()


def main():
    mode, vm, outdir = sys.argv[1:4]
    try:
        if mode == "fb":
            run_fb(vm, outdir, sys.argv[4])
        elif mode == "iso":
            run_iso(vm, outdir, sys.argv[4])
        elif mode == "gpu-loadvm":
            run_gpu_loadvm(vm, outdir, sys.argv[4], sys.argv[5])
        elif mode == "headless":
            run_headless(vm, outdir, sys.argv[4], sys.argv[5])
        else:
            run_linux(vm, outdir, sys.argv[4], sys.argv[5])
    except Exception as e:  # a broken run is a failure, not a traceback
        where = traceback.extract_tb(e.__traceback__)[-1]
        check(mode + "-run", False, "%s: %s (drive.py line %d)" % (type(e).__name__, e,
                                                                  where.lineno))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
