#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# GDB remote stub tests: gdb-multiarch in batch mode against vm-cli.
# A bare-metal program (prog-start.S, prog.c) checks breakpoints,
# registers, disassembly, stepi (compressed instruction, ecall into the
# trap vector), register writes, watchpoints and detach through its exit
# code, and on two harts that -S runs nothing and stepi steps one thread;
# a busybox Linux guest with two harts checks threads, interrupt
# and per-thread CSRs; raw sockets check that malformed packets and
# dropped clients leave the guest running.  Timeouts only guard hangs.
# Usage: tests/gdb/run.sh VM_CLI BUILD_DIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VM_CLI BUILD_DIR" >&2; exit 2; }
GUEST_VM=$1 out=$2/gdb
GUEST_SUITE=gdb
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/guest.sh
. "$here/../lib/guest.sh"
mkdir -p "$out"
GDB=${GDB:-gdb-multiarch}
CROSS=${TL_CROSS:-riscv64-linux-gnu-}
HANG=60

pass() { guest_pass "$1"; }
fail() { guest_fail "$1" "$2"; }

command -v "$GDB" >/dev/null || { fail setup "$GDB not installed (scripts/install-deps.sh)"; guest_summary; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens there (vm-cli started).  Reads
# /proc/net/tcp rather than connecting: a connection is a gdb client.
wait_port() {
    local hex
    hex=$(printf '%04X' "$1")
    for _ in $(seq 100); do
        awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp \
            && return 0
        sleep 0.1
    done
    return 1
}

# run_gdb LOG ARGS...: gdb-multiarch batch with a timeout guard.
run_gdb() {
    local log=$1
    shift
    timeout --kill-after=5 "$HANG" "$GDB" -batch -nx -ex 'set confirm off' \
        -ex 'set pagination off' "$@" >"$log" 2>&1
}

# --- bare-metal program ------------------------------------------------
elf=$out/prog.elf
if ! "${CROSS}gcc" -g -O1 -march=rv64gc -mabi=lp64d -mcmodel=medany -fno-pie -ffreestanding \
        -nostdlib -nostartfiles -static -Wl,--build-id=none -T "$here/../isa/runtime/link.ld" \
        -o "$elf" "$here/prog-start.S" "$here/prog.c" 2>"$out/build.err"; then
    fail build "$(head -1 "$out/build.err")"
    guest_summary
    exit 1
fi
sym() { "${CROSS}nm" "$elf" | awk -v s="$1" '$3 == s { print $1 }' | sed 's/^0*//'; }
func=$(sym func) cstep=$(sym cstep) ecall_at=$(sym ecall_at) tvec=$(sym trap_vector)

# start_vm PORT LOG ARGS...: vm-cli in the background; VM_PID.
start_vm() {
    local port=$1 log=$2
    shift 2
    timeout --kill-after=5 "$HANG" "$GUEST_VM" --arch riscv64 --gdb "tcp::$port" "$@" \
        </dev/null >"$log" 2>&1 &
    VM_PID=$!
    wait_port "$port"
}

# Session 1: break, registers, disassembly, stepi, set $a0, watch, detach.
port=$(free_port)
start_vm "$port" "$out/vm1.log" -S --bios none --kernel "$elf"
run_gdb "$out/gdb1.log" -ex 'set osabi none' -ex "file $elf" -ex "target remote :$port" \
    -ex 'break cstep' -ex 'continue' \
    -ex 'printf "AT-CSTEP %lx\n", $pc' -ex 'stepi' -ex 'printf "STEP1 %lx\n", $pc' \
    -ex 'stepi' -ex 'printf "STEP2 %lx\n", $pc' -ex 'stepi' -ex 'printf "STEP3 %lx\n", $pc' \
    -ex 'delete' -ex 'break func' -ex 'continue' -ex 'info registers pc' \
    -ex 'printf "DISAS-BEGIN\n"' -ex 'x/4i $pc' -ex 'printf "DISAS-END\n"' \
    -ex 'set $a0 = 5' -ex 'watch var' -ex 'continue' -ex 'printf "WATCH-PC %lx\n", $pc' \
    -ex 'printf "PRIV %d SATP %lx\n", $priv, $satp' -ex 'detach'
wait "$VM_PID"
rc1=$?

if grep -Eq "^pc +0x$func[[:space:]]" "$out/gdb1.log"; then pass break-func
else fail break-func "info registers shows no pc at func (0x$func)"; fi

grep -q "^AT-CSTEP $cstep$" "$out/gdb1.log" && grep -q "^STEP1 $(printf %x $((0x$cstep + 2)))$" \
    "$out/gdb1.log" && grep -q "^STEP2 $ecall_at$" "$out/gdb1.log" \
    && pass stepi-compressed || fail stepi-compressed "stepi from cstep did not go +2 then +4"
grep -q "^STEP3 $tvec$" "$out/gdb1.log" && pass stepi-ecall \
    || fail stepi-ecall "stepi on ecall did not land at trap_vector (0x$tvec)"

gdb_ins=$(sed -n '/^DISAS-BEGIN/,/^DISAS-END/p' "$out/gdb1.log" | sed -n 's/.*>:[[:space:]]*//p' \
    | awk '{ print $1 }' | tr '\n' ' ')
obj_ins=$("${CROSS}objdump" -d "$elf" | sed -n "/^0*$func <func>:/,/^$/p" | sed -n '2,5p' \
    | awk -F'\t' '{ print $3 }' | awk '{ print $1 }' | tr '\n' ' ')
if [ -n "$gdb_ins" ] && [ "$gdb_ins" = "$obj_ins" ]; then pass disas
else fail disas "x/4i gave '$gdb_ins', objdump '$obj_ins'"; fi

grep -q "New value = 8" "$out/gdb1.log" && grep -q "^WATCH-PC " "$out/gdb1.log" \
    && pass watch || fail watch "no watchpoint stop with New value = 8"
grep -q "^PRIV 3 SATP 0$" "$out/gdb1.log" && pass csr-regs || fail csr-regs "priv/satp not 3/0"
[ "$rc1" -eq 8 ] && pass set-a0-detach || fail set-a0-detach "exit code $rc1, want 8 (a0 = 5)"

# Session 2: no changes, detach at func: the program's own exit code.
port=$(free_port)
start_vm "$port" "$out/vm2.log" -S --bios none --kernel "$elf"
run_gdb "$out/gdb2.log" -ex "file $elf" -ex "target remote :$port" -ex 'break func' \
    -ex 'continue' -ex 'printf "A0 %d\n", $a0' -ex 'detach'
wait "$VM_PID"
rc2=$?
grep -q "^A0 7$" "$out/gdb2.log" && [ "$rc2" -eq 10 ] && pass detach \
    || fail detach "exit code $rc2 (want 10) or a0 not 7 at func"

# Session 3: two harts, each on a host thread (--smp 2 is thread=multi).
# Started stopped (-S), neither has run an instruction; stepi moves only
# the selected thread (_start is lla sp, then lla t0: 4-byte instructions).
port=$(free_port)
start_vm "$port" "$out/vm3.log" -S --bios none --kernel "$elf" --smp 2
run_gdb "$out/gdb-smp.log" -ex 'set osabi none' -ex "file $elf" -ex "target remote :$port" \
    -ex 'thread 2' -ex 'stepi' -ex 'stepi' -ex 'printf "T2 %lx\n", $pc' \
    -ex 'thread 1' -ex 'printf "T1 %lx\n", $pc' -ex 'stepi' -ex 'printf "T1S %lx\n", $pc' \
    -ex 'thread 2' -ex 'printf "T2S %lx\n", $pc' -ex 'kill'
wait "$VM_PID"
start=$(sym _start)
at() { printf '%x' $((0x$start + $1)); }
got=$(grep -E '^T(1|2|1S|2S) ' "$out/gdb-smp.log" | tr '\n' ' ')
if [ "$got" = "T2 $(at 8) T1 $start T1S $(at 4) T2S $(at 8) " ]; then pass smp-thread-stepi
else fail smp-thread-stepi "got '$got', _start $start"; fi

# -S with neither a stub nor a monitor (the serial is off stdio) is refused.
if "$GUEST_VM" --arch riscv64 --bios none --kernel "$elf" --serial "file:$out/s.serial" -S \
        >"$out/s.log" 2>&1; then
    fail S-needs-gdb "-S without --gdb or a monitor was accepted"
else grep -q -- "-S: needs --gdb" "$out/s.log" && pass S-needs-gdb \
    || fail S-needs-gdb "$(head -1 "$out/s.log")"; fi

# --- Linux guest: threads, interrupt, CSRs; robustness ------------------
guest_images
printf '%s\n' 'while true; do echo TICK; sleep 1; done' >"$out/loop.sh"
if ! "$here/../../scripts/make-initramfs.sh" "$out/loop.cpio.gz" "$out/loop.sh" \
        2>"$out/initramfs.err"; then
    fail initramfs "$(head -1 "$out/initramfs.err")"
    guest_summary
    exit 1
fi
port=$(free_port)
HANG=180
start_vm "$port" "$out/linux.log" --smp 2 --kernel "$VM_KERNEL" --initrd "$out/loop.cpio.gz" \
    --memory 512M --append "console=ttyS0"
for _ in $(seq 120); do grep -q TICK "$out/linux.log" && break; sleep 1; done
# gdb continues; SIGINT to gdb makes it send Ctrl-C, then the rest runs.
"$GDB" -batch -nx -ex 'set confirm off' -ex "target remote :$port" -ex 'info threads' \
    -ex 'continue' \
    -ex 'thread 1' -ex 'printf "T1 satp=%lx sp=%lx priv=%d\n", $satp, $sp, $priv' \
    -ex 'thread 2' -ex 'printf "T2 satp=%lx sp=%lx priv=%d\n", $satp, $sp, $priv' -ex 'detach' \
    >"$out/gdb3.log" 2>&1 &
gdb_pid=$!
sleep 5
kill -INT "$gdb_pid"
for _ in $(seq 30); do kill -0 "$gdb_pid" 2>/dev/null || break; sleep 1; done
kill -KILL "$gdb_pid" 2>/dev/null
wait "$gdb_pid"
[ "$(grep -c '^ *\*\? *[12] *Thread [12] ' "$out/gdb3.log")" -ge 2 ] && pass linux-threads \
    || fail linux-threads "gdb did not list 2 threads"
grep -q "SIGINT" "$out/gdb3.log" && pass linux-interrupt || fail linux-interrupt "no SIGINT stop"
# satp mode Sv39/48/57 (8, 9, 10) and a kernel-half sp on both harts.
if grep -Eq '^T1 satp=[89a][0-9a-f]{15} sp=ff' "$out/gdb3.log" &&
   grep -Eq '^T2 satp=[89a][0-9a-f]{15} sp=ff' "$out/gdb3.log"; then pass linux-satp-sp
else fail linux-satp-sp "no paging satp / kernel sp on both threads"; fi

# Robustness: a malformed packet, an oversized one, a client gone mid-packet.
python3 - "$port" >"$out/raw.log" 2>&1 <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
def pkt(body):
    return b"$" + body + b"#%02x" % (sum(body) & 0xff)
s.sendall(pkt(b"mzz,4"))          # malformed address
time.sleep(0.5)
r = s.recv(4096)
print("MALFORMED", r)
s.sendall(pkt(b"m" + b"0" * 9000)) # longer than PacketSize
time.sleep(0.5)
print("OVERSIZED", s.recv(4096))
s.sendall(b"$m80000000,")         # gone mid-packet
s.close()
EOF
grep -q "MALFORMED b'+\$E01#a6'" "$out/raw.log" && pass malformed || fail malformed "$(head -1 "$out/raw.log")"
grep -q "OVERSIZED b'+\$E01#a6'" "$out/raw.log" && pass oversized || fail oversized "$(sed -n 2p "$out/raw.log")"
n0=$(grep -c TICK "$out/linux.log")
sleep 3
n1=$(grep -c TICK "$out/linux.log")
[ "$n1" -gt "$n0" ] && pass runs-after-disconnect || fail runs-after-disconnect "guest stopped printing"
run_gdb "$out/gdb4.log" -ex "target remote :$port" -ex 'printf "PC %lx\n", $pc' -ex 'kill'
grep -q "^PC ff" "$out/gdb4.log" && pass reconnect || fail reconnect "a new gdb could not read pc"
wait "$VM_PID"

guest_summary
