/* The UDP layer's internal interface (RFC 768, RFC 8085, RFC 1122 §4.1).
 *
 * A fixed table of sockets (cfg.udp_max_sockets, allocated at creation),
 * local port binding, demultiplexing of an arriving datagram to a socket,
 * bounded per-socket queues (udp_queue.c) of received datagrams with their
 * source endpoints and of datagrams waiting to be sent, ICMP errors to
 * connected sockets, readiness and events.
 *
 * One emission path: the socket calls only queue datagrams and put the
 * socket on the output list; sk_udp_next_out / sk_udp_out_done are how the
 * stack's output routine takes them, one frame per call. Every address
 * carries its family; IPv6 goes through the same code once the interface
 * hands it over.
 *
 * The module reaches the rest of the stack through one context pointer
 * (sk_udp_ctx: configuration, statistics, drop counting, allocator), and
 * udp.c touches it only in udp_drop and udp_alloc/udp_release.
 */
#ifndef SK_UDP_UDP_H
#define SK_UDP_UDP_H

#include "base/ctx.h"
#include "base/ring.h"
#include "base/rng.h"
#include "base/sktime.h"
#include "synack/stack.h"
#include "synack/udp.h"
#include "wire/udp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stack context the module runs in (configuration, statistics, drops,
 * allocator). */
typedef sk_ctx sk_udp_ctx;

#define SK_UDP_NONE UINT32_MAX

/* ---- udp_queue.c: a bounded FIFO of datagrams ---- */
typedef struct {
    sk_endpoint peer;  /* received: the source; to send: the destination */
    sk_endpoint local; /* received: the destination; to send: the source */
    uint32_t len;
} sk_udp_rec;

typedef struct {
    sk_udp_rec *rec; /* cap_n records, then cap_bytes payload bytes */
    sk_ring bytes;
    uint32_t head, n, cap_n;
    uint32_t cap_bytes;
} sk_udp_queue;

typedef struct {
    void *(*alloc)(void *ctx, size_t n);
    void (*release)(void *ctx, void *p, size_t n);
    void *ctx;
} sk_udp_mem;

void sk_udpq_init(sk_udp_queue *q, uint32_t cap_n, uint32_t cap_bytes);
/* Room for one more datagram of len bytes (count and bytes). */
bool sk_udpq_fits(const sk_udp_queue *q, size_t len);
/* Append a datagram (storage taken on first use); false when it does not
 * fit or memory is short (*nomem tells which, may be NULL). */
bool sk_udpq_push(sk_udp_queue *q, const sk_udp_mem *m, const sk_udp_rec *r, const void *data,
                  bool *nomem);
/* The oldest record, or NULL. */
const sk_udp_rec *sk_udpq_peek(const sk_udp_queue *q);
/* Copy up to cap bytes of the oldest datagram's payload. */
size_t sk_udpq_copy(const sk_udp_queue *q, void *buf, size_t cap);
/* Remove the oldest datagram; the storage goes back when the queue empties. */
void sk_udpq_pop(sk_udp_queue *q, const sk_udp_mem *m);
void sk_udpq_clear(sk_udp_queue *q, const sk_udp_mem *m);
static inline size_t sk_udpq_bytes(const sk_udp_queue *q)
{
    return sk_ring_len(&q->bytes);
}

/* ---- udp.c ---- */
enum { SK_UDP_FREE, SK_UDP_OPEN };

typedef struct {
    uint32_t gen;
    uint8_t state;
    bool bound, connected;
    bool on_out, on_ev;
    bool broadcast;     /* SO_BROADCAST: may send to a broadcast address */
    bool reuse;         /* SO_REUSEADDR: may share a port with others that set it */
    bool want_write;    /* a send found the send queue full: report room as an event */
    sk_endpoint local;  /* addr.family SK_AF_UNSPEC: any address of ours */
    sk_endpoint remote; /* valid when connected */
    int error;          /* pending error (SK_ECONNREFUSED), reported once */
    uint32_t ev_pending; /* SK_EV_* not yet reported */
    uint32_t out_next, ev_next, free_next;
    uint64_t overflows;
    sk_udp_queue rxq, txq;
} sk_udp_sock;

typedef struct {
    sk_udp_ctx *ctx;
    sk_udp_sock *socks;
    uint32_t n;
    uint32_t free_head;
    uint32_t out_head, out_tail; /* sockets with datagrams to send, FIFO */
    uint32_t ev_head, ev_tail;   /* sockets with unreported events, FIFO */
    sk_rng rng;                  /* ephemeral ports */
} sk_udp;

/* An arriving datagram, as the interface hands it over (the IP layer has
 * validated the addresses; src may be any host, dst is ours or a
 * broadcast). */
typedef struct {
    sk_ipaddr src, dst;
    bool bcast;            /* to a broadcast or multicast address */
    const uint8_t *dgram;  /* the UDP header and what follows */
    size_t len;            /* bytes of IP payload */
} sk_udp_in;

/* The verdict of sk_udp_input. */
enum { SK_UDP_DELIVERED = 0, SK_UDP_NO_PORT = -1 };

int sk_udp_init(sk_udp *u, sk_udp_ctx *ctx);
void sk_udp_free(sk_udp *u);

/* Handles: idx = SK_SOCK_UDP | (slot + 1). NULL for stale or invalid. */
sk_udp_sock *sk_udp_sock_of(const sk_udp *u, sk_sock h);
sk_sock sk_udp_handle(const sk_udp *u, const sk_udp_sock *k);

sk_udp_sock *sk_udp_alloc(sk_udp *u);
void sk_udp_release(sk_udp *u, sk_udp_sock *k);
/* Bind (port 0: ephemeral). 0, SK_EADDRINUSE or SK_EINVAL. */
int sk_udp_bind_local(sk_udp *u, sk_udp_sock *k, const sk_endpoint *local);
/* Connect (family SK_AF_UNSPEC: disconnect); binds an ephemeral port first. */
int sk_udp_set_remote(sk_udp *u, sk_udp_sock *k, const sk_endpoint *remote);
/* Queue a datagram to `to` from k's local end (src: the address to send
 * from, our address of to's family). Returns 0, SK_EAGAIN or SK_ENOMEM. */
int sk_udp_queue_send(sk_udp *u, sk_udp_sock *k, const sk_ipaddr *src, const sk_endpoint *to,
                      const void *data, size_t len);
/* Take the oldest received datagram (see sk_udp_recvfrom). */
ptrdiff_t sk_udp_take(sk_udp *u, sk_udp_sock *k, void *buf, size_t cap, sk_udp_meta *meta);
uint32_t sk_udp_readiness(const sk_udp *u, const sk_udp_sock *k);
/* Report newly true readiness bits (queued for sk_udp_next_event). */
void sk_udp_notify(sk_udp *u, sk_udp_sock *k);
bool sk_udp_next_event(sk_udp *u, sk_event *ev);

/* Input: checksum (RFC 768; zero means none for IPv4, is an error for
 * IPv6, RFC 8200 §8.1), lengths, demultiplexing (a connected socket's exact
 * match beats a bound one; a specific local address beats the wildcard).
 * Returns SK_UDP_DELIVERED (queued, or dropped and counted) or
 * SK_UDP_NO_PORT when no socket wants it: the caller answers with a port
 * unreachable (unless it was a broadcast). */
int sk_udp_input(sk_udp *u, sk_time now, const sk_udp_in *in);
/* An ICMP hard error (port or protocol unreachable) quoting our datagram
 * from `local` to `remote`: a connected socket with exactly these ends gets
 * `err` as its pending error. Returns 0, or a drop reason (not counted). */
int sk_udp_icmp_error(sk_udp *u, const sk_endpoint *local, const sk_endpoint *remote, int err);
/* A socket could have sent a datagram from `local` to `remote`: bound to
 * that port (and address, unless the wildcard), and connected to `remote`
 * or not connected. The RFC 8201 §4 check of a packet too big. */
bool sk_udp_could_send(const sk_udp *u, const sk_endpoint *local, const sk_endpoint *remote);

/* Output: the oldest datagram of the socket at the head of the output list,
 * or NULL when none. The caller builds the frame (sk_udp_out_write), then calls
 * sk_udp_out_done whatever became of it. */
typedef struct {
    sk_udp_sock *sock;
    const sk_udp_rec *rec;
} sk_udp_out;
bool sk_udp_next_out(sk_udp *u, sk_udp_out *o);
void sk_udp_out_done(sk_udp *u, const sk_udp_out *o);
static inline bool sk_udp_has_output(const sk_udp *u)
{
    return u->out_head != SK_UDP_NONE;
}
/* Write the UDP header (wire/udp.c; checksum 0: the interface fills it
 * with the pseudo-header) and the payload at seg; returns 8 + len. */
size_t sk_udp_out_write(const sk_udp_out *o, uint8_t *seg, size_t cap);
/* The largest payload one unfragmented datagram of family `fam` carries. */
size_t sk_udp_max_payload(const sk_udp *u, uint8_t fam);

#endif
