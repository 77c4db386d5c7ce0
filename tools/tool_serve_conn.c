/* synack serve, the TCP connections: accepting them, the stack's events
 * handed to their owners (a listener, a connection, the iperf3 server, the
 * UDP echo), and the byte-stream services echo, discard and iperf 2; HTTP
 * is tool_serve_http.c. */
#include "tool_serve.h"

#include "synack/error.h"
#include "tool.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static serve_conn *conn_of(const server *sv, sk_sock s)
{
    if (s.idx >= sv->max_conns || sv->conns[s.idx] == NULL)
        return NULL;
    serve_conn *c = sv->conns[s.idx];
    return c->sock.gen == s.gen ? c : NULL;
}

/* Spares kept: a burst of connections reuses them instead of the
 * allocator's fresh (and, after a trim, faulted-in) memory. */
#define SERVE_SPARE_MAX 256u

serve_conn *serve_conn_new(server *sv)
{
    serve_conn *c = sv->spare;
    if (c != NULL) {
        sv->spare = c->next_spare;
        sv->nspare--;
    } else {
        c = malloc(sizeof *c);
        if (c == NULL)
            return NULL;
    }
    memset(c, 0, offsetof(serve_conn, req));
    return c;
}

void serve_conn_spares_free(server *sv)
{
    while (sv->spare != NULL) {
        serve_conn *c = sv->spare;
        sv->spare = c->next_spare;
        free(c);
    }
    sv->nspare = 0;
}

void serve_conn_free(server *sv, serve_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    sv->conns[c->sock.idx] = NULL;
    sv->nconns--;
    if (sv->nspare < SERVE_SPARE_MAX) {
        c->next_spare = sv->spare;
        sv->spare = c;
        sv->nspare++;
    } else {
        free(c);
    }
}

static void iperf_report(server *sv, const serve_conn *c)
{
    char peer[64];
    double secs = c->t_last > c->t0 ? (double)(c->t_last - c->t0) / 1e6 : 0.0;
    double mbit = secs > 0 ? (double)c->bytes * 8.0 / secs / 1e6 : 0.0;
    fprintf(sv->log, "iperf %s: %llu bytes in %.2f s = %.1f Mbit/s\n",
            tool_endpoint_str(&c->peer, peer, sizeof peer), (unsigned long long)c->bytes, secs,
            mbit);
}

/* status > 0: the peer finished (graceful close); < 0: the connection failed. */
void serve_conn_end(server *sv, serve_conn *c, int status)
{
    if (c->svc == SVC_IPERF && status > 0)
        iperf_report(sv, c);
    if (sk_tcp_close(sv->stack, sv->loop->now, c->sock) != 0)
        sk_tcp_abort(sv->stack, sv->loop->now, c->sock);
    serve_conn_free(sv, c);
}

/* Send what is pending in c->out: 1 all sent, 0 would block, -1 error. */
int serve_flush_out(server *sv, serve_conn *c)
{
    size_t off = c->out_off;
    int r = tool_tcp_send_rest(sv->stack, sv->loop->now, c->sock, c->out, c->out_len, &c->out_off);
    if (c->out_off != off)
        c->t_active = sv->loop->now;
    if (r != 1)
        return r < 0 ? -1 : 0;
    c->out_off = c->out_len = 0;
    return 1;
}

/* ---- echo, discard, iperf, drain: 0 keep going, 1 peer done, -1 failed ---- */

static int pump_echo(server *sv, serve_conn *c)
{
    for (;;) {
        int f = serve_flush_out(sv, c);
        if (f <= 0)
            return f;
        ptrdiff_t n = sk_tcp_recv(sv->stack, sv->loop->now, c->sock, c->out, SERVE_OUT_CAP);
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        c->out_len = (size_t)n;
    }
}

/* iperf 2's test header (iperf 2.1 include/payloads.h, read for the
 * format): the first 32-bit big-endian word of a client's stream holds
 * flags. HEADER_VERSION1 (0x80000000) asks for a dual test (-d, -r: the
 * server connects back); HEADER_VERSION2 (0x04000000) for a reversed or
 * full-duplex one (-R, --full-duplex: the server sends on this
 * connection). synack's iperf 2 server only receives: it says so and the
 * caller resets the connection, instead of a test that moves nothing. */
static bool iperf2_refuse(FILE *log, const sk_endpoint *peer, const uint8_t *p, size_t n)
{
    if (n < 4)
        return false;
    uint32_t flags = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    const char *what = flags & 0x80000000u ? "-d/-r (a dual test: the server connects back)"
                       : flags & 0x04000000u ? "-R/--full-duplex (the server sends)"
                                             : NULL;
    if (what == NULL)
        return false;
    char ep[80];
    fprintf(log, "iperf %s: iperf 2 %s is not supported: connection reset (use --iperf3 and "
                 "iperf3 -R)\n", tool_endpoint_str(peer, ep, sizeof ep), what);
    fflush(log);
    return true;
}

/* sk_tcp_recv_view's callback for the sinks: count the bytes where they
 * lie in the receive buffer (discard and iperf read nothing of them but
 * iperf 2's header), without copying them out. */
typedef struct {
    server *sv;
    serve_conn *c;
    bool refuse;
} sink_view;

static size_t sink_consume(void *ctx, const uint8_t *p, size_t n)
{
    sink_view *v = ctx;
    serve_conn *c = v->c;
    if (c->svc == SVC_IPERF && c->bytes == 0 && !c->draining &&
        iperf2_refuse(v->sv->log, &c->peer, p, n)) {
        v->refuse = true;
        return 0;
    }
    c->bytes += (uint64_t)n;
    return n;
}

static int pump_sink(server *sv, serve_conn *c)
{
    sink_view v = {sv, c, false};
    for (;;) {
        ptrdiff_t n = sk_tcp_recv_view(sv->stack, sv->loop->now, c->sock, sink_consume, &v);
        if (v.refuse)
            return -1; /* reset: the client reports the failure */
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        c->t_last = c->t_active = sv->loop->now;
    }
}

/* ---- accept and dispatch ---- */

void serve_conn_pump(server *sv, serve_conn *c)
{
    int r;
    if (c->draining)
        r = pump_sink(sv, c);
    else if (c->svc == SVC_ECHO)
        r = pump_echo(sv, c);
    else if (c->svc == SVC_HTTP)
        r = serve_http_pump(sv, c);
    else
        r = pump_sink(sv, c);
    if (r > 0 && c->svc == SVC_HTTP && c->close_after && !c->draining) {
        /* RFC 9112 §9.6: half-close, then read until the client closes, so
         * that unread request bytes do not turn our close into a RST that
         * could destroy the response before the client reads it. */
        c->draining = true;
        r = sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) == 0 ? pump_sink(sv, c) : -1;
    }
    if (r != 0)
        serve_conn_end(sv, c, r);
}

static void accept_all(server *sv, enum svc svc)
{
    for (;;) {
        sk_sock s;
        sk_endpoint peer;
        if (sk_tcp_accept(sv->stack, sv->listener[svc], &s, &peer) != 0)
            return;
        serve_conn *c = s.idx < sv->max_conns ? serve_conn_new(sv) : NULL;
        if (c == NULL) {
            sk_tcp_abort(sv->stack, sv->loop->now, s);
            continue;
        }
        c->sock = s;
        c->svc = svc;
        c->peer = peer;
        c->fd = -1;
        c->t0 = c->t_last = c->t_active = sv->loop->now;
        sv->conns[s.idx] = c;
        sv->nconns++;
        serve_conn_pump(sv, c);
    }
}

static bool same_sock(sk_sock a, sk_sock b)
{
    return a.idx == b.idx && a.gen == b.gen;
}

void serve_dispatch(server *sv)
{
    sk_event ev;
    while (sk_stack_next_event(sv->stack, &ev)) {
        if (sv->ip3 != NULL && ip3_server_owns(sv->ip3, ev.sock)) {
            ip3_server_pump(sv->ip3, sv->loop->now);
            continue;
        }
        if (tool_udp_echo_owns(&sv->uecho, ev.sock)) {
            tool_udp_echo_pump(&sv->uecho, sv->stack, sv->loop->now);
            continue;
        }
        bool listener = false;
        for (int k = 0; k < SVC__COUNT; k++) {
            if (sv->on[k] && same_sock(ev.sock, sv->listener[k])) {
                accept_all(sv, (enum svc)k);
                listener = true;
            }
        }
        serve_conn *c = listener ? NULL : conn_of(sv, ev.sock);
        if (c != NULL)
            serve_conn_pump(sv, c);
    }
}

