/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JIT code buffer (DESIGN.md §3): one memfd mapped twice, read-write
 * where the back end writes and read-execute where code runs, so no page
 * is ever writable and executable at once.  Code is position-independent
 * within the buffer (rel32 jumps only inside one TB, absolute calls out),
 * so it is emitted in the writable view and runs at the same offset in
 * the executable one.  Without memfd, falls back to one mapping switched
 * with mprotect.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/jit.h"
#include "util/error.h"

#define JIT_BUFFER_SIZE (256u << 20)

/* Process-wide: one code cache for all vCPUs, as the TB cache. */
static uint8_t *buf_rw, *buf_rx;
static size_t buf_used;
static bool buf_mprotect;   /* fallback: single mapping toggled RW <-> RX */

static void jit_buffer_init(void)
{
    int fd = memfd_create("vm-jit", MFD_CLOEXEC);

    if (fd >= 0 && ftruncate(fd, JIT_BUFFER_SIZE) == 0) {
        void *rw = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        void *rx = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
        if (rw != MAP_FAILED && rx != MAP_FAILED) {
            buf_rw = rw;
            buf_rx = rx;
            close(fd);
            return;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    buf_rw = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (buf_rw == MAP_FAILED) {
        error_exit("cannot map the JIT code buffer (%u MiB)", JIT_BUFFER_SIZE >> 20);
    }
    buf_rx = buf_rw;
    buf_mprotect = true;
}

uint8_t *jit_buffer_alloc(size_t room, void **exec)
{
    if (!buf_rw) {
        jit_buffer_init();
    }
    if (buf_used + room > JIT_BUFFER_SIZE) {
        return NULL;
    }
    if (buf_mprotect) {
        mprotect(buf_rw, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE);
    }
    *exec = buf_rx + buf_used;
    return buf_rw + buf_used;
}

void jit_buffer_commit(size_t used)
{
    buf_used = (buf_used + used + 15) & ~(size_t)15;
    if (buf_mprotect) {
        mprotect(buf_rw, JIT_BUFFER_SIZE, PROT_READ | PROT_EXEC);
    }
}

void jit_buffer_reset(void)
{
    buf_used = 0;
}

void jit_buffer_write4(void *exec_at, uint32_t v)
{
    uint8_t *at = buf_rw + ((uint8_t *)exec_at - buf_rx);

    if (buf_mprotect) {
        mprotect(buf_rw, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE);
    }
    /* Aligned (the back end pads): one atomic store, safe while other threads run the code. */
    __atomic_store_n((uint32_t *)at, v, __ATOMIC_RELEASE);
    if (buf_mprotect) {
        mprotect(buf_rw, JIT_BUFFER_SIZE, PROT_READ | PROT_EXEC);
    }
}

size_t jit_buffer_used(void)
{
    return buf_used;
}
