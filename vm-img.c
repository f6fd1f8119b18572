/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-img: the image tool (DESIGN.md §6), in qemu-img's spelling and with
 * its exit statuses: create, info, check (0 clean, 2 corruptions, 3
 * leaks only, 1 check failed), convert (-c compressed qcow2 output, -p
 * progress), resize (grow) and snapshot (-l/-c/-a/-d, qcow2).  Every
 * command locks the images it opens as QEMU does (block.h: readers
 * shared, writers exclusive), so an image in use is refused; info and
 * check -U (--force-share) read one without a lock.  User errors are one
 * line "vm-img: ..." and exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block/block.h"
#include "block/qcow2.h"
#include "util/error.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vm-img COMMAND ...\n"
            "  create -f qcow2|raw [-b BACKING [-F FMT]] [-o cluster_size=N,compat=0.10|1.1]"
            " FILE [SIZE]\n"
            "  info [-f FMT] [-U] [--output human|json] FILE\n"
            "  check [-f FMT] [-U | -r leaks|all] FILE\n"
            "  convert [-c] [-p] [-f FMT] [-O FMT] [-o OPTIONS] IN OUT\n"
            "  resize [-f FMT] FILE [+]SIZE\n"
            "  snapshot -l|-c NAME|-a NAME|-d NAME FILE\n"
            "SIZE takes K, M, G, T suffixes.  -U (--force-share): read an image in use,\n"
            "without a lock (what it shows may be changing).\n");
}

static BlockDriverState *img_open(const char *file, const char *fmt, int flags)
{
    char err[512];
    bool probed_raw = false;
    BlockDriverState *bs = bdrv_open(file, fmt, flags, &probed_raw, err, sizeof(err));

    if (!bs) {
        error_exit("'%s': %s", file, err);
    }
    return bs;
}

static void parse_create_opts(const char *o, BlockCreateOpts *opts)
{
    char *copy = strdup(o), *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        uint64_t v;

        if (!eq) {
            error_exit("-o: '%s' is not KEY=VALUE", tok);
        }
        *eq++ = '\0';
        if (!strcmp(tok, "cluster_size")) {
            if (parse_size(eq, 0, &v) < 0 || v < 512 || v > (2u << 20) || (v & (v - 1))) {
                error_exit("-o cluster_size: '%s' is not a power of two in 512..2M", eq);
            }
            opts->cluster_size = (uint32_t)v;
        } else if (!strcmp(tok, "compat")) {
            if (!strcmp(eq, "0.10") || !strcmp(eq, "v2") || !strcmp(eq, "2")) {
                opts->compat_version = 2;
            } else if (!strcmp(eq, "1.1") || !strcmp(eq, "v3") || !strcmp(eq, "3")) {
                opts->compat_version = 3;
            } else {
                error_exit("-o compat: '%s' is not 0.10 or 1.1", eq);
            }
        } else if (!strcmp(tok, "backing_file")) {
            opts->backing_file = strdup(eq);
        } else if (!strcmp(tok, "backing_fmt")) {
            opts->backing_format = strdup(eq);
        } else {
            error_exit("-o: unknown option '%s'", tok);
        }
    }
    free(copy);
}

static int cmd_create(int argc, char **argv)
{
    BlockCreateOpts opts = { 0 };
    const char *fmt = "raw";
    uint64_t size = 0;
    char err[512];
    int c, ret;

    while ((c = getopt(argc, argv, "f:b:F:o:")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': opts.backing_file = optarg; break;
        case 'F': opts.backing_format = optarg; break;
        case 'o': parse_create_opts(optarg, &opts); break;
        default: error_exit("create: bad option (see --help)");
        }
    }
    if (optind >= argc) {
        error_exit("create: missing FILE (see --help)");
    }
    if (optind + 1 < argc) {
        if (parse_size(argv[optind + 1], 0, &size) < 0) {
            error_exit("create: '%s' is not a size (K, M, G, T suffixes)", argv[optind + 1]);
        }
    } else if (opts.backing_file) {
        /* Size defaults to the backing file's, opened relative to the new image. */
        char *dir = strdup(argv[optind]), *slash = strrchr(dir, '/');
        char *path;
        BlockDriverState *b;

        if (opts.backing_file[0] == '/' || !slash) {
            path = strdup(opts.backing_file);
        } else {
            slash[1] = '\0';
            path = malloc(strlen(dir) + strlen(opts.backing_file) + 1);
            sprintf(path, "%s%s", dir, opts.backing_file);
        }
        b = img_open(path, opts.backing_format, 0);
        size = b->size;
        bdrv_close(b);
        free(path);
        free(dir);
    } else {
        error_exit("create: missing SIZE");
    }
    if (!bdrv_find_format(fmt)) {
        error_exit("create: unknown format '%s'", fmt);
    }
    ret = bdrv_create(fmt, argv[optind], size, &opts, err, sizeof(err));
    if (ret < 0) {
        error_exit("'%s': %s", argv[optind], err);
    }
    return 0;
}

static void print_size(char *buf, size_t len, uint64_t v)
{
    static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double d = (double)v;
    int u = 0;

    while (d >= 1024 && u < 5) {
        d /= 1024;
        u++;
    }
    if (u == 0) {
        snprintf(buf, len, "%" PRIu64 " B", v);
    } else {
        snprintf(buf, len, "%.3g %s", d, unit[u]);
    }
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            printf("\\%c", *s);
        } else if ((unsigned char)*s < 0x20) {
            printf("\\u%04x", *s);
        } else {
            putchar(*s);
        }
    }
    putchar('"');
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *output = "human";
    int nolock = 0;
    BlockDriverState *bs;
    Qcow2State *s = NULL;
    int c;
    int64_t disk;
    char a[32], b[32];

    while ((c = getopt_long(argc, argv, "f:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': output = optarg; break;
        case 'U': nolock = BDRV_O_NO_LOCK; break;
        default: error_exit("info: bad option (see --help)");
        }
    }
    if (optind >= argc) {
        error_exit("info: missing FILE");
    }
    if (strcmp(output, "human") && strcmp(output, "json")) {
        error_exit("info: --output '%s' is not human or json", output);
    }
    bs = img_open(argv[optind], fmt, BDRV_O_NO_BACKING | nolock);
    if (bs->drv == &bdrv_qcow2) {
        s = bs->opaque;
    }
    disk = bdrv_allocated_file_size(bs);
    if (!strcmp(output, "json")) {
        printf("{\n    \"virtual-size\": %" PRIu64 ",\n    \"filename\": ", bs->size);
        json_str(argv[optind]);
        printf(",\n    \"format\": \"%s\",\n    \"actual-size\": %" PRId64, bs->drv->format_name,
               disk);
        if (s) {
            printf(",\n    \"cluster-size\": %u", s->cluster_size);
            printf(",\n    \"format-specific\": {\"type\": \"qcow2\", \"data\": {\"compat\": "
                   "\"%s\", \"refcount-bits\": %u, \"corrupt\": %s}}",
                   s->version == 2 ? "0.10" : "1.1", 1u << s->refcount_order,
                   (s->incompat & QCOW2_INCOMPAT_CORRUPT) ? "true" : "false");
            printf(",\n    \"dirty-flag\": %s",
                   (s->incompat & QCOW2_INCOMPAT_DIRTY) ? "true" : "false");
            if (bs->backing_file) {
                printf(",\n    \"backing-filename\": ");
                json_str(bs->backing_file);
                if (bs->backing_format) {
                    printf(",\n    \"backing-filename-format\": ");
                    json_str(bs->backing_format);
                }
            }
            if (s->nb_snapshots) {
                printf(",\n    \"snapshots\": [");
                for (uint32_t i = 0; i < s->nb_snapshots; i++) {
                    Qcow2Snapshot *sn = &s->snapshots[i];
                    printf("%s\n        {\"id\": ", i ? "," : "");
                    json_str(sn->id_str);
                    printf(", \"name\": ");
                    json_str(sn->name);
                    printf(", \"vm-state-size\": %u, \"date-sec\": %u, \"date-nsec\": %u, "
                           "\"vm-clock-nsec\": %" PRIu64 "}", sn->vm_state_size, sn->date_sec,
                           sn->date_nsec, sn->vm_clock_nsec);
                }
                printf("\n    ]");
            }
        }
        printf("\n}\n");
    } else {
        print_size(a, sizeof(a), bs->size);
        print_size(b, sizeof(b), disk < 0 ? 0 : (uint64_t)disk);
        printf("image: %s\nfile format: %s\nvirtual size: %s (%" PRIu64 " bytes)\n"
               "disk size: %s\n", argv[optind], bs->drv->format_name, a, bs->size, b);
        if (s) {
            printf("cluster_size: %u\n", s->cluster_size);
            if (bs->backing_file) {
                printf("backing file: %s\n", bs->backing_file);
                if (bs->backing_format) {
                    printf("backing file format: %s\n", bs->backing_format);
                }
            }
            if (s->nb_snapshots) {
                printf("Snapshot list:\nID        TAG               VM SIZE                DATE"
                       "     VM CLOCK\n");
                for (uint32_t i = 0; i < s->nb_snapshots; i++) {
                    Qcow2Snapshot *sn = &s->snapshots[i];
                    time_t t = sn->date_sec;
                    struct tm tm;
                    char date[32];
                    uint64_t ms = sn->vm_clock_nsec / 1000000;
                    localtime_r(&t, &tm);
                    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
                    print_size(a, sizeof(a), sn->vm_state_size);
                    printf("%-9s %-17s %7s %s %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03"
                           PRIu64 "\n", sn->id_str, sn->name, a, date, ms / 3600000,
                           ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
                }
            }
            if (s->incompat & QCOW2_INCOMPAT_DIRTY) {
                printf("cleanly shut down: no\n");
            }
            printf("Format specific information:\n    compat: %s\n", s->version == 2 ? "0.10"
                                                                        : "1.1");
            if (s->version >= 3) {
                printf("    lazy refcounts: %s\n",
                       (s->compat & QCOW2_COMPAT_LAZY_REFCOUNTS) ? "true" : "false");
            }
            printf("    refcount bits: %u\n    corrupt: %s\n", 1u << s->refcount_order,
                   (s->incompat & QCOW2_INCOMPAT_CORRUPT) ? "true" : "false");
        }
    }
    bdrv_close(bs);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' }, { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    int repair = 0, nolock = 0, c, ret;
    BlockDriverState *bs;
    Qcow2CheckResult r;

    while ((c = getopt_long(argc, argv, "f:r:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': nolock = BDRV_O_NO_LOCK; break;
        case 'r':
            if (strcmp(optarg, "leaks") && strcmp(optarg, "all")) {
                error_exit("check: -r '%s' is not leaks or all", optarg);
            }
            repair = strcmp(optarg, "all") ? QCOW2_CHECK_REPAIR_LEAKS : QCOW2_CHECK_REPAIR_ALL;
            break;
        default: error_exit("check: bad option (see --help)");
        }
    }
    if (optind >= argc) {
        error_exit("check: missing FILE");
    }
    if (repair && nolock) {
        error_exit("check: -U (force-share) reads only; it cannot go with -r");
    }
    bs = img_open(argv[optind], fmt,
                  BDRV_O_NO_BACKING | BDRV_O_CHECK | nolock | (repair ? BDRV_O_RDWR : 0));
    if (bs->drv != &bdrv_qcow2) {
        bdrv_close(bs);
        error_exit("'%s': this image format does not support checks", argv[optind]);
    }
    fflush(stdout);
    ret = qcow2_check(bs, repair, &r);
    if (ret == 0 && (r.leaks_fixed || r.corruptions_fixed)) {
        /* As qemu-img: say what was repaired, then report a fresh check. */
        printf("The following inconsistencies were found and repaired:\n\n"
               "    %" PRIu64 " leaked clusters\n    %" PRIu64 " corruptions\n\n"
               "Double checking the fixed image now...\n", r.leaks_fixed, r.corruptions_fixed);
        fflush(stdout);
        ret = qcow2_check(bs, 0, &r);
    }
    bdrv_close(bs);
    if (ret < 0) {
        fprintf(stderr, "vm-img: '%s': check failed: %s\n", argv[optind], strerror(-ret));
        return 1;
    }
    if (!r.corruptions && !r.leaks) {
        printf("No errors were found on the image.\n");
    }
    if (r.corruptions) {
        printf("\n%" PRIu64 " errors were found on the image.\nData may be corrupted, or "
               "further writes to the image may corrupt it.\n", r.corruptions);
    }
    if (r.leaks) {
        printf("\n%" PRIu64 " leaked clusters were found on the image.\nThis means waste of "
               "disk space, but no harm to data.\n", r.leaks);
    }
    if (r.total_clusters) {
        printf("%" PRIu64 "/%" PRIu64 " = %.2f%% allocated, 0.00%% fragmented, %.2f%% "
               "compressed clusters\n", r.allocated_clusters, r.total_clusters,
               100.0 * (double)r.allocated_clusters / (double)r.total_clusters,
               r.allocated_clusters ? 100.0 * (double)r.compressed_clusters /
                                          (double)r.allocated_clusters : 0.0);
    }
    printf("Image end offset: %" PRIu64 "\n", r.image_end_offset);
    return r.corruptions ? 2 : r.leaks ? 3 : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/*
 * Refuse an output that is the input or one of its backing files (by
 * device and inode, so through a symlink or another path too): creating
 * it would empty what is being read.  Runs before anything is opened for
 * writing; the lock taken by create catches what this misses.
 */
static void convert_check_distinct(BlockDriverState *in, const char *out)
{
    struct stat os, is;

    if (stat(out, &os) < 0) {
        return;     /* a new file */
    }
    for (BlockDriverState *bs = in; bs; bs = bs->backing) {
        if (fstat(bs->fd, &is) == 0 && is.st_dev == os.st_dev && is.st_ino == os.st_ino) {
            if (bs == in) {
                error_exit("convert: '%s': output is the same file as the input '%s'", out,
                           in->filename);
            }
            error_exit("convert: '%s': output is the input's backing file '%s'", out,
                       bs->filename);
        }
    }
}

static int cmd_convert(int argc, char **argv)
{
    BlockCreateOpts opts = { 0 };
    const char *in_fmt = NULL, *out_fmt = "raw";
    bool compress = false, progress = isatty(STDOUT_FILENO);
    BlockDriverState *in, *out;
    char err[512];
    uint64_t chunk = 1 << 20;
    uint8_t *buf;
    int c, ret, last_pct = -1;

    while ((c = getopt(argc, argv, "cpf:O:o:")) != -1) {
        switch (c) {
        case 'c': compress = true; break;
        case 'p': progress = true; break;
        case 'f': in_fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'o': parse_create_opts(optarg, &opts); break;
        default: error_exit("convert: bad option (see --help)");
        }
    }
    if (optind + 2 != argc) {
        error_exit("convert: need IN and OUT (see --help)");
    }
    if (compress && strcmp(out_fmt, "qcow2")) {
        error_exit("convert: -c needs -O qcow2");
    }
    if (!bdrv_find_format(out_fmt)) {
        error_exit("convert: unknown format '%s'", out_fmt);
    }
    in = img_open(argv[optind], in_fmt, 0);
    convert_check_distinct(in, argv[optind + 1]);
    ret = bdrv_create(out_fmt, argv[optind + 1], in->size, &opts, err, sizeof(err));
    if (ret < 0) {
        bdrv_close(in);
        error_exit("'%s': %s", argv[optind + 1], err);
    }
    out = img_open(argv[optind + 1], out_fmt, BDRV_O_RDWR);
    if (out->drv == &bdrv_qcow2) {
        chunk = ((Qcow2State *)out->opaque)->cluster_size;
    }
    buf = malloc(chunk);
    if (!buf) {
        error_exit("convert: out of memory");
    }
    for (uint64_t off = 0; off < in->size; off += chunk) {
        size_t n = in->size - off < chunk ? (size_t)(in->size - off) : (size_t)chunk;

        ret = bdrv_read(in, off, buf, n);
        if (ret < 0) {
            error_exit("'%s': read error at offset %" PRIu64 ": %s", argv[optind], off,
                       strerror(-ret));
        }
        /* A fresh image already reads as zeros: leave those parts unallocated. */
        if (!all_zero(buf, n)) {
            ret = compress ? qcow2_write_compressed(out, off, buf, n)
                           : bdrv_write(out, off, buf, n);
            if (ret < 0) {
                error_exit("'%s': write error at offset %" PRIu64 ": %s", argv[optind + 1],
                           off, strerror(-ret));
            }
        }
        if (progress) {
            int pct = (int)((off + n) * 100 / (in->size ? in->size : 1));
            if (pct != last_pct) {
                printf("    (%d.00/100%%)\r", pct);
                fflush(stdout);
                last_pct = pct;
            }
        }
    }
    if (progress) {
        printf("    (100.00/100%%)\n");
    }
    free(buf);
    ret = bdrv_flush(out);
    bdrv_close(out);
    bdrv_close(in);
    if (ret < 0) {
        error_exit("'%s': flush failed: %s", argv[optind + 1], strerror(-ret));
    }
    return 0;
}

static int cmd_resize(int argc, char **argv)
{
    const char *fmt = NULL, *arg;
    BlockDriverState *bs;
    uint64_t size;
    int c, ret;

    while ((c = getopt(argc, argv, "f:")) != -1) {
        if (c == 'f') {
            fmt = optarg;
        } else {
            error_exit("resize: bad option (see --help)");
        }
    }
    if (optind + 2 != argc) {
        error_exit("resize: need FILE and SIZE");
    }
    arg = argv[optind + 1];
    if (arg[0] == '-') {
        error_exit("resize: shrinking is not supported");
    }
    if (parse_size(arg + (arg[0] == '+'), 0, &size) < 0) {
        error_exit("resize: '%s' is not a size", arg);
    }
    bs = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING);
    if (arg[0] == '+') {
        size += bs->size;
    }
    if (size < bs->size) {
        bdrv_close(bs);
        error_exit("resize: shrinking is not supported");
    }
    if (bs->drv == &bdrv_qcow2) {
        ret = qcow2_truncate(bs, size);
    } else {
        ret = ftruncate(bs->fd, (off_t)size) < 0 ? -errno : 0;
    }
    bdrv_close(bs);
    if (ret < 0) {
        error_exit("'%s': resize failed: %s", argv[optind], strerror(-ret));
    }
    printf("Image resized.\n");
    return 0;
}

static int cmd_snapshot(int argc, char **argv)
{
    char op = 0;
    const char *name = NULL;
    BlockDriverState *bs;
    Qcow2State *s;
    int c, ret = 0;

    while ((c = getopt(argc, argv, "lc:a:d:")) != -1) {
        switch (c) {
        case 'l': op = 'l'; break;
        case 'c': case 'a': case 'd': op = (char)c; name = optarg; break;
        default: error_exit("snapshot: bad option (see --help)");
        }
    }
    if (!op || optind + 1 != argc) {
        error_exit("snapshot: need one of -l, -c, -a, -d and FILE");
    }
    bs = img_open(argv[optind], NULL, (op == 'l' ? 0 : BDRV_O_RDWR) | BDRV_O_NO_BACKING);
    if (bs->drv != &bdrv_qcow2) {
        bdrv_close(bs);
        error_exit("'%s': snapshots need a qcow2 image", argv[optind]);
    }
    s = bs->opaque;
    switch (op) {
    case 'l':
        if (s->nb_snapshots) {
            printf("Snapshot list:\nID        TAG\n");
        }
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            printf("%-9s %s\n", s->snapshots[i].id_str, s->snapshots[i].name);
        }
        break;
    case 'c': ret = qcow2_snapshot_create(bs, name); break;
    case 'a': ret = qcow2_snapshot_apply(bs, name); break;
    case 'd': ret = qcow2_snapshot_delete(bs, name); break;
    }
    bdrv_close(bs);
    if (ret < 0) {
        error_exit("'%s': snapshot '%s': %s", argv[optind], name,
                   ret == -ENOENT ? "no such snapshot" : ret == -EEXIST ? "already exists"
                                                                         : strerror(-ret));
    }
    return 0;
}

int main(int argc, char **argv)
{
    error_set_progname("vm-img");
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    optind = 1;
    argc--;
    argv++;
    if (!strcmp(argv[0], "create")) {
        return cmd_create(argc, argv);
    } else if (!strcmp(argv[0], "info")) {
        return cmd_info(argc, argv);
    } else if (!strcmp(argv[0], "check")) {
        return cmd_check(argc, argv);
    } else if (!strcmp(argv[0], "convert")) {
        return cmd_convert(argc, argv);
    } else if (!strcmp(argv[0], "resize")) {
        return cmd_resize(argc, argv);
    } else if (!strcmp(argv[0], "snapshot")) {
        return cmd_snapshot(argc, argv);
    }
    error_exit("'%s': unknown command (see --help)", argv[0]);
}
