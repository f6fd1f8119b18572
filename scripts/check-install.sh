#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-install.sh - `make check-install`: the whole of `vm-cli install-debian`.
#
# Installs Debian (riscv64) into a fresh 8 GiB qcow2 with a generated SSH
# key and password, then boots the installed disk through OpenSBI, U-Boot
# and GRUB to `login:`, and checks what a user would: `ssh -p PORT
# USER@127.0.0.1 uname -m` prints riscv64, `systemctl --failed` lists
# nothing, the guest powers off on `system_powerdown`, and `qemu-img
# check` finds the image clean.  Prints the wall time of the install and of
# the boot, and one PASS/FAIL line.  Not part of `make check` (an install
# takes tens of minutes); its figures go in closing notes.
#
# Usage: scripts/check-install.sh VM_CLI [extra install-debian options]
# Environment: CHECK_INSTALL_DIR (default /var/tmp/vm-check-install), removed first.
set -u
vm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
work=${CHECK_INSTALL_DIR:-/var/tmp/vm-check-install}
user=tester
verdict=PASS

say() { echo "check-install: $*"; }
bad() { say "FAIL: $*"; verdict=FAIL; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

for t in ssh ssh-keygen qemu-img python3 bc; do
    command -v "$t" >/dev/null || { say "'$t' not found; run scripts/install-deps.sh"; exit 2; }
done
rm -rf "$work"
mkdir -p "$work"
ssh-keygen -q -t ed25519 -N '' -C check-install -f "$work/id" || exit 2
printf 'check-install password\n' >"$work/pw"

t0=$(now)
"$vm" install-debian --disk "$work/debian.qcow2" --size 8G --user "$user" \
    --password-file "$work/pw" --ssh-key "$work/id.pub" "$@" 2>&1 | tee "$work/install.out"
rc=${PIPESTATUS[0]}
t1=$(now)
say "install: exit $rc in $(secs "$t0" "$t1") s"
if [ "$rc" -ne 0 ] || [ ! -f "$work/debian.qcow2" ]; then
    say "FAIL: install-debian did not install (see $work/install.out)"
    exit 1
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t2=$(now)
"$vm" --arch riscv64 --memory 2G --drive "file=$work/debian.qcow2" --display none \
    --netdev "user,hostfwd=tcp:127.0.0.1:$port-:22" --serial "file:$work/boot.log" \
    --monitor "unix:$work/mon,server,nowait" </dev/null >"$work/vm.out" 2>&1 &
vmpid=$!
for _ in $(seq 3600); do
    grep -qa 'login:' "$work/boot.log" 2>/dev/null && break
    kill -0 "$vmpid" 2>/dev/null || break
    sleep 0.5
done
t3=$(now)
if grep -qa 'login:' "$work/boot.log"; then
    say "boot to login: $(secs "$t2" "$t3") s"
else
    bad "the installed system did not reach login: (see $work/boot.log)"
fi

sshq() {
    ssh -p "$port" -i "$work/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=30 -o BatchMode=yes "$user@127.0.0.1" "$@"
}
arch=
for _ in $(seq 60); do
    arch=$(sshq uname -m 2>>"$work/ssh.err") && break
    sleep 5
done
[ "$arch" = riscv64 ] && say "ssh uname -m: $arch" || bad "ssh uname -m printed '$arch'"
failed=$(sshq systemctl --failed --no-legend --plain 2>>"$work/ssh.err")
[ -z "$failed" ] && say "systemctl --failed: none" || bad "failed units: $failed"

python3 - "$work/mon" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"system_powerdown\n")
s.recv(4096)
EOF
for _ in $(seq 600); do kill -0 "$vmpid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$vmpid" 2>/dev/null; then
    bad "the guest did not power off on system_powerdown"
    kill "$vmpid"
fi
wait "$vmpid"

if qemu-img check "$work/debian.qcow2" >"$work/qemu-img.out" 2>&1; then
    say "qemu-img check: $(grep -m1 'No errors' "$work/qemu-img.out" || tail -1 "$work/qemu-img.out")"
else
    bad "qemu-img check: $(tail -3 "$work/qemu-img.out" | tr '\n' ' ')"
fi
say "install $(secs "$t0" "$t1") s, boot $(secs "$t2" "$t3") s"
say "$verdict"
[ "$verdict" = PASS ]
