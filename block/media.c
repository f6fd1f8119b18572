/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a --cdrom file holds, decided from its first bytes: an ISO 9660
 * image (ECMA-119 §8.4: the primary volume descriptor's "CD001" standard
 * identifier at byte 32769, sector 16), a qcow2 image (magic "QFI\xfb"),
 * or a raw disk image with a partition table or boot sector (the 0x55
 * 0xAA signature at bytes 510..511 of an MBR, a GPT protective MBR, a
 * hybrid ISO or a FAT boot sector).  Anything else is refused before a
 * machine exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

#define ISO9660_PVD_OFFSET (16 * 2048)
#define ISO9660_PVD_TYPE_PRIMARY 1

int bdrv_probe_media(const char *filename, const char **format, char *err, size_t errlen)
{
    uint8_t sec0[512], pvd[8];
    struct stat st;
    int fd = open(filename, O_RDONLY | O_CLOEXEC), ret = 0;

    if (fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "%s", strerror(-ret));
        return ret;
    }
    if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        snprintf(err, errlen, "not a regular file or block device");
        ret = -EINVAL;
    } else if (bdrv_pread(fd, 0, sec0, sizeof(sec0)) < 0 ||
               bdrv_pread(fd, ISO9660_PVD_OFFSET, pvd, sizeof(pvd)) < 0) {
        snprintf(err, errlen, "cannot read its first 34 KiB");
        ret = -EIO;
    } else if (pvd[0] == ISO9660_PVD_TYPE_PRIMARY && !memcmp(pvd + 1, "CD001", 5)) {
        *format = "raw";
    } else if (!memcmp(sec0, "QFI\xfb", 4)) {
        *format = "qcow2";
    } else if (sec0[510] == 0x55 && sec0[511] == 0xaa) {
        *format = "raw";
    } else {
        snprintf(err, errlen, "neither an ISO 9660 image (no CD001 volume descriptor at "
                 "byte 32769) nor a disk image (no qcow2 magic, no boot signature at byte 510)");
        ret = -EINVAL;
    }
    close(fd);
    return ret;
}
