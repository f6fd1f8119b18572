#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build a busybox initramfs for guest tests (DESIGN.md §8).
#
#   scripts/make-initramfs.sh OUT.cpio.gz SCRIPT [--modules DIR|none] [--add FILE:PATH]...
#                             [--add-modules "M..."]
#
# The image holds Debian's static riscv64 busybox (VM_BUSYBOX) as
# /bin/busybox, the mount points /dev /proc /sys /tmp, SCRIPT as /test.sh,
# the virtio, ext4 and isofs modules of the kernel (decompressed, with a
# modules.dep that busybox modprobe reads) and an /init that mounts
# proc, sysfs and devtmpfs, installs the applet links, runs
# `sh /test.sh` and then `poweroff -f`.  Each --add copies FILE (e.g. a
# static test program) to PATH in the image, mode kept.  --add-modules
# names more modules to copy with their dependencies (e.g. "virtio_gpu
# virtio_input evdev" for the display tests).  The modules come from DIR, else
# from VM_KERNEL_MODULES; "none" leaves them out.  VM_BUSYBOX and
# VM_KERNEL_MODULES are taken from the environment, else from the
# images.env that scripts/fetch-guest-images.sh writes.
#
# The archive (newc, gzip) is written here directly rather than with
# cpio(1), so the build needs only bash, coreutils, gzip and xz-utils, needs
# no root for /dev/console, and is byte-for-byte reproducible: fixed inode
# numbers, mtime 0, owner root, sorted entries.
set -euo pipefail

die() { echo "make-initramfs.sh: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: make-initramfs.sh OUT.cpio.gz SCRIPT [--modules DIR|none]"
out=$1 script=$2
shift 2
moddir= extra_modules=
adds=()
while [ $# -gt 0 ]; do
    case $1 in
    --modules) [ $# -ge 2 ] || die "--modules needs a directory"; moddir=$2; shift 2 ;;
    --add-modules) [ $# -ge 2 ] || die "--add-modules needs module names"
        extra_modules=$2; shift 2 ;;
    --add)
        [ $# -ge 2 ] && [[ $2 == ?*:/?* ]] || die "--add needs FILE:/PATH"
        [ -f "${2%%:*}" ] || die "--add: ${2%%:*}: no such file"
        adds+=("$2"); shift 2 ;;
    *) die "$1: unknown option" ;;
    esac
done
[ -f "$script" ] || die "$script: no such file"
for tool in gzip xz; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian package: ${tool/xz/xz-utils})"
done

if [ -z "${VM_BUSYBOX:-}" ] || { [ -z "$moddir" ] && [ -z "${VM_KERNEL_MODULES:-}" ]; }; then
    env_file=${XDG_CACHE_HOME:-$HOME/.cache}/vm/images.env
    [ -f "$env_file" ] || die "$env_file missing: run scripts/fetch-guest-images.sh"
    # shellcheck source=/dev/null
    . "$env_file"
fi
[ -x "${VM_BUSYBOX:-}" ] || die "busybox '${VM_BUSYBOX:-}' not found: run scripts/fetch-guest-images.sh"
[ -n "$moddir" ] || moddir=${VM_KERNEL_MODULES:-none}
[ "$moddir" = none ] || [ -d "$moddir/kernel" ] || die "--modules: $moddir has no kernel/ directory"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,mnt}
cp "$VM_BUSYBOX" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$script" "$root/test.sh"
chmod 755 "$root/test.sh"
for a in "${adds[@]}"; do
    mkdir -p "$root/$(dirname "${a#*:}")"
    cp -p "${a%%:*}" "$root/${a#*:}"
done

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# The kernel starts us with no console when /dev/console is missing; it is
# in the archive, but take it again from devtmpfs to be sure.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
sh /test.sh
poweroff -f
EOF
chmod 755 "$root/init"

# Modules: the virtio transports and drivers, ext4 and isofs, with everything
# their .modinfo "depends=" (and softdep "pre:") lines pull in.
if [ "$moddir" != none ]; then
    kver=$(basename "$moddir")
    mroot=$root/lib/modules/$kver
    mkdir -p "$mroot"
    # modpath NAME: the module's path under kernel/, .ko.xz/.ko stripped
    modpath() {
        local f
        f=$(find "$moddir/kernel" \( -name "$1.ko.xz" -o -name "$1.ko" \
            -o -name "${1//_/-}.ko.xz" -o -name "${1//_/-}.ko" \) | LC_ALL=C sort | head -1)
        [ -n "$f" ] || return 1
        f=${f#"$moddir"/}
        echo "${f%.xz}"
    }
    declare -A seen=() deps=()
    # shellcheck disable=SC2206
    queue=(virtio_mmio virtio_blk virtio_net ext4 crc32c_generic isofs $extra_modules)
    while [ ${#queue[@]} -gt 0 ]; do
        m=${queue[0]}; queue=("${queue[@]:1}")
        [ -z "${seen[$m]:-}" ] || continue
        seen[$m]=1
        p=$(modpath "$m") || continue   # built in: nothing to copy
        mkdir -p "$mroot/$(dirname "$p")"
        if [ -f "$moddir/$p.xz" ]; then xz -dc "$moddir/$p.xz" >"$mroot/$p"
        else cp "$moddir/$p" "$mroot/$p"; fi
        info=$(tr '\0' '\n' <"$mroot/$p" | grep -aE '^(depends|softdep)=' || true)
        d=$(sed -n 's/^depends=//p' <<<"$info" | tr ',' ' ')
        s=$(sed -n 's/^softdep=.*pre: *\([^:]*\)\( post:.*\)\{0,1\}$/\1/p' <<<"$info")
        deps[$p]=
        for x in $d; do
            queue+=("$x")
            dp=$(modpath "$x") && deps[$p]="${deps[$p]} $dp"
        done
        for x in $s; do queue+=("$x"); done
    done
    # modules.dep lists every (transitive) dependency, as depmod does: each
    # before its own dependencies (modprobe loads the list from the end),
    # so of the pre-order walk's repeats the last one is kept.
    closure() {
        local p=$1 x
        for x in ${deps[$p]}; do
            echo "$x"
            closure "$x"
        done
    }
    for p in $(printf '%s\n' "${!deps[@]}" | LC_ALL=C sort); do
        echo "$p:$(closure "$p" | tac | awk '!s[$0]++' | tac | tr '\n' ' ' | sed 's/ $//;s/^./ &/')"
    done >"$mroot/modules.dep"
    : >"$mroot/modules.alias"
    : >"$mroot/modules.symbols"
    [ -f "$moddir/modules.builtin" ] && cp "$moddir/modules.builtin" "$mroot/"
    [ -f "$moddir/modules.order" ] && cp "$moddir/modules.order" "$mroot/"
fi

# newc writer: one 110-byte ASCII header, the NUL-terminated name padded
# to 4 bytes, the data padded to 4 bytes; "TRAILER!!!" ends the archive.
ino=1000
pad4() { local n=$(( (4 - $1 % 4) % 4 )); [ $n -eq 0 ] || head -c $n /dev/zero; }
entry() {  # entry NAME MODE SIZE RDEVMAJ RDEVMIN [DATAFILE|-STRING]
    local name=$1 mode=$2 size=$3 maj=$4 min=$5 data=${6:-}
    local nlen=$(( ${#name} + 1 ))
    ino=$((ino + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" "$mode" 0 0 1 0 "$size" 0 0 "$maj" "$min" "$nlen" 0
    printf '%s\0' "$name"
    pad4 $((110 + nlen))
    case $data in
    "") ;;
    -*) printf '%s' "${data#-}" ;;
    *) cat "$data" ;;
    esac
    pad4 "$size"
}
{
    entry dev/console $((8#020600)) 0 5 1
    while read -r f; do
        f=${f#./}
        path=$root/$f
        if [ -L "$path" ]; then
            t=$(readlink "$path")
            entry "$f" $((8#0120777)) ${#t} 0 0 "-$t"
        elif [ -d "$path" ]; then
            entry "$f" $((8#040755)) 0 0 0
        elif [ -x "$path" ]; then
            entry "$f" $((8#0100755)) "$(stat -c %s "$path")" 0 0 "$path"
        else
            entry "$f" $((8#0100644)) "$(stat -c %s "$path")" 0 0 "$path"
        fi
    done < <(cd "$root" && find . -mindepth 1 | LC_ALL=C sort)
    entry TRAILER!!! 0 0 0 0
} | gzip -n -9 >"$tmp/out.cpio.gz"
mkdir -p "$(dirname "$out")"
mv "$tmp/out.cpio.gz" "$out"
