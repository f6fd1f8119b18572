/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstate (DESIGN.md §7): each device and each hart describes the fields
 * of its state struct once, in a table of VMStateField; the same table
 * saves them, loads them and checks that a saved record has the name,
 * version and size this build expects.  Members that are not guest state
 * (host pointers, IRQ wiring, caches rebuilt after a load) are listed too,
 * as VMSTATE_SKIP with the reason, so a test can prove that every byte
 * of the struct is either saved or deliberately left out
 * (vmstate_check_coverage).  Each device registers its instance from its
 * create function with vmstate_register; savevm walks that registry.
 *
 * Encoding: a record is the fields' bytes in table order, elements
 * little-endian (the host's order; x86-64 only), nested structs inline.
 * A description may add one variable-length part (state held in host
 * memory, such as virtio-gpu's resources) through the *_extra hooks.
 * Every part of a snapshot carries a CRC-32 (vmstate_checksum), checked
 * before anything is applied, so a damaged one is named, not loaded.
 */
#ifndef VM_MIGRATION_VMSTATE_H
#define VM_MIGRATION_VMSTATE_H

#include <stdalign.h>
#include <stddef.h>

#include "hw/core/machine.h"

typedef enum {
    VMS_END = 0,
    VMS_DATA,       /* count elements of elem_size bytes (1, 2, 4 or 8) */
    VMS_STRUCT,     /* count elements described by vmsd, vmsd->size bytes apart */
    VMS_SKIP,       /* not guest state: `why` says what restores it */
} VMStateKind;

typedef struct VMStateDescription VMStateDescription;

/* One member of a state struct. */
typedef struct VMStateField {
    const char *name;
    VMStateKind kind;
    size_t offset;                 /* bytes from the start of the struct */
    size_t elem_size;              /* bytes of one element */
    size_t count;                  /* elements (1 for a scalar) */
    size_t align;                  /* the member's alignment, for the coverage check */
    /*
     * VMS_DATA of C type bool (set by VMSTATE_SCALAR/ARRAY): a record
     * holding anything but 0 or 1 there is refused, since loading another
     * byte into a bool is undefined behaviour.
     */
    bool is_bool;
    const VMStateDescription *vmsd; /* VMS_STRUCT */
    const char *why;               /* VMS_SKIP */
} VMStateField;

/*
 * A state struct's description.  post_load runs after every registered
 * record of the machine has been loaded (so a device may drive IRQ lines
 * into loaded harts): it re-arms timers, recomputes caches and
 * re-evaluates outputs.  pre_save may refresh fields from live sources
 * (virtual time).  Both may be NULL.
 */
struct VMStateDescription {
    const char *name;              /* e.g. "plic"; part of the record's check */
    uint32_t version;              /* bump when fields change; a load wants the same */
    size_t size;                   /* sizeof the described struct, bytes */
    const VMStateField *fields;    /* ends with VMSTATE_END */
    void (*pre_save)(void *opaque);
    void (*post_load)(void *opaque);
    /*
     * The optional variable-length part, saved after the record.
     * save_extra: *buf gets a malloc'd blob (the caller frees it) and
     * *len its bytes; returns 0 or -ENOMEM.
     * parse_extra: check a blob from a snapshot as untrusted input and
     * build the state it describes, without touching opaque's device;
     * with staged NULL it only checks (what it built is freed), else
     * *staged gets that state.  Returns 0, or -EINVAL / -ENOMEM with one
     * line in err.
     * commit_extra: install a staged state into opaque (never fails);
     * runs after the records are loaded, before post_load.
     * free_extra: drop a staged state that will not be committed.
     * All four or none.
     */
    int (*save_extra)(void *opaque, uint8_t **buf, size_t *len);
    int (*parse_extra)(void *opaque, const uint8_t *buf, size_t len, void **staged, char *err,
                       size_t errlen);
    void (*commit_extra)(void *opaque, void *staged);
    void (*free_extra)(void *staged);
};

#define VMSTATE_MEMBER(T, m) (((T *)0)->m)
/* Is this (unevaluated) lvalue a bool?  Qualifiers go with the lvalue conversion. */
#define VMSTATE_IS_BOOL(x) _Generic((x), bool: true, default: false)

/* A scalar or array member; a bool one gets is_bool without being named so. */
#define VMSTATE_SCALAR(T, m) { .name = #m, .kind = VMS_DATA, .offset = offsetof(T, m), \
    .elem_size = sizeof(VMSTATE_MEMBER(T, m)), .count = 1, \
    .align = alignof(__typeof__(VMSTATE_MEMBER(T, m))), \
    .is_bool = VMSTATE_IS_BOOL(VMSTATE_MEMBER(T, m)) }
#define VMSTATE_ARRAY(T, m) { .name = #m, .kind = VMS_DATA, .offset = offsetof(T, m), \
    .elem_size = sizeof(VMSTATE_MEMBER(T, m)[0]), \
    .count = ARRAY_SIZE(VMSTATE_MEMBER(T, m)), \
    .align = alignof(__typeof__(VMSTATE_MEMBER(T, m)[0])), \
    .is_bool = VMSTATE_IS_BOOL(VMSTATE_MEMBER(T, m)[0]) }
#define VMSTATE_STRUCT(T, m, d) { .name = #m, .kind = VMS_STRUCT, .offset = offsetof(T, m), \
    .elem_size = sizeof(VMSTATE_MEMBER(T, m)), .count = 1, \
    .align = alignof(__typeof__(VMSTATE_MEMBER(T, m))), .vmsd = &(d) }
#define VMSTATE_STRUCT_ARRAY(T, m, d) { .name = #m, .kind = VMS_STRUCT, \
    .offset = offsetof(T, m), .elem_size = sizeof(VMSTATE_MEMBER(T, m)[0]), \
    .count = ARRAY_SIZE(VMSTATE_MEMBER(T, m)), \
    .align = alignof(__typeof__(VMSTATE_MEMBER(T, m)[0])), .vmsd = &(d) }
#define VMSTATE_SKIP(T, m, reason) { .name = #m, .kind = VMS_SKIP, .offset = offsetof(T, m), \
    .elem_size = sizeof(VMSTATE_MEMBER(T, m)), .count = 1, \
    .align = alignof(__typeof__(VMSTATE_MEMBER(T, m))), .why = reason }
#define VMSTATE_END { .name = NULL, .kind = VMS_END }

/* One registered instance: a description and the struct it describes. */
typedef struct VMStateEntry {
    char id[48];                   /* unique in the machine: "plic@c000000", "hart0" */
    const VMStateDescription *vmsd;
    void *opaque;
    struct VMStateEntry *next;     /* registration order */
} VMStateEntry;

/*
 * Register `opaque` (described by vmsd) as instance `id` of machine m
 * (a second instance of an id gets ".1" appended, and so on); called by
 * each device's and hart's create function.  Records are saved
 * and loaded in registration order.  The entry lives as long as m.
 */
void vmstate_register(Machine *m, const char *id, const VMStateDescription *vmsd, void *opaque);

/* Bytes of one record of vmsd. */
size_t vmstate_size(const VMStateDescription *vmsd);

/* Copy the saved fields of `opaque` into buf (vmstate_size bytes). */
void vmstate_save(const VMStateDescription *vmsd, const void *opaque, uint8_t *buf);
/* Copy a record back into the saved fields of `opaque` (no post_load). */
void vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *buf);

/*
 * Check that vmsd's fields (saved and skipped, nested descriptions
 * included) cover every byte of its struct except alignment padding,
 * and do not overlap.  Padding is a gap that ends where the next member's
 * alignment puts it (or the struct's end), so a forgotten member smaller
 * than such a gap would pass; anything larger is found.  Returns 0, or -EINVAL with one line in err naming
 * the first uncovered or overlapping range.
 */
int vmstate_check_coverage(const VMStateDescription *vmsd, char *err, size_t errlen);

/*
 * The checksum of every part of a snapshot stream (savevm.c, and the
 * device section here): zlib's crc32() (CRC-32 of IEEE 802.3, as gzip
 * and PNG use it), continuing from crc (0 to start).
 */
uint32_t vmstate_checksum(uint32_t crc, const void *buf, size_t len);

/* Input bytes of a name from a snapshot that an error message shows at most. */
#define VMSTATE_SHOWN_MAX 48
/*
 * A name read from a snapshot, made safe to print: at most
 * VMSTATE_SHOWN_MAX of its len bytes, printable ASCII as is, a quote,
 * a backslash and anything else as \xNN, "..." when cut.  out gets at
 * most 4 * VMSTATE_SHOWN_MAX + 4 bytes (less when outlen is smaller).
 */
void vmstate_escape(char *out, size_t outlen, const void *name, size_t len);

/*
 * The device section of a snapshot: le32 count of records, le32 CRC-32
 * of that count, then every registered record of m, each as le16 id
 * length, id, le32 version, le32 size, data, le64 length of the
 * variable-length part and its bytes (0 without save_extra), and le32
 * CRC-32 of all the record's bytes before it.  *buf is malloc'd (the
 * caller frees it); returns 0 or -ENOMEM.
 */
int vmstate_save_all(Machine *m, uint8_t **buf, size_t *len);

/*
 * Check a device section's framing and checksums alone (no registry
 * needed): returns 0, or -EINVAL with one line in err naming the
 * damaged part: "section 'virtio-blk' is damaged (checksum mismatch)"
 * (the record's id, escaped; 'device list' for the count).
 */
int vmstate_verify_all(const uint8_t *buf, size_t len, char *err, size_t errlen);

/*
 * vmstate_verify_all, then check a device section against m's registry:
 * same ids in the same order, same versions and sizes, every value one
 * its field's C type can hold (a bool 0 or 1), every variable-length
 * part accepted by its parse_extra.  Returns 0, or -EBADMSG with one line
 * in err when a record holds a value its field cannot ("section
 * 'virtio-blk' is damaged (field 'vdev.vq[0].ready' holds 208, not 0 or
 * 1)"), or -EINVAL (-ENOMEM) with one line in err when the section is
 * damaged or belongs to another configuration.
 */
int vmstate_check_all(Machine *m, const uint8_t *buf, size_t len, char *err, size_t errlen);

/*
 * vmstate_check_all (building the variable-length parts; same errors),
 * and only then load every record, commit those parts and run the
 * post_load hooks.  On failure nothing was changed.
 */
int vmstate_load_all(Machine *m, const uint8_t *buf, size_t len, char *err, size_t errlen);

#endif /* VM_MIGRATION_VMSTATE_H */
