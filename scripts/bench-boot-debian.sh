#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-boot-debian.sh - seconds from power-on to the first "login:" on the
# serial console of an installed Debian 13 riscv64 system (systemd, udev,
# dbus; the disk of scripts/make-debian-image.sh), under vm-cli with 1, 2
# and 4 harts, Debian 13's QEMU 10 (scripts/qemu10.sh) and the host's
# qemu-system-riscv64 (Debian 12: 7.2) with 1 and 2 harts.
#
#   scripts/bench-boot-debian.sh VM_CLI BUILD_DIR
#
# Every boot has the same kernel (VM_KERNEL), initrd, command line
# ("root=/dev/vda rw console=ttyS0"), 1 GiB of RAM, Debian's OpenSBI
# fw_dynamic.bin (as scripts/bench-boot.sh) and no NIC; the qcow2 disk is
# opened with -snapshot, so each boot starts from the same disk and
# writes to a throw-away overlay.  The boots take turns (each
# configuration once per round, BENCH_DEBIAN_RUNS rounds, default 2) and
# the best time counts, so a busy moment on the host skews a ratio less;
# each round's time is printed as well.  Then the time ratios vm/QEMU 10
# and vm/QEMU 7.2 at equal harts (below 1: vm is faster) and vm's own
# 2-hart/1-hart and 4-hart/2-hart (below 1: more harts boot faster).
# The host's load average is printed before and after.  Never asserts
# on time; exits non-zero only when the disk cannot be built or a vm boot
# never reaches "login:" (within BENCH_DEBIAN_LIMIT seconds, default 600;
# such a round shows "-").  Consoles: BUILD_DIR/bench-boot-debian/CONFIG.ROUND.log.
# Environment: BENCH_DEBIAN_IMAGE (default ~/.cache/vm/debian13-riscv64.qcow2),
#              TL_QEMU_SYSTEM (the second QEMU, default qemu-system-riscv64).
set -eu

[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
VM_CLI=$(readlink -f "$1")
OUT=$2/bench-boot-debian
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vm
IMG=${BENCH_DEBIAN_IMAGE:-$CACHE/debian13-riscv64.qcow2}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
QEMU72=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
LIMIT=${BENCH_DEBIAN_LIMIT:-600}
RUNS=${BENCH_DEBIAN_RUNS:-2}
APPEND="root=/dev/vda rw console=ttyS0"
mkdir -p "$OUT"

VM_CLI=$VM_CLI bash "$ROOT/scripts/make-debian-image.sh" "$IMG" >"$OUT/make-image.log" 2>&1 || {
    echo "bench-boot-debian: no Debian disk: $(grep error: "$OUT/make-image.log" | tail -n 1)"
    exit 1
}
INITRD=${IMG%.qcow2}-initrd.gz
# shellcheck source=/dev/null
. "$CACHE/images.env"

QEMU10=$(bash "$ROOT/scripts/qemu10.sh" 2>&1) || {
    echo "bench-boot-debian: no QEMU 10: $QEMU10"
    QEMU10=
}
command -v "$QEMU72" >/dev/null 2>&1 || QEMU72=
[ -f "$FW" ] || { echo "bench-boot-debian: $FW missing (Debian package opensbi)"; exit 1; }

# qemu_version BIN: "10.0.13" from the first line of --version.
qemu_version() {
    "$1" --version 2>/dev/null | head -n 1 | sed -n 's/.*version \([0-9.]*\).*/\1/p'
}

# time_to_login LOG CMD...: seconds from start until LOG shows "login:", or "-".
time_to_login() {
    local log=$1 start now pid
    shift
    : >"$log"
    start=$(date +%s.%N)
    "$@" </dev/null >"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if grep -aq "login:" "$log"; then
            now=$(date +%s.%N)
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null || true
            awk -v a="$start" -v b="$now" 'BEGIN { printf "%.2f", b - a }'
            return
        fi
        if awk -v a="$start" -v b="$(date +%s.%N)" -v l="$LIMIT" 'BEGIN { exit !(b - a > l) }'; then
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
    echo "-"
}

# best A B: the smaller of two times ("-": did not reach login:).
best() {
    if [ "$1" = - ]; then echo "$2"
    elif [ "$2" = - ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo "$1"
    else echo "$2"
    fi
}

# ratio A B: A / B to 3 places, or "-".
ratio() {
    if [ "$1" = - ] || [ "$2" = - ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; fi
}

# boot NAME ROUND: one boot of configuration NAME (vm1 vm2 vm4 q10-1 q10-2 q72-1 q72-2).
boot() {
    local n=${1##*[!0-9]} q
    case $1 in
    vm*)
        time_to_login "$OUT/$1.$2.log" "$VM_CLI" --arch riscv64 --memory 1G --smp "$n" --bios "$FW" \
            --kernel "$VM_KERNEL" --initrd "$INITRD" --append "$APPEND" \
            --drive "file=$IMG,format=qcow2" --snapshot --display none
        return
        ;;
    q10-*) q=$QEMU10 ;;
    q72-*) q=$QEMU72 ;;
    esac
    time_to_login "$OUT/$1.$2.log" "$q" -M virt -m 1G -smp "$n" -nographic -nic none -bios "$FW" \
        -kernel "$VM_KERNEL" -initrd "$INITRD" -append "$APPEND" \
        -drive "file=$IMG,if=virtio,format=qcow2" -snapshot
}

configs="vm1 vm2 vm4"
[ -z "$QEMU10" ] || configs="$configs q10-1 q10-2"
[ -z "$QEMU72" ] || configs="$configs q72-1 q72-2"
declare -A label=([vm1]="vm --smp 1" [vm2]="vm --smp 2" [vm4]="vm --smp 4")
[ -z "$QEMU10" ] || label+=([q10-1]="qemu $(qemu_version "$QEMU10") -smp 1" [q10-2]="qemu $(qemu_version "$QEMU10") -smp 2")
[ -z "$QEMU72" ] || label+=([q72-1]="qemu $(qemu_version "$QEMU72") -smp 1" [q72-2]="qemu $(qemu_version "$QEMU72") -smp 2")
declare -A bestof=() times=()
for c in vm1 vm2 vm4 q10-1 q10-2 q72-1 q72-2; do bestof[$c]=-; done

echo "debian boot to login: (disk $IMG, best of $RUNS; host $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
rm -f "$OUT"/vm*.log "$OUT"/q*.log
for r in $(seq "$RUNS"); do
    for c in $configs; do
        t=$(boot "$c" "$r")
        times[$c]="${times[$c]:-} $t"
        bestof[$c]=$(best "${bestof[$c]}" "$t")
    done
done

status=0
printf '%-22s %10s   %s\n' configuration best_s "each round"
for c in $configs; do
    printf '%-22s %10s  %s\n' "${label[$c]}" "${bestof[$c]}" "${times[$c]}"
    case $c in vm*) [ "${bestof[$c]}" != - ] || status=1 ;; esac
done
echo "time ratios (below 1: the first is faster)"
[ -z "$QEMU10" ] || printf '  %-34s %8s %8s\n' "vm / qemu 10, 1 and 2 harts" \
    "$(ratio "${bestof[vm1]}" "${bestof[q10-1]}")" "$(ratio "${bestof[vm2]}" "${bestof[q10-2]}")"
[ -z "$QEMU72" ] || printf '  %-34s %8s %8s\n' "vm / qemu $(qemu_version "$QEMU72"), 1 and 2 harts" \
    "$(ratio "${bestof[vm1]}" "${bestof[q72-1]}")" "$(ratio "${bestof[vm2]}" "${bestof[q72-2]}")"
printf '  %-34s %8s\n' "vm 2 harts / 1 hart" "$(ratio "${bestof[vm2]}" "${bestof[vm1]}")"
printf '  %-34s %8s\n' "vm 4 harts / 2 harts" "$(ratio "${bestof[vm4]}" "${bestof[vm2]}")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
