#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seed corpora for the fuzz targets in tests/fuzz/, each input well under
# the fuzzer's -max_len of 64 KiB:
#   qcow2       small qcow2 images made with Debian's qemu-img (qemu-utils):
#               v2 and v3, 512-byte to 4 KiB clusters, with data, zero
#               clusters, compressed clusters (zlib, and zstd when qemu-img
#               has it), internal snapshots, a backing file name, refcount
#               widths other than 16 bits, lazy refcounts and a dirty image.
#               (64 KiB-cluster and extended-L2 images do not fit in 64 KiB;
#               an image that would not is left out with a note.)
#   loader      ELF executables built with riscv64-linux-gnu-gcc (the demo
#               program, several segments, bss), its raw binary, the head of
#               the Debian kernel's Image when cached, a bare Image header
#   gdb         packet streams a gdb-multiarch session sends
#   monitor     monitor command lines (tests/monitor's and more)
#   media       an ISO 9660 image (xorriso), MBR/GPT disk heads, qcow2 images
#   backing     backing file names, relative, absolute, looping, missing
#   virtio-blk, virtio-net, vmstate
#               written by the target itself (FUZZ_BIN, run with
#               FUZZ_WRITE_SEEDS=OUT_DIR): requests laid out in guest RAM as
#               the Linux drivers do, and the device section of its machine
#   tests/fuzz/make-corpus.sh OUT_DIR [TARGET]      (TARGET default qcow2)
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 OUT_DIR [TARGET]" >&2; exit 2; }
out=$1 target=${2:-qcow2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pkt FILE PAYLOAD...: gdb remote packets $PAYLOAD#cs, with the client's acks.
pkt() {
    local f=$1 p cs
    shift
    for p in "$@"; do
        cs=$(printf '%s' "$p" | od -An -tu1 -v | tr -s ' ' '\n' | awk '{s+=$1} END {printf "%02x", s % 256}')
        printf '+$%s#%s' "$p" "$cs" >>"$f"
    done
}

case $target in
qcow2) ;;
loader)
    command -v riscv64-linux-gnu-gcc >/dev/null ||
        { echo "make-corpus.sh: riscv64-linux-gnu-gcc not found (Debian package gcc-riscv64-linux-gnu)" >&2; exit 2; }
    cc="riscv64-linux-gnu-gcc -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,--build-id=none"
    $cc -Wl,-Ttext=0x80000000 -Wl,-N -Wl,--no-warn-rwx-segments -o "$out/demo.elf" \
        "$root/pc-bios/demo/hello.S"
    riscv64-linux-gnu-strip -o "$out/demo-stripped.elf" "$out/demo.elf"
    riscv64-linux-gnu-objcopy -O binary "$out/demo.elf" "$out/demo.bin"
    cat >"$tmp/segs.c" <<'C'
int counter = 5;
static char scratch[3000];
const char msg[] = "rodata";
void _start(void) { scratch[counter] = msg[0]; for (;;) { } }
C
    # Text, rodata, data and bss in separate segments 64 KiB apart.
    $cc -O1 -Wl,-Ttext=0x80000000 -Wl,-z,max-page-size=0x10000 -o "$out/segments.elf" "$tmp/segs.c"
    $cc -O1 -Wl,-Ttext=0x80001000 -Wl,-N -Wl,--no-warn-rwx-segments -o "$out/one-segment-bss.elf" \
        "$tmp/segs.c"
    # The Debian kernel's Image (flat, PE/EFI stub), cut to 64 KiB: a real header
    # whose image_size and PE sections point far past the end.
    for k in "${XDG_CACHE_HOME:-$HOME/.cache}"/vm/trixie/linux-image-*/boot/vmlinu[xz]-* \
             "${XDG_CACHE_HOME:-$HOME/.cache}"/vm/trixie/linux-image-*/boot/Image-*; do
        [ -f "$k" ] && head -c 65536 "$k" >"$out/debian-image-head" && break
    done
    # A bare Image header: code0/1, text_offset 0, image_size 64 KiB, RSC\x05 magic.
    { printf '\x6f\x00\x00\x00\x00\x00\x00\x00\0\0\0\0\0\0\0\0\0\0\x01\0\0\0\0\0'
      head -c 32 /dev/zero; printf 'RISCV\0\0\0RSC\x05\0\0\0\0'; head -c 448 /dev/zero; } \
        >"$out/bare-image"
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
gdb)
    # What gdb-multiarch sends on "target remote", then common commands.
    pkt "$out/attach" "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;xmlRegisters=i386" \
        "vMustReplyEmpty" "QStartNoAckMode" "Hgp0.0" "qXfer:features:read:target.xml:0,ffb" \
        "qTStatus" "?" "qfThreadInfo" "qsThreadInfo" "qAttached:1" "Hc-1" "qC" "qOffsets" "g"
    pkt "$out/regs" "g" "p20" "p41" "p44" "p1040" "P20=0000008000000000" "Hg2" "g" "T2" "T3" \
        "G$(printf '%064d' 0)$(printf '%064d' 0)$(printf '%064d' 0)$(printf '%064d' 0)"
    pkt "$out/memory" "m80000000,40" "M80000100,4:deadbeef" "X80000200,3:abc" "m0,4" \
        "mffffffffffffffff,10" "qXfer:features:read:riscv-64bit-csr.xml:0,1000"
    pkt "$out/breakpoints" "Z0,80000000,4" "Z1,80000010,2" "Z2,80000100,8" "Z3,80000200,4" \
        "Z4,80000300,1" "vCont?" "vCont;c" "z0,80000000,4" "z2,80000100,8" "vCont;s:1;c" "s" \
        "c80000004" "D"
    printf '\x03' >"$out/interrupt"
    pkt "$out/interrupt" "?" "k"
    printf '$}]}\x03}d#00-+$g#6' >"$out/escapes"
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
monitor)
    printf 'help\ninfo status\ninfo registers\ninfo cpus\n' >"$out/info"
    printf 'info mem\ninfo tlb\ninfo mtree\ninfo block\ninfo network\ninfo snapshots\ninfo jit\n' \
        >"$out/info-more"
    printf 'x/8x 0x80000000\nxp/4i 0x80000000\nx/2g $pc\nxp/16b 0x80000010\nx/s 0x80000000\n' >"$out/x"
    printf 'p $pc + 4\np/x $sp * 2 - ($a0 >> 1)\nprint/d 0x10 %% 3\np $x99\np (1 + \n' >"$out/print"
    printf 'stop\ncpu 1\ninfo registers\ncont\nc\nsystem_reset\nq\n' >"$out/control"
    printf 'savevm\nloadvm\ndelvm x\nscreendump /x.png\nsendkey ctrl-alt-delete 50\nfoo bar\n' \
        >"$out/missing-devices"
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
media)
    command -v xorriso >/dev/null ||
        { echo "make-corpus.sh: xorriso not found (Debian package xorriso)" >&2; exit 2; }
    mkdir -p "$tmp/iso/boot"
    echo hello >"$tmp/iso/boot/README"
    xorriso -as mkisofs -quiet -V SEED -o "$tmp/seed.iso" "$tmp/iso" 2>/dev/null
    head -c 65536 "$tmp/seed.iso" >"$out/iso9660-head"
    # A disk with an MBR boot signature; a GPT protective MBR.
    { head -c 446 /dev/zero; printf '\x80\0\0\0\x83\0\0\0\x01\0\0\0\xff\0\0\0'
      head -c 48 /dev/zero; printf '\x55\xaa'; } >"$out/mbr"
    { head -c 446 /dev/zero; printf '\0\0\x02\0\xee\xff\xff\xff\x01\0\0\0\xff\xff\xff\xff'
      head -c 48 /dev/zero; printf '\x55\xaa'; printf 'EFI PART\0\0\x01\0\x5c\0\0\0'; } >"$out/gpt"
    # A cached installer ISO's volume descriptors, when fetch-guest-images.sh got one.
    for i in "${XDG_CACHE_HOME:-$HOME/.cache}"/vm/iso/*.iso; do
        [ -f "$i" ] && head -c 65536 "$i" >"$out/installer-iso-head" && break
    done
    if command -v qemu-img >/dev/null; then
        qemu-img create -q -f qcow2 -o cluster_size=512 "$out/qcow2-v3" 1M
        qemu-img create -q -f qcow2 -o compat=0.10,cluster_size=512 "$out/qcow2-v2" 1M
    fi
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
backing)
    # Byte 0 picks the backing format (fuzz-backing.c); the rest is the name.
    i=0
    for n in base.raw base.qcow2 mid.qcow2 sub/base.raw ./base.raw sub/../base.raw \
             loop-a.qcow2 self.qcow2 missing.img sub link.qcow2 "" "$(printf 'a%.0s' $(seq 300))"; do
        for fmt in 0 1 2; do
            printf "\\x0$fmt%s" "$n" >"$out/name-$i-fmt$fmt"
        done
        i=$((i + 1))
    done
    printf '\x03/%s' "tmp/absolute-outside" >"$out/absolute"
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
virtio-blk|virtio-net|vmstate)
    [ -x "${FUZZ_BIN:-}" ] || { echo "make-corpus.sh: $target seeds need FUZZ_BIN (the fuzz-$target binary)" >&2; exit 2; }
    FUZZ_WRITE_SEEDS=$out "$FUZZ_BIN" >&2
    echo "$(find "$out" -type f | wc -l) seeds" >&2
    exit 0 ;;
*) echo "make-corpus.sh: unknown target '$target'" >&2; exit 2 ;;
esac

command -v qemu-img >/dev/null || { echo "make-corpus.sh: qemu-img not found (Debian package qemu-utils)" >&2; exit 2; }

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
