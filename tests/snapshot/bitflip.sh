#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A snapshot with one flipped bit is refused, never loaded (DESIGN.md §7;
# the stream's checksums are in migration/savevm.c).  The busybox counter
# guest of tests/snapshot/run.sh is saved once into a --state-file and
# once into a qcow2 internal snapshot; then, for each store, FLIPS (50)
# single-bit flips (fixed seed) in fresh copies: each `vm-cli --loadvm`
# must end with status 2 and one line naming the damaged section, and
# leave the copy as it was given (the flipped byte its only difference
# from the saved one).  In the qcow2 image only the snapshot's VM state is
# flipped: plan-flips.py below walks the snapshot table and the
# snapshot's own L1/L2 tables to the clusters holding that state (past the
# disk in the guest address space, as savevm.c stores it), so the flips
# hit the stream and never the image's metadata or disk data.  Flips are
# spread over the stream's sections (header, devices, RAM) by reading its
# header.  Last, the monitor's `loadvm` of a damaged snapshot prints the
# one line and the guest keeps counting.
#   tests/snapshot/bitflip.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2
GUEST_SUITE=snapshot-bitflip
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_images
HANG=180    # a guard against a hung guest, not a measurement
FLIPS=${FLIPS:-50}          # per store: 100 flips in all
SEED=22

if ! "$here/../../scripts/make-initramfs.sh" "$out/counter.cpio.gz" "$here/counter.sh" \
        >"$out/initramfs.log" 2>&1; then
    guest_fail initramfs "$(tail -1 "$out/initramfs.log")"
    guest_summary
    exit 1
fi

sock=$out/mon.sock
VM_PID=
BOOT=(--kernel "$VM_KERNEL" --initrd "$out/counter.cpio.gz" --append "console=ttyS0 quiet"
      --memory 128M)

start_vm() {
    local log=$1
    shift
    rm -f "$sock"
    : >"$log"
    "$GUEST_VM" --arch riscv64 "${BOOT[@]}" --monitor "unix:$sock,server,nowait" "$@" \
        </dev/null >"$log" 2>&1 &
    VM_PID=$!
}
wait_log() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        tail -n +"$((${4:-0} + 1))" "$1" | tr -d '\r' | grep -qE -- "$2" && return 0
        kill -0 "$VM_PID" 2>/dev/null || break
        sleep 0.2
    done
    tail -n +"$((${4:-0} + 1))" "$1" | tr -d '\r' | grep -qE -- "$2"
}
last_count() { tr -d '\r' <"$1" | grep -oE '^COUNT [0-9]+' | tail -1 | cut -d' ' -f2; }
mon() { python3 "$here/mon.py" "$sock" "$@"; }
stop_vm() {
    [ -n "$VM_PID" ] || return 0
    mon quit >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
    kill "$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    VM_PID=
}
trap stop_vm EXIT

# save_snapshot LOG NAME ARGS...: boot, count to 2, stop, savevm NAME, quit.
save_snapshot() {
    local log=$1 name=$2
    shift 2
    start_vm "$log" "$@"
    if wait_log "$log" '^COUNT 2 ' 120; then
        mon stop >/dev/null
        mon "savevm $name" >"$out/savevm.out"
        [ "$(grep -vc -- '--END--' "$out/savevm.out")" -eq 0 ] ||
            guest_why "savevm $name: $(head -1 "$out/savevm.out")"
    else
        guest_why "the guest did not count: $(tail -1 "$log")"
    fi
    stop_vm
}

# resumes LOG ARGS...: an undamaged copy loads (the guest goes on counting, no reboot).
resumes() {
    local log=$1
    shift
    start_vm "$log" "$@"
    wait_log "$log" '^COUNT ' 60 && ! grep -q COUNTER-UP "$log" ||
        guest_why "the undamaged snapshot does not resume: $(tail -1 "$log")"
    stop_vm
}

# Print "FILE_OFFSET BIT SECTION" for FLIPS flips: 10% in the header, 30% in
# the device section, the rest in the RAM section, uniform inside each.
# Usage: plan-flips.py FILE [QCOW2_SNAPSHOT_NAME]
cat >"$out/plan-flips.py" <<'EOF'
import random, struct, sys

def qcow2_vmstate(f, name):
    """[(stream_off, file_off, len)] of snapshot `name`'s VM state clusters, and its size."""
    h = f.read(104)
    cbits, = struct.unpack('>I', h[20:24])
    size, = struct.unpack('>Q', h[24:32])
    nb, snoff = struct.unpack('>IQ', h[60:72])
    cs, l2_bits = 1 << cbits, cbits - 3
    f.seek(snoff)
    for _ in range(nb):
        e = f.read(40)
        l1off, l1size, idlen, nlen, _, _, _, vmsize, extra = struct.unpack('>QIHHIIQII', e)
        x = f.read(extra)
        if extra >= 8:
            vmsize, = struct.unpack('>Q', x[0:8])
        disk = struct.unpack('>Q', x[8:16])[0] if extra >= 16 else size
        f.read(idlen)
        sn = f.read(nlen).decode()
        f.read(-(40 + extra + idlen + nlen) % 8)
        if sn != name:
            continue
        span = cs << l2_bits
        base = (disk + span - 1) // span * span
        f.seek(l1off)
        l1 = struct.unpack('>%dQ' % l1size, f.read(8 * l1size))
        runs = []
        for pos in range(0, vmsize, cs):
            va = base + pos
            l1e = l1[va >> (cbits + l2_bits)] & 0x00fffffffffffe00
            f.seek(l1e + 8 * ((va >> cbits) & ((1 << l2_bits) - 1)))
            l2e, = struct.unpack('>Q', f.read(8))
            assert l1e and not l2e & (1 << 62), 'unallocated or compressed VM state cluster'
            runs.append((pos, l2e & 0x00fffffffffffe00, min(cs, vmsize - pos)))
        return runs, vmsize
    sys.exit('no snapshot %r' % name)

def main():
    path, flips, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, 'rb') as f:
        if len(sys.argv) > 4:
            runs, size = qcow2_vmstate(f, sys.argv[4])
        else:
            f.seek(0, 2)
            size = f.tell()
            runs = [(0, 0, size)]
        def file_off(pos):
            for s, fo, n in runs:
                if s <= pos < s + n:
                    return fo + pos - s
        f.seek(file_off(0))
        hdr = f.read(64)
    dev_off, dev_len, ram_off, ram_len = struct.unpack('<4Q', hdr[32:64])
    rng = random.Random(seed)
    parts = [('header', 0, dev_off, flips // 10), ('devices', dev_off, dev_len, flips * 3 // 10)]
    parts.append(('ram', ram_off, ram_len, flips - sum(p[3] for p in parts)))
    for what, start, n, count in parts:
        for _ in range(count):
            pos = start + rng.randrange(n)
            print(file_off(pos), rng.randrange(8), what)

main()
EOF

# flip_bit FILE OFFSET BIT
flip_bit() {
    local b
    b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059  # the format is the byte, on purpose
    printf "\\$(printf %03o $((b ^ (1 << $3))))" | dd of="$1" bs=1 seek="$2" conv=notrunc \
        status=none
}

# flip_all NAME TEMPLATE PLAN ARGS...: every flip of PLAN in a fresh copy of
# TEMPLATE (at $copy, which ARGS use) must be refused as described above.
copy=
flip_all() {
    local name=$1 template=$2 plan=$3 off bit what rc n=0 bad=0 msg
    shift 3
    guest_begin "$name"
    while read -r off bit what; do
        n=$((n + 1))
        cp --reflink=auto "$template" "$copy"
        flip_bit "$copy" "$off" "$bit"
        rc=0
        timeout 60 "$GUEST_VM" --arch riscv64 "${BOOT[@]}" "$@" \
            </dev/null >"$out/flip.log" 2>&1 || rc=$?
        msg=$(head -1 "$out/flip.log")
        why=
        if [ "$rc" -ne 2 ]; then
            why="status $rc"
        elif [ "$(wc -l <"$out/flip.log")" -ne 1 ]; then
            why="$(wc -l <"$out/flip.log") lines"
        elif ! grep -qE "^vm-cli: --loadvm: snapshot '[a-z0-9]+': section '[^']+' is damaged \(" \
                "$out/flip.log"; then
            why="message"
        elif [ "$(cmp -l "$template" "$copy" 2>&1 | wc -l)" -ne 1 ]; then
            why="the copy changed beyond the flipped bit"
        fi
        if [ -n "$why" ]; then
            bad=$((bad + 1))
            [ "$bad" -le 5 ] && echo "  flip $n at byte $off bit $bit ($what): $why: $msg"
        fi
        echo "$what ${msg#*: section }" >>"$out/$name.sections"
    done <"$plan"
    [ "$n" -eq "$FLIPS" ] || guest_why "$n flips planned, $FLIPS wanted"
    [ "$bad" -eq 0 ] || guest_why "$bad of $n flips not refused as damage"
    echo "  ($n flips; sections named: $(cut -d"'" -f2 "$out/$name.sections" | sort | uniq -c |
          sort -rn | head -8 | awk '{printf "%s %s, ", $2, $1}')...)"
    rm -f "$copy" "$out/$name.sections"
    guest_end
}

# --- the two snapshots ------------------------------------------------------
state=$out/state.vmstate
img=$out/disk.qcow2
rm -f "$state" "$img"
qemu-img create -q -f qcow2 "$img" 64M

guest_begin save-both-stores
save_snapshot "$out/save-file.log" f1 --state-file "$state"
save_snapshot "$out/save-qcow2.log" s1 --drive "file=$img,format=qcow2"
[ -s "$state" ] || guest_why "no state file"
qemu-img snapshot -U -l "$img" | grep -qE '^1 +s1 +[0-9.]+ [KM]iB ' || guest_why "no s1 in $img"
guest_end

guest_begin undamaged-copies-resume
copy=$out/copy.vmstate
cp "$state" "$copy"
resumes "$out/resume-file.log" --state-file "$copy" --loadvm f1
copy=$out/copy.qcow2
cp "$img" "$copy"
resumes "$out/resume-qcow2.log" --drive "file=$copy,format=qcow2" --loadvm s1
rm -f "$out/copy.vmstate" "$out/copy.qcow2"
guest_end

# --- the flips ---------------------------------------------------------------
if python3 "$out/plan-flips.py" "$state" "$FLIPS" "$SEED" >"$out/plan-file.txt" 2>&1 &&
   python3 "$out/plan-flips.py" "$img" "$FLIPS" "$SEED" s1 >"$out/plan-qcow2.txt" 2>&1; then
    copy=$out/copy.vmstate
    flip_all state-file-flips-refused "$state" "$out/plan-file.txt" \
        --state-file "$copy" --loadvm f1
    copy=$out/copy.qcow2
    flip_all qcow2-flips-refused "$img" "$out/plan-qcow2.txt" \
        --drive "file=$copy,format=qcow2" --loadvm s1
else
    guest_fail plan-flips "$(tail -1 "$out/plan-file.txt" "$out/plan-qcow2.txt" | tr '\n' ' ')"
fi

# --- the monitor: a damaged snapshot is refused, the guest runs on -----------
guest_begin monitor-loadvm-of-damaged-snapshot-changes-nothing
copy=$out/copy.qcow2
cp "$img" "$copy"
read -r off bit _ < <(grep ' devices$' "$out/plan-qcow2.txt" | head -1)
flip_bit "$copy" "${off:-0}" "${bit:-0}"
log=$out/monitor.log
start_vm "$log" --drive "file=$copy,format=qcow2"
if wait_log "$log" '^COUNT 3 ' 120; then
    mon "loadvm s1" >"$out/loadvm.out"
    n=$(wc -l <"$log")
    before=$(last_count "$log")
    grep -qE "^loadvm: snapshot 's1': section '[^']+' is damaged \(checksum mismatch\)$" \
        "$out/loadvm.out" || guest_why "loadvm printed: $(head -1 "$out/loadvm.out")"
    [ "$(grep -vc -- '--END--' "$out/loadvm.out")" -eq 1 ] || guest_why "not one line"
    mon "info status" | grep -q 'running' || guest_why "not running after the refused loadvm"
    if wait_log "$log" '^COUNT ' 30 "$n"; then
        got=$(tail -n +"$((n + 1))" "$log" | tr -d '\r' | grep -oE '^COUNT [0-9]+' | head -1)
        [ "${got#COUNT }" -gt "$before" ] ||
            guest_why "the guest went back: '$got' after COUNT $before"
    else
        guest_why "no count after the refused loadvm"
    fi
else
    guest_why "the guest did not count: $(tail -1 "$log")"
fi
stop_vm
rm -f "$copy"
guest_end

guest_summary
