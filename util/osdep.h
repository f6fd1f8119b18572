/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Common host definitions: address-space types, branch hints and
 * explicit little/big-endian accessors for guest memory and file formats.
 * The host is x86-64 (little-endian); the accessors still spell out the
 * byte order so that code reading a format says which one it follows.
 */
#ifndef VM_UTIL_OSDEP_H
#define VM_UTIL_OSDEP_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Guest physical address. */
typedef uint64_t gpa_t;
/* Guest virtual address (also "effective address" before translation). */
typedef uint64_t gva_t;

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NORETURN __attribute__((noreturn))
#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))

static inline uint16_t ld_le16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld_le32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld_le64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st_le16(void *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void st_le32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st_le64(void *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t ld_be16(const void *p) { return __builtin_bswap16(ld_le16(p)); }
static inline uint32_t ld_be32(const void *p) { return __builtin_bswap32(ld_le32(p)); }
static inline uint64_t ld_be64(const void *p) { return __builtin_bswap64(ld_le64(p)); }
static inline void st_be16(void *p, uint16_t v) { st_le16(p, __builtin_bswap16(v)); }
static inline void st_be32(void *p, uint32_t v) { st_le32(p, __builtin_bswap32(v)); }
static inline void st_be64(void *p, uint64_t v) { st_le64(p, __builtin_bswap64(v)); }

/* Sign-extend the low `bits` bits of v. */
static inline int64_t sextract64(uint64_t v, int bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* Extract `len` bits of v starting at bit `pos`. */
static inline uint64_t extract64(uint64_t v, int pos, int len)
{
    return (v >> pos) & (len == 64 ? ~0ull : ((1ull << len) - 1));
}

#endif /* VM_UTIL_OSDEP_H */
