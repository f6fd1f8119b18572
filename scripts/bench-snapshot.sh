#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-snapshot.sh - savevm/loadvm of Debian's installer at its first
# screen ("Select a language", 1 GiB guest, a qcow2 disk), vm-cli beside
# qemu-system-riscv64 -M virt in the same run:
#   savevm_s     the monitor's savevm, command sent to prompt back
#   vm_state     the snapshot's VM state size (qemu-img info), MiB
#   enter_s      then Enter until "Select your location" shows, in the
#                machine that booted (the guest's own response time)
#   loadvm_s     the monitor's loadvm (back to the language screen)
#   loaded_s     a new process with --loadvm (QEMU: -loadvm): start until
#                its monitor answers, i.e. the state is loaded and runs
#   answer_s     start until that screen answers Enter with "Select your
#                location" (loaded_s plus the guest's response, which
#                starts with no translated code)
# vm-cli twice: RAM pages LZ4-compressed (savevm) and uncompressed
# (savevm -n); QEMU stores pages uncompressed.  One run each, no
# assertions on the numbers.
#   scripts/bench-snapshot.sh VM_CLI BUILD_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
VM_CLI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
OUT=$2/bench-snapshot
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QEMU=${TL_QEMU_SYSTEM:-qemu-system-riscv64}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
LIMIT=${BENCH_SNAPSHOT_LIMIT:-900}   # guard against a hung guest
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# shellcheck source=/dev/null
. "${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env"

sock=$OUT/mon.sock
fifo=$OUT/stdin
PID=

# cmdline EMU IMG [LOADVM]: the installer's command line for vm or qemu.
cmdline() {
    if [ "$1" = vm ]; then
        echo "$VM_CLI" --arch riscv64 --kernel "$VM_INSTALLER_KERNEL" \
            --initrd "$VM_INSTALLER_INITRD" --memory 1G --drive "file=$2,format=qcow2" \
            --monitor "unix:$sock,server,nowait" ${3:+--loadvm "$3"}
    else
        echo "$QEMU" -M virt -m 1G -nographic -bios "$FW" -kernel "$VM_INSTALLER_KERNEL" \
            -initrd "$VM_INSTALLER_INITRD" -drive "file=$2,format=qcow2,if=virtio" \
            -monitor "unix:$sock,server,nowait" ${3:+-loadvm "$3"}
    fi
}

# start LOG CMD...: run CMD with the fifo as its console input.
start() {
    local log=$1
    shift
    rm -f "$sock" "$fifo"
    mkfifo "$fifo"
    : >"$log"
    "$@" <"$fifo" >"$log" 2>&1 &
    PID=$!
    exec 3>"$fifo"
}

stop() {
    python3 "$ROOT/tests/snapshot/mon.py" "$sock" quit >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    exec 3>&-
}

# since: seconds since $t0, 3 decimals.
since() { awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.3f\n", a - b }'; }

# wait_for LOG TEXT: until the console shows TEXT; prints the seconds since $t0.
wait_for() {
    while ! grep -q "$2" "$1"; do
        if ! kill -0 "$PID" 2>/dev/null ||
            [ "$(echo "$(date +%s.%N) - $t0 > $LIMIT" | bc)" = 1 ]; then
            echo -
            return
        fi
        sleep 0.02
    done
    since
}

# timed CMD: seconds the monitor takes for CMD (prompt to prompt).
timed() {
    python3 - "$sock" "$1" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(600)
def prompt():
    b = b""
    while not b.endswith(b"(qemu) ") and not b.endswith(b"(vm) "):
        d = s.recv(65536)
        if not d:
            raise SystemExit("closed")
        b += d
    return b
prompt()
t = time.time(); s.sendall(sys.argv[2].encode() + b"\n"); out = prompt()
err = [l for l in out.decode(errors="replace").splitlines()
       if l.strip() and not l.startswith(("(vm)", "(qemu)")) and sys.argv[2] not in l]
print("%.3f" % (time.time() - t) if not err else "fail:" + err[0])
EOF
}

vm_state_mib() {
    qemu-img info --output=json "$1" | python3 -c '
import json, sys
for sn in json.load(sys.stdin).get("snapshots", []):
    if sn["name"] == sys.argv[1]:
        print("%.1f" % (sn["vm-state-size"] / 1048576))' "$2"
}

row() { printf '%-10s %9s %9s %9s %9s %9s %9s\n' "$@"; }

# bench EMU NAME SAVE_CMD: one emulator's figures, in a fresh image.
bench() {
    local emu=$1 name=$2 save=$3 img=$OUT/$1-$2.qcow2 log=$OUT/$1-$2.log s e l ld an
    rm -f "$img"
    qemu-img create -q -f qcow2 "$img" 256M
    # shellcheck disable=SC2046  # word splitting of the command line is wanted
    start "$log" $(cmdline "$emu" "$img")
    t0=$(date +%s.%N)
    if [ "$(wait_for "$log" "Select a language")" = - ]; then
        stop
        row "$emu-$name" - - - - - -
        return
    fi
    sleep 2     # let the screen settle (the installer idles here)
    s=$(timed "$save $name")
    t0=$(date +%s.%N)
    printf '\r' >&3
    e=$(wait_for "$log" "Select your location")
    l=$(timed "loadvm $name")
    stop
    # shellcheck disable=SC2046
    start "$log.2" $(cmdline "$emu" "$img" "$name")
    t0=$(date +%s.%N)
    printf '\r' >&3
    python3 "$ROOT/tests/snapshot/mon.py" "$sock" "info status" >/dev/null 2>&1 || true
    ld=$(since)
    an=$(wait_for "$log.2" "Select your location")
    stop
    row "$emu-$name" "$s" "$(vm_state_mib "$img" "$name")" "$e" "$l" "$ld" "$an"
}

row snapshot savevm_s vm_state enter_s loadvm_s loaded_s answer_s
bench vm lz4 savevm
bench vm raw "savevm -n"
if command -v "$QEMU" >/dev/null; then
    bench qemu raw savevm
fi
