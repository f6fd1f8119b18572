#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seed corpus for tests/fuzz/fuzz-qcow2.c: small qcow2 images made with
# Debian's qemu-img (qemu-utils), each well under the fuzzer's -max_len
# of 64 KiB: v2 and v3, 512-byte to 4 KiB clusters, with data, zero
# clusters, compressed clusters (zlib, and zstd when qemu-img has it),
# internal snapshots, a backing file name, refcount widths other than 16
# bits, lazy refcounts and a dirty image.  (64 KiB-cluster and extended-L2
# images, at least 16 KiB clusters, do not fit in 64 KiB; an image that
# would not is left out with a note.)
#   tests/fuzz/make-corpus.sh OUT_DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$1
command -v qemu-img >/dev/null || { echo "make-corpus.sh: qemu-img not found (Debian package qemu-utils)" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pattern FILE: a 64 KiB raw file with data, zeros and a compressible run.
pattern() {
    {
        yes SEED | head -c 8192
        head -c 8192 /dev/zero
        seq 1 3000 | head -c 16384
        head -c 32768 /dev/zero
    } >"$1"
}
pattern "$tmp/data.raw"
qemu-img create -q -f raw "$tmp/base.img" 1M   # for backing-name

# mk NAME CREATE_OPTS [QEMU_IO_CMDS...]: create a 1 MiB image, write with qemu-io.
mk() {
    local name=$1 opts=$2 f=$tmp/$1.qcow2
    shift 2
    qemu-img create -q -f qcow2 -o "$opts" "$f" 1M
    for cmd in "$@"; do
        qemu-io -f qcow2 -c "$cmd" "$f" >/dev/null
    done
    keep "$name" "$f"
}
keep() {
    local size
    size=$(stat -c %s "$2")
    if [ "$size" -le 65536 ]; then cp "$2" "$out/$1"; else echo "make-corpus.sh: $1 is $size bytes, left out" >&2; fi
}

mk empty-v3 compat=1.1,cluster_size=512
mk empty-v2 compat=0.10,cluster_size=512
mk plain-512 cluster_size=512 "write -P 0xa5 0 4k" "write -P 0x5a 700k 1k"
mk plain-v2-512 compat=0.10,cluster_size=512 "write -P 0x11 0 2k" "write -P 0x22 512k 512"
mk plain-4k cluster_size=4096 "write -P 0x33 0 8k" "write -z 8k 4k"
mk zero-clusters-v3 cluster_size=512 "write -P 0x44 0 4k" "write -z 1k 2k"
mk refcount1 cluster_size=512,refcount_bits=1 "write -P 0x55 0 2k"
mk refcount64 cluster_size=512,refcount_bits=64 "write -P 0x66 0 2k"
mk refcount8 cluster_size=1024,refcount_bits=8 "write -P 0x67 4k 4k"
mk backing-name cluster_size=512,backing_file=base.img,backing_fmt=raw "write -P 0x77 0 1k"
mk lazy-refcounts cluster_size=512,lazy_refcounts=on "write -P 0x88 0 2k"
mk plain-2k cluster_size=2048 "write -P 0x99 0 3k" "write -P 0x9a 900k 2k"
# Dirty: lazy refcounts, qemu-io killed (SIGKILL) after writing.
qemu-img create -q -f qcow2 -o cluster_size=512,lazy_refcounts=on "$tmp/dirty.qcow2" 1M
{ qemu-io -f qcow2 -c "write -P 0x8a 0 3k" -c "write -P 0x8b 600k 1k" -c "sigraise 9" \
    "$tmp/dirty.qcow2" >/dev/null 2>&1; } 2>/dev/null || true
keep dirty-lazy-refcounts "$tmp/dirty.qcow2"

# Snapshots (internal), v3 and v2.
for v in 1.1 0.10; do
    f=$tmp/snap-$v.qcow2
    qemu-img create -q -f qcow2 -o compat=$v,cluster_size=512 "$f" 1M
    qemu-io -f qcow2 -c "write -P 0x10 0 2k" "$f" >/dev/null
    qemu-img snapshot -c first "$f"
    qemu-io -f qcow2 -c "write -P 0x20 1k 2k" "$f" >/dev/null
    qemu-img snapshot -c second "$f"
    qemu-io -f qcow2 -c "write -P 0x30 64k 1k" "$f" >/dev/null
    keep "snapshots-$([ $v = 1.1 ] && echo v3 || echo v2)" "$f"
done

# Compressed clusters (zlib), with 512-byte and 4 KiB clusters.
qemu-img create -q -f raw "$tmp/src.raw" 256k
dd if="$tmp/data.raw" of="$tmp/src.raw" conv=notrunc status=none
for cs in 512 4096; do
    qemu-img convert -c -f raw -O qcow2 -o cluster_size=$cs "$tmp/src.raw" "$tmp/comp-$cs.qcow2"
    keep "compressed-$cs" "$tmp/comp-$cs.qcow2"
done
qemu-img convert -c -f raw -O qcow2 -o cluster_size=512,compat=0.10 "$tmp/src.raw" "$tmp/comp-v2.qcow2"
keep compressed-v2 "$tmp/comp-v2.qcow2"
# zstd compression needs an incompatible feature bit: our driver should refuse it cleanly.
if qemu-img convert -c -f raw -O qcow2 -o cluster_size=512,compression_type=zstd \
    "$tmp/src.raw" "$tmp/comp-zstd.qcow2" 2>/dev/null; then
    keep compressed-zstd "$tmp/comp-zstd.qcow2"
fi
# Converted (uncompressed) with data spread over several L2 tables.
qemu-img convert -f raw -O qcow2 -o cluster_size=512 "$tmp/src.raw" "$tmp/conv.qcow2"
keep converted-512 "$tmp/conv.qcow2"
echo "$(find "$out" -type f | wc -l) seed images" >&2
