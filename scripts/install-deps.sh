#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian 12 packages vm's build, tests and `make run` need, so
# that a machine with nothing but git and make gets there with `make run` or
# `make check` alone (GNUmakefile calls this before ./configure, the deps
# target before the tests).  Idempotent: checks each package with dpkg and
# touches nothing when all are present (one line).  As root it installs the
# missing ones quietly through apt-get (the output goes to a log that one
# line names on failure); otherwise it prints the exact apt-get command in
# one line on stderr and exits with status 2.
set -eu

# Build: compiler, pkg-config and the libraries configure looks for.
# Tests: guest cross tools, QEMU for comparisons, image and display tools
# (x11-utils: xwininfo, which tests/display/drive.py uses to find the window).
# install-debian (and its tests): libcurl, GLib, libcrypt; gpgv with the
# archive keyring to verify Release files; gnupg signs test mirrors; debconf,
# cpio and busybox check the preseed and the initrd; ssh for check-install;
# strace injects crashes at each write of a qcow2 snapshot.
PACKAGES="build-essential pkg-config python3 libcmocka-dev libfdt-dev zlib1g-dev \
liblz4-dev libreadline-dev device-tree-compiler gcc-riscv64-linux-gnu \
binutils-riscv64-linux-gnu qemu-user qemu-system-misc opensbi tmux xz-utils \
qemu-utils e2fsprogs libslirp-dev curl clang libclang-rt-14-dev bc gdb-multiarch \
libsdl2-dev libpng-dev xvfb x11-apps x11-utils tesseract-ocr xorriso mtools dosfstools \
grub-common libcurl4-openssl-dev libglib2.0-dev libcrypt-dev gpgv \
debian-archive-keyring debconf cpio git gnupg busybox openssh-client strace"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: no dpkg-query: not a Debian system; install by hand: $PACKAGES" >&2
    exit 2
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages; run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 2
fi

log=${TMPDIR:-/tmp}/vm-install-deps.log
echo "install-deps: installing$missing (log: $log)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $missing is a list of package names
if ! { apt-get update -q && apt-get install -y -q $missing; } \
    >"$log" 2>&1; then
    why=$(grep -E '^(E|Err):' "$log" | tail -1)
    echo "install-deps: apt-get failed: ${why:-see $log}; log: $log" >&2
    exit 2
fi
