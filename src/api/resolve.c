/* The DNS stub resolver over the stack's sockets (include/synack/resolve.h).
 * Only the public socket API is used here: this file is an application of
 * the stack that ships with it. */
#include "synack/resolve.h"

#include "synack/error.h"
#include "synack/udp.h"

#include <string.h>

#define RESOLVE_BUF 2048

int sk_resolve_init(sk_resolve *r, const sk_dns_config *cfg)
{
    memset(r, 0, sizeof *r);
    return sk_dns_init(&r->dns, cfg);
}

/* ---- UDP: one socket per source port ---- */

static void udp_input(sk_resolve *r, sk_stack *s, sk_time_us now)
{
    uint8_t buf[RESOLVE_BUF];
    for (int i = 0; i < SK_RESOLVE_UDP_SOCKS; i++) {
        sk_resolve_udp_ *u = &r->udp[i];
        if (u->port == 0)
            continue;
        for (int n = 0; n < 64; n++) { /* bounded: the queue is bounded too */
            sk_udp_meta m;
            ptrdiff_t got = sk_udp_recvfrom(s, now, u->sock, buf, sizeof buf, &m);
            if (got == SK_EAGAIN)
                break;
            if (got < 0)
                continue; /* a pending error, reported once */
            sk_dns_input(&r->dns, now, &m.from, u->port, buf, (size_t)got);
        }
    }
}

/* The socket bound to `port`: the one we have, or a new one in a free slot
 * or in the least recently used one's. NULL when the stack refuses. */
static sk_resolve_udp_ *udp_for_port(sk_resolve *r, sk_stack *s, uint16_t port)
{
    sk_resolve_udp_ *victim = &r->udp[0];
    for (int i = 0; i < SK_RESOLVE_UDP_SOCKS; i++) {
        sk_resolve_udp_ *u = &r->udp[i];
        if (u->port == port)
            return u;
        if (victim->port != 0 && (u->port == 0 || u->used < victim->used))
            victim = u;
    }
    if (victim->port != 0)
        sk_udp_close(s, victim->sock);
    victim->port = 0;
    sk_sock h;
    if (sk_udp_open(s, &h) != 0)
        return NULL;
    sk_endpoint local;
    memset(&local, 0, sizeof local);
    local.port = port;
    if (sk_udp_bind(s, h, &local) != 0) {
        sk_udp_close(s, h);
        return NULL;
    }
    victim->sock = h;
    victim->port = port;
    return victim;
}

static void udp_output(sk_resolve *r, sk_stack *s, sk_time_us now)
{
    sk_dns_datagram d;
    while (sk_dns_next_datagram(&r->dns, now, &d)) {
        sk_resolve_udp_ *u = udp_for_port(r, s, d.src_port);
        /* a datagram the stack refuses is lost: the resolver's timer
         * retries it (RFC 1035 §4.2.1) */
        if (u == NULL || sk_udp_sendto(s, now, u->sock, d.data, d.len, &d.dst) < 0) {
            r->send_errors++;
            continue;
        }
        u->used = r->steps;
    }
}

/* ---- TCP: one connection per OPEN intent ---- */

static sk_resolve_tcp_ *tcp_find(sk_resolve *r, uint32_t conn)
{
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++)
        if (r->tcp[i].used && r->tcp[i].conn == conn)
            return &r->tcp[i];
    return NULL;
}

static void tcp_gone(sk_resolve *r, sk_stack *s, sk_time_us now, sk_resolve_tcp_ *t)
{
    sk_tcp_abort(s, now, t->sock);
    t->used = false;
    sk_dns_tcp_closed(&r->dns, now, t->conn);
}

/* The query's bytes go out whole or the connection is given up: the
 * resolver hands them over once (a 2-byte length and at most 255 + 16
 * bytes, far below any send buffer). */
static void tcp_write(sk_resolve *r, sk_stack *s, sk_time_us now, sk_resolve_tcp_ *t)
{
    uint8_t buf[RESOLVE_BUF];
    size_t n = sk_dns_tcp_output(&r->dns, t->conn, buf, sizeof buf);
    if (n > 0 && sk_tcp_send(s, now, t->sock, buf, n) != (ptrdiff_t)n)
        tcp_gone(r, s, now, t);
}

static void tcp_service(sk_resolve *r, sk_stack *s, sk_time_us now, sk_resolve_tcp_ *t)
{
    uint32_t ev = sk_sock_events(s, t->sock);
    if (!t->connected && (ev & SK_EV_CONNECTED)) {
        t->connected = true;
        sk_dns_tcp_opened(&r->dns, now, t->conn);
    }
    if (!t->connected) {
        if (ev & (SK_EV_ERROR | SK_EV_CLOSED))
            tcp_gone(r, s, now, t);
        return;
    }
    tcp_write(r, s, now, t);
    uint8_t buf[RESOLVE_BUF];
    for (int n = 0; t->used && n < 64; n++) {
        ptrdiff_t got = sk_tcp_recv(s, now, t->sock, buf, sizeof buf);
        if (got == SK_EAGAIN)
            return;
        if (got <= 0) { /* the server closed, or the connection failed */
            tcp_gone(r, s, now, t);
            return;
        }
        sk_dns_tcp_input(&r->dns, now, t->conn, buf, (size_t)got);
    }
}

static void tcp_open(sk_resolve *r, sk_stack *s, sk_time_us now, const sk_dns_tcp_intent *in)
{
    sk_resolve_tcp_ *t = NULL;
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS && t == NULL; i++)
        if (!r->tcp[i].used)
            t = &r->tcp[i];
    sk_endpoint server = in->server;
    if (server.port == 0)
        server.port = 53;
    if (t == NULL || sk_tcp_connect(s, now, &server, NULL, &t->sock) != 0) {
        r->send_errors++;
        sk_dns_tcp_closed(&r->dns, now, in->conn);
        return;
    }
    t->used = true;
    t->connected = false;
    t->conn = in->conn;
}

static void tcp_intents(sk_resolve *r, sk_stack *s, sk_time_us now)
{
    sk_dns_tcp_intent in;
    for (int n = 0; n < 4 * SK_RESOLVE_TCP_SOCKS && sk_dns_tcp_want(&r->dns, &in); n++) {
        if (in.op == SK_DNS_TCP_OPEN) {
            tcp_open(r, s, now, &in);
        } else {
            sk_resolve_tcp_ *t = tcp_find(r, in.conn);
            if (t != NULL) {
                sk_tcp_close(s, now, t->sock);
                t->used = false;
            }
        }
    }
}

void sk_resolve_step(sk_resolve *r, sk_stack *s, sk_time_us now)
{
    r->steps++;
    udp_input(r, s, now);
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++)
        if (r->tcp[i].used)
            tcp_service(r, s, now, &r->tcp[i]);
    if (sk_dns_poll_at(&r->dns) <= now)
        sk_dns_run_timers(&r->dns, now);
    tcp_intents(r, s, now);
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++) /* a fresh open's bytes wait */
        if (r->tcp[i].used && r->tcp[i].connected)
            tcp_write(r, s, now, &r->tcp[i]);
    udp_output(r, s, now);
}

sk_time_us sk_resolve_poll_at(const sk_resolve *r)
{
    uint64_t t = sk_dns_poll_at(&r->dns);
    return t == UINT64_MAX ? SK_NEVER : t;
}

void sk_resolve_close(sk_resolve *r, sk_stack *s)
{
    for (int i = 0; i < SK_RESOLVE_UDP_SOCKS; i++) {
        if (r->udp[i].port != 0)
            sk_udp_close(s, r->udp[i].sock);
        r->udp[i].port = 0;
    }
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++) {
        if (r->tcp[i].used)
            sk_tcp_abort(s, 0, r->tcp[i].sock);
        r->tcp[i].used = false;
    }
}
