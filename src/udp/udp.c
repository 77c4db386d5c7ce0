/* UDP (RFC 768) sockets: the table, local port binding, the remote end,
 * demultiplexing, input checks, ICMP errors, readiness and events, and the
 * queue of datagrams the output routine takes.
 *
 * Host rules followed (RFC 1122 §4.1.3, RFC 8085 §3, §5):
 *  - a datagram for no socket is answered with ICMP port unreachable
 *    (RFC 1122 §4.1.3.1), never for a broadcast or multicast destination
 *    (RFC 1122 §3.2.2; the interface applies that and the rate limit);
 *  - the checksum is always generated and verified when present
 *    (RFC 1122 §4.1.3.4; RFC 8085 §3.4); a zero checksum field means "none"
 *    for IPv4 (RFC 768) and is an error for IPv6 (RFC 8200 §8.1);
 *  - ICMP errors are passed to the application (RFC 1122 §4.1.3.3), as
 *    Linux does: hard errors only, and only to connected sockets whose ends
 *    the quote names exactly (RFC 8085 §5.2: validated against what we sent);
 *  - datagrams are never fragmented by us (RFC 8085 §3.2: the payload is
 *    bounded by the MTU, larger sends fail with SK_EMSGSIZE);
 *  - the destination address of a datagram is passed up (RFC 1122
 *    §4.1.3.5); a connected socket takes datagrams from its remote end
 *    only, we never send from port 0 and ephemeral ports are drawn from the
 *    seeded generator (RFC 8085 §5.1);
 *  - receive queues are bounded and their overflow counted.
 *
 * The UDP header and its checksum rules are wire/udp.c's; the interface
 * fills the checksum of what we send (sk_iface_send_l4). The context is
 * touched only by udp_drop, udp_stats and udp_mem. */
#include "udp/udp.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/error.h"
#include "wire/ipv4.h"

#include <string.h>

#define EPHEMERAL_LO 49152u
#define EPHEMERAL_N 16384u

/* ---- the context (one function each) ---- */

static void udp_drop(sk_udp *u, int reason, sk_time now)
{
    sk_ctx_drop(u->ctx, reason, now);
}

static sk_stats *udp_stats(sk_udp *u)
{
    return &u->ctx->stats;
}

static sk_udp_mem udp_mem(const sk_udp *u)
{
    const sk_allocator *a = &u->ctx->cfg.alloc;
    sk_udp_mem m = {a->allocate, a->release, a->ctx};
    return m;
}

static const sk_stack_config *udp_cfg(const sk_udp *u)
{
    return &u->ctx->cfg;
}

/* ---- table and handles ---- */

int sk_udp_init(sk_udp *u, sk_udp_ctx *ctx)
{
    memset(u, 0, sizeof *u);
    u->ctx = ctx;
    u->n = udp_cfg(u)->udp_max_sockets;
    u->free_head = u->out_head = u->out_tail = u->ev_head = u->ev_tail = SK_UDP_NONE;
    sk_rng_seed(&u->rng, udp_cfg(u)->seed ^ 0x7564702d706f7274ull);
    if (u->n == 0)
        return 0;
    sk_udp_mem m = udp_mem(u);
    u->socks = m.alloc(m.ctx, sizeof(sk_udp_sock) * u->n);
    if (u->socks == NULL)
        return SK_ENOMEM;
    memset(u->socks, 0, sizeof(sk_udp_sock) * u->n);
    for (uint32_t i = u->n; i-- > 0;) {
        u->socks[i].gen = 1;
        u->socks[i].free_next = u->free_head;
        u->free_head = i;
    }
    return 0;
}

void sk_udp_free(sk_udp *u)
{
    if (u->socks == NULL)
        return;
    sk_udp_mem m = udp_mem(u);
    for (uint32_t i = 0; i < u->n; i++) {
        sk_udpq_clear(&u->socks[i].rxq, &m);
        sk_udpq_clear(&u->socks[i].txq, &m);
    }
    m.release(m.ctx, u->socks, sizeof(sk_udp_sock) * u->n);
    u->socks = NULL;
}

static uint32_t sock_index(const sk_udp *u, const sk_udp_sock *k)
{
    return (uint32_t)(k - u->socks);
}

sk_udp_sock *sk_udp_sock_of(const sk_udp *u, sk_sock h)
{
    if (!(h.idx & SK_SOCK_UDP))
        return NULL;
    uint32_t i = h.idx & ~SK_SOCK_UDP;
    if (i == 0 || i > u->n)
        return NULL;
    sk_udp_sock *k = &u->socks[i - 1];
    return k->state == SK_UDP_OPEN && k->gen == h.gen ? k : NULL;
}

sk_sock sk_udp_handle(const sk_udp *u, const sk_udp_sock *k)
{
    sk_sock h = {SK_SOCK_UDP | (sock_index(u, k) + 1), k->gen};
    return h;
}

sk_udp_sock *sk_udp_alloc(sk_udp *u)
{
    if (u->free_head == SK_UDP_NONE)
        return NULL;
    sk_udp_sock *k = &u->socks[u->free_head];
    u->free_head = k->free_next;
    uint32_t gen = k->gen;
    memset(k, 0, sizeof *k);
    k->gen = gen;
    k->state = SK_UDP_OPEN;
    k->out_next = k->ev_next = k->free_next = SK_UDP_NONE;
    const sk_stack_config *c = udp_cfg(u);
    sk_udpq_init(&k->rxq, c->udp_rcvq_datagrams, c->udp_rcvq_bytes);
    sk_udpq_init(&k->txq, c->udp_sndq_datagrams, c->udp_sndq_bytes);
    return k;
}

/* Unlink k from a FIFO list of socket indices (next pointer at `off`). */
static void list_remove(sk_udp *u, uint32_t *head, uint32_t *tail, uint32_t idx, size_t off)
{
    uint32_t prev = SK_UDP_NONE;
    for (uint32_t i = *head; i != SK_UDP_NONE;) {
        uint32_t *nx = (uint32_t *)(void *)((char *)&u->socks[i] + off);
        if (i == idx) {
            if (prev == SK_UDP_NONE)
                *head = *nx;
            else
                *(uint32_t *)(void *)((char *)&u->socks[prev] + off) = *nx;
            if (*tail == idx)
                *tail = prev;
            *nx = SK_UDP_NONE;
            return;
        }
        prev = i;
        i = *nx;
    }
}

static void list_push(sk_udp *u, uint32_t *head, uint32_t *tail, uint32_t idx, size_t off)
{
    *(uint32_t *)(void *)((char *)&u->socks[idx] + off) = SK_UDP_NONE;
    if (*tail == SK_UDP_NONE)
        *head = idx;
    else
        *(uint32_t *)(void *)((char *)&u->socks[*tail] + off) = idx;
    *tail = idx;
}

void sk_udp_release(sk_udp *u, sk_udp_sock *k)
{
    uint32_t i = sock_index(u, k);
    if (k->on_out)
        list_remove(u, &u->out_head, &u->out_tail, i, offsetof(sk_udp_sock, out_next));
    if (k->on_ev)
        list_remove(u, &u->ev_head, &u->ev_tail, i, offsetof(sk_udp_sock, ev_next));
    sk_udp_mem m = udp_mem(u);
    sk_udpq_clear(&k->rxq, &m);
    sk_udpq_clear(&k->txq, &m);
    k->state = SK_UDP_FREE;
    k->gen++;
    if (k->gen == 0)
        k->gen = 1;
    k->free_next = u->free_head;
    u->free_head = i;
}

/* ---- binding ---- */

static bool addr_any(const sk_ipaddr *a)
{
    return a->family == SK_AF_UNSPEC;
}

/* Two local addresses overlap when either is the wildcard or both are the
 * same address. */
static bool local_overlap(const sk_ipaddr *a, const sk_ipaddr *b)
{
    return addr_any(a) || addr_any(b) || sk_ipaddr_eq(a, b);
}

/* `port` on `addr` is taken for a socket whose SO_REUSEADDR is `reuse`:
 * another bound socket overlaps it and not both of them set the option. */
static bool port_taken(const sk_udp *u, const sk_ipaddr *addr, uint16_t port, bool reuse)
{
    for (uint32_t i = 0; i < u->n; i++) {
        const sk_udp_sock *k = &u->socks[i];
        if (k->state == SK_UDP_OPEN && k->bound && k->local.port == port &&
            local_overlap(&k->local.addr, addr) && !(reuse && k->reuse))
            return true;
    }
    return false;
}

/* RFC 6056 §3.3.1-like: a random start from the seeded generator, then
 * the next free port. 0 when all are taken. */
static uint16_t pick_ephemeral(sk_udp *u, const sk_ipaddr *addr)
{
    uint32_t start = (uint32_t)sk_rng_below(&u->rng, EPHEMERAL_N);
    for (uint32_t i = 0; i < EPHEMERAL_N; i++) {
        uint16_t p = (uint16_t)(EPHEMERAL_LO + (start + i) % EPHEMERAL_N);
        if (!port_taken(u, addr, p, false))
            return p;
    }
    return 0;
}

int sk_udp_bind_local(sk_udp *u, sk_udp_sock *k, const sk_endpoint *local)
{
    if (k->bound)
        return SK_EINVAL;
    uint16_t port = local->port;
    if (port == 0)
        port = pick_ephemeral(u, &local->addr);
    else if (port_taken(u, &local->addr, port, k->reuse))
        return SK_EADDRINUSE;
    if (port == 0)
        return SK_EADDRINUSE;
    k->local.addr = local->addr;
    k->local.port = port;
    k->bound = true;
    return 0;
}

int sk_udp_set_remote(sk_udp *u, sk_udp_sock *k, const sk_endpoint *remote)
{
    if (remote->addr.family == SK_AF_UNSPEC) {
        k->connected = false;
        memset(&k->remote, 0, sizeof k->remote);
        return 0;
    }
    if (!k->bound) {
        sk_endpoint any;
        memset(&any, 0, sizeof any);
        int err = sk_udp_bind_local(u, k, &any);
        if (err != 0)
            return err;
    }
    k->remote = *remote;
    k->connected = true;
    return 0;
}

/* ---- readiness and events ---- */

uint32_t sk_udp_readiness(const sk_udp *u, const sk_udp_sock *k)
{
    (void)u;
    uint32_t ev = 0;
    if (k->rxq.n > 0)
        ev |= SK_EV_READABLE;
    if (sk_udpq_fits(&k->txq, 0))
        ev |= SK_EV_WRITABLE;
    if (k->error != 0)
        ev |= SK_EV_ERROR;
    return ev;
}

void sk_udp_notify(sk_udp *u, sk_udp_sock *k)
{
    uint32_t ev = sk_udp_readiness(u, k);
    if (ev == 0)
        return;
    k->ev_pending |= ev;
    if (!k->on_ev) {
        k->on_ev = true;
        list_push(u, &u->ev_head, &u->ev_tail, sock_index(u, k), offsetof(sk_udp_sock, ev_next));
    }
}

bool sk_udp_next_event(sk_udp *u, sk_event *ev)
{
    uint32_t i = u->ev_head;
    if (i == SK_UDP_NONE)
        return false;
    sk_udp_sock *k = &u->socks[i];
    u->ev_head = k->ev_next;
    if (u->ev_head == SK_UDP_NONE)
        u->ev_tail = SK_UDP_NONE;
    k->ev_next = SK_UDP_NONE;
    k->on_ev = false;
    ev->sock = sk_udp_handle(u, k);
    ev->events = k->ev_pending;
    k->ev_pending = 0;
    return true;
}

/* ---- the application's side of the queues ---- */

int sk_udp_queue_send(sk_udp *u, sk_udp_sock *k, const sk_ipaddr *src, const sk_endpoint *to,
                      const void *data, size_t len)
{
    sk_udp_rec r;
    memset(&r, 0, sizeof r);
    r.peer = *to;
    r.local.addr = *src;
    r.local.port = k->local.port;
    r.len = (uint32_t)len;
    sk_udp_mem m = udp_mem(u);
    bool nomem;
    if (!sk_udpq_push(&k->txq, &m, &r, data, &nomem)) {
        k->want_write = !nomem;
        return nomem ? SK_ENOMEM : SK_EAGAIN;
    }
    if (!k->on_out) {
        k->on_out = true;
        list_push(u, &u->out_head, &u->out_tail, sock_index(u, k),
                  offsetof(sk_udp_sock, out_next));
    }
    return 0;
}

ptrdiff_t sk_udp_take(sk_udp *u, sk_udp_sock *k, void *buf, size_t cap, sk_udp_meta *meta)
{
    const sk_udp_rec *r = sk_udpq_peek(&k->rxq);
    if (r == NULL)
        return SK_EAGAIN;
    size_t n = sk_udpq_copy(&k->rxq, buf, cap);
    if (meta != NULL) {
        meta->from = r->peer;
        meta->to = r->local;
        meta->len = r->len;
    }
    sk_udp_mem m = udp_mem(u);
    sk_udpq_pop(&k->rxq, &m);
    return (ptrdiff_t)n;
}

/* ---- input ---- */

static sk_ip6 ip6_of(const sk_ipaddr *a)
{
    sk_ip6 r;
    memcpy(r.b, a->b, 16);
    return r;
}

/* Header, lengths and checksum (wire/udp.c, RFC 768): a length field
 * shorter than the IP payload ends the datagram (the rest is padding, as
 * Linux trims it); one past it, or below 8, is an error; a zero checksum
 * means none over IPv4 and is an error over IPv6 (RFC 8200 §8.1). Then the
 * destination port must not be 0. */
static int parse_dgram(const sk_udp_in *in, sk_udp_repr *h)
{
    int r = sk_udp_parse(in->dgram, in->len, h);
    if (r != 0)
        return r;
    if (in->src.family == SK_AF_INET6)
        r = sk_udp_check6(ip6_of(&in->src), ip6_of(&in->dst), in->dgram, h->length);
    else
        r = sk_udp_check4(sk_addr_ip4(&in->src), sk_addr_ip4(&in->dst), in->dgram, h->length);
    if (r != 0)
        return r;
    return h->dst_port == 0 ? SK_DROP_UDP_BAD_PORT : 0;
}

/* How well socket k matches a datagram src:sport -> dst:dport; 0: not at
 * all. A connected socket's exact match beats a specific local address,
 * which beats the wildcard (Linux's compute_score, in the same order). */
static int match_score(const sk_udp_sock *k, const sk_ipaddr *src, uint16_t sport,
                       const sk_ipaddr *dst, uint16_t dport)
{
    if (k->state != SK_UDP_OPEN || !k->bound || k->local.port != dport)
        return 0;
    int score = 1;
    if (!addr_any(&k->local.addr)) {
        if (!sk_ipaddr_eq(&k->local.addr, dst))
            return 0;
        score += 2;
    }
    if (k->connected) {
        if (k->remote.port != sport || !sk_ipaddr_eq(&k->remote.addr, src))
            return 0;
        score += 4;
    }
    return score;
}

static sk_udp_sock *demux(sk_udp *u, const sk_ipaddr *src, uint16_t sport, const sk_ipaddr *dst,
                          uint16_t dport)
{
    sk_udp_sock *best = NULL;
    int best_score = 0;
    for (uint32_t i = 0; i < u->n; i++) {
        int sc = match_score(&u->socks[i], src, sport, dst, dport);
        if (sc > best_score) {
            best_score = sc;
            best = &u->socks[i];
        }
    }
    return best;
}

static void deliver(sk_udp *u, sk_udp_sock *k, const sk_udp_in *in, const sk_udp_repr *h,
                    sk_time now)
{
    sk_udp_rec r;
    memset(&r, 0, sizeof r);
    r.peer.addr = in->src;
    r.peer.port = h->src_port;
    r.local.addr = in->dst;
    r.local.port = h->dst_port;
    r.len = (uint32_t)h->payload_len;
    sk_udp_mem m = udp_mem(u);
    bool nomem;
    if (!sk_udpq_push(&k->rxq, &m, &r, h->payload, &nomem)) {
        k->overflows++;
        udp_stats(u)->udp_rcvq_full++;
        udp_drop(u, nomem ? SK_DROP_UDP_NO_MEMORY : SK_DROP_UDP_QUEUE_FULL, now);
        return;
    }
    udp_stats(u)->udp_in++;
    sk_udp_notify(u, k);
}

int sk_udp_input(sk_udp *u, sk_time now, const sk_udp_in *in)
{
    sk_udp_repr h;
    int r = parse_dgram(in, &h);
    if (r != 0) {
        if (r == SK_DROP_UDP_CHECKSUM || r == SK_DROP_UDP_ZERO_CHECKSUM6)
            udp_stats(u)->udp_bad_checksum++;
        else if (r == SK_DROP_UDP_TRUNCATED || r == SK_DROP_UDP_LENGTH)
            udp_stats(u)->udp_bad_length++;
        udp_drop(u, r, now);
        return SK_UDP_DELIVERED;
    }
    sk_udp_sock *k = demux(u, &in->src, h.src_port, &in->dst, h.dst_port);
    if (k == NULL) {
        udp_stats(u)->udp_no_port++;
        udp_drop(u, SK_DROP_UDP_NO_SOCKET, now);
        return SK_UDP_NO_PORT;
    }
    deliver(u, k, in, &h, now);
    return SK_UDP_DELIVERED;
}

/* ---- ICMP errors (RFC 1122 §4.1.3.3) ---- */

int sk_udp_icmp_error(sk_udp *u, const sk_endpoint *local, const sk_endpoint *remote, int err)
{
    for (uint32_t i = 0; i < u->n; i++) {
        sk_udp_sock *k = &u->socks[i];
        if (k->state != SK_UDP_OPEN || !k->connected || k->local.port != local->port)
            continue;
        if (!addr_any(&k->local.addr) && !sk_ipaddr_eq(&k->local.addr, &local->addr))
            continue;
        if (k->remote.port != remote->port || !sk_ipaddr_eq(&k->remote.addr, &remote->addr))
            continue;
        k->error = err;
        sk_udp_notify(u, k);
        return 0;
    }
    return SK_DROP_ICMP_NO_CONN;
}

bool sk_udp_could_send(const sk_udp *u, const sk_endpoint *local, const sk_endpoint *remote)
{
    for (uint32_t i = 0; i < u->n; i++) {
        const sk_udp_sock *k = &u->socks[i];
        if (k->state != SK_UDP_OPEN || !k->bound || k->local.port != local->port)
            continue;
        if (!addr_any(&k->local.addr) && !sk_ipaddr_eq(&k->local.addr, &local->addr))
            continue;
        if (!k->connected ||
            (k->remote.port == remote->port && sk_ipaddr_eq(&k->remote.addr, &remote->addr)))
            return true;
    }
    return false;
}

/* ---- output ---- */

bool sk_udp_next_out(sk_udp *u, sk_udp_out *o)
{
    while (u->out_head != SK_UDP_NONE) {
        sk_udp_sock *k = &u->socks[u->out_head];
        const sk_udp_rec *r = sk_udpq_peek(&k->txq);
        if (r != NULL) {
            o->sock = k;
            o->rec = r;
            return true;
        }
        list_remove(u, &u->out_head, &u->out_tail, u->out_head, offsetof(sk_udp_sock, out_next));
        k->on_out = false;
    }
    return false;
}

void sk_udp_out_done(sk_udp *u, const sk_udp_out *o)
{
    sk_udp_sock *k = o->sock;
    uint32_t i = sock_index(u, k);
    sk_udp_mem m = udp_mem(u);
    sk_udpq_pop(&k->txq, &m);
    /* round robin: the socket goes to the back of the list, or leaves it */
    list_remove(u, &u->out_head, &u->out_tail, i, offsetof(sk_udp_sock, out_next));
    k->on_out = k->txq.n > 0;
    if (k->on_out)
        list_push(u, &u->out_head, &u->out_tail, i, offsetof(sk_udp_sock, out_next));
    if (k->want_write) { /* a send was refused: room now, tell the application */
        k->want_write = false;
        sk_udp_notify(u, k);
    }
}

size_t sk_udp_out_write(const sk_udp_out *o, uint8_t *seg, size_t cap)
{
    SK_ASSERT(cap >= SK_UDP_HDR_LEN + (size_t)o->rec->len);
    if (cap < SK_UDP_HDR_LEN + (size_t)o->rec->len)
        return 0;
    sk_udp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = o->rec->local.port;
    h.dst_port = o->rec->peer.port;
    h.payload = seg + SK_UDP_HDR_LEN; /* copied in place first: emit moves nothing */
    h.payload_len = sk_udpq_copy(&o->sock->txq, seg + SK_UDP_HDR_LEN, o->rec->len);
    return sk_udp_emit(&h, seg, cap);
}

size_t sk_udp_max_payload(const sk_udp *u, uint8_t fam)
{
    size_t ip = fam == SK_AF_INET6 ? 40u : 20u;
    size_t mtu = udp_cfg(u)->mtu;
    return mtu > ip + SK_UDP_HDR_LEN ? mtu - ip - SK_UDP_HDR_LEN : 0;
}
