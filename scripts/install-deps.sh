#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages vm's build and tests need.  Idempotent:
# installs only what is missing.  When not root, prints the command.
set -eu

PACKAGES="build-essential pkg-config python3 libcmocka-dev libfdt-dev zlib1g-dev \
liblz4-dev libreadline-dev device-tree-compiler gcc-riscv64-linux-gnu \
binutils-riscv64-linux-gnu qemu-user qemu-system-misc opensbi tmux xz-utils \
qemu-utils e2fsprogs libslirp-dev curl clang libclang-rt-14-dev bc gdb-multiarch \
libsdl2-dev libpng-dev xvfb x11-apps tesseract-ocr xorriso mtools dosfstools \
grub-common"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing:$missing"
    echo "run: sudo apt-get update && sudo apt-get install -y$missing"
    exit 1
fi
echo "install-deps: installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
