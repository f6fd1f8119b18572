#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# virtio-blk with real images: a busybox guest formats the disk (busybox
# mke2fs), writes files and prints their SHA-256, syncs and powers off;
# the host then checks the image with Debian's tools (qemu-img check,
# qemu-img convert, debugfs) against the hashes the guest printed.  A
# second boot reads the files back through the guest.  Raw and qcow2;
# qemu-img's compressed and backing-chain images read by the guest;
# --snapshot and read-only drives leave the files untouched; an image
# QEMU left dirty (lazy refcounts) is repaired when the guest opens it.
# Usage: tests/boot/disk.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/disk
GUEST_SUITE=disk
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)    # absolute: qemu-img resolves backing names from the image's folder
guest_images
HANG=240    # a guard against a hung guest, not a measurement

modules='modprobe virtio_mmio; modprobe virtio_blk; modprobe crc32c_generic; modprobe ext4'
write_script="$modules
mke2fs -q /dev/vda && mkdir -p /mnt && mount -t ext2 /dev/vda /mnt &&
dd if=/dev/urandom of=/mnt/big bs=64k count=48 2>/dev/null &&
dd if=/dev/urandom of=/mnt/small bs=1 count=1000 2>/dev/null &&
(cd /mnt && sha256sum big small > sums) && cat /mnt/sums | sed 's/^/SUM /' &&
sync && umount /mnt && echo WRITE-DONE"
read_script="$modules
mkdir -p /mnt && mount -t ext2 -o ro /dev/vda /mnt && cd /mnt && sha256sum -c sums &&
echo READ-DONE"
for kind in write read; do
    script=${kind}_script
    printf '%s\n' "${!script}" >"$out/$kind.sh"
    "$here/../../scripts/make-initramfs.sh" "$out/$kind.cpio.gz" "$out/$kind.sh" \
        2>"$out/$kind.err" || guest_fail "initramfs-$kind" "$(head -1 "$out/$kind.err")"
done

# disk_roundtrip FORMAT [NAME PREP]: write boot, host-side checks, read
# boot; PREP IMG, when given, runs on the new image first.
disk_roundtrip() {
    local fmt=$1 name=${2:-$1} prep=${3:-} st f
    local img=$out/disk.$name log=$out/$name-write.log raw=$out/disk-$name.raw
    rm -f "$img"
    qemu-img create -q -f "$fmt" "$img" 64M
    [ -z "$prep" ] || "$prep" "$img"
    guest_begin "$name-guest-writes-files"
    run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/write.cpio.gz" \
        --memory 512M --append "console=ttyS0 quiet" --drive file="$img",format="$fmt"
    st=$?
    expect_status "$st" 0 "$log"
    expect_in "$log" '^WRITE-DONE' "the guest finished writing"
    expect_at_least "$log" '^SUM [0-9a-f]{64}  (big|small)$' 2 "hashes printed"
    guest_end

    guest_begin "$name-host-sees-guest-files"
    if [ "$fmt" = qcow2 ]; then
        qemu-img check -q "$img" >"$out/check.log" 2>&1 ||
            guest_why "qemu-img check: $(head -1 "$out/check.log")"
    fi
    qemu-img convert -O raw "$img" "$raw"
    for f in big small; do
        debugfs -R "cat /$f" "$raw" 2>/dev/null >"$out/$f.host"
        grep -q "^SUM $(sha256sum <"$out/$f.host" | cut -d' ' -f1)  $f\$" "$log" ||
            guest_why "/$f read by debugfs does not match the guest's hash"
    done
    guest_end

    guest_begin "$name-guest-reads-back"
    log=$out/$name-read.log
    run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/read.cpio.gz" \
        --memory 512M --append "console=ttyS0 quiet" --drive file="$img",format="$fmt",readonly=on
    st=$?
    expect_status "$st" 0 "$log"
    expect_in "$log" '^big: OK' "big verified"
    expect_in "$log" '^small: OK' "small verified"
    expect_in "$log" '^READ-DONE' "read boot finished"
    guest_end
}

disk_roundtrip raw
disk_roundtrip qcow2

# An image QEMU left dirty (lazy refcounts, killed after writing): the
# guest's read-write open rebuilds its refcounts first, then the guest
# formats and fills it; qemu-img check above finds it clean.
is_dirty() { [ $(( $(od -An -tu1 -j79 -N1 "$1") & 1 )) -eq 1 ]; }
make_dirty() {
    qemu-img create -q -f qcow2 -o lazy_refcounts=on "$1" 64M
    { qemu-io -f qcow2 -c 'write -P 0x5a 0 2M' -c 'write -P 0xa5 40M 1M' -c 'sigraise 9' "$1" \
        >/dev/null 2>&1; } 2>/dev/null
    is_dirty "$1" || guest_fail dirty-qcow2-setup "qemu-io did not leave the image dirty"
}
disk_roundtrip qcow2 dirty-qcow2 make_dirty
guest_begin dirty-qcow2-repaired-on-open
expect_in "$out/dirty-qcow2-write.log" "was not closed cleanly: refcounts rebuilt" \
    "repair reported by vm-cli"
! is_dirty "$out/disk.dirty-qcow2" || guest_why "the dirty bit is still set"
guest_end

# Images made by qemu-img (compressed clusters; a backing chain with a
# snapshot) read back byte-exact by the guest through vm-cli.
guest_begin guest-reads-qemu-img-compressed-and-backing-images
head -c $((8 << 20)) /dev/urandom >"$out/src.raw"
head -c $((1 << 20)) /dev/zero >>"$out/src.raw"
qemu-img convert -q -c -f raw -O qcow2 -o cluster_size=4096 "$out/src.raw" "$out/comp.qcow2"
qemu-img create -q -f qcow2 -b "$out/comp.qcow2" -F qcow2 "$out/top.qcow2"
qemu-io -f qcow2 -c 'write -P 0x5a 1M 64k' "$out/top.qcow2" >/dev/null
qemu-img snapshot -c s1 "$out/top.qcow2"
qemu-img convert -O raw "$out/top.qcow2" "$out/top.raw"
want_comp=$(sha256sum <"$out/src.raw" | cut -d' ' -f1)
want_top=$(sha256sum <"$out/top.raw" | cut -d' ' -f1)
printf '%s\n' "$modules" 'echo "HASH-A $(head -c 9437184 /dev/vda | sha256sum)"' \
    'echo "HASH-B $(head -c 9437184 /dev/vdb | sha256sum)"' >"$out/hash.sh"
"$here/../../scripts/make-initramfs.sh" "$out/hash.cpio.gz" "$out/hash.sh" 2>/dev/null
log=$out/qemu-img-images.log
run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/hash.cpio.gz" --memory 512M \
    --append "console=ttyS0 quiet" --drive file="$out/comp.qcow2",format=qcow2,readonly=on \
    --drive file="$out/top.qcow2",format=qcow2,readonly=on
expect_status $? 0 "$log"
expect_in "$log" "^HASH-A $want_comp" "the compressed image's content"
expect_in "$log" "^HASH-B $want_top" "the backing chain's content"
guest_end

# --snapshot: the guest writes (mke2fs), the image file stays byte-identical.
guest_begin snapshot-leaves-image-untouched
qemu-img create -q -f qcow2 "$out/snap.qcow2" 64M
cp "$out/snap.qcow2" "$out/snap.before"
log=$out/snapshot.log
run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/write.cpio.gz" --memory 512M \
    --append "console=ttyS0 quiet" --drive file="$out/snap.qcow2",format=qcow2 --snapshot
expect_status $? 0 "$log"
expect_in "$log" '^WRITE-DONE' "the guest wrote to its overlay"
cmp -s "$out/snap.qcow2" "$out/snap.before" || guest_why "the image file changed"
guest_end

# A read-only drive: the guest's writes fail with an I/O error; the file is untouched.
guest_begin readonly-drive-refuses-writes
printf '%s\n' "$modules" 'dd if=/dev/zero of=/dev/vda bs=4k count=1 conv=fsync && echo WROTE' \
    'echo RO-DONE' >"$out/ro.sh"
"$here/../../scripts/make-initramfs.sh" "$out/ro.cpio.gz" "$out/ro.sh" 2>/dev/null
cp "$out/disk.raw" "$out/ro.before"
log=$out/readonly.log
run_guest "$log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/ro.cpio.gz" --memory 512M \
    --append "console=ttyS0 quiet" --drive file="$out/disk.raw",format=raw,readonly=on
expect_status $? 0 "$log"
expect_in "$log" '^RO-DONE' "the guest finished"
expect_not_in "$log" '^WROTE' "a write that succeeded"
cmp -s "$out/disk.raw" "$out/ro.before" || guest_why "the image file changed"
guest_end
guest_summary
