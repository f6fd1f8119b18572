#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# savevm / loadvm with four harts busy at once.  A busybox guest (--smp 4
# --memory 512M, a qcow2 drive to hold the snapshot, the Unix-socket
# monitor) pins one busy loop to each CPU (tests/snapshot/busy4.sh); each
# prints "loop N: COUNT cpu=C" every 2^bits iterations of its own.  Once
# all four count: `info cpus` lists four harts; stop, note each loop's
# last count L, savevm s1, cont; let every loop count on (to M, its
# latest before the loadvm), stop, loadvm s1, cont.  Every loop must print
# again, its first count after the loadvm F with L < F < M (the state at
# the savevm came back, not the state at the loadvm nor a new boot), and
# go on past M (its hart runs again, beyond what the saved console
# backlog could hold); loop N always on CPU N, so four distinct CPUs.
# Then `quit` ends vm-cli with status 0 and the image checks clean.
# All of it once with a host thread per hart (--accel thread=multi) and
# once round robin on one thread (thread=single).  Assertions are on what
# the guest prints; the limits only stop a hung guest.
#   tests/snapshot/smp.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") out=$2
vmimg=$(dirname "$GUEST_VM")/vm-img
GUEST_SUITE=snapshot-smp
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_images
HANG=400    # a guard against a hung guest, not a measurement
LOOPS=4

if ! "$here/../../scripts/make-initramfs.sh" "$out/busy4.cpio.gz" "$here/busy4.sh" \
        >"$out/initramfs.log" 2>&1; then
    guest_fail initramfs "$(tail -1 "$out/initramfs.log")"
    guest_summary
    exit 1
fi

sock=$out/mon.sock
VM_PID=
BOOT=(--kernel "$VM_KERNEL" --initrd "$out/busy4.cpio.gz" --append "console=ttyS0 quiet bits=10")

# start_vm LOG ARGS...: vm-cli in the background with the socket monitor.
start_vm() {
    local log=$1
    shift
    rm -f "$sock"
    : >"$log"
    "$GUEST_VM" --arch riscv64 "${BOOT[@]}" --monitor "unix:$sock,server,nowait" "$@" \
        </dev/null >"$log" 2>&1 &
    VM_PID=$!
}

mon() { timeout 120 python3 "$here/mon.py" "$sock" "$@"; }

# stop_vm: quit through the monitor, or kill a vm-cli that does not listen.
stop_vm() {
    [ -n "$VM_PID" ] || return 0
    mon quit >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    VM_PID=
}
trap stop_vm EXIT

# loop_stats LOG FROM_LINE: one line per loop, "N LINES FIRST LAST CPUS",
# of its "loop N: COUNT cpu=C" lines after FROM_LINE (FIRST and LAST
# counts, CPUS the distinct C seen, comma-separated; "-" for none).
loop_stats() {
    tail -n +"$(($2 + 1))" "$1" | tr -d '\r' | awk -v loops="$LOOPS" '
        /^loop [0-9]+: [0-9]+ cpu=[0-9]+$/ {
            n = $2 + 0; c = $3 + 0; cpu = substr($4, 5)
            lines[n]++
            if (!(n in first)) first[n] = c
            last[n] = c
            if (index("," cpus[n] ",", "," cpu ",") == 0)
                cpus[n] = cpus[n] (cpus[n] == "" ? "" : ",") cpu
        }
        END {
            for (n = 0; n < loops; n++)
                printf "%d %d %s %s %s\n", n, lines[n] + 0, (n in first) ? first[n] : "-",
                    (n in last) ? last[n] : "-", (cpus[n] == "") ? "-" : cpus[n]
        }'
}

# loops_ready LOG FROM_LINE MIN [ABOVE...]: every loop has MIN lines after
# FROM_LINE, and loop N's last count is above ABOVE[N] when given.
loops_ready() {
    local log=$1 from=$2 min=$3 n lines last
    shift 3
    local above=("$@")
    while read -r n lines _ last _; do
        [ "$lines" -ge "$min" ] || return 1
        [ -z "${above[n]:-}" ] || [ "$last" -gt "${above[n]}" ] || return 1
    done < <(loop_stats "$log" "$from")
}

# wait_loops LOG FROM_LINE MIN [ABOVE...]: poll loops_ready until HANG.
wait_loops() {
    local i
    for ((i = 0; i < HANG * 2; i++)); do
        loops_ready "$@" && return 0
        kill -0 "$VM_PID" 2>/dev/null || break
        sleep 0.5
    done
    loops_ready "$@"
}

# why_loops LOG FROM_LINE: the stats, for a failure's reason.
why_loops() { loop_stats "$1" "$2" | awk '{printf "%sloop %s: %s lines, last %s", s, $1, $2, $4; s="; "}'; }

# expect_pinned LOG FROM_LINE: loop N printed only cpu=N after FROM_LINE,
# so the loops ran on LOOPS distinct CPUs.
expect_pinned() {
    local n cpus
    while read -r n _ _ _ cpus; do
        [ "$cpus" = "$n" ] || guest_why "loop $n ran on cpu(s) $cpus, pinned to $n"
    done < <(loop_stats "$1" "$2")
}

# counts LOG FROM_LINE first|last: the loops' first or last counts, in order.
counts() {
    loop_stats "$1" "$2" | awk -v f="$3" '{printf "%s ", f == "first" ? $3 : $4}'
}

smp_case() {
    local mode=$1 log=$out/$1.log img=$out/$1.qcow2 n1 n2 rc i t booted
    local -a low high got
    # shellcheck disable=SC2034  # read by guest.sh
    GUEST_SUITE=snapshot-smp/thread=$mode
    rm -f "$img"
    "$vmimg" create -f qcow2 "$img" 64M >/dev/null
    start_vm "$log" --smp 4 --memory 512M --accel "thread=$mode" --drive "file=$img,format=qcow2"

    guest_begin four-loops-on-four-cpus
    if wait_loops "$log" 0 2; then
        grep -q "^BUSY4-UP cpus=$LOOPS " <(tr -d '\r' <"$log") ||
            guest_why "$(tr -d '\r' <"$log" | grep -m1 BUSY4-UP || echo no BUSY4-UP line)"
        expect_pinned "$log" 0
    else
        guest_why "not every loop counted: $(why_loops "$log" 0); $(tail -1 "$log" | tr -d '\r')"
    fi
    booted=$GUEST_WHY
    guest_end
    if [ -n "$booted" ]; then
        for t in info-cpus-lists-4-harts savevm-loadvm-resumes-all-4-loops quit-exits-0; do
            guest_fail "$t" "no guest with four loops"
        done
        stop_vm
        return
    fi

    guest_begin info-cpus-lists-4-harts
    mon "info cpus" >"$out/$mode-cpus.out"
    [ "$(grep -cE '^[* ] CPU #[0-3]: pc=0x[0-9a-f]{16} priv=[USM]' "$out/$mode-cpus.out")" -eq 4 ] ||
        guest_why "info cpus: $(grep -v -- '--END--' "$out/$mode-cpus.out" | tr '\n' '|')"
    grep -q 'CPU #4' "$out/$mode-cpus.out" && guest_why "info cpus lists a fifth hart"
    guest_end

    guest_begin savevm-loadvm-resumes-all-4-loops
    mon stop >/dev/null
    read -ra low <<<"$(counts "$log" 0 last)"
    mon "savevm s1" >"$out/$mode-savevm.out"
    mon cont >/dev/null
    n1=$(wc -l <"$log")
    [ "$(grep -vc -- '--END--' "$out/$mode-savevm.out")" -eq 0 ] ||
        guest_why "savevm printed: $(head -1 "$out/$mode-savevm.out")"
    # On past the savevm: three lines each, so M is well above L.
    if wait_loops "$log" "$n1" 3; then
        mon stop >/dev/null
        n2=$(wc -l <"$log")
        read -ra high <<<"$(counts "$log" 0 last)"
        mon "loadvm s1" >"$out/$mode-loadvm.out"
        mon cont >/dev/null
        [ "$(grep -vc -- '--END--' "$out/$mode-loadvm.out")" -eq 0 ] ||
            guest_why "loadvm printed: $(head -1 "$out/$mode-loadvm.out")"
        if wait_loops "$log" "$n2" 1 "${high[@]}"; then
            read -ra got <<<"$(counts "$log" "$n2" first)"
            for ((i = 0; i < LOOPS; i++)); do
                if [ "${got[i]}" -le "${low[i]}" ] || [ "${got[i]}" -ge "${high[i]}" ]; then
                    guest_why "loop $i: ${got[i]} after loadvm; ${low[i]} at savevm, ${high[i]} before loadvm"
                fi
            done
            expect_pinned "$log" "$n2"
        else
            guest_why "not every loop went on past its count before the loadvm: $(why_loops "$log" "$n2")"
        fi
        echo "  (at savevm ${low[*]}; before loadvm ${high[*]}; after loadvm $(counts "$log" "$n2" first))"
    else
        guest_why "not every loop counted on after the savevm: $(why_loops "$log" "$n1")"
    fi
    guest_end

    guest_begin quit-exits-0
    mon quit >"$out/$mode-quit.out" 2>&1
    rc=124
    for ((i = 0; i < 150; i++)); do
        if ! kill -0 "$VM_PID" 2>/dev/null; then wait "$VM_PID"; rc=$?; VM_PID=; break; fi
        sleep 0.2
    done
    [ "$rc" -eq 0 ] || guest_why "vm-cli status $rc after quit (124: still running)"
    stop_vm
    "$vmimg" check "$img" >"$out/$mode-check.out" 2>&1 ||
        guest_why "vm-img check: $(tail -1 "$out/$mode-check.out")"
    "$vmimg" snapshot -l "$img" 2>&1 | grep -qE '^1 +s1( |$)' || guest_why "s1 not in the image"
    guest_end
}

smp_case multi
smp_case single
guest_summary
