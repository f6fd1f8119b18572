#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash consistency of qcow2 images: vm-cli is killed with SIGKILL while
# a busybox guest writes to its disk; the image must then pass `qemu-img
# check` (leaked clusters allowed, as after a QEMU crash) and hold every
# record the guest had fsync'ed.
#
# The guest uses /dev/vda raw (no filesystem).  A foreground loop writes
# numbered 64 KiB records to increasing offsets of the first half of the
# disk, each `yes REC-<n> | head -c 65536` written with dd conv=fsync,
# and prints "FSYNCED <n>" once the fsync has returned; meanwhile a
# background dd streams O_DIRECT 1 MiB writes over the second half, so
# the kill lands among many allocating writes.  Once the console shows
# KILL_AFTER records the host sends SIGKILL to vm-cli itself.  Records
# 0..<last printed n> must then read back byte-exact through `qemu-img
# convert -O raw`.  Run with 4 KiB clusters (allocation of L2 tables and
# refcount blocks every few records) and the default 64 KiB.
# Usage: tests/boot/crash.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/crash
GUEST_SUITE=crash
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
guest_images
HANG=${CRASH_HANG:-300}        # a guard against a hung guest, not a measurement
KILL_AFTER=${CRASH_KILL_AFTER:-20}
REC=65536
DISK_MIB=256
MAX_REC=$(( DISK_MIB * 1048576 / 2 / REC ))    # records fill the first half

cat >"$out/writer.sh" <<EOS
modprobe virtio_mmio; modprobe virtio_blk
[ -b /dev/vda ] || { echo NO-DISK; exit 1; }
echo WRITER-START
(n=0; while :; do
    dd if=/dev/zero bs=1048576 count=16 seek=\$(( $DISK_MIB / 2 + n % ($DISK_MIB / 2 - 16) )) \
        of=/dev/vda oflag=direct 2>/dev/null || break
    n=\$((n + 16))
done) &
n=0
while [ \$n -lt $MAX_REC ]; do
    yes "REC-\$n" | head -c $REC | dd of=/dev/vda bs=$REC seek=\$n conv=fsync 2>/dev/null ||
        { echo "WRITE-FAILED \$n"; break; }
    echo "FSYNCED \$n"
    n=\$((n + 1))
done
echo ALL-WRITTEN
EOS
"$here/../../scripts/make-initramfs.sh" "$out/writer.cpio.gz" "$out/writer.sh" \
    2>"$out/initramfs.err" || { guest_fail initramfs "$(head -1 "$out/initramfs.err")"; guest_summary; exit 1; }

# kill_when_fsynced LOG ARGS...: start vm-cli (no wrapper: $! is vm-cli),
# SIGKILL it once LOG shows KILL_AFTER "FSYNCED" lines.  Returns vm-cli's
# status (137 when our SIGKILL ended it), 124 if the guard expired.
kill_when_fsynced() {
    local log=$1 pid rc t0=$SECONDS n
    shift
    : >"$log.raw"
    "$GUEST_VM" --arch riscv64 "$@" </dev/null >"$log.raw" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        n=$(grep -c '^FSYNCED [0-9]*.$' "$log.raw")
        if [ "$n" -ge "$KILL_AFTER" ]; then
            kill -KILL "$pid"
            break
        fi
        if [ $((SECONDS - t0)) -ge "$HANG" ]; then
            kill -KILL "$pid"
            { wait "$pid"; } 2>/dev/null
            tr -d '\r' <"$log.raw" >"$log"
            return 124
        fi
        sleep 0.05
    done
    { wait "$pid"; } 2>/dev/null
    rc=$?
    tr -d '\r' <"$log.raw" >"$log"
    return $rc
}

# crash_one CLUSTER_SIZE
crash_one() {
    local cs=$1 name=qcow2-$1 img=$out/crash-$1.qcow2 log=$out/crash-$1.log st last i bad=0
    rm -f "$img" "$out/crash-$cs.raw"
    qemu-img create -q -f qcow2 -o cluster_size="$cs" "$img" "${DISK_MIB}M"

    guest_begin "$name-killed-while-writing"
    kill_when_fsynced "$log" --kernel "$VM_KERNEL" --initrd "$out/writer.cpio.gz" \
        --memory 512M --append "console=ttyS0 quiet" --drive file="$img",format=qcow2
    st=$?
    # Only whole lines count: a line cut by the kill may be a prefix.
    last=$(grep -E '^FSYNCED [0-9]+$' "$log" | tail -1 | cut -d' ' -f2)
    [ "$st" -eq 137 ] || guest_why "vm-cli exit $st, expected 137 (SIGKILL while running)"
    expect_in "$log" '^WRITER-START' "writer start"
    expect_at_least "$log" '^FSYNCED [0-9]+$' "$KILL_AFTER" "records fsynced"
    expect_not_in "$log" '^(ALL-WRITTEN|WRITE-FAILED|NO-DISK)' "writes had stopped before the kill"
    guest_end
    echo "  $name: $(( ${last:--1} + 1 )) records fsynced before SIGKILL"

    guest_begin "$name-check-clean"
    qemu-img check "$img" >"$out/check-$cs.log" 2>&1
    st=$?
    sed "s/^/  $name check | /" "$out/check-$cs.log" | grep -v '^.* | $' | head -12
    case $st in
    0 | 3) ;;
    2) guest_why "qemu-img check found corruption: $(grep -m1 -iE 'corrupt|ERROR' "$out/check-$cs.log")" ;;
    *) guest_why "qemu-img check exit $st: $(head -1 "$out/check-$cs.log")" ;;
    esac
    guest_end

    guest_begin "$name-fsynced-records-intact"
    if [ -z "$last" ]; then
        guest_why "no record was reported fsynced"
    elif ! qemu-img convert -O raw "$img" "$out/crash-$cs.raw" 2>"$out/convert-$cs.err"; then
        guest_why "qemu-img convert failed: $(head -1 "$out/convert-$cs.err")"
    else
        for ((i = 0; i <= last; i++)); do
            if ! cmp -s <(yes "REC-$i" | head -c $REC) \
                <(dd if="$out/crash-$cs.raw" bs=$REC skip="$i" count=1 status=none); then
                bad=$((bad + 1))
                [ "$bad" -le 3 ] && guest_why "record $i differs"
            fi
        done
        [ "$bad" -le 3 ] || guest_why "$bad of $((last + 1)) records differ"
    fi
    guest_end
    rm -f "$out/crash-$cs.raw"

    # vm itself reopens the crashed image: reads the records back and
    # writes one more (allocating next to leaked clusters); still clean.
    guest_begin "$name-reopened-by-vm"
    [ -n "$last" ] || last=0
    cat >"$out/reader-$cs.sh" <<EOS
modprobe virtio_mmio; modprobe virtio_blk
bad=0; i=0
while [ \$i -le $last ]; do
    yes "REC-\$i" | head -c $REC >/tmp/exp
    dd if=/dev/vda bs=$REC skip=\$i count=1 2>/dev/null | cmp -s - /tmp/exp || { echo "BAD \$i"; bad=1; }
    i=\$((i + 1))
done
[ \$bad = 0 ] && echo READ-OK
n=\$(($last + 1))
yes "REC-\$n" | head -c $REC | dd of=/dev/vda bs=$REC seek=\$n conv=fsync 2>/dev/null && echo "APPENDED \$n"
EOS
    "$here/../../scripts/make-initramfs.sh" "$out/reader-$cs.cpio.gz" "$out/reader-$cs.sh" 2>/dev/null
    run_guest "$out/reopen-$cs.log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/reader-$cs.cpio.gz" \
        --memory 512M --append "console=ttyS0 quiet" --drive file="$img",format=qcow2
    expect_status $? 0 "$out/reopen-$cs.log"
    expect_in "$out/reopen-$cs.log" '^READ-OK' "READ-OK (records 0..$last read back by the guest)"
    expect_in "$out/reopen-$cs.log" "^APPENDED $((last + 1))\$" "record $((last + 1)) appended"
    qemu-img check -q "$img" >"$out/check2-$cs.log" 2>&1
    st=$?
    [ "$st" -eq 0 ] || [ "$st" -eq 3 ] ||
        guest_why "qemu-img check after the reopen: exit $st: $(grep -m1 -iE 'corrupt|ERROR' "$out/check2-$cs.log")"
    guest_end
}

crash_one 4096
crash_one 65536
guest_summary
