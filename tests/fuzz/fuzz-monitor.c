/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for monitor command lines (monitor/monitor.c, DESIGN.md
 * §7): the input is text, one command per line, as a user or a script
 * types it on the monitor socket.  mon_exec is static, so this file
 * includes monitor.c and calls it with a context whose output is a
 * memstream.  The machine has two harts over 1 MiB of RAM and no devices,
 * drives, display or network (commands needing them must say so), and
 * its state persists from run to run (x, p, cpu, stop, cont,
 * system_reset change or read it).  Each run gets a fresh memstream; the
 * target aborts when a command line produces output that is not
 * newline-terminated text.
 *
 *   tests/fuzz/run.sh BUILD_DIR [RUNS]      build, seed corpus, run
 */
#include "monitor/monitor.c"

#define FUZZ_RAM_BASE 0x80000000ull
#define FUZZ_RAM_SIZE (1ull << 20)
#define FUZZ_HARTS 2

static Machine *fm;
static RISCVCPU fcpu[FUZZ_HARTS];
static int report_fd = 2;

#define fail(...) (dprintf(report_fd, "fuzz-monitor: " __VA_ARGS__), abort())

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
    cfg.ram_size = FUZZ_RAM_SIZE;
    fm->cfg = &cfg;
    fm->ram_base = FUZZ_RAM_BASE;
    fm->ram_size = FUZZ_RAM_SIZE;
    for (int i = 0; i < FUZZ_HARTS; i++) {
        riscv_cpu_init(&fcpu[i], fm, i);
        fm->cpus[fm->nr_cpus++] = &fcpu[i].parent;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MonCtx c = { 0 };
    char *text, *line, *save = NULL, *out = NULL;
    size_t out_len = 0;

    if (!fm) {
        fuzz_setup();
    }
    if (size > 16384) {
        return 0;
    }
    text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    c.m = fm;
    c.out = open_memstream(&out, &out_len);
    if (!c.out) {
        fail("open_memstream: %s\n", strerror(errno));
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t before;

        fflush(c.out);
        before = out_len;
        mon_exec(&c, line);
        fflush(c.out);
        if (out_len > before && out[out_len - 1] != '\n') {
            fail("'%s' printed output without a final newline\n", line);
        }
        fm->shutdown_request = 0;
        fm->reset_request = 0;
    }
    fclose(c.out);
    free(out);
    free(text);
    return 0;
}
