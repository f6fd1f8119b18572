#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A crash at every step of a qcow2 internal snapshot: `vm-img snapshot -c`
# (the same qcow2_snapshot_create_vm that savevm runs) is killed with
# SIGKILL at its Nth pwrite, for every third N over all its writes (strace's
# fault injection), on a copy of an image with data and an older snapshot.
# Each time, `qemu-img check` must find the image clean or merely leaking,
# or, where the kill fell between the refcount increases and the COPIED
# flags (no order of writes avoids that window), find the dirty bit set
# (spec: "refcounts may be inconsistent") and be clean after the repair a
# read-write open runs (vm-img check -r all); the active data and the
# older snapshot must be intact either way.
#   tests/block/crash-snapshot.sh VM_IMG OUT_DIR
set -u
vmimg=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
command -v strace >/dev/null || tl_die "strace not found (scripts/install-deps.sh installs it)"
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 2

qemu-img create -q -f qcow2 orig.qcow2 64M
qemu-io -c "write -P 0x11 0 8M" -c "write -P 0x22 32M 4M" orig.qcow2 >/dev/null
qemu-img snapshot -c old orig.qcow2
qemu-io -c "write -P 0x33 4M 8M" orig.qcow2 >/dev/null
qemu-img convert -O raw orig.qcow2 orig.raw

cp orig.qcow2 count.qcow2
strace -f -e trace=pwrite64 -o count.trace "$vmimg" snapshot -c new count.qcow2 >/dev/null 2>&1
writes=$(grep -c 'pwrite64(' count.trace)
[ "$writes" -gt 10 ] || tl_die "vm-img snapshot -c made only $writes writes?"

clean=0 dirty=0 bad=0 first_bad=
points=0
for n in $(seq 1 3 "$writes"); do
    points=$((points + 1))
    cp orig.qcow2 t.qcow2
    sh -c 'exec strace -f -o /dev/null -e inject=pwrite64:signal=KILL:when='"$n"' "$@"' sh \
        "$vmimg" snapshot -c new t.qcow2 >/dev/null 2>&1
    rc=0
    qemu-img check t.qcow2 >check.txt 2>&1 || rc=$?
    if [ "$rc" -eq 2 ] && [ $(($(od -An -tu1 -j79 -N1 t.qcow2) & 1)) -eq 1 ]; then
        "$vmimg" check -r all t.qcow2 >/dev/null 2>&1
        rc=0
        qemu-img check t.qcow2 >check.txt 2>&1 || rc=$?
        dirty=$((dirty + 1))
    else
        clean=$((clean + 1))
    fi
    if { [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; } ||
        ! qemu-img compare -q -f qcow2 -F raw t.qcow2 orig.raw ||
        ! qemu-img snapshot -l t.qcow2 | grep -q ' old '; then
        bad=$((bad + 1))
        [ -n "$first_bad" ] || first_bad="kill at write $n: check $rc: $(grep -m1 ERROR check.txt)"
    fi
done
echo "  ($points kill points of $writes writes: $clean clean or leaking, $dirty in the dirty" \
     "window, repaired)"
if [ "$bad" -eq 0 ]; then
    tl_pass crash-during-snapshot-create-leaves-image-checkable
else
    tl_fail crash-during-snapshot-create-leaves-image-checkable "" "$bad of $points; $first_bad"
fi
tl_summary
