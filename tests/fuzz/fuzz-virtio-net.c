/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: virtio-net descriptor chains, tx and rx (see fuzz-virtio.c). */
#define FUZZ_VIRTIO_NET
#include "fuzz-virtio.c"
