/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "user" backend: libslirp 4.7 (a user-mode TCP/IP stack doing NAT
 * through host sockets, DHCP, DNS forwarding, hostfwd).  It runs on the
 * vCPU thread inside our loop: a poll hook (hw/core/fdwatch.h) lets
 * slirp_pollfds_fill() add its sockets to the loop's ppoll and
 * slirp_pollfds_poll() handle them and its TCP timers afterwards; slirp's
 * own timers are Timers on the machine's virtual clock.  While frames
 * wait for guest buffers (net_guest_can_take() false) we stop asking
 * for readable sockets, so host data stays in the host kernel instead of
 * piling up in front of the guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config-host.h"
#include "hw/core/fdwatch.h"
#include "net/net.h"
#include "util/error.h"

#ifdef CONFIG_SLIRP
#include <slirp/libslirp.h>

/* One slirp timer; freed timers are kept for reuse (the machine's timer list only grows). */
typedef struct SlirpTimer {
    Timer timer;
    struct SlirpBackend *s;
    SlirpTimerId id;
    void *cb_opaque;
    bool in_use;
    struct SlirpTimer *next;
} SlirpTimer;

typedef struct SlirpBackend {
    NetDev *nd;
    Machine *m;
    Slirp *slirp;
    FDPollHook hook;
    SlirpTimer *timers;
    /* The pollfd window of the current fdwatch_poll round. */
    struct pollfd *pfd;
    unsigned npfd, maxpfd;
    char info[128];
} SlirpBackend;

static ssize_t net_slirp_send_packet(const void *buf, size_t len, void *opaque)
{
    SlirpBackend *s = opaque;

    net_send_to_guest(s->nd, buf, len);
    return (ssize_t)len;
}

static void net_slirp_guest_error(const char *msg, void *opaque)
{
    guest_error("slirp: %s", msg);
}

static int64_t net_slirp_clock_get_ns(void *opaque)
{
    SlirpBackend *s = opaque;

    return clock_virtual_ns(&s->m->timers);
}

static void net_slirp_timer_cb(void *opaque)
{
    SlirpTimer *t = opaque;

    if (t->in_use) {
        slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
    }
}

static void *net_slirp_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    SlirpBackend *s = opaque;
    SlirpTimer *t;

    for (t = s->timers; t && t->in_use; t = t->next) {
    }
    if (!t) {
        t = calloc(1, sizeof(*t));
        if (!t) {
            error_exit("out of memory for a slirp timer");
        }
        t->s = s;
        timer_init(&s->m->timers, &t->timer, net_slirp_timer_cb, t);
        t->next = s->timers;
        s->timers = t;
    }
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->in_use = true;
    return t;
}

static void net_slirp_timer_free(void *timer, void *opaque)
{
    SlirpTimer *t = timer;

    timer_mod(&t->timer, INT64_MAX);
    t->in_use = false;
}

/* expire_time is in ms of clock_get_ns()'s clock. */
static void net_slirp_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
    SlirpTimer *t = timer;

    timer_mod(&t->timer, expire_time > INT64_MAX / 1000000 ? INT64_MAX
                                                          : expire_time * 1000000);
}

static void net_slirp_register_poll_fd(int fd, void *opaque)
{
    /* Nothing: slirp's fds are collected again before every poll. */
}

static void net_slirp_unregister_poll_fd(int fd, void *opaque)
{
}

static void net_slirp_notify(void *opaque)
{
    /* Nothing: the loop polls slirp every few thousand TBs and before it sleeps. */
}

static const SlirpCb net_slirp_cb = {
    .send_packet = net_slirp_send_packet,
    .guest_error = net_slirp_guest_error,
    .clock_get_ns = net_slirp_clock_get_ns,
    .timer_free = net_slirp_timer_free,
    .timer_mod = net_slirp_timer_mod,
    .register_poll_fd = net_slirp_register_poll_fd,
    .unregister_poll_fd = net_slirp_unregister_poll_fd,
    .notify = net_slirp_notify,
    .timer_new_opaque = net_slirp_timer_new_opaque,
};

static int net_slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpBackend *s = opaque;
    short ev = 0;

    if (s->npfd == s->maxpfd) {
        return -1;                     /* no room this round; polled next time */
    }
    if (events & SLIRP_POLL_IN) {
        ev |= POLLIN;
    }
    if (events & SLIRP_POLL_OUT) {
        ev |= POLLOUT;
    }
    if (events & SLIRP_POLL_PRI) {
        ev |= POLLPRI;
    }
    /* Flow control: while frames wait for guest buffers, leave host data in the host. */
    if (!net_guest_can_take(s->nd)) {
        ev &= ~(POLLIN | POLLPRI);
    }
    s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
    return (int)s->npfd++;
}

static int net_slirp_get_revents(int idx, void *opaque)
{
    SlirpBackend *s = opaque;
    short rev;
    int events = 0;

    if (idx < 0 || (unsigned)idx >= s->npfd) {
        return 0;
    }
    rev = s->pfd[idx].revents;
    if (rev & POLLIN) {
        events |= SLIRP_POLL_IN;
    }
    if (rev & POLLOUT) {
        events |= SLIRP_POLL_OUT;
    }
    if (rev & POLLPRI) {
        events |= SLIRP_POLL_PRI;
    }
    if (rev & (POLLERR | POLLNVAL)) {
        events |= SLIRP_POLL_ERR;
    }
    if (rev & POLLHUP) {
        events |= SLIRP_POLL_HUP;
    }
    return events;
}

static unsigned net_slirp_fill(void *opaque, struct pollfd *pfd, unsigned max,
                               int64_t *timeout_ns)
{
    SlirpBackend *s = opaque;
    /* slirp lowers a ms timeout to its TCP timer tick when it has work pending. */
    uint32_t ms = *timeout_ns >= (int64_t)UINT32_MAX * 1000000 ? UINT32_MAX
                  : (uint32_t)((*timeout_ns + 999999) / 1000000);

    s->pfd = pfd;
    s->npfd = 0;
    s->maxpfd = max;
    slirp_pollfds_fill(s->slirp, &ms, net_slirp_add_poll, s);
    if ((int64_t)ms * 1000000 < *timeout_ns) {
        *timeout_ns = (int64_t)ms * 1000000;
    }
    return s->npfd;
}

static void net_slirp_dispatch(void *opaque, struct pollfd *pfd, unsigned n, bool error)
{
    SlirpBackend *s = opaque;

    s->pfd = pfd;
    s->npfd = n;
    slirp_pollfds_poll(s->slirp, error, net_slirp_get_revents, s);
    s->npfd = 0;
}

/* A frame from the guest: slirp handles it synchronously. */
static void net_slirp_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SlirpBackend *s = opaque;

    slirp_input(s->slirp, buf, (int)len);
}

static const NetBackendOps net_slirp_ops = {
    .type = "user",
    .receive = net_slirp_receive,
};

int net_slirp_init(NetDev *nd, const NetdevConfig *cfg, char *err, size_t errlen)
{
    SlirpConfig sc = { .version = 4 };
    SlirpBackend *s;
    struct in_addr net = { htonl(0x0a000200) }, mask; /* 10.0.2.0 */
    char net_str[INET_ADDRSTRLEN];

    if (cfg->net && net_parse_ipv4_net(cfg->net, &net, &mask) < 0) {
        snprintf(err, errlen, "net=%s is not an IPv4 network", cfg->net);
        return -EINVAL;
    }
    if (!cfg->net) {
        mask.s_addr = htonl(0xffffff00);
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->nd = nd;
    s->m = nd->machine;
    /* QEMU's layout: gateway .2, DNS .3, DHCP from .15. */
    sc.restricted = cfg->restricted;
    sc.in_enabled = true;
    sc.vnetwork = net;
    sc.vnetmask = mask;
    sc.vhost.s_addr = htonl(ntohl(net.s_addr) + 2);
    sc.vdhcp_start.s_addr = htonl(ntohl(net.s_addr) + 15);
    sc.vnameserver.s_addr = htonl(ntohl(net.s_addr) + 3);
    sc.in6_enabled = false;
    sc.if_mtu = 1500;
    sc.if_mru = 1500;
    s->slirp = slirp_new(&sc, &net_slirp_cb, s);
    if (!s->slirp) {
        snprintf(err, errlen, "libslirp could not start");
        free(s);
        return -EINVAL;
    }
    for (unsigned i = 0; i < cfg->nr_hostfwd; i++) {
        NetHostFwd fw;
        struct in_addr gaddr;

        if (net_parse_hostfwd(cfg->hostfwd[i], &fw) < 0) {
            snprintf(err, errlen, "hostfwd=%s is malformed", cfg->hostfwd[i]);
            goto fail;
        }
        gaddr = fw.guest_addr.s_addr ? fw.guest_addr : sc.vdhcp_start;
        errno = 0;
        if (slirp_add_hostfwd(s->slirp, fw.udp, fw.host_addr, fw.host_port, gaddr,
                              fw.guest_port) < 0) {
            snprintf(err, errlen, "hostfwd=%s: cannot listen on host port %d: %s",
                     cfg->hostfwd[i], fw.host_port,
                     errno ? strerror(errno) : "address in use or not available");
            goto fail;
        }
    }
    inet_ntop(AF_INET, &net, net_str, sizeof(net_str));
    snprintf(s->info, sizeof(s->info), "user: net=%s/%d%s, %u hostfwd", net_str,
             __builtin_popcount(mask.s_addr), cfg->restricted ? ", restricted" : "",
             cfg->nr_hostfwd);
    nd->info = s->info;
    nd->be_ops = &net_slirp_ops;
    nd->be_opaque = s;
    fdwatch_add_hook(s->m, &s->hook, net_slirp_fill, net_slirp_dispatch, s);
    return 0;

fail:
    slirp_cleanup(s->slirp);
    free(s);
    return -EADDRINUSE;
}

#else /* !CONFIG_SLIRP */

int net_slirp_init(NetDev *nd, const NetdevConfig *cfg, char *err, size_t errlen)
{
    snprintf(err, errlen, "user: built without libslirp (install libslirp-dev, re-run "
             "./configure)");
    return -ENOTSUP;
}

#endif
