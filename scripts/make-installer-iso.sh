#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make-installer-iso.sh - build a bootable Debian installer ISO for riscv64
# from the netboot installer's kernel and initrd, laid out as Debian's own
# images are, so that firmware boot (OpenSBI -> U-Boot -> GRUB -> Linux)
# can be exercised without downloading a 700 MB netinst image.
#
#   scripts/make-installer-iso.sh [--no-efi] OUT.iso [LINUX INITRD.gz]
#   scripts/make-installer-iso.sh --cached [--no-efi]
#
# --cached builds from the images.env inputs into
# ${XDG_CACHE_HOME:-$HOME/.cache}/vm/iso/ (named for a hash of this script
# and its inputs' names, sizes and dates; builds for other inputs are
# removed once two hours old) unless that file exists already, and prints
# its path: tests and `make bench` call it on every run.
#
# The ISO 9660 tree (Rock Ridge and Joliet):
#   /.disk/info                 "Debian GNU/Linux 13 ... riscv64 ..." as on Debian's discs
#   /.disk/id/UUID              the file GRUB's embedded config searches for
#   /install/vmlinuz            LINUX (default: VM_INSTALLER_KERNEL)
#   /install/initrd.gz          INITRD.gz (default: VM_INSTALLER_INITRD)
#   /boot/grub/grub.cfg         the menu: Install, Rescue mode; on the serial
#                               console through the firmware's EFI console
#   /boot/grub/efi.img          FAT EFI system image holding EFI/BOOT/BOOTRISCV64.EFI
#   /EFI/boot/bootriscv64.efi   the same GRUB image
# efi.img is the El Torito EFI boot image (platform 0xef) and is appended
# again as MBR partition 2 of type 0xef: U-Boot's distro boot reads the
# FAT file system of that partition and starts EFI/BOOT/BOOTRISCV64.EFI.
#
# BOOTRISCV64.EFI is made by grub-mkimage -O riscv64-efi from Debian's
# grub-efi-riscv64-bin modules (trixie, 2.12) with an embedded config that
# finds the disc by /.disk/id/UUID and reads /boot/grub/grub.cfg.  The
# grub-mkimage used is trixie's, run by the wrapper that
# scripts/fetch-guest-images.sh writes (VM_GRUB_MKIMAGE): bookworm's 2.06
# is older than the modules.  --no-efi leaves out efi.img, the EFI
# directory and the boot records: a disc no firmware can boot.
#
# Tools: xorriso, mtools, dosfstools (Debian packages).  The output is
# written to a temporary name and renamed, so OUT is complete or absent.
# Exit status 2 with one line on stderr on a usage or input error.
set -euo pipefail

die() { echo "make-installer-iso.sh: $*" >&2; exit 2; }

efi=1 cached=0
if [ "${1:-}" = --cached ]; then cached=1; shift; fi
if [ "${1:-}" = --no-efi ]; then efi=0; shift; fi
usage="usage: make-installer-iso.sh [--no-efi] OUT.iso [LINUX INITRD.gz] | --cached [--no-efi]"
if [ "$cached" = 1 ]; then
    [ $# -eq 0 ] || die "$usage"
else
    [ $# -eq 1 ] || [ $# -eq 3 ] || die "$usage"
fi
out=${1:-}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vm
if [ -f "$cache/images.env" ]; then
    # shellcheck source=/dev/null
    . "$cache/images.env"
fi
linux=${2:-${VM_INSTALLER_KERNEL:-}}
initrd=${3:-${VM_INSTALLER_INITRD:-}}
[ -f "$linux" ] || die "installer kernel '$linux' not found: run scripts/fetch-guest-images.sh"
[ -f "$initrd" ] || die "installer initrd '$initrd' not found: run scripts/fetch-guest-images.sh"
for tool in xorriso mformat mmd mcopy mkfs.fat sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian packages: xorriso mtools dosfstools)"
done
if [ "$efi" = 1 ]; then
    mods=${VM_GRUB_RISCV64_MODULES:-}
    mkimage=${VM_GRUB_MKIMAGE:-}
    [ -f "$mods/moddep.lst" ] || die "GRUB riscv64-efi modules '$mods' not found: run scripts/fetch-guest-images.sh"
    [ -x "$mkimage" ] || die "grub-mkimage '$mkimage' not found: run scripts/fetch-guest-images.sh"
fi

if [ "$cached" = 1 ]; then
    flavour=$([ "$efi" = 1 ] && echo installer-efi || echo installer-no-efi)
    key=$( { sha256sum <"$0"; stat -c '%n %s %Y' "$linux" "$initrd" \
        ${mods:+"$mods/moddep.lst"} ${mkimage:+"$(readlink -f "$mkimage")"}; } | sha256sum | cut -c1-16)
    out=$cache/iso/$flavour-$key.iso
    if [ ! -f "$out" ]; then
        mkdir -p "$cache/iso" || die "cannot create $cache/iso"
        bash "$0" $([ "$efi" = 1 ] || echo --no-efi) "$out" "$linux" "$initrd" >/dev/null || exit
        # Builds for other inputs go once they are two hours old: another
        # checkout's tests may still be about to open theirs.
        find "$cache/iso" -name "$flavour-*.iso" ! -name "${out##*/}" -mmin +120 -delete
    fi
    echo "$out"
    exit 0
fi

tmp=$(mktemp -d)
partial=$out.tmp.$$
trap 'rm -rf "$tmp" "$partial"' EXIT
tree=$tmp/tree
mkdir -p "$tree/.disk/id" "$tree/install" "$tree/boot/grub"

# The disc's id: derived from its inputs, so a rebuild gives the same tree.
uuid=$(cat "$linux" "$initrd" | sha256sum | cut -c1-32 |
    sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)/\1-\2-\3-\4-/')
: >"$tree/.disk/id/$uuid"
echo "Debian GNU/Linux 13 \"Trixie\" - vm netboot riscv64 NETINST Binary-1 (built by make-installer-iso.sh)" \
    >"$tree/.disk/info"
cp "$linux" "$tree/install/vmlinuz"
cp "$initrd" "$tree/install/initrd.gz"

cat >"$tree/boot/grub/grub.cfg" <<'EOF'
# The installer disc's menu; GRUB shows it on the firmware's EFI console
# (the serial port under vm and QEMU).
set default=0
set timeout=5

menuentry 'Install' {
    linux /install/vmlinuz --- quiet
    initrd /install/initrd.gz
}
menuentry 'Rescue mode' {
    linux /install/vmlinuz rescue/enable=true --- quiet
    initrd /install/initrd.gz
}
EOF

xorriso_efi=()
if [ "$efi" = 1 ]; then
    cat >"$tmp/embedded.cfg" <<EOF
search --no-floppy --set=root --file /.disk/id/$uuid
set prefix=(\$root)/boot/grub
configfile \$prefix/grub.cfg
EOF
    "$mkimage" -O riscv64-efi -d "$mods" -c "$tmp/embedded.cfg" -p /boot/grub \
        -o "$tmp/bootriscv64.efi" \
        part_msdos part_gpt iso9660 fat search search_fs_file configfile normal \
        linux echo test ls cat gzio efi_gop ||
        die "grub-mkimage failed"
    mkdir -p "$tree/EFI/boot"
    cp "$tmp/bootriscv64.efi" "$tree/EFI/boot/bootriscv64.efi"
    # FAT image: the loader plus 1 MiB of slack, in whole MiB.
    kib=$(( ( $(stat -c %s "$tmp/bootriscv64.efi") / 1024 + 1024 + 1023) / 1024 * 1024 ))
    mkfs.fat -C -n EFIBOOT "$tree/boot/grub/efi.img" "$kib" >/dev/null || die "mkfs.fat failed"
    mmd -i "$tree/boot/grub/efi.img" ::/EFI ::/EFI/BOOT
    mcopy -i "$tree/boot/grub/efi.img" "$tmp/bootriscv64.efi" ::/EFI/BOOT/BOOTRISCV64.EFI
    xorriso_efi=(-e boot/grub/efi.img -no-emul-boot
        -append_partition 2 0xef "$tree/boot/grub/efi.img" -partition_cyl_align all)
fi

xorriso -as mkisofs -quiet -r -J -joliet-long -V "Debian 13 rv64 n" \
    "${xorriso_efi[@]}" -o "$partial" "$tree" 2>"$tmp/xorriso.log" ||
    die "xorriso failed: $(tail -1 "$tmp/xorriso.log")"
mv -f "$partial" "$out" || die "cannot write $out"
echo "$out"
