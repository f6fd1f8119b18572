# shellcheck shell=sh
# Guest side of tests/snapshot/smp.sh: one busy loop pinned to each
# online CPU (busybox taskset), each printing "loop N: COUNT cpu=C" every
# 2^bits iterations, so the lines follow CPU progress, not a timer.  C is
# field 39 of /proc/PID/stat (the CPU the loop last ran on), read by the
# loop itself, so a loop that runs elsewhere than where it was pinned
# shows it.  "bits=K" on the kernel command line sets the step (default
# 11; smp.sh passes 10, about a line every 0.5-1 s per hart).
if [ "${1:-}" = loop ]; then
    n=$2 mask=$(($3 - 1)) i=0
    while :; do
        i=$((i + 1))
        if [ $((i & mask)) -eq 0 ]; then
            read -r st </proc/$$/stat
            # shellcheck disable=SC2086  # split the stat line into fields
            set -- $st
            echo "loop $n: $i cpu=${39}"
        fi
    done
fi
bits=11
read -r cmdline </proc/cmdline
for arg in $cmdline; do
    case $arg in bits=*) bits=${arg#bits=} ;; esac
done
cpus=$(nproc)
echo "BUSY4-UP cpus=$cpus step=$((1 << bits))"
n=0
while [ "$n" -lt "$cpus" ]; do
    taskset -c "$n" sh /test.sh loop "$n" $((1 << bits)) &
    n=$((n + 1))
done
wait
