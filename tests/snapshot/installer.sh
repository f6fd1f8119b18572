#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The user's day with snapshots: Debian's installer (1 GiB guest, a qcow2
# disk) reaches "Select a language"; `savevm installer-ready` through the
# socket monitor, `quit`; a new vm-cli with --loadvm installer-ready is
# back on that screen: Enter brings "Select your location".  Driven in
# tmux like tests/boot/installer.sh; it reads the rendered screen, never
# elapsed time (make bench times it).
#   tests/snapshot/installer.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2
GUEST_SUITE=snapshot-installer
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
guest_images
mkdir -p "$out"
out=$(cd "$out" && pwd)
command -v tmux >/dev/null || { guest_fail tmux "tmux not installed"; guest_summary; exit 1; }

tsock=$out/tmux.sock
sock=$out/mon.sock
img=$out/installer.qcow2
session=
T() { tmux -S "$tsock" "$@"; }
wait_screen() {
    for _ in $(seq $(($2 * 2))); do
        T capture-pane -p -t "$session" >"$out/screen.txt" 2>/dev/null || return 1
        grep -q "$1" "$out/screen.txt" && return 0
        sleep 0.5
    done
    return 1
}
screen_tail() { grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' '; }
finish() { T kill-server 2>/dev/null; }
trap finish EXIT

# run_installer EXTRA_ARGS: vm-cli in a fresh tmux session (a new name
# each time: the old session's server may still be going away).
run=0
run_installer() {
    [ "$run" -gt 0 ] && T kill-session -t "$session" 2>/dev/null
    run=$((run + 1))
    session=vminst$$-$run
    rm -f "$sock"
    T new-session -d -s "$session" -x 80 -y 25 \
        "'$GUEST_VM' --arch riscv64 --kernel '$VM_INSTALLER_KERNEL' \
         --initrd '$VM_INSTALLER_INITRD' --memory 1G --drive file='$img',format=qcow2 \
         --monitor unix:'$sock',server,nowait $1 2>'$out/stderr'; echo VM-EXITED \$?; sleep 60"
}

rm -f "$img"
qemu-img create -q -f qcow2 "$img" 256M
run_installer ""
guest_begin installer-savevm-at-select-a-language
if wait_screen "Select a language" 600; then
    python3 "$here/mon.py" "$sock" "savevm installer-ready" "quit" >"$out/mon.out" 2>&1
    [ "$(grep -vc -- '--END--' "$out/mon.out")" -eq 0 ] ||
        guest_why "monitor: $(head -1 "$out/mon.out")"
    wait_screen "VM-EXITED 0" 60 || guest_why "quit did not end vm-cli: $(screen_tail)"
    qemu-img snapshot -l "$img" | grep -qE ' installer-ready +[0-9.]+ MiB ' ||
        guest_why "qemu-img lists no installer-ready with its VM state"
else
    guest_why "no first screen: $(screen_tail)"
fi
guest_end

guest_begin installer-loadvm-answers-enter
run_installer "--loadvm installer-ready"
# The monitor answers once the state is loaded and the machine runs.
python3 "$here/mon.py" "$sock" "info status" >"$out/status.out" 2>&1
grep -q 'VM status: running' "$out/status.out" || guest_why "not running: $(head -1 "$out/status.out")"
T send-keys -t "$session" Enter
if wait_screen "Select your location" 120; then
    grep -q "Select a language" "$out/screen.txt" &&
        guest_why "the language screen is still drawn"
else
    guest_why "Enter did not bring 'Select your location': $(screen_tail) $(head -1 "$out/stderr")"
fi
T send-keys -t "$session" C-a x
wait_screen "EXITED 0" 30 || guest_why "C-a x did not end vm-cli"
qemu-img check "$img" >"$out/check.log" 2>&1 || guest_why "qemu-img check: $(head -1 "$out/check.log")"
guest_end
guest_summary
