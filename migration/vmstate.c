/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstate (see vmstate.h): the registry of a machine's described state,
 * record save/load from the field tables, the coverage check, and the
 * device section of a snapshot with its checksums.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "migration/vmstate.h"

void vmstate_register(Machine *m, const char *id, const VMStateDescription *vmsd, void *opaque)
{
    VMStateEntry *e = calloc(1, sizeof(*e)), **tail = &m->vmstate;
    bool taken = true;

    if (!e) {
        return;  /* the next savevm refuses: the record count no longer matches */
    }
    /* A second instance of the same kind becomes "id.1", then "id.2"... */
    for (unsigned n = 0; taken; n++) {
        if (n) {
            snprintf(e->id, sizeof(e->id), "%s.%u", id, n);
        } else {
            snprintf(e->id, sizeof(e->id), "%s", id);
        }
        taken = false;
        for (VMStateEntry *o = m->vmstate; o; o = o->next) {
            taken |= !strcmp(o->id, e->id);
        }
    }
    e->vmsd = vmsd;
    e->opaque = opaque;
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = e;
}

size_t vmstate_size(const VMStateDescription *vmsd)
{
    size_t n = 0;

    for (const VMStateField *f = vmsd->fields; f->kind != VMS_END; f++) {
        if (f->kind == VMS_DATA) {
            n += f->elem_size * f->count;
        } else if (f->kind == VMS_STRUCT) {
            n += vmstate_size(f->vmsd) * f->count;
        }
    }
    return n;
}

/* Save (to_buf) or load one record; returns the bytes consumed. */
static size_t vmstate_copy(const VMStateDescription *vmsd, uint8_t *obj, uint8_t *buf,
                           bool to_buf)
{
    size_t pos = 0;

    for (const VMStateField *f = vmsd->fields; f->kind != VMS_END; f++) {
        uint8_t *p = obj + f->offset;
        if (f->kind == VMS_DATA) {
            size_t n = f->elem_size * f->count;
            memcpy(to_buf ? buf + pos : p, to_buf ? p : buf + pos, n);
            pos += n;
        } else if (f->kind == VMS_STRUCT) {
            for (size_t i = 0; i < f->count; i++) {
                pos += vmstate_copy(f->vmsd, p + i * f->elem_size, buf + pos, to_buf);
            }
        }
    }
    return pos;
}

void vmstate_save(const VMStateDescription *vmsd, const void *opaque, uint8_t *buf)
{
    vmstate_copy(vmsd, (uint8_t *)opaque, buf, true);
}

void vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *buf)
{
    vmstate_copy(vmsd, opaque, (uint8_t *)buf, false);
}

static size_t round_up(size_t v, size_t a)
{
    return a ? (v + a - 1) / a * a : v;
}

int vmstate_check_coverage(const VMStateDescription *vmsd, char *err, size_t errlen)
{
    const VMStateField *sorted[256];
    size_t n = 0, end = 0, max_align = 1;
    const char *prev = "(start)";

    for (const VMStateField *f = vmsd->fields; f->kind != VMS_END; f++) {
        if (n == ARRAY_SIZE(sorted)) {
            snprintf(err, errlen, "%s: more than %zu fields", vmsd->name, ARRAY_SIZE(sorted));
            return -EINVAL;
        }
        if (f->kind == VMS_STRUCT) {
            if (f->vmsd->size != f->elem_size) {
                snprintf(err, errlen, "%s.%s: element is %zu bytes, %s describes %zu",
                         vmsd->name, f->name, f->elem_size, f->vmsd->name, f->vmsd->size);
                return -EINVAL;
            }
            if (vmstate_check_coverage(f->vmsd, err, errlen) < 0) {
                return -EINVAL;
            }
        }
        size_t j = n++;
        for (; j > 0 && sorted[j - 1]->offset > f->offset; j--) {
            sorted[j] = sorted[j - 1];
        }
        sorted[j] = f;
    }
    for (size_t i = 0; i < n; i++) {
        const VMStateField *f = sorted[i];
        size_t bytes = f->kind == VMS_SKIP ? f->elem_size : f->elem_size * f->count;

        if (f->offset < end) {
            snprintf(err, errlen, "%s: %s overlaps %s", vmsd->name, f->name, prev);
            return -EINVAL;
        }
        if (f->offset != end && round_up(end, f->align) != f->offset) {
            snprintf(err, errlen, "%s: bytes %zu..%zu between %s and %s are not described",
                     vmsd->name, end, f->offset - 1, prev, f->name);
            return -EINVAL;
        }
        end = f->offset + bytes;
        prev = f->name;
        if (f->align > max_align) {
            max_align = f->align;
        }
    }
    if (end != vmsd->size && round_up(end, max_align) != vmsd->size) {
        snprintf(err, errlen, "%s: bytes %zu..%zu after %s are not described", vmsd->name,
                 end, vmsd->size - 1, prev);
        return -EINVAL;
    }
    return 0;
}

uint32_t vmstate_checksum(uint32_t crc, const void *buf, size_t len)
{
    return (uint32_t)crc32_z(crc, buf, len);
}

void vmstate_escape(char *out, size_t outlen, const void *name, size_t len)
{
    const uint8_t *p = name;
    size_t o = 0, n = len < VMSTATE_SHOWN_MAX ? len : VMSTATE_SHOWN_MAX;

    if (!outlen) {
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 5 < outlen; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '\'') {
            out[o++] = (char)p[i];
        } else {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[i]);
        }
        out[o] = '\0';
    }
    if (n < len && o + 4 <= outlen) {
        memcpy(out + o, "...", 4);
    }
}

int vmstate_save_all(Machine *m, uint8_t **out, size_t *out_len)
{
    size_t len = 8, pos = 0, count = 0, i = 0;
    uint8_t *buf = NULL, **extra;
    size_t *extra_len;
    int ret = 0;

    for (VMStateEntry *e = m->vmstate; e; e = e->next) {
        count++;
    }
    extra = calloc(count + 1, sizeof(*extra));
    extra_len = calloc(count + 1, sizeof(*extra_len));
    for (VMStateEntry *e = m->vmstate; e && extra && extra_len && ret == 0; e = e->next, i++) {
        if (e->vmsd->pre_save) {
            e->vmsd->pre_save(e->opaque);
        }
        if (e->vmsd->save_extra) {
            ret = e->vmsd->save_extra(e->opaque, &extra[i], &extra_len[i]);
        }
        len += 2 + strlen(e->id) + 8 + vmstate_size(e->vmsd) + 8 + extra_len[i] + 4;
    }
    if (extra && extra_len && ret == 0) {
        buf = malloc(len);
    }
    if (buf) {
        st_le32(buf, (uint32_t)count);
        st_le32(buf + 4, vmstate_checksum(0, buf, 4));
        pos = 8;
        i = 0;
        for (VMStateEntry *e = m->vmstate; e; e = e->next, i++) {
            size_t idlen = strlen(e->id), size = vmstate_size(e->vmsd), start = pos;
            st_le16(buf + pos, (uint16_t)idlen);
            memcpy(buf + pos + 2, e->id, idlen);
            pos += 2 + idlen;
            st_le32(buf + pos, e->vmsd->version);
            st_le32(buf + pos + 4, (uint32_t)size);
            pos += 8;
            vmstate_save(e->vmsd, e->opaque, buf + pos);
            pos += size;
            st_le64(buf + pos, extra_len[i]);
            if (extra_len[i]) {     /* extra[i] is NULL when empty: memcpy(NULL) is UB */
                memcpy(buf + pos + 8, extra[i], extra_len[i]);
            }
            pos += 8 + extra_len[i];
            st_le32(buf + pos, vmstate_checksum(0, buf + start, pos - start));
            pos += 4;
        }
    }
    for (i = 0; extra && i < count; i++) {
        free(extra[i]);
    }
    free(extra);
    free(extra_len);
    if (!buf) {
        return -ENOMEM;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* err = "section 'NAME' is damaged (why)"; returns -EINVAL. */
static int damaged(char *err, size_t errlen, const char *name, const char *why)
{
    snprintf(err, errlen, "section '%s' is damaged (%s)", name, why);
    return -EINVAL;
}

int vmstate_verify_all(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    char name[4 * VMSTATE_SHOWN_MAX + 4];
    uint32_t count;
    size_t pos = 8;

    if (len < 8) {
        return damaged(err, errlen, "device list", "truncated");
    }
    if (vmstate_checksum(0, buf, 4) != ld_le32(buf + 4)) {
        return damaged(err, errlen, "device list", "checksum mismatch");
    }
    count = ld_le32(buf);
    for (uint32_t i = 0; i < count; i++) {
        size_t start = pos, idlen, size;
        uint64_t extra_len;

        /* The record's id names it while its length is plausible; its number otherwise. */
        idlen = len - pos >= 2 ? ld_le16(buf + pos) : SIZE_MAX;
        if (idlen && idlen <= 64 && idlen <= len - pos - 2) {
            vmstate_escape(name, sizeof(name), buf + pos + 2, idlen);
        } else {
            snprintf(name, sizeof(name), "device record %u", i);
        }
        if (idlen == SIZE_MAX || len - pos - 2 < idlen + 8) {
            return damaged(err, errlen, name, "runs past the section's end");
        }
        pos += 2 + idlen;
        size = ld_le32(buf + pos + 4);
        pos += 8;
        if (len - pos < 8 || len - pos - 8 < size) {
            return damaged(err, errlen, name, "runs past the section's end");
        }
        extra_len = ld_le64(buf + pos + size);
        pos += size + 8;
        if (len - pos < 4 || extra_len > len - pos - 4) {
            return damaged(err, errlen, name, "runs past the section's end");
        }
        pos += extra_len;
        if (vmstate_checksum(0, buf + start, pos - start) != ld_le32(buf + pos)) {
            return damaged(err, errlen, name, "checksum mismatch");
        }
        pos += 4;
    }
    if (pos != len) {
        return damaged(err, errlen, "device list", "bytes after the last record");
    }
    return 0;
}

/*
 * Walk a device section (verified) against m's registry; for each record
 * call visit(e, record data, extra part, its length) unless visit is NULL.
 */
static int vmstate_walk(Machine *m, const uint8_t *buf, size_t len, char *err, size_t errlen,
                        int (*visit)(VMStateEntry *e, const uint8_t *data, const uint8_t *extra,
                                     size_t extra_len, void *ctx),
                        void *ctx)
{
    uint32_t count, i = 0;
    size_t pos = 8;
    VMStateEntry *e;
    char id[4 * VMSTATE_SHOWN_MAX + 4];
    int ret = vmstate_verify_all(buf, len, err, errlen);

    if (ret < 0) {
        return ret;
    }
    count = ld_le32(buf);
    /* The section must describe exactly this machine's devices, in order. */
    for (e = m->vmstate; e || i < count; e = e ? e->next : NULL, i++) {
        size_t idlen, size;
        uint64_t extra_len;
        uint32_t version;
        const uint8_t *data;

        if (i == count) {
            snprintf(err, errlen, "this machine has device '%s', the snapshot does not", e->id);
            return -EINVAL;
        }
        idlen = ld_le16(buf + pos);     /* verified: the record lies inside the section */
        vmstate_escape(id, sizeof(id), buf + pos + 2, idlen);
        if (!e) {
            snprintf(err, errlen, "the snapshot has device '%s', this machine does not", id);
            return -EINVAL;
        }
        if (idlen != strlen(e->id) || memcmp(buf + pos + 2, e->id, idlen)) {
            snprintf(err, errlen, "it has device '%s' where this machine has '%s'", id, e->id);
            return -EINVAL;
        }
        pos += 2 + idlen;
        version = ld_le32(buf + pos);
        size = ld_le32(buf + pos + 4);
        pos += 8;
        if (version != e->vmsd->version || size != vmstate_size(e->vmsd)) {
            snprintf(err, errlen, "device '%s' is version %u (%zu bytes), this build reads "
                     "version %u (%zu bytes)", e->id, version, size, e->vmsd->version,
                     vmstate_size(e->vmsd));
            return -EINVAL;
        }
        extra_len = ld_le64(buf + pos + size);
        if (extra_len && !e->vmsd->parse_extra) {
            snprintf(err, errlen, "device '%s' has %" PRIu64 " bytes of extra state, this "
                     "build reads none", e->id, extra_len);
            return -EINVAL;
        }
        data = buf + pos;
        pos += size + 8;
        if (visit) {
            int ret = visit(e, data, buf + pos, extra_len, ctx);
            if (ret < 0) {
                return ret;
            }
        }
        pos += extra_len + 4;
    }
    return 0;
}

/* A bool element is one byte (x86-64), so its record byte is the value loaded. */
_Static_assert(sizeof(bool) == 1, "vmstate_bad_value reads a bool as one byte");

/*
 * Find the first value in the record at buf + *pos (advanced past it)
 * that its field's C type cannot hold: a bool other than 0 or 1 (loading
 * one is undefined behaviour, and code testing `x == true` or indexing
 * with it would go astray).  Returns true with the field's path in vmsd
 * in path ("vq[0].ready") and the byte in *value, or false.
 */
static bool vmstate_bad_value(const VMStateDescription *vmsd, const uint8_t *buf, size_t *pos,
                              char *path, size_t pathlen, uint8_t *value)
{
    for (const VMStateField *f = vmsd->fields; f->kind != VMS_END; f++) {
        if (f->kind == VMS_DATA) {
            for (size_t i = 0; f->is_bool && i < f->count; i++) {
                if (buf[*pos + i] > 1) {
                    if (f->count > 1) {
                        snprintf(path, pathlen, "%s[%zu]", f->name, i);
                    } else {
                        snprintf(path, pathlen, "%s", f->name);
                    }
                    *value = buf[*pos + i];
                    return true;
                }
            }
            *pos += f->elem_size * f->count;
        } else if (f->kind == VMS_STRUCT) {
            for (size_t i = 0; i < f->count; i++) {
                char inner[128];
                if (!vmstate_bad_value(f->vmsd, buf, pos, inner, sizeof(inner), value)) {
                    continue;
                }
                if (f->count > 1) {
                    snprintf(path, pathlen, "%s[%zu].%s", f->name, i, inner);
                } else {
                    snprintf(path, pathlen, "%s.%s", f->name, inner);
                }
                return true;
            }
        }
    }
    return false;
}

typedef struct LoadCtx {
    void **staged;                 /* one per registered entry; NULL: only check */
    size_t i;
    char *err;
    size_t errlen;
} LoadCtx;

/* Check, or stage, one record's variable-length part (visit of vmstate_walk). */
static int stage_extra(VMStateEntry *e, const uint8_t *data, const uint8_t *extra,
                       size_t extra_len, void *opaque)
{
    LoadCtx *c = opaque;
    void **staged = c->staged ? &c->staged[c->i++] : NULL;
    char why[200];
    size_t pos = 0;
    uint8_t value;

    if (vmstate_bad_value(e->vmsd, data, &pos, why, sizeof(why), &value)) {
        snprintf(c->err, c->errlen, "section '%s' is damaged (field '%s' holds %u, not 0 or 1)",
                 e->id, why, value);
        return -EBADMSG;
    }
    if (!e->vmsd->parse_extra) {
        return 0;
    }
    if (e->vmsd->parse_extra(e->opaque, extra, extra_len, staged, why, sizeof(why)) < 0) {
        snprintf(c->err, c->errlen, "device '%s': %s", e->id, why);
        return -EINVAL;
    }
    return 0;
}

int vmstate_check_all(Machine *m, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    LoadCtx c = { .err = err, .errlen = errlen };

    return vmstate_walk(m, buf, len, err, errlen, stage_extra, &c);
}

/* Load one record and commit its staged extra state. */
static int load_record(VMStateEntry *e, const uint8_t *data, const uint8_t *extra,
                       size_t extra_len, void *opaque)
{
    LoadCtx *c = opaque;
    void *staged = c->staged[c->i];

    c->staged[c->i++] = NULL;
    vmstate_load(e->vmsd, e->opaque, data);
    if (e->vmsd->commit_extra) {
        e->vmsd->commit_extra(e->opaque, staged);
    }
    return 0;
}

int vmstate_load_all(Machine *m, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    LoadCtx c = { .err = err, .errlen = errlen };
    size_t count = 0, i = 0;
    VMStateEntry *e;
    int ret;

    for (e = m->vmstate; e; e = e->next) {
        count++;
    }
    c.staged = calloc(count + 1, sizeof(*c.staged));
    if (!c.staged) {
        snprintf(err, errlen, "out of memory loading the device state");
        return -ENOMEM;
    }
    /* Check everything and build the variable-length parts: only then change the machine. */
    ret = vmstate_walk(m, buf, len, err, errlen, stage_extra, &c);
    if (ret < 0) {
        for (e = m->vmstate; e; e = e->next, i++) {
            if (c.staged[i]) {
                e->vmsd->free_extra(c.staged[i]);
            }
        }
        free(c.staged);
        return ret;
    }
    c.i = 0;
    vmstate_walk(m, buf, len, err, errlen, load_record, &c);
    free(c.staged);
    /* Let every device re-arm and re-drive its outputs. */
    for (e = m->vmstate; e; e = e->next) {
        if (e->vmsd->post_load) {
            e->vmsd->post_load(e->opaque);
        }
    }
    return 0;
}
