/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor (see monitor.h): the command table and the commands
 * in QEMU's HMP spelling, and the two transports: stdio muxed with the
 * serial console through readline's callback interface (fed from the
 * console's input bytes, so the raw terminal belongs to the console
 * alone), and a line-based Unix socket server.  Memory is examined only
 * through host-backed RAM/ROM (memory_host_ptr) and page tables are
 * walked without A/D updates (priv. spec §4.3-4.5), so no command has a
 * side effect on the guest except stop, cont, system_reset,
 * system_powerdown and quit.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "monitor/monitor.h"
#include "block/block.h"
#include "cpu/riscv/cpu.h"
#include "gdbstub/gdbstub.h"
#include "hw/core/fdwatch.h"
#include "migration/savevm.h"
#include "net/net.h"
#include "tcg/cpus.h"
#include "tcg/jit.h"
#include "tcg/tlb.h"
#include "tcg/tb.h"
#include "ui/console.h"
#include "ui/display.h"

#define MON_LINE_MAX 1024  /* bytes of one socket command line */

/* One monitor session's view: the machine, the selected hart, where output goes. */
typedef struct MonCtx {
    Machine *m;
    unsigned cpu;          /* index of the current hart (`cpu N`) */
    FILE *out;
} MonCtx;

typedef struct MonCmd {
    const char *name;
    const char *args;
    const char *help;
    void (*run)(MonCtx *c, const char *cmd, char *args);
} MonCmd;

typedef struct MonInfo {
    const char *name;
    const char *help;
    void (*run)(MonCtx *c);
} MonInfo;

static RISCVCPU *mon_cpu(MonCtx *c)
{
    return riscv_cpu(c->m->cpus[c->cpu < c->m->nr_cpus ? c->cpu : 0]);
}

static char *skip_ws(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* --- expressions: $reg, numbers, + and - ------------------------------ */

static int mon_reg(MonCtx *c, const char *name, size_t len, uint64_t *val)
{
    RISCVCPU *cpu = mon_cpu(c);
    struct { const char *n; uint64_t v; } csrs[] = {
        { "pc", cpu->parent.pc }, { "fp", cpu->gpr[8] }, { "priv", (uint64_t)cpu->priv },
        { "mstatus", cpu->mstatus }, { "mepc", cpu->mepc }, { "mcause", cpu->mcause },
        { "mtval", cpu->mtval }, { "mtvec", cpu->mtvec }, { "mie", cpu->mie },
        { "mip", cpu->mip }, { "sepc", cpu->sepc }, { "scause", cpu->scause },
        { "stval", cpu->stval }, { "stvec", cpu->stvec }, { "satp", cpu->satp },
        { "sscratch", cpu->sscratch }, { "mscratch", cpu->mscratch },
    };

    for (size_t i = 0; i < ARRAY_SIZE(csrs); i++) {
        if (strlen(csrs[i].n) == len && !strncmp(name, csrs[i].n, len)) {
            *val = csrs[i].v;
            return 0;
        }
    }
    for (int i = 0; i < 32; i++) {
        char xn[4];
        snprintf(xn, sizeof(xn), "x%d", i);
        if ((strlen(riscv_gpr_names[i]) == len && !strncmp(name, riscv_gpr_names[i], len)) ||
            (strlen(xn) == len && !strncmp(name, xn, len))) {
            *val = cpu->gpr[i];
            return 0;
        }
    }
    return -EINVAL;
}

/* Evaluate `s` (terms joined by + and -); 0, or -EINVAL with one line in err. */
static int mon_eval(MonCtx *c, const char *s, uint64_t *val, char *err, size_t errlen)
{
    uint64_t acc = 0;
    int sign = 1;
    bool want_term = true;

    while (*s) {
        if (*s == ' ' || *s == '\t') {
            s++;
        } else if (want_term && (*s == '-' || *s == '+')) {
            sign = *s++ == '-' ? -sign : sign;
        } else if (want_term && *s == '$') {
            const char *n = ++s;
            uint64_t v;
            while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
                s++;
            }
            if (mon_reg(c, n, (size_t)(s - n), &v) < 0) {
                snprintf(err, errlen, "unknown register '$%.*s'", (int)(s - n), n);
                return -EINVAL;
            }
            acc += sign > 0 ? v : -v;
            want_term = false;
        } else if (want_term && *s >= '0' && *s <= '9') {
            char *end;
            uint64_t v;
            errno = 0;
            v = strtoull(s, &end, 0);
            if (errno || (*end && !strchr(" \t+-", *end))) {
                snprintf(err, errlen, "invalid number '%s'", s);
                return -EINVAL;
            }
            s = end;
            acc += sign > 0 ? v : -v;
            want_term = false;
        } else if (!want_term && (*s == '+' || *s == '-')) {
            sign = *s++ == '-' ? -1 : 1;
            want_term = true;
        } else {
            snprintf(err, errlen, "invalid expression at '%s'", s);
            return -EINVAL;
        }
    }
    if (want_term) {
        snprintf(err, errlen, "expression expected");
        return -EINVAL;
    }
    *val = acc;
    return 0;
}

/* --- memory ---------------------------------------------------------- */

/*
 * Copy len bytes at addr (guest-virtual through the current hart's page
 * tables when virt, else guest-physical) from RAM/ROM.  MMIO is refused
 * (reads have side effects).  Returns 0, or -EFAULT with *bad set.
 */
static int mon_read(MonCtx *c, uint64_t addr, bool virt, void *buf, size_t len, uint64_t *bad)
{
    uint8_t *p = buf;

    while (len) {
        size_t n = PAGE_SIZE - (addr & ~PAGE_MASK);
        gpa_t pa = addr;
        void *host;

        n = n < len ? n : len;
        if (virt && riscv_debug_translate(mon_cpu(c), addr, &pa) < 0) {
            *bad = addr;
            return -EFAULT;
        }
        host = memory_host_ptr(&c->m->as, pa, n);
        if (!host) {
            *bad = addr;
            return -EFAULT;
        }
        memcpy(p, host, n);
        p += n;
        addr += n;
        len -= n;
    }
    return 0;
}

/* x/FMT ADDR, xp/FMT ADDR: FMT is [count][x|d|u|i|c][b|h|w|g] in any order after the count. */
static void cmd_x(MonCtx *c, const char *cmd, char *args)
{
    bool virt = cmd[0] == 'x' && cmd[1] != 'p';
    const char *fmt = strchr(cmd, '/');
    unsigned count = 1, size = 4;
    char format = 'x', err[160];
    uint64_t addr, bad;

    if (fmt) {
        char *end;
        fmt++;
        if (*fmt >= '0' && *fmt <= '9') {
            unsigned long n = strtoul(fmt, &end, 10);
            if (n == 0 || n > 4096) {
                fprintf(c->out, "%s: count must be 1..4096\n", cmd);
                return;
            }
            count = (unsigned)n;
            fmt = end;
        }
        for (; *fmt; fmt++) {
            if (strchr("xduic", *fmt)) {
                format = *fmt;
            } else if (strchr("bhwg", *fmt)) {
                size = *fmt == 'b' ? 1 : *fmt == 'h' ? 2 : *fmt == 'w' ? 4 : 8;
            } else {
                fprintf(c->out, "%s: invalid format '%c' (count, then x d u i c, b h w g)\n",
                        cmd, *fmt);
                return;
            }
        }
    }
    if (!*args) {
        fprintf(c->out, "%s: address expected\n", cmd);
        return;
    }
    if (mon_eval(c, args, &addr, err, sizeof(err)) < 0) {
        fprintf(c->out, "%s: %s\n", cmd, err);
        return;
    }
    if (format == 'i') {
        for (unsigned i = 0; i < count; i++) {
            uint8_t b[4];
            uint32_t raw;
            char text[128];
            unsigned len;

            if (mon_read(c, addr, virt, b, 2, &bad) < 0 ||
                ((b[0] & 3) == 3 && mon_read(c, addr + 2, virt, b + 2, 2, &bad) < 0)) {
                fprintf(c->out, "Cannot access memory at 0x%" PRIx64 "\n", bad);
                return;
            }
            raw = (b[0] & 3) == 3 ? ld_le32(b) : ld_le16(b);
            len = riscv_disas(text, sizeof(text), addr, raw);
            if (len == 2) {
                fprintf(c->out, "0x%016" PRIx64 ":  %04" PRIx32 "      %s\n", addr, raw, text);
            } else {
                fprintf(c->out, "0x%016" PRIx64 ":  %08" PRIx32 "  %s\n", addr, raw, text);
            }
            addr += len ? len : 2;
        }
        return;
    }
    if (format == 'c') {
        size = 1;
    }
    unsigned per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
    for (unsigned i = 0; i < count; i++) {
        uint8_t b[8];
        uint64_t v;

        if (mon_read(c, addr, virt, b, size, &bad) < 0) {
            if (i % per_line) {
                fputc('\n', c->out);
            }
            fprintf(c->out, "Cannot access memory at 0x%" PRIx64 "\n", bad);
            return;
        }
        v = size == 1 ? b[0] : size == 2 ? ld_le16(b) : size == 4 ? ld_le32(b) : ld_le64(b);
        if (i % per_line == 0) {
            fprintf(c->out, "%016" PRIx64 ":", addr);
        }
        switch (format) {
        case 'x':
            fprintf(c->out, " 0x%0*" PRIx64, (int)size * 2, v);
            break;
        case 'u':
            fprintf(c->out, " %" PRIu64, v);
            break;
        case 'c':
            fprintf(c->out, " '%c'", v >= 0x20 && v < 0x7f ? (int)v : '.');
            break;
        default: { /* 'd': sign-extend from size */
            int64_t s = size == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
            fprintf(c->out, " %" PRId64, s);
            break;
        }
        }
        addr += size;
        if (i % per_line == per_line - 1 || i == count - 1) {
            fputc('\n', c->out);
        }
    }
}

/* p[/x|d|u] EXPR */
static void cmd_print(MonCtx *c, const char *cmd, char *args)
{
    const char *fmt = strchr(cmd, '/');
    char err[160];
    uint64_t v;

    if (fmt && (strlen(fmt) != 2 || !strchr("xdu", fmt[1]))) {
        fprintf(c->out, "%s: invalid format (x, d or u)\n", cmd);
        return;
    }
    if (!*args) {
        fprintf(c->out, "%s: expression expected\n", cmd);
        return;
    }
    if (mon_eval(c, args, &v, err, sizeof(err)) < 0) {
        fprintf(c->out, "%s: %s\n", cmd, err);
        return;
    }
    if (fmt && fmt[1] == 'd') {
        fprintf(c->out, "%" PRId64 "\n", (int64_t)v);
    } else if (fmt && fmt[1] == 'u') {
        fprintf(c->out, "%" PRIu64 "\n", v);
    } else {
        fprintf(c->out, "0x%" PRIx64 "\n", v);
    }
}

/* --- run state -------------------------------------------------------- */

static bool mon_paused(Machine *m)
{
    return m->run_state == RUN_STATE_STOPPED || m->stop_request;
}

static void cmd_stop(MonCtx *c, const char *cmd, char *args)
{
    if (!mon_paused(c->m)) {
        gdb_request_stop(c->m, NULL, GDB_STOP_SIGINT, 0);
    }
}

/* Resume as the gdb stub does: virtual time does not pass while stopped. */
static void cmd_cont(MonCtx *c, const char *cmd, char *args)
{
    Machine *m = c->m;

    if (m->run_state == RUN_STATE_STOPPED) {
        m->timers.start_ns += clock_host_ns() - m->stopped_host_ns;
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        __atomic_store_n(&m->cpus[i]->exit_request, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&m->stop_request, 0, __ATOMIC_RELAXED);
    m->debug_step = 0;
    m->run_state = RUN_STATE_RUNNING;
}

static void cmd_system_reset(MonCtx *c, const char *cmd, char *args)
{
    machine_request_reset(c->m);
    for (unsigned i = 0; i < c->m->nr_cpus; i++) {
        cpu_exit(c->m->cpus[i]);
    }
}

static void cmd_system_powerdown(MonCtx *c, const char *cmd, char *args)
{
    fprintf(c->out, "powering off (no ACPI-style guest request on this board)\n");
    machine_request_shutdown(c->m, 0);
}

static void cmd_quit(MonCtx *c, const char *cmd, char *args)
{
    machine_request_shutdown(c->m, 0);
}

static void cmd_cpu(MonCtx *c, const char *cmd, char *args)
{
    char *end;
    unsigned long n = strtoul(args, &end, 0);

    if (!*args || *skip_ws(end) || n >= c->m->nr_cpus) {
        fprintf(c->out, "cpu: '%s' is not a hart index (0..%u)\n", args, c->m->nr_cpus - 1);
        return;
    }
    c->cpu = (unsigned)n;
}

/* --- info ------------------------------------------------------------- */

static void info_status(MonCtx *c)
{
    fprintf(c->out, "VM status: %s\n", mon_paused(c->m) ? "paused" : "running");
}

static const char priv_name[4] = { 'U', 'S', '?', 'M' };

static void info_registers(MonCtx *c)
{
    riscv_cpu_dump_state(&mon_cpu(c)->parent, c->out);
}

static void info_registers_all(MonCtx *c)
{
    for (unsigned i = 0; i < c->m->nr_cpus; i++) {
        fprintf(c->out, "CPU#%u\n", i);
        riscv_cpu_dump_state(c->m->cpus[i], c->out);
    }
}

static void info_cpus(MonCtx *c)
{
    for (unsigned i = 0; i < c->m->nr_cpus; i++) {
        RISCVCPU *cpu = riscv_cpu(c->m->cpus[i]);
        fprintf(c->out, "%c CPU #%u: pc=0x%016" PRIx64 " priv=%c%s\n", i == c->cpu ? '*' : ' ',
                i, cpu->parent.pc, priv_name[cpu->priv & 3], cpu->parent.halted ? " (halted)" : "");
    }
}

/* A run of virtual pages mapped contiguously with the same attributes. */
typedef struct MemRange {
    uint64_t va, pa, size, attr;
    bool valid;
} MemRange;

static void mem_flush(MonCtx *c, MemRange *r)
{
    uint64_t a = r->attr;

    if (r->valid) {
        fprintf(c->out, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %c%c%c%c%c%c%c\n", r->va,
                r->pa, r->size, a & PTE_R ? 'r' : '-', a & PTE_W ? 'w' : '-',
                a & PTE_X ? 'x' : '-', a & PTE_U ? 'u' : '-', a & PTE_G ? 'g' : '-',
                a & PTE_A ? 'a' : '-', a & PTE_D ? 'd' : '-');
    }
    r->valid = false;
}

static void mem_walk(MonCtx *c, MemRange *r, gpa_t table, int level, int levels, uint64_t va)
{
    unsigned shift = PAGE_BITS + 9 * (unsigned)level;
    unsigned va_bits = PAGE_BITS + 9 * (unsigned)levels;

    for (uint64_t i = 0; i < 512; i++) {
        const uint8_t *p = memory_host_ptr(&c->m->as, table + i * 8, 8);
        uint64_t pte, v = va | (i << shift), attr, pa, size = 1ull << shift;

        if (!p) {
            return;
        }
        pte = ld_le64(p);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W))) {
            continue;
        }
        pa = ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << PAGE_BITS;
        if (level == levels - 1 && (v >> (va_bits - 1)) & 1) {
            v |= ~0ull << va_bits; /* the top half: sign-extended from the VA width */
        }
        if (!(pte & (PTE_R | PTE_W | PTE_X))) {
            if (level > 0) {
                mem_walk(c, r, pa, level - 1, levels, v);
            }
            continue;
        }
        attr = pte & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G | PTE_A | PTE_D);
        if (r->valid && r->va + r->size == v && r->pa + r->size == pa && r->attr == attr) {
            r->size += size;
            continue;
        }
        mem_flush(c, r);
        *r = (MemRange){ .va = v, .pa = pa, .size = size, .attr = attr, .valid = true };
    }
}

static void info_mem(MonCtx *c)
{
    RISCVCPU *cpu = mon_cpu(c);
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    int levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 :
                 mode == SATP_MODE_SV57 ? 5 : 0;
    MemRange r = { .valid = false };

    if (!levels) {
        fprintf(c->out, "No translation or protection (satp mode %u)\n", mode);
        return;
    }
    fprintf(c->out, "vaddr            paddr            size             attr\n"
                    "---------------- ---------------- ---------------- -------\n");
    mem_walk(c, &r, (cpu->satp & ((1ull << 44) - 1)) << PAGE_BITS, levels - 1, levels, 0);
    mem_flush(c, &r);
}

/* The page tag of a TLB entry valid for any access, or one with TLB_INVALID set. */
static gva_t tlb_entry_tag(const TLBEntry *e)
{
    return !(e->addr_read & TLB_INVALID) ? e->addr_read :
           !(e->addr_write & TLB_INVALID) ? e->addr_write : e->addr_code;
}

static void info_tlb(MonCtx *c)
{
    static const char *const mode_name[NB_MMU_MODES] = { "U", "S", "S+SUM", "M" };
    CPUState *cs = &mon_cpu(c)->parent;

    for (int idx = 0; idx < NB_MMU_MODES; idx++) {
        unsigned n = 0;
        for (unsigned i = 0; i < tlb_size(cs, idx); i++) {
            n += !(tlb_entry_tag(&cs->tlb[idx][i]) & TLB_INVALID);
        }
        fprintf(c->out, "mmu %s: %u valid of %zu entries\n", mode_name[idx], n,
                tlb_size(cs, idx));
        for (unsigned i = 0; i < tlb_size(cs, idx) && n; i++) {
            const TLBEntry *e = &cs->tlb[idx][i];
            gva_t tag = tlb_entry_tag(e);
            if (!(tag & TLB_INVALID)) {
                fprintf(c->out, "  %016" PRIx64 " -> %016" PRIx64 " %c%c%c\n",
                        (uint64_t)(tag & PAGE_MASK), (uint64_t)(tlb_paddr_array(cs, idx)[i] & PAGE_MASK),
                        !(e->addr_read & TLB_INVALID) ? 'r' : '-',
                        !(e->addr_write & TLB_INVALID) ? 'w' : '-',
                        !(e->addr_code & TLB_INVALID) ? 'x' : '-');
            }
        }
    }
}

/* The images the machine has open (Machine.drives), as the guest sees them now. */
static void info_block(MonCtx *c)
{
    const MachineConfig *cfg = c->m->cfg;

    if (!c->m->nr_drives) {
        fprintf(c->out, "no drives\n");
    }
    for (unsigned i = 0; i < c->m->nr_drives; i++) {
        const DriveConfig *d = &cfg->drives[i];
        BlockDriverState *bs = c->m->drives[i];

        fprintf(c->out, "virtio%u: %s (%s, %" PRIu64 " bytes%s%s%s)\n", i, d->file,
                bs->drv->format_name, bs->size, d->readonly ? ", read-only" : "",
                cfg->snapshot && !d->readonly ? ", snapshot overlay" : "",
                d->cdrom ? ", cdrom" : "");
    }
}

static void info_snapshots(MonCtx *c)
{
    savevm_info(c->m, c->out);
}

/* savevm [-n] [NAME]: -n stores RAM pages uncompressed; no NAME: vm-YYYYMMDDHHMMSS. */
static void cmd_savevm(MonCtx *c, const char *cmd, char *args)
{
    char name[64], err[512] = "";
    bool lz4 = true;

    if (!strncmp(args, "-n", 2) && (!args[2] || args[2] == ' ')) {
        lz4 = false;
        args = skip_ws(args + 2);
    }
    if (!*args) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(name, sizeof(name), "vm-%Y%m%d%H%M%S", &tm);
        args = name;
    }
    if (savevm_save(c->m, args, lz4, err, sizeof(err)) < 0) {
        fprintf(c->out, "savevm: %s\n", err);
    }
}

/* loadvm NAME, delvm NAME */
static void cmd_loadvm_delvm(MonCtx *c, const char *cmd, char *args)
{
    int (*op)(Machine *, const char *, char *, size_t) =
        !strcmp(cmd, "loadvm") ? savevm_load : savevm_delete;
    char err[512] = "";

    if (!*args) {
        fprintf(c->out, "%s: a snapshot name is needed (see 'info snapshots')\n", cmd);
    } else if (op(c->m, args, err, sizeof(err)) < 0) {
        fprintf(c->out, "%s: %s\n", cmd, err);
    }
}

static void info_network(MonCtx *c)
{
    if (!c->m->netdevs) {
        fprintf(c->out, "no network devices\n");
    }
    for (NetDev *nd = c->m->netdevs; nd; nd = nd->next) {
        const uint8_t *a = nd->mac;
        fprintf(c->out, "%s: %s\n  virtio-net macaddr=%02x:%02x:%02x:%02x:%02x:%02x\n", nd->id,
                nd->info ? nd->info : "", a[0], a[1], a[2], a[3], a[4], a[5]);
        fprintf(c->out, "  tx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped\n"
                        "  rx %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64 " dropped\n",
                nd->stats.tx_packets, nd->stats.tx_bytes, nd->stats.tx_dropped,
                nd->stats.rx_packets, nd->stats.rx_bytes, nd->stats.rx_dropped);
    }
}

static void info_jit(MonCtx *c)
{
    jit_print_stats(&mon_cpu(c)->parent, c->out);
}

static void info_mtree(MonCtx *c)
{
    AddressSpace *as = &c->m->as;

    unsigned order[MEMORY_MAX_REGIONS];

    for (unsigned i = 0; i < as->nr_regions; i++) { /* by base address: a dozen regions */
        unsigned j = i;
        for (; j > 0 && as->regions[order[j - 1]].base > as->regions[i].base; j--) {
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
    fprintf(c->out, "address-space: memory\n");
    for (unsigned i = 0; i < as->nr_regions; i++) {
        MemoryRegion *mr = &as->regions[order[i]];
        fprintf(c->out, "  %016" PRIx64 "-%016" PRIx64 " (%s): %s\n", mr->base,
                mr->base + mr->size - 1, !mr->host ? "i/o" : mr->readonly ? "rom" : "ram",
                mr->name);
    }
}

static const MonInfo info_table[] = {
    { "status", "run state: running or paused", info_status },
    { "registers", "the current hart's registers (info registers -a: all harts)", info_registers },
    { "cpus", "every hart: pc, privilege, halted", info_cpus },
    { "mem", "the current hart's page-table mappings (from satp)", info_mem },
    { "tlb", "valid softmmu TLB entries of the current hart", info_tlb },
    { "block", "drives: file, format, size, read-only", info_block },
    { "network", "network devices: MAC and counters", info_network },
    { "jit", "TB cache and JIT counters", info_jit },
    { "mtree", "the guest physical memory map", info_mtree },
    { "snapshots", "the snapshots savevm wrote (loadvm NAME restores one)", info_snapshots },
};

static void cmd_info(MonCtx *c, const char *cmd, char *args)
{
    char *sub = args, *rest = args;

    while (*rest && *rest != ' ' && *rest != '\t') {
        rest++;
    }
    if (*rest) {
        *rest++ = '\0';
        rest = skip_ws(rest);
    }
    if (!*sub) {
        for (size_t i = 0; i < ARRAY_SIZE(info_table); i++) {
            fprintf(c->out, "info %-10s -- %s\n", info_table[i].name, info_table[i].help);
        }
        return;
    }
    if (!strcmp(sub, "registers") && !strcmp(rest, "-a")) {
        info_registers_all(c);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(info_table); i++) {
        if (!strcmp(sub, info_table[i].name)) {
            if (*rest) {
                fprintf(c->out, "info %s: unexpected argument '%s'\n", sub, rest);
                return;
            }
            info_table[i].run(c);
            return;
        }
    }
    fprintf(c->out, "info: unknown subcommand '%s' (try 'info')\n", sub);
}

/* screendump FILE.png: the display's active surface (ui/display.h). */
static void cmd_screendump(MonCtx *c, const char *cmd, char *args)
{
    char err[300];

    if (!*args || strchr(args, ' ')) {
        fprintf(c->out, "screendump: usage: screendump FILE.png\n");
    } else if (display_screendump(c->m, args, err, sizeof(err)) < 0) {
        fprintf(c->out, "%s\n", err);
    }
}

/* sendkey KEYS [HOLD_MS]: QEMU key names joined by '-', held 100 ms by default. */
static void cmd_sendkey(MonCtx *c, const char *cmd, char *args)
{
    char err[300], *hold = strchr(args, ' '), *end;
    unsigned long ms = 100;

    if (hold) {
        *hold++ = '\0';
        ms = strtoul(skip_ws(hold), &end, 10);
        if (*skip_ws(hold) == '\0' || *skip_ws(end) || ms > 10000) {
            fprintf(c->out, "sendkey: '%s' is not a hold time in ms (0..10000)\n", hold);
            return;
        }
    }
    if (input_sendkey(c->m, args, (unsigned)ms, err, sizeof(err)) < 0) {
        fprintf(c->out, "%s\n", err);
    }
}

static void cmd_help(MonCtx *c, const char *cmd, char *args);

static const MonCmd cmd_table[] = {
    { "help", "[cmd]", "list commands (also '?')", cmd_help },
    { "info", "subcommand", "show machine state ('info' lists the subcommands)", cmd_info },
    { "stop", "", "stop every hart", cmd_stop },
    { "cont", "", "resume the harts (also 'c')", cmd_cont },
    { "x", "/fmt addr", "examine guest-virtual memory (current hart; fmt: count, x d u i c, "
      "b h w g)", cmd_x },
    { "xp", "/fmt addr", "examine guest-physical memory", cmd_x },
    { "p", "/fmt expr", "print an expression: $pc $a0 $sp $satp..., numbers, + - "
      "(also 'print')", cmd_print },
    { "cpu", "index", "select the current hart", cmd_cpu },
    { "system_reset", "", "reset the machine (as a guest reboot does)", cmd_system_reset },
    { "system_powerdown", "", "power the machine off now (no guest shutdown request yet)",
      cmd_system_powerdown },
    { "quit", "", "quit the emulator (also 'q')", cmd_quit },
    { "savevm", "[-n] [name]", "save the machine (RAM LZ4-compressed; -n: uncompressed) as "
      "a snapshot in the first writable qcow2 drive or the --state-file", cmd_savevm },
    { "loadvm", "name", "restore the machine from a snapshot", cmd_loadvm_delvm },
    { "delvm", "name", "delete a snapshot", cmd_loadvm_delvm },
    { "screendump", "FILE.png", "save the screen as PNG", cmd_screendump },
    { "sendkey", "keys [hold_ms]", "press keys (QEMU names: ctrl-alt-delete, ret, a)",
      cmd_sendkey },
};

static void cmd_help(MonCtx *c, const char *cmd, char *args)
{
    for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++) {
        const MonCmd *mc = &cmd_table[i];
        if (!*args || !strcmp(args, mc->name)) {
            fprintf(c->out, "%s %s -- %s\n", mc->name, mc->args, mc->help);
        }
    }
}

/* Run one command line; output (and any error, one line) goes to c->out. */
static void mon_exec_paused(MonCtx *c, const char *text);

/*
 * Run one command line with every hart parked at a TB boundary (harts on
 * threads of their own), so commands see and change a still machine.
 */
static void mon_exec(MonCtx *c, const char *text)
{
    cpus_pause(c->m);
    mon_exec_paused(c, text);
    cpus_resume(c->m);
}

static void mon_exec_paused(MonCtx *c, const char *text)
{
    char line[MON_LINE_MAX], *name, *args, *slash;
    char base[32];

    snprintf(line, sizeof(line), "%s", text);
    name = skip_ws(line);
    for (char *e = name + strlen(name); e > name && strchr(" \t\r\n", e[-1]); e--) {
        e[-1] = '\0';
    }
    if (!*name) {
        return;
    }
    args = name;
    while (*args && *args != ' ' && *args != '\t') {
        args++;
    }
    if (*args) {
        *args++ = '\0';
        args = skip_ws(args);
    }
    snprintf(base, sizeof(base), "%s", name);
    slash = strchr(base, '/');
    if (slash) {
        *slash = '\0';
    }
    if (!strcmp(base, "c")) {
        snprintf(base, sizeof(base), "cont");
    } else if (!strcmp(base, "q")) {
        snprintf(base, sizeof(base), "quit");
    } else if (!strcmp(base, "?")) {
        snprintf(base, sizeof(base), "help");
    } else if (!strcmp(base, "print")) {
        snprintf(base, sizeof(base), "p");
    }
    for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++) {
        if (!strcmp(base, cmd_table[i].name)) {
            bool takes_fmt = cmd_table[i].run == cmd_x || cmd_table[i].run == cmd_print;
            if (slash && !takes_fmt) {
                fprintf(c->out, "%s: takes no /format\n", base);
                return;
            }
            if (!takes_fmt && !*cmd_table[i].args && *args) {
                fprintf(c->out, "%s: unexpected argument '%s'\n", base, args);
                return;
            }
            cmd_table[i].run(c, name, args);
            return;
        }
    }
    fprintf(c->out, "unknown command: '%s' (try 'help')\n", name);
}

/* --- --monitor spec ---------------------------------------------------- */

int mon_parse_spec(const char *text, MonitorSpec *spec, char *err, size_t errlen)
{
    char buf[256], *save, *opt;

    memset(spec, 0, sizeof(*spec));
    if (!strcmp(text, "stdio")) {
        return 0;
    }
    if (strncmp(text, "unix:", 5) || snprintf(buf, sizeof(buf), "%s", text + 5) >= (int)sizeof(buf)) {
        snprintf(err, errlen, "'%s' is not stdio or unix:PATH,server[,nowait]", text);
        return -EINVAL;
    }
    opt = strtok_r(buf, ",", &save);
    if (!opt || !*opt || strlen(opt) >= sizeof(spec->path)) {
        snprintf(err, errlen, "unix: needs a socket path of at most %zu bytes",
                 sizeof(spec->path) - 1);
        return -EINVAL;
    }
    spec->is_unix = true;
    snprintf(spec->path, sizeof(spec->path), "%s", opt);
    while ((opt = strtok_r(NULL, ",", &save))) {
        if (!strcmp(opt, "server") || !strcmp(opt, "server=on")) {
            spec->server = true;
        } else if (!strcmp(opt, "nowait") || !strcmp(opt, "wait=off")) {
            spec->nowait = true;
        } else {
            snprintf(err, errlen, "unknown option '%s' (server, nowait)", opt);
            return -EINVAL;
        }
    }
    if (!spec->server) {
        snprintf(err, errlen, "unix:%s: only the server mode is supported (add ,server)",
                 spec->path);
        return -EINVAL;
    }
    return 0;
}

/* --- Unix socket transport ---------------------------------------------- */

typedef struct MonSock {
    MonCtx ctx;
    int listen_fd, client_fd;
    FDWatch listen_watch, client_watch;
    char line[MON_LINE_MAX];
    size_t len;
    bool overflow;         /* the current line is too long: drop it */
    char path[108];
} MonSock;

/* The socket file, removed at exit (one per process). */
static char mon_sock_path[108];

static void mon_sock_unlink(void)
{
    if (mon_sock_path[0]) {
        unlink(mon_sock_path);
    }
}

static void sock_send(MonSock *s, const char *buf, size_t len)
{
    while (len && s->client_fd >= 0) {
        ssize_t n = send(s->client_fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = s->client_fd, .events = POLLOUT };
            poll(&p, 1, 1000);
        } else {
            return; /* the client went away; its EOF closes it */
        }
    }
}

static void sock_close_client(MonSock *s)
{
    close(s->client_fd);
    s->client_fd = -1;
    s->client_watch.fd = -1;
    s->listen_watch.fd = s->listen_fd;
    s->len = 0;
    s->overflow = false;
}

static void sock_run(MonSock *s, const char *line)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    if (!f) {
        sock_send(s, "out of memory\n", 14);
    } else {
        s->ctx.out = f;
        mon_exec(&s->ctx, line);
        fclose(f);
        sock_send(s, buf, size);
        free(buf);
    }
    if (!s->ctx.m->shutdown_request) {
        sock_send(s, MON_PROMPT, strlen(MON_PROMPT));
    }
}

static void sock_readable(void *opaque)
{
    MonSock *s = opaque;
    char buf[1024];
    ssize_t n = read(s->client_fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        sock_close_client(s);
        return;
    }
    for (ssize_t i = 0; i < n && s->client_fd >= 0; i++) {
        if (buf[i] != '\n') {
            if (s->len < sizeof(s->line) - 1) {
                s->line[s->len++] = buf[i];
            } else {
                s->overflow = true;
            }
            continue;
        }
        s->line[s->len] = '\0';
        if (s->overflow) {
            const char *msg = "line too long\n" MON_PROMPT;
            sock_send(s, msg, strlen(msg));
        } else {
            sock_run(s, s->line);
        }
        s->len = 0;
        s->overflow = false;
    }
}

static void sock_greet(MonSock *s)
{
    const char *hello = "vm monitor - type 'help' for more information\n" MON_PROMPT;
    sock_send(s, hello, strlen(hello));
}

/* One client at a time: while one is connected the next waits in the backlog. */
static void sock_accept(void *opaque)
{
    MonSock *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        return;
    }
    s->client_fd = fd;
    s->client_watch.fd = fd;
    s->listen_watch.fd = -1;
    s->ctx.cpu = 0;
    sock_greet(s);
}

static int mon_start_unix(Machine *m, const MonitorSpec *spec, char *err, size_t errlen)
{
    MonSock *s = calloc(1, sizeof(*s));
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    int e;

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->ctx.m = m;
    s->client_fd = -1;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", spec->path);
    if (lstat(spec->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(spec->path);  /* a stale socket of an earlier run */
    }
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(s->listen_fd, 4) < 0) {
        e = errno;
        snprintf(err, errlen, "unix:%s: %s", spec->path, strerror(e));
        if (s->listen_fd >= 0) {
            close(s->listen_fd);
        }
        free(s);
        return -e;
    }
    snprintf(mon_sock_path, sizeof(mon_sock_path), "%s", spec->path);
    atexit(mon_sock_unlink);
    fdwatch_add(m, &s->listen_watch, s->listen_fd, sock_accept, s);
    fdwatch_add(m, &s->client_watch, -1, sock_readable, s);
    if (!spec->nowait) {
        fprintf(stderr, "vm-cli: waiting for a monitor connection on unix:%s\n", spec->path);
        sock_accept(s);
    }
    return 0;
}

/* --- stdio transport: readline in callback mode -------------------------- */

/*
 * Readline is process-wide state, so the stdio monitor is one too: input
 * bytes wait in `pending` until readline's getc hook takes them.
 */
static struct {
    MonCtx ctx;
    Console *con;          /* the muxed serial console, or NULL: stdin is ours */
    bool active;           /* readline's handler is installed */
    uint8_t pending[512];
    size_t head, n;
    FDWatch watch;         /* stdin, when not muxed */
} mon_stdio;

static int stdio_getc(FILE *f)
{
    uint8_t b;

    if (!mon_stdio.n) {
        return EOF;
    }
    b = mon_stdio.pending[mon_stdio.head];
    mon_stdio.head = (mon_stdio.head + 1) % sizeof(mon_stdio.pending);
    mon_stdio.n--;
    return b;
}

/*
 * readline's typeahead check: without it readline looks at stdin itself,
 * and when the console has not read the next keys yet it asks getc for
 * one, gets EOF and ends the line there ("info mem" typed fast became
 * "in", "f", "o", ...).  Only the bytes handed over are queued input.
 */
static int stdio_input_available(void)
{
    return mon_stdio.n > 0;
}

static void stdio_line(char *line)
{
    if (!line) {
        fputc('\n', stdout); /* Ctrl-D: a fresh prompt, as QEMU's monitor ignores EOF */
        fflush(stdout);
        return;
    }
    if (*skip_ws(line)) {
        add_history(line);
    }
    mon_stdio.ctx.out = stdout;
    mon_exec(&mon_stdio.ctx, line);
    fflush(stdout);
    free(line);
    if (mon_stdio.ctx.m->shutdown_request && mon_stdio.active) {
        rl_callback_handler_remove();
        mon_stdio.active = false;
    }
}

static void stdio_focus(void *opaque, bool monitor)
{
    if (monitor && !mon_stdio.active) {
        fputs("\nvm monitor - type 'help' for more information (C-a c: back to the console)\n",
              stdout);
        fflush(stdout);
        mon_stdio.n = mon_stdio.head = 0;
        rl_callback_handler_install(MON_PROMPT, stdio_line);
        mon_stdio.active = true;
    } else if (!monitor && mon_stdio.active) {
        rl_callback_handler_remove();
        mon_stdio.active = false;
        fputs("\n", stdout);
        fflush(stdout);
    }
}

static void stdio_input(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && mon_stdio.n < sizeof(mon_stdio.pending); i++) {
        mon_stdio.pending[(mon_stdio.head + mon_stdio.n) % sizeof(mon_stdio.pending)] = buf[i];
        mon_stdio.n++;
    }
    while (mon_stdio.n && mon_stdio.active) {
        rl_callback_read_char();
    }
    mon_stdio.n = 0;
}

/* stdin not shared with a serial console: read it ourselves. */
static void stdio_readable(void *opaque)
{
    uint8_t buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        mon_stdio.watch.fd = -1;
        return;
    }
    stdio_input(NULL, buf, (size_t)n);
}

static const char *const mon_info_names[] = {
    "status", "registers", "cpus", "mem", "tlb", "block", "network", "jit", "mtree",
    "snapshots",
};

static char *complete_cmd(const char *text, int state)
{
    static size_t i;

    if (!state) {
        i = 0;
    }
    while (i < ARRAY_SIZE(cmd_table)) {
        const char *n = cmd_table[i++].name;
        if (!strncmp(n, text, strlen(text))) {
            return strdup(n);
        }
    }
    return NULL;
}

static char *complete_info(const char *text, int state)
{
    static size_t i;

    if (!state) {
        i = 0;
    }
    while (i < ARRAY_SIZE(mon_info_names)) {
        const char *n = mon_info_names[i++];
        if (!strncmp(n, text, strlen(text))) {
            return strdup(n);
        }
    }
    return NULL;
}

/* Snapshot names of the machine the stdio monitor runs (loadvm, delvm, savevm). */
static char *complete_snapshot(const char *text, int state)
{
    static char *names[64];
    static unsigned n, i;

    if (!state) {
        while (n) {
            free(names[--n]);
        }
        n = savevm_names(mon_stdio.ctx.m, names, ARRAY_SIZE(names));
        i = 0;
    }
    while (i < n) {
        const char *name = names[i++];
        if (!strncmp(name, text, strlen(text))) {
            return strdup(name);
        }
    }
    return NULL;
}

static char **mon_complete(const char *text, int start, int end)
{
    const char *l = rl_line_buffer;

    rl_attempted_completion_over = 1; /* never fall back to file names */
    while (*l == ' ') {
        l++;
    }
    if (l - rl_line_buffer == start) {
        return rl_completion_matches(text, complete_cmd);
    }
    if (!strncmp(l, "info", 4) && (l[4] == ' ' || l[4] == '\t')) {
        const char *a = l + 4;
        while (*a == ' ' || *a == '\t') {
            a++;
        }
        if (a - rl_line_buffer == start) {
            return rl_completion_matches(text, complete_info);
        }
    }
    if ((!strncmp(l, "loadvm", 6) || !strncmp(l, "delvm", 5) || !strncmp(l, "savevm", 6)) &&
        strchr(l, ' ') && strchr(l, ' ') - rl_line_buffer < start) {
        return rl_completion_matches(text, complete_snapshot);
    }
    return NULL;
}

/*
 * readline echoes typed text only when its own rl_prep_terminal saw ECHO
 * in the terminal; the console keeps the terminal raw without ECHO and
 * readline must not change it, so say echoing is on here.
 */
extern int _rl_echoing_p;

static void rl_noop_prep(int meta)
{
    _rl_echoing_p = 1;
}

static void rl_noop_deprep(void)
{
}

static void stdio_restore(void)
{
    if (mon_stdio.active) {
        rl_callback_handler_remove();
        mon_stdio.active = false;
    }
}

static int mon_start_stdio(Machine *m, char *err, size_t errlen)
{
    mon_stdio.ctx.m = m;
    mon_stdio.con = console_stdio();
    rl_readline_name = "vm";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_instream = stdin;
    rl_outstream = stdout;
    rl_getc_function = stdio_getc;
    rl_input_available_hook = stdio_input_available;
    rl_attempted_completion_function = mon_complete;
    if (mon_stdio.con) {
        /* The console owns the raw terminal; readline must not touch its modes. */
        rl_prep_term_function = rl_noop_prep;
        rl_deprep_term_function = rl_noop_deprep;
        console_set_mux(mon_stdio.con, stdio_focus, stdio_input, NULL);
        return 0;
    }
    atexit(stdio_restore);
    fdwatch_add(m, &mon_stdio.watch, STDIN_FILENO, stdio_readable, NULL);
    stdio_focus(NULL, true);
    return 0;
}

int mon_start(Machine *m, const MonitorSpec *spec, char *err, size_t errlen)
{
    return spec->is_unix ? mon_start_unix(m, spec, err, errlen) : mon_start_stdio(m, err, errlen);
}
