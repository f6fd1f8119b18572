/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Machine-wide requests (see machine.h). */
#include "hw/core/machine.h"
#include "tcg/cpu.h"

void machine_request_shutdown(Machine *m, int status)
{
    if (!m->shutdown_request) {
        m->exit_status = status;
        __atomic_store_n(&m->shutdown_request, 1, __ATOMIC_RELAXED);
    }
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        cpu_exit(m->cpus[i]);
    }
}

void machine_request_reset(Machine *m)
{
    __atomic_store_n(&m->reset_request, 1, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        cpu_exit(m->cpus[i]);
    }
}
