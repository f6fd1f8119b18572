#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Monitor tests (DESIGN.md §7).  (1) A bare-metal program that counts
# forever (counter.S) under --monitor unix:SOCK,server,nowait, driven by
# drive.py over the socket: status, stop/cont (a frozen then advancing
# counter), x/xp/p, registers, disassembly, errors that leave the machine
# running, info subcommands, a second client, quit.  (2) A busybox Linux
# guest in tmux, driven as a person would: Ctrl-A c into the monitor on
# stdio, info registers / cpus, stop, cont, Ctrl-A c back, Ctrl-A x.
# Assertions are on what the monitor prints; timeouts only guard hangs.
# Usage: tests/monitor/run.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/monitor
GUEST_SUITE=monitor
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
CROSS=${TL_CROSS:-riscv64-linux-gnu-}
HANG=120
case $GUEST_VM in /*) ;; *) GUEST_VM=$(pwd)/$GUEST_VM ;; esac

# --- (1) bare metal over the Unix socket ---------------------------------
elf=$out/counter.elf
if ! "${CROSS}gcc" -nostdlib -static -march=rv64gc -mabi=lp64d -Wl,--build-id=none \
        -T "$here/../isa/runtime/link.ld" -o "$elf" "$here/counter.S" 2>"$out/build.err"; then
    guest_fail build "$(head -1 "$out/build.err")"
    guest_summary
    exit 1
fi
sym() { "${CROSS}nm" "$elf" | awk -v s="$1" '$3 == s { print $1 }'; }
sock=$out/mon.sock
rm -f "$sock"
timeout --kill-after=5 "$HANG" "$GUEST_VM" --arch riscv64 --bios none --kernel "$elf" \
    --monitor "unix:$sock,server,nowait" </dev/null >"$out/bare.log" 2>&1 &
vm_pid=$!
python3 "$here/drive.py" "$sock" "$(sym counter)" "$(sym _start)" "$(sym __bss_start)" \
    >"$out/drive.out" 2>"$out/drive.err"
while read -r verdict name rest; do
    case $verdict in
    PASS) guest_pass "$name" ;;
    FAIL) guest_fail "${name%:}" "$rest" ;;
    esac
done <"$out/drive.out"
[ -s "$out/drive.err" ] && guest_fail driver "$(tail -1 "$out/drive.err")"
wait "$vm_pid"
rc=$?
if [ "$rc" -eq 0 ]; then
    guest_pass quit-status-0
else
    guest_fail quit-status-0 "vm-cli exited with $rc: $(tail -1 "$out/bare.log")"
fi
# Only meaningful once the monitor had made the socket and quit cleanly.
if [ "$rc" -eq 0 ] && [ ! -e "$sock" ]; then
    guest_pass socket-removed
else
    guest_fail socket-removed "status $rc, socket present: $([ -e "$sock" ] && echo yes || echo no)"
fi

# Bad --monitor values are refused before any machine exists.
bad_ok=1
for bad in "tcp:1234" "unix:" "unix:$out/x.sock" "unix:$out/x.sock,server,bogus"; do
    "$GUEST_VM" --arch riscv64 --bios none --kernel "$elf" --monitor "$bad" \
        </dev/null >"$out/bad.log" 2>&1
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$(wc -l <"$out/bad.log")" -ne 1 ]; then
        guest_fail "bad-spec" "--monitor $bad: status $rc, $(head -2 "$out/bad.log")"
        bad_ok=0
    fi
done
[ "$bad_ok" = 1 ] && guest_pass bad-spec

# --- (2) Linux guest on stdio, through tmux -------------------------------
if ! command -v tmux >/dev/null; then
    guest_fail tmux "tmux not installed (scripts/install-deps.sh)"
    guest_summary
    exit
fi
guest_images
cat >"$out/loop.sh" <<'SH'
echo MONITOR-GUEST-UP
while read -r line; do echo "GOT-$line"; done
while :; do sleep 1; done
SH
if ! "$here/../../scripts/make-initramfs.sh" "$out/loop.cpio.gz" "$out/loop.sh" \
        --modules none >"$out/initramfs.log" 2>&1; then
    guest_fail initramfs "$(tail -1 "$out/initramfs.log")"
    guest_summary
    exit 1
fi
tsock=$out/tmux.sock
session=vmmon$$
T() { tmux -S "$tsock" "$@"; }
screen() { T capture-pane -p -J -S -2000 -t "$session"; }
# wait_screen PATTERN [SECONDS]: until the pane shows PATTERN (ERE).
wait_screen() {
    local limit=${2:-30}
    for _ in $(seq $((limit * 5))); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.2
    done
    return 1
}
# mon CMD: type a monitor command, wait until the pane shows the command
# line once more than before and ends on a fresh prompt (the output is in).
mon() {
    local before s last
    before=$(screen | grep -cxF -- "(vm) $1")
    T send-keys -t "$session" -l "$1"
    T send-keys -t "$session" Enter
    for _ in $(seq 100); do
        s=$(screen)
        last=$(printf '%s\n' "$s" | grep -v '^ *$' | tail -1)
        if [ "$(printf '%s\n' "$s" | grep -cxF -- "(vm) $1")" -gt "$before" ] &&
           [[ $last =~ ^\(vm\)\ ?$ ]]; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}
T kill-server 2>/dev/null
T new-session -d -s "$session" -x 200 -y 50 \
    "timeout --foreground --kill-after=5 $HANG $GUEST_VM --arch riscv64 --kernel $VM_KERNEL \
     --initrd $out/loop.cpio.gz --memory 512M --append console=ttyS0 --monitor stdio; \
     echo VM-EXIT-STATUS=\$?; sleep 30"
T set-option -t "$session" history-limit 5000 >/dev/null

guest_begin tmux-boot
wait_screen MONITOR-GUEST-UP 90 || guest_why "guest did not print MONITOR-GUEST-UP"
guest_end

guest_begin tmux-switch-to-monitor
T send-keys -t "$session" C-a c
wait_screen '^\(vm\) ' 10 || guest_why "no (vm) prompt after C-a c"
guest_end

guest_begin tmux-info-registers
mon "info registers" || guest_why "no prompt after info registers"
screen | grep -qE '^scause .* sepc ' || guest_why "no sepc line"
screen | grep -qE 'satp +[0-9a-f]{16}' || guest_why "no satp line"
screen | grep -qE 'satp +[89a]0' || guest_why "satp shows no Sv39/48/57 mode"
guest_end

guest_begin tmux-info-cpus
mon "info cpus" || guest_why "no prompt after info cpus"
screen | grep -qE '^\* CPU #0: pc=0x' || guest_why "no CPU #0 line"
guest_end

guest_begin tmux-info-mem
mon "info mem" || guest_why "no prompt after info mem"
screen | grep -qE '^ffff[0-9a-f]{12} [0-9a-f]{16} [0-9a-f]{16} r' \
    || guest_why "no kernel mapping in info mem"
guest_end

guest_begin tmux-stop-cont
mon "stop" || guest_why "no prompt after stop"
mon "info status" || guest_why "no prompt after info status"
screen | tail -3 | grep -q 'VM status: paused' || guest_why "not paused after stop"
mon "cont" || guest_why "no prompt after cont"
mon "info status" || guest_why "no prompt after info status"
screen | tail -3 | grep -q 'VM status: running' || guest_why "not running after cont"
guest_end

guest_begin tmux-completion
T send-keys -t "$session" -l "info reg"
T send-keys -t "$session" Tab
T send-keys -t "$session" Enter
wait_screen '^\(vm\) info registers *$' 10 || guest_why "Tab did not complete 'info reg'"
guest_end

guest_begin tmux-back-to-console
T send-keys -t "$session" C-a c
sleep 0.5
T send-keys -t "$session" -l "back42"
T send-keys -t "$session" Enter
wait_screen '^GOT-back42' 20 || guest_why "the guest did not read 'back42' after C-a c"
guest_end

guest_begin tmux-quit
T send-keys -t "$session" C-a x
wait_screen 'VM-EXIT-STATUS=0' 20 || guest_why "C-a x did not end vm-cli with status 0"
guest_end

screen >"$out/tmux-screen.txt" 2>/dev/null
T kill-server 2>/dev/null
guest_summary
