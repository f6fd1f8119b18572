/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netdev layer: one NetDev joins a frontend (the guest's NIC,
 * virtio-net) to a backend (libslirp, or a test's).  Frames from the
 * guest go to the backend at once; frames for the guest are handed to
 * the frontend, and when the guest has posted no receive buffers they
 * wait in a bounded queue inside the NetDev until the frontend calls
 * net_flush_to_guest() (virtio-net does on the rx queue notify).  While
 * frames wait, backends stop reading their sockets (net_guest_can_take()),
 * so the queue stays short and nothing is lost inside the emulator; a
 * frame beyond the bound is dropped and counted.  Frames are Ethernet
 * frames without FCS, at most NET_MAX_FRAME bytes.
 */
#ifndef VM_NET_NET_H
#define VM_NET_NET_H

#include <netinet/in.h>
#include <sys/types.h>

#include "hw/core/machine.h"

/* Largest frame either way (bytes): 64 KiB of IP plus the Ethernet header and a VLAN tag. */
#define NET_MAX_FRAME (65536 + 18)
/* Bounds of the queue of frames waiting for guest buffers. */
#define NET_QUEUE_BYTES (4u << 20)
#define NET_QUEUE_MAX_PACKETS 4096

typedef struct NetDev NetDev;

/* Counters for `info network` (guest's view: tx = sent by the guest, rx = received by it). */
typedef struct NetStats {
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_packets, rx_bytes;
    uint64_t rx_dropped;          /* frames for the guest lost to a full queue or refused */
    uint64_t tx_dropped;          /* frames from the guest no backend took */
} NetStats;

/*
 * Frames waiting for the guest: a byte ring of [le32 length][frame]
 * records, 8-byte aligned, allocated once (no allocation per frame).
 */
typedef struct NetQueue {
    uint8_t *buf;
    size_t size;                  /* bytes in buf */
    size_t head;                  /* offset of the oldest record */
    size_t tail;                  /* offset where the next record goes */
    size_t used;                  /* bytes taken by records (and wrap padding) */
    unsigned count;               /* frames waiting */
} NetQueue;

/* What a backend provides. */
typedef struct NetBackendOps {
    const char *type;             /* "user", "test" */
    /* A frame from the guest (len bytes, header already stripped). */
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
} NetBackendOps;

/*
 * The frontend's receive: deliver one frame into guest buffers.  Returns
 * len when taken, 0 when the guest has no room now (the frame waits and
 * is offered again), -1 when the frame can never be taken (dropped).
 */
typedef ssize_t (*NetFrontendReceive)(void *opaque, const uint8_t *buf, size_t len);

struct NetDev {
    char id[32];
    Machine *machine;
    const NetBackendOps *be_ops;
    void *be_opaque;
    NetFrontendReceive fe_receive; /* NULL until a frontend attaches: frames wait */
    void *fe_opaque;
    NetQueue rxq;
    NetStats stats;
    uint8_t mac[6];               /* the frontend's MAC (from the config or the default) */
    const char *info;             /* backend's one-line description, for `info network` */
    struct NetDev *next;          /* in m->netdevs */
};

/*
 * Parse the text of one --netdev:
 *   user[,id=ID][,net=ADDR/PREFIX][,hostfwd=tcp|udp:[HADDR]:HPORT-[GADDR]:GPORT]...
 *       [,restrict=on|off][,mac=XX:XX:XX:XX:XX:XX]
 * into *cfg (strings point into arg, which is modified).  Returns 0, or
 * -EINVAL with a one-line reason in err.
 */
int net_parse_netdev(char *arg, NetdevConfig *cfg, char *err, size_t errlen);

/*
 * Create netdev number `index` from cfg with its backend (hostfwd ports
 * are bound now) and add it to m->netdevs.  Returns NULL with a one-line
 * reason in err (a port taken, a backend not built in).
 */
NetDev *net_create(Machine *m, const NetdevConfig *cfg, unsigned index, char *err,
                   size_t errlen);

/*
 * Create a netdev on a caller-supplied backend (tests); ops and opaque
 * stay the caller's.  NULL when out of memory.
 */
NetDev *net_create_with_backend(Machine *m, const char *id, const NetBackendOps *ops,
                                void *opaque);

/* Attach the frontend; frames already waiting are offered at once. */
void net_attach_frontend(NetDev *nd, NetFrontendReceive receive, void *opaque);

/* A frame from the guest to the backend (the frontend calls it). */
void net_send_from_guest(NetDev *nd, const uint8_t *buf, size_t len);

/*
 * A frame from the backend to the guest: delivered now, or queued when
 * the guest has no buffers (or older frames wait).  Returns 0, or
 * -ENOBUFS when the queue was full and the frame was dropped.
 */
int net_send_to_guest(NetDev *nd, const uint8_t *buf, size_t len);

/* The guest posted receive buffers: deliver waiting frames while it takes them. */
void net_flush_to_guest(NetDev *nd);

/* Whether a backend may produce frames for the guest now (nothing is waiting). */
static inline bool net_guest_can_take(const NetDev *nd)
{
    return nd->rxq.count == 0;
}

/* One hostfwd rule; an address of 0 means "any" (host) or "the DHCP address" (guest). */
typedef struct NetHostFwd {
    bool udp;
    struct in_addr host_addr, guest_addr;
    int host_port, guest_port;
} NetHostFwd;

/* Parse "tcp|udp:[HADDR]:HPORT-[GADDR]:GPORT"; 0 or -EINVAL. */
int net_parse_hostfwd(const char *s, NetHostFwd *fw);

/*
 * Parse "ADDR[/PREFIX]" (prefix 8..28, default 24; an empty ADDR keeps
 * *net) into a network and its mask; 0 or -EINVAL.
 */
int net_parse_ipv4_net(const char *s, struct in_addr *net, struct in_addr *mask);

/*
 * Backends' constructors, called by net_create(): set nd->be_ops and
 * nd->be_opaque.  Return 0, or a negative errno with a reason in err.
 */
/* libslirp (net/slirp.c): NAT, DHCP, DNS, hostfwd. */
int net_slirp_init(NetDev *nd, const NetdevConfig *cfg, char *err, size_t errlen);

/*
 * The frontend: a virtio-net device (virtio 1.2 §5.1, hw/virtio/virtio-net.c)
 * attached to nd, with nd->mac; put it behind a transport
 * (virtio_mmio_create).  nd stays the caller's.  NULL when out of memory.
 */
struct VirtIODevice *virtio_net_new(Machine *m, NetDev *nd);

/* The default MAC of netdev `index`: 52:54:00:12:34:56 + index (QEMU's). */
void net_default_mac(unsigned index, uint8_t mac[6]);

#endif /* VM_NET_NET_H */
