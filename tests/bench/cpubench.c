/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpubench: the guest CPU benchmark of `make bench` (DESIGN.md §9,
 * issue 4): integer (CRC32, hashing), memory (sorting 64-bit keys,
 * memcpy/strlen), branchy (a bytecode interpreter loop) and floating
 * point (n-body).  The same C source is built static for riscv64 (run
 * from a busybox initramfs under vm-cli and qemu-system-riscv64) and
 * natively for x86-64.  Each part is timed inside the program with
 * clock_gettime(CLOCK_MONOTONIC) and prints one line
 *
 *     cpubench PART ns=NANOSECONDS sum=CHECKSUM
 *
 * CHECKSUM (16 hex digits) depends only on the computation, so it must
 * be the same on every host and emulator: the harness compares them.
 * Floating point uses only +, -, *, / and sqrt (IEEE 754 correctly
 * rounded everywhere) and is built with -ffp-contract=off, so no fused
 * multiply-add changes a rounding on one side only.
 *
 *     cpubench [SCALE]    SCALE: 1 = full size (default), N = 1/N of it
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

static unsigned scale = 1;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);

    if (!p) {
        fprintf(stderr, "cpubench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static void fill_random(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng();
        memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* --- integer: CRC32 (IEEE 802.3, reflected, table-driven) --------------- */

static uint64_t part_crc32(void)
{
    static uint32_t table[256];
    size_t len = 1u << 20;
    unsigned rounds = 64 / scale ? 64 / scale : 1;
    uint8_t *buf = xmalloc(len);
    uint32_t crc = 0;

    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
        }
        table[i] = c;
    }
    fill_random(buf, len);
    for (unsigned r = 0; r < rounds; r++) {
        crc = ~crc;
        for (size_t i = 0; i < len; i++) {
            crc = (crc >> 8) ^ table[(crc ^ buf[i]) & 0xff];
        }
        crc = ~crc;
        buf[r % len] ^= (uint8_t)crc;   /* each round sees different data */
    }
    free(buf);
    return crc;
}

/* --- integer: hashing (64-bit mixing into an open-addressing table) ----- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t part_hash(void)
{
    size_t n = (512u << 10) / scale, slots = 1;
    unsigned bits = 0;
    uint64_t *keys, sum = 0;
    uint32_t *vals;

    while (slots < 2 * n) {     /* at most half full */
        slots *= 2;
        bits++;
    }
    keys = xmalloc(slots * sizeof(*keys));
    vals = xmalloc(slots * sizeof(*vals));

    memset(keys, 0, slots * sizeof(*keys));
    for (int pass = 0; pass < 8; pass++) {
        /* insert or bump n keys, half of them repeats of earlier ones */
        for (size_t i = 0; i < n; i++) {
            uint64_t k = mix64(i % (n / 2 + 1) + pass * (n / 16) + 1) | 1;
            size_t h = mix64(k) >> (64 - bits);
            while (keys[h] && keys[h] != k) {
                h = (h + 1) & (slots - 1);
            }
            if (!keys[h]) {
                keys[h] = k;
                vals[h] = 0;
            }
            vals[h]++;
        }
    }
    for (size_t h = 0; h < slots; h++) {
        if (keys[h]) {
            sum += mix64(keys[h] ^ vals[h]) ^ h;
        }
    }
    free(keys);
    free(vals);
    return sum;
}

/* --- memory: sorting 64-bit keys (quicksort, median of three) ----------- */

static void sort_u64(uint64_t *a, long n)
{
    while (n > 16) {
        uint64_t x = a[0], y = a[n / 2], z = a[n - 1], p, t;
        long i = 0, j = n - 1;
        p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        for (;;) {
            while (a[i] < p) {
                i++;
            }
            while (a[j] > p) {
                j--;
            }
            if (i >= j) {
                break;
            }
            t = a[i]; a[i] = a[j]; a[j] = t;
            i++;
            j--;
        }
        /* recurse into the smaller half, loop on the larger */
        if (j + 1 < n - (j + 1)) {
            sort_u64(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_u64(a + j + 1, n - (j + 1));
            n = j + 1;
        }
    }
    for (long i = 1; i < n; i++) {
        uint64_t v = a[i];
        long j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint64_t part_sort(void)
{
    long n = (4l << 20) / scale;
    uint64_t *a = xmalloc(n * sizeof(*a));
    uint64_t sum = 0;

    for (long i = 0; i < n; i++) {
        a[i] = rng();
    }
    sort_u64(a, n);
    for (long i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) {
            return 0;           /* not sorted: a checksum no host prints */
        }
        sum = sum * 31 + (a[i] >> 7);
    }
    free(a);
    return sum;
}

/* --- memory: memcpy and strlen ------------------------------------------ */

static uint64_t part_memstr(void)
{
    size_t len = 4u << 20;
    unsigned rounds = 48 / scale ? 48 / scale : 1;
    /* two buffers a power of two apart: a direct-mapped TLB's worst case */
    uint8_t *mem = xmalloc(2 * len + 4096);
    uint8_t *src = mem, *dst = mem + len;
    uint64_t sum = 0;

    fill_random(src, len);
    for (size_t i = 0; i < len; i++) {
        if (!src[i]) {
            src[i] = 1;
        }
    }
    /* a NUL every ~1000 bytes: strings of varying length */
    for (size_t i = 997; i < len; i += 997 + (src[i] & 63)) {
        src[i] = 0;
    }
    src[len - 1] = 0;
    for (unsigned r = 0; r < rounds; r++) {
        size_t off = (r * 4099) % 4096;
        memcpy(dst, src + off, len - 4096);
        dst[len - 4096] = 0;
        for (size_t i = r % 7; i < len - 4096;) {
            size_t l = strlen((const char *)dst + i);
            sum = sum * 33 + l;
            i += l + 1;
        }
    }
    free(mem);
    return sum;
}

/* --- branchy: a bytecode interpreter ------------------------------------ */

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_LT, OP_JZ, OP_JMP,
       OP_XOR, OP_SHR, OP_HALT };

/* A tiny assembler: emits ops and patches forward jumps to labels. */
typedef struct Asm {
    int32_t code[128];
    int n, label[8], fix_at[8], fix_label[8], n_fix;
} Asm;

static void op1(Asm *a, int32_t op) { a->code[a->n++] = op; }
static void op2(Asm *a, int32_t op, int32_t arg) { op1(a, op); op1(a, arg); }
static void jump(Asm *a, int32_t op, int label)
{
    op1(a, op);
    a->fix_at[a->n_fix] = a->n;
    a->fix_label[a->n_fix++] = label;
    op1(a, 0);
}
static void here(Asm *a, int label) { a->label[label] = a->n; }

/*
 * for (i = 0; i < N; i++) { if (i % 3 == 0) acc ^= i * 7;
 * else if (i % 5 == 1) acc = acc * 3 + i; else acc = acc - (i >> 2); }
 * Locals: 0 = i, 1 = acc, 2 = N.
 */
static void interp_program(Asm *a)
{
    enum { TOP, MOD3, MOD5, NEXT, END };

    a->n = a->n_fix = 0;
    here(a, TOP);
    op2(a, OP_LOAD, 0); op2(a, OP_LOAD, 2); op1(a, OP_LT); jump(a, OP_JZ, END);
    op2(a, OP_LOAD, 0); op2(a, OP_PUSH, 3); op1(a, OP_MOD); jump(a, OP_JZ, MOD3);
    op2(a, OP_LOAD, 0); op2(a, OP_PUSH, 5); op1(a, OP_MOD); op2(a, OP_PUSH, 1); op1(a, OP_SUB);
    jump(a, OP_JZ, MOD5);
    op2(a, OP_LOAD, 1); op2(a, OP_LOAD, 0); op2(a, OP_PUSH, 2); op1(a, OP_SHR); op1(a, OP_SUB);
    op2(a, OP_STORE, 1); jump(a, OP_JMP, NEXT);
    here(a, MOD5);
    op2(a, OP_LOAD, 1); op2(a, OP_PUSH, 3); op1(a, OP_MUL); op2(a, OP_LOAD, 0); op1(a, OP_ADD);
    op2(a, OP_STORE, 1); jump(a, OP_JMP, NEXT);
    here(a, MOD3);
    op2(a, OP_LOAD, 1); op2(a, OP_LOAD, 0); op2(a, OP_PUSH, 7); op1(a, OP_MUL); op1(a, OP_XOR);
    op2(a, OP_STORE, 1);
    here(a, NEXT);
    op2(a, OP_LOAD, 0); op2(a, OP_PUSH, 1); op1(a, OP_ADD); op2(a, OP_STORE, 0);
    jump(a, OP_JMP, TOP);
    here(a, END);
    op1(a, OP_HALT);
    for (int i = 0; i < a->n_fix; i++) {
        a->code[a->fix_at[i]] = a->label[a->fix_label[i]];
    }
}

static uint64_t interp_run(const int32_t *code, int64_t *locals)
{
    int64_t stack[64];
    int sp = 0, pc = 0;

    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_LOAD: stack[sp++] = locals[code[pc++]]; break;
        case OP_STORE: locals[code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] * stack[sp]); break;
        case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_JZ: {
            int32_t t = code[pc++];
            if (!stack[--sp]) {
                pc = t;
            }
            break;
        }
        case OP_JMP: pc = code[pc]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> stack[sp]); break;
        case OP_HALT: return (uint64_t)locals[1];
        default: return 0;
        }
    }
}

static uint64_t part_interp(void)
{
    static Asm a;
    int64_t locals[3] = { 0, 1, 3000000 / scale };

    interp_program(&a);
    return interp_run(a.code, locals);
}

/* --- floating point: n-body (the five Jovian planets) ------------------- */

typedef struct Body {
    double x, y, z, vx, vy, vz, mass;
} Body;

#define SOLAR_MASS (4 * M_PI * M_PI)
#define DAYS_PER_YEAR 365.24

static double energy(const Body *b, int n)
{
    double e = 0;

    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static uint64_t part_nbody(void)
{
    Body b[5] = {
        { 0, 0, 0, 0, 0, 0, SOLAR_MASS },
        { 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
          1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
          -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS },
        { 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
          -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
          2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS },
        { 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
          2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
          -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS },
        { 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
          2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
          -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS },
    };
    int n = 5;
    long steps = 500000 / scale;
    double px = 0, py = 0, pz = 0, e0, e1;
    uint64_t bits0, bits1;

    for (int i = 0; i < n; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;
    e0 = energy(b, n);
    for (long s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = 0.01 / (d2 * sqrt(d2));
                b[i].vx -= dx * b[j].mass * mag;
                b[i].vy -= dy * b[j].mass * mag;
                b[i].vz -= dz * b[j].mass * mag;
                b[j].vx += dx * b[i].mass * mag;
                b[j].vy += dy * b[i].mass * mag;
                b[j].vz += dz * b[i].mass * mag;
            }
        }
        for (int i = 0; i < n; i++) {
            b[i].x += 0.01 * b[i].vx;
            b[i].y += 0.01 * b[i].vy;
            b[i].z += 0.01 * b[i].vz;
        }
    }
    e1 = energy(b, n);
    memcpy(&bits0, &e0, 8);
    memcpy(&bits1, &e1, 8);
    return bits0 ^ (bits1 * 3);
}

static const struct {
    const char *name;
    uint64_t (*fn)(void);
} parts[] = {
    { "crc32", part_crc32 },
    { "hash", part_hash },
    { "sort", part_sort },
    { "memstr", part_memstr },
    { "interp", part_interp },
    { "nbody", part_nbody },
};

int main(int argc, char **argv)
{
    if (argc > 1) {
        scale = (unsigned)strtoul(argv[1], NULL, 0);
        if (scale < 1 || scale > 4096) {
            fprintf(stderr, "cpubench: SCALE '%s' is not 1..4096\n", argv[1]);
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        uint64_t t0 = now_ns(), sum = parts[i].fn(), t1 = now_ns();
        printf("cpubench %s ns=%llu sum=%016llx\n", parts[i].name,
               (unsigned long long)(t1 - t0), (unsigned long long)sum);
        fflush(stdout);
    }
    return 0;
}
