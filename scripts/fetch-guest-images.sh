#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-guest-images.sh - fetch the RISC-V guest images vm's Linux tests boot.
#
# Downloads packages of Debian 13 "trixie" for riscv64 from the Debian
# mirror this machine's apt is already configured with, verifies them, and
# unpacks them into a cache outside the clone:
#
#   debian-installer-13-netboot-riscv64   the installer's netboot linux + initrd.gz
#                                         (.../images/13/riscv64/text/debian-installer/riscv64/)
#   linux-image-6.12.*-riscv64            newest such kernel in trixie: Image + modules
#   busybox-static                        a static riscv64 busybox
#   u-boot-qemu                           U-Boot for QEMU's boards: qemu-riscv64_smode/u-boot.bin,
#                                         the S-mode payload of OpenSBI for firmware boot
#   grub-efi-riscv64-bin                  GRUB's riscv64-efi modules (for make-installer-iso.sh)
#   grub-common:HOST, libc6:HOST,         trixie's grub-mkimage for this host's architecture
#   libdevmapper1.02.1:HOST               and the libraries it needs: the image tool must be
#                                         as new as the modules, and bookworm's is 2.06.  It
#                                         runs through trixie's own dynamic loader (a wrapper
#                                         script in trixie/bin/), the host's libc untouched.
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/vm/
#   apt/                  private apt root (sources, lists, state, logs)
#   trixie/<package>/     each package's payload, as dpkg-deb -x lays it out
#   trixie/<role>.stamp   package, version, .deb SHA256 and the hashes of the
#                         files used from it (roles: installer, kernel, busybox)
#   images.env            VM_INSTALLER_KERNEL=, VM_INSTALLER_INITRD=, VM_KERNEL=,
#                         VM_KERNEL_MODULES=, VM_BUSYBOX=, VM_UBOOT_SMODE=,
#                         VM_GRUB_RISCV64_MODULES=, VM_GRUB_MKIMAGE= (for tests to source)
#
# apt runs with a configuration of its own (APT_CONFIG): nothing of the host's
# apt state, sources, preferences or keyrings is read or changed, apart from
# the mirror URI, which is taken from /etc/apt/sources.list and
# /etc/apt/sources.list.d/*.list / *.sources (the entry serving the "debian"
# archive), and the host's Acquire proxy / date-check settings.
#
# Re-runs are no-ops that touch no network when every stamp is present and
# every file it lists still has its recorded hash.  --refresh re-reads the
# archive index and fetches whatever changed (e.g. a newer 6.12 kernel).
#
# Usage: scripts/fetch-guest-images.sh [--refresh]
# Environment: XDG_CACHE_HOME, VM_DEBIAN_MIRROR (overrides the apt sources),
#              VM_DEBIAN_KEYRING (default /usr/share/keyrings/debian-archive-keyring.gpg)
# Prints the image paths on success; on failure one "error:" line, exit 1.

set -eu
set -o pipefail

SUITE=trixie
ARCH=riscv64
HOSTARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
PROG=fetch-guest-images

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

refresh=0
for a in "$@"; do
    case "$a" in
    --refresh) refresh=1 ;;
    -h | --help)
        awk 'NR < 4 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
        exit 0
        ;;
    *) die "unknown argument '$a' (try --help)" ;;
    esac
done

for t in apt-get apt-cache apt-config dpkg dpkg-deb sha256sum awk; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' not found; this script needs Debian's apt and dpkg"
done

[ -n "${HOME:-}" ] || [ -n "${XDG_CACHE_HOME:-}" ] || die "neither XDG_CACHE_HOME nor HOME is set"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vm"
APTROOT="$CACHE/apt"
OUT="$CACHE/$SUITE"
ENVFILE="$CACHE/images.env"
KEYRING="${VM_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

mkdir -p "$OUT" "$APTROOT" || die "cannot create cache directory $CACHE"

# ---------------------------------------------------------------- stamps

sha256_of() {
    sha256sum "$1" | awk '{print $1}'
}

# stamp_get ROLE KEY: the first value of KEY in ROLE's stamp.
stamp_get() {
    awk -v k="$2" '$1 == k { sub(/^[^ ]+ /, ""); print; exit }' "$OUT/$1.stamp"
}

# stamp_ok ROLE: the stamp exists, its package directory exists and every
# "file HASH PATH" line still hashes to HASH; "tree PATH" lines must exist.
stamp_ok() {
    local st="$OUT/$1.stamp" h p
    [ -f "$st" ] || return 1
    [ -d "$(stamp_get "$1" dir)" ] || return 1
    grep -q '^file ' "$st" || return 1
    while read -r h p; do
        [ -f "$p" ] && [ "$(sha256_of "$p")" = "$h" ] || return 1
    done < <(awk '$1 == "file" { sub(/^file /, ""); print }' "$st")
    while read -r p; do
        [ -d "$p" ] || return 1
    done < <(awk '$1 == "tree" { sub(/^tree /, ""); print }' "$st")
}

# stamp_path ROLE N: the path of the Nth "file" line (or "tree" when N=tree).
stamp_path() {
    if [ "$2" = tree ]; then
        awk '$1 == "tree" { sub(/^tree /, ""); print; exit }' "$OUT/$1.stamp"
    else
        awk -v n="$2" '$1 == "file" && ++i == n { sub(/^file [^ ]+ /, ""); print; exit }' "$OUT/$1.stamp"
    fi
}

q() { # single-quote for the shell
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

write_env_and_report() {
    local ik ii k km bb ub gm tmp content
    ik=$(stamp_path installer 1)
    ii=$(stamp_path installer 2)
    k=$(stamp_path kernel 1)
    km=$(stamp_path kernel tree)
    bb=$(stamp_path busybox 1)
    ub=$(stamp_path uboot 1)
    gm=$(stamp_path grub tree)
    content=$(
        echo "# Written by scripts/fetch-guest-images.sh: Debian $SUITE $ARCH guest images."
        echo "# installer: $(stamp_get installer package) $(stamp_get installer version)"
        echo "# kernel:    $(stamp_get kernel package) $(stamp_get kernel version)"
        echo "# busybox:   $(stamp_get busybox package) $(stamp_get busybox version)"
        echo "VM_INSTALLER_KERNEL=$(q "$ik")"
        echo "VM_INSTALLER_INITRD=$(q "$ii")"
        echo "VM_KERNEL=$(q "$k")"
        echo "VM_KERNEL_MODULES=$(q "$km")"
        echo "VM_BUSYBOX=$(q "$bb")"
        echo "# u-boot: $(stamp_get uboot version); grub: $(stamp_get grub version)"
        echo "VM_UBOOT_SMODE=$(q "$ub")"
        echo "VM_GRUB_RISCV64_MODULES=$(q "$gm")"
        echo "VM_GRUB_MKIMAGE=$(q "$GRUB_MKIMAGE")"
    )
    # Rewrite only on change, so that a no-op run leaves the cache untouched.
    if [ ! -f "$ENVFILE" ] || [ "$(cat "$ENVFILE")" != "$content" ]; then
        tmp="$ENVFILE.tmp.$$"
        printf '%s\n' "$content" >"$tmp" && mv -f "$tmp" "$ENVFILE" || die "cannot write $ENVFILE"
    fi
    echo "installer linux:     $ik"
    echo "installer initrd.gz: $ii"
    echo "kernel Image:        $k"
    echo "kernel modules:      $km"
    echo "busybox:             $bb"
    echo "u-boot (S-mode):     $ub"
    echo "grub riscv64-efi:    $gm"
    echo "grub-mkimage:        $GRUB_MKIMAGE"
    echo "(shell variables in $ENVFILE)"
}

GRUB_MKIMAGE="$OUT/bin/grub-mkimage"

# write_grub_mkimage: the wrapper that runs trixie's grub-mkimage with
# trixie's dynamic loader, C library and libdevmapper first on the library
# path (the host's libraries serve the rest: liblzma, libselinux, libudev).
write_grub_mkimage() {
    local gc lc ld bin libdir
    gc=$(stamp_get grubtools dir)
    lc=$(stamp_get hostlibc dir)
    ld=$(stamp_path hostlibc 1)
    bin=$(stamp_path grubtools 1)
    libdir=$(dirname "$(stamp_path hostlibc 2)"):$(dirname "$(stamp_path hostdm 1)")
    mkdir -p "$OUT/bin" || die "cannot create $OUT/bin"
    {
        echo "#!/bin/sh"
        echo "# Written by scripts/fetch-guest-images.sh: grub-mkimage of $(stamp_get grubtools version)"
        echo "# from $gc, run with the C library of $lc."
        echo "exec $(q "$ld") --library-path $(q "$libdir") $(q "$bin") \"\$@\""
    } >"$GRUB_MKIMAGE.tmp" && chmod +x "$GRUB_MKIMAGE.tmp" && mv -f "$GRUB_MKIMAGE.tmp" "$GRUB_MKIMAGE" ||
        die "cannot write $GRUB_MKIMAGE"
    "$GRUB_MKIMAGE" --version >/dev/null 2>&1 || die "$GRUB_MKIMAGE does not run on this host"
}

if [ "$refresh" = 0 ] && stamp_ok installer && stamp_ok kernel && stamp_ok busybox &&
    stamp_ok uboot && stamp_ok grub && stamp_ok grubtools && stamp_ok hostlibc &&
    stamp_ok hostdm; then
    echo "$PROG: cached images present and verified; nothing to fetch"
    [ -x "$GRUB_MKIMAGE" ] || write_grub_mkimage
    write_env_and_report
    exit 0
fi

# ---------------------------------------------------------------- mirror

# find_mirror: print the first "deb" URI of this machine's apt sources that
# serves the Debian archive proper (its path ends in /debian, so not
# debian-security, debian-ports or debian-debug).  One-line .list entries
# and deb822 .sources stanzas (Enabled: no skipped) are both read.
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '
            /^[ \t]*deb[ \t]/ {
                i = 2
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                print $i
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no")
                    print uris
                types = ""; uris = ""; enabled = ""; last = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/ { if (last == "uris") uris = uris " " $0; next }
            {
                key = tolower($0); sub(/:.*/, "", key)
                val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                last = key
                if (key == "types") types = val
                else if (key == "uris") uris = val
                else if (key == "enabled") enabled = val
            }
            END { flush() }' "$f"
    done
}

if [ -n "${VM_DEBIAN_MIRROR:-}" ]; then
    MIRROR="$VM_DEBIAN_MIRROR"
else
    MIRROR=""
    for u in $(find_mirror); do
        case "${u%/}" in
        http://*/debian | https://*/debian) MIRROR="${u%/}"; break ;;
        esac
    done
fi
[ -n "$MIRROR" ] || die "no Debian mirror (a deb URI ending in /debian) in /etc/apt/sources.list or /etc/apt/sources.list.d/; set VM_DEBIAN_MIRROR"

# ---------------------------------------------------------------- keyring

# bookworm's debian-archive-keyring (2023.3+deb12u1 and later) carries the
# trixie archive keys; apt checks trixie's InRelease against this keyring.
[ -r "$KEYRING" ] || die "keyring $KEYRING missing; install debian-archive-keyring"
if command -v gpg >/dev/null 2>&1; then
    gpg --batch --no-default-keyring --show-keys "$KEYRING" 2>/dev/null | grep -q '(13/trixie)' ||
        die "$KEYRING has no Debian 13/trixie archive key; install a newer debian-archive-keyring (bookworm's 2023.3+deb12u1 or later)"
fi

# ---------------------------------------------------------------- private apt

mkdir -p "$APTROOT/etc/apt.conf.d" "$APTROOT/etc/sources.list.d" \
    "$APTROOT/etc/preferences.d" "$APTROOT/etc/trusted.gpg.d" \
    "$APTROOT/state/lists/partial" "$APTROOT/cache/archives/partial" \
    "$APTROOT/log" "$APTROOT/download" || die "cannot create $APTROOT"
: >"$APTROOT/state/status"
echo "deb [arch=$ARCH,$HOSTARCH signed-by=$KEYRING] $MIRROR $SUITE main" >"$APTROOT/etc/sources.list"

# Carry over only how the host reaches the network (proxies) and its date
# checks (this machine's clock may not be trustworthy); nothing else.
host_acquire=$(apt-config dump 2>/dev/null |
    grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date|Max-FutureTime)[ "]' || true)

cat >"$APTROOT/apt.conf" <<EOF
// Generated by scripts/fetch-guest-images.sh; a private apt for $SUITE/$ARCH.
Dir "/";
Dir::State "$APTROOT/state";
Dir::State::status "$APTROOT/state/status";
Dir::Cache "$APTROOT/cache";
Dir::Log "$APTROOT/log";
Dir::Etc "$APTROOT/etc";
Dir::Etc::main "apt.conf";
Dir::Etc::parts "apt.conf.d";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Etc::preferences "preferences";
Dir::Etc::preferencesparts "preferences.d";
Dir::Etc::Trusted "$KEYRING";
Dir::Etc::TrustedParts "trusted.gpg.d";
APT::Architecture "$ARCH";
APT::Architectures { "$ARCH"; "$HOSTARCH"; };
APT::Sandbox::User "$(id -un)";
APT::Get::AllowUnauthenticated "false";
Acquire::AllowInsecureRepositories "false";
Acquire::AllowDowngradeToInsecureRepositories "false";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled "false";
Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
Binary::apt::APT::Keep-Downloaded-Packages "false";
$host_acquire
EOF
export APT_CONFIG="$APTROOT/apt.conf"
LOG="$APTROOT/log/fetch.log"
: >"$LOG"

echo "$PROG: updating $SUITE/$ARCH index from $MIRROR"
# A missing or bad InRelease signature makes apt-get update fail ("E:");
# a "W:"/"Err:" about our one source is treated as a failure as well.
if ! apt-get -q update >>"$LOG" 2>&1 || grep -qE '^(W|E|Err):' "$LOG"; then
    why=$({ grep '^E:' "$LOG"; grep '^W:' "$LOG"; grep '^Err:' "$LOG"; } | head -n 1 || true)
    die "apt-get update of $MIRROR $SUITE failed${why:+: $why} (log: $LOG)"
fi

# ---------------------------------------------------------------- resolve

# field PKG FIELD: FIELD of the candidate version of PKG.
field() {
    apt-cache show --no-all-versions "$1" 2>/dev/null |
        awk -v f="$2:" '$1 == f { print $2; exit }'
}

# Newest linux-image-6.12.*-riscv64 (the -dbg and -unsigned packages are
# not wanted) by package Version.
kpkg=""
kver=""
for p in $(apt-cache pkgnames linux-image-6.12. 2>/dev/null | grep -E "^linux-image-6\.12\.[^ ]*-$ARCH\$" | sort -u); do
    v=$(field "$p" Version)
    [ -n "$v" ] || continue
    if [ -z "$kver" ] || dpkg --compare-versions "$v" gt "$kver"; then
        kpkg=$p
        kver=$v
    fi
done
[ -n "$kpkg" ] || die "no linux-image-6.12.*-$ARCH package in $SUITE's index at $MIRROR"

declare -A PKG=([installer]="debian-installer-13-netboot-$ARCH" [kernel]="$kpkg" [busybox]="busybox-static")
PKG+=([uboot]="u-boot-qemu" [grub]="grub-efi-riscv64-bin" [grubtools]="grub-common:$HOSTARCH"
    [hostlibc]="libc6:$HOSTARCH" [hostdm]="libdevmapper1.02.1:$HOSTARCH")

# ---------------------------------------------------------------- fetch

# extract ROLE: fetch, verify and unpack ROLE's package unless its stamp
# already records the index's version and hash with its files intact.
extract() {
    local role=$1 pkg=${PKG[$1]} ver sha deb got dest tmp old
    ver=$(field "$pkg" Version)
    sha=$(field "$pkg" SHA256)
    [ -n "$ver" ] && [ -n "$sha" ] || die "package $pkg not found in $SUITE/$ARCH at $MIRROR"

    if stamp_ok "$role" && [ "$(stamp_get "$role" package)" = "$pkg" ] &&
        [ "$(stamp_get "$role" version)" = "$ver" ] && [ "$(stamp_get "$role" sha256)" = "$sha" ]; then
        echo "$PROG: $pkg $ver: up to date"
        return 0
    fi

    echo "$PROG: downloading $pkg $ver"
    rm -f "$APTROOT/download/"*.deb
    # apt-get download checks the .deb against the size and hashes recorded
    # in the signed Packages index (InRelease -> Packages -> .deb).
    (cd "$APTROOT/download" && apt-get -q download "$pkg=$ver") >>"$LOG" 2>&1 ||
        die "download of $pkg $ver failed: $(grep '^E:' "$LOG" | tail -n 1 || true) (log: $LOG)"
    deb=$(ls "$APTROOT/download/"*.deb 2>/dev/null | head -n 1 || true)
    [ -n "$deb" ] || die "download of $pkg $ver produced no .deb (log: $LOG)"

    # And explicitly: the file's SHA256 must equal the SHA256 field that
    # apt-cache show reports from the signed index for that version.
    got=$(sha256_of "$deb")
    [ "$got" = "$sha" ] || die "hash mismatch for $pkg $ver: got $got, archive says $sha"

    dest="$OUT/${pkg/:/_}"
    tmp="$OUT/.${pkg/:/_}.tmp.$$"
    rm -rf "$tmp"
    dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg-deb -x of $deb failed"; }
    rm -f "$deb"

    local files=() tree=""
    case $role in
    installer)
        # trixie's package lays them out as
        # usr/lib/debian-installer/images/13/riscv64/text/debian-installer/riscv64/
        # (the netboot tree, "text" flavour); search rather than hard-code it.
        local nb
        nb=$(find "$tmp" -type f -name initrd.gz -path "*/debian-installer/$ARCH/initrd.gz" |
            sed 's,/initrd\.gz$,,' | sort | head -n 1 || true)
        [ -n "$nb" ] && [ -f "$nb/linux" ] ||
            { rm -rf "$tmp"; die "$pkg $ver has no .../debian-installer/$ARCH/linux + initrd.gz"; }
        files=("${nb#"$tmp"/}/linux" "${nb#"$tmp"/}/initrd.gz")
        ;;
    kernel)
        local img mod
        img=$(cd "$tmp" && ls -d boot/vmlinux-* boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
        [ -n "$img" ] || { rm -rf "$tmp"; die "$pkg $ver has no /boot/vmlinux-* or /boot/vmlinuz-*"; }
        mod=$(cd "$tmp" && ls -d usr/lib/modules/* lib/modules/* 2>/dev/null | head -n 1 || true)
        [ -n "$mod" ] || { rm -rf "$tmp"; die "$pkg $ver has no modules directory"; }
        files=("$img")
        tree=$mod
        ;;
    busybox)
        local bb
        bb=$(cd "$tmp" && ls -d usr/bin/busybox bin/busybox 2>/dev/null | head -n 1 || true)
        [ -n "$bb" ] || { rm -rf "$tmp"; die "$pkg $ver has no busybox binary"; }
        files=("$bb")
        ;;
    uboot)
        [ -f "$tmp/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin" ] ||
            { rm -rf "$tmp"; die "$pkg $ver has no qemu-riscv64_smode/u-boot.bin"; }
        files=("usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")
        ;;
    grub)
        [ -f "$tmp/usr/lib/grub/riscv64-efi/moddep.lst" ] ||
            { rm -rf "$tmp"; die "$pkg $ver has no usr/lib/grub/riscv64-efi/moddep.lst"; }
        files=("usr/lib/grub/riscv64-efi/moddep.lst")
        tree="usr/lib/grub/riscv64-efi"
        ;;
    grubtools)
        [ -f "$tmp/usr/bin/grub-mkimage" ] || { rm -rf "$tmp"; die "$pkg $ver has no grub-mkimage"; }
        files=("usr/bin/grub-mkimage")
        ;;
    hostlibc)
        local ld libc
        ld=$(cd "$tmp" && ls usr/lib/*-linux-gnu*/ld-linux*.so.* 2>/dev/null | head -n 1 || true)
        libc=$(cd "$tmp" && ls usr/lib/*-linux-gnu*/libc.so.6 2>/dev/null | head -n 1 || true)
        [ -n "$ld" ] && [ -n "$libc" ] || { rm -rf "$tmp"; die "$pkg $ver has no ld.so + libc.so.6"; }
        files=("$ld" "$libc")
        ;;
    hostdm)
        local dm
        dm=$(cd "$tmp" && ls usr/lib/*-linux-gnu*/libdevmapper.so.1.02.1 2>/dev/null | head -n 1 || true)
        [ -n "$dm" ] || { rm -rf "$tmp"; die "$pkg $ver has no libdevmapper.so.1.02.1"; }
        files=("$dm")
        ;;
    esac

    # A RISC-V kernel Image carries "RSC\x05" at offset 0x38 (the file
    # starts with an EFI stub "MZ", so file(1) calls it PE32+).
    if { [ "$role" = installer ] || [ "$role" = kernel ]; } &&
        [ "$(od -An -tx1 -j56 -N4 "$tmp/${files[0]}" | tr -d ' \n')" != 52534305 ]; then
        rm -rf "$tmp"
        die "$pkg $ver: ${files[0]##*/} is not a RISC-V kernel Image (no RSC\\x05 magic)"
    fi

    # Replace the previous payload of this role (e.g. an older kernel).
    if [ -f "$OUT/$role.stamp" ]; then
        old=$(stamp_get "$role" dir)
        case "$old" in "$OUT"/?*) rm -rf "$old" ;; esac
    fi
    rm -rf "$dest"
    mv "$tmp" "$dest" || die "cannot move $tmp to $dest"

    {
        echo "package $pkg"
        echo "version $ver"
        echo "sha256 $sha"
        echo "dir $dest"
        local f
        for f in "${files[@]}"; do
            echo "file $(sha256_of "$dest/$f") $dest/$f"
        done
        [ -z "$tree" ] || echo "tree $dest/$tree"
    } >"$OUT/$role.stamp.tmp" && mv -f "$OUT/$role.stamp.tmp" "$OUT/$role.stamp" ||
        die "cannot write $OUT/$role.stamp"
    echo "$PROG: $pkg $ver: verified (sha256 $sha), unpacked in $dest"
}

extract installer
extract kernel
extract busybox
extract uboot
extract grub
extract grubtools
extract hostlibc
extract hostdm
write_grub_mkimage
# apt's binary caches (~80 MB) are rebuilt from the lists when next needed.
rm -f "$APTROOT/cache/"*.bin

write_env_and_report
