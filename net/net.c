/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netdev layer (see net.h): --netdev parsing, netdev creation, the
 * path of frames between frontend and backend with their counters, and
 * the bounded queue of frames waiting for guest receive buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/net.h"
#include "util/error.h"

#define NET_REC_HDR 8                     /* le32 length, 4 bytes of padding */
#define NET_REC_WRAP 0xffffffffu          /* "the rest of the ring is padding" */

static size_t net_rec_size(size_t len)
{
    return NET_REC_HDR + ((len + 7) & ~(size_t)7);
}

static int net_queue_init(NetQueue *q, size_t size)
{
    q->buf = malloc(size);
    if (!q->buf) {
        return -ENOMEM;
    }
    q->size = size;
    q->head = q->tail = q->used = 0;
    q->count = 0;
    return 0;
}

/* Append a record; -ENOBUFS when it does not fit. */
static int net_queue_push(NetQueue *q, const uint8_t *buf, size_t len)
{
    size_t rs = net_rec_size(len);

    if (q->count >= NET_QUEUE_MAX_PACKETS) {
        return -ENOBUFS;
    }
    if (q->count == 0) {
        q->head = q->tail = q->used = 0;
    }
    if (q->count && q->tail == q->head) {
        return -ENOBUFS;                  /* exactly full */
    }
    if (q->tail >= q->head) {
        if (rs > q->size - q->tail) {
            /* No room at the end: pad it out and continue at the start, before head. */
            if (rs > q->head) {
                return -ENOBUFS;
            }
            if (q->tail < q->size) {
                st_le32(q->buf + q->tail, NET_REC_WRAP);
            }
            q->used += q->size - q->tail;
            q->tail = 0;
        }
    } else if (rs > q->head - q->tail) {
        return -ENOBUFS;
    }
    st_le32(q->buf + q->tail, (uint32_t)len);
    memcpy(q->buf + q->tail + NET_REC_HDR, buf, len);
    q->tail += rs;
    q->used += rs;
    q->count++;
    return 0;
}

/* The oldest record (count > 0): its frame and length. */
static const uint8_t *net_queue_peek(NetQueue *q, size_t *len)
{
    uint32_t l;

    if (q->head == q->size || ld_le32(q->buf + q->head) == NET_REC_WRAP) {
        q->used -= q->size - q->head;
        q->head = 0;
    }
    l = ld_le32(q->buf + q->head);
    *len = l;
    return q->buf + q->head + NET_REC_HDR;
}

/* Drop the record net_queue_peek() returned. */
static void net_queue_drop_head(NetQueue *q, size_t len)
{
    size_t rs = net_rec_size(len);

    q->head += rs;
    q->used -= rs;
    if (--q->count == 0) {
        q->head = q->tail = q->used = 0;
    }
}

void net_default_mac(unsigned index, uint8_t mac[6])
{
    static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(base[5] + index);
}

static int net_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;

    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6 || strlen(s) != 17) {
        return -EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t)v[i];
    }
    return (mac[0] & 1) ? -EINVAL : 0;    /* a multicast address is no NIC's */
}

/* A port number 0..65535 (whole string). */
static int net_parse_port(const char *s, int *port)
{
    char *end;
    long v;

    if (!*s) {
        return -EINVAL;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 65535) {
        return -EINVAL;
    }
    *port = (int)v;
    return 0;
}

/* An IPv4 address, or the empty string for `dflt`. */
static int net_parse_addr(const char *s, size_t n, struct in_addr dflt, struct in_addr *a)
{
    char tmp[INET_ADDRSTRLEN];

    if (n == 0) {
        *a = dflt;
        return 0;
    }
    if (n >= sizeof(tmp)) {
        return -EINVAL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET, tmp, a) == 1 ? 0 : -EINVAL;
}

int net_parse_hostfwd(const char *s, NetHostFwd *fw)
{
    const char *p, *dash, *colon;
    char port[8];
    struct in_addr any = { 0 };

    if (!strncmp(s, "tcp:", 4)) {
        fw->udp = false;
        p = s + 4;
    } else if (!strncmp(s, "udp:", 4)) {
        fw->udp = true;
        p = s + 4;
    } else {
        return -EINVAL;
    }
    /* HADDR:HPORT-GADDR:GPORT, each address may be empty. */
    dash = strchr(p, '-');
    if (!dash) {
        return -EINVAL;
    }
    colon = memchr(p, ':', (size_t)(dash - p));
    if (!colon || (size_t)(dash - colon - 1) >= sizeof(port)) {
        return -EINVAL;
    }
    memcpy(port, colon + 1, (size_t)(dash - colon - 1));
    port[dash - colon - 1] = '\0';
    if (net_parse_addr(p, (size_t)(colon - p), any, &fw->host_addr) < 0 ||
        net_parse_port(port, &fw->host_port) < 0) {
        return -EINVAL;
    }
    p = dash + 1;
    colon = strchr(p, ':');
    if (!colon || net_parse_addr(p, (size_t)(colon - p), any, &fw->guest_addr) < 0 ||
        net_parse_port(colon + 1, &fw->guest_port) < 0 || fw->guest_port == 0) {
        return -EINVAL;
    }
    return 0;
}

int net_parse_ipv4_net(const char *s, struct in_addr *net, struct in_addr *mask)
{
    const char *slash = strchr(s, '/');
    int prefix = 24;
    char *end;

    if (net_parse_addr(s, slash ? (size_t)(slash - s) : strlen(s), *net, net) < 0 ||
        (!slash && !*s)) {
        return -EINVAL;
    }
    if (slash) {
        errno = 0;
        prefix = (int)strtol(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || prefix < 8 || prefix > 28) {
            return -EINVAL;
        }
    }
    mask->s_addr = htonl(~0u << (32 - prefix));
    if (net->s_addr & ~mask->s_addr) {
        return -EINVAL;                    /* host bits set: not a network address */
    }
    return 0;
}

static bool net_parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

int net_parse_netdev(char *arg, NetdevConfig *cfg, char *err, size_t errlen)
{
    NetdevConfig c = { 0 };
    char *save, *opt;

    opt = strtok_r(arg, ",", &save);
    if (!opt || strcmp(opt, "user")) {
        snprintf(err, errlen, "'%s' is not a backend type (known: user)", opt ? opt : "");
        return -EINVAL;
    }
    c.type = opt;
    while ((opt = strtok_r(NULL, ",", &save))) {
        char *val = strchr(opt, '=');

        if (!val) {
            snprintf(err, errlen, "'%s' is not key=value", opt);
            return -EINVAL;
        }
        *val++ = '\0';
        if (!strcmp(opt, "id")) {
            if (!*val || strlen(val) >= sizeof(((NetDev *)0)->id)) {
                snprintf(err, errlen, "id='%s' is empty or longer than 31 characters", val);
                return -EINVAL;
            }
            c.id = val;
        } else if (!strcmp(opt, "net")) {
            struct in_addr n = { 0 }, mask;

            if (net_parse_ipv4_net(val, &n, &mask) < 0) {
                snprintf(err, errlen, "net=%s is not an IPv4 network ADDR/PREFIX "
                         "(prefix 8..28, e.g. 10.0.2.0/24)", val);
                return -EINVAL;
            }
            c.net = val;
        } else if (!strcmp(opt, "hostfwd")) {
            NetHostFwd fw;

            if (net_parse_hostfwd(val, &fw) < 0) {
                snprintf(err, errlen, "hostfwd=%s is not tcp|udp:[HOSTADDR]:HOSTPORT-"
                         "[GUESTADDR]:GUESTPORT", val);
                return -EINVAL;
            }
            if (c.nr_hostfwd == NETDEV_MAX_HOSTFWD) {
                snprintf(err, errlen, "at most %d hostfwd rules", NETDEV_MAX_HOSTFWD);
                return -EINVAL;
            }
            c.hostfwd[c.nr_hostfwd++] = val;
        } else if (!strcmp(opt, "restrict")) {
            if (!net_parse_bool(val, &c.restricted)) {
                snprintf(err, errlen, "restrict=%s is not on or off", val);
                return -EINVAL;
            }
        } else if (!strcmp(opt, "mac")) {
            if (net_parse_mac(val, c.mac) < 0) {
                snprintf(err, errlen, "mac=%s is not a unicast XX:XX:XX:XX:XX:XX", val);
                return -EINVAL;
            }
            c.has_mac = true;
        } else {
            snprintf(err, errlen, "unknown parameter '%s' (id, net, hostfwd, restrict, mac)",
                     opt);
            return -EINVAL;
        }
    }
    *cfg = c;
    return 0;
}

static NetDev *net_new(Machine *m, const char *id)
{
    NetDev *nd = calloc(1, sizeof(*nd));

    if (!nd) {
        return NULL;
    }
    if (net_queue_init(&nd->rxq, NET_QUEUE_BYTES) < 0) {
        free(nd);
        return NULL;
    }
    nd->machine = m;
    snprintf(nd->id, sizeof(nd->id), "%s", id);
    return nd;
}

static void net_link(Machine *m, NetDev *nd)
{
    NetDev **p = &m->netdevs;

    while (*p) {
        p = &(*p)->next;
    }
    *p = nd;
}

NetDev *net_create_with_backend(Machine *m, const char *id, const NetBackendOps *ops,
                                void *opaque)
{
    NetDev *nd = net_new(m, id);

    if (!nd) {
        return NULL;
    }
    nd->be_ops = ops;
    nd->be_opaque = opaque;
    nd->info = ops->type;
    net_link(m, nd);
    return nd;
}

NetDev *net_create(Machine *m, const NetdevConfig *cfg, unsigned index, char *err,
                   size_t errlen)
{
    char id[32];
    NetDev *nd;

    if (cfg->id) {
        snprintf(id, sizeof(id), "%s", cfg->id);
    } else {
        snprintf(id, sizeof(id), "net%u", index);
    }
    for (NetDev *o = m->netdevs; o; o = o->next) {
        if (!strcmp(o->id, id)) {
            snprintf(err, errlen, "id=%s is used twice", id);
            return NULL;
        }
    }
    nd = net_new(m, id);
    if (!nd) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (cfg->has_mac) {
        memcpy(nd->mac, cfg->mac, 6);
    } else {
        net_default_mac(index, nd->mac);
    }
    if (net_slirp_init(nd, cfg, err, errlen) < 0) {
        free(nd->rxq.buf);
        free(nd);
        return NULL;
    }
    net_link(m, nd);
    return nd;
}

void net_attach_frontend(NetDev *nd, NetFrontendReceive receive, void *opaque)
{
    nd->fe_receive = receive;
    nd->fe_opaque = opaque;
    net_flush_to_guest(nd);
}

void net_send_from_guest(NetDev *nd, const uint8_t *buf, size_t len)
{
    if (!nd->be_ops || !nd->be_ops->receive) {
        nd->stats.tx_dropped++;
        return;
    }
    nd->stats.tx_packets++;
    nd->stats.tx_bytes += len;
    nd->be_ops->receive(nd->be_opaque, buf, len);
}

/* Offer one frame to the frontend: 1 taken (or refused for good), 0 no room now. */
static int net_deliver(NetDev *nd, const uint8_t *buf, size_t len)
{
    ssize_t r;

    if (!nd->fe_receive) {
        return 0;
    }
    r = nd->fe_receive(nd->fe_opaque, buf, len);
    if (r == 0) {
        return 0;
    }
    if (r < 0) {
        nd->stats.rx_dropped++;
    } else {
        nd->stats.rx_packets++;
        nd->stats.rx_bytes += len;
    }
    return 1;
}

int net_send_to_guest(NetDev *nd, const uint8_t *buf, size_t len)
{
    if (len > NET_MAX_FRAME) {
        nd->stats.rx_dropped++;
        return -ENOBUFS;
    }
    /* Order is kept: a frame goes straight through only when none waits. */
    if (nd->rxq.count == 0 && net_deliver(nd, buf, len)) {
        return 0;
    }
    if (net_queue_push(&nd->rxq, buf, len) < 0) {
        nd->stats.rx_dropped++;
        return -ENOBUFS;
    }
    return 0;
}

void net_flush_to_guest(NetDev *nd)
{
    while (nd->rxq.count) {
        size_t len;
        const uint8_t *buf = net_queue_peek(&nd->rxq, &len);

        if (!net_deliver(nd, buf, len)) {
            return;
        }
        net_queue_drop_head(&nd->rxq, len);
    }
}
