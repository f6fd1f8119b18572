#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Image locking (DESIGN.md §6, issue 22): while a busybox guest holds its
# qcow2 disk, a second vm-cli on it exits 2 with one line naming the image
# and the lock; vm-img resize, snapshot -c, check -r and convert onto it
# are refused (status 2, image unchanged); vm-img info/check are refused
# without -U and work with it; readonly=on,file.locking=off lets a second
# vm-cli in; readers share.  `convert X X` (also through a symlink or
# another path) is refused and X is unchanged.  QEMU interop (same lock
# bytes): qemu-img info refuses an image vm-cli holds, and vm-cli refuses
# one qemu-io or qemu-system-riscv64 holds.  Assertions are on exit
# statuses, messages and image contents; the waits only guard hangs.
#   tests/block/locking.sh VM_CLI BUILD_DIR   (vm-img is taken beside vm-cli)
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2/locking
VM_IMG=$(dirname "$GUEST_VM")/vm-img
GUEST_SUITE=locking
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_images
if ! command -v qemu-img >/dev/null; then
    guest_fail setup "qemu-img not installed (apt-get install qemu-utils)"
    guest_summary
    exit 1
fi

printf 'echo HOLDING\nwhile :; do sleep 1; done\n' >"$out/hold.sh"
if ! "$here/../../scripts/make-initramfs.sh" "$out/hold.cpio.gz" "$out/hold.sh" --modules none \
        >"$out/initramfs.log" 2>&1; then
    guest_fail initramfs "$(tail -1 "$out/initramfs.log")"
    guest_summary
    exit 1
fi
BOOT=(--arch riscv64 --kernel "$VM_KERNEL" --initrd "$out/hold.cpio.gz" --memory 256M
      --append "console=ttyS0 quiet" --display none)
img=$out/disk.qcow2
HOLDERS=()

# hold NAME ARGS...: a vm-cli guest in the background that stays up; its
# drives are open once its monitor socket exists (drives open first).
hold() {
    local name=$1 i
    shift
    rm -f "$out/$name.sock"
    "$GUEST_VM" "${BOOT[@]}" --monitor "unix:$out/$name.sock,server,nowait" "$@" \
        </dev/null >"$out/$name.log" 2>&1 &
    HOLDERS+=($!)
    for ((i = 0; i < 300; i++)); do
        [ -S "$out/$name.sock" ] && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    echo "holder $name did not start: $(head -1 "$out/$name.log")"
    return 1
}

# hold_qemu NAME PATTERN CMD...: a QEMU program holding an image in the
# background; up once its log matches PATTERN (printed after the open).
# Nothing here opens the image meanwhile: two openers racing for a lock
# may both be refused.
hold_qemu() {
    local name=$1 pat=$2 i
    shift 2
    "$@" </dev/null >"$out/$name.log" 2>&1 &
    HOLDERS+=($!)
    for ((i = 0; i < 300; i++)); do
        grep -qE -- "$pat" "$out/$name.log" && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    echo "holder $name did not start: $(head -1 "$out/$name.log")"
    return 1
}

release() {
    local p
    for p in "${HOLDERS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    HOLDERS=()
}
trap release EXIT

# refused NAME PATTERN CMD...: CMD exits 2 with exactly one line on stderr
# matching PATTERN and nothing on stdout.
refused() {
    local name=$1 pat=$2 rc=0 lines
    shift 2
    guest_begin "$name"
    timeout 60 "$@" >"$out/r.out" 2>"$out/r.err" </dev/null || rc=$?
    [ "$rc" -eq 2 ] || guest_why "exit $rc, expected 2 ($(head -1 "$out/r.err"))"
    lines=$(wc -l <"$out/r.err")
    [ "$lines" -eq 1 ] || guest_why "$lines lines on stderr, expected 1"
    grep -qE -- "$pat" "$out/r.err" || guest_why "stderr '$(head -1 "$out/r.err")' !~ $pat"
    [ ! -s "$out/r.out" ] || guest_why "output on stdout: $(head -1 "$out/r.out")"
    guest_end
}

# works NAME PATTERN CMD...: CMD exits 0 and its stdout matches PATTERN.
works() {
    local name=$1 pat=$2 rc=0
    shift 2
    guest_begin "$name"
    timeout 60 "$@" >"$out/w.out" 2>"$out/w.err" </dev/null || rc=$?
    [ "$rc" -eq 0 ] || guest_why "exit $rc ($(head -1 "$out/w.err"))"
    grep -qE -- "$pat" "$out/w.out" || guest_why "no '$pat' in the output"
    guest_end
}

sum() { sha256sum <"$1" | cut -d' ' -f1; }
WLOCK='Failed to get "write" lock'
SLOCK='Failed to get shared "write" lock'

# 1. A writer guest holds disk.qcow2.
rm -f "$img" "$out"/*.sock
qemu-img create -q -f qcow2 "$img" 64M
qemu-img snapshot -c base "$img"
hold writer --drive file="$img",format=qcow2 || guest_fail writer-starts "see $out/writer.log"
before=$(sum "$img")

HINT='another process has the image open for writing \(Is another process using the image\?\)$'
refused second-vm-cli-refused "^vm-cli: --drive: $img: $WLOCK: $HINT" \
    "$GUEST_VM" "${BOOT[@]}" --drive file="$img",format=qcow2
refused second-readonly-vm-cli-refused "^vm-cli: --drive: $img: $SLOCK" \
    "$GUEST_VM" "${BOOT[@]}" --drive file="$img",format=qcow2,readonly=on
refused resize-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" resize "$img" +1M
refused snapshot-create-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" snapshot -c s1 "$img"
refused snapshot-apply-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" snapshot -a base "$img"
refused check-repair-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" check -r all "$img"
qemu-img convert -O raw "$img" "$out/src.raw" -U
refused convert-onto-held-refused "^vm-img: '$img': $WLOCK" \
    "$VM_IMG" convert -O qcow2 "$out/src.raw" "$img"
refused info-refused "^vm-img: '$img': $SLOCK" "$VM_IMG" info "$img"
refused check-refused "^vm-img: '$img': $SLOCK" "$VM_IMG" check "$img"
refused snapshot-list-refused "^vm-img: '$img': $SLOCK" "$VM_IMG" snapshot -l "$img"
works info-force-share "^virtual size: 64 MiB" "$VM_IMG" info -U "$img"
works check-force-share "No errors were found" "$VM_IMG" check --force-share "$img"

guest_begin held-image-unchanged
[ "$(sum "$img")" = "$before" ] || guest_why "disk.qcow2 changed while refused commands ran"
qemu-img snapshot -U -l "$img" | grep -q ' s1 ' && guest_why "snapshot s1 was created"
qemu-img info -U "$img" | grep -q '^virtual size: 64 MiB' || guest_why "virtual size changed"
guest_end

guest_begin qemu-img-sees-vm-cli-lock
rc=0
qemu-img info "$img" >/dev/null 2>"$out/q.err" || rc=$?
[ "$rc" -ne 0 ] || guest_why "qemu-img info opened an image vm-cli holds for writing"
grep -q "$SLOCK" "$out/q.err" || guest_why "qemu-img said: $(head -1 "$out/q.err")"
guest_end

guest_begin locking-off-readonly-vm-cli
hold ro --drive file="$img",format=qcow2,readonly=on,file.locking=off >"$out/ro.why" ||
    guest_why "$(cat "$out/ro.why")"
guest_end
release

# 2. Readers share: a read-only guest, vm-img info and a second reader.
works released-info "^virtual size: 64 MiB" "$VM_IMG" info "$img"
hold reader --drive file="$img",format=qcow2,readonly=on ||
    guest_fail reader-starts "see $out/reader.log"
works reader-info-shares "^virtual size: 64 MiB" "$VM_IMG" info "$img"
works reader-check-shares "No errors were found" "$VM_IMG" check "$img"
hold reader2 --drive file="$img",format=qcow2,readonly=on ||
    guest_fail second-reader-starts "see $out/reader2.log"
refused writer-after-reader-refused "^vm-cli: --drive: $img: $WLOCK: .* the image open \(" \
    "$GUEST_VM" "${BOOT[@]}" --drive file="$img",format=qcow2
refused resize-reader-held-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" resize "$img" +1M
release

# 3. --snapshot holds the user's image as a reader (the overlay's base).
hold snap --snapshot --drive file="$img",format=qcow2 ||
    guest_fail snapshot-starts "see $out/snap.log"
works snapshot-base-info-shares "^virtual size: 64 MiB" "$VM_IMG" info "$img"
refused snapshot-base-resize-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" resize "$img" +1M
release

# 4. A backing chain: the backing file is locked shared under a writer.
qemu-img create -q -f qcow2 -b disk.qcow2 -F qcow2 "$out/top.qcow2"
hold top --drive file="$out/top.qcow2",format=qcow2 || guest_fail top-starts "see $out/top.log"
refused backing-resize-refused "^vm-img: '$img': $WLOCK" "$VM_IMG" resize "$img" +1M
works backing-info-shares "^virtual size: 64 MiB" "$VM_IMG" info "$img"
release

# 5. convert X X: refused before anything is written, X unchanged.
before=$(sum "$img")
refused convert-same-file-refused "^vm-img: convert: .*same file" \
    "$VM_IMG" convert -O qcow2 "$img" "$img"
ln -sf disk.qcow2 "$out/link.qcow2"
refused convert-same-file-symlink-refused "^vm-img: convert: .*same file" \
    "$VM_IMG" convert -O qcow2 "$img" "$out/link.qcow2"
refused convert-same-file-other-path-refused "^vm-img: convert: .*same file" \
    "$VM_IMG" convert -O raw "$out/link.qcow2" "$out/../locking/./disk.qcow2"
refused convert-onto-backing-refused "^vm-img: convert: .*backing file" \
    "$VM_IMG" convert -O qcow2 "$out/top.qcow2" "$img"
guest_begin convert-same-file-unchanged
[ "$(sum "$img")" = "$before" ] || guest_why "disk.qcow2 changed"
qemu-img check -q "$img" >/dev/null 2>&1 || guest_why "qemu-img check fails"
guest_end

# 6. QEMU holds the image: vm-cli and vm-img refuse it.
if hold_qemu qemu-io '^read 512/512' \
        stdbuf -oL qemu-io -f qcow2 -c 'read 0 512' -c 'sleep 600000' "$img"; then
    refused vm-cli-refuses-qemu-io-image "^vm-cli: --drive: $img: $WLOCK" \
        "$GUEST_VM" "${BOOT[@]}" --drive file="$img",format=qcow2
    refused vm-img-info-refuses-qemu-io-image "^vm-img: '$img': $SLOCK" "$VM_IMG" info "$img"
else
    guest_fail qemu-io-holds "see $out/qemu-io.log"
fi
release
if command -v qemu-system-riscv64 >/dev/null; then
    # The monitor answers once the machine (and its drive) is set up.
    rm -f "$out/qemu.sock"
    qemu-system-riscv64 -M virt -S -display none -serial none \
        -monitor "unix:$out/qemu.sock,server,nowait" \
        -drive file="$img",format=qcow2,if=virtio </dev/null >"$out/qemu-system.log" 2>&1 &
    HOLDERS+=($!)
    if python3 "$here/../snapshot/mon.py" "$out/qemu.sock" 'info block' 2>&1 |
            grep -q "disk.qcow2"; then
        refused vm-cli-refuses-qemu-system-image "^vm-cli: --drive: $img: $WLOCK" \
            "$GUEST_VM" "${BOOT[@]}" --drive file="$img",format=qcow2
    else
        guest_fail qemu-system-holds "see $out/qemu-system.log"
    fi
    release
fi
works all-released-check "No errors were found" "$VM_IMG" check "$img"
guest_summary
