#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest download throughput over user-mode networking (libslirp): a
# busybox guest fetches a file from an HTTP server on the host's
# 127.0.0.1 (as 10.0.2.2) with `wget -O /dev/null`, timed in the guest
# with /proc/uptime, under vm and under qemu-system-riscv64 (-M virt,
# virtio-net-device on -netdev user).  Prints a table; asserts nothing.
# Usage: scripts/bench-net.sh VM_CLI BUILD_DIR [MIB]
set -u
[ $# -ge 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR [MIB]" >&2; exit 2; }
vm=$1 out=$2/bench-net mib=${3:-64}
here=$(cd "$(dirname "$0")" && pwd)
env_file=${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env
# shellcheck source=/dev/null
[ -f "$env_file" ] && . "$env_file"
[ -e "${VM_KERNEL:-}" ] || { echo "bench-net: no guest kernel: run scripts/fetch-guest-images.sh" >&2; exit 2; }
mkdir -p "$out/www"
out=$(cd "$out" && pwd)
HANG=600

truncate -s 0 "$out/www/big" && truncate -s "${mib}M" "$out/www/big"
python3 -u -m http.server --bind 127.0.0.1 --directory "$out/www" 0 >"$out/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null' EXIT
port=
for _ in $(seq 50); do
    port=$(sed -n 's/.*Serving HTTP on [0-9.]* port \([0-9]*\).*/\1/p' "$out/http.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "bench-net: http.server did not start" >&2; exit 2; }

cat >"$out/bench.sh" <<EOF
modprobe virtio_mmio; modprobe virtio_net
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
wget -q -O /dev/null http://10.0.2.2:$port/big   # warm-up: ARP, TCP, page cache
t0=\$(cut -d' ' -f1 /proc/uptime)
wget -q -O /dev/null http://10.0.2.2:$port/big && r=ok || r=failed
t1=\$(cut -d' ' -f1 /proc/uptime)
echo "BENCH \$r \$t0 \$t1"
EOF
"$here/make-initramfs.sh" "$out/bench.cpio.gz" "$out/bench.sh" || exit 2

# result LOG: "MiB/s seconds" from the guest's BENCH line, or "- failed".
result() {
    local line
    line=$(tr -d '\r' <"$1" | grep -m1 '^BENCH ')
    if [ -z "$line" ] || [ "$(cut -d' ' -f2 <<<"$line")" != ok ]; then
        echo "- failed"
        return
    fi
    awk -v m="$mib" '{ s = $4 - $3; printf "%.1f %.2f\n", (s > 0 ? m / s : 0), s }' <<<"$line"
}

timeout "$HANG" "$vm" --arch riscv64 --kernel "$VM_KERNEL" --initrd "$out/bench.cpio.gz" \
    --memory 512M --append "console=ttyS0 quiet" --netdev user </dev/null >"$out/vm.log" 2>&1
read -r vm_rate vm_secs <<<"$(result "$out/vm.log")"

qemu_rate=- qemu_secs="not installed"
if command -v qemu-system-riscv64 >/dev/null; then
    timeout "$HANG" qemu-system-riscv64 -M virt -m 512M -nographic -no-reboot \
        -kernel "$VM_KERNEL" -initrd "$out/bench.cpio.gz" -append "console=ttyS0 quiet" \
        -netdev user,id=n0 -device virtio-net-device,netdev=n0 </dev/null >"$out/qemu.log" 2>&1
    read -r qemu_rate qemu_secs <<<"$(result "$out/qemu.log")"
fi

printf '%-28s %12s %10s\n' "guest wget ${mib} MiB" "MiB/s" "seconds"
printf '%-28s %12s %10s\n' "vm (--netdev user)" "$vm_rate" "$vm_secs"
printf '%-28s %12s %10s\n' "qemu-system-riscv64 (user)" "$qemu_rate" "$qemu_secs"
