/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the GDB remote protocol parser (gdbstub/gdbstub.c,
 * GDB manual "Remote Serial Protocol"): the input bytes are what a client
 * sends.  The stub has no entry point that takes bytes without a socket
 * (gdb_start listens on TCP and reads in an fdwatch callback), so this
 * file includes gdbstub.c itself and feeds the input to its receive state
 * machine (gdb_rx_byte) one byte at a time, with the client end of the
 * stub's connection a socketpair whose other end is drained after every
 * packet.  The machine has two harts over 1 MiB of RAM and no devices;
 * each run starts a fresh stub on it (a new connection), so packets such
 * as G, M, X, Z and c change harts and RAM for the runs after.
 * ASan/UBSan catch memory errors; the target aborts when a reply is not a
 * well-formed packet ($...#xx with the right checksum) or ack.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include "gdbstub/gdbstub.c"

#define FUZZ_RAM_BASE 0x80000000ull
#define FUZZ_RAM_SIZE (1ull << 20)
#define FUZZ_HARTS 2

static Machine *fm;
static RISCVCPU fcpu[FUZZ_HARTS];
static int peer_fd = -1;
static int report_fd = 2;
static char reply[1 << 17];
static size_t reply_len;

#define fail(...) (dprintf(report_fd, "fuzz-gdb: " __VA_ARGS__), abort())

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    report_fd = dup(2);
    if (report_fd < 0) {
        report_fd = 2;
    }
    return 0;
}

static void fuzz_setup(void)
{
    static MachineConfig cfg;

    fm = calloc(1, sizeof(*fm));
    if (!fm || !memory_add_ram(&fm->as, "ram", FUZZ_RAM_BASE, FUZZ_RAM_SIZE, false)) {
        fail("no RAM\n");
    }
    cfg.smp = FUZZ_HARTS;
    fm->cfg = &cfg;
    fm->ram_base = FUZZ_RAM_BASE;
    fm->ram_size = FUZZ_RAM_SIZE;
    for (int i = 0; i < FUZZ_HARTS; i++) {
        riscv_cpu_init(&fcpu[i], fm, i);
        fm->cpus[fm->nr_cpus++] = &fcpu[i].parent;
    }
}

/* Check the replies collected so far: acks and complete packets only. */
static void check_replies(void)
{
    size_t i = 0;

    while (i < reply_len) {
        uint8_t cs = 0;
        size_t j;

        if (reply[i] == '+' || reply[i] == '-') {
            i++;
            continue;
        }
        if (reply[i] != '$') {
            fail("reply byte 0x%02x outside a packet\n", (uint8_t)reply[i]);
        }
        for (j = i + 1; j < reply_len && reply[j] != '#'; j++) {
            cs += (uint8_t)reply[j];
        }
        if (j + 2 >= reply_len) {
            break;   /* incomplete: the rest comes with the next drain */
        }
        if (hexval(reply[j + 1]) < 0 || hexval(reply[j + 2]) < 0 ||
            (hexval(reply[j + 1]) << 4 | hexval(reply[j + 2])) != cs) {
            fail("reply packet with a bad checksum: %.*s\n", (int)(j + 3 - i), reply + i);
        }
        i = j + 3;
    }
    memmove(reply, reply + i, reply_len - i);
    reply_len -= i;
}

static void drain(void)
{
    ssize_t n;

    while ((n = recv(peer_fd, reply + reply_len, sizeof(reply) - reply_len,
                     MSG_DONTWAIT)) > 0) {
        reply_len += (size_t)n;
        check_replies();
        if (reply_len == sizeof(reply)) {
            fail("a reply packet longer than %zu bytes\n", sizeof(reply));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GDBState *gs;
    int sv[2], big = 1 << 20;

    if (!fm) {
        fuzz_setup();
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        fail("socketpair: %s\n", strerror(errno));
    }
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    peer_fd = sv[1];
    reply_len = 0;

    /* What gdb_start and gdb_accept do, without the listening socket. */
    gs = calloc(1, sizeof(*gs));
    if (!gs) {
        abort();
    }
    gs->m = fm;
    gs->listen_fd = -1;
    gs->client_watch.fd = sv[0];
    gdb_build_xml(gs);
    fm->gdb = gs;
    fm->run_state = RUN_STATE_STOPPED;
    fm->shutdown_request = 0;
    gs->stop_reason = GDB_STOP_TRAP;
    gdb_format_stop(gs);

    for (size_t i = 0; i < size && gs->client_watch.fd >= 0; i++) {
        gdb_rx_byte(gs, data[i]);
        if (gs->rx == RX_IDLE) {
            drain();
        }
        if (fm->run_state == RUN_STATE_RUNNING) {
            /* c/s/vCont resumed the harts: no loop here, so report a stop at once. */
            gdb_request_stop(fm, NULL, GDB_STOP_STEP, 0);
            gdb_stopped(fm, fm->cpus[0]);
            fm->run_state = RUN_STATE_STOPPED;
            drain();
        }
    }
    drain();
    gdb_close_client(gs);
    close(peer_fd);
    fm->gdb = NULL;
    fm->stop_request = 0;
    fm->debug_watch = false;
    free(gs);
    return 0;
}
