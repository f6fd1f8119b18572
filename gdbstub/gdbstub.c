/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GDB remote stub for RISC-V 64 harts (GDB manual, "Remote Serial
 * Protocol": packets, stop replies, qXfer target descriptions, Z/z
 * break- and watchpoints, vCont; "Target Description Format" and the
 * org.gnu.gdb.riscv.* features).  All-stop only: a stop stops every
 * hart.  Register numbers follow GDB's RISC-V numbering: x0..x31 0-31,
 * pc 32, f0..f31 33-64, CSR n at 65 + n (fflags 66, frm 67, fcsr 68),
 * priv at 65 + 4096.  Memory is the selected hart's virtual view
 * (riscv_debug_translate: no side effects, no faults), RAM and ROM only.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/gdbstub.h"
#include "cpu/riscv/cpu.h"
#include "hw/core/fdwatch.h"
#include "tcg/cpus.h"
#include "util/bql.h"
#include "tcg/tb.h"
#include "tcg/tlb.h"

/* Largest packet payload we accept and advertise (PacketSize, bytes). */
#define GDB_PACKET_MAX 4096
#define GDB_MAX_BP 64
#define GDB_MAX_WP 16
#define GDB_REG_PC 32
#define GDB_REG_F0 33
#define GDB_REG_CSR0 65
#define GDB_REG_PRIV (GDB_REG_CSR0 + 4096)

typedef struct GDBBreakpoint {
    gva_t addr;
    int type;                   /* 0 sw, 1 hw */
} GDBBreakpoint;

typedef struct GDBWatchpoint {
    gva_t addr;
    uint64_t len;               /* bytes */
    int type;                   /* 2 write, 3 read, 4 access */
} GDBWatchpoint;

struct GDBState {
    Machine *m;
    int listen_fd;
    FDWatch listen_watch;
    FDWatch client_watch;       /* fd -1 while no client */
    bool no_ack;                /* QStartNoAckMode */
    /* Receive state machine. */
    enum { RX_IDLE, RX_DATA, RX_ESC, RX_CSUM1, RX_CSUM2 } rx;
    char pkt[GDB_PACKET_MAX + 1];
    size_t pkt_len;
    bool pkt_overflow;
    uint8_t csum, rx_csum;
    /* Threads: hart indexes selected by Hg and Hc (-1: all). */
    int g_cpu, c_cpu;
    GDBBreakpoint bp[GDB_MAX_BP];
    unsigned nr_bp;
    GDBWatchpoint wp[GDB_MAX_WP];
    unsigned nr_wp;
    bool flush_pending;         /* breakpoints/watchpoints changed: flush at a safe point */
    /* The stop being requested or last taken. */
    bool stop_recorded;
    GDBStopReason stop_reason;
    int stop_cpu;
    gva_t stop_addr;
    bool waiting;               /* resumed by c/s/vCont: owes the client a stop reply */
    char last_stop[64];
    int64_t stopped_host_ns;    /* host time the machine stopped (virtual time pauses) */
    char out[2 * GDB_PACKET_MAX + 8];
    char xml[8192];
    size_t xml_len;
};

/* CSRs in the target description, beyond fflags/frm/fcsr. */
static const struct { const char *name; int csr; } gdb_csrs[] = {
    { "sstatus", 0x100 }, { "sie", 0x104 }, { "stvec", 0x105 }, { "scounteren", 0x106 },
    { "sscratch", 0x140 }, { "sepc", 0x141 }, { "scause", 0x142 }, { "stval", 0x143 },
    { "sip", 0x144 }, { "satp", 0x180 },
    { "mstatus", 0x300 }, { "misa", 0x301 }, { "medeleg", 0x302 }, { "mideleg", 0x303 },
    { "mie", 0x304 }, { "mtvec", 0x305 }, { "mcounteren", 0x306 }, { "mscratch", 0x340 },
    { "mepc", 0x341 }, { "mcause", 0x342 }, { "mtval", 0x343 }, { "mip", 0x344 },
    { "mhartid", 0xf14 },
};

static const char hexchars[] = "0123456789abcdef";

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    } else if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Parse hex digits at *p into *val, advancing *p; -1 when there are none or too many. */
static int parse_hex(const char **p, uint64_t *val)
{
    uint64_t v = 0;
    int n = 0, d;

    while ((d = hexval(**p)) >= 0) {
        if (++n > 16) {
            return -1;
        }
        v = v << 4 | d;
        (*p)++;
    }
    if (n == 0) {
        return -1;
    }
    *val = v;
    return 0;
}

/* Thread id: hex, -1 (all) or 0 (any).  Returns the hart index, -1 all, -2 any, -3 bad. */
static int parse_thread(GDBState *gs, const char *p, const char **end)
{
    uint64_t v;

    if (p[0] == '-' && p[1] == '1') {
        *end = p + 2;
        return -1;
    }
    if (p[0] == 'p') {          /* multiprocess form pPID.TID: we have one process */
        while (*p && *p != '.') {
            p++;
        }
        if (*p == '.') {
            p++;
        }
    }
    if (parse_hex(&p, &v) < 0) {
        *end = p;
        return -3;
    }
    *end = p;
    if (v == 0) {
        return -2;
    }
    return v <= gs->m->nr_cpus ? (int)v - 1 : -3;
}

/* --- output ---------------------------------------------------------- */

static void gdb_close_client(GDBState *gs);

static void gdb_write(GDBState *gs, const char *buf, size_t len)
{
    int fd = gs->client_watch.fd;

    while (fd >= 0 && len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            if (poll(&pfd, 1, 5000) <= 0) {
                gdb_close_client(gs);
                return;
            }
            continue;
        }
        if (n <= 0) {
            gdb_close_client(gs);
            return;
        }
        buf += n;
        len -= n;
    }
}

/* Send one packet; data is escaped ($ # } *) so binary payloads are safe. */
static void gdb_put_packet_bin(GDBState *gs, const char *data, size_t len)
{
    char *o = gs->out;
    uint8_t cs = 0;

    *o++ = '$';
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            *o++ = '}';
            cs += '}';
            c ^= 0x20;
        }
        *o++ = c;
        cs += (uint8_t)c;
    }
    *o++ = '#';
    *o++ = hexchars[cs >> 4];
    *o++ = hexchars[cs & 15];
    gdb_write(gs, gs->out, o - gs->out);
}

static void gdb_put_packet(GDBState *gs, const char *s)
{
    gdb_put_packet_bin(gs, s, strlen(s));
}

static void hex_encode(char *out, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hexchars[buf[i] >> 4];
        out[2 * i + 1] = hexchars[buf[i] & 15];
    }
    out[2 * len] = '\0';
}

/* --- target description and registers --------------------------------- */

static void xml_add(GDBState *gs, const char *fmt, ...) PRINTF_FMT(2, 3);

static void xml_add(GDBState *gs, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(gs->xml + gs->xml_len, sizeof(gs->xml) - gs->xml_len, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof(gs->xml) - gs->xml_len);
    gs->xml_len += n;
}

static void gdb_build_xml(GDBState *gs)
{
    xml_add(gs, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
            "<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n"
            "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        xml_add(gs, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"%s\"/>\n",
                i == 0 ? "zero" : riscv_gpr_names[i], i,
                i == 1 ? "code_ptr" : i == 2 ? "data_ptr" : "int");
    }
    xml_add(gs, "<reg name=\"pc\" bitsize=\"64\" regnum=\"32\" type=\"code_ptr\"/>\n"
            "</feature>\n<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
            "<union id=\"riscv_double\"><field name=\"float\" type=\"ieee_single\"/>"
            "<field name=\"double\" type=\"ieee_double\"/></union>\n");
    for (int i = 0; i < 32; i++) {
        xml_add(gs, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"riscv_double\"/>\n",
                riscv_fpr_names[i], GDB_REG_F0 + i);
    }
    xml_add(gs, "<reg name=\"fflags\" bitsize=\"32\" regnum=\"66\" type=\"int\"/>\n"
            "<reg name=\"frm\" bitsize=\"32\" regnum=\"67\" type=\"int\"/>\n"
            "<reg name=\"fcsr\" bitsize=\"32\" regnum=\"68\" type=\"int\"/>\n"
            "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < ARRAY_SIZE(gdb_csrs); i++) {
        xml_add(gs, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"int\"/>\n",
                gdb_csrs[i].name, GDB_REG_CSR0 + gdb_csrs[i].csr);
    }
    xml_add(gs, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
            "<reg name=\"priv\" bitsize=\"64\" regnum=\"%d\" type=\"int\"/>\n"
            "</feature>\n</target>\n", GDB_REG_PRIV);
}

static bool gdb_csr_known(int csr)
{
    for (size_t i = 0; i < ARRAY_SIZE(gdb_csrs); i++) {
        if (gdb_csrs[i].csr == csr) {
            return true;
        }
    }
    return false;
}

/* CSR access as the debugger: M-mode rights, no trap.  Returns 0 or -1. */
static int gdb_csr(RISCVCPU *cpu, int csr, uint64_t *val, bool write)
{
    int priv = cpu->priv, ret;
    uint64_t old = 0;

    cpu->priv = PRV_M;
    ret = riscv_csr_op(cpu, csr, write ? &old : val, !write, write ? *val : 0, ~0ull, write);
    cpu->priv = priv;
    if (write) {
        riscv_update_mmu_idx(cpu);
        tlb_flush(&cpu->parent);
    }
    return ret < 0 ? -1 : 0;
}

/* Register `reg` of cpu into buf (little-endian); returns its size in bytes, 0 if none. */
static unsigned gdb_read_reg(RISCVCPU *cpu, int reg, uint8_t *buf)
{
    uint64_t v;

    if (reg < 32) {
        st_le64(buf, reg ? cpu->gpr[reg] : 0);
        return 8;
    } else if (reg == GDB_REG_PC) {
        st_le64(buf, cpu->parent.pc);
        return 8;
    } else if (reg >= GDB_REG_F0 && reg < GDB_REG_F0 + 32) {
        st_le64(buf, cpu->fpr[reg - GDB_REG_F0]);
        return 8;
    } else if (reg == GDB_REG_CSR0 + 1) {
        st_le32(buf, cpu->fflags);
        return 4;
    } else if (reg == GDB_REG_CSR0 + 2) {
        st_le32(buf, cpu->frm);
        return 4;
    } else if (reg == GDB_REG_CSR0 + 3) {
        st_le32(buf, cpu->fflags | cpu->frm << 5);
        return 4;
    } else if (reg == GDB_REG_PRIV) {
        st_le64(buf, cpu->priv);
        return 8;
    } else if (reg > GDB_REG_CSR0 && reg < GDB_REG_PRIV && gdb_csr_known(reg - GDB_REG_CSR0)) {
        if (gdb_csr(cpu, reg - GDB_REG_CSR0, &v, false) < 0) {
            return 0;
        }
        st_le64(buf, v);
        return 8;
    }
    return 0;
}

/* Write register `reg` from len bytes; returns 0, or -1 when there is no such register. */
static int gdb_write_reg(GDBState *gs, RISCVCPU *cpu, int reg, const uint8_t *buf, size_t len)
{
    uint64_t v = 0;

    memcpy(&v, buf, len < 8 ? len : 8);
    if (reg < 32) {
        if (reg) {
            cpu->gpr[reg] = v;
        }
    } else if (reg == GDB_REG_PC) {
        cpu->parent.pc = v;
    } else if (reg >= GDB_REG_F0 && reg < GDB_REG_F0 + 32) {
        cpu->fpr[reg - GDB_REG_F0] = v;
    } else if (reg == GDB_REG_CSR0 + 1) {
        cpu->fflags = v & 0x1f;
    } else if (reg == GDB_REG_CSR0 + 2) {
        cpu->frm = v & 7;
    } else if (reg == GDB_REG_CSR0 + 3) {
        cpu->fflags = v & 0x1f;
        cpu->frm = (v >> 5) & 7;
    } else if (reg == GDB_REG_PRIV) {
        if (v > PRV_M || v == 2) {
            return -1;
        }
        cpu->priv = v;
        riscv_update_mmu_idx(cpu);
        gs->flush_pending = true;
    } else if (reg > GDB_REG_CSR0 && reg < GDB_REG_PRIV && gdb_csr_known(reg - GDB_REG_CSR0)) {
        if (gdb_csr(cpu, reg - GDB_REG_CSR0, &v, true) < 0) {
            return -1;
        }
        gs->flush_pending = true;   /* translation state may have changed */
    } else {
        return -1;
    }
    return 0;
}

/* --- memory ------------------------------------------------------------ */

/* Guest-physical address of addr in cpu's current virtual view; -1 when unmapped. */
static int gdb_translate(RISCVCPU *cpu, gva_t addr, gpa_t *pa)
{
    return riscv_debug_translate(cpu, addr, pa);
}

/* Read up to len bytes; returns how many were readable (RAM/ROM only). */
static size_t gdb_read_mem(GDBState *gs, RISCVCPU *cpu, gva_t addr, uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        gva_t va = addr + done;
        size_t chunk = PAGE_SIZE - (va & ~PAGE_MASK);
        gpa_t pa;
        void *host;

        if (chunk > len - done) {
            chunk = len - done;
        }
        if (gdb_translate(cpu, va, &pa) < 0 ||
            !(host = memory_host_ptr(&gs->m->as, pa, chunk))) {
            break;
        }
        memcpy(buf + done, host, chunk);
        done += chunk;
    }
    return done;
}

/* Write len bytes (RAM only, invalidating translated code); 0 or -1. */
static int gdb_write_mem(GDBState *gs, RISCVCPU *cpu, gva_t addr, const uint8_t *buf,
                         size_t len)
{
    for (size_t i = 0; i < len; i++) {
        gpa_t pa;
        MemoryRegion *mr;

        if (gdb_translate(cpu, addr + i, &pa) < 0 || !(mr = memory_find(&gs->m->as, pa)) ||
            !mr->host || mr->readonly || memory_write(&gs->m->as, pa, 1, buf[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* --- breakpoints, watchpoints, stops ---------------------------------- */

bool gdb_breakpoint_at(GDBState *gs, gva_t pc)
{
    for (unsigned i = 0; i < gs->nr_bp; i++) {
        if (gs->bp[i].addr == pc) {
            return true;
        }
    }
    return false;
}

int gdb_tb_break(CPUState *cpu, const TBInsn *in)
{
    GDBState *gs = cpu->machine->gdb;

    cpu->pc = in->pc;
    for (unsigned i = 0; gs && i < gs->nr_bp; i++) {
        if (gs->bp[i].addr == in->pc) {
            gdb_request_stop(cpu->machine, cpu,
                             gs->bp[i].type ? GDB_STOP_HWBREAK : GDB_STOP_SWBREAK, 0);
            break;
        }
    }
    return 1;
}

bool gdb_watch_page(GDBState *gs, gva_t page)
{
    for (unsigned i = 0; i < gs->nr_wp; i++) {
        gva_t lo = gs->wp[i].addr & PAGE_MASK;
        gva_t hi = (gs->wp[i].addr + gs->wp[i].len - 1) & PAGE_MASK;
        if (page >= lo && page <= hi) {
            return true;
        }
    }
    return false;
}

void gdb_check_watch(CPUState *cpu, gva_t addr, unsigned size, AccessType access)
{
    GDBState *gs = cpu->machine->gdb;

    if (!gs || access == ACCESS_FETCH) {
        return;
    }
    for (unsigned i = 0; i < gs->nr_wp; i++) {
        GDBWatchpoint *w = &gs->wp[i];
        GDBStopReason why;

        if (addr + size <= w->addr || addr >= w->addr + w->len) {
            continue;
        }
        if (w->type == 2 && access == ACCESS_WRITE) {
            why = GDB_STOP_WATCH;
        } else if (w->type == 3 && access == ACCESS_READ) {
            why = GDB_STOP_RWATCH;
        } else if (w->type == 4) {
            why = GDB_STOP_AWATCH;
        } else {
            continue;
        }
        gdb_request_stop(cpu->machine, cpu, why, addr > w->addr ? addr : w->addr);
        /* Unwind as cpu_raise_exception does, but without a trap. */
        if (cpu->cur_insn) {
            cpu->pc = cpu->cur_insn->pc;
            cpu->icount += cpu->cur_insn - cpu->cur_tb->insns;
        }
        cpu->cur_insn = NULL;
        cpu->cur_tb = NULL;
        siglongjmp(cpu->jmp_env, 2);
    }
}

void gdb_request_stop(Machine *m, CPUState *cpu, GDBStopReason reason, gva_t addr)
{
    GDBState *gs = m->gdb;

    bql_lock();     /* from a hart's thread: a breakpoint or watchpoint */
    if (gs && !gs->stop_recorded) {
        gs->stop_recorded = true;
        gs->stop_reason = reason;
        gs->stop_cpu = cpu ? cpu->cpu_index : -1;
        gs->stop_addr = addr;
    }
    __atomic_store_n(&m->stop_request, 1, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        cpu_exit(m->cpus[i]);
    }
    bql_unlock();
    cpus_wake_main(m);
}

static void gdb_format_stop(GDBState *gs)
{
    static const char *const watch_kind[] = { "watch", "rwatch", "awatch" };
    int sig = gs->stop_reason == GDB_STOP_SIGINT ? 2 : 5;
    int n = snprintf(gs->last_stop, sizeof(gs->last_stop), "T%02xthread:%x;", sig,
                     gs->stop_cpu + 1);

    switch (gs->stop_reason) {
    case GDB_STOP_SWBREAK:
        snprintf(gs->last_stop + n, sizeof(gs->last_stop) - n, "swbreak:;");
        break;
    case GDB_STOP_HWBREAK:
        snprintf(gs->last_stop + n, sizeof(gs->last_stop) - n, "hwbreak:;");
        break;
    case GDB_STOP_WATCH:
    case GDB_STOP_RWATCH:
    case GDB_STOP_AWATCH:
        snprintf(gs->last_stop + n, sizeof(gs->last_stop) - n, "%s:%" PRIx64 ";",
                 watch_kind[gs->stop_reason - GDB_STOP_WATCH], gs->stop_addr);
        break;
    default:
        break;
    }
}

void gdb_stopped(Machine *m, CPUState *last)
{
    GDBState *gs = m->gdb;

    __atomic_store_n(&m->stop_request, 0, __ATOMIC_RELAXED);
    m->run_state = RUN_STATE_STOPPED;
    if (!gs) {
        return;
    }
    gs->stopped_host_ns = clock_host_ns();
    if (!gs->stop_recorded) {
        gs->stop_reason = GDB_STOP_SIGINT;
        gs->stop_cpu = -1;
    }
    if (gs->stop_cpu < 0) {
        gs->stop_cpu = last ? last->cpu_index : 0;
    }
    gs->stop_recorded = false;
    gs->g_cpu = gs->c_cpu = gs->stop_cpu;
    gdb_format_stop(gs);
    if (gs->waiting) {
        gs->waiting = false;
        gdb_put_packet(gs, gs->last_stop);
    }
}

void gdb_prepare_run(Machine *m)
{
    GDBState *gs = m->gdb;

    if (gs && gs->flush_pending) {
        gs->flush_pending = false;
        m->debug_watch = gs->nr_wp > 0;
        tb_flush(m->cpus[0]);
        for (unsigned i = 0; i < m->nr_cpus; i++) {
            tlb_flush(m->cpus[i]);
        }
    }
}

/* Resume the machine; step_cpu >= 0 single-steps that hart only. */
static void gdb_resume(GDBState *gs, int step_cpu)
{
    Machine *m = gs->m;

    if (m->run_state == RUN_STATE_STOPPED) {
        /* Virtual time does not pass while stopped (hw/core/clock.h). */
        m->timers.start_ns += clock_host_ns() - gs->stopped_host_ns;
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        __atomic_store_n(&m->cpus[i]->exit_request, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&m->stop_request, 0, __ATOMIC_RELAXED);
    gs->stop_recorded = false;
    m->debug_step = step_cpu >= 0 ? step_cpu + 1 : 0;
    m->run_state = RUN_STATE_RUNNING;
}

static void gdb_clear_points(GDBState *gs)
{
    if (gs->nr_bp || gs->nr_wp) {
        gs->nr_bp = gs->nr_wp = 0;
        gs->flush_pending = true;
    }
}

/* Z/z packets: type,addr,kind.  Returns the reply. */
static const char *gdb_handle_point(GDBState *gs, const char *p, bool insert)
{
    uint64_t type, addr, kind;

    if (parse_hex(&p, &type) < 0 || *p++ != ',' || parse_hex(&p, &addr) < 0 ||
        *p++ != ',' || parse_hex(&p, &kind) < 0) {
        return "E01";
    }
    if (type <= 1) {
        unsigned i;
        for (i = 0; i < gs->nr_bp && gs->bp[i].addr != addr; i++) {
        }
        if (insert) {
            if (i == gs->nr_bp) {
                if (gs->nr_bp == GDB_MAX_BP) {
                    return "E28";
                }
                gs->bp[gs->nr_bp++] = (GDBBreakpoint){ addr, (int)type };
            }
        } else if (i < gs->nr_bp) {
            gs->bp[i] = gs->bp[--gs->nr_bp];
        }
    } else if (type <= 4) {
        unsigned i;
        if (kind == 0 || kind > PAGE_SIZE) {
            return "E22";
        }
        for (i = 0; i < gs->nr_wp; i++) {
            if (gs->wp[i].addr == addr && gs->wp[i].len == kind && gs->wp[i].type == (int)type) {
                break;
            }
        }
        if (insert) {
            if (i == gs->nr_wp) {
                if (gs->nr_wp == GDB_MAX_WP) {
                    return "E28";
                }
                gs->wp[gs->nr_wp++] = (GDBWatchpoint){ addr, kind, (int)type };
            }
        } else if (i < gs->nr_wp) {
            gs->wp[i] = gs->wp[--gs->nr_wp];
        }
    } else {
        return "";
    }
    gs->flush_pending = true;
    return "OK";
}

/* --- packets ----------------------------------------------------------- */

static RISCVCPU *gdb_g_cpu(GDBState *gs)
{
    return riscv_cpu(gs->m->cpus[gs->g_cpu >= 0 ? gs->g_cpu : 0]);
}

/* vCont;ACTION[:TID]...: all-stop, so one step wins over continues. */
static const char *gdb_handle_vcont(GDBState *gs, const char *p)
{
    int step = -1;
    bool any = false;

    while (*p == ';') {
        char act = *++p;
        int cpu = -1;
        p++;
        if (act == 'C' || act == 'S') {
            uint64_t sig;
            if (parse_hex(&p, &sig) < 0) {
                return "E01";
            }
        } else if (act != 'c' && act != 's' && act != 't') {
            return "E01";
        }
        if (*p == ':') {
            cpu = parse_thread(gs, p + 1, &p);
            if (cpu == -3) {
                return "E22";
            }
        }
        if ((act == 's' || act == 'S') && step < 0) {
            step = cpu >= 0 ? cpu : gs->g_cpu >= 0 ? gs->g_cpu : 0;
        }
        any |= act != 't';
    }
    if (*p || !any) {
        return "E01";
    }
    gs->waiting = true;
    gdb_resume(gs, step);
    return NULL;
}

static void gdb_handle_query(GDBState *gs, const char *p)
{
    char buf[GDB_PACKET_MAX + 2];

    if (!strncmp(p, "qSupported", 10)) {
        snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                 "vContSupported+;QStartNoAckMode+", GDB_PACKET_MAX);
        gdb_put_packet(gs, buf);
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        const char *q = p + 20;
        uint64_t off, len;
        if (strncmp(q, "target.xml:", 11)) {
            gdb_put_packet(gs, "E00");
            return;
        }
        q += 11;
        if (parse_hex(&q, &off) < 0 || *q++ != ',' || parse_hex(&q, &len) < 0 || *q) {
            gdb_put_packet(gs, "E01");
            return;
        }
        if (len > GDB_PACKET_MAX / 2) {
            len = GDB_PACKET_MAX / 2;
        }
        if (off >= gs->xml_len) {
            gdb_put_packet(gs, "l");
            return;
        }
        if (len > gs->xml_len - off) {
            len = gs->xml_len - off;
        }
        buf[0] = off + len < gs->xml_len ? 'm' : 'l';
        memcpy(buf + 1, gs->xml + off, len);
        gdb_put_packet_bin(gs, buf, len + 1);
    } else if (!strcmp(p, "qfThreadInfo")) {
        int n = snprintf(buf, sizeof(buf), "m");
        for (unsigned i = 0; i < gs->m->nr_cpus; i++) {
            n += snprintf(buf + n, sizeof(buf) - n, "%s%x", i ? "," : "", i + 1);
        }
        gdb_put_packet(gs, buf);
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_put_packet(gs, "l");
    } else if (!strcmp(p, "qC")) {
        snprintf(buf, sizeof(buf), "QC%x", (gs->g_cpu >= 0 ? gs->g_cpu : 0) + 1);
        gdb_put_packet(gs, buf);
    } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
        const char *end;
        int cpu = parse_thread(gs, p + 17, &end);
        char name[32];
        if (cpu < 0) {
            gdb_put_packet(gs, "E22");
            return;
        }
        snprintf(name, sizeof(name), "hart %d%s", cpu,
                 gs->m->cpus[cpu]->halted ? " (wfi)" : "");
        hex_encode(buf, (const uint8_t *)name, strlen(name));
        gdb_put_packet(gs, buf);
    } else if (!strcmp(p, "qAttached")) {
        gdb_put_packet(gs, "1");
    } else if (!strncmp(p, "qRcmd,", 6)) {
        static const char msg[] = "monitor commands are not supported yet\n";
        buf[0] = 'O';
        hex_encode(buf + 1, (const uint8_t *)msg, sizeof(msg) - 1);
        gdb_put_packet(gs, buf);
        gdb_put_packet(gs, "OK");
    } else if (!strcmp(p, "QStartNoAckMode")) {
        gdb_put_packet(gs, "OK");
        gs->no_ack = true;
    } else {
        gdb_put_packet(gs, "");
    }
}

/* Handle one complete, checksummed packet (NUL-terminated, unescaped). */
static void gdb_handle_packet_paused(GDBState *gs, char *p, size_t len);

/* Handle one packet with every hart parked at a TB boundary (tcg/cpus.h). */
static void gdb_handle_packet(GDBState *gs, char *p, size_t len)
{
    cpus_pause(gs->m);
    gdb_handle_packet_paused(gs, p, len);
    cpus_resume(gs->m);
}

static void gdb_handle_packet_paused(GDBState *gs, char *p, size_t len)
{
    Machine *m = gs->m;
    char buf[GDB_PACKET_MAX + 2];
    uint8_t bytes[GDB_PACKET_MAX];
    uint64_t addr, n;
    const char *q = p + 1, *reply = "";

    if (m->run_state == RUN_STATE_RUNNING && p[0] != 'k' && p[0] != 'D' && p[0] != '?' &&
        p[0] != 'q' && p[0] != 'Q') {
        /* All-stop: only Ctrl-C is meaningful while the guest runs. */
        gdb_put_packet(gs, "E01");
        return;
    }
    switch (p[0]) {
    case '?':
        gdb_put_packet(gs, m->run_state == RUN_STATE_STOPPED ? gs->last_stop : "OK");
        return;
    case 'q':
    case 'Q':
        gdb_handle_query(gs, p);
        return;
    case 'H':
        if (p[1] == 'g' || p[1] == 'c') {
            const char *end;
            int cpu = parse_thread(gs, p + 2, &end);
            if (cpu == -3 || *end) {
                reply = "E22";
            } else {
                if (cpu == -2) {
                    cpu = 0;
                }
                if (p[1] == 'g') {
                    gs->g_cpu = cpu < 0 ? 0 : cpu;
                } else {
                    gs->c_cpu = cpu;
                }
                reply = "OK";
            }
        }
        break;
    case 'T': {
        const char *end;
        int cpu = parse_thread(gs, q, &end);
        reply = cpu >= 0 && !*end ? "OK" : "E22";
        break;
    }
    case 'g': {
        RISCVCPU *cpu = gdb_g_cpu(gs);
        size_t off = 0;
        for (int r = 0; r <= GDB_REG_PC; r++) {
            off += gdb_read_reg(cpu, r, bytes + off);
        }
        hex_encode(buf, bytes, off);
        gdb_put_packet(gs, buf);
        return;
    }
    case 'G': {
        RISCVCPU *cpu = gdb_g_cpu(gs);
        size_t hexlen = len - 1;
        if (hexlen % 16 || hexlen / 16 > GDB_REG_PC + 1) {
            reply = "E01";
            break;
        }
        for (size_t r = 0; r < hexlen / 16; r++) {
            for (int i = 0; i < 8; i++) {
                int hi = hexval(q[r * 16 + 2 * i]), lo = hexval(q[r * 16 + 2 * i + 1]);
                if (hi < 0 || lo < 0) {
                    gdb_put_packet(gs, "E01");
                    return;
                }
                bytes[i] = hi << 4 | lo;
            }
            gdb_write_reg(gs, cpu, r, bytes, 8);
        }
        reply = "OK";
        break;
    }
    case 'p': {
        unsigned size;
        if (parse_hex(&q, &n) < 0 || *q || n > GDB_REG_PRIV) {
            reply = "E01";
            break;
        }
        size = gdb_read_reg(gdb_g_cpu(gs), n, bytes);
        if (!size) {
            reply = "E45";
            break;
        }
        hex_encode(buf, bytes, size);
        gdb_put_packet(gs, buf);
        return;
    }
    case 'P': {
        size_t i = 0;
        if (parse_hex(&q, &n) < 0 || *q++ != '=' || n > GDB_REG_PRIV) {
            reply = "E01";
            break;
        }
        for (; q[0] && q[1] && i < 8; q += 2, i++) {
            int hi = hexval(q[0]), lo = hexval(q[1]);
            if (hi < 0 || lo < 0) {
                break;
            }
            bytes[i] = hi << 4 | lo;
        }
        if (*q || i == 0) {
            reply = "E01";
        } else {
            reply = gdb_write_reg(gs, gdb_g_cpu(gs), n, bytes, i) < 0 ? "E45" : "OK";
        }
        break;
    }
    case 'm': {
        size_t got;
        if (parse_hex(&q, &addr) < 0 || *q++ != ',' || parse_hex(&q, &n) < 0 || *q) {
            reply = "E01";
            break;
        }
        if (n > GDB_PACKET_MAX / 2) {
            n = GDB_PACKET_MAX / 2;
        }
        got = gdb_read_mem(gs, gdb_g_cpu(gs), addr, bytes, n);
        if (got == 0 && n > 0) {
            reply = "E14";
            break;
        }
        hex_encode(buf, bytes, got);
        gdb_put_packet(gs, buf);
        return;
    }
    case 'M': {
        size_t i;
        if (parse_hex(&q, &addr) < 0 || *q++ != ',' || parse_hex(&q, &n) < 0 || *q++ != ':' ||
            n > GDB_PACKET_MAX / 2 || strlen(q) != 2 * n) {
            reply = "E01";
            break;
        }
        for (i = 0; i < n; i++) {
            int hi = hexval(q[2 * i]), lo = hexval(q[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                break;
            }
            bytes[i] = hi << 4 | lo;
        }
        if (i < n) {
            reply = "E01";
        } else {
            reply = gdb_write_mem(gs, gdb_g_cpu(gs), addr, bytes, n) < 0 ? "E14" : "OK";
        }
        break;
    }
    case 'X': {
        const char *colon = memchr(p, ':', len);
        if (parse_hex(&q, &addr) < 0 || *q++ != ',' || parse_hex(&q, &n) < 0 || q != colon ||
            n != len - (size_t)(colon + 1 - p)) {
            reply = "E01";
            break;
        }
        reply = gdb_write_mem(gs, gdb_g_cpu(gs), addr, (const uint8_t *)colon + 1, n) < 0
              ? "E14" : "OK";
        break;
    }
    case 'c':
    case 's': {
        int cpu = gs->c_cpu >= 0 ? gs->c_cpu : gs->g_cpu >= 0 ? gs->g_cpu : 0;
        if (*q) {
            if (parse_hex(&q, &addr) < 0 || *q) {
                reply = "E01";
                break;
            }
            m->cpus[cpu]->pc = addr;
        }
        gs->waiting = true;
        gdb_resume(gs, p[0] == 's' ? cpu : -1);
        return;
    }
    case 'v':
        if (!strcmp(p, "vCont?")) {
            reply = "vCont;c;C;s;S;t";
        } else if (!strncmp(p, "vCont;", 6)) {
            reply = gdb_handle_vcont(gs, p + 5);
            if (!reply) {
                return;
            }
        } else if (!strncmp(p, "vKill", 5)) {
            gdb_put_packet(gs, "OK");
            machine_request_shutdown(m, 0);
            return;
        }
        break;
    case 'Z':
    case 'z':
        reply = gdb_handle_point(gs, q, p[0] == 'Z');
        break;
    case 'k':
        machine_request_shutdown(m, 0);
        return;
    case 'D':
        gdb_put_packet(gs, "OK");
        gdb_close_client(gs);   /* clears the points and resumes */
        return;
    default:
        break;
    }
    gdb_put_packet(gs, reply);
}

/* --- connection ------------------------------------------------------- */

static void gdb_close_client(GDBState *gs)
{
    if (gs->client_watch.fd < 0) {
        return;
    }
    close(gs->client_watch.fd);
    gs->client_watch.fd = -1;
    gs->rx = RX_IDLE;
    gs->no_ack = false;
    gs->waiting = false;
    gdb_clear_points(gs);
    /* As QEMU: a debugger going away lets the guest run on. */
    if (gs->m->run_state == RUN_STATE_STOPPED || gs->m->stop_request) {
        gdb_resume(gs, -1);
    }
}

static void gdb_rx_byte(GDBState *gs, uint8_t c)
{
    switch (gs->rx) {
    case RX_IDLE:
        if (c == '$') {
            gs->rx = RX_DATA;
            gs->pkt_len = 0;
            gs->pkt_overflow = false;
            gs->csum = 0;
        } else if (c == 0x03) {
            if (gs->m->run_state == RUN_STATE_RUNNING) {
                gs->waiting = true;
                gdb_request_stop(gs->m, NULL, GDB_STOP_SIGINT, 0);
            }
        }
        /* '+' and '-' acks, and noise, are ignored. */
        break;
    case RX_DATA:
    case RX_ESC:
        if (c == '#' && gs->rx == RX_DATA) {
            gs->rx = RX_CSUM1;
            break;
        }
        gs->csum += c;
        if (c == '}' && gs->rx == RX_DATA) {
            gs->rx = RX_ESC;
            break;
        }
        if (gs->rx == RX_ESC) {
            c ^= 0x20;
            gs->rx = RX_DATA;
        }
        if (gs->pkt_len < GDB_PACKET_MAX) {
            gs->pkt[gs->pkt_len++] = c;
        } else {
            gs->pkt_overflow = true;
        }
        break;
    case RX_CSUM1:
    case RX_CSUM2: {
        int d = hexval(c);
        if (d < 0) {
            gs->rx = RX_IDLE;
            if (!gs->no_ack) {
                gdb_write(gs, "-", 1);
            }
            break;
        }
        if (gs->rx == RX_CSUM1) {
            gs->rx_csum = d << 4;
            gs->rx = RX_CSUM2;
            break;
        }
        gs->rx_csum |= d;
        gs->rx = RX_IDLE;
        if (gs->rx_csum != gs->csum) {
            if (!gs->no_ack) {
                gdb_write(gs, "-", 1);
            }
            break;
        }
        if (!gs->no_ack) {
            gdb_write(gs, "+", 1);
        }
        if (gs->pkt_overflow || gs->pkt_len == 0) {
            gdb_put_packet(gs, gs->pkt_overflow ? "E01" : "");
            break;
        }
        gs->pkt[gs->pkt_len] = '\0';
        gdb_handle_packet(gs, gs->pkt, gs->pkt_len);
        break;
    }
    }
}

static void gdb_client_readable(void *opaque)
{
    GDBState *gs = opaque;
    uint8_t buf[4096];
    ssize_t n;

    n = recv(gs->client_watch.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        gdb_close_client(gs);
        return;
    }
    for (ssize_t i = 0; i < n && gs->client_watch.fd >= 0; i++) {
        gdb_rx_byte(gs, buf[i]);
    }
}

static void gdb_accept(void *opaque)
{
    GDBState *gs = opaque;
    int fd = accept(gs->listen_fd, NULL, NULL), one = 1;

    if (fd < 0) {
        return;
    }
    if (gs->client_watch.fd >= 0) {
        close(fd);              /* one debugger at a time */
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    gs->client_watch.fd = fd;
    gs->rx = RX_IDLE;
    gs->no_ack = false;
    gs->waiting = false;
    gs->g_cpu = gs->c_cpu = 0;
    if (gs->m->run_state == RUN_STATE_RUNNING) {
        /* As QEMU: attaching stops the machine; gdb asks why with '?'. */
        gdb_request_stop(gs->m, NULL, GDB_STOP_TRAP, 0);
    }
}

int gdb_parse_spec(const char *spec, char *host, size_t host_len, int *port,
                   char *err, size_t err_len)
{
    const char *colon;
    char *end;
    long v;

    if (strncmp(spec, "tcp:", 4) || !(colon = strrchr(spec + 4, ':'))) {
        snprintf(err, err_len, "'%s' is not tcp::PORT or tcp:ADDR:PORT", spec);
        return -EINVAL;
    }
    if ((size_t)(colon - (spec + 4)) >= host_len) {
        snprintf(err, err_len, "'%s': address too long", spec);
        return -EINVAL;
    }
    errno = 0;
    v = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || v < 1 || v > 65535) {
        snprintf(err, err_len, "'%s': port is not a number from 1 to 65535", spec);
        return -EINVAL;
    }
    memcpy(host, spec + 4, colon - (spec + 4));
    host[colon - (spec + 4)] = '\0';
    if (!host[0] || !strcmp(host, "localhost")) {
        snprintf(host, host_len, "127.0.0.1");
    }
    if (inet_addr(host) == INADDR_NONE && strcmp(host, "255.255.255.255")) {
        snprintf(err, err_len, "'%s': '%s' is not a numeric IPv4 address", spec, host);
        return -EINVAL;
    }
    *port = (int)v;
    return 0;
}

int gdb_start(Machine *m, const char *spec, bool start_stopped, char *err, size_t err_len)
{
    GDBState *gs;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    char host[64];
    int port, fd, one = 1, ret;

    ret = gdb_parse_spec(spec, host, sizeof(host), &port, err, err_len);
    if (ret < 0) {
        return ret;
    }
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = inet_addr(host);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, err_len, "socket: %s", strerror(errno));
        return ret;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        ret = -errno;
        snprintf(err, err_len, "%s:%d: %s", host, port, strerror(errno));
        close(fd);
        return ret;
    }
    gs = calloc(1, sizeof(*gs));
    if (!gs) {
        close(fd);
        snprintf(err, err_len, "out of memory");
        return -ENOMEM;
    }
    gs->m = m;
    gs->listen_fd = fd;
    gdb_build_xml(gs);
    fdwatch_add(m, &gs->listen_watch, fd, gdb_accept, gs);
    fdwatch_add(m, &gs->client_watch, -1, gdb_client_readable, gs);
    m->gdb = gs;
    gs->stop_reason = GDB_STOP_TRAP;
    gs->stop_cpu = 0;
    gdb_format_stop(gs);
    if (start_stopped) {
        m->run_state = RUN_STATE_STOPPED;
        gs->stopped_host_ns = clock_host_ns();
    }
    return 0;
}
