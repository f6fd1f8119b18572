#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-debian-image.sh - an installed Debian 13 "trixie" riscv64 system on a
# qcow2 disk, built from Debian packages alone (no installer), for the boot
# benchmark (scripts/bench-boot-debian.sh).
#
#   scripts/make-debian-image.sh OUT.qcow2
#
# 1. debootstrap --arch=riscv64 --foreign --variant=minbase, with systemd-sysv,
#    udev, kmod and dbus, from the Debian mirror this machine's apt uses (the
#    one scripts/fetch-guest-images.sh wrote into its private apt sources),
#    checked against debian-archive-keyring (InRelease).
# 2. On the host: hostname, hosts, an fstab for /dev/vda, and the modules of
#    the kernel fetch-guest-images.sh unpacked (VM_KERNEL_MODULES), so the
#    guest's udev and systemd find them.  No kernel package is installed:
#    the disk boots with --kernel VM_KERNEL.
# 3. An ext4 file system made from that tree (mkfs.ext4 -d, 4 GiB sparse raw).
# 4. The second stage runs in the guest itself: VM_CLI boots VM_KERNEL with
#    the initrd below and "vmdeb=second-stage" on the command line; the
#    initrd mounts /dev/vda, runs /debootstrap/debootstrap --second-stage in
#    a chroot, then depmod, an empty root password, a machine-id, the jobs
#    of a first boot after an update (ldconfig, sysusers, the journal
#    catalog, hwdb, /etc/.updated), and powers off.  (No binfmt_misc or
#    qemu-user: nothing on the host changes.)
# 5. e2fsck, qemu-img convert (vm-img convert without qemu-img) to
#    OUT.qcow2.partial, one boot to "login:" on a throw-away overlay
#    (--snapshot), and the rename to OUT.qcow2.
#
# The initrd, written beside the disk as OUT-initrd.gz: make-initramfs.sh's
# busybox with the virtio and ext4 modules, and an /init of its own that
# loads them, mounts root= (default /dev/vda) and switch_roots to
# /sbin/init (systemd).  Boot the disk with
#
#   vm-cli --arch riscv64 --memory 1G --kernel "$VM_KERNEL" --initrd OUT-initrd.gz \
#          --append "root=/dev/vda rw console=ttyS0" --drive file=OUT.qcow2
#
# and root logs in on ttyS0 without a password.  The same files boot under
# qemu-system-riscv64 -M virt -bios fw_dynamic.bin.
#
# Idempotent: nothing is done when OUT.qcow2 and its initrd exist and are
# newer than this script.  debootstrap's downloads stay in
# ~/.cache/vm/debian-rootfs/debs/ for the next build.  Needs root (debootstrap,
# file ownership in the image).
#
# Environment: VM_CLI (default: vm-cli at the top of this tree),
#              VM_DEBIAN_MIRROR (default: the mirror apt uses),
#              VM_DEBIAN_KEYRING (default /usr/share/keyrings/debian-archive-keyring.gpg),
#              VM_DEBIAN_STAGE2_LIMIT (seconds for the second stage, default 5400).
# Prints the kernel, initrd and disk on success; on failure one "error:"
# line and exit status 1 (2 for bad usage), and no OUT.qcow2.
set -euo pipefail

PROG=make-debian-image.sh
SUITE=trixie
die() { echo "$PROG: error: $*" >&2; exit 1; }

[ $# -eq 1 ] && [[ $1 == *.qcow2 ]] || { echo "usage: $PROG OUT.qcow2" >&2; exit 2; }
OUT=$1
INITRD=${OUT%.qcow2}-initrd.gz
SELF=$(readlink -f "$0")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
VM_CLI=${VM_CLI:-$ROOT/vm-cli}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vm
KEYRING=${VM_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
LIMIT=${VM_DEBIAN_STAGE2_LIMIT:-5400}

report() {
    echo "kernel: $VM_KERNEL"
    echo "initrd: $INITRD"
    echo "disk:   $OUT"
    echo "append: root=/dev/vda rw console=ttyS0"
}

# The kernel and its modules (a no-op when fetch-guest-images.sh's cache is intact).
if [ ! -f "$CACHE/images.env" ]; then
    "$ROOT/scripts/fetch-guest-images.sh" >/dev/null || die "scripts/fetch-guest-images.sh failed"
fi
# shellcheck source=/dev/null
. "$CACHE/images.env"
[ -f "${VM_KERNEL:-}" ] && [ -d "${VM_KERNEL_MODULES:-}" ] ||
    die "no kernel in $CACHE/images.env: run scripts/fetch-guest-images.sh"

if [ -f "$OUT" ] && [ -f "$INITRD" ] && [ "$OUT" -nt "$SELF" ] && [ "$INITRD" -nt "$SELF" ]; then
    echo "$PROG: $OUT is up to date"
    report
    exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, and root-owned files in the image)"
[ -x "$VM_CLI" ] || die "no vm-cli at $VM_CLI (build it, or set VM_CLI)"
for t in mkfs.ext4 e2fsck gzip cpio; do
    command -v "$t" >/dev/null || die "'$t' not found (Debian packages e2fsprogs, gzip, cpio)"
done
if ! command -v debootstrap >/dev/null; then
    echo "$PROG: installing debootstrap"
    apt-get -q install -y debootstrap >/dev/null || die "apt-get install debootstrap failed"
fi
if command -v qemu-img >/dev/null; then
    convert() { qemu-img convert -f raw -O qcow2 "$1" "$2"; }
elif [ -x "$(dirname "$VM_CLI")/vm-img" ]; then
    convert() { "$(dirname "$VM_CLI")/vm-img" convert -f raw -O qcow2 "$1" "$2"; }
else
    die "neither qemu-img nor vm-img (beside $VM_CLI) found"
fi
[ -r "$KEYRING" ] || die "keyring $KEYRING missing; install debian-archive-keyring"

# The mirror: the one fetch-guest-images.sh took from this machine's apt sources.
if [ -n "${VM_DEBIAN_MIRROR:-}" ]; then
    MIRROR=$VM_DEBIAN_MIRROR
else
    MIRROR=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
        "$CACHE/apt/etc/sources.list" 2>/dev/null || true)
fi
[ -n "$MIRROR" ] || die "no mirror in $CACHE/apt/etc/sources.list; run scripts/fetch-guest-images.sh --refresh or set VM_DEBIAN_MIRROR"

WORK=$CACHE/debian-rootfs
TREE=$WORK/$SUITE-riscv64
RAW=$WORK/disk.raw
LOG=$WORK/build.log
mkdir -p "$WORK/debs" "$(dirname "$OUT")" || die "cannot create $WORK"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; rm -f "$OUT.partial" "$INITRD.partial"' EXIT
: >"$LOG"

# ---------------------------------------------------------------- initrd

# The busybox and modules of make-initramfs.sh, and a second archive with
# our /init after it: the kernel unpacks both, the later /init replacing
# make-initramfs.sh's (which would power off after its test script).
echo true >"$tmp/unused.sh"
bash "$ROOT/scripts/make-initramfs.sh" "$tmp/base.cpio.gz" "$tmp/unused.sh" \
    --modules "$VM_KERNEL_MODULES" >>"$LOG" 2>&1 || die "make-initramfs.sh failed (log: $LOG)"
mkdir -p "$tmp/overlay"
cat >"$tmp/overlay/init" <<'EOF'
#!/bin/busybox sh
# Written by scripts/make-debian-image.sh: mount root= and start its
# /sbin/init, or with vmdeb=second-stage finish debootstrap and power off.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
# ext4 asks the crypto API for "crc32c", an alias our modules.dep does not have.
for m in virtio_mmio virtio_blk crc32c_generic ext4; do modprobe "$m"; done
root=/dev/vda stage=
for a in $(cat /proc/cmdline); do
    case $a in
    root=*) root=${a#root=} ;;
    vmdeb=*) stage=${a#vmdeb=} ;;
    esac
done
i=0
while [ ! -b "$root" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t ext4 -o rw "$root" /newroot; then
    echo "vmdeb: cannot mount $root"
    poweroff -f
fi
if [ "$stage" = second-stage ]; then
    mount -t proc proc /newroot/proc
    mount -t sysfs sysfs /newroot/sys
    mount -o bind /dev /newroot/dev
    # debootstrap refers to files by absolute path in its log; keep it.
    if chroot /newroot /debootstrap/debootstrap --second-stage &&
        chroot /newroot /bin/sh /var/tmp/vmdeb-finish.sh; then
        echo "vmdeb: second stage done"
    else
        echo "vmdeb: second stage failed"
        tail -n 40 /newroot/debootstrap/debootstrap.log 2>/dev/null
    fi
    # (debootstrap may have unmounted proc already.)
    umount /newroot/dev /newroot/sys /newroot/proc 2>/dev/null
    sync
    umount /newroot
    poweroff -f
fi
mount --move /dev /newroot/dev
umount /sys /proc
exec switch_root /newroot /sbin/init
EOF
chmod 755 "$tmp/overlay/init"
(cd "$tmp/overlay" && echo init | cpio -o -H newc -R 0:0 --quiet | gzip -n -9) >"$tmp/overlay.cpio.gz" ||
    die "cannot write the initrd's /init archive"
cat "$tmp/base.cpio.gz" "$tmp/overlay.cpio.gz" >"$INITRD.partial"

# ---------------------------------------------------------------- first stage

echo "$PROG: debootstrap --foreign $SUITE riscv64 from $MIRROR (log: $LOG)"
rm -rf "$TREE"
debootstrap --arch=riscv64 --foreign --variant=minbase --components=main \
    --include=systemd-sysv,udev,kmod,dbus --keyring="$KEYRING" --cache-dir="$WORK/debs" \
    "$SUITE" "$TREE" "$MIRROR" >>"$LOG" 2>&1 ||
    die "debootstrap's first stage failed: $(grep -E '^(E|W):' "$LOG" | tail -n 1 || true) (log: $LOG)"

echo debian-riscv64 >"$TREE/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian-riscv64\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    >"$TREE/etc/hosts"
printf '# <file system>\t<mount point>\t<type>\t<options>\t\t<dump>\t<pass>\n/dev/vda\t/\t\text4\trw,errors=remount-ro\t0\t1\n' \
    >"$TREE/etc/fstab"
kver=$(basename "$VM_KERNEL_MODULES")
mkdir -p "$TREE/usr/lib/modules"
cp -a "$VM_KERNEL_MODULES" "$TREE/usr/lib/modules/$kver"
# Run in the guest once the packages are configured.
cat >"$TREE/var/tmp/vmdeb-finish.sh" <<EOF
set -e
depmod -a $kver
passwd -d root
rm -f /etc/machine-id /var/lib/dbus/machine-id
systemd-machine-id-setup
# What the first boot after an update would do (ConditionNeedsUpdate=/etc,
# /var), so that every boot of the disk is an ordinary one.
ldconfig
systemd-sysusers
journalctl --update-catalog
! command -v systemd-hwdb >/dev/null || systemd-hwdb update
/usr/lib/systemd/systemd-update-done
apt-get clean
rm -f /var/tmp/vmdeb-finish.sh
EOF

# ---------------------------------------------------------------- second stage

rm -f "$RAW"
truncate -s 4G "$RAW"
mkfs.ext4 -q -F -L debian-root -d "$TREE" "$RAW" >>"$LOG" 2>&1 || die "mkfs.ext4 -d $TREE failed (log: $LOG)"
echo "$PROG: second stage in the guest under $VM_CLI (up to $LIMIT s; console: $WORK/stage2.log)"
timeout "$LIMIT" "$VM_CLI" --arch riscv64 --memory 1G --smp 2 --kernel "$VM_KERNEL" \
    --initrd "$INITRD.partial" --append "root=/dev/vda rw console=ttyS0 vmdeb=second-stage" \
    --drive "file=$RAW,format=raw" --display none </dev/null >"$WORK/stage2.log" 2>&1 || true
grep -q "vmdeb: second stage done" "$WORK/stage2.log" ||
    die "the second stage did not finish: $(grep -a 'vmdeb:' "$WORK/stage2.log" | tail -n 1 || true) (console: $WORK/stage2.log)"
e2fsck -fy "$RAW" >>"$LOG" 2>&1 || [ $? -le 1 ] || die "e2fsck of the new disk failed (log: $LOG)"

# ---------------------------------------------------------------- qcow2

convert "$RAW" "$OUT.partial" >>"$LOG" 2>&1 || die "conversion to qcow2 failed (log: $LOG)"
echo "$PROG: checking that it boots to login:"
"$VM_CLI" --arch riscv64 --memory 1G --kernel "$VM_KERNEL" --initrd "$INITRD.partial" \
    --append "root=/dev/vda rw console=ttyS0" --drive "file=$OUT.partial,format=qcow2" --snapshot \
    --display none </dev/null >"$WORK/firstboot.log" 2>&1 &
pid=$!
ok=
for _ in $(seq 1200); do
    if grep -aq "login:" "$WORK/firstboot.log"; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ -n "$ok" ] || die "the new disk did not boot to login: (console: $WORK/firstboot.log)"
mv -f "$INITRD.partial" "$INITRD"
mv -f "$OUT.partial" "$OUT"
rm -f "$RAW"
echo "$PROG: $OUT: Debian $SUITE riscv64, $(du -h --apparent-size "$OUT" | cut -f1)"
report
