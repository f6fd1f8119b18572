#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's main job on real input: Debian 13's netboot installer
# (kernel + initrd.gz from scripts/fetch-guest-images.sh) on the serial
# console.  vm-cli runs inside tmux, so the installer sees a terminal as
# a user's would; the test waits for "Select a language", switches to the
# monitor with Ctrl-A c (muxed on stdio by default), asks `info status`,
# switches back, presses Enter and waits for the next screen, "Select your
# location".  Then the installer again with --smp 4, to "Select a
# language": the kernel's console line "smp: Brought up 1 node, 4 CPUs"
# (the installer passes no "quiet": every kernel line is on the console,
# kept by tmux pipe-pane) shows all four harts came online.  It reads the
# rendered screen (tmux capture-pane) and the console, never elapsed
# time; the limits below only stop a hung guest.
#   tests/boot/installer.sh VM_CLI BUILD_DIR [VM_CLI_ARGS...]
# Extra arguments go to vm-cli (e.g. --accel tier=jit) and name the
# suite (boot/tier=jit/...).
set -u
GUEST_VM=$1 out=$2 GUEST_SUITE=boot
shift 2
extra=
if [ $# -gt 0 ]; then
    extra=$(printf ' %q' "$@")
    GUEST_SUITE="boot/$(echo "$*" | sed 's/--accel //; s/ /,/g')"
fi
# shellcheck source=tests/lib/guest.sh
. "$(dirname "$0")/../lib/guest.sh"
guest_images
mkdir -p "$out"
session=vm-installer-$$
vm=$(cd "$(dirname "$GUEST_VM")" && pwd)/$(basename "$GUEST_VM")

# wait_screen PATTERN SECONDS: poll the tmux pane until PATTERN shows.
wait_screen() {
    local i
    for ((i = 0; i < $2 * 2; i++)); do
        tmux capture-pane -p -t "$session" >"$out/screen.txt" 2>/dev/null || return 1
        grep -q "$1" "$out/screen.txt" && return 0
        sleep 0.5
    done
    return 1
}

finish() { tmux kill-session -t "$session" 2>/dev/null; }
trap finish EXIT

tmux new-session -d -s "$session" -x 80 -y 25 \
    "'$vm' --arch riscv64 --kernel '$VM_INSTALLER_KERNEL' --initrd '$VM_INSTALLER_INITRD' \
     --memory 1G$extra 2>'$out/stderr'; echo VM-EXITED \$?; sleep 60"

if wait_screen "Select a language" 600; then
    guest_pass installer-select-a-language
    cp "$out/screen.txt" "$out/screen-language.txt"
    # make run's command line has no --monitor: the monitor is muxed on
    # stdio anyway, as QEMU's -nographic does.  C-a c and back.
    tmux send-keys -t "$session" C-a c
    if wait_screen '^(vm) ' 20; then
        tmux send-keys -t "$session" -l "info status"
        tmux send-keys -t "$session" Enter
        if wait_screen 'VM status: running' 20; then
            guest_pass monitor-muxed-by-default-info-status
        else
            guest_fail monitor-muxed-by-default-info-status \
                "screen: $(grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' ')"
        fi
    else
        guest_fail monitor-muxed-by-default-info-status \
            "no (vm) prompt after C-a c: $(grep -v '^ *$' "$out/screen.txt" | tail -2 | tr -s ' ')"
    fi
    tmux send-keys -t "$session" C-a c
    sleep 0.5
    # Back on the console, Enter answers the installer's language question.
    tmux send-keys -t "$session" Enter
    if wait_screen "Select your location" 300; then
        guest_pass installer-enter-reaches-select-your-location
    else
        guest_fail installer-enter-reaches-select-your-location \
            "screen: $(grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' ')"
    fi
else
    guest_fail installer-select-a-language \
        "screen: $(grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' ')"
    guest_fail installer-enter-reaches-select-your-location "no first screen"
fi
# Ctrl-A x quits the emulator from the console, leaving the terminal usable.
tmux send-keys -t "$session" C-a x
if wait_screen "VM-EXITED 0" 30; then
    guest_pass console-ctrl-a-x-quits
else
    guest_fail console-ctrl-a-x-quits "screen: $(tail -2 "$out/screen.txt")"
fi

# --- --smp 4: the same installer to its first screen, four harts online ----
finish
session=vm-installer-smp-$$
rm -f "$out/smp-go" "$out/console-smp.raw"
# vm-cli starts once pipe-pane records the pane, so no console line is lost.
tmux new-session -d -s "$session" -x 80 -y 25 \
    "while [ ! -e '$out/smp-go' ]; do sleep 0.1; done; \
     '$vm' --arch riscv64 --kernel '$VM_INSTALLER_KERNEL' --initrd '$VM_INSTALLER_INITRD' \
     --memory 1G --smp 4$extra 2>'$out/stderr-smp'; echo VM-EXITED \$?; sleep 60"
tmux pipe-pane -t "$session" "cat >>'$out/console-smp.raw'"
touch "$out/smp-go"

if wait_screen "Select a language" 600; then
    guest_pass installer-smp4-select-a-language
    cp "$out/screen.txt" "$out/screen-language-smp.txt"
    brought=$(tr -d '\r' <"$out/console-smp.raw" | grep -a -m1 'smp: Brought up')
    case $brought in
    *"smp: Brought up 1 node, 4 CPUs") guest_pass installer-smp4-all-harts-online ;;
    *) guest_fail installer-smp4-all-harts-online "console: '${brought:-no smp: Brought up line}'" ;;
    esac
else
    guest_fail installer-smp4-select-a-language \
        "screen: $(grep -v '^ *$' "$out/screen.txt" | tail -3 | tr -s ' ')"
    guest_fail installer-smp4-all-harts-online "no first screen"
fi
tmux send-keys -t "$session" C-a x
if wait_screen "VM-EXITED 0" 30; then
    guest_pass installer-smp4-ctrl-a-x-quits
else
    guest_fail installer-smp4-ctrl-a-x-quits "screen: $(tail -2 "$out/screen.txt")"
fi
guest_summary
