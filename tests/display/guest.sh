# Guest side of tests/display/run.sh (the initramfs's /test.sh): load
# the display drivers, write a line on the framebuffer console, then
# print the key events the virtio keyboard delivers (with vmtest.gpu-loadvm
# on the kernel line: first show each line read from the serial console).
modprobe virtio_mmio
modprobe virtio_gpu
modprobe virtio_input
modprobe evdev
i=0
while [ ! -e /dev/fb0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kbd=
for d in /sys/class/input/event*; do
    grep -q Keyboard "$d/device/name" 2>/dev/null && kbd=/dev/input/${d##*/}
done
printf '\033[2J\033[H' >/dev/tty0
echo "VIRTIO GPU CONSOLE WORKS" >/dev/tty0
if grep -q vmtest.gpu-loadvm /proc/cmdline; then
    # drive.py gpu-loadvm: each line typed on the serial console replaces the screen.
    echo GPU-LOADVM-READY
    while read -r line; do
        printf '\033[2J\033[H%s\n' "$line" >/dev/tty0
        echo "SHOWN $line"
    done
fi
echo "GUEST-READY fb0=$(cat /sys/class/graphics/fb0/name 2>/dev/null) kbd=$kbd"
/bin/evread "$kbd" 2
echo GUEST-DONE
