/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: virtio-blk descriptor chains (see fuzz-virtio.c for the input layout). */
#include "fuzz-virtio.c"
