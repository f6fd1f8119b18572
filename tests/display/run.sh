#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The SDL display under Xvfb (issue 9, DESIGN.md §6): --display errors,
# the firmware framebuffer drawn by a bare-metal program (screendump
# pixels, the window captured with xwd equal to the screendump, dirty
# pages redrawn), and a busybox Linux guest with virtio-gpu and
# virtio-input loaded: its /dev/tty0 text read back by tesseract from the
# screendump, `sendkey a` read as KEY_A from /dev/input/event*, the
# window equal to the screendump, vm-cli's CPU share while the guest
# idles with the window open; the same screendump and sendkey with no
# window (--display none, --device virtio-gpu/virtio-keyboard); virtio-gpu
# across savevm/loadvm (text shown before savevm read back after loadvm,
# text drawn after it read too); and Debian's installer disc booted through
# OpenSBI, U-Boot and GRUB with its own kernel line (no console=ttyS0),
# its language screen read by tesseract from the screendump, and `sendkey
# ret` taking it to the next screen.  Timeouts only guard against hangs.
# Usage: tests/display/run.sh VM_CLI OUT_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI OUT_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2
GUEST_SUITE=display
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
guest_images

for tool in Xvfb xwd tesseract "${TL_CROSS}gcc" python3; do
    if ! command -v "$tool" >/dev/null; then
        guest_fail tools "$tool not found: run scripts/install-deps.sh"
        guest_summary
        exit 1
    fi
done

# Guest programs: the bare-metal framebuffer painter and the evdev reader.
fbdraw=$out/fbdraw.elf evread=$out/evread initrd=$out/display.cpio.gz
if tl_need_rebuild "$fbdraw" "$here/fbdraw.S"; then
    "${TL_CROSS}gcc" -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,-Ttext=0x80000000 -Wl,-N \
        -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o "$fbdraw" "$here/fbdraw.S" ||
        tl_die "cannot build fbdraw.S"
fi
if tl_need_rebuild "$evread" "$here/evread.c"; then
    "${TL_CROSS}gcc" -static -O2 -o "$evread" "$here/evread.c" || tl_die "cannot build evread.c"
fi
if tl_need_rebuild "$initrd" "$here/guest.sh" "$evread" "$here/../../scripts/make-initramfs.sh"
then
    "$here/../../scripts/make-initramfs.sh" "$initrd" "$here/guest.sh" \
        --add-modules "virtio_gpu virtio_input evdev" --add "$evread:/bin/evread" ||
        tl_die "cannot build the initramfs"
fi

# 1. --display errors: one line, exit 2; no display at all: a note, then it runs.
# expect_exit2 NAME PATTERN ENV... -- ARGS...
expect_exit2() {
    local name=$1 pattern=$2 rc=0 envs=()
    shift 2
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    guest_begin "$name"
    env -u DISPLAY -u WAYLAND_DISPLAY "${envs[@]}" timeout 20 "$GUEST_VM" --arch riscv64 \
        --bios none --kernel "$fbdraw" "$@" </dev/null >"$out/$name.log" 2>&1 || rc=$?
    expect_status $rc 2 "$out/$name.log"
    [ "$(wc -l <"$out/$name.log")" -eq 1 ] ||
        guest_why "$(wc -l <"$out/$name.log") lines of output, expected 1"
    expect_in "$out/$name.log" "$pattern" "'$pattern'"
    guest_end
}
expect_exit2 sdl-without-x '^vm-cli: --display sdl: no X or Wayland display' -- --display sdl
expect_exit2 sdl-bad-x '^vm-cli: --display sdl: cannot open the display' DISPLAY=:97 -- \
    --display sdl
expect_exit2 display-unknown "^vm-cli: --display: 'gtk' is not one of sdl, none" -- \
    --display gtk
expect_exit2 device-unknown "^vm-cli: --device: 'vga' is not one of virtio-gpu" -- \
    --device vga

sh "$here/../../pc-bios/demo/build.sh" "$out/demo" >/dev/null 2>&1
guest_begin no-display-note
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY timeout 20 "$GUEST_VM" --arch riscv64 --bios none \
    --kernel "$out/demo/hello.elf" </dev/null >"$out/note.out" 2>"$out/note.err" || rc=$?
expect_status $rc 0 "$out/note.err"
expect_in "$out/note.err" '^vm-cli: note: no display .*--display none$' "the note"
[ "$(wc -l <"$out/note.err")" -eq 1 ] || guest_why "$(wc -l <"$out/note.err") stderr lines"
expect_in "$out/note.out" 'Hello from vm' "the demo's output"
guest_end

# 2. Under Xvfb: the firmware framebuffer, then the Linux guest.
xlog=$out/xvfb.log
for n in $(seq 90 120); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1280x1024x24 -nolisten tcp >"$xlog" 2>&1 &
    xpid=$!
    for _ in $(seq 100); do
        [ -e "/tmp/.X11-unix/X$n" ] && break
        kill -0 $xpid 2>/dev/null || break
        sleep 0.1
    done
    kill -0 $xpid 2>/dev/null && break
    xpid=
done
if [ -z "${xpid:-}" ]; then
    guest_fail xvfb "Xvfb did not start: $(tail -1 "$xlog")"
    guest_summary
    exit 1
fi
trap 'kill $xpid 2>/dev/null' EXIT
export DISPLAY=:$n

while read -r line; do
    case $line in
    PASS*) TL_PASSED=$((TL_PASSED + 1)); echo "$line" ;;
    FAIL*) TL_FAILED=$((TL_FAILED + 1)); echo "$line" ;;
    *) echo "INFO $line" ;;
    esac
done < <(python3 "$here/drive.py" fb "$GUEST_VM" "$out" "$fbdraw" 2>&1;
         python3 "$here/drive.py" linux "$GUEST_VM" "$out" "$VM_KERNEL" "$initrd" 2>&1
         python3 "$here/drive.py" headless "$GUEST_VM" "$out" "$VM_KERNEL" "$initrd" 2>&1
         python3 "$here/drive.py" gpu-loadvm "$GUEST_VM" "$out" "$VM_KERNEL" "$initrd" 2>&1
         # The installer disc (scripts/make-installer-iso.sh, cached).
         [ -n "${VM_UBOOT_SMODE:-}" ] && export VM_UBOOT_SMODE
         if iso=$("$here/../../scripts/make-installer-iso.sh" --cached 2>"$out/iso.err"); then
             python3 "$here/drive.py" iso "$GUEST_VM" "$out" "$iso" 2>&1
         else
             echo "FAIL display/make-installer-iso: $(head -1 "$out/iso.err")"
         fi)

guest_summary
