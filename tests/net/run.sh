#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# User-mode networking tests (DESIGN.md §6, net/): a busybox guest with
# virtio-net on the libslirp backend gets 10.0.2.15 by DHCP, downloads a
# file from an HTTP server the test runs on host loopback (reached as
# 10.0.2.2) and prints its sha256; a host client reaches the guest's httpd
# through hostfwd; restrict=on keeps the guest from the host; bad
# --netdev options end with one line and exit 2.  Everything listens on
# 127.0.0.1 only.  Asserts are on what the guest prints; timeouts only
# guard against hangs.
# Usage: tests/net/run.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2
GUEST_SUITE=net
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_images

HANG=300    # seconds; a guard against a hung guest, not a measurement
FILE_MIB=6

for tool in python3 curl; do
    command -v "$tool" >/dev/null || {
        guest_fail setup "$tool not found (scripts/install-deps.sh)"; guest_summary; exit 1; }
done

# The host side: a directory served on 127.0.0.1 at a port the kernel picks.
www=$out/www
rm -rf "$www"
mkdir -p "$www"
head -c $((FILE_MIB << 20)) /dev/urandom >"$www/file"
want_sha=$(sha256sum "$www/file" | cut -d' ' -f1)
python3 -u -m http.server --bind 127.0.0.1 --directory "$www" 0 >"$out/http.log" 2>&1 &
http_pid=$!
vm_pid=
cleanup() {
    kill "$http_pid" 2>/dev/null
    [ -z "$vm_pid" ] || kill -9 "$vm_pid" 2>/dev/null
}
trap cleanup EXIT
port=
for _ in $(seq 50); do
    port=$(sed -n 's/.*Serving HTTP on [0-9.]* port \([0-9]*\).*/\1/p' "$out/http.log")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    guest_fail setup "python3 -m http.server did not start: $(head -1 "$out/http.log")"
    guest_summary
    exit 1
fi

# A port nothing listens on yet, for hostfwd (the kernel's pick, released at once).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# build_initramfs NAME SCRIPT-TEXT: $out/NAME.cpio.gz
build_initramfs() {
    printf '%s\n' "$2" >"$out/$1.sh"
    if ! "$here/../../scripts/make-initramfs.sh" "$out/$1.cpio.gz" "$out/$1.sh" \
            2>"$out/$1.err"; then
        guest_fail "initramfs-$1" "$(head -1 "$out/$1.err")"
        return 1
    fi
}

# The guest's network bring-up: drivers, a udhcpc script that applies the lease, DHCP.
# shellcheck disable=SC2016  # expanded by the guest's shell
net_up='modprobe virtio_mmio; modprobe virtio_net
cat >/bin/udhcpc.script <<"EOS"
#!/bin/sh
case "$1" in
bound|renew)
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "$router"
    echo "DHCP-LEASE ip=$ip router=$router dns=$dns"
    ;;
esac
EOS
chmod 755 /bin/udhcpc.script
ip link set lo up
ip link set eth0 up
cat /sys/class/net/eth0/address | sed "s/^/MAC /"
udhcpc -i eth0 -n -q -t 5 -s /bin/udhcpc.script || echo DHCP-FAILED
ip -4 addr show eth0 | sed -n "s/.*inet \([0-9.]*\).*/ADDR \1/p"'

run_args=(--memory 512M --append "console=ttyS0 quiet")

# 1. DHCP, then a several-MiB download from the host's loopback through 10.0.2.2.
if build_initramfs fetch "$net_up
wget -q -O - http://10.0.2.2:$port/file | sha256sum | sed 's/^/SHA /'
echo FETCH-DONE"; then
    guest_begin dhcp-and-download
    run_guest "$out/fetch.log" "$HANG" --kernel "$VM_KERNEL" --initrd "$out/fetch.cpio.gz" \
        "${run_args[@]}" --netdev user
    rc=$?
    expect_status $rc 0 "$out/fetch.log"
    expect_in "$out/fetch.log" '^MAC 52:54:00:12:34:56$' "default MAC 52:54:00:12:34:56"
    expect_in "$out/fetch.log" '^DHCP-LEASE ip=10\.0\.2\.15 router=10\.0\.2\.2 dns=10\.0\.2\.3' \
        "DHCP lease 10.0.2.15 via 10.0.2.2, DNS 10.0.2.3"
    expect_in "$out/fetch.log" '^ADDR 10\.0\.2\.15$' "eth0 address 10.0.2.15"
    expect_in "$out/fetch.log" "^SHA $want_sha " "sha256 $want_sha of the ${FILE_MIB} MiB file"
    expect_in "$out/fetch.log" '^FETCH-DONE$' "FETCH-DONE"
    guest_end
fi

# 2. hostfwd: the host's client reaches the guest's httpd; the guest powers off once
#    the test publishes /done on its server.
hport=$(free_port)
rm -f "$www/done"
if build_initramfs hostfwd "$net_up
mkdir -p /www
echo HELLO-FROM-GUEST >/www/index.html
httpd -p 80 -h /www
echo READY
i=0
while [ \$i -lt 120 ] && ! wget -q -O /dev/null http://10.0.2.2:$port/done; do
    sleep 1; i=\$((i + 1))
done
echo HOSTFWD-DONE"; then
    guest_begin hostfwd-tcp
    "$GUEST_VM" --arch riscv64 --kernel "$VM_KERNEL" --initrd "$out/hostfwd.cpio.gz" \
        "${run_args[@]}" --netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$hport-:80,mac=52:54:00:aa:bb:cc" \
        </dev/null >"$out/hostfwd.log.raw" 2>&1 &
    vm_pid=$!
    t0=$(date +%s) answer=
    while kill -0 "$vm_pid" 2>/dev/null && [ $(( $(date +%s) - t0 )) -lt "$HANG" ]; do
        if grep -q '^READY' "$out/hostfwd.log.raw"; then
            answer=$(curl -s -m 20 "http://127.0.0.1:$hport/index.html")
            break
        fi
        sleep 1
    done
    : >"$www/done"
    for _ in $(seq 120); do kill -0 "$vm_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$vm_pid" 2>/dev/null
    wait "$vm_pid"
    rc=$?
    vm_pid=
    tr -d '\r' <"$out/hostfwd.log.raw" >"$out/hostfwd.log"
    expect_in "$out/hostfwd.log" '^MAC 52:54:00:aa:bb:cc$' "MAC from mac="
    expect_in "$out/hostfwd.log" '^READY' "READY (guest httpd started)"
    [ "$answer" = HELLO-FROM-GUEST ] ||
        guest_why "host curl through hostfwd got '$(head -c 80 <<<"$answer")'"
    expect_in "$out/hostfwd.log" '^HOSTFWD-DONE$' "HOSTFWD-DONE (guest saw /done)"
    expect_status $rc 0 "$out/hostfwd.log"
    guest_end
fi

# 3. restrict=on: DHCP still works, the host's loopback is out of reach.
if build_initramfs restrict "$net_up
if wget -q -T 5 -O /dev/null http://10.0.2.2:$port/file; then echo WGET-OK; else echo WGET-FAILED; fi"; then
    guest_begin restrict-on
    run_guest "$out/restrict.log" "$HANG" --kernel "$VM_KERNEL" \
        --initrd "$out/restrict.cpio.gz" "${run_args[@]}" --netdev user,restrict=on
    rc=$?
    expect_status $rc 0 "$out/restrict.log"
    expect_in "$out/restrict.log" '^ADDR 10\.0\.2\.15$' "eth0 address 10.0.2.15"
    expect_in "$out/restrict.log" '^WGET-FAILED$' "WGET-FAILED"
    expect_not_in "$out/restrict.log" '^WGET-OK$' "the restricted guest reached the host"
    guest_end
fi

# 4. Bad options: one line, exit 2, no guest.
# expect_one_line_exit2 NAME PATTERN ARGS...
expect_one_line_exit2() {
    local name=$1 pattern=$2 rc=0
    shift 2
    guest_begin "$name"
    timeout 20 "$GUEST_VM" --arch riscv64 --kernel "$VM_KERNEL" "$@" \
        </dev/null >"$out/$name.log" 2>&1 || rc=$?
    expect_status $rc 2 "$out/$name.log"
    [ "$(wc -l <"$out/$name.log")" -eq 1 ] ||
        guest_why "$(wc -l <"$out/$name.log") lines of output, expected 1"
    expect_in "$out/$name.log" "$pattern" "'$pattern'"
    guest_end
}
expect_one_line_exit2 bad-netdev-type "^vm-cli: --netdev: 'bogus' is not a backend type" \
    --netdev bogus
expect_one_line_exit2 bad-netdev-param "^vm-cli: --netdev: unknown parameter 'colour'" \
    --netdev user,colour=red
expect_one_line_exit2 bad-hostfwd-syntax "^vm-cli: --netdev: hostfwd=tcp:22 is not" \
    --netdev user,hostfwd=tcp:22
expect_one_line_exit2 bad-mac "^vm-cli: --netdev: mac=01:02:03:04:05:06 is not a unicast" \
    --netdev user,mac=01:02:03:04:05:06
# The http server holds $port: a hostfwd on it cannot listen.
expect_one_line_exit2 hostfwd-port-taken \
    "^vm-cli: --netdev: hostfwd=tcp:127.0.0.1:$port-:80: cannot listen on host port $port" \
    --netdev "user,hostfwd=tcp:127.0.0.1:$port-:80"

guest_summary
