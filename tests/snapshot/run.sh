#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# savevm / loadvm / delvm on a real guest (DESIGN.md §7): a busybox guest
# prints a counter with the content of a file on its qcow2 disk and
# changes the file at count 8.  Through the Unix-socket monitor: savevm
# s1 at count k, let the guest change both, loadvm s1: the counter goes
# on at k+1 and the file reads "original" again (read from the disk, not
# the page cache).  Then: --loadvm at start, a snapshot refused by a
# machine with other --memory/--smp/devices (one line, status 2, image
# untouched), savevm without a qcow2 drive, --state-file, SIGKILL during
# savevm (earlier snapshot and data intact, qemu-img check clean apart
# from leaks), and the stdio monitor driven through tmux as a person
# would.  Assertions are on what the guest prints and what qemu-img
# reads; the limits only stop a hung guest.
#   tests/snapshot/run.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2
vmimg=$(dirname "$GUEST_VM")/vm-img
GUEST_SUITE=snapshot
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_images
HANG=180    # a guard against a hung guest, not a measurement

if ! "$here/../../scripts/make-initramfs.sh" "$out/counter.cpio.gz" "$here/counter.sh" \
        >"$out/initramfs.log" 2>&1; then
    guest_fail initramfs "$(tail -1 "$out/initramfs.log")"
    guest_summary
    exit 1
fi

sock=$out/mon.sock
VM_PID=
BOOT=(--kernel "$VM_KERNEL" --initrd "$out/counter.cpio.gz" --append "console=ttyS0 quiet")

# start_vm LOG ARGS...: vm-cli in the background with the socket monitor
# (VM_PID is vm-cli itself, so a SIGKILL reaches it; stop_vm ends it).
start_vm() {
    local log=$1
    shift
    rm -f "$sock"
    : >"$log"
    "$GUEST_VM" --arch riscv64 "${BOOT[@]}" --monitor "unix:$sock,server,nowait" "$@" \
        </dev/null >"$log" 2>&1 &
    VM_PID=$!
}

# wait_log LOG PATTERN SECONDS [FROM_LINE]: until LOG (after line FROM_LINE) matches PATTERN.
wait_log() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        tail -n +"$((${4:-0} + 1))" "$1" | tr -d '\r' | grep -qE -- "$2" && return 0
        kill -0 "$VM_PID" 2>/dev/null || break
        sleep 0.2
    done
    tail -n +"$((${4:-0} + 1))" "$1" | tr -d '\r' | grep -qE -- "$2"
}

last_count() { tr -d '\r' <"$1" | grep -oE '^COUNT [0-9]+' | tail -1 | cut -d' ' -f2; }
# first_count LOG FROM_LINE: the first "COUNT n text" line after FROM_LINE.
first_count() { tail -n +"$(($2 + 1))" "$1" | tr -d '\r' | grep -E '^COUNT [0-9]+' | head -1; }
mon() { python3 "$here/mon.py" "$sock" "$@"; }

# stop_vm: quit through the monitor, or kill a vm-cli that does not listen.
stop_vm() {
    [ -n "$VM_PID" ] || return 0
    mon quit >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
    kill "$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    VM_PID=
}
trap stop_vm EXIT

# check_image IMG: qemu-img check finds no corruption (leaks allowed: status 3).
check_image() {
    local rc=0
    qemu-img check "$1" >"$out/check.log" 2>&1 || rc=$?
    # A kill inside savevm's refcount update leaves the dirty bit set (spec:
    # "refcounts may be inconsistent"); the repair a read-write open runs
    # (as QEMU's does; vm-img check -r all is the same code) must leave the
    # image clean.
    if [ "$rc" -eq 2 ] && [ $(( $(od -An -tu1 -j79 -N1 "$1") & 1 )) -eq 1 ]; then
        echo "  (killed in the dirty window: $(grep -m1 -E 'ERROR' "$out/check.log"))"
        "$vmimg" check -r all "$1" >"$out/repair.log" 2>&1
        rc=0
        qemu-img check "$1" >"$out/check.log" 2>&1 || rc=$?
    fi
    [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
        guest_why "qemu-img check status $rc: $(grep -m1 -iE 'error|corrupt' "$out/check.log")"
}

img=$out/disk.qcow2
rm -f "$img"
qemu-img create -q -f qcow2 "$img" 64M

# --- savevm, guest changes counter and file, loadvm ------------------------
log=$out/live.log
start_vm "$log" --memory 512M --drive "file=$img,format=qcow2"
guest_begin savevm-through-socket
k=
if wait_log "$log" '^COUNT 3 original' 120; then
    mon stop >/dev/null
    k=$(last_count "$log")
    mon "savevm s1" >"$out/savevm.out"
    mon cont >/dev/null
    [ "$(grep -vc -- '--END--' "$out/savevm.out")" -eq 0 ] ||
        guest_why "savevm printed: $(head -1 "$out/savevm.out")"
    mon "info snapshots" >"$out/info.out"
    grep -qE '^1 +s1 +[0-9.]+ MiB' "$out/info.out" ||
        guest_why "info snapshots: $(grep -v -- '--END--' "$out/info.out" | tail -1)"
else
    guest_why "the guest did not count to 3 with its file: $(tail -1 "$log")"
fi
guest_end

guest_begin qemu-img-lists-vm-state
qemu-img snapshot -U -l "$img" >"$out/qemu-img-l.out" 2>&1
grep -qE '^1 +s1 +[0-9.]+ MiB ' "$out/qemu-img-l.out" ||
    guest_why "qemu-img snapshot -l: $(tail -1 "$out/qemu-img-l.out")"
guest_end

guest_begin loadvm-restores-counter-and-file
if [ -n "$k" ] && wait_log "$log" '^COUNT 1[0-9] changed' 60; then
    mon stop >/dev/null
    n=$(wc -l <"$log")
    mon "loadvm s1" >"$out/loadvm.out"
    mon cont >/dev/null
    [ "$(grep -vc -- '--END--' "$out/loadvm.out")" -eq 0 ] ||
        guest_why "loadvm printed: $(head -1 "$out/loadvm.out")"
    wait_log "$log" '^COUNT ' 30 "$n" || guest_why "no count after loadvm"
    got=$(first_count "$log" "$n")
    [ "$got" = "COUNT $((k + 1)) original" ] ||
        guest_why "after loadvm: '$got', expected 'COUNT $((k + 1)) original'"
else
    guest_why "no snapshot, or the guest did not change its file"
fi
guest_end

guest_begin loadvm-unknown-name-changes-nothing
mon "loadvm nosuch" "delvm nosuch" >"$out/nosuch.out"
grep -q "^loadvm: no snapshot 'nosuch'" "$out/nosuch.out" || guest_why "loadvm nosuch: $(head -1 "$out/nosuch.out")"
grep -q "^delvm: no snapshot 'nosuch'" "$out/nosuch.out" || guest_why "delvm nosuch"
mon "info status" | grep -q 'running' || guest_why "not running after the failed loadvm"
guest_end

guest_begin savevm-replaces-and-delvm-deletes
mon "savevm s2" "savevm s2" "info snapshots" >"$out/s2.out"
[ "$(grep -cE '^[0-9]+ +s2 ' "$out/s2.out")" -eq 1 ] || guest_why "not one s2 after two savevm s2"
mon "delvm s2" "info snapshots" >"$out/delvm.out"
grep -qE ' s2 ' "$out/delvm.out" && guest_why "s2 listed after delvm"
grep -qE '^1 +s1 ' "$out/delvm.out" || guest_why "s1 gone after delvm s2"
guest_end
stop_vm

guest_begin image-clean-after-session
check_image "$img"
guest_end

# --- --loadvm at start ----------------------------------------------------
guest_begin loadvm-option-at-start
log=$out/start.log
start_vm "$log" --memory 512M --drive "file=$img,format=qcow2" --loadvm s1
if [ -n "$k" ] && wait_log "$log" '^COUNT ' 60; then
    got=$(first_count "$log" 0)
    [ "$got" = "COUNT $((k + 1)) original" ] ||
        guest_why "first line '$got', expected 'COUNT $((k + 1)) original'"
    grep -q COUNTER-UP "$log" && guest_why "the guest booted instead of resuming"
else
    guest_why "no count: $(tail -1 "$log")"
fi
stop_vm
guest_end

# --- another configuration is refused ---------------------------------------
sum=$(sha256sum <"$img")
for cfg in "--memory 256M" "--smp 2" "--netdev user"; do
    name=refuse-${cfg#--}
    guest_begin "${name// /-}"
    # shellcheck disable=SC2086  # cfg is two words on purpose
    timeout "$HANG" "$GUEST_VM" --arch riscv64 "${BOOT[@]}" --memory 512M $cfg \
        --drive "file=$img,format=qcow2" --loadvm s1 </dev/null >"$out/refuse.log" 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || guest_why "status $rc, expected 2"
    [ "$(wc -l <"$out/refuse.log")" -eq 1 ] || guest_why "$(wc -l <"$out/refuse.log") lines"
    case $cfg in
    --netdev*) want="another machine configuration: .*'virtio-net'" ;;
    *) want="was taken with --memory 512M --smp 1; this machine has $cfg" ;;
    esac
    [ "$cfg" = "--smp 2" ] && want="this machine has --memory 512M --smp 2"
    grep -qE -- "^vm-cli: --loadvm: .*$want" "$out/refuse.log" ||
        guest_why "message: $(head -1 "$out/refuse.log")"
    [ "$(sha256sum <"$img")" = "$sum" ] || guest_why "the image changed"
    guest_end
done

# --- no qcow2 drive; --state-file ---------------------------------------------
guest_begin savevm-without-qcow2-says-so
log=$out/nodisk.log
start_vm "$log" --memory 256M
if wait_log "$log" '^COUNT 2 ' 120; then
    mon "savevm s1" "info snapshots" >"$out/nodisk.out"
    grep -q '^savevm: no writable qcow2 drive' "$out/nodisk.out" ||
        guest_why "savevm: $(head -1 "$out/nodisk.out")"
else
    guest_why "the guest did not count: $(tail -1 "$log")"
fi
stop_vm
guest_end

guest_begin state-file-save-and-load
state=$out/state.vmstate
rm -f "$state"
log=$out/statefile.log
start_vm "$log" --memory 256M --state-file "$state"
sk=
if wait_log "$log" '^COUNT 2 ' 120; then
    mon stop >/dev/null
    sk=$(last_count "$log")
    mon "savevm f1" >"$out/statefile.out"
    [ "$(grep -vc -- '--END--' "$out/statefile.out")" -eq 0 ] ||
        guest_why "savevm: $(head -1 "$out/statefile.out")"
    [ -s "$state" ] || guest_why "no state file"
fi
stop_vm
log=$out/statefile2.log
start_vm "$log" --memory 256M --state-file "$state" --loadvm f1
if [ -n "$sk" ] && wait_log "$log" '^COUNT ' 60; then
    got=$(first_count "$log" 0)
    [ "$got" = "COUNT $((sk + 1)) nodisk" ] || guest_why "first line '$got' after --loadvm f1"
else
    guest_why "no count after --loadvm f1: $(tail -1 "$log")"
fi
stop_vm
guest_end

# --- SIGKILL during savevm -------------------------------------------------
# 48 MiB of random bytes in the guest's tmpfs, stored uncompressed (-n):
# the VM state is about 70 MiB, and the kill comes once the image has
# grown by `grow` MiB, i.e. inside the state write (0: right at the start).
for grow in 0 8 40; do
    guest_begin "sigkill-during-savevm-after-${grow}MiB"
    cimg=$out/crash.qcow2
    cp "$img" "$cimg"
    size0=$(stat -c %s "$cimg")
    log=$out/crash.log
    BOOT=(--kernel "$VM_KERNEL" --initrd "$out/counter.cpio.gz" --append "console=ttyS0 quiet junk=48")
    start_vm "$log" --memory 512M --drive "file=$cimg,format=qcow2"
    if wait_log "$log" '^COUNT 2 ' 180; then
        mon "savevm -n s2" >/dev/null 2>&1 &
        for _ in $(seq 1000); do
            [ $(($(stat -c %s "$cimg") - size0)) -ge $((grow << 20)) ] && break
            sleep 0.01
        done
        kill -9 "$VM_PID" 2>/dev/null
        wait "$VM_PID" 2>/dev/null
        wait
        VM_PID=
        check_image "$cimg"
        qemu-img snapshot -l "$cimg" >"$out/crash-l.out" 2>&1
        grep -qE '^1 +s1 ' "$out/crash-l.out" || guest_why "s1 is gone"
        echo "  (killed at +${grow} MiB: $(grep -cE ' s2 ' "$out/crash-l.out") s2, image grew by" \
             "$((($(stat -c %s "$cimg") - size0) >> 20)) MiB," \
             "qemu-img check: $(grep -oE '[0-9]+ leaked clusters' "$out/check.log" || echo no leaks))"
        BOOT=(--kernel "$VM_KERNEL" --initrd "$out/counter.cpio.gz" --append "console=ttyS0 quiet")
        log=$out/crash2.log
        start_vm "$log" --memory 512M --drive "file=$cimg,format=qcow2" --loadvm s1
        if wait_log "$log" '^COUNT ' 60; then
            got=$(first_count "$log" 0)
            [ "$got" = "COUNT $((k + 1)) original" ] || guest_why "s1 resumes with '$got'"
        else
            guest_why "s1 does not load: $(tail -1 "$log")"
        fi
        stop_vm
    else
        guest_why "the guest did not count: $(tail -1 "$log")"
        stop_vm
    fi
    BOOT=(--kernel "$VM_KERNEL" --initrd "$out/counter.cpio.gz" --append "console=ttyS0 quiet")
    guest_end
done

# --- the stdio monitor through tmux, as a person types it -------------------
if ! command -v tmux >/dev/null; then
    guest_fail tmux "tmux not installed (scripts/install-deps.sh)"
    guest_summary
    exit
fi
tsock=$out/tmux.sock
session=vmsnap$$
T() { tmux -S "$tsock" "$@"; }
screen() { T capture-pane -p -J -S -2000 -t "$session"; }
wait_screen() {
    for _ in $(seq $((${2:-30} * 5))); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.2
    done
    return 1
}
# type CMD: type a monitor command and Enter, wait for one more prompt.
type_cmd() {
    local before
    before=$(screen | grep -cE '^\(vm\) ')
    T send-keys -t "$session" -l "$1"
    T send-keys -t "$session" Enter
    for _ in $(seq 300); do
        [ "$(screen | grep -cE '^\(vm\) ')" -gt "$before" ] && return 0
        sleep 0.2
    done
    return 1
}
timg=$out/tmux.qcow2
rm -f "$timg"
qemu-img create -q -f qcow2 "$timg" 64M
T kill-server 2>/dev/null
T new-session -d -s "$session" -x 160 -y 50 \
    "timeout --foreground --kill-after=5 $HANG $GUEST_VM --arch riscv64 --kernel $VM_KERNEL \
     --initrd $out/counter.cpio.gz --memory 512M --append 'console=ttyS0 quiet' \
     --drive file=$timg,format=qcow2 --monitor stdio; echo VM-EXIT-STATUS=\$?; sleep 30"
T set-option -t "$session" history-limit 5000 >/dev/null

guest_begin tmux-monitor-session
if wait_screen '^COUNT 2 ' 120; then
    T send-keys -t "$session" C-a c
    wait_screen '^\(vm\) ' 10 || guest_why "no (vm) prompt after C-a c"
    type_cmd "info registers" || guest_why "no prompt after info registers"
    screen | grep -qE '^pc +[0-9a-f]{16} +priv [USM]' || guest_why "info registers: no pc line"
    type_cmd 'x/4i $pc' || guest_why "no prompt after x/4i"
    [ "$(screen | grep -cE '^0x[0-9a-f]{16}: +[0-9a-f]{4,8} +[a-z]')" -ge 4 ] ||
        guest_why "x/4i \$pc: fewer than 4 disassembled lines"
    type_cmd stop || guest_why "no prompt after stop"
    type_cmd "info status"
    screen | tail -3 | grep -q 'VM status: paused' || guest_why "not paused after stop"
    type_cmd "savevm t1" || guest_why "no prompt after savevm"
    type_cmd cont || guest_why "no prompt after cont"
    type_cmd "info status"
    screen | tail -3 | grep -q 'VM status: running' || guest_why "not running after cont"
    type_cmd "info snapshots" || guest_why "no prompt after info snapshots"
    screen | grep -qE '^1 +t1 +[0-9.]+ MiB 20[0-9-]+ [0-9:]+ [0-9:.]+$' ||
        guest_why "info snapshots shows no t1"
    # Tab completes the snapshot name.
    T send-keys -t "$session" -l "loadvm t"
    T send-keys -t "$session" Tab
    T send-keys -t "$session" Enter
    wait_screen '^\(vm\) loadvm t1 *$' 10 || guest_why "Tab did not complete 'loadvm t'"
    wait_screen '^\(vm\) loadvm t1 *$' 1 && sleep 1
    type_cmd "info status" || guest_why "no prompt after loadvm"
    # Typed ahead: commands arrive faster than the monitor reads them.
    for _ in $(seq 10); do
        T send-keys -t "$session" -l "p 0x2a"
        T send-keys -t "$session" Enter
    done
    sleep 3
    [ "$(screen | grep -cE '^0x2a$')" -ge 10 ] ||
        guest_why "typed-ahead commands: $(screen | grep -cE '^0x2a$') of 10 answered"
    screen | grep -q 'unknown command' && guest_why "typed-ahead text was split into lines"
    T send-keys -t "$session" C-a x
    wait_screen 'VM-EXIT-STATUS=0' 20 || guest_why "C-a x did not end vm-cli with status 0"
else
    guest_why "the guest did not count in tmux"
fi
screen >"$out/tmux-screen.txt" 2>/dev/null
guest_end
T kill-server 2>/dev/null

guest_summary
