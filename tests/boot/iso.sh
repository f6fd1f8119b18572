#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installer discs through the firmware chain: an ISO built by
# scripts/make-installer-iso.sh (cached; rebuilt only when its inputs
# change) given to --cdrom with no --kernel boots OpenSBI -> U-Boot ->
# GRUB -> Linux to the installer's first screen, on the serial console,
# in tmux as a user would see it.  Also: the same with a blank qcow2 disk
# attached and keys typed at U-Boot's and GRUB's prompts; a busybox guest
# that sees both disks, mounts the disc as iso9660 and reads its files
# back with the right SHA-256 while its writes to the disc fail; a file
# that is no disc refused; and a disc without an EFI loader, where U-Boot
# gives up and vm-cli exits with status 1; the monitor's `info block`
# naming the disc a read-only cdrom.  Assertions are on what the
# guest prints; the limits only stop a hung guest.
#   tests/boot/iso.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2 GUEST_SUITE=iso
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
guest_images
mkdir -p "$out"
out=$(cd "$out" && pwd)
vm=$(cd "$(dirname "$GUEST_VM")" && pwd)/$(basename "$GUEST_VM")
session=vm-iso-$$
HANG=600    # a guard against a hung guest, not a measurement

if [ ! -r "${VM_UBOOT_SMODE:-}" ]; then
    guest_fail images "VM_UBOOT_SMODE='${VM_UBOOT_SMODE:-}' missing: run scripts/fetch-guest-images.sh"
    guest_summary
    exit 1
fi
# U-Boot is found through images.env, as a user's shell would after sourcing it.
export VM_UBOOT_SMODE
iso=$("$here/../../scripts/make-installer-iso.sh" --cached 2>"$out/iso.err") ||
    { guest_fail make-installer-iso "$(head -1 "$out/iso.err")"; guest_summary; exit 1; }
noefi=$("$here/../../scripts/make-installer-iso.sh" --cached --no-efi 2>"$out/iso.err") ||
    { guest_fail make-installer-iso-no-efi "$(head -1 "$out/iso.err")"; guest_summary; exit 1; }
iso_sum=$(sha256sum <"$iso" | cut -d' ' -f1)

# ---------------------------------------------------------------- tmux

finish() { tmux kill-session -t "$session" 2>/dev/null; }
trap finish EXIT

# tmux_start LOG ARGS...: vm-cli in a fresh 80x25 tmux session; everything
# it prints also goes to LOG (pipe-pane is attached before vm-cli starts).
tmux_start() {
    local log=$1 q='' a
    shift
    for a in "$@"; do q="$q '${a//\'/\'\\\'\'}'"; done
    finish
    rm -f "$out/go"
    : >"$log"
    tmux new-session -d -s "$session" -x 80 -y 25 \
        "while [ ! -e '$out/go' ]; do sleep 0.1; done; '$vm' --arch riscv64$q \
         2>'$out/stderr'; echo VM-EXITED \$?; sleep 60"
    tmux pipe-pane -t "$session" -o "cat >>'$log'"
    touch "$out/go"
}

# wait_screen PATTERN SECONDS: poll the pane until PATTERN shows.
wait_screen() {
    local i
    for ((i = 0; i < $2 * 2; i++)); do
        tmux capture-pane -p -t "$session" >"$out/screen.txt" 2>/dev/null || return 1
        grep -q -- "$1" "$out/screen.txt" && return 0
        sleep 0.5
    done
    return 1
}

# wait_log LOG PATTERN SECONDS: poll LOG (all output so far) for the ERE PATTERN.
wait_log() {
    local i
    for ((i = 0; i < $3 * 2; i++)); do
        tr -d '\r' <"$1" | grep -qaE -- "$2" && return 0
        sleep 0.5
    done
    return 1
}

screen_tail() { grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' '; }

# -------------------------------------------- 1: ISO alone, no --kernel

log=$out/iso-boot.log
tmux_start "$log" --memory 1G --cdrom "$iso"
guest_begin firmware-chain-reaches-select-a-language
if wait_screen "Select a language" "$HANG"; then
    cp "$out/screen.txt" "$out/screen-language.txt"
    # The chain, in order, as it went past on the serial console.
    # U-Boot's EFI variable store is a file on the ESP it booted from: its
    # writes to the read-only disc fail (virtio-blk IOERR) and U-Boot goes on.
    for stage in 'OpenSBI v' 'U-Boot 2025\.01' 'Scanning virtio 0:' \
        'Unable to write file ubootefi.var' 'GNU GRUB +version 2\.12' "Booting .Install'"; do
        tr -d '\r' <"$log" | grep -qaE -- "$stage" || guest_why "no '$stage' on the console"
    done
else
    guest_why "screen: $(screen_tail)"
fi
guest_end
guest_begin enter-reaches-select-your-location
if grep -q "Select a language" "$out/screen.txt"; then
    tmux send-keys -t "$session" Enter
    wait_screen "Select your location" 300 || guest_why "screen: $(screen_tail)"
else
    guest_why "no first screen"
fi
guest_end
finish

# ------------------------- 2: with a blank qcow2 disk, keys at the prompts

blank=$out/blank.qcow2
rm -f "$blank"
"$(dirname "$vm")/vm-img" create -f qcow2 "$blank" 64M >/dev/null
blank_sum=$(sha256sum <"$blank" | cut -d' ' -f1)
log=$out/iso-disk.log
tmux_start "$log" --memory 1G --cdrom "$iso" --drive file="$blank",format=qcow2 \
    --boot menu=on,splash-time=30000
guest_begin key-stops-uboot-autoboot
if wait_log "$log" 'Hit any key to stop autoboot' "$HANG"; then
    tmux send-keys -t "$session" Space
    wait_screen '^=> *$' 60 || guest_why "no U-Boot prompt after a key: $(screen_tail)"
    # At the prompt: U-Boot lists both disks.
    tmux send-keys -t "$session" 'virtio info' Enter
    wait_screen 'Device 1: .*VirtIO Block' 60 || guest_why "virtio info: $(screen_tail)"
else
    guest_why "no autoboot countdown"
fi
guest_end
guest_begin uboot-boot-command-starts-grub-menu
tmux send-keys -t "$session" 'boot' Enter
if wait_screen "Use the .* keys to select" "$HANG"; then
    # 'e' edits the entry: GRUB shows its commands, so the key reached GRUB.
    tmux send-keys -t "$session" e
    wait_screen 'linux /install/vmlinuz' 60 || guest_why "no GRUB editor after 'e': $(screen_tail)"
    tmux send-keys -t "$session" C-x
else
    guest_why "no GRUB menu: $(screen_tail)"
fi
guest_end
guest_begin with-blank-disk-reaches-select-a-language
wait_screen "Select a language" "$HANG" || guest_why "screen: $(screen_tail)"
guest_end
tmux send-keys -t "$session" C-a x
guest_begin disc-and-disk-untouched
wait_screen "VM-EXITED 0" 60 || guest_why "vm-cli did not quit on Ctrl-A x: $(screen_tail)"
[ "$(sha256sum <"$iso" | cut -d' ' -f1)" = "$iso_sum" ] || guest_why "the ISO changed"
[ "$(sha256sum <"$blank" | cut -d' ' -f1)" = "$blank_sum" ] || guest_why "the blank disk changed"
guest_end
finish

# ----------------------------- 3: a busybox guest sees /dev/vda and vdb

cat >"$out/guest.sh" <<'EOF'
modprobe virtio_mmio; modprobe virtio_blk; modprobe isofs
for d in vda vdb; do
    [ -b /dev/$d ] && echo "DISK $d ro=$(cat /sys/block/$d/ro) sectors=$(cat /sys/block/$d/size)"
done
mkdir -p /mnt && mount -t iso9660 -o ro /dev/vda /mnt && grep iso9660 /proc/mounts &&
(cd /mnt && sha256sum install/vmlinuz install/initrd.gz | sed 's/^/SUM /') && umount /mnt
blockdev --setrw /dev/vda 2>/dev/null
if dd if=/dev/zero of=/dev/vda bs=4096 count=1 conv=fsync 2>/tmp/dd.err; then
    echo DISC-WRITE-OK
else
    echo "DISC-WRITE-FAILED $(tr "\n" " " </tmp/dd.err)"
fi
echo GUEST-DONE
EOF
guest_begin busybox-sees-disc-and-disk
"$here/../../scripts/make-initramfs.sh" "$out/guest.cpio.gz" "$out/guest.sh" 2>"$out/initramfs.err" ||
    guest_why "initramfs: $(head -1 "$out/initramfs.err")"
log=$out/busybox.log
run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/guest.cpio.gz" --memory 512M \
    --append "console=ttyS0 quiet" --cdrom "$iso" --drive file="$blank",format=qcow2
expect_status $? 0 "$log"
expect_in "$log" "^DISK vda ro=1 sectors=$(($(stat -c %s "$iso") / 512))\$" "read-only /dev/vda of the ISO's size"
expect_in "$log" '^DISK vdb ro=0 sectors=131072$' "writable 64 MiB /dev/vdb"
expect_in "$log" '^/dev/vda /mnt iso9660 ro' "iso9660 mount of /dev/vda"
for f in "$VM_INSTALLER_KERNEL:install/vmlinuz" "$VM_INSTALLER_INITRD:install/initrd.gz"; do
    expect_in "$log" "^SUM $(sha256sum <"${f%%:*}" | cut -d' ' -f1)  ${f#*:}\$" "right SHA-256 of ${f#*:}"
done
expect_in "$log" '^DISC-WRITE-FAILED ' "a failed write to the disc"
expect_not_in "$log" '^DISC-WRITE-OK' "a write to the disc succeeded"
expect_in "$log" '^GUEST-DONE' "end of the guest script"
[ "$(sha256sum <"$iso" | cut -d' ' -f1)" = "$iso_sum" ] || guest_why "the ISO changed"
guest_end

# ------------------------------------------ 4: not a disc, no EFI loader

guest_begin cdrom-not-a-disc-refused
printf 'just some text\n' >"$out/notes.txt"
cp "$out/notes.txt" "$out/notes.before"
run_guest "$out/bad.log" 60 --cdrom "$out/notes.txt"
expect_status $? 2 "$out/bad.log"
expect_count "$out/bad.log" . 1 "lines of output"
expect_in "$out/bad.log" "^vm-cli: --cdrom: $out/notes.txt: neither an ISO 9660 image" "the reason"
cmp -s "$out/notes.txt" "$out/notes.before" || guest_why "the file changed"
run_guest "$out/missing.log" 60 --cdrom "$out/no-such.iso"
expect_status $? 2 "$out/missing.log"
expect_in "$out/missing.log" "^vm-cli: --cdrom: $out/no-such.iso: No such file" "missing-file reason"
guest_end

guest_begin disc-without-efi-loader-exits-1
log=$out/no-efi.log
run_guest "$log" "$HANG" --cdrom "$noefi" --boot menu=off
expect_status $? 1 "$log"
expect_in "$log" 'Device 0: .*VirtIO Block Device' "U-Boot probing the disc"
expect_in "$log" "Couldn't find partition virtio 0" "U-Boot's failure to find a boot partition"
expect_in "$log" '^U-Boot: no boot target could be started' "the give-up line"
guest_end

# The monitor names the disc: read-only, cdrom.
guest_begin monitor-info-block-shows-cdrom
sock=$out/mon.sock
rm -f "$sock"
"$vm" --arch riscv64 --cdrom "$noefi" --drive file="$blank",format=qcow2 \
    --boot menu=on,splash-time=600000 --monitor "unix:$sock,server,nowait" \
    </dev/null >"$out/mon-guest.log" 2>&1 &
pid=$!
python3 - "$sock" >"$out/info-block.txt" 2>&1 <<'PY'
import socket, sys, time
for _ in range(300):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.1)
s.settimeout(10)
def until_prompt():
    buf = b""
    while not buf.endswith(b"(vm) "):
        buf += s.recv(4096)
    return buf.decode()
until_prompt()
s.sendall(b"info block\n")
print(until_prompt())
s.sendall(b"quit\n")
PY
sleep 1
kill "$pid" 2>/dev/null    # only when `quit` did not get through
wait "$pid" 2>/dev/null
expect_in "$out/info-block.txt" "^virtio0: $noefi \(raw, $(stat -c %s "$noefi") bytes, read-only, cdrom\)" \
    "virtio0 listed as a read-only cdrom"
expect_in "$out/info-block.txt" "^virtio1: $blank \(qcow2, 67108864 bytes\)" "virtio1 listed as the disk"
guest_end

guest_summary
