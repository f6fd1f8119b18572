#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Block-layer interop tests with qemu-img as the oracle (DESIGN.md §6):
# vm-img-written images must pass `qemu-img check` and compare equal;
# qemu-img-written images (plain, compressed, backing chains, snapshots,
# cluster sizes 512..2M, compat 0.10 and 1.1) must read back byte-exact
# through vm-img; broken headers must give one line and exit 2; images
# QEMU left dirty (lazy refcounts, SIGKILL) and damaged refcounts are
# reported as qemu-img does and repaired (rw open, check -r all); convert
# onto its own input and any command on an image QEMU holds are refused.
# Usage: tests/block/run.sh VM_IMG BUILD_DIR
# Prints PASS/FAIL block/<name> lines and "N passed, M failed".
set -u

VM_IMG=$(realpath "$1")
BUILD=$2
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "PASS block/$1"; }
fail() { failed=$((failed + 1)); echo "FAIL block/$1: $2"; }

if ! command -v qemu-img >/dev/null; then
    echo "FAIL block/setup: qemu-img not installed (apt-get install qemu-utils)"
    echo "0 passed, 1 failed"
    exit 1
fi

mkdir -p "$BUILD"
T=$(mktemp -d "$BUILD/block-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# Random data with holes, 512-byte multiple (qcow2 sizes are in sectors).
head -c 3000320 /dev/urandom > data.raw
dd if=/dev/zero bs=1M count=2 >> data.raw 2>/dev/null
head -c 1049600 /dev/urandom >> data.raw
printf 'compressible %.0s' $(seq 1 30000) | head -c 262144 >> data.raw

# 1. vm-img writes, qemu-img checks and compares.
for cs in 512 4096 65536 2097152; do
    for compat in 0.10 1.1; do
        for c in "" -c; do
            name="vm-writes-cs$cs-compat$compat${c:+-compressed}"
            if ! "$VM_IMG" convert $c -O qcow2 -o "cluster_size=$cs,compat=$compat" \
                    data.raw out.qcow2 2>err.txt; then
                fail "$name" "convert: $(head -1 err.txt)"
            elif ! qemu-img check out.qcow2 >chk.txt 2>&1; then
                fail "$name" "qemu-img check: $(grep -m1 -E 'ERROR|Leaked|error' chk.txt)"
            elif ! qemu-img compare -f raw -F qcow2 data.raw out.qcow2 >/dev/null 2>&1; then
                fail "$name" "qemu-img compare differs"
            else
                pass "$name"
            fi
        done
    done
done

# 2. qemu-img writes, vm-img reads (convert -O raw, cmp with qemu-img's own raw).
read_back() {   # name image
    local name=$1 img=$2
    rm -f vm.raw qemu.raw
    if ! "$VM_IMG" convert -O raw "$img" vm.raw 2>err.txt; then
        fail "$name" "vm-img convert: $(head -1 err.txt)"
    elif ! qemu-img convert -O raw "$img" qemu.raw; then
        fail "$name" "qemu-img convert failed"
    elif ! cmp -s vm.raw qemu.raw; then
        fail "$name" "$(cmp vm.raw qemu.raw 2>&1 | head -1)"
    else
        pass "$name"
    fi
}
for cs in 512 4096 65536 2097152; do
    for compat in 0.10 1.1; do
        o="cluster_size=$cs,compat=$compat"
        qemu-img convert -f raw -O qcow2 -o "$o" data.raw q.qcow2
        read_back "qemu-plain-cs$cs-compat$compat" q.qcow2
        qemu-img convert -f raw -c -O qcow2 -o "$o" data.raw qc.qcow2
        read_back "qemu-compressed-cs$cs-compat$compat" qc.qcow2
        # Backing chain: base <- mid (some writes) <- top (zero clusters, writes).
        qemu-img create -q -f qcow2 -o "$o" -b q.qcow2 -F qcow2 mid.qcow2
        qemu-io -c "write -P 0x5a 4096 70000" -c "write -P 0x11 2000000 512" mid.qcow2 \
            >/dev/null 2>&1 || true
        qemu-img create -q -f qcow2 -o "$o" -b mid.qcow2 -F qcow2 top.qcow2
        qemu-io -c "write -z 0 1048576" -c "write -P 0x77 3000000 100000" top.qcow2 \
            >/dev/null 2>&1 || true
        read_back "qemu-backing-chain-cs$cs-compat$compat" top.qcow2
        out=$("$VM_IMG" check q.qcow2 2>&1)
        if [ $? -eq 0 ] && grep -q "No errors were found" <<<"$out"; then
            pass "vm-check-qemu-image-cs$cs-compat$compat"
        else
            fail "vm-check-qemu-image-cs$cs-compat$compat" "$(head -1 <<<"$out")"
        fi
    done
done

# 3. vm-img check agrees with qemu-img on compressed images and reports leaks.
qemu-img convert -f raw -c -O qcow2 data.raw qc.qcow2
if "$VM_IMG" check qc.qcow2 >/dev/null 2>&1; then pass vm-check-compressed
else fail vm-check-compressed "exit $?"; fi

# 4. Internal snapshots created by qemu-img read back; vm-img snapshots pass qemu-img check.
qemu-img convert -f raw -O qcow2 data.raw s.qcow2
qemu-img snapshot -c snap1 s.qcow2
qemu-io -c "write -P 0x33 0 200000" s.qcow2 >/dev/null 2>&1
if "$VM_IMG" check s.qcow2 >/dev/null 2>&1 && "$VM_IMG" snapshot -l s.qcow2 | grep -q snap1
then pass vm-reads-qemu-snapshots; else fail vm-reads-qemu-snapshots "check or list failed"; fi
"$VM_IMG" snapshot -a snap1 s.qcow2 && "$VM_IMG" convert -O raw s.qcow2 vm.raw
if cmp -s vm.raw data.raw && qemu-img check s.qcow2 >/dev/null 2>&1; then
    pass vm-applies-qemu-snapshot
else fail vm-applies-qemu-snapshot "content or check differs"; fi
"$VM_IMG" convert -O qcow2 data.raw v.qcow2
"$VM_IMG" snapshot -c one v.qcow2
qemu-io -c "write -P 0x44 65536 300000" v.qcow2 >/dev/null 2>&1
"$VM_IMG" snapshot -c two v.qcow2
if qemu-img check v.qcow2 >chk.txt 2>&1 && qemu-img snapshot -l v.qcow2 | grep -q two; then
    pass vm-creates-snapshots
else fail vm-creates-snapshots "$(grep -m1 -E 'ERROR|Leaked' chk.txt)"; fi
qemu-img snapshot -a one v.qcow2 2>/dev/null
if qemu-img compare -f raw data.raw v.qcow2 >/dev/null 2>&1; then pass qemu-applies-vm-snapshot
else fail qemu-applies-vm-snapshot "content differs"; fi
"$VM_IMG" snapshot -d two v.qcow2 && "$VM_IMG" snapshot -d one v.qcow2
if qemu-img check v.qcow2 >chk.txt 2>&1 && [ -z "$(qemu-img snapshot -l v.qcow2)" ]; then
    pass vm-deletes-snapshots
else fail vm-deletes-snapshots "$(grep -m1 -E 'ERROR|Leaked' chk.txt)"; fi

# 5. Leak detection and repair.
"$VM_IMG" create -f qcow2 leak.qcow2 1M
# Bump the refcount of cluster 0 (header) from 1 to 2 in the refcount block at cluster 2.
printf '\x00\x02' | dd of=leak.qcow2 bs=1 seek=$((2 * 65536)) conv=notrunc 2>/dev/null
"$VM_IMG" check leak.qcow2 >out.txt 2>&1; rc=$?
if [ $rc -eq 3 ] && grep -q "1 leaked clusters were found" out.txt; then pass vm-check-finds-leak
else fail vm-check-finds-leak "exit $rc: $(head -1 out.txt)"; fi
"$VM_IMG" check -r leaks leak.qcow2 >/dev/null 2>&1
if qemu-img check leak.qcow2 >/dev/null 2>&1; then pass vm-check-repairs-leak
else fail vm-check-repairs-leak "qemu-img check still unhappy"; fi

# 6. Broken images: exit 2, one line.
"$VM_IMG" create -f qcow2 good.qcow2 1M
broken() {  # name offset hexbytes
    cp good.qcow2 bad.qcow2
    printf "$3" | dd of=bad.qcow2 bs=1 seek="$2" conv=notrunc 2>/dev/null
    "$VM_IMG" info bad.qcow2 >out.txt 2>err.txt; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q '^vm-img: ' err.txt; then
        pass "$1"
    else
        fail "$1" "exit $rc, stderr: $(head -2 err.txt | tr '\n' '|')"
    fi
}
broken rejects-bad-version 4 '\x00\x00\x00\x07'
broken rejects-cluster-bits 20 '\x00\x00\x00\x1f'
broken rejects-l1-past-eof 40 '\x00\x00\x00\x00\x10\x00\x00\x00'
broken rejects-unaligned-refcount-table 48 '\x00\x00\x00\x00\x00\x01\x00\x10'
broken rejects-incompat-bit 72 '\x00\x00\x00\x00\x00\x00\x00\x10'
broken rejects-huge-l1 36 '\x7f\x00\x00\x00'
head -c 50 good.qcow2 > trunc.qcow2
"$VM_IMG" info -f qcow2 trunc.qcow2 >/dev/null 2>err.txt; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ]; then pass rejects-truncated-header
else fail rejects-truncated-header "exit $rc"; fi

# 7. create/info/resize round trip.
"$VM_IMG" create -f qcow2 -o cluster_size=4096 r.qcow2 10M
"$VM_IMG" resize r.qcow2 +20M >/dev/null
sz=$(qemu-img info --output json r.qcow2 | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
if [ "$sz" = $((30 << 20)) ] && qemu-img check r.qcow2 >/dev/null 2>&1; then pass resize-grows
else fail resize-grows "virtual size $sz"; fi
if "$VM_IMG" info --output json r.qcow2 | grep -q '"virtual-size": 31457280'; then
    pass info-json
else fail info-json "no virtual-size"; fi

# 8. Dirty images: QEMU with lazy refcounts killed mid-write leaves the
# dirty bit set and refcounts behind the L2 tables.  vm-img check reports
# what qemu-img check reports; read-only opens read them unrepaired and
# write nothing; a read-write open (vm-img resize) rebuilds the refcounts
# and clears the bit; check -r all repairs refcount errors in clean images.
is_dirty() { [ $(( $(od -An -tu1 -j79 -N1 "$1") & 1 )) -eq 1 ]; }
errors_of() { sed -n 's/^\([0-9]*\) errors were found on the image.*/\1/p' "$1"; }
# dirty_checks NAME IMG EXPECTED_RAW: the dirty image against qemu-img, then
# repaired.  (A kill can land where QEMU had just flushed its refcounts:
# dirty, but no refcount errors; then there is nothing for -r leaks to keep.)
dirty_checks() {
    local name=$1 img=$2 want=$3 q v qrc sum
    qemu-img check "$img" >qchk.txt 2>&1; qrc=$?
    "$VM_IMG" check "$img" >vchk.txt 2>&1; rc=$?
    q=$(errors_of qchk.txt) v=$(errors_of vchk.txt)
    if ! is_dirty "$img"; then
        fail "$name-setup" "the image is not dirty"
        return
    fi
    if [ $rc -eq $qrc ] && [ "$q" = "$v" ]; then pass "$name-check-reports-errors"
    else fail "$name-check-reports-errors" "exit $rc, ${v:-0} errors (qemu-img: $qrc, ${q:-0})"; fi
    sum=$(sha256sum <"$img")
    "$VM_IMG" convert -O raw "$img" ro.raw 2>err.txt
    if cmp -s ro.raw "$want" && [ "$(sha256sum <"$img")" = "$sum" ] && is_dirty "$img"; then
        pass "$name-read-only-open-reads-unrepaired"
    else fail "$name-read-only-open-reads-unrepaired" "content differs or file changed"; fi
    if [ -n "$q" ]; then
        cp "$img" leaks-only.qcow2
        "$VM_IMG" check -r leaks leaks-only.qcow2 >/dev/null 2>&1; rc=$?
        if [ $rc -eq 2 ] && is_dirty leaks-only.qcow2; then pass "$name-repair-leaks-keeps-dirty"
        else fail "$name-repair-leaks-keeps-dirty" "exit $rc"; fi
    fi
    "$VM_IMG" resize "$img" +1M >out.txt 2>err.txt; rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name-rw-open-repairs" "resize: exit $rc: $(head -1 err.txt)"
    elif ! grep -q "was not closed cleanly: refcounts rebuilt" err.txt; then
        fail "$name-rw-open-repairs" "stderr: $(head -1 err.txt)"
    elif is_dirty "$img" || qemu-img info "$img" | grep -q 'cleanly shut down: no'; then
        fail "$name-rw-open-repairs" "dirty bit still set"
    elif ! qemu-img check "$img" >qchk.txt 2>&1; then
        fail "$name-rw-open-repairs" "qemu-img check: $(grep -m1 -E 'ERROR|Leaked' qchk.txt)"
    elif ! qemu-img compare -f raw -F qcow2 "$want" "$img" >/dev/null 2>&1; then
        fail "$name-rw-open-repairs" "qemu-img compare differs"
    else
        pass "$name-rw-open-repairs"
    fi
}
# Deterministic: three writes, then qemu-io kills itself (SIGKILL).
qemu-img create -q -f qcow2 -o lazy_refcounts=on,cluster_size=4096 lazy.qcow2 8M
qemu-img create -q -f raw lazy.raw 8M
for f in "qcow2 lazy.qcow2" "raw lazy.raw"; do
    set -- $f
    { qemu-io -f "$1" -c "write -P 0x5a 0 1M" -c "write -P 0xa5 3M 300k" \
        -c "write -P 0x11 7M 4k" -c "sigraise 9" "$2" >/dev/null 2>&1; } 2>/dev/null
done
if [ -n "$(qemu-img check lazy.qcow2 2>&1 | grep -m1 '^ERROR cluster')" ]; then
    pass lazy-killed-leaves-refcount-errors
else fail lazy-killed-leaves-refcount-errors "qemu-img check finds no refcount errors"; fi
dirty_checks lazy-killed lazy.qcow2 lazy.raw
# Asynchronous: a stream of writes, SIGKILL once the image is dirty; the
# content a read-only qemu-img convert sees is what the repair must keep.
qemu-img create -q -f qcow2 -o lazy_refcounts=on,cluster_size=4096 lazy2.qcow2 64M
writes() {
    for i in $(seq 0 200000); do
        echo "write -P $((i % 251)) $(( (i * 69632) % (64 << 20) / 512 * 512 )) 12k"
    done
}
qemu-io -f qcow2 lazy2.qcow2 < <(writes) >/dev/null 2>&1 &
qpid=$!
for _ in $(seq 1 1200); do is_dirty lazy2.qcow2 && break; sleep 0.1; done
sleep 0.3
{ kill -9 $qpid && wait $qpid; } 2>/dev/null
qemu-img convert -f qcow2 -O raw lazy2.qcow2 lazy2.raw
dirty_checks lazy-killed-mid-write lazy2.qcow2 lazy2.raw

# Refcount errors in a clean image: one refcount too low (an L2 table), one
# too high (the header): what `qemu-img check -r all` fixes, vm-img fixes too.
"$VM_IMG" convert -O qcow2 data.raw rc.qcow2
python3 - rc.qcow2 <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    h = f.read(72)
    cbits, = struct.unpack('>I', h[20:24])
    l1, rt = struct.unpack('>Q', h[40:48])[0], struct.unpack('>Q', h[48:56])[0]
    f.seek(rt); rb, = struct.unpack('>Q', f.read(8))
    f.seek(l1); l2 = struct.unpack('>Q', f.read(8))[0] & 0x00fffffffffffe00
    f.seek(rb + 2 * (l2 >> cbits)); f.write(b'\0\0')
    f.seek(rb); f.write(b'\0\2')
PY
cp rc.qcow2 rc-qemu.qcow2
qemu-img check rc.qcow2 >qchk.txt 2>&1; qrc=$?
qemu-img check -r all rc-qemu.qcow2 >/dev/null 2>&1
if [ $qrc -eq 2 ] && qemu-img check rc-qemu.qcow2 >/dev/null 2>&1; then
    pass refcount-damage-qemu-repairs
else fail refcount-damage-qemu-repairs "qemu-img check exit $qrc"; fi
"$VM_IMG" check rc.qcow2 >vchk.txt 2>&1; rc=$?
if [ $rc -eq 2 ] && [ "$(errors_of vchk.txt)" = "$(errors_of qchk.txt)" ]; then
    pass vm-check-finds-refcount-errors
else fail vm-check-finds-refcount-errors "exit $rc: $(errors_of vchk.txt) errors"; fi
"$VM_IMG" check -r all rc.qcow2 >vchk.txt 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "1 leaked clusters" vchk.txt && grep -q "No errors were found" vchk.txt &&
        qemu-img check rc.qcow2 >qchk.txt 2>&1 && ! is_dirty rc.qcow2 &&
        qemu-img compare -f raw -F qcow2 data.raw rc.qcow2 >/dev/null 2>&1; then
    pass vm-check-repairs-refcount-errors
else
    fail vm-check-repairs-refcount-errors "exit $rc: $(grep -m1 -E 'ERROR|Leaked' qchk.txt)"
fi

# A refcount past the end of the file (a writer killed after its refcount
# update, before its data write extended the file) names no data: both
# checkers pass it over.
"$VM_IMG" convert -O qcow2 data.raw eof.qcow2
python3 - eof.qcow2 <<'PY'
import os, struct, sys
with open(sys.argv[1], 'r+b') as f:
    h = f.read(72)
    cbits, = struct.unpack('>I', h[20:24])
    rt, = struct.unpack('>Q', h[48:56])
    f.seek(rt); rb, = struct.unpack('>Q', f.read(8))
    past = (os.path.getsize(sys.argv[1]) >> cbits) + 3
    assert past < (1 << (cbits - 1))
    f.seek(rb + 2 * past); f.write(b'\0\1')
PY
qemu-img check eof.qcow2 >qchk.txt 2>&1; qrc=$?
"$VM_IMG" check eof.qcow2 >vchk.txt 2>&1; rc=$?
if [ $qrc -eq 0 ] && [ $rc -eq 0 ] && grep -q "No errors were found" vchk.txt; then
    pass check-ignores-refcounts-past-eof
else fail check-ignores-refcounts-past-eof "exit $rc (qemu-img $qrc): $(head -1 vchk.txt)"; fi

# 8b. Metadata overlap (QEMU's overlap-check=cached; the guest-write side is
# in tests/unit/test-qcow2.c): images crafted at known offsets so that one
# write would land on an L2 table or a refcount block.  qemu-io's refused
# write marks them corrupt; vm-img then reports that as qemu-img does,
# refuses to open them read-write (one line, nothing written), reads them
# read-only, and `check -r all` makes them writable again.
craft() {   # IMAGE l2self|l2rb|rc0|rc0data: damage L2 entry 0 or a refcount (L2 table, data)
    python3 - "$@" <<'PY'
import struct, sys
img, how = sys.argv[1], sys.argv[2]
with open(img, 'r+b') as f:
    h = f.read(72)
    cbits, = struct.unpack('>I', h[20:24])
    l1, rt = struct.unpack('>Q', h[40:48])[0], struct.unpack('>Q', h[48:56])[0]
    f.seek(rt); rb = struct.unpack('>Q', f.read(8))[0] & ~0x1ff
    f.seek(l1); l2 = struct.unpack('>Q', f.read(8))[0] & 0x00fffffffffffe00
    if how == 'rc0':
        f.seek(rb + 2 * (l2 >> cbits)); f.write(b'\0\0')
    elif how == 'rc0data':
        # The data cluster of guest cluster 2 (L2 entry 2), a standard one.
        f.seek(l2 + 16); e, = struct.unpack('>Q', f.read(8))
        assert e & 0x00fffffffffffe00 and not e & (1 << 62)
        f.seek(rb + 2 * ((e & 0x00fffffffffffe00) >> cbits)); f.write(b'\0\0')
        print(e & 0x00fffffffffffe00, 1 << cbits)
    else:
        f.seek(l2); f.write(struct.pack('>Q', (l2 if how == 'l2self' else rb) | 1 << 63))
    if how != 'rc0data':
        print(l2 if how != 'l2rb' else rb, 1 << cbits)
PY
}
cluster_sum() {   # IMAGE OFFSET SIZE
    dd if="$1" bs="$3" skip=$(($2 / $3)) count=1 2>/dev/null | sha256sum
}
for how in l2self l2rb rc0; do
    name=overlap-$how img=ovl-$how.qcow2
    qemu-img create -q -f qcow2 -o cluster_size=65536 "$img" 4M
    qemu-io -f qcow2 -c 'write -P 0x5a 0 256k' "$img" >/dev/null
    qemu-img convert -f qcow2 -O raw "$img" ovl-want.raw
    read -r meta cs < <(craft "$img" "$how")
    before=$(cluster_sum "$img" "$meta" "$cs")
    # qemu-io's write lands on the metadata cluster (rc0: allocates it).
    qemu-io -f qcow2 -c "write -P 0xee $([ $how = rc0 ] && echo 1M || echo 0) 512" "$img" \
        >qio.txt 2>&1
    if [ "$(cluster_sum "$img" "$meta" "$cs")" = "$before" ] &&
            "$VM_IMG" info "$img" | grep -q '^    corrupt: true$' &&
            qemu-img info "$img" | grep -q 'corrupt: true'; then
        pass "$name-info-shows-corrupt"
    else fail "$name-info-shows-corrupt" "qemu-io: $(head -1 qio.txt)"; fi
    sum=$(sha256sum <"$img")
    "$VM_IMG" resize "$img" +1M >out.txt 2>err.txt; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "corrupt" err.txt &&
            [ "$(sha256sum <"$img")" = "$sum" ]; then
        pass "$name-rw-open-refused"
    else fail "$name-rw-open-refused" "exit $rc: $(head -1 err.txt)"; fi
    "$VM_IMG" convert -O raw "$img" ovl-ro.raw 2>err.txt; rc=$?
    if [ $rc -eq 0 ] && cmp -s <(tail -c +65537 ovl-ro.raw) <(tail -c +65537 ovl-want.raw); then
        pass "$name-read-only-open-reads"
    else fail "$name-read-only-open-reads" "exit $rc: $(head -1 err.txt)"; fi
    qemu-img check "$img" >qchk.txt 2>&1; qrc=$?
    "$VM_IMG" check "$img" >vchk.txt 2>&1; rc=$?
    if [ $rc -eq 2 ] && [ $qrc -eq 2 ]; then pass "$name-check-finds-errors"
    else fail "$name-check-finds-errors" "exit $rc (qemu-img: $qrc)"; fi
    "$VM_IMG" check -r all "$img" >vchk.txt 2>&1; rc=$?
    if [ $rc -eq 0 ] && ! "$VM_IMG" info "$img" | grep -q 'corrupt: true' &&
            qemu-img check "$img" >qchk.txt 2>&1 && "$VM_IMG" resize "$img" +1M 2>err.txt; then
        pass "$name-repair-clears-corrupt"
    else
        fail "$name-repair-clears-corrupt" "exit $rc: $(grep -m1 -E 'rror' vchk.txt qchk.txt err.txt)"
    fi
done
# A used cluster (the L2 table) with refcount 0 and no corrupt bit yet: a
# read-write open refuses with one line naming it, and writes nothing.
qemu-img create -q -f qcow2 -o cluster_size=65536 rc0.qcow2 4M
qemu-io -f qcow2 -c 'write -P 0x5a 0 256k' rc0.qcow2 >/dev/null
read -r meta cs < <(craft rc0.qcow2 rc0)
sum=$(sha256sum <rc0.qcow2)
"$VM_IMG" snapshot -c s1 rc0.qcow2 >out.txt 2>err.txt; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] &&
        grep -q "active L2 table cluster at $(printf '0x%x' "$meta") has refcount 0" err.txt &&
        [ "$(sha256sum <rc0.qcow2)" = "$sum" ]; then
    pass refcount0-rw-open-refused
else fail refcount0-rw-open-refused "exit $rc: $(head -1 err.txt)"; fi
# The same for a data cluster the active L2 table maps (guest cluster 2):
# handed out again, it would be overwritten with other data.  qemu-img
# calls it an error too; read-only opens and check work; -r all repairs.
qemu-img create -q -f qcow2 -o cluster_size=65536 rc0d.qcow2 4M
qemu-io -f qcow2 -c 'write -P 0x5a 0 256k' rc0d.qcow2 >/dev/null
qemu-img convert -f qcow2 -O raw rc0d.qcow2 rc0d-want.raw
read -r data cs < <(craft rc0d.qcow2 rc0data)
sum=$(sha256sum <rc0d.qcow2)
msg="the data cluster at $(printf '0x%x' "$data") (guest offset 0x20000) has refcount 0: "
"$VM_IMG" snapshot -c s1 rc0d.qcow2 >out.txt 2>err.txt; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -qF "$msg" err.txt &&
        [ "$(sha256sum <rc0d.qcow2)" = "$sum" ]; then
    pass refcount0-data-rw-open-refused
else fail refcount0-data-rw-open-refused "exit $rc: $(head -1 err.txt)"; fi
qemu-img check rc0d.qcow2 >qchk.txt 2>&1; qrc=$?
if [ $qrc -eq 2 ] && grep -q "^ERROR cluster $((data / cs)) refcount=0 reference=1$" qchk.txt; then
    pass refcount0-data-qemu-check-agrees
else fail refcount0-data-qemu-check-agrees "qemu-img check exit $qrc: $(head -1 qchk.txt)"; fi
"$VM_IMG" check rc0d.qcow2 >vchk.txt 2>&1; rc=$?
"$VM_IMG" convert -O raw rc0d.qcow2 rc0d-ro.raw 2>err.txt; crc=$?
if [ $rc -eq 2 ] && grep -q "^ERROR cluster $((data / cs)) refcount=0 reference=1$" vchk.txt &&
        [ $crc -eq 0 ] && cmp -s rc0d-ro.raw rc0d-want.raw &&
        [ "$(sha256sum <rc0d.qcow2)" = "$sum" ]; then
    pass refcount0-data-read-only-opens-work
else fail refcount0-data-read-only-opens-work "check exit $rc, convert exit $crc"; fi
"$VM_IMG" check -r all rc0d.qcow2 >vchk.txt 2>&1; rc=$?
if [ $rc -eq 0 ] && qemu-img check rc0d.qcow2 >qchk.txt 2>&1 &&
        "$VM_IMG" snapshot -c s1 rc0d.qcow2 2>err.txt && qemu-img check rc0d.qcow2 >qchk.txt 2>&1 &&
        qemu-img compare -f raw -F qcow2 rc0d-want.raw rc0d.qcow2 >/dev/null 2>&1; then
    pass refcount0-data-repaired
else
    fail refcount0-data-repaired "exit $rc: $(grep -m1 -E 'rror' vchk.txt qchk.txt err.txt)"
fi

# 9. Locking (tests/block/locking.sh has the guest cases): convert onto its
# own input is refused before anything is written; an image qemu-io holds
# is refused by every command but info -U / check -U, and left unchanged.
qemu-img create -q -f qcow2 lk.qcow2 8M
qemu-io -f qcow2 -c 'write -P 0x5a 0 64k' lk.qcow2 >/dev/null
sum=$(sha256sum <lk.qcow2)
ln -sf lk.qcow2 lk-link.qcow2
for how in same-name:lk.qcow2 symlink:lk-link.qcow2 other-path:../"$(basename "$T")"/./lk.qcow2
do
    name=convert-onto-input-refused-${how%%:*} out_img=${how#*:}
    "$VM_IMG" convert -O qcow2 lk.qcow2 "$out_img" >out.txt 2>err.txt; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "same file" err.txt &&
            [ "$(sha256sum <lk.qcow2)" = "$sum" ]; then
        pass "$name"
    else fail "$name" "exit $rc: $(head -1 err.txt)"; fi
done
# held_refused NAME ARGS...: vm-img ARGS exits 2 with one line naming lk.qcow2's lock.
held_refused() {
    local name=qemu-held-refused-$1 rc
    shift
    "$VM_IMG" "$@" >out.txt 2>err.txt; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "lk.qcow2.*lock" err.txt; then
        pass "$name"
    else fail "$name" "exit $rc: $(head -1 err.txt)"; fi
}
mkfifo lk.fifo
stdbuf -oL qemu-io -f qcow2 lk.qcow2 <lk.fifo >qio.txt 2>&1 &
qio=$!
exec 9>lk.fifo
echo 'read 0 512' >&9
for _ in $(seq 100); do grep -q '^read 512/512' qio.txt && break; sleep 0.1; done
held_refused info info lk.qcow2
held_refused check check lk.qcow2
held_refused check-repair check -r all lk.qcow2
held_refused resize resize lk.qcow2 +1M
held_refused snapshot-create snapshot -c s1 lk.qcow2
held_refused snapshot-list snapshot -l lk.qcow2
held_refused convert-output convert -O qcow2 data.raw lk.qcow2
held_refused create create -f qcow2 lk.qcow2 1M
if "$VM_IMG" info -U lk.qcow2 2>err.txt | grep -q '^virtual size: 8 MiB' &&
        "$VM_IMG" check -U lk.qcow2 >out.txt 2>>err.txt; then
    pass qemu-held-force-share-reads
else fail qemu-held-force-share-reads "$(head -1 err.txt)"; fi
exec 9>&-
wait $qio
if [ "$(sha256sum <lk.qcow2)" = "$sum" ] && "$VM_IMG" check lk.qcow2 >/dev/null 2>&1; then
    pass qemu-held-image-unchanged
else fail qemu-held-image-unchanged "lk.qcow2 changed or does not check"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
