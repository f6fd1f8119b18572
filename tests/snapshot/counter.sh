# Guest side of tests/snapshot: a counter on the console that also shows
# the content of a file on the virtio disk (read from the disk each time:
# the page cache is dropped first), and changes the file at count 8.
# "junk=N" on the kernel command line first fills N MiB of tmpfs with
# random bytes, so a savevm has that much to write.
modprobe virtio_mmio; modprobe virtio_blk; modprobe crc32c_generic; modprobe ext4
mkdir -p /mnt
if [ -e /dev/vda ] && ! mount -t ext2 /dev/vda /mnt 2>/dev/null; then
    mke2fs -q /dev/vda && mount -t ext2 /dev/vda /mnt && echo original >/mnt/file && sync
fi
for arg in $(cat /proc/cmdline); do
    case $arg in junk=*) dd if=/dev/urandom of=/tmp/junk bs=1M count=${arg#junk=} 2>/dev/null ;; esac
done
echo COUNTER-UP
i=0
while :; do
    i=$((i + 1))
    echo 3 >/proc/sys/vm/drop_caches
    echo "COUNT $i $(cat /mnt/file 2>/dev/null || echo nodisk)"
    if [ "$i" -eq 8 ] && [ -e /mnt/file ]; then echo changed >/mnt/file; sync; echo CHANGED; fi
    sleep 1
done
